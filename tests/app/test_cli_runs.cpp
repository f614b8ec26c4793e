// lossstudio-cli runs list|show|export|delete|merge against stores built here, as a user runs it.

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

using namespace lossstudio::storage;

namespace {

struct Output {
    int code = -1;
    QString out;
    QString err;
};

Output cli(const QStringList& args,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(LOSSSTUDIO_CLI_PATH), QStringList{QStringLiteral("runs")} + args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QString describe(const Output& o) {
    return QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3").arg(o.code).arg(o.out, o.err);
}

struct Made {
    RunHandle handle;
    QString name;
    QString method;
    double testAccuracy;
};

QVector<Made> makeStore(const QString& path, int first, int count) {
    QVector<Made> made;
    auto writer = RunWriter::open(path).value();
    const QStringList methods = {QStringLiteral("adalfl"), QStringLiteral("ml3"),
                                 QStringLiteral("cross_entropy")};
    for (int i = first; i < first + count; ++i) {
        NewRun n;
        n.name = QStringLiteral("run-%1").arg(i);
        n.method = methods.at(i % 3);
        n.model = QStringLiteral("mlp");
        n.dataset = QStringLiteral("fashion-mnist");
        n.seed = static_cast<quint64>(i);
        n.configJson =
            QStringLiteral("{\n  \"method\": \"%1\",\n  \"seed\": %2\n}").arg(n.method).arg(i);
        n.configHash = QStringLiteral("hash-%1").arg(i);
        n.tags = {QStringLiteral("batch"), QStringLiteral("t%1").arg(i)};
        n.notes = QStringLiteral("note %1").arg(i);
        const RunHandle h = writer->createRun(n).value();
        const double acc = 0.7 + 0.05 * ((i * 3) % 5);
        for (qint64 s = 1; s <= 50; ++s) {
            (void)writer->appendMetric(QStringLiteral("train/loss"), s, s * 0.1, 1.0 / (s + i));
        }
        (void)writer->appendMetric(QStringLiteral("test/accuracy"), 50, 5.0, acc);
        (void)writer->addSnapshot(50, QStringLiteral("loss/online"), {{1.0f, 2.0f}});
        (void)writer->finishRun(i % 4 == 3 ? RunStatus::Failed : RunStatus::Finished, QString());
        made << Made{h, n.name, n.method, acc};
    }
    return made;
}

}  // namespace

class TestCliRuns final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_store;
    QVector<Made> m_runs;

private Q_SLOTS:
    void initTestCase() {
        m_store = m_dir.filePath(QStringLiteral("runs.sqlite"));
        m_runs = makeStore(m_store, 0, 5);
    }

    void listShowsEveryRunWithItsLatestMetrics() {
        const Output o = cli({QStringLiteral("list"), QStringLiteral("--db"), m_store});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        for (const Made& m : m_runs) {
            QVERIFY2(o.out.contains(m.handle.uuid.left(8)) && o.out.contains(m.name),
                     qPrintable(o.out));
        }
        QVERIFY2(o.out.contains(QStringLiteral("test/accuracy")), qPrintable(o.out));
        QVERIFY2(o.out.contains(QStringLiteral("5 of 5 runs")), qPrintable(o.out));
    }

