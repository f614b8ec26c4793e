#pragma once

#include <QString>
#include <map>
#include <optional>

#include <lossstudio/core/events.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/storage/result.h>
#include <lossstudio/storage/types.h>
#include <lossstudio/ui/event_batch.h>
#include <lossstudio/ui/run_data.h>

namespace lossstudio::storage {
class RunReader;
}

namespace lossstudio::ui {

/// Where reading a stored run stops: every row of the phases before `phase`, and `phase`'s rows
/// up to and including `step` — what a run resumed from a checkpoint at (phase, step) keeps (see
/// app::RunRecorder::resumeScopes), so the resumed engine's events follow without a duplicate.
struct ReplayLimit {
    core::Phase phase = core::Phase::Setup;
    qint64 step = 0;
};

/// A stored run as the live view's value types: what RunData shows. Value type.
struct StoredRun {
    storage::RunRecord record;  ///< with its config JSON
    /// The run's config; when this build cannot read the stored one (configError says why), a
    /// default config carrying the run's name, method, model, dataset and seed.
    core::RunConfig config;
    QString configError;
    /// started (config and class count), phase changes, snapshots of every phase (Phase A's,
    /// the search's, then training's, each in step order, via core::unpackSnapshotCurves),
    /// warnings, and the end for a run that ended (finished, stopped, failed, diverged).
    EventBatch events;
    /// Every metric series by store key, exact values in step order.
    std::map<QString, SeriesData> series;
    /// Metric points read (for the status bar and the bench).
    qint64 points = 0;
};

/// Reads run `runId` from the store, complete or up to `limit`. The Error names what failed (no
/// such run, a damaged snapshot, a query). Runs on the reader's thread (the GUI thread); cost:
/// about 0.2 µs a metric point plus the snapshots.
storage::Result<StoredRun> loadStoredRun(storage::RunReader& reader, qint64 runId,
                                         const std::optional<ReplayLimit>& limit = std::nullopt);

/// Shows a stored run in `data` as the live run was shown: reset with its config, then its
/// events, then its series (views follow the last phase and the newest snapshot).
void showStoredRun(RunData& data, const StoredRun& run);

/// Appends a stored run's part to `data` without resetting it (a resumed run: the controller
/// has just reset it with the run's config; the engine's events follow).
void appendStoredRun(RunData& data, const StoredRun& run);

/// The order of phases within a run (Setup 0, Phase A or the search 1, training 2).
int phaseRank(core::Phase phase);
/// The phase a metric key belongs to ("init/..." Phase A, "search/..." the search, else
/// training).
core::Phase phaseOfKey(const QString& key);

}  // namespace lossstudio::ui
