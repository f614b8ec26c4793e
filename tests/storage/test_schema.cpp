// Schema creation and forward migration from version 1.

#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/float_arrays.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>
#include <lossstudio/storage/store.h>

#include "store_test_util.h"
#include "v1_store.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

class TestSchema final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void freshStoreHasTheCurrentSchema() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        {
            auto reader = RunReader::open(path);
            QVERIFY2(reader.ok(), qPrintable(reader.error()));
        }
        QCOMPARE(scalar(path, QStringLiteral("SELECT max(version) FROM schema_version")).toInt(),
                 kSchemaVersion);
        QCOMPARE(scalar(path, QStringLiteral("PRAGMA journal_mode")).toString(),
                 QStringLiteral("wal"));
        for (const char* table : {"runs", "tags", "metrics", "latest_metrics", "metric_tiles",
                                  "snapshots", "checkpoints", "events", "schema_version"}) {
            QVERIFY2(scalar(path,
                            QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'table' AND name = ?"),
                            {QString::fromLatin1(table)})
                             .toInt() == 1,
                     table);
        }
        // The indices the queries rely on.
        for (const char* index :
             {"runs_created_at", "runs_status", "runs_method", "runs_model", "runs_dataset",
              "runs_config_hash", "tags_tag", "snapshots_run_kind_step", "checkpoints_run_step",
              "events_run_step"}) {
            QVERIFY2(scalar(path,
                            QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'index' AND name = ?"),
                            {QString::fromLatin1(index)})
                             .toInt() == 1,
                     index);
        }
        // metrics is clustered on (run_id, key, step): its primary key is the series index.
        const QString metricsSql =
            scalar(path, QStringLiteral("SELECT sql FROM sqlite_master WHERE name = 'metrics'"))
                .toString();
        QVERIFY2(metricsSql.contains(QStringLiteral("PRIMARY KEY(run_id, key, step)")) &&
                     metricsSql.contains(QStringLiteral("WITHOUT ROWID")),
                 qPrintable(metricsSql));
        QCOMPARE(scalar(path, QStringLiteral("PRAGMA integrity_check")).toString(),
                 QStringLiteral("ok"));
        QCOMPARE(
            scalar(path, QStringLiteral("SELECT count(*) FROM pragma_foreign_key_check")).toInt(),
            0);
    }

    void openingAgainKeepsTheVersionAndTheRows() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        {
            auto writer = RunWriter::open(path);
            QVERIFY2(writer.ok(), qPrintable(writer.error()));
            QVERIFY(writer.value()->createRun(sampleRun(QStringLiteral("a"))).ok());
            QVERIFY(writer.value()->appendMetric(QStringLiteral("train/loss"), 1, 0.1, 0.5).ok());
            QVERIFY(writer.value()->finishRun(RunStatus::Finished).ok());
        }
        for (int i = 0; i < 2; ++i) {
            auto reader = RunReader::open(path);
            QVERIFY2(reader.ok(), qPrintable(reader.error()));
            QCOMPARE(reader.value()->countRuns().value(), qint64{1});
        }
        QCOMPARE(scalar(path, QStringLiteral("SELECT count(*) FROM schema_version")).toInt(), 1);
        QCOMPARE(scalar(path, QStringLiteral("SELECT count(*) FROM metrics")).toInt(), 1);
    }

    void version1StoreIsMigratedWithItsRowsIntact() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v1.sqlite"));
        QVERIFY(writeVersion1Store(path, /*walJournal=*/true));
        QCOMPARE(scalar(path, QStringLiteral("SELECT version FROM schema_version")).toInt(), 1);

        auto opened = RunReader::open(path);
        QVERIFY2(opened.ok(), qPrintable(opened.error()));
        RunReader& reader = *opened.value();
        QCOMPARE(scalar(path, QStringLiteral("SELECT max(version) FROM schema_version")).toInt(),
                 kSchemaVersion);
        // The run left `running` by a version-1 writer cannot be alive: interrupted.
        QCOMPARE(reader.interruptedAtOpen(), QStringList{kRunningUuid});

        const qint64 id = reader.findRun(kFinishedUuid).value();
        const RunRecord run = reader.run(id).value();
        QCOMPARE(run.name, QStringLiteral("v1 finished"));
        QCOMPARE(run.status, RunStatus::Finished);
        QCOMPARE(run.createdAt.toMSecsSinceEpoch(), qint64{1700000000000});
        QCOMPARE(run.finishedAt.toMSecsSinceEpoch(), qint64{1700000100000});
        QCOMPARE(run.configJson, QStringLiteral("{\"method\":\"adalfl\"}"));
        QCOMPARE(run.configHash, QStringLiteral("aaaabbbbccccdddd"));
        QCOMPARE(run.seed, quint64{42});
        QCOMPARE(run.appVersion, QStringLiteral("0.0.9"));
        QCOMPARE(run.notes, QStringLiteral("kept notes"));
        QCOMPARE(run.qtVersion, QString());  // new in version 2
        QCOMPARE(run.tags, (QStringList{QStringLiteral("baseline"), QStringLiteral("paper")}));
        // latest_metrics is new in version 2: built from the old rows.
        QCOMPARE(run.latest.size(), 2);
        QCOMPARE(run.latest.value(QStringLiteral("test/accuracy")).step, qint64{1000});
        QCOMPARE(run.latest.value(QStringLiteral("test/accuracy")).value, 0.875);
        QCOMPARE(run.latest.value(QStringLiteral("train/loss")).value, 1.0 / 1000);

        const MetricSeries loss = reader.series(id, QStringLiteral("train/loss")).value();
        QCOMPARE(loss.steps.size(), 1000);
        for (int i = 0; i < 1000; ++i) {
            const int step = i + 1;
            QCOMPARE(loss.steps.at(i), double(step));
            QCOMPARE(loss.values.at(i), step == 777 ? 9.5 : 1.0 / step);
        }
        // Tiles were built from the old rows: the decimated view keeps the spike.
        const MetricSeries small =
            reader.decimatedSeries(id, QStringLiteral("train/loss"), 20).value();
        QVERIFY(small.steps.size() <= 20);
        QVERIFY(small.values.contains(9.5));
        QVERIFY(small.values.contains(1.0 / 1000) || small.values.contains(1.0 / 999));

        const Snapshot snapshot =
            reader.snapshotAtOrBefore(id, QStringLiteral("loss/online"), 5000).value();
        QCOMPARE(snapshot.step, qint64{1000});
        QCOMPARE(snapshot.arrays.at(1), (QVector<float>{3.0f, 0.25f, -1.5f}));
        const Checkpoint checkpoint = reader.latestCheckpoint(id).value();
        QCOMPARE(checkpoint.data, QByteArray::fromHex("C0FFEE"));
        QCOMPARE(checkpoint.phase, QString());
        QVERIFY(reader.events(id).value().isEmpty());
        QCOMPARE(reader.integrityCheck().value(), QStringLiteral("ok"));

        // The migrated store takes new runs.
        auto writer = RunWriter::open(path);
        QVERIFY2(writer.ok(), qPrintable(writer.error()));
        QVERIFY(writer.value()->createRun(sampleRun(QStringLiteral("after"))).ok());
        QVERIFY(writer.value()->finishRun(RunStatus::Finished).ok());
        QCOMPARE(reader.countRuns().value(), qint64{3});
    }

    void version2EventsGetTheClassCountTheirMessageStated() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v2.sqlite"));
        qint64 id = 0;
        {
            auto writer = RunWriter::open(path).value();
            id = writer->createRun(sampleRun(QStringLiteral("v2 run"))).value().id;
            // The recorder's wording of versions 1 and 2.
            const EventRecord started{
                0,
                QStringLiteral("setup"),
                QStringLiteral("started"),
                {},
                QStringLiteral("adalfl on cpu, 2 threads, BLAS OpenBLAS; 54000 train / 6000 "
                               "validation / 10000 test examples, 10 classes, input 1x28x28; 1000 "
                               "model parameters, 1761 loss parameters"),
                0.0};
            const EventRecord resumed{
                40,
                QStringLiteral("online"),
                QStringLiteral("resumed"),
                {},
                QStringLiteral("resumed after online step 40; adalfl on cpu, 1 threads, BLAS x; "
                               "900 train / 100 validation / 200 test examples, 4 classes, input "
                               "8; 212 model parameters, 1761 loss parameters"),
                1.0};
            const EventRecord warning{50,
                                      QStringLiteral("online"),
                                      QStringLiteral("warning"),
                                      QStringLiteral("collapse"),
                                      QStringLiteral("10 classes mentioned in a warning"),
                                      2.0};
            for (const EventRecord& e : {started, resumed, warning}) {
                QVERIFY(writer->addEvent(e).ok());
            }
            QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        }
        // Exactly a version-2 store: the same schema without the events' fields column.
        QVERIFY(execRaw(path, {QStringLiteral("ALTER TABLE events DROP COLUMN fields"),
                               QStringLiteral("UPDATE schema_version SET version = 2")}));

        auto reader = RunReader::open(path).value();
        QCOMPARE(scalar(path, QStringLiteral("SELECT max(version) FROM schema_version")).toInt(),
                 kSchemaVersion);
        const auto events = reader->events(id).value();
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(0).fields, (QJsonObject{{QStringLiteral("classes"), 10}}));
        QCOMPARE(events.at(1).fields, (QJsonObject{{QStringLiteral("classes"), 4}}));
        QVERIFY(events.at(2).fields.isEmpty());  // only start and resume events state the count
        QCOMPARE(reader->integrityCheck().value(), QStringLiteral("ok"));
    }

    void failedMigrationLeavesTheFileAsItWas() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v1.sqlite"));
        QVERIFY(writeVersion1Store(path, /*walJournal=*/false));
        // Something the upgrade cannot create over: it must roll back completely.
        QVERIFY(execRaw(path, {QStringLiteral("CREATE TABLE events(x)")}));
        const QByteArray before = fileBytes(path);

        auto reader = RunReader::open(path);
        QVERIFY(!reader.ok());
        QVERIFY2(reader.error().contains(path) && reader.error().contains(QStringLiteral("upgrad")),
                 qPrintable(reader.error()));
        QCOMPARE(fileBytes(path), before);
        QCOMPARE(scalar(path, QStringLiteral("SELECT version FROM schema_version")).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSchema)
#include "test_schema.moc"
