#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/core/json_keys.h>
#include <lossstudio/core/run_config.h>

using lossstudio::core::RunConfig;

class TestConfig final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Two runs of one config got the same default name (issue 23): new runs get a suffix.
    void newRunsOfOneConfigGetDistinctReadableNames() {
        lossstudio::core::RunConfig config;
        const std::string base = lossstudio::core::defaultRunName(config);
        QCOMPARE(base, std::string("adalfl-mlp-fashion-mnist-s0"));
        const std::string a = lossstudio::core::uniqueRunName(config);
        const std::string b = lossstudio::core::uniqueRunName(config);
        QCOMPARE(a.substr(0, base.size() + 1), base + "-");
        QCOMPARE(a.size(), base.size() + 7);  // "-" and six hex digits
        QVERIFY(a.find_first_not_of("0123456789abcdef", base.size() + 1) == std::string::npos);
        QVERIFY2(a != b, a.c_str());
    }

    // An MLP that cannot fit in memory is refused at validation, naming the key and the
    // estimate, instead of failing inside LibTorch's allocator (issue 18).
    void anMlpTooBigForMemoryIsRefusedNamingTheKey() {
        lossstudio::core::RunConfig config;
        config.model.name = "mlp";
        QVERIFY(lossstudio::core::setConfigValue(config, "model.hidden", "100000,100000").ok());
        const auto refused = lossstudio::core::validate(config);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.errorKey(), std::string("model.hidden"));
        const QString message = QString::fromStdString(refused.error());
        // Weights and biases: 785 * 1e5 + 100001 * 1e5 + 100001 (one class) = 10,078,700,001;
        // 8 bytes each (weight and gradient) plus 8 bytes per hidden unit of a 128 batch:
        // 80,629,600,008 + 204,800,000 bytes = 75.28 GiB.
        QVERIFY2(message.contains(QStringLiteral("784-100000-100000-classes")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("1.01e+10 parameters")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("at least 75.3 GiB")), qPrintable(message));
        // The paper's big MLP and a generous one pass.
        QVERIFY(lossstudio::core::setConfigValue(config, "model.hidden", "1000,1000").ok());
        QVERIFY(lossstudio::core::validate(config).ok());
        QVERIFY(lossstudio::core::setConfigValue(config, "model.hidden", "8192,8192").ok());
        QVERIFY(lossstudio::core::validate(config).ok());
    }

    void defaultsRoundTripThroughJson() {
        RunConfig original;
        original.name = "x";
        original.seed = 42;
        original.optimizer.milestones = {100, 200};
        original.model.hidden = {32, 16};
        original.loss.output = "none";
        const auto parsed = lossstudio::core::parseRunConfig(lossstudio::core::toJson(original));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().c_str());
        QCOMPARE(lossstudio::core::toJson(parsed.value()), lossstudio::core::toJson(original));
        QCOMPARE(parsed.value().seed, std::uint64_t{42});
        QCOMPARE(parsed.value().model.hidden, (std::vector<std::int64_t>{32, 16}));
    }

    void missingKeysTakeDefaults() {
        const auto parsed = lossstudio::core::parseRunConfig(R"({"optimizer": {"lr": 0.5}})");
        QVERIFY(parsed.ok());
        QCOMPARE(parsed.value().optimizer.lr, 0.5);
        QCOMPARE(parsed.value().batchSize, std::int64_t{128});
        QCOMPARE(parsed.value().meta.initSteps, std::int64_t{2500});
    }

    void errorsNameTheKey_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("mustContain");
        QTest::addColumn<QString>("key");  // Error::key, which editors find their field by
        QTest::newRow("unknown nested") << R"({"optimizer": {"learning_rate": 1}})"
                                        << "'optimizer.learning_rate'"
                                        << "optimizer.learning_rate";
        QTest::newRow("unknown top") << R"({"stepz": 1})"
                                     << "'stepz'"
                                     << "stepz";
        QTest::newRow("wrong type") << R"({"steps": "many"})"
                                    << "'steps' must be an integer"
                                    << "steps";
        QTest::newRow("fraction") << R"({"steps": 1.5})"
                                  << "'steps'"
                                  << "steps";
        QTest::newRow("out of range") << R"({"batch_size": 0})"
                                      << "'batch_size'"
                                      << "batch_size";
        QTest::newRow("bad choice") << R"({"method": "glo"})"
                                    << "'method'"
                                    << "method";
        QTest::newRow("group not object") << R"({"meta": 3})"
                                          << "'meta' must be an object"
                                          << "meta";
        QTest::newRow("bad json") << R"({"steps": )"
                                  << "not valid JSON"
                                  << "";
        QTest::newRow("needs path") << R"({"data": {"name": "mnist"}})"
                                    << "'data.path'"
                                    << "data.path";
        QTest::newRow("nesterov") << R"({"optimizer": {"nesterov": true}})"
                                  << "'optimizer.nesterov'"
                                  << "optimizer.nesterov";
        QTest::newRow("list item") << R"({"model": {"hidden": [10, "a"]}})"
                                   << "'model.hidden'"
                                   << "model.hidden";
        QTest::newRow("empty hidden") << R"({"model": {"hidden": []}})"
                                      << "'model.hidden'"
                                      << "model.hidden";
        QTest::newRow("milestones") << R"({"optimizer": {"milestones": [5, 3]}})"
                                    << "'optimizer.milestones'"
                                    << "optimizer.milestones";
        QTest::newRow("validation for taylorglo")
            << R"({"method": "taylorglo", "data": {"validation_fraction": 0}})"
            << "'data.validation_fraction'"
            << "data.validation_fraction";
        // A repeated key: JSON would keep the last, silently dropping the csv dataset here.
        QTest::newRow("repeated group")
            << R"({"data": {"name": "csv"}, "data": {"validation_fraction": 0.1}})"
            << "config key 'data' appears twice"
            << "data";
        QTest::newRow("repeated nested key")
            << R"({"model": {"name": "mlp"}, "data": {"name": "csv", "name": "mnist"}})"
            << "config key 'data.name' appears twice"
            << "data.name";
        // Larger than a double: once an exception that escaped the parser, naming nothing.
        QTest::newRow("number overflow") << R"({"steps": 1e400})"
                                         << "number overflow"
                                         << "";
    }
    void errorsNameTheKey() {
        QFETCH(QString, json);
        QFETCH(QString, mustContain);
        QFETCH(QString, key);
        const auto parsed = lossstudio::core::parseRunConfig(json.toStdString());
        QVERIFY(!parsed.ok());
        QVERIFY2(QString::fromStdString(parsed.error()).contains(mustContain),
                 parsed.error().c_str());
        QCOMPARE(QString::fromStdString(parsed.errorKey()), key);
    }

    void setValueErrorsCarryTheKey() {
        RunConfig c;
        const auto bad = lossstudio::core::setConfigValue(c, "optimizer.lr", "fast");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.errorKey(), std::string("optimizer.lr"));
        const auto unknown = lossstudio::core::setConfigValue(c, "optimizer.speed", "1");
        QCOMPARE(unknown.errorKey(), std::string("optimizer.speed"));
    }

    void oneReaderForConfigFiles() {
        QTemporaryDir dir;
        const QString preset = dir.filePath(QStringLiteral("preset.json"));
        QFile file(preset);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"title": "T", "config": {"steps": 7, "data": {"name": "mnist"}}})");
        file.close();
        using lossstudio::core::ConfigCheck;
        // Complete (the CLI): a dataset read from a path needs the path.
        const auto complete = lossstudio::core::readRunConfigFile(preset.toStdString());
        QVERIFY(!complete.ok());
        QCOMPARE(complete.errorKey(), std::string("data.path"));
        QVERIFY2(QString::fromStdString(complete.error()).startsWith(preset),
                 complete.error().c_str());
        // Values (the studio's editor): loads, the path is chosen in the form.
        const auto values =
            lossstudio::core::readRunConfigFile(preset.toStdString(), ConfigCheck::Values);
        QVERIFY2(values.ok(), values.error().c_str());
        QCOMPARE(values.value().steps, std::int64_t{7});
        QCOMPARE(values.value().data.name, std::string("mnist"));
        const auto missing = lossstudio::core::readRunConfigFile(
            dir.filePath(QStringLiteral("none.json")).toStdString());
        QVERIFY(!missing.ok());
        QVERIFY2(QString::fromStdString(missing.error()).contains(QLatin1String("cannot read")),
                 missing.error().c_str());
    }

    void aPresetFileHoldsItsConfig() {
        using lossstudio::core::configTextOf;
        // A preset wraps its config; any other file is the config itself.
        const auto inner =
            configTextOf(R"({"title": "T", "description": "D", "config": {"steps": 7}})");
        QVERIFY(inner.ok());
        const auto parsed = lossstudio::core::parseRunConfig(inner.value());
        QVERIFY(parsed.ok());
        QCOMPARE(parsed.value().steps, std::int64_t{7});
        QCOMPARE(configTextOf(R"({"steps": 7})").value(), std::string(R"({"steps": 7})"));
        // A repeat inside a preset's config is refused too (it was lost in the unwrapping).
        const auto repeated = configTextOf(
            R"({"title": "T", "config": {"data": {"name": "csv"}, "data": {"name": "mnist"}}})");
        QVERIFY(!repeated.ok());
        QVERIFY2(QString::fromStdString(repeated.error())
                     .contains(QLatin1String("config key 'config.data' appears twice")),
                 repeated.error().c_str());
    }

    void setValueParsesByType() {
        RunConfig c;
        QVERIFY(lossstudio::core::setConfigValue(c, "optimizer.lr", "0.1").ok());
        QCOMPARE(c.optimizer.lr, 0.1);
        QVERIFY(lossstudio::core::setConfigValue(c, "method", "cross_entropy").ok());
        QCOMPARE(c.method, std::string("cross_entropy"));
        QVERIFY(lossstudio::core::setConfigValue(c, "model.hidden", "256").ok());
        QCOMPARE(c.model.hidden, (std::vector<std::int64_t>{256}));
        QVERIFY(lossstudio::core::setConfigValue(c, "optimizer.milestones", "10,20").ok());
        QCOMPARE(c.optimizer.milestones, (std::vector<std::int64_t>{10, 20}));
        QVERIFY(lossstudio::core::setConfigValue(c, "data.normalize", "false").ok());
        QCOMPARE(c.data.normalize, false);
        const auto bad = lossstudio::core::setConfigValue(c, "optimizer.lr", "fast");
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error()).contains("'optimizer.lr'"));
        QVERIFY(!lossstudio::core::setConfigValue(c, "nope", "1").ok());
    }

    void hashIgnoresNameButNotSeed() {
        RunConfig a;
        RunConfig b = a;
        b.name = "other";
        QCOMPARE(lossstudio::core::configHash(a), lossstudio::core::configHash(b));
        b.seed = 1;
        QVERIFY(lossstudio::core::configHash(a) != lossstudio::core::configHash(b));
        QCOMPARE(lossstudio::core::configHash(a).size(), std::size_t{16});
    }

    // Issue 22: AdaLFL's default output is none (the ablation), ML3 keeps its softplus; a config
    // that names an output keeps it.
    void theLossOutputDefaultsByMethod() {
        using lossstudio::core::resolvedLossOutput;
        RunConfig c;
        QCOMPARE(c.loss.output, std::string("auto"));
        c.method = "adalfl";
        QCOMPARE(resolvedLossOutput(c), std::string("none"));
        c.method = "ml3";
        QCOMPARE(resolvedLossOutput(c), std::string("softplus"));
        auto stored = lossstudio::core::parseRunConfig(
            R"({"method": "adalfl", "loss": {"output": "softplus"}})");
        QVERIFY(stored.ok());
        QCOMPARE(resolvedLossOutput(stored.value()), std::string("softplus"));
    }

    // loss.ce_weight came after runs were checkpointed: at its legacy value 0 the hash leaves it
    // out (legacy_config.h), so their checkpoints still match; any other value is hashed.
    void theCrossEntropyAnchorIsALateSetting() {
        RunConfig c;
        QCOMPARE(c.loss.ceWeight, 0.0);
        const std::string before = lossstudio::core::configHash(c);
        QVERIFY(lossstudio::core::toJson(c).find("ce_weight") != std::string::npos);
        QVERIFY(lossstudio::core::setConfigValue(c, "loss.ce_weight", "0.1").ok());
        QCOMPARE(c.loss.ceWeight, 0.1);
        QVERIFY(lossstudio::core::configHash(c) != before);
        QVERIFY(!lossstudio::core::setConfigValue(c, "loss.ce_weight", "-1").ok());
        QVERIFY(lossstudio::core::setConfigValue(c, "loss.ce_weight", "0").ok());
        QCOMPARE(lossstudio::core::configHash(c), before);
    }

    void everyFieldIsReadableByKey() {
        RunConfig c;
        for (const auto& field : lossstudio::core::configFields()) {
            const auto value = lossstudio::core::configValue(c, field.key);
            QVERIFY2(value.ok(), field.key.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
