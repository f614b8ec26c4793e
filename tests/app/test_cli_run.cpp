// lossstudio-cli run / config as a user calls them: exit codes, summaries, errors naming the key.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

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
        QCOMPARE(json.value(QStringLiteral("optimizer")).toObject().value(QStringLiteral("lr")).toDouble(), 0.01);
        QCOMPARE(json.value(QStringLiteral("meta")).toObject().value(QStringLiteral("init_steps")).toInt(), 2500);
        // It round-trips: --check accepts it.
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("defaults.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(o.out.toUtf8());
        file.close();
        const Outcome check = runCli({QStringLiteral("config"), QStringLiteral("--check"), file.fileName()});
        QCOMPARE(check.exitCode, 0);
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
        const Outcome set = runCli({QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--set"),
                                    QStringLiteral("optimizer.learning_rate=1")});
        QCOMPARE(set.exitCode, 1);
        QVERIFY2(set.err.contains(QStringLiteral("'optimizer.learning_rate'")), qPrintable(set.err));

        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"batch_size": "large"})");
        file.close();
        const Outcome bad = runCli({QStringLiteral("run"), file.fileName()});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("bad.json")) && bad.err.contains(QStringLiteral("'batch_size'")),
                 qPrintable(bad.err));

        const Outcome missing = runCli({QStringLiteral("run"), dir.filePath(QStringLiteral("none.json"))});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains(QStringLiteral("none.json")));

        const Outcome usage = runCli({QStringLiteral("run")});
        QCOMPARE(usage.exitCode, 2);
    }

    void divergenceExitsNonZero() {
        const Outcome o = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + kTiny +
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
