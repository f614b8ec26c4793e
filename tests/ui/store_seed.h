#pragma once

// Shared by the runs-browser and compare tests: writes hand-made runs into a store with
// storage::RunWriter, as the recorder would (config JSON from core::toJson, metric keys from
// core::keys, "loss/<phase>" snapshots packed with core::packSnapshotCurves, events).

#include <QString>
#include <QStringList>
#include <QVector>
#include <cmath>
#include <functional>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/storage/run_writer.h>

namespace lossstudio::ui::testing {

/// One run to write.
struct SeedRun {
    core::RunConfig config;
    storage::RunStatus status = storage::RunStatus::Finished;
    QStringList tags;
    QString notes;
    int steps = 50;         ///< train/loss and meta/loss at steps 1..steps
    int evalInterval = 10;  ///< test/ and validation/accuracy at 0, every interval and the last
    int snapshotInterval = 10;
    int warnings = 0;  ///< "warning" events
    /// Value of (key, step); the default is a smooth curve that depends on the seed.
    std::function<double(const QString& key, int step)> value;
};

inline double defaultValue(const core::RunConfig& c, const QString& key, int step) {
    const double s = static_cast<double>(c.seed);
    const double m = c.method == "adalfl" ? 0.0 : c.method == "ml3" ? 0.3 : 0.6;
    if (key.endsWith(QLatin1String("accuracy"))) {
        return 0.5 + 0.4 * (1 - std::exp(-step / 20.0)) - 0.01 * s - 0.05 * m;
    }
    return 2.0 * std::exp(-step / 25.0) + 0.1 + 0.03 * s + m +
           (key.startsWith(QLatin1String("meta")) ? 0.2 : 0);
}

/// Writes `run` and returns its id (0 on failure, with the reason in `error`).
inline qint64 seedRun(storage::RunWriter& writer, const SeedRun& run, QString* error = nullptr) {
    auto fail = [error](const QString& message) {
        if (error != nullptr) {
            *error = message;
        }
        return qint64{0};
    };
    storage::NewRun n;
    n.name = QString::fromStdString(run.config.name.empty() ? core::defaultRunName(run.config)
                                                            : run.config.name);
    n.configJson = QString::fromStdString(core::toJson(run.config, 2));
    n.configHash = QString::fromStdString(core::configHash(run.config));
    n.seed = run.config.seed;
    n.method = QString::fromStdString(run.config.method);
    n.model = QString::fromStdString(run.config.model.name);
    n.dataset = QString::fromStdString(run.config.data.name);
    n.appVersion = QStringLiteral("test");
    n.tags = run.tags;
    n.notes = run.notes;
    auto handle = writer.createRun(n);
    if (!handle) {
        return fail(handle.error());
    }
    auto value = [&](const QString& key, int step) {
        return run.value ? run.value(key, step) : defaultValue(run.config, key, step);
    };
    auto check = [&](const storage::Status& s) {
        if (!s && error != nullptr && error->isEmpty()) {
            *error = s.error();
        }
        return s.ok();
    };
    const QString phase = QStringLiteral("online");
    check(writer.addEvent({0, QStringLiteral("setup"), QStringLiteral("phase"), phase,
                           QStringLiteral("online adaptation"), 0}));
    check(writer.addEvent({0,
                           phase,
                           QStringLiteral("started"),
                           {},
                           QStringLiteral("adalfl on cpu; 1 train / 1 validation / 1 test "
                                          "examples, 4 classes, input 8"),
                           0}));
    QVector<storage::MetricRow> rows;
    for (int step = 1; step <= run.steps; ++step) {
        for (const char* k : {core::keys::kTrainLoss, core::keys::kMetaLoss}) {
            const QString key = QString::fromLatin1(k);
            rows.push_back({key, step, step * 0.01, value(key, step)});
        }
    }
    for (int step = 0; step <= run.steps; ++step) {
        if (step % run.evalInterval != 0 && step != run.steps) {
            continue;
        }
        for (const char* k : {core::keys::kTestAccuracy, core::keys::kValidationAccuracy}) {
            const QString key = QString::fromLatin1(k);
            rows.push_back({key, step, step * 0.01, value(key, step)});
        }
    }
    check(writer.appendMetrics(rows));
    for (int step = 0; step <= run.steps; step += run.snapshotInterval) {
        core::LossSnapshot s;
        s.phase = core::Phase::Online;
        s.step = step;
        for (int i = 0; i <= 20; ++i) {
            const float p = static_cast<float>(i) / 20.0f;
            s.p.push_back(p);
            s.lossY1.push_back(static_cast<float>(-std::log(std::max(p, 0.01f)) *
                                                  (1.0 + 0.01 * step + 0.1 * run.config.seed)));
            s.lossY0.push_back(static_cast<float>(p * p * (1.0 + 0.02 * step)));
            s.slopeY1.push_back(0);
            s.slopeY0.push_back(0);
            s.effective.push_back(static_cast<float>(0.5 * s.lossY1.back()));
            s.effectiveSlope.push_back(0);
        }
        QVector<QVector<float>> arrays;
        for (const auto& a : core::packSnapshotCurves(s)) {
            arrays.push_back(QVector<float>(a.begin(), a.end()));
        }
        check(writer.addSnapshot(step, QStringLiteral("loss/online"), arrays));
    }
    for (int w = 0; w < run.warnings; ++w) {
        check(
            writer.addEvent({5 + w, phase, QStringLiteral("warning"), QStringLiteral("divergence"),
                             QStringLiteral("non-finite loss"), 0.05}));
    }
    if (run.status != storage::RunStatus::Running) {
        check(writer.finishRun(run.status, run.status == storage::RunStatus::Failed
                                               ? QStringLiteral("error: something broke")
                                               : QString()));
    } else {
        check(writer.flush());
    }
    return error != nullptr && !error->isEmpty() ? 0 : handle.value().id;
}

/// A config for seeded runs (never trained: only its JSON is stored).
inline core::RunConfig seedConfig(const std::string& method, std::uint64_t seed) {
    core::RunConfig c;
    c.method = method;
    c.seed = seed;
    c.steps = 50;
    c.data.name = "synthetic";
    c.model.name = "mlp";
    c.model.hidden = {16};
    c.threads = 1;
    return c;
}

}  // namespace lossstudio::ui::testing
