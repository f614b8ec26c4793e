#pragma once

// Helpers shared by the storage tests: raw access to a store file that bypasses the library, so
// that tests check what is really on disk.

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QUuid>
#include <QVariant>
#include <QVector>

#include <lossstudio/storage/types.h>

namespace lossstudio::storage::test {

inline QByteArray fileBytes(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return file.readAll();
}

/// Runs `fn(QSqlDatabase&)` on a fresh connection of its own to `path`, then removes it.
template <class Fn>
auto withRawDb(const QString& path, Fn fn) {
    const QString name = QStringLiteral("raw-") + QUuid::createUuid().toString(QUuid::Id128);
    struct Remover {
        QString name;
        ~Remover() { QSqlDatabase::removeDatabase(name); }
    } remover{name};
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.open();
    auto result = fn(db);
    db.close();
    db = QSqlDatabase();
    return result;
}

/// The first column of the first row of `sql` (an invalid QVariant on error).
inline QVariant scalar(const QString& path, const QString& sql, const QVariantList& binds = {}) {
    return withRawDb(path, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.prepare(sql);
        for (const QVariant& v : binds) {
            q.addBindValue(v);
        }
        if (!q.exec() || !q.next()) {
            qWarning("scalar(%s): %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return QVariant();
        }
        return q.value(0);
    });
}

inline bool execRaw(const QString& path, const QStringList& statements) {
    return withRawDb(path, [&](QSqlDatabase& db) {
        for (const QString& sql : statements) {
            QSqlQuery q(db);
            if (!q.exec(sql)) {
                qWarning("execRaw(%s): %s", qPrintable(sql), qPrintable(q.lastError().text()));
                return false;
            }
        }
        return true;
    });
}

inline NewRun sampleRun(const QString& name) {
    NewRun run;
    run.name = name;
    run.configJson = QStringLiteral("{\"method\":\"adalfl\",\"steps\":100}");
    run.configHash = QStringLiteral("0123456789abcdef");
    run.seed = 7;
    run.method = QStringLiteral("adalfl");
    run.model = QStringLiteral("mlp");
    run.dataset = QStringLiteral("fashion-mnist");
    run.appVersion = QStringLiteral("0.1.0");
    run.qtVersion = QStringLiteral("6.4.2");
    run.torchVersion = QStringLiteral("1.13.1");
    run.host = QStringLiteral("testhost");
    return run;
}

}  // namespace lossstudio::storage::test
