// Writer -> reader round trip: metrics, snapshots, checkpoints, events, tags, notes, status,
// resumption.

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <limits>

#include <lossstudio/storage/float_arrays.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

bool sameBits(const QVector<float>& a, const QVector<float>& b) {
    return a.size() == b.size() && (a.isEmpty() || std::memcmp(a.constData(), b.constData(),
                                                               a.size() * sizeof(float)) == 0);
}

}  // namespace

class TestRoundTrip final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void metricsComeBackExactlyAcrossFlushes() {
        WriterOptions options;
        options.flushRows = 7;  // many small transactions
        auto writer = RunWriter::open(path("metrics.sqlite"), options).value();
        const RunHandle run = writer->createRun(sampleRun(QStringLiteral("m"))).value();
        QVERIFY(run.id > 0);
        QCOMPARE(run.uuid.size(), 36);
        QVector<MetricRow> expected;
        for (qint64 step = 1; step <= 500; ++step) {
            const double loss = std::exp(-step * 0.01) + std::sin(step * 1.7) * 1e-3;
            const double acc = 1.0 - 1.0 / (step + 1.0);
            QVERIFY(
                writer->appendMetric(QStringLiteral("train/loss"), step, step * 0.125, loss).ok());
            QVERIFY(writer->appendMetric(QStringLiteral("train/accuracy"), step, step * 0.125, acc)
                        .ok());
            expected.push_back({QStringLiteral("train/loss"), step, step * 0.125, loss});
            expected.push_back({QStringLiteral("train/accuracy"), step, step * 0.125, acc});
        }
        // Extreme but finite values survive too.
        QVERIFY(
            writer->appendMetric(QStringLiteral("edge"), -3, 0, std::numeric_limits<double>::max())
                .ok());
        // (SQLite stores integral REAL values as integers: -0.0 comes back as 0.0, so no -0.0.)
        QVERIFY(writer->appendMetric(QStringLiteral("edge"), 0, 0, -1e-310).ok());
        QVERIFY(writer
                    ->appendMetric(QStringLiteral("edge"), 9, 0,
                                   std::numeric_limits<double>::denorm_min())
                    .ok());
        QVERIFY(writer->flush().ok());
        QCOMPARE(writer->bufferedRows(), 0);
        QCOMPARE(writer->committedMetricRows(), qint64{1003});

        auto reader = RunReader::open(path("metrics.sqlite")).value();
        QCOMPARE(reader->metricKeys(run.id).value(),
                 (QStringList{QStringLiteral("edge"), QStringLiteral("train/accuracy"),
                              QStringLiteral("train/loss")}));
        const MetricSeries loss = reader->series(run.id, QStringLiteral("train/loss")).value();
        QCOMPARE(loss.steps.size(), 500);
        for (int i = 0; i < 500; ++i) {
            QCOMPARE(loss.steps.at(i), double(i + 1));
            QCOMPARE(loss.values.at(i), expected.at(2 * i).value);  // bit-exact doubles
        }
        const MetricSeries window =
            reader->series(run.id, QStringLiteral("train/loss"), 100, 109).value();
        QCOMPARE(window.steps.size(), 10);
        QCOMPARE(window.steps.first(), 100.0);
        const MetricSeries edge = reader->series(run.id, QStringLiteral("edge")).value();
        QCOMPARE(edge.steps, (QVector<double>{-3, 0, 9}));
        QCOMPARE(edge.values.at(0), std::numeric_limits<double>::max());
        QCOMPARE(edge.values.at(1), -1e-310);
        QCOMPARE(edge.values.at(2), std::numeric_limits<double>::denorm_min());

        // Every row with its wall time, ordered by key then step.
        const QVector<MetricRow> rows = reader->metricRows(run.id).value();
        QCOMPARE(rows.size(), 1003);
        QCOMPARE(rows.at(3).key, QStringLiteral("train/accuracy"));
        QCOMPARE(rows.at(3).step, qint64{1});
        QCOMPARE(rows.at(3).wallTime, 0.125);
        QCOMPARE(rows.at(3).value, expected.at(1).value);

