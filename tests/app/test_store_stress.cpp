// One store, many processes (issue 18): the studio (offscreen) recording a run, two CLI runs
// recording, a `runs list` / `runs export` loop and a `runs merge` into the same store, side by
// side, with random members killed by SIGKILL. After every round the store must be healthy, every
// run a process reported finished must be finished on disk, and every finished run must hold
// exactly the rows the same config records when it runs alone (the engine is deterministic at one
// thread, so the rows are compared by value, not only counted).

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <memory>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

using namespace lossstudio::storage;

namespace {

constexpr int kRounds = 20;

QStringList tinyConfig(int steps, int seed) {
    QStringList args;
    for (const QString& kv :
         {QStringLiteral("data.name=synthetic"), QStringLiteral("model.hidden=16"),
          QStringLiteral("meta.init_steps=5"), QStringLiteral("eval_interval=50"),
          QStringLiteral("threads=1"), QStringLiteral("steps=%1").arg(steps),
          QStringLiteral("seed=%1").arg(seed)}) {
        args << QStringLiteral("--set") << kv;
    }
    return args;
}

// The rows of a run without their wall times, as one digest: equal digests, equal rows.
QByteArray rowsDigest(RunReader& reader, qint64 id, int* count) {
    QVector<MetricRow> rows = reader.metricRows(id).value();
    std::sort(rows.begin(), rows.end(), [](const MetricRow& a, const MetricRow& b) {
        return std::tie(a.key, a.step) < std::tie(b.key, b.step);
    });
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const MetricRow& row : rows) {
        hash.addData(row.key.toUtf8());
        hash.addData(QByteArray::number(row.step));
        hash.addData(QByteArray::number(row.value, 'g', 17));
    }
    *count = static_cast<int>(rows.size());
    return hash.result();
}

QString uuidFromLog(const QString& text) {
    static const QRegularExpression recording(QStringLiteral("recording run ([0-9a-f-]{36})"));
    const auto match = recording.match(text);
    return match.hasMatch() ? match.captured(1) : QString();
}

struct Member {
    enum class Kind { Studio, Cli, Merge, Reader };
    Kind kind;
    QString name;
    std::unique_ptr<QProcess> process;
    bool killed = false;
    QString out;
    QString err;
};

}  // namespace

