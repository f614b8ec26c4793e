#include "lossstudio/ui/replay.h"

#include <algorithm>
#include <vector>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/storage/run_reader.h>

namespace lossstudio::ui {
namespace {

using storage::Error;
using storage::ErrorCode;

core::Phase phaseNamed(const QString& name) {
    return core::phaseFromName(name.toStdString());
}

/// Whether a row of `phase` at `step` is part of the replay.
bool within(const std::optional<ReplayLimit>& limit, core::Phase phase, qint64 step) {
    if (!limit) {
        return true;
    }
    const int rank = phaseRank(phase);
    const int last = phaseRank(limit->phase);
    return rank < last || (rank == last && step <= limit->step);
}

std::optional<core::RunStatus> endStatus(storage::RunStatus status) {
    switch (status) {
        case storage::RunStatus::Finished:
            return core::RunStatus::Finished;
        case storage::RunStatus::Stopped:
            return core::RunStatus::Stopped;
        case storage::RunStatus::Failed:
            return core::RunStatus::Failed;
        case storage::RunStatus::Diverged:
            return core::RunStatus::Diverged;
        case storage::RunStatus::Running:  // not ended (or ended without a word: interrupted)
        case storage::RunStatus::Interrupted:
            break;
    }
    return std::nullopt;
}

/// The class count of the run: a field of its "started" (or "resumed") event.
int classesFromEvents(const QVector<storage::EventRecord>& events) {
    for (const auto& e : events) {
        if (e.kind == QLatin1String("started") || e.kind == QLatin1String("resumed")) {
            const int classes = e.fields.value(QStringLiteral("classes")).toInt();
            if (classes > 0) {
                return classes;
            }
        }
    }
    return 0;
}

}  // namespace

int phaseRank(core::Phase phase) {
    switch (phase) {
        case core::Phase::Setup:
            return 0;
        case core::Phase::OfflineInit:
        case core::Phase::Search:
            return 1;
        case core::Phase::Online:
        case core::Phase::Training:
            return 2;
    }
    return 0;
}

core::Phase phaseOfKey(const QString& key) {
    if (key.startsWith(QLatin1String(core::keys::kInitPrefix))) {
        return core::Phase::OfflineInit;
    }
    if (key.startsWith(QLatin1String("search/"))) {
        return core::Phase::Search;
    }
    return core::Phase::Training;
}

storage::Result<StoredRun> loadStoredRun(storage::RunReader& reader, qint64 runId,
                                         const std::optional<ReplayLimit>& limit) {
    StoredRun out;
    {
        auto record = reader.run(runId);
        if (!record) {
            return record.takeError();
        }
        out.record = std::move(record).value();
    }
    if (auto config = core::parseRunConfig(out.record.configJson.toStdString())) {
        out.config = std::move(config).value();
    } else {
        // A run that failed on its config, or one from another build: replay what was stored
        // under the identity the run list shows.
        out.configError = QString::fromStdString(config.error());
        out.config.name = out.record.name.toStdString();
        out.config.method = out.record.method.toStdString();
        out.config.model.name = out.record.model.toStdString();
        out.config.data.name = out.record.dataset.toStdString();
        out.config.seed = out.record.seed;
    }

    // Events: phase changes and warnings, in the run's order. The store orders by step, and
    // steps restart in every phase, so order by phase first (stable: equal steps keep the order
    // they were written in).
    auto events = reader.events(runId);
    if (!events) {
        return events.takeError();
    }
    QVector<storage::EventRecord> ordered;
    for (const auto& e : events.value()) {
        if (within(limit, phaseNamed(e.phase), e.step)) {
            ordered.push_back(e);
        }
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        const int ra = phaseRank(phaseNamed(a.phase));
        const int rb = phaseRank(phaseNamed(b.phase));
        return ra != rb ? ra < rb : a.step < b.step;
    });
    core::RunStarted started;
    started.config = out.config;
    started.classes = classesFromEvents(events.value());
    out.events.started = started;
    for (const auto& e : ordered) {
        if (e.kind == QLatin1String("phase")) {
            out.events.phases.push_back(
                core::PhaseChanged{phaseNamed(e.code), e.step, e.message.toStdString()});
        } else if (e.kind == QLatin1String("warning")) {
            out.events.warnings.push_back(core::Warning{
                phaseNamed(e.phase), e.step, e.code.toStdString(), e.message.toStdString()});
        }
    }

