#include "lossstudio/core/metric_keys.h"

#include <cmath>

namespace lossstudio::core {
namespace {

void push(std::vector<MetricSample>& out, bool init, const char* key, std::int64_t step,
          double wallTime, double value) {
    if (!std::isfinite(value)) {
        return;  // never a NaN written as a result
    }
    std::string name = init ? std::string(keys::kInitPrefix) + key : std::string(key);
    out.push_back(MetricSample{std::move(name), step, wallTime, value});
}

}  // namespace

void appendSamples(const StepMetrics& e, std::vector<MetricSample>& out) {
    if (e.search) {  // the search phase's steps are candidates, with their own series
        push(out, false, keys::kSearchError, e.step, e.wallTime, e.search->error);
        push(out, false, keys::kSearchBestError, e.step, e.wallTime, e.search->bestError);
        push(out, false, keys::kSearchSigma, e.step, e.wallTime, e.search->sigma);
        push(out, false, keys::kSearchGeneration, e.step, e.wallTime, e.search->generation);
        return;
    }
    const bool init = e.phase == Phase::OfflineInit;
    push(out, init, keys::kTrainLoss, e.step, e.wallTime, e.trainLoss);
    push(out, init, keys::kTaskLoss, e.step, e.wallTime, e.taskLoss);
    push(out, init, keys::kTrainAccuracy, e.step, e.wallTime, e.trainAccuracy);
    push(out, init, keys::kLearningRate, e.step, e.wallTime, e.lr);
    push(out, init, keys::kGradNorm, e.step, e.wallTime, e.gradNorm);
    if (e.metaLoss) {
        push(out, init, keys::kMetaLoss, e.step, e.wallTime, *e.metaLoss);
    }
    if (e.metaGradNorm) {
        push(out, init, keys::kMetaGradNorm, e.step, e.wallTime, *e.metaGradNorm);
    }
    if (e.lossGradRatio) {
        push(out, init, keys::kLossGradRatio, e.step, e.wallTime, *e.lossGradRatio);
    }
}

void appendSamples(const EvalMetrics& e, std::vector<MetricSample>& out) {
    const bool init = e.phase == Phase::OfflineInit;
    const bool test = e.split == "test";
    push(out, init, test ? keys::kTestLoss : keys::kValidationLoss, e.step, 0.0, e.loss);
    push(out, init, test ? keys::kTestAccuracy : keys::kValidationAccuracy, e.step, 0.0,
         e.accuracy);
}

std::string snapshotCurveKind(Phase phase) { return std::string("loss/") + phaseName(phase); }

std::string snapshotParameterKind(Phase phase) { return std::string("phi/") + phaseName(phase); }

std::vector<std::vector<float>> packSnapshotCurves(const LossSnapshot& s) {
    return {s.p, s.lossY1, s.lossY0, s.slopeY1, s.slopeY0, s.effective, s.effectiveSlope};
}

Result<LossSnapshot> unpackSnapshotCurves(Phase phase, std::int64_t step,
                                          const std::vector<std::vector<float>>& arrays) {
    if (arrays.size() != 5 && arrays.size() != 7) {
        return Error{"a loss snapshot holds 5 or 7 arrays, this one " +
                     std::to_string(arrays.size())};
    }
    for (const auto& a : arrays) {
        if (a.size() != arrays[0].size()) {
            return Error{"a loss snapshot's arrays differ in length"};
        }
    }
    LossSnapshot s;
    s.phase = phase;
    s.step = step;
    s.p = arrays[0];
    s.lossY1 = arrays[1];
    s.lossY0 = arrays[2];
    s.slopeY1 = arrays[3];
    s.slopeY0 = arrays[4];
    if (arrays.size() == 7) {
        s.effective = arrays[5];
        s.effectiveSlope = arrays[6];
    }
    return s;
}

Phase phaseFromName(const std::string& name) {
    for (Phase p : {Phase::Setup, Phase::OfflineInit, Phase::Online, Phase::Training, Phase::Search}) {
        if (name == phaseName(p)) {
            return p;
        }
    }
    return Phase::Setup;
}

}  // namespace lossstudio::core
