// Crash safety: a writer process killed with SIGKILL mid-run leaves a healthy file, its run
// shows as interrupted, and every batch it reported as committed is there.

#include <QCoreApplication>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

// Reads complete lines from the child until `until` says stop (or it dies / times out).
class LineReader final {
public:
    explicit LineReader(QProcess& process) : m_process(process) {}

    /// Feeds every new complete line to `handle`; returns when it returns true.
    template <class Fn>
    bool readUntil(Fn handle, int timeoutMs = 60000) {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                if (handle(line)) {
                    return true;
                }
            }
            if (m_process.state() == QProcess::NotRunning) {
                return false;
            }
            m_process.waitForReadyRead(
                static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
        }
        return false;
    }

private:
    QProcess& m_process;
};

}  // namespace

class TestCrash final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void killedWriterLeavesAHealthyStoreWithItsCommittedRows() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        child.start(QStringLiteral(LOSSSTUDIO_CRASH_WRITER), {path});
        QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
        LineReader lines(child);

        QString uuid;
        qint64 batches = 0;
        qint64 steps = 0;
        auto track = [&](const QString& line) {
            const QStringList parts = line.split(QLatin1Char(' '));
            if (parts.size() == 2 && parts[0] == QLatin1String("run")) {
                uuid = parts[1];
            } else if (parts.size() == 3 && parts[0] == QLatin1String("committed")) {
                batches = parts[1].toLongLong();
                steps = parts[2].toLongLong();
            }
        };
        QVERIFY2(lines.readUntil([&](const QString& line) {
            track(line);
            return batches >= 3;
        }),
                 qPrintable(QString::fromUtf8(child.readAllStandardError())));
        QVERIFY(!uuid.isEmpty());

        // While the writer lives, opening the store (read-write) must not call its run dead.
        {
            auto reader = RunReader::open(path);
            QVERIFY2(reader.ok(), qPrintable(reader.error()));
            QVERIFY(reader.value()->interruptedAtOpen().isEmpty());
            const qint64 id = reader.value()->findRun(uuid).value();
            QCOMPARE(reader.value()->run(id).value().status, RunStatus::Running);
            QCOMPARE(reader.value()->deleteRun(id).code(), ErrorCode::InUse);
        }

        QVERIFY(lines.readUntil([&](const QString& line) {
            track(line);
            return batches >= 12;
        }));
        child.kill();  // SIGKILL: no destructor, no flush, no close
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        // Lines the child printed before dying still count as reported commits.
        while (child.canReadLine()) {
            track(QString::fromUtf8(child.readLine()).trimmed());
        }
        QVERIFY(batches >= 12);
        QCOMPARE(steps, batches * 500);

        QCOMPARE(scalar(path, QStringLiteral("PRAGMA integrity_check")).toString(),
                 QStringLiteral("ok"));
        auto opened = RunReader::open(path);
        QVERIFY2(opened.ok(), qPrintable(opened.error()));
        RunReader& reader = *opened.value();
        QCOMPARE(reader.interruptedAtOpen(), QStringList{uuid});
        QCOMPARE(reader.integrityCheck().value(), QStringLiteral("ok"));
        const qint64 id = reader.findRun(uuid).value();
        const RunRecord run = reader.run(id).value();
        QCOMPARE(run.status, RunStatus::Interrupted);
        QVERIFY2(run.message.contains(QString::number(child.processId())) ||
                     run.message.contains(QStringLiteral("pid")),
                 qPrintable(run.message));
        QVERIFY(run.finishedAt.isValid());
        // The status is on disk, not only in this reader's view.
        QCOMPARE(scalar(path, QStringLiteral("SELECT status FROM runs WHERE uuid = ?"), {uuid})
                     .toString(),
                 QStringLiteral("interrupted"));

        // Every reported batch is there, exactly; at most the batch being written when it died
        // is also there (committed but not yet reported), never a part of one.
        const MetricSeries loss = reader.series(id, QStringLiteral("train/loss")).value();
        const MetricSeries acc = reader.series(id, QStringLiteral("train/accuracy")).value();
        QVERIFY2(loss.steps.size() >= steps,
                 qPrintable(QStringLiteral("%1 of %2").arg(loss.steps.size()).arg(steps)));
        QCOMPARE(loss.steps.size() % 500, 0);
        QCOMPARE(acc.steps.size(), loss.steps.size());
        for (int i = 0; i < loss.steps.size(); ++i) {
            const qint64 step = i + 1;
            QCOMPARE(loss.steps[i], double(step));
            QCOMPARE(loss.values[i], 1.0 / step);
            QCOMPARE(acc.values[i], step * 0.5);
        }
        QVERIFY(reader.snapshotSteps(id, QStringLiteral("loss/online")).value().size() >= batches);
        QVERIFY(run.latest.value(QStringLiteral("train/loss")).step >= steps);

        // An interrupted run can be continued by a new writer.
        auto writer = RunWriter::open(path).value();
        const auto resumed = writer->resumeRun(uuid, {});
        QVERIFY2(resumed.ok(), qPrintable(resumed.error()));
        QVERIFY(writer->finishRun(RunStatus::Stopped).ok());
    }

    // The studio holds several connections to one store (browser, recorder, jobs) while a CLI run
    // records into it and closes it. Opening a connection must not make this process lose its
    // SQLite locks: the other process would then think itself the last user, checkpoint and
    // delete the WAL, and this process would go on writing into the deleted file (issue 18).
    void anotherProcessClosingTheStoreKeepsThisProcessWritesOnDisk() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        auto writer = RunWriter::open(path);
        QVERIFY2(writer.ok(), qPrintable(writer.error()));
        NewRun mine;
        mine.name = QStringLiteral("studio run");
        const auto handle = writer.value()->createRun(mine);
        QVERIFY2(handle.ok(), qPrintable(handle.error()));
        constexpr qint64 kSteps = 200;
        for (qint64 step = 1; step <= kSteps / 2; ++step) {
            QVERIFY(writer.value()->appendMetric(QStringLiteral("train/loss"), step, 0.0, step));
        }
        QVERIFY(writer.value()->flush());
        // A second and a third connection of this process, as the runs browser opens them.
        auto browser = RunReader::open(path);
        QVERIFY2(browser.ok(), qPrintable(browser.error()));
        auto viewer = RunReader::open(path, OpenMode::ReadOnly);
        QVERIFY2(viewer.ok(), qPrintable(viewer.error()));

        QProcess child;
        child.start(QStringLiteral(LOSSSTUDIO_CRASH_WRITER), {path, QStringLiteral("2")});
        QVERIFY2(child.waitForFinished(60000), qPrintable(child.errorString()));
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                 qPrintable(QString::fromUtf8(child.readAllStandardError())));
        QVERIFY2(QFileInfo::exists(path + QStringLiteral("-wal")),
                 "the other process deleted the WAL while this process still had the store open");

        for (qint64 step = kSteps / 2 + 1; step <= kSteps; ++step) {
            QVERIFY(writer.value()->appendMetric(QStringLiteral("train/loss"), step, 0.0, step));
        }
        QVERIFY(writer.value()->finishRun(RunStatus::Finished));
        QCOMPARE(browser.value()->listRuns().value().size(), 2);
        viewer.value().reset();
        browser.value().reset();
        writer.value().reset();

        QCOMPARE(scalar(path, QStringLiteral("PRAGMA integrity_check")).toString(),
                 QStringLiteral("ok"));
        auto reopened = RunReader::open(path);
        QVERIFY2(reopened.ok(), qPrintable(reopened.error()));
        const qint64 id = reopened.value()->findRun(handle.value().uuid).value();
        QCOMPARE(reopened.value()->run(id).value().status, RunStatus::Finished);
        QCOMPARE(reopened.value()->series(id, QStringLiteral("train/loss")).value().steps.size(),
                 kSteps);
        const auto runs = reopened.value()->listRuns().value();
        QCOMPARE(runs.size(), 2);
        for (const RunRecord& run : runs) {
            QCOMPARE(run.status, RunStatus::Finished);
        }
    }

    void aReusedPidIsNotMistakenForTheWriter() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        RunHandle run;
        {
            auto writer = RunWriter::open(path).value();
            run = writer->createRun(sampleRun(QStringLiteral("reused pid"))).value();
            QVERIFY(writer->flush().ok());
            // The writer object goes away without finishing: in this (live) process the run is
            // still ours and stays running.
        }
        {
            auto reader = RunReader::open(path).value();
            QVERIFY(reader->interruptedAtOpen().isEmpty());
        }
        // Same machine and a live pid (ours), but another process start: the pid was reused.
        QVERIFY(execRaw(path,
                        {QStringLiteral("UPDATE runs SET writer_identity = 'other-boot/12345'")}));
        {
            // Read-only: nothing is marked in the file, yet the run shows as interrupted, and a
            // status filter (list and count) agrees with what is shown.
            auto readOnly = RunReader::open(path, OpenMode::ReadOnly).value();
            QVERIFY(readOnly->interruptedAtOpen().isEmpty());
            QCOMPARE(readOnly->run(run.id).value().status, RunStatus::Interrupted);
            // (listed, counted) runs with any of these statuses.
            auto byStatus = [&](QVector<RunStatus> statuses) {
                RunQuery query;
                query.filter.statuses = statuses;
                return std::make_pair(readOnly->listRuns(query).value().size(),
                                      readOnly->countRuns(query.filter).value());
            };
            using Pair = std::pair<qsizetype, qint64>;
            QCOMPARE(byStatus({RunStatus::Interrupted}), Pair(1, 1));
            QCOMPARE(byStatus({RunStatus::Running}), Pair(0, 0));
            QCOMPARE(byStatus({RunStatus::Running, RunStatus::Interrupted}), Pair(1, 1));
            QCOMPARE(byStatus({RunStatus::Finished}), Pair(0, 0));
        }
        auto reader = RunReader::open(path).value();
        QCOMPARE(reader->interruptedAtOpen(), QStringList{run.uuid});
        QCOMPARE(reader->run(run.id).value().status, RunStatus::Interrupted);
    }

    void aRunWrittenOnAnotherMachineIsLeftRunning() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        RunHandle run;
        {
            auto writer = RunWriter::open(path).value();
            run = writer->createRun(sampleRun(QStringLiteral("remote"))).value();
            QVERIFY(writer->flush().ok());
        }
        // Its process cannot be checked from here, so nothing is assumed.
        QVERIFY(execRaw(path, {QStringLiteral("UPDATE runs SET writer_machine = 'another-machine', "
                                              "writer_pid = 999999")}));
        auto reader = RunReader::open(path).value();
        QVERIFY(reader->interruptedAtOpen().isEmpty());
        QCOMPARE(reader->run(run.id).value().status, RunStatus::Running);
    }
};

QTEST_GUILESS_MAIN(TestCrash)
#include "test_crash.moc"