    // Snapshots of every phase: "loss/<phase>" kinds (the "phi/..." parameters are not shown).
    auto kinds = reader.snapshotKinds(runId);
    if (!kinds) {
        return kinds.takeError();
    }
    QVector<core::Phase> phases;
    for (const QString& kind : kinds.value()) {
        if (kind.startsWith(QLatin1String("loss/"))) {
            phases << phaseNamed(kind.mid(5));
        }
    }
    std::stable_sort(phases.begin(), phases.end(),
                     [](core::Phase a, core::Phase b) { return phaseRank(a) < phaseRank(b); });
    for (core::Phase phase : phases) {
        const QString kind = QString::fromStdString(core::snapshotCurveKind(phase));
        auto snapshots = reader.snapshots(runId, kind);
        if (!snapshots) {
            return snapshots.takeError();
        }
        for (const storage::Snapshot& s : snapshots.value()) {
            if (!within(limit, phase, s.step)) {
                continue;
            }
            std::vector<std::vector<float>> arrays;
            arrays.reserve(static_cast<std::size_t>(s.arrays.size()));
            for (const auto& a : s.arrays) {
                arrays.emplace_back(a.begin(), a.end());
            }
            auto curves = core::unpackSnapshotCurves(phase, s.step, arrays);
            if (!curves) {
                return Error{ErrorCode::Damaged,
                             QStringLiteral("run '%1': snapshot %2 at step %3: %4")
                                 .arg(out.record.name, kind)
                                 .arg(s.step)
                                 .arg(QString::fromStdString(curves.error()))};
            }
            curves.value().classes = started.classes;
            out.events.snapshots.push_back(std::move(curves).value());
        }
    }

    // Series, exact.
    auto keys = reader.metricKeys(runId);
    if (!keys) {
        return keys.takeError();
    }
    for (const QString& key : keys.value()) {
        const core::Phase phase = phaseOfKey(key);
        qint64 last = storage::RunReader::kLastStep;
        if (limit) {
            const int rank = phaseRank(phase);
            const int lastRank = phaseRank(limit->phase);
            if (rank > lastRank) {
                continue;
            }
            if (rank == lastRank) {
                last = limit->step;
            }
        }
        auto series = reader.series(runId, key, storage::RunReader::kFirstStep, last);
        if (!series) {
            return series.takeError();
        }
        if (series.value().steps.isEmpty()) {
            continue;
        }
        out.points += series.value().steps.size();
        out.series[key] =
            SeriesData{std::move(series.value().steps), std::move(series.value().values)};
    }

    if (!limit) {
        if (const auto status = endStatus(out.record.status)) {
            core::Finished finished;
            finished.status = *status;
            finished.message = out.record.message.toStdString();
            const auto test =
                out.record.latest.constFind(QString::fromLatin1(core::keys::kTestAccuracy));
            if (test != out.record.latest.cend()) {
                finished.testAccuracy = test->value;
                finished.step = test->step;
            }
            const auto validation =
                out.record.latest.constFind(QString::fromLatin1(core::keys::kValidationAccuracy));
            if (validation != out.record.latest.cend()) {
                finished.validationAccuracy = validation->value;
            }
            out.events.finished = finished;
        }
    }
    return out;
}

void appendStoredRun(RunData& data, const StoredRun& run) {
    // Phases first, so the views pick the phase they show before the series arrive.
    data.append(run.events);
    data.appendSeries(run.series);
}

void showStoredRun(RunData& data, const StoredRun& run) {
    data.reset(run.config);
    appendStoredRun(data, run);
}

}  // namespace lossstudio::ui