    void listFiltersSortsAndPrintsJson() {
        Output o =
            cli({QStringLiteral("list"), QStringLiteral("--db"), m_store,
                 QStringLiteral("--method"), QStringLiteral("ml3"), QStringLiteral("--json")});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QJsonArray runs = QJsonDocument::fromJson(o.out.toUtf8()).array();
        QStringList names;
        for (const auto& r : runs) {
            names << r.toObject().value(QStringLiteral("name")).toString();
            QCOMPARE(r.toObject().value(QStringLiteral("method")).toString(),
                     QStringLiteral("ml3"));
        }
        names.sort();
        QCOMPARE(names, (QStringList{QStringLiteral("run-1"), QStringLiteral("run-4")}));

        // The best test accuracy first, one run.
        o = cli({QStringLiteral("list"), QStringLiteral("--db"), m_store, QStringLiteral("--sort"),
                 QStringLiteral("test/accuracy"), QStringLiteral("--limit"), QStringLiteral("1"),
                 QStringLiteral("--json")});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        runs = QJsonDocument::fromJson(o.out.toUtf8()).array();
        QCOMPARE(runs.size(), 1);
        const Made* best = &m_runs.first();
        for (const Made& m : m_runs) {
            if (m.testAccuracy > best->testAccuracy) {
                best = &m;
            }
        }
        const QJsonObject top = runs.first().toObject();
        QCOMPARE(top.value(QStringLiteral("uuid")).toString(), best->handle.uuid);
        QCOMPARE(top.value(QStringLiteral("latest_metrics"))
                     .toObject()
                     .value(QStringLiteral("test/accuracy"))
                     .toObject()
                     .value(QStringLiteral("value"))
                     .toDouble(),
                 best->testAccuracy);

        o = cli({QStringLiteral("list"), QStringLiteral("--db"), m_store,
                 QStringLiteral("--status"), QStringLiteral("failed"), QStringLiteral("--json")});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        runs = QJsonDocument::fromJson(o.out.toUtf8()).array();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("run-3"));

