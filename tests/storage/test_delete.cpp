// Deleting a run removes every row that belongs to it, and nothing else.

#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

const QStringList kTables = {QStringLiteral("tags"),           QStringLiteral("metrics"),
                             QStringLiteral("latest_metrics"), QStringLiteral("metric_tiles"),
                             QStringLiteral("snapshots"),      QStringLiteral("checkpoints"),
                             QStringLiteral("events")};

qint64 rowsOf(const QString& path, const QString& table, qint64 run) {
    return scalar(path, QStringLiteral("SELECT count(*) FROM %1 WHERE run_id = ?").arg(table),
                  {run})
        .toLongLong();
}

RunHandle writeFullRun(RunWriter& writer, const QString& name) {
    NewRun n = sampleRun(name);
    n.tags = {QStringLiteral("a"), QStringLiteral("b")};
    const RunHandle run = writer.createRun(n).value();
    for (qint64 step = 1; step <= 300; ++step) {
        (void)writer.appendMetric(QStringLiteral("train/loss"), step, 0, 1.0 / step);
        (void)writer.appendMetric(QStringLiteral("train/accuracy"), step, 0, step / 300.0);
    }
    (void)writer.addSnapshot(100, QStringLiteral("loss/online"), {{1.0f, 2.0f}});
    (void)writer.addEvent(
        {5, QStringLiteral("online"), QStringLiteral("warning"), QString(), QString(), 0});
    (void)writer.addCheckpoint(200, QStringLiteral("online"), "bytes");
    (void)writer.finishRun(RunStatus::Finished);
    return run;
}

}  // namespace

class TestDelete final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void deleteRemovesEveryRowOfTheRunOnly() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        RunHandle doomed;
        RunHandle kept;
        {
            auto writer = RunWriter::open(path).value();
            doomed = writeFullRun(*writer, QStringLiteral("doomed"));
            kept = writeFullRun(*writer, QStringLiteral("kept"));
        }
        QMap<QString, qint64> keptBefore;
        for (const QString& table : kTables) {
            QVERIFY2(rowsOf(path, table, doomed.id) > 0, qPrintable(table));
            keptBefore.insert(table, rowsOf(path, table, kept.id));
        }
        auto reader = RunReader::open(path).value();
        const Status s = reader->deleteRun(doomed.id);
        QVERIFY2(s.ok(), qPrintable(s.error()));
        QCOMPARE(scalar(path, QStringLiteral("SELECT count(*) FROM runs WHERE id = ?"), {doomed.id})
                     .toInt(),
                 0);
        for (const QString& table : kTables) {
            QVERIFY2(rowsOf(path, table, doomed.id) == 0,
                     qPrintable(table + QStringLiteral(" kept rows")));
            QCOMPARE(rowsOf(path, table, kept.id), keptBefore.value(table));
        }
        QCOMPARE(reader->countRuns().value(), qint64{1});
        QCOMPARE(reader->findRun(doomed.uuid).code(), ErrorCode::NotFound);
        QCOMPARE(reader->integrityCheck().value(), QStringLiteral("ok"));
    }

    void deletingSeveralIsAllOrNothing() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        QVector<qint64> ids;
        {
            auto writer = RunWriter::open(path).value();
            for (int i = 0; i < 3; ++i) {
                ids << writeFullRun(*writer, QStringLiteral("r%1").arg(i)).id;
            }
        }
        auto reader = RunReader::open(path).value();
        // One unknown id: nothing is deleted.
        const Status bad = reader->deleteRuns({ids.at(0), 12345});
        QCOMPARE(bad.code(), ErrorCode::NotFound);
        QVERIFY2(bad.error().contains(QStringLiteral("12345")), qPrintable(bad.error()));
        QCOMPARE(reader->countRuns().value(), qint64{3});
        QVERIFY(reader->deleteRuns({ids.at(0), ids.at(2)}).ok());
        QCOMPARE(reader->countRuns().value(), qint64{1});
        QCOMPARE(reader->listRuns().value().first().id, ids.at(1));
        QCOMPARE(scalar(path, QStringLiteral("SELECT count(DISTINCT run_id) FROM metrics")).toInt(),
                 1);
    }
};

QTEST_GUILESS_MAIN(TestDelete)
#include "test_delete.moc"
