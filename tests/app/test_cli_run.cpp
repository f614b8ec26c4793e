// lossstudio-cli run / config as a user calls them: exit codes, summaries, errors naming the key.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/run_reader.h>

namespace {

struct Outcome {
    int exitCode = -1;
    QString out;
    QString err;
};

Outcome runCli(const QStringList& args) {
    QProcess cli;
    cli.start(QStringLiteral(LOSSSTUDIO_CLI_PATH), args);
    if (!cli.waitForFinished(120000)) {
        cli.kill();
        return {};
    }
    return {cli.exitCode(), QString::fromUtf8(cli.readAllStandardOutput()),
            QString::fromUtf8(cli.readAllStandardError())};
}

QString storedUuid(const QString& out) {
    return out.section(QStringLiteral("stored:   "), 1).section(QLatin1Char(' '), 0, 0);
}

const QStringList kTiny = {QStringLiteral("--set"), QStringLiteral("data.name=synthetic"),
                           QStringLiteral("--set"), QStringLiteral("model.hidden=16"),
                           QStringLiteral("--set"), QStringLiteral("steps=60"),
                           QStringLiteral("--set"), QStringLiteral("meta.init_steps=5"),
                           QStringLiteral("--set"), QStringLiteral("eval_interval=20"),
                           QStringLiteral("--set"), QStringLiteral("threads=1")};

}  // namespace