        o = cli({QStringLiteral("list"), QStringLiteral("--db"), m_store,
                 QStringLiteral("--status"), QStringLiteral("exploded")});
        QCOMPARE(o.code, 2);
        QVERIFY2(o.err.contains(QStringLiteral("exploded")), qPrintable(o.err));
        o = cli(
            {QStringLiteral("list"), QStringLiteral("--db"), m_store, QStringLiteral("--bogus")});
        QCOMPARE(o.code, 2);
    }

    void showPrintsConfigStatusTagsNotesAndMetrics() {
        const Made& m = m_runs.at(2);
        const Output o =
            cli({QStringLiteral("show"), m.handle.uuid.left(8), QStringLiteral("--db"), m_store});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        for (const QString& expected :
             {m.name, m.handle.uuid, QStringLiteral("finished"), QStringLiteral("cross_entropy"),
              QStringLiteral("batch, t2"), QStringLiteral("note 2"),
              QStringLiteral("test/accuracy"), QStringLiteral("\"seed\": 2"),
              QStringLiteral("loss/online x1")}) {
            QVERIFY2(o.out.contains(expected),
                     qPrintable(expected + QStringLiteral(" missing in\n") + o.out));
        }
        const Output missing = cli(
            {QStringLiteral("show"), QStringLiteral("deadbeef"), QStringLiteral("--db"), m_store});
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.contains(QStringLiteral("deadbeef")), qPrintable(missing.err));
    }

    void exportWritesCsvAndJson() {
        const QString csv = m_dir.filePath(QStringLiteral("two.csv"));
        Output o = cli({QStringLiteral("export"), QStringLiteral("--db"), m_store,
                        QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--out"),
                        csv, m_runs[0].handle.uuid, QString::number(m_runs[1].handle.id)});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 2 * 51);
        QVERIFY(lines.at(1).startsWith(m_runs[0].handle.uuid));
        // A value comes back exactly.
        const QStringList fields = lines.at(1).split(QLatin1Char(','));
        QCOMPARE(fields.at(7), QStringLiteral("test/accuracy"));
        QCOMPARE(fields.at(10).toDouble(), m_runs[0].testAccuracy);

        const QString json = m_dir.filePath(QStringLiteral("failed.json"));
        o = cli({QStringLiteral("export"), QStringLiteral("--db"), m_store, QStringLiteral("--out"),
                 json, QStringLiteral("--status"),
                 QStringLiteral("failed")});  // format from the name
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QFile jf(json);
        QVERIFY(jf.open(QIODevice::ReadOnly));
        const QJsonArray runs =
            QJsonDocument::fromJson(jf.readAll()).object().value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().toObject().value(QStringLiteral("uuid")).toString(),
                 m_runs[3].handle.uuid);
        QCOMPARE(runs.first()
                     .toObject()
                     .value(QStringLiteral("metrics"))
                     .toObject()
                     .value(QStringLiteral("train/loss"))
                     .toObject()
                     .value(QStringLiteral("value"))
                     .toArray()
                     .size(),
                 50);

        QCOMPARE(cli({QStringLiteral("export"), QStringLiteral("--db"), m_store}).code,
                 2);  // no --out
        QCOMPARE(cli({QStringLiteral("export"), QStringLiteral("--db"), m_store,
                      QStringLiteral("--out"), m_dir.filePath(QStringLiteral("x.txt"))})
                     .code,
                 2);  // no format
    }

    void deleteNeedsExplicitRunsOrYes() {
        const QString store = m_dir.filePath(QStringLiteral("delete.sqlite"));
        const QVector<Made> runs = makeStore(store, 10, 4);
        QCOMPARE(cli({QStringLiteral("delete"), QStringLiteral("--db"), store}).code, 2);
        Output o = cli({QStringLiteral("delete"), QStringLiteral("--db"), store,
                        QStringLiteral("--tag"), QStringLiteral("batch")});
        QCOMPARE(o.code, 1);
        QVERIFY2(o.err.contains(QStringLiteral("--yes")), qPrintable(o.err));
        QCOMPARE(RunReader::open(store).value()->countRuns().value(), qint64{4});
        // An unknown run among known ones: nothing is deleted.
        o = cli({QStringLiteral("delete"), QStringLiteral("--db"), store, runs[0].handle.uuid,
                 QStringLiteral("999")});
        QCOMPARE(o.code, 1);
        QCOMPARE(RunReader::open(store).value()->countRuns().value(), qint64{4});
        o = cli({QStringLiteral("delete"), QStringLiteral("--db"), store, runs[0].handle.uuid,
                 QString::number(runs[1].handle.id)});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QVERIFY2(o.out.contains(QStringLiteral("deleted 2 runs")), qPrintable(o.out));
        auto reader = RunReader::open(store).value();
        QCOMPARE(reader->countRuns().value(), qint64{2});
        QCOMPARE(reader->findRun(runs[0].handle.uuid).code(), ErrorCode::NotFound);
        o = cli({QStringLiteral("delete"), QStringLiteral("--db"), store, QStringLiteral("--tag"),
                 QStringLiteral("t12"), QStringLiteral("--yes")});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QCOMPARE(reader->countRuns().value(), qint64{1});
    }

    void anEmptyFilterOrStoreIsRefusedNotTakenAsEverything() {
        // `runs delete --tag "$TAG" --yes` with TAG unset: an empty filter value once matched,
        // and deleted, every run; an empty --db silently meant the default store.
        const QString store = m_dir.filePath(QStringLiteral("empty-filter.sqlite"));
        makeStore(store, 30, 4);
        const QStringList empties[] = {
            {QStringLiteral("--tag"), QString()},
            {QStringLiteral("--method"), QStringLiteral(" ")},
            {QStringLiteral("--status"), QStringLiteral(",")},
            {QStringLiteral("--search"), QString()},
        };
        for (const QStringList& filter : empties) {
            Output o = cli(QStringList{QStringLiteral("delete"), QStringLiteral("--db"), store} +
                           filter + QStringList{QStringLiteral("--yes")});
            QCOMPARE(o.code, 2);
            QVERIFY2(o.err.contains(filter[0] + QStringLiteral(" was given an empty value")),
                     qPrintable(describe(o)));
            o = cli(QStringList{QStringLiteral("list"), QStringLiteral("--db"), store} + filter);
            QCOMPARE(o.code, 2);
        }
        QCOMPARE(RunReader::open(store).value()->countRuns().value(), qint64{4});
        const Output o = cli({QStringLiteral("list"), QStringLiteral("--db"), QString()});
        QCOMPARE(o.code, 2);
        QVERIFY2(o.err.contains(QStringLiteral("--db was given an empty path")),
                 qPrintable(describe(o)));
    }

    void mergeAddsNewRunsAndSkipsDuplicates() {
        const QString other = m_dir.filePath(QStringLiteral("other.sqlite"));
        const QVector<Made> theirs = makeStore(other, 20, 2);
        const QString target = m_dir.filePath(QStringLiteral("target.sqlite"));
        makeStore(target, 30, 1);
        Output o = cli({QStringLiteral("merge"), other, QStringLiteral("--db"), target});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QVERIFY2(o.out.contains(QStringLiteral("added 2 runs")), qPrintable(o.out));
        o = cli({QStringLiteral("merge"), other, QStringLiteral("--db"), target});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QVERIFY2(o.out.contains(QStringLiteral("added 0 runs")) &&
                     o.out.contains(QStringLiteral("skipped 2")) &&
                     o.out.contains(theirs[0].handle.uuid),
                 qPrintable(o.out));
        QCOMPARE(RunReader::open(target).value()->countRuns().value(), qint64{3});
        o = cli({QStringLiteral("merge"), m_dir.filePath(QStringLiteral("nope.sqlite")),
                 QStringLiteral("--db"), target});
        QCOMPARE(o.code, 1);
        QCOMPARE(cli({QStringLiteral("merge"), QStringLiteral("--db"), target}).code, 2);
    }

    // A merge killed half-way leaves its scratch copy of the source beside the target; the next
    // merge into that folder removes it (issue 18). The source is held locked (rollback journal,
    // BEGIN EXCLUSIVE) so that the merge is certain to be waiting, scratch folder made, when
    // killed.
    void aKilledMergesScratchCopyIsRemovedByTheNextMerge() {
        QTemporaryDir dir;
        const QString source = dir.filePath(QStringLiteral("source.sqlite"));
        const QVector<Made> theirs = makeStore(source, 40, 2);
        const QString target = dir.filePath(QStringLiteral("target.sqlite"));
        makeStore(target, 50, 1);
        const QString lockName = QStringLiteral("test-lock");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), lockName);
            db.setDatabaseName(source);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode = DELETE")));
            q.finish();
            QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        }
        auto scratch = [&] {
            return QDir(dir.path())
                .entryList({QStringLiteral(".lossstudio-merge-*")},
                           QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
        };
        QProcess merge;
        merge.start(QStringLiteral(LOSSSTUDIO_CLI_PATH),
                    {QStringLiteral("runs"), QStringLiteral("merge"), source,
                     QStringLiteral("--db"), target});
        QVERIFY(merge.waitForStarted());
        QElapsedTimer clock;
        clock.start();
        QElapsedTimer seen;
        while (clock.elapsed() < 8000) {
            const QStringList found = scratch();
            if (!found.isEmpty()) {
                if (!seen.isValid()) {
                    seen.start();
                }
                // The owner record follows the folder at once; a build without one gets 2 s.
                if (QFile::exists(dir.filePath(found.first() + QStringLiteral("/owner"))) ||
                    seen.elapsed() > 2000) {
                    break;
                }
            }
            QVERIFY2(merge.state() == QProcess::Running,
                     qPrintable(QString::fromUtf8(merge.readAllStandardError())));
            QTest::qWait(1);
        }
        QCOMPARE(scratch().size(), 1);
        merge.kill();
        QVERIFY(merge.waitForFinished());
        QCOMPARE(scratch().size(), 1);  // what a killed merge leaves
        QSqlDatabase::database(lockName).rollback();
        QSqlDatabase::database(lockName).close();
        QSqlDatabase::removeDatabase(lockName);

        const Output again = cli({QStringLiteral("merge"), source, QStringLiteral("--db"), target});
        QVERIFY2(again.code == 0 && again.out.contains(QStringLiteral("added 2 runs")),
                 qPrintable(describe(again)));
        QCOMPARE(scratch(), QStringList{});
        QCOMPARE(RunReader::open(target).value()->countRuns().value(), qint64{3});
        QVERIFY(RunReader::open(target).value()->findRun(theirs[1].handle.uuid).ok());
    }

    void badStoresGiveClearErrorsAndStayUntouched() {
        const QString text = m_dir.filePath(QStringLiteral("notes.txt"));
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a database at all\n");
        f.close();
        const Output o = cli({QStringLiteral("list"), QStringLiteral("--db"), text});
        QCOMPARE(o.code, 1);
        QVERIFY2(
            o.err.contains(text) && o.err.contains(QStringLiteral("not a LossStudio run store")),
            qPrintable(o.err));
        QFile again(text);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), QByteArray("not a database at all\n"));
        const Output missing = cli({QStringLiteral("list"), QStringLiteral("--db"),
                                    m_dir.filePath(QStringLiteral("none.sqlite"))});
        QCOMPARE(missing.code, 1);
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("none.sqlite"))));
        QCOMPARE(cli({QStringLiteral("frobnicate")}).code, 2);
        QCOMPARE(cli({}).code, 2);
    }

    // A store someone shared read-only, in a read-only folder: SQLite cannot create the -shm
    // file a WAL database needs, so the CLI reads it as immutable (issue 18). Root ignores
    // permissions, so as root the commands run as the unprivileged user 'nobody'.
    void aReadOnlyStoreInAReadOnlyFolderCanBeListedShownAndExported() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("shared")));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("out")));
        const QString folder = dir.filePath(QStringLiteral("shared"));
        const QString db = folder + QStringLiteral("/runs.sqlite");
        const QVector<Made> made = makeStore(db, 0, 2);
        QVERIFY(!QFile::exists(db + QStringLiteral("-wal")));  // closed cleanly
        const auto readable = QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther;
        const auto listable = readable | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther;
        QVERIFY(QFile::setPermissions(dir.path(), listable | QFile::WriteOwner));
        QVERIFY(QFile::setPermissions(
            dir.filePath(QStringLiteral("out")),
            listable | QFile::WriteOwner | QFile::WriteGroup | QFile::WriteOther));
        QVERIFY(QFile::setPermissions(db, readable));
        QVERIFY(QFile::setPermissions(folder, listable));
        const auto restore = qScopeGuard([&] {
            QFile::setPermissions(folder, listable | QFile::WriteOwner);
            QFile::setPermissions(db, readable | QFile::WriteOwner);
        });

        QStringList prefix;
        if (::geteuid() == 0) {
            const QString runuser = QStandardPaths::findExecutable(QStringLiteral("runuser"));
            if (runuser.isEmpty()) {
                QSKIP("running as root without runuser: permissions cannot be tested");
            }
            prefix = {runuser, QStringLiteral("-u"), QStringLiteral("nobody"),
                      QStringLiteral("--")};
        }
        auto run = [&](const QStringList& args) {
            QProcess p;
            const QStringList all =
                prefix + QStringList{QStringLiteral(LOSSSTUDIO_CLI_PATH), QStringLiteral("runs")} +
                args + QStringList{QStringLiteral("--db"), db};
            p.start(all.first(), all.mid(1));
            if (!p.waitForFinished(120000)) {
                p.kill();
                p.waitForFinished();
            }
            return Output{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                          QString::fromUtf8(p.readAllStandardOutput()),
                          QString::fromUtf8(p.readAllStandardError())};
        };
        const Output list = run({QStringLiteral("list")});
        QVERIFY2(list.code == 0, qPrintable(describe(list)));
        QVERIFY2(list.out.contains(made[0].name) && list.out.contains(made[1].name),
                 qPrintable(describe(list)));
        const Output show = run({QStringLiteral("show"), made[1].handle.uuid});
        QVERIFY2(show.code == 0 && show.out.contains(made[1].name), qPrintable(describe(show)));
        const QString csv = dir.filePath(QStringLiteral("out/runs.csv"));
        const Output exported = run({QStringLiteral("export"), QStringLiteral("--format"),
                                     QStringLiteral("csv"), QStringLiteral("--out"), csv});
        QVERIFY2(exported.code == 0, qPrintable(describe(exported)));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("train/loss"));
        // Nothing was written beside the store.
        QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden),
                 QStringList{QStringLiteral("runs.sqlite")});
    }

    void theDefaultStoreIsInTheXdgDataDirectory() {
        QTemporaryDir xdg;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_DATA_HOME"), xdg.path());
        Output o = cli({QStringLiteral("list")}, env);
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        const QString expected = xdg.filePath(QStringLiteral("lossstudio/runs.sqlite"));
        QVERIFY2(o.out.contains(QStringLiteral("no runs yet")) && o.out.contains(expected),
                 qPrintable(o.out));
        makeStore(expected, 40, 1);
        o = cli({QStringLiteral("list")}, env);
        QVERIFY2(o.code == 0 && o.out.contains(QStringLiteral("run-40")), qPrintable(describe(o)));
    }
};

QTEST_GUILESS_MAIN(TestCliRuns)
#include "test_cli_runs.moc"
