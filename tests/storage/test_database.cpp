#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

#include <lossstudio/storage/database.h>

class TestDatabase final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void inMemoryRoundTripsARow() {
        QString error;
        {
            QSqlDatabase db = lossstudio::storage::openSqlite(QStringLiteral(":memory:"),
                                                               QStringLiteral("t1"), &error);
            QVERIFY2(db.isOpen(), qPrintable(error));
            QSqlQuery q(db);
            QVERIFY2(q.exec(QStringLiteral("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")),
                     qPrintable(q.lastError().text()));
            QVERIFY(q.prepare(QStringLiteral("INSERT INTO t(name, v) VALUES(?, ?)")));
            q.addBindValue(QStringLiteral("adalfl"));
            q.addBindValue(0.8675);
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            QVERIFY(q.exec(QStringLiteral("SELECT name, v FROM t")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("adalfl"));
            QCOMPARE(q.value(1).toDouble(), 0.8675);
            QVERIFY(!q.next());
        }
        lossstudio::storage::closeConnection(QStringLiteral("t1"));
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "test_database.moc"
