#pragma once

#include <optional>
#include <vector>

#include <lossstudio/core/events.h>
#include <lossstudio/core/metric_keys.h>

namespace lossstudio::ui {

/// Where a checkpoint was taken (its bytes stay on the engine thread, with the recorder).
struct CheckpointMark {
    core::Phase phase = core::Phase::Setup;
    std::int64_t step = 0;
};

/// The engine's events collected between two GUI frames, in arrival order within each kind.
/// Value type: filled on the engine thread under the controller's lock, handed over whole to the
/// GUI thread. Step and evaluation events arrive flattened into metric samples with
/// core::appendSamples(), so their keys are the ones the store uses.
struct EventBatch {
    std::optional<core::RunStarted> started;
    std::vector<core::PhaseChanged> phases;
    std::vector<core::MetricSample> samples;  ///< every step's and evaluation's series points
    std::vector<core::EvalMetrics> evaluations;
    std::vector<core::LossSnapshot> snapshots;
    std::vector<core::Warning> warnings;
    std::vector<CheckpointMark> checkpoints;
    std::optional<core::StepMetrics> lastStep;  ///< the newest step (progress, wall time)
    std::optional<core::Finished> finished;
    std::int64_t stepEvents = 0;  ///< how many StepMetrics this batch folds together

    /// True when nothing happened since the last hand-over.
    bool empty() const;
};

}  // namespace lossstudio::ui
