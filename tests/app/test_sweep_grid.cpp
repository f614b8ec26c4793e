// Grid files (issue 21): expansion of axes, zipped axes and seeds into tasks, the tasks'
// identities, and bad grids failing before anything runs with the key named.
#include <QSet>
#include <QtTest>

#include <lossstudio/core/run_config.h>

#include "sweep_grid.h"

using lossstudio::app::parseSweepGrid;
using lossstudio::app::SweepGrid;
using lossstudio::app::sweepTaskId;

namespace {

const char* const kTinyConfig =
    R"("config": {"data": {"name": "synthetic"}, "model": {"name": "mlp", "hidden": [16]},
                  "steps": 40, "meta": {"init_steps": 5}, "eval_interval": 20})";

QByteArray grid(const char* body) {
    return QByteArray("{\"name\": \"tiny\", ") + kTinyConfig + ", " + body + "}";
}

std::string value(const lossstudio::core::RunConfig& config, const char* key) {
    const auto v = lossstudio::core::configValue(config, key);
    return v.ok() ? v.value() : "?" + v.error();
}

}  // namespace

class TestSweepGrid final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void expandsAxesZipAndSeedsInOrder() {
        const auto parsed = parseSweepGrid(grid(R"("axes": {"method": ["cross_entropy", "adalfl"]},
                    "zip": [{"optimizer.lr": [0.1, 0.01], "batch_size": [32, 64]}],
                    "seeds": [0, 7], "resources": {"cpus": 2, "memory": "1G", "time": "10:00"})"),
                                           {});
        QVERIFY2(parsed.ok(), parsed.error().c_str());
        const SweepGrid& g = parsed.value();
        QCOMPARE(g.tasks.size(), std::size_t{2 * 2 * 2});
        QCOMPARE(g.resources.cpus, 2);
        QCOMPARE(g.resources.memory, QStringLiteral("1G"));
        QCOMPARE(g.axisKeys.size(), std::size_t{3});
        QSet<QString> ids;
        for (std::size_t i = 0; i < g.tasks.size(); ++i) {
            const auto& t = g.tasks[i];
            QCOMPARE(t.index, static_cast<int>(i));
            QVERIFY(lossstudio::core::validate(t.config).ok());
            QCOMPARE(t.id, sweepTaskId(t.config));
            QCOMPARE(t.config.seed, i % 2 == 0 ? 0u : 7u);  // seeds innermost
            ids.insert(QString::fromStdString(t.id));
            // The base's fixed values survive every combination.
            QCOMPARE(t.config.steps, 40);
            QCOMPARE(t.config.data.name, std::string("synthetic"));
        }
        QCOMPARE(ids.size(), 8);
        // The axis first (the outermost), the zipped values together.
        QCOMPARE(g.tasks[0].config.method, std::string("cross_entropy"));
        QCOMPARE(g.tasks[3].config.method, std::string("cross_entropy"));
        QCOMPARE(g.tasks[4].config.method, std::string("adalfl"));
        QCOMPARE(value(g.tasks[0].config, "optimizer.lr"), std::string("0.1"));
        QCOMPARE(g.tasks[0].config.batchSize, 32);
        QCOMPARE(value(g.tasks[2].config, "optimizer.lr"), std::string("0.01"));
        QCOMPARE(g.tasks[2].config.batchSize, 64);
        // The settings are the shortest text of each value, as a user would type it.
        // (method, then the zipped group's keys in key order).
        QCOMPARE(g.tasks[2].settings.size(), std::size_t{3});
        QCOMPARE(g.tasks[2].settings[2].first, std::string("optimizer.lr"));
        QCOMPARE(g.tasks[2].settings[2].second, std::string("0.01"));
        // Seeds of one config share the part of the identity before "-s".
        const std::string a = g.tasks[0].id;
        const std::string b = g.tasks[1].id;
        QCOMPARE(a.substr(0, a.rfind("-s")), b.substr(0, b.rfind("-s")));
        QCOMPARE(b.substr(b.rfind("-s")), std::string("-s7"));
        QCOMPARE(g.tasks[0].config.name, "tiny-" + a);
    }

    void identityIgnoresTheGridNameAndThreads() {
        const auto first = parseSweepGrid(grid(R"("axes": {"method": ["ml3", "adalfl"]})"), {});
        QByteArray other = grid(R"("axes": {"method": ["ml3", "adalfl"]}, "set": {"threads": 1})");
        other.replace("\"tiny\"", "\"renamed\"");
        const auto second = parseSweepGrid(other, {});
        QVERIFY2(first.ok() && second.ok(), (first.error() + second.error()).c_str());
        QCOMPARE(first.value().tasks.size(), std::size_t{2});
        for (std::size_t i = 0; i < 2; ++i) {
            QCOMPARE(first.value().tasks[i].id, second.value().tasks[i].id);
        }
        QVERIFY(first.value().tasks[0].id != first.value().tasks[1].id);
    }

    void aPresetIsABase() {
        const QByteArray json =
            R"({"name": "q", "base": "quick.json", "set": {"steps": 100}, "seeds": [1, 2, 3]})";
        const auto parsed = parseSweepGrid(json, QStringLiteral(LOSSSTUDIO_PRESETS_DIR));
        QVERIFY2(parsed.ok(), parsed.error().c_str());
        QCOMPARE(parsed.value().tasks.size(), std::size_t{3});
        const auto& config = parsed.value().tasks[2].config;
        QCOMPARE(config.steps, 100);
        QCOMPARE(config.meta.initSteps, 500);  // from the preset
        QCOMPARE(config.seed, 3u);
    }

    void theShippedGridsExpand() {
        const QDir grids(QStringLiteral(LOSSSTUDIO_GRIDS_DIR));
        const QStringList files = grids.entryList({QStringLiteral("*.json")}, QDir::Files);
        QVERIFY2(!files.isEmpty(), qPrintable(grids.path()));
        for (const QString& file : files) {
            const auto parsed = lossstudio::app::readSweepGrid(grids.filePath(file));
            QVERIFY2(parsed.ok(), parsed.error().c_str());
            QVERIFY(!parsed.value().tasks.empty());
        }
    }

    void badGridsFailNamingTheKey_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown key")
            << grid(R"("axes": {"optimizer.lrr": [0.1]})") << "optimizer.lrr"
            << "unknown";
        QTest::newRow("a group, not a key")
            << grid(R"("axes": {"optimizer": [0.1]})") << "optimizer"
            << "unknown";
        QTest::newRow("value out of range")
            << grid(R"("axes": {"optimizer.lr": [0.1, -1]})") << "optimizer.lr"
            << "optimizer.lr";
        QTest::newRow("not a choice")
            << grid(R"("axes": {"method": ["adalfl", "sgd"]})") << "method"
            << "method";
        QTest::newRow("wrong type") << grid(R"("axes": {"steps": ["many"]})") << "steps"
                                    << "steps";
        QTest::newRow("empty axis") << grid(R"("axes": {"steps": []})") << "steps"
                                    << "empty";
        QTest::newRow("not a list") << grid(R"("axes": {"steps": 10})") << "steps"
                                    << "list";
        QTest::newRow("value twice") << grid(R"("axes": {"steps": [10, 20, 10]})") << "steps"
                                     << "twice";
        QTest::newRow("axis without effect: duplicate tasks")
            << grid(R"("axes": {"threads": [1, 2]})") << "threads"
            << "same run";
        QTest::newRow("seed as an axis") << grid(R"("axes": {"seed": [1, 2]})") << "seed"
                                         << "seeds";
        QTest::newRow("name as an axis") << grid(R"("axes": {"name": ["a"]})") << "name"
                                         << "name";
        QTest::newRow("zipped lists of different lengths")
            << grid(R"("zip": [{"steps": [10, 20], "batch_size": [8]}])") << "steps"
            << "equally";
        QTest::newRow("varied twice")
            << grid(R"("axes": {"steps": [10]}, "zip": [{"steps": [20]}])") << "steps"
            << "twice";
        QTest::newRow("bad fixed value")
            << grid(R"("set": {"optimizer.momentum": "x"})") << "optimizer.momentum"
            << "momentum";
        QTest::newRow("no seeds") << grid(R"("seeds": [])") << "seed"
                                  << "seeds";
        QTest::newRow("unknown grid key") << grid(R"("axis": {"steps": [1]})") << ""
                                          << "axis";
        QTest::newRow("bad memory") << grid(R"("resources": {"memory": "lots"})") << ""
                                    << "resources.memory";
        QTest::newRow("bad base") << QByteArray(R"({"name": "x", "base": "no-such-file.json"})")
                                  << ""
                                  << "no-such-file";
        QTest::newRow("no name") << QByteArray(R"({"axes": {"steps": [1]}})") << ""
                                 << "name";
    }

    void badGridsFailNamingTheKey() {
        QFETCH(QByteArray, json);
        QFETCH(QString, key);
        QFETCH(QString, message);
        const auto parsed = parseSweepGrid(json, QDir::tempPath());
        QVERIFY2(!parsed.ok(), "a bad grid was accepted");
        QVERIFY2(QString::fromStdString(parsed.error()).contains(message), parsed.error().c_str());
        if (!key.isEmpty()) {
            QCOMPARE(QString::fromStdString(parsed.errorKey()), key);
        }
    }
};

QTEST_APPLESS_MAIN(TestSweepGrid)
#include "test_sweep_grid.moc"