class TestStoreStress final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QHash<QString, QByteArray> m_expected;  // config hash -> digest of its rows run alone
    QHash<QString, int> m_expectedRows;

    QProcessEnvironment environment() const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("xdg")));
        return env;
    }

    std::unique_ptr<QProcess> start(const QString& program, const QStringList& args) const {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(environment());
        p->start(program, args);
        return p;
    }

    QStringList studioArgs(const QString& store, int round) const {
        return QStringList{QStringLiteral("--screenshot"),
                           m_dir.filePath(QStringLiteral("shots-%1").arg(round)),
                           QStringLiteral("--db"), store} +
               tinyConfig(1000, 7);
    }

    QStringList cliRunArgs(const QString& store, int seed) const {
        return QStringList{QStringLiteral("run"), QStringLiteral("-")} + tinyConfig(250, seed) +
               QStringList{QStringLiteral("--db"), store, QStringLiteral("--quiet")};
    }

    // Records each config alone into a reference store and keeps the digest of its rows.
    void recordReferences() {
        const QString store = m_dir.filePath(QStringLiteral("reference.sqlite"));
        const QList<QStringList> configs = {
            cliRunArgs(store, 1), cliRunArgs(store, 2),
            QStringList{QStringLiteral("run"), QStringLiteral("-")} + tinyConfig(1000, 7) +
                QStringList{QStringLiteral("--db"), store, QStringLiteral("--quiet")}};
        for (const QStringList& args : configs) {
            auto p = start(QStringLiteral(LOSSSTUDIO_CLI_PATH), args);
            QVERIFY(p->waitForFinished(120000));
            QVERIFY2(p->exitCode() == 0, qPrintable(QString::fromUtf8(p->readAllStandardError())));
        }
        auto reader = RunReader::open(store);
        QVERIFY2(reader.ok(), qPrintable(reader.error()));
        for (const RunRecord& run : reader.value()->listRuns().value()) {
            int rows = 0;
            m_expected.insert(run.configHash, rowsDigest(*reader.value(), run.id, &rows));
            m_expectedRows.insert(run.configHash, rows);
            QVERIFY(rows > 0);
        }
        QCOMPARE(m_expected.size(), 3);
    }

    // A store holding one finished run with a fresh UUID, to merge in.
    QString makeMergeSource(int round) const {
        const QString path = m_dir.filePath(QStringLiteral("merge-source-%1.sqlite").arg(round));
        auto writer = RunWriter::open(path).value();
        NewRun run;
        run.name = QStringLiteral("merged in round %1").arg(round);
        run.configHash = QStringLiteral("merged");
        writer->createRun(run).value();
        for (qint64 step = 1; step <= 300; ++step) {
            (void)writer->appendMetric(QStringLiteral("train/loss"), step, 0.0, 1.0 / step);
        }
        (void)writer->finishRun(RunStatus::Finished);
        return path;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        recordReferences();
    }

    void manyProcessesNeverCorruptOrLoseARun() {
        const QString store = m_dir.filePath(QStringLiteral("shared.sqlite"));
        QVERIFY(RunWriter::open(store).ok());  // exists before the first reader looks
        QRandomGenerator random(20261203);
        int kills = 0;
        int finishedChecked = 0;
        for (int round = 0; round < kRounds; ++round) {
            const QString mergeSource = makeMergeSource(round);
            std::vector<Member> members;
            auto add = [&](Member::Kind kind, const QString& name, const QString& program,
                           const QStringList& args) {
                members.push_back(Member{kind, name, start(program, args), false, {}, {}});
            };
            add(Member::Kind::Studio, QStringLiteral("studio"), QStringLiteral(LOSSSTUDIO_GUI_PATH),
                studioArgs(store, round));
            add(Member::Kind::Cli, QStringLiteral("cli seed 1"),
                QStringLiteral(LOSSSTUDIO_CLI_PATH), cliRunArgs(store, 1));
            add(Member::Kind::Cli, QStringLiteral("cli seed 2"),
                QStringLiteral(LOSSSTUDIO_CLI_PATH), cliRunArgs(store, 2));
            // One or two of the writers still running at a random moment of the round are killed.
            const int victims = 1 + static_cast<int>(random.bounded(2));
            const int killAtMs = 200 + static_cast<int>(random.bounded(2500));
            const int mergeAtMs = static_cast<int>(random.bounded(1500));
            bool mergeStarted = false;
            bool killDone = false;
            int reads = 0;
            QElapsedTimer clock;
            clock.start();
            auto writersRunning = [&] {
                return std::any_of(members.begin(), members.end(), [](const Member& m) {
                    return m.kind != Member::Kind::Reader &&
                           m.process->state() != QProcess::NotRunning;
                });
            };
            std::unique_ptr<QProcess> reader;
            while (writersRunning() || !mergeStarted) {
                QVERIFY2(clock.elapsed() < 180000, "a round took more than 3 minutes");
                if (!mergeStarted && clock.elapsed() >= mergeAtMs) {
                    add(Member::Kind::Merge, QStringLiteral("merge"),
                        QStringLiteral(LOSSSTUDIO_CLI_PATH),
                        {QStringLiteral("runs"), QStringLiteral("merge"), mergeSource,
                         QStringLiteral("--db"), store});
                    mergeStarted = true;
                }
                if (!killDone && clock.elapsed() >= killAtMs) {
                    for (int k = 0; k < victims; ++k) {
                        QVector<Member*> alive;
                        for (Member& m : members) {
                            if (m.process->state() != QProcess::NotRunning && !m.killed) {
                                alive << &m;
                            }
                        }
                        if (!alive.isEmpty()) {
                            Member* victim =
                                alive.at(static_cast<int>(random.bounded(alive.size())));
                            victim->process->kill();
                            victim->killed = true;
                            ++kills;
                        }
                    }
                    killDone = true;
                }
                // The list / export loop: one reader process at a time, alternating.
                if (!reader || reader->state() == QProcess::NotRunning) {
                    if (reader) {
                        QVERIFY2(
                            reader->exitStatus() == QProcess::NormalExit && reader->exitCode() == 0,
                            qPrintable(
                                QStringLiteral("round %1: a reader failed: %2")
                                    .arg(round)
                                    .arg(QString::fromUtf8(reader->readAllStandardError()))));
                    }
                    const QStringList args =
                        reads % 2 == 0 ? QStringList{QStringLiteral("runs"), QStringLiteral("list"),
                                                     QStringLiteral("--db"), store}
                                       : QStringList{QStringLiteral("runs"),
                                                     QStringLiteral("export"),
                                                     QStringLiteral("--format"),
                                                     QStringLiteral("json"),
                                                     QStringLiteral("--out"),
                                                     m_dir.filePath(QStringLiteral("export.json")),
                                                     QStringLiteral("--db"),
                                                     store};
                    reader = start(QStringLiteral(LOSSSTUDIO_CLI_PATH), args);
                    ++reads;
                }
                for (Member& m : members) {
                    m.out += QString::fromUtf8(m.process->readAllStandardOutput());
                    m.err += QString::fromUtf8(m.process->readAllStandardError());
                }
                QTest::qWait(20);
            }
            if (reader) {
                // (waitForFinished is false for a process that has already ended.)
                QVERIFY(reader->state() == QProcess::NotRunning || reader->waitForFinished(60000));
                QVERIFY2(reader->exitStatus() == QProcess::NormalExit && reader->exitCode() == 0,
                         qPrintable(QStringLiteral("round %1: the last reader failed: %2")
                                        .arg(round)
                                        .arg(QString::fromUtf8(reader->readAllStandardError()))));
            }
            for (Member& m : members) {
                QVERIFY(m.process->state() == QProcess::NotRunning ||
                        m.process->waitForFinished(60000));
                m.out += QString::fromUtf8(m.process->readAllStandardOutput());
                m.err += QString::fromUtf8(m.process->readAllStandardError());
            }

            // The store after the round.
            auto opened = RunReader::open(store);
            QVERIFY2(opened.ok(), qPrintable(opened.error()));
            RunReader& disk = *opened.value();
            QCOMPARE(disk.integrityCheck().value(), QStringLiteral("ok"));
            for (const Member& m : members) {
                const QString what =
                    QStringLiteral("round %1, %2%3:\n%4\n%5")
                        .arg(round)
                        .arg(m.name, m.killed ? QStringLiteral(" (killed)") : QString(), m.out,
                             m.err.right(3000));
                if (m.killed) {
                    continue;  // whatever it committed is checked with every finished run below
                }
                QVERIFY2(
                    m.process->exitStatus() == QProcess::NormalExit && m.process->exitCode() == 0,
                    qPrintable(what));
                if (m.kind == Member::Kind::Merge) {
                    QVERIFY2(m.out.contains(QStringLiteral("added 1 run")), qPrintable(what));
                    continue;
                }
                // The studio and the CLI said "finished": it is finished on disk, with every row.
                const QString uuid = uuidFromLog(m.err);
                QVERIFY2(!uuid.isEmpty(), qPrintable(what));
                const auto id = disk.findRun(uuid);
                QVERIFY2(id.ok(), qPrintable(what + id.error()));
                const RunRecord run = disk.run(id.value()).value();
                QVERIFY2(run.status == RunStatus::Finished, qPrintable(what));
                ++finishedChecked;
            }
            // Every finished run holds exactly the rows its config records alone.
            for (const RunRecord& run : disk.listRuns().value()) {
                if (run.status != RunStatus::Finished ||
                    run.configHash == QLatin1String("merged")) {
                    continue;
                }
                QVERIFY2(m_expected.contains(run.configHash), qPrintable(run.name));
                int rows = 0;
                const QByteArray digest = rowsDigest(disk, run.id, &rows);
                QVERIFY2(digest == m_expected.value(run.configHash),
                         qPrintable(QStringLiteral("round %1: finished run %2 (%3) has %4 rows, "
                                                   "alone it records %5 (or other values)")
                                        .arg(round)
                                        .arg(run.name, run.uuid)
                                        .arg(rows)
                                        .arg(m_expectedRows.value(run.configHash))));
            }
        }
        qInfo("%d rounds, %d SIGKILLs, %d reported-finished runs checked on disk", kRounds, kills,
              finishedChecked);
        QVERIFY(kills >= kRounds);
    }
};

QTEST_GUILESS_MAIN(TestStoreStress)
#include "test_store_stress.moc"