class TestCliRun final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultsAreACompleteValidConfig() {
        const Outcome o = runCli({QStringLiteral("config"), QStringLiteral("--defaults")});
        QCOMPARE(o.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(o.out.toUtf8()).object();
        QCOMPARE(json.value(QStringLiteral("method")).toString(), QStringLiteral("adalfl"));
        QCOMPARE(json.value(QStringLiteral("steps")).toInt(), 10000);
        QCOMPARE(json.value(QStringLiteral("optimizer"))
                     .toObject()
                     .value(QStringLiteral("lr"))
                     .toDouble(),
                 0.01);
        QCOMPARE(json.value(QStringLiteral("meta"))
                     .toObject()
                     .value(QStringLiteral("init_steps"))
                     .toInt(),
                 2500);
        // It round-trips: --check accepts it.
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("defaults.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(o.out.toUtf8());
        file.close();
        const Outcome check =
            runCli({QStringLiteral("config"), QStringLiteral("--check"), file.fileName()});
        QCOMPARE(check.exitCode, 0);
    }

    void presetFilesAreConfigs() {
        // Every shipped preset ({"title", "description", "config"}) is accepted as a run config;
        // the CIFAR ones name the missing folder instead (their data.path is the user's).
        const QDir presets(QStringLiteral(LOSSSTUDIO_PRESETS_DIR));
        const QStringList files = presets.entryList({QStringLiteral("*.json")}, QDir::Files);
        QVERIFY(files.size() >= 12);
        for (const QString& name : files) {
            const Outcome o = runCli(
                {QStringLiteral("config"), QStringLiteral("--check"), presets.filePath(name)});
            if (name.startsWith(QLatin1String("cifar"))) {
                QCOMPARE(o.exitCode, 1);
                QVERIFY2(o.err.contains(QStringLiteral("'data.path'")), qPrintable(o.err));
            } else {
                QVERIFY2(o.exitCode == 0, qPrintable(name + QLatin1String(": ") + o.err));
            }
        }
        // A preset runs with overrides on top: the quick preset shrunk to a synthetic dataset.
        const Outcome run = runCli(QStringList{QStringLiteral("run"),
                                               presets.filePath(QStringLiteral("quick.json")),
                                               QStringLiteral("--no-store")} +
                                   kTiny);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("status:   finished")), qPrintable(run.out));
    }

    void tinyRunFinishesWithASummary() {
        const Outcome o = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny);
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QVERIFY2(o.out.contains(QStringLiteral("status:   finished")), qPrintable(o.out));
        QVERIFY(o.out.contains(QStringLiteral("test accuracy:")));
        QVERIFY(o.out.contains(QStringLiteral("online step 60")));
        // Not a terminal: one plain line per evaluation (steps 0, 20, 40, 60).
        QCOMPARE(o.err.count(QStringLiteral("online step ")), 4);
    }

    void badKeysAreNamed() {
        const Outcome set =
            runCli({QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--set"),
                    QStringLiteral("optimizer.learning_rate=1")});
        QCOMPARE(set.exitCode, 1);
        QVERIFY2(set.err.contains(QStringLiteral("'optimizer.learning_rate'")),
                 qPrintable(set.err));

        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"batch_size": "large"})");
        file.close();
        const Outcome bad = runCli({QStringLiteral("run"), file.fileName()});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("bad.json")) &&
                     bad.err.contains(QStringLiteral("'batch_size'")),
                 qPrintable(bad.err));

        const Outcome missing =
            runCli({QStringLiteral("run"), dir.filePath(QStringLiteral("none.json"))});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains(QStringLiteral("none.json")));

        const Outcome usage = runCli({QStringLiteral("run")});
        QCOMPARE(usage.exitCode, 2);
    }

    void aStoreThatCannotBeWrittenStopsTheRunBeforeTraining() {
        // A missing folder, a file that is not SQLite: once found only when the run started, so
        // the run trained unrecorded and a stop (exit 3, "resume later") had nothing to resume.
        QTemporaryDir dir;
        QFile junk(dir.filePath(QStringLiteral("junk.sqlite")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        for (const QString& store : {dir.filePath(QStringLiteral("missing/runs.sqlite")),
                                     junk.fileName()}) {
            const Outcome o = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} +
                                     kTiny + QStringList{QStringLiteral("--db"), store});
            QCOMPARE(o.exitCode, 1);
            QVERIFY2(o.err.contains(QStringLiteral("cannot record the run in ") + store) &&
                         o.err.contains(QStringLiteral("nothing was trained")),
                     qPrintable(o.err));
            QVERIFY2(!o.err.contains(QStringLiteral("online step")), qPrintable(o.err));
            QVERIFY2(!o.out.contains(QStringLiteral("status:")), qPrintable(o.out));
        }
        QCOMPARE(junk.size(), qint64{4096});  // not touched
        // An empty --db is not the default store.
        const Outcome empty = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} +
                                     kTiny + QStringList{QStringLiteral("--db"), QString()});
        QCOMPARE(empty.exitCode, 2);
        QVERIFY2(empty.err.contains(QStringLiteral("--db was given an empty path")),
                 qPrintable(empty.err));
    }

    // A dataset that cannot be loaded is bad input: the store stays as it was (issue 18).
    void aRunThatFailsToLoadItsDataLeavesTheStoreAlone() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("empty")));
        const QStringList config =
            QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
            QStringList{QStringLiteral("--set"),
                        QStringLiteral("data.name=mnist"),
                        QStringLiteral("--set"),
                        QStringLiteral("data.path=") + dir.filePath(QStringLiteral("empty")),
                        QStringLiteral("--db"),
                        db,
                        QStringLiteral("--quiet")};
        const Outcome o = runCli(config);
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.out.contains(QStringLiteral("status:   failed")), qPrintable(o.out));
        QVERIFY2(o.err.contains(QStringLiteral("nothing was recorded in ") + db),
                 qPrintable(o.err));
        QCOMPARE(lossstudio::storage::RunReader::open(db).value()->listRuns().value().size(), 0);

        const Outcome kept = runCli(config + QStringList{QStringLiteral("--keep-failed")});
        QCOMPARE(kept.exitCode, 1);
        const auto runs = lossstudio::storage::RunReader::open(db).value()->listRuns().value();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().status, lossstudio::storage::RunStatus::Failed);
    }

    // A store that cannot be written during the run (here: another process holds its write lock
    // past the busy timeout) is reported at once and in the exit status, never swallowed.
    void aStoreWriteFailureDuringTheRunIsReportedInTheExitStatus() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("locked.sqlite"));
        QVERIFY(lossstudio::storage::RunReader::open(db).ok());  // creates the store
        const QString name = QStringLiteral("lock holder");
        {
            QSqlDatabase holder = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            holder.setDatabaseName(db);
            QVERIFY(holder.open());
            QSqlQuery begin(holder);
            QVERIFY2(begin.exec(QStringLiteral("BEGIN IMMEDIATE")),
                     qPrintable(begin.lastError().text()));
        }
        const Outcome o =
            runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
                   QStringList{QStringLiteral("--db"), db, QStringLiteral("--quiet")});
        QSqlDatabase::database(name).rollback();
        QSqlDatabase::database(name).close();
        QSqlDatabase::removeDatabase(name);
        QCOMPARE(o.exitCode, 5);
        QVERIFY2(o.out.contains(QStringLiteral("status:   finished")), qPrintable(o.out));
        QVERIFY2(o.out.contains(QStringLiteral("stored:   (not recorded)")), qPrintable(o.out));
        QVERIFY2(o.err.contains(QStringLiteral("store error")) &&
                     o.err.contains(QStringLiteral("locked")),
                 qPrintable(o.err));
        QCOMPARE(lossstudio::storage::RunReader::open(db).value()->countRuns().value(), qint64{0});
    }

    // Two runs of one config were both "adalfl-mlp-synthetic-s0" in the Runs tab (issue 23).
    void twoRunsOfOneConfigGetDistinctNames() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("names.sqlite"));
        const QStringList run = QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
                                QStringList{QStringLiteral("--db"), db, QStringLiteral("--quiet")};
        for (int i = 0; i < 2; ++i) {
            const Outcome o = runCli(run);
            QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        }
        const auto runs = lossstudio::storage::RunReader::open(db).value()->listRuns().value();
        QCOMPARE(runs.size(), 2);
        QVERIFY2(runs[0].name != runs[1].name, qPrintable(runs[0].name));
        for (const auto& r : runs) {
            QVERIFY2(r.name.startsWith(QStringLiteral("adalfl-mlp-synthetic-s0-")),
                     qPrintable(r.name));
        }
    }

    void stoppedRunResumesItsStoredSeries() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        const QStringList config =
            QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
            QStringList{QStringLiteral("--set"),  QStringLiteral("steps=1500"),
                        QStringLiteral("--set"),  QStringLiteral("eval_interval=100"),
                        QStringLiteral("--set"),  QStringLiteral("optimizer.momentum=0.9"),
                        QStringLiteral("--db"),   db,
                        QStringLiteral("--quiet")};
        const Outcome whole = runCli(config);
        QVERIFY2(whole.exitCode == 0, qPrintable(whole.err));
        // The same run stopped after 700 steps of its session (5 offline + 695 online), resumed.
        const Outcome first =
            runCli(config + QStringList{QStringLiteral("--stop-after"), QStringLiteral("700")});
        QCOMPARE(first.exitCode, 3);
        QVERIFY2(first.out.contains(QStringLiteral("online step 695")), qPrintable(first.out));
        const QString uuid = storedUuid(first.out);
        const Outcome resumed = runCli({QStringLiteral("run"), QStringLiteral("--resume"),
                                        uuid.left(8), QStringLiteral("--db"), db});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err + resumed.out));
        QVERIFY(resumed.out.contains(uuid));
        QVERIFY(resumed.err.contains(QStringLiteral("resuming run")));

        auto reader = lossstudio::storage::RunReader::open(db);
        QVERIFY(reader.ok());
        const auto wholeId = reader.value()->findRun(storedUuid(whole.out));
        const auto splitId = reader.value()->findRun(uuid);
        QVERIFY(wholeId.ok() && splitId.ok());
        QCOMPARE(reader.value()->run(splitId.value()).value().status,
                 lossstudio::storage::RunStatus::Finished);
        for (const QString& key :
             {QStringLiteral("train/loss"), QStringLiteral("meta/loss"),
              QStringLiteral("init/meta/loss"), QStringLiteral("validation/accuracy")}) {
            const auto a = reader.value()->series(wholeId.value(), key);
            const auto b = reader.value()->series(splitId.value(), key);
            QVERIFY(a.ok() && b.ok());
            QVERIFY2(a.value().steps.size() >= 5, qPrintable(key));  // init/: 5 offline steps
            QCOMPARE(b.value().steps, a.value().steps);              // no gap, no duplicate
            QCOMPARE(b.value().values, a.value().values);            // the same numbers
        }
        // Resuming a finished run is refused with a reason.
        const Outcome again = runCli(
            {QStringLiteral("run"), QStringLiteral("--resume"), uuid, QStringLiteral("--db"), db});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(QStringLiteral("is finished")), qPrintable(again.err));
    }

    void sigtermStopsCleanlyWithACheckpoint() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));
        // A million steps cannot finish before the signal arrives.
        QProcess cli;
        cli.start(QStringLiteral(LOSSSTUDIO_CLI_PATH),
                  QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
                      QStringList{QStringLiteral("--set"), QStringLiteral("steps=1000000"),
                                  QStringLiteral("--set"), QStringLiteral("eval_interval=50"),
                                  QStringLiteral("--db"), db});
        cli.setReadChannel(QProcess::StandardError);  // progress lines come on stderr
        QString err;
        while (!err.contains(QStringLiteral("online step 50/"))) {
            QVERIFY2(cli.waitForReadyRead(120000), qPrintable(err));
            err += QString::fromUtf8(cli.readAllStandardError());
        }
        cli.terminate();
        QVERIFY(cli.waitForFinished(120000));
        QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
        QCOMPARE(cli.exitCode(), 3);
        const QString out = QString::fromUtf8(cli.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("status:   stopped")), qPrintable(out));
        auto reader = lossstudio::storage::RunReader::open(db);
        QVERIFY(reader.ok());
        const auto id = reader.value()->findRun(storedUuid(out));
        QVERIFY(id.ok());
        QCOMPARE(reader.value()->run(id.value()).value().status,
                 lossstudio::storage::RunStatus::Stopped);
        QVERIFY(reader.value()->latestCheckpoint(id.value()).ok());
    }

    void sweepPlanListsTasksAndRefusesABadGridNamingTheKey() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto write = [&dir](const QString& name, const QByteArray& json) {
            QFile file(dir.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(json);
        };
        write(QStringLiteral("good.json"),
              R"({"name": "tiny", "config": {"data": {"name": "synthetic"}, "steps": 40},
                  "axes": {"method": ["cross_entropy", "adalfl"], "optimizer.lr": [0.1, 0.01]},
                  "seeds": [0, 1]})");
        write(QStringLiteral("bad.json"), R"({"name": "tiny", "axes": {"optimizer.lrr": [0.1]}})");
        const Outcome plan =
            runCli({QStringLiteral("sweep"), QStringLiteral("plan"),
                    dir.filePath(QStringLiteral("good.json")), QStringLiteral("--json")});
        QCOMPARE(plan.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(plan.out.toUtf8()).object();
        const QJsonArray tasks = json.value(QStringLiteral("tasks")).toArray();
        QCOMPARE(tasks.size(), 8);
        QSet<QString> ids;
        for (const QJsonValue& t : tasks) {
            ids.insert(t.toObject().value(QStringLiteral("id")).toString());
            const QJsonObject config = t.toObject().value(QStringLiteral("config")).toObject();
            QCOMPARE(config.value(QStringLiteral("steps")).toInt(), 40);
        }
        QCOMPARE(ids.size(), 8);
        const Outcome bad = runCli({QStringLiteral("sweep"), QStringLiteral("plan"),
                                    dir.filePath(QStringLiteral("bad.json"))});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("optimizer.lrr")), qPrintable(bad.err));
        QVERIFY(bad.out.isEmpty());
    }

    void divergenceExitsNonZero() {
        const Outcome o =
            runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
                   QStringList{QStringLiteral("--set"), QStringLiteral("method=cross_entropy"),
                               QStringLiteral("--set"), QStringLiteral("optimizer.lr=1000"),
                               QStringLiteral("--set"), QStringLiteral("steps=500"),
                               QStringLiteral("--set"), QStringLiteral("meta.max_failures=2")});
        QCOMPARE(o.exitCode, 4);
        QVERIFY2(o.out.contains(QStringLiteral("status:   diverged")), qPrintable(o.out));
        QVERIFY(o.err.contains(QStringLiteral("warning: non-finite")));
        QVERIFY(!o.out.contains(QStringLiteral("nan")));
    }
};

QTEST_GUILESS_MAIN(TestCliRun)
#include "test_cli_run.moc"
