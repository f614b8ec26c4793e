#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <lossstudio/core/events.h>

namespace lossstudio::core {

/// One point of a named metric series, the unit the store and the plots share. The live view and
/// the recorder both flatten events with the functions below, so a replay from the store shows
/// exactly the series that was seen live.
struct MetricSample {
    std::string key;
    std::int64_t step = 0;
    double wallTime = 0;
    double value = 0;
};

/// Metric keys. Training-phase series are "train/...", "meta/...", "validation/..." and
/// "test/..."; the offline initialisation (Phase A) writes the same names under "init/".
namespace keys {
inline constexpr const char* kTrainLoss = "train/loss";            ///< loss the model trained on
inline constexpr const char* kTaskLoss = "train/task_loss";        ///< cross-entropy, train batch
inline constexpr const char* kTrainAccuracy = "train/accuracy";
inline constexpr const char* kLearningRate = "train/lr";
inline constexpr const char* kGradNorm = "train/grad_norm";
inline constexpr const char* kLossGradRatio = "train/loss_grad_ratio";  ///< learned vs CE step
inline constexpr const char* kMetaLoss = "meta/loss";
inline constexpr const char* kMetaGradNorm = "meta/grad_norm";
inline constexpr const char* kValidationLoss = "validation/loss";
inline constexpr const char* kValidationAccuracy = "validation/accuracy";
inline constexpr const char* kTestLoss = "test/loss";
inline constexpr const char* kTestAccuracy = "test/accuracy";
inline constexpr const char* kInitPrefix = "init/";
inline constexpr const char* kSearchError = "search/error";  ///< per judged candidate
inline constexpr const char* kSearchBestError = "search/best_error";
inline constexpr const char* kSearchSigma = "search/sigma";
inline constexpr const char* kSearchGeneration = "search/generation";
}  // namespace keys

/// Appends the event's series points (non-finite values are left out).
void appendSamples(const StepMetrics& event, std::vector<MetricSample>& out);
void appendSamples(const EvalMetrics& event, std::vector<MetricSample>& out);

/// Snapshot kinds in the store: "loss/<phase>" holds the curves, "phi/<phase>" the parameters.
std::string snapshotCurveKind(Phase phase);
std::string snapshotParameterKind(Phase phase);
/// The LossSnapshot's curves as arrays {p, lossY1, lossY0, slopeY1, slopeY0, effective,
/// effectiveSlope} and back (snapshots stored before the effective loss existed have 5 arrays).
std::vector<std::vector<float>> packSnapshotCurves(const LossSnapshot& snapshot);
Result<LossSnapshot> unpackSnapshotCurves(Phase phase, std::int64_t step,
                                          const std::vector<std::vector<float>>& arrays);
/// Phase by its phaseName(); Setup for an unknown name.
Phase phaseFromName(const std::string& name);

}  // namespace lossstudio::core