        // The latest point per key, while the run is still running.
        const RunRecord record = reader->run(run.id).value();
        QCOMPARE(record.status, RunStatus::Running);
        QCOMPARE(record.latest.value(QStringLiteral("train/loss")).step, qint64{500});
        QCOMPARE(record.latest.value(QStringLiteral("train/loss")).value, expected.at(998).value);
        QCOMPARE(record.latest.value(QStringLiteral("edge")).step, qint64{9});
        QVERIFY(writer->finishRun(RunStatus::Finished).ok());
    }

    void repeatedAndOutOfOrderPointsAreReplacedAndSorted() {
        auto writer = RunWriter::open(path("replace.sqlite")).value();
        const RunHandle run = writer->createRun(sampleRun(QStringLiteral("r"))).value();
        for (qint64 step = 1; step <= 100; ++step) {
            QVERIFY(writer->appendMetric(QStringLiteral("k"), step, 0, double(step)).ok());
        }
        QVERIFY(writer->flush().ok());
        // Step 50 rewritten (becomes the maximum), step 0 arrives late, 100 rewritten last.
        QVERIFY(writer->appendMetric(QStringLiteral("k"), 50, 1, 1000.0).ok());
        QVERIFY(writer->appendMetric(QStringLiteral("k"), 0, 1, -5.0).ok());
        QVERIFY(writer->appendMetric(QStringLiteral("k"), 100, 1, 7.0).ok());
        QVERIFY(writer->finishRun(RunStatus::Finished).ok());

        auto reader = RunReader::open(path("replace.sqlite")).value();
        const MetricSeries s = reader->series(run.id, QStringLiteral("k")).value();
        QCOMPARE(s.steps.size(), 101);
        QCOMPARE(s.steps.first(), 0.0);
        QCOMPARE(s.values.first(), -5.0);
        QCOMPARE(s.values.at(50), 1000.0);
        QCOMPARE(s.values.last(), 7.0);
        const RunRecord record = reader->run(run.id).value();
        QCOMPARE(record.latest.value(QStringLiteral("k")).step, qint64{100});
        QCOMPARE(record.latest.value(QStringLiteral("k")).value, 7.0);
        // The min/max tiles follow the replaced values: the old 50 is gone, 1000 and -5 show.
        const MetricSeries d = reader->decimatedSeries(run.id, QStringLiteral("k"), 4).value();
        QVERIFY(d.steps.size() <= 4);
        QVERIFY2(d.values.contains(1000.0) && d.values.contains(-5.0) && !d.values.contains(50.0),
                 qPrintable(QStringLiteral("%1").arg(d.values.size())));
    }

    void floatArrayBlobsRoundTripBitExactly() {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const QVector<QVector<float>> arrays = {
            {0.0f, -0.0f, 1.0f / 3.0f, std::numeric_limits<float>::denorm_min(),
             std::numeric_limits<float>::max(), -std::numeric_limits<float>::infinity(), nan},
            {},
            {42.5f},
        };
        const QByteArray blob = encodeFloatArrays(arrays);
        QCOMPARE(blob.left(4), QByteArray("LSFA"));
        QCOMPARE(blob.size(), 12 + 3 * 4 + 8 * 4);
        const auto decoded = decodeFloatArrays(blob);
        QVERIFY2(decoded.ok(), qPrintable(decoded.error()));
        QCOMPARE(decoded.value().size(), 3);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(sameBits(decoded.value().at(i), arrays.at(i)));
        }
        QVERIFY(decodeFloatArrays(encodeFloatArrays({})).value().isEmpty());
    }

    void badSnapshotBlobsAreRejected_data() {
        QTest::addColumn<QByteArray>("blob");
        QTest::addColumn<QString>("reason");
        const QByteArray good = encodeFloatArrays({{1.0f, 2.0f}, {3.0f}});
        QByteArray badMagic = good;
        badMagic[0] = 'X';
        QByteArray badVersion = good;
        badVersion[4] = 2;
        QByteArray hugeCount = good;
        hugeCount[8] = char(0xff);
        hugeCount[9] = char(0xff);
        QTest::newRow("empty") << QByteArray() << QStringLiteral("shorter");
        QTest::newRow("short header") << good.left(7) << QStringLiteral("shorter");
        QTest::newRow("wrong magic") << badMagic << QStringLiteral("magic");
        QTest::newRow("unknown version") << badVersion << QStringLiteral("version 2");
        QTest::newRow("too many arrays") << hugeCount << QStringLiteral("arrays announced");
        QTest::newRow("truncated data") << good.left(good.size() - 1) << QStringLiteral("bytes");
        QTest::newRow("trailing bytes") << good + QByteArray(4, '\0') << QStringLiteral("bytes");
    }

    void badSnapshotBlobsAreRejected() {
        QFETCH(QByteArray, blob);
        QFETCH(QString, reason);
        const auto decoded = decodeFloatArrays(blob);
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.code(), ErrorCode::Damaged);
        QVERIFY2(decoded.error().contains(reason), qPrintable(decoded.error()));
    }

    void snapshotsCheckpointsAndEventsRoundTrip() {
        WriterOptions options;
        options.keepCheckpoints = 2;
        auto writer = RunWriter::open(path("snap.sqlite"), options).value();
        const RunHandle run = writer->createRun(sampleRun(QStringLiteral("s"))).value();
        QVector<QVector<QVector<float>>> written;
        for (int k = 0; k < 5; ++k) {
            QVector<QVector<float>> curves(5);
            for (int i = 0; i < 101; ++i) {
                const float p = i / 100.0f;
                curves[0].push_back(p);
                curves[1].push_back(-std::log(p + 1e-7f) * (1.0f + 0.1f * k));
                curves[2].push_back(p * p);
                curves[3].push_back(-1.0f / (p + 1e-7f));
                curves[4].push_back(2.0f * p);
            }
            written.push_back(curves);
            QVERIFY(writer->addSnapshot(10 * (k + 1), QStringLiteral("loss/online"), curves).ok());
            QVERIFY(writer
                        ->addSnapshot(10 * (k + 1), QStringLiteral("phi/online"),
                                      {{float(k), 0.5f, -0.25f}})
                        .ok());
        }
        QVERIFY(writer
                    ->addEvent({0, QStringLiteral("setup"), QStringLiteral("phase"),
                                QStringLiteral("online"), QStringLiteral("to online"), 0.5})
                    .ok());
        QVERIFY(writer
                    ->addEvent({33, QStringLiteral("online"), QStringLiteral("warning"),
                                QStringLiteral("divergence"), QStringLiteral("NaN loss, restored"),
                                12.25})
                    .ok());
        for (int c = 1; c <= 4; ++c) {
            QVERIFY(writer
                        ->addCheckpoint(c * 10, QStringLiteral("online"),
                                        QByteArray(100 * c, char('a' + c)))
                        .ok());
        }
        QVERIFY(writer->finishRun(RunStatus::Stopped, QStringLiteral("stopped by the user")).ok());

        auto reader = RunReader::open(path("snap.sqlite")).value();
        QCOMPARE(reader->snapshotKinds(run.id).value(),
                 (QStringList{QStringLiteral("loss/online"), QStringLiteral("phi/online")}));
        QCOMPARE(reader->snapshotSteps(run.id, QStringLiteral("loss/online")).value(),
                 (QVector<qint64>{10, 20, 30, 40, 50}));
        const QVector<Snapshot> all =
            reader->snapshots(run.id, QStringLiteral("loss/online")).value();
        QCOMPARE(all.size(), 5);
        for (int k = 0; k < 5; ++k) {
            QCOMPARE(all.at(k).step, qint64{10 * (k + 1)});
            QCOMPARE(all.at(k).arrays.size(), 5);
            for (int a = 0; a < 5; ++a) {
                QVERIFY(sameBits(all.at(k).arrays.at(a), written.at(k).at(a)));
            }
        }
        // At or before: 35 -> 30, 30 -> 30, before the first -> not found.
        QCOMPARE(reader->snapshotAtOrBefore(run.id, QStringLiteral("loss/online"), 35).value().step,
                 qint64{30});
        QCOMPARE(reader->snapshotAtOrBefore(run.id, QStringLiteral("loss/online"), 30).value().step,
                 qint64{30});
        const auto none = reader->snapshotAtOrBefore(run.id, QStringLiteral("loss/online"), 9);
        QVERIFY(!none.ok());
        QCOMPARE(none.code(), ErrorCode::NotFound);
        QCOMPARE(
            reader->snapshotAtOrBefore(run.id, QStringLiteral("phi/online"), 50).value().arrays,
            (QVector<QVector<float>>{{4.0f, 0.5f, -0.25f}}));

        const QVector<EventRecord> events = reader->events(run.id).value();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(1).step, qint64{33});
        QCOMPARE(events.at(1).phase, QStringLiteral("online"));
        QCOMPARE(events.at(1).kind, QStringLiteral("warning"));
        QCOMPARE(events.at(1).code, QStringLiteral("divergence"));
        QCOMPARE(events.at(1).message, QStringLiteral("NaN loss, restored"));
        QCOMPARE(events.at(1).wallTime, 12.25);

        // Only the newest two checkpoints are kept; the newest comes back whole.
        const QVector<Checkpoint> checkpoints = reader->checkpoints(run.id).value();
        QCOMPARE(checkpoints.size(), 2);
        QCOMPARE(checkpoints.at(0).step, qint64{40});
        QCOMPARE(checkpoints.at(0).size, qint64{400});
        QCOMPARE(checkpoints.at(1).step, qint64{30});
        QVERIFY(checkpoints.at(0).data.isEmpty());  // listing does not load the data
        const Checkpoint newest = reader->latestCheckpoint(run.id).value();
        QCOMPARE(newest.step, qint64{40});
        QCOMPARE(newest.phase, QStringLiteral("online"));
        QCOMPARE(newest.data, QByteArray(400, 'e'));
        QVERIFY(newest.createdAt.isValid());

        const RunRecord record = reader->run(run.id).value();
        QCOMPARE(record.status, RunStatus::Stopped);
        QCOMPARE(record.message, QStringLiteral("stopped by the user"));
        QVERIFY(record.finishedAt.isValid());
        QVERIFY(record.finishedAt >= record.createdAt);
    }

    void runFieldsTagsAndNotesRoundTrip() {
        auto writer = RunWriter::open(path("fields.sqlite")).value();
        NewRun n = sampleRun(QStringLiteral("fields"));
        n.seed = std::numeric_limits<quint64>::max();  // beyond int64: stored as its bit pattern
        n.tags = {QStringLiteral("zeta"), QStringLiteral(" alpha "), QString(),
                  QStringLiteral("zeta")};
        n.notes = QStringLiteral("first notes");
        const RunHandle run = writer->createRun(n).value();
        QVERIFY(writer->finishRun(RunStatus::Diverged, QStringLiteral("5 recoveries")).ok());

        auto reader = RunReader::open(path("fields.sqlite")).value();
        RunRecord r = reader->run(run.id).value();
        QCOMPARE(r.uuid, run.uuid);
        QCOMPARE(r.name, n.name);
        QCOMPARE(r.configJson, n.configJson);
        QCOMPARE(r.configHash, n.configHash);
        QCOMPARE(r.seed, std::numeric_limits<quint64>::max());
        QCOMPARE(r.method, n.method);
        QCOMPARE(r.model, n.model);
        QCOMPARE(r.dataset, n.dataset);
        QCOMPARE(r.appVersion, n.appVersion);
        QCOMPARE(r.qtVersion, n.qtVersion);
        QCOMPARE(r.torchVersion, n.torchVersion);
        QCOMPARE(r.host, n.host);
        QCOMPARE(r.status, RunStatus::Diverged);
        QCOMPARE(r.tags, (QStringList{QStringLiteral("alpha"), QStringLiteral("zeta")}));
        QCOMPARE(r.notes, QStringLiteral("first notes"));

        QVERIFY(reader->setNotes(run.id, QStringLiteral("better notes\nwith a second line")).ok());
        QVERIFY(reader->setName(run.id, QStringLiteral("renamed")).ok());
        QVERIFY(reader->addTag(run.id, QStringLiteral("paper")).ok());
        QVERIFY(reader->removeTag(run.id, QStringLiteral("zeta")).ok());
        r = reader->run(run.id).value();
        QCOMPARE(r.notes, QStringLiteral("better notes\nwith a second line"));
        QCOMPARE(r.name, QStringLiteral("renamed"));
        QCOMPARE(r.tags, (QStringList{QStringLiteral("alpha"), QStringLiteral("paper")}));
        QVERIFY(
            reader->setTags(run.id, {QStringLiteral("b"), QStringLiteral("a"), QStringLiteral("b")})
                .ok());
        QCOMPARE(reader->run(run.id).value().tags,
                 (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QVERIFY(reader->setTags(run.id, {}).ok());
        QVERIFY(reader->run(run.id).value().tags.isEmpty());
        QCOMPARE(reader->setNotes(run.id + 100, QStringLiteral("x")).code(), ErrorCode::NotFound);
        QVERIFY(!reader->addTag(run.id, QStringLiteral("  ")).ok());
    }

    void aFailedFlushKeepsItsRowsForTheNextOne() {
        const QString file = path("locked.sqlite");
        WriterOptions options;
        options.flushRows = 5;
        options.busyTimeoutMs = 50;
        auto writer = RunWriter::open(file, options).value();
        const RunHandle run = writer->createRun(sampleRun(QStringLiteral("locked"))).value();
        // Another process holds the write lock.
        const QString name = QStringLiteral("locker");
        {
            QSqlDatabase locker = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            locker.setDatabaseName(file);
            QVERIFY(locker.open());
            QSqlQuery lock(locker);
            QVERIFY(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")));
            for (qint64 step = 1; step <= 4; ++step) {
                QVERIFY(writer->appendMetric(QStringLiteral("k"), step, 0, double(step)).ok());
            }
            const Status blocked =
                writer->appendMetric(QStringLiteral("k"), 5, 0, 5.0);  // flush due
            QVERIFY(!blocked.ok());
            QVERIFY2(blocked.error().contains(file), qPrintable(blocked.error()));
            QCOMPARE(writer->bufferedRows(), 5);
            // While it fails, appends do not retry on every point.
            QVERIFY(writer->appendMetric(QStringLiteral("k"), 6, 0, 6.0).ok());
            QVERIFY(lock.exec(QStringLiteral("COMMIT")));
        }
        QSqlDatabase::removeDatabase(name);
        QVERIFY(writer->flush().ok());
        QCOMPARE(writer->bufferedRows(), 0);
        QCOMPARE(writer->droppedRows(), qint64{0});
        auto reader = RunReader::open(file).value();
        QCOMPARE(reader->series(run.id, QStringLiteral("k")).value().values,
                 (QVector<double>{1, 2, 3, 4, 5, 6}));
    }

    void writingWithoutARunIsAnError() {
        auto writer = RunWriter::open(path("norun.sqlite")).value();
        const Status s = writer->appendMetric(QStringLiteral("k"), 1, 0, 1);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(QStringLiteral("no current run")), qPrintable(s.error()));
        QVERIFY(!writer->finishRun(RunStatus::Finished).ok());
        NewRun duplicate = sampleRun(QStringLiteral("d"));
        duplicate.uuid = QStringLiteral("33333333-3333-4333-8333-333333333333");
        QVERIFY(writer->createRun(duplicate).ok());
        QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        const auto again = writer->createRun(duplicate);
        QVERIFY(!again.ok());
        QVERIFY2(again.error().contains(duplicate.uuid), qPrintable(again.error()));
    }

    void resumeDropsRowsAfterTheCheckpointOfItsPhaseOnly() {
        const QString file = path("resume.sqlite");
        RunHandle run;
        {
            auto writer = RunWriter::open(file).value();
            run = writer->createRun(sampleRun(QStringLiteral("resumable"))).value();
            // Phase A (offline-init) finished its 50 steps; the online phase reached step 100,
            // but its last checkpoint is at step 60.
            for (qint64 step = 1; step <= 50; ++step) {
                QVERIFY(
                    writer->appendMetric(QStringLiteral("init/train/loss"), step, 0, 100.0 + step)
                        .ok());
            }
            for (qint64 step = 1; step <= 100; ++step) {
                QVERIFY(
                    writer->appendMetric(QStringLiteral("train/loss"), step, 0, double(step)).ok());
                if (step % 10 == 0) {
                    QVERIFY(
                        writer->addSnapshot(step, QStringLiteral("loss/online"), {{float(step)}})
                            .ok());
                    QVERIFY(writer
                                ->addSnapshot(step, QStringLiteral("loss/offline-init"),
                                              {{float(step)}})
                                .ok());
                }
            }
            QVERIFY(writer
                        ->addEvent({50, QStringLiteral("offline-init"), QStringLiteral("phase"),
                                    QStringLiteral("online"), QString(), 0})
                        .ok());
            QVERIFY(writer
                        ->addEvent({70, QStringLiteral("online"), QStringLiteral("warning"),
                                    QStringLiteral("divergence"), QString(), 0})
                        .ok());
            QVERIFY(writer->addCheckpoint(60, QStringLiteral("online"), "sixty").ok());
            QVERIFY(writer->addCheckpoint(90, QStringLiteral("online"), "ninety-lost").ok());
            QVERIFY(writer->finishRun(RunStatus::Stopped).ok());
        }
        auto writer = RunWriter::open(file).value();
        RowScope online;
        online.afterStep = 60;
        online.metricKeyGlobs = {QStringLiteral("init/*"), QStringLiteral("search/*")};
        online.metricKeyGlobsNegated = true;
        online.snapshotKindGlob = QStringLiteral("*/online");
        online.phase = QStringLiteral("online");
        const auto resumed = writer->resumeRun(run.uuid, {online});
        QVERIFY2(resumed.ok(), qPrintable(resumed.error()));
        QCOMPARE(resumed.value().id, run.id);

        auto reader = RunReader::open(file).value();
        QCOMPARE(reader->run(run.id).value().status, RunStatus::Running);
        const MetricSeries train = reader->series(run.id, QStringLiteral("train/loss")).value();
        QCOMPARE(train.steps.size(), 60);
        QCOMPARE(train.steps.last(), 60.0);
        QCOMPARE(reader->series(run.id, QStringLiteral("init/train/loss")).value().steps.size(),
                 50);
        QCOMPARE(reader->snapshotSteps(run.id, QStringLiteral("loss/online")).value(),
                 (QVector<qint64>{10, 20, 30, 40, 50, 60}));
        QCOMPARE(reader->snapshotSteps(run.id, QStringLiteral("loss/offline-init")).value().size(),
                 10);
        QCOMPARE(reader->events(run.id).value().size(),
                 1);  // the phase change stays, the warning goes
        QCOMPARE(reader->latestCheckpoint(run.id).value().data, QByteArray("sixty"));
        QCOMPARE(reader->run(run.id).value().latest.value(QStringLiteral("train/loss")).step,
                 qint64{60});

        // The series continues without duplicates; the summaries follow.
        for (qint64 step = 61; step <= 80; ++step) {
            QVERIFY(
                writer->appendMetric(QStringLiteral("train/loss"), step, 0, -double(step)).ok());
        }
        QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        const MetricSeries after = reader->series(run.id, QStringLiteral("train/loss")).value();
        QCOMPARE(after.steps.size(), 80);
        for (int i = 0; i < 80; ++i) {
            QCOMPARE(after.steps.at(i), double(i + 1));
        }
        QCOMPARE(after.values.last(), -80.0);
        const RunRecord record = reader->run(run.id).value();
        QCOMPARE(record.status, RunStatus::Finished);
        QCOMPARE(record.latest.value(QStringLiteral("train/loss")).value, -80.0);
        const MetricSeries d =
            reader->decimatedSeries(run.id, QStringLiteral("train/loss"), 2).value();
        QCOMPARE(d.values, (QVector<double>{60.0, -80.0}));  // max then min, in step order
    }

    void resumeRefusesARunALiveProcessIsWriting() {
        const QString file = path("busy.sqlite");
        RunHandle run;
        {
            auto writer = RunWriter::open(file).value();
            run = writer->createRun(sampleRun(QStringLiteral("busy"))).value();
            QVERIFY(writer->flush().ok());
        }
        // Pretend pid 1 (always alive) on this machine is its writer.
        QByteArray machine = QSysInfo::machineUniqueId();
        const QString id = machine.isEmpty() ? QStringLiteral("host:") + QSysInfo::machineHostName()
                                             : QString::fromLatin1(machine);
        QVERIFY(execRaw(file, {QStringLiteral("UPDATE runs SET status = 'running', writer_pid = 1, "
                                              "writer_identity = '', writer_machine = '%1'")
                                   .arg(id)}));
        auto writer = RunWriter::open(file).value();
        QVERIFY(writer->interruptedAtOpen().isEmpty());
        const auto resumed = writer->resumeRun(run.uuid, {});
        QVERIFY(!resumed.ok());
        QCOMPARE(resumed.code(), ErrorCode::InUse);
        auto reader = RunReader::open(file).value();
        QCOMPARE(reader->deleteRun(run.id).code(), ErrorCode::InUse);
        QCOMPARE(reader->countRuns().value(), qint64{1});
    }
};

QTEST_GUILESS_MAIN(TestRoundTrip)
#include "test_roundtrip.moc"
