#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <lossstudio/core/run_config.h>

namespace lossstudio::core {

/// What the engine is doing. Steps are counted per phase: the offline initialisation (Phase A)
/// counts meta steps 1..meta.initSteps, training counts base steps 1..steps.
enum class Phase {
    Setup,        ///< loading data, building the model
    OfflineInit,  ///< ML3 / AdaLFL Phase A: the loss is learned from fresh models
    Online,       ///< AdaLFL Phase B: model and loss updated every step
    Training,     ///< training with a fixed loss (cross-entropy, ML3's or TaylorGLO's)
    Search,       ///< TaylorGLO: CMA-ES judging candidate losses by short training runs
};

enum class RunStatus { Running, Finished, Stopped, Failed, Diverged };

/// "offline-init", "online", ... (stable names used in the store and the CLI).
const char* phaseName(Phase phase);
const char* statusName(RunStatus status);

/// Sent once, before the first step.
struct RunStarted {
    RunConfig config;
    std::int64_t startStep = 0;      ///< last step done before this start (resume), else 0
    Phase startPhase = Phase::Setup;
    std::string device;
    int threads = 1;
    std::int64_t trainSize = 0;
    std::int64_t validationSize = 0;
    std::int64_t testSize = 0;
    int classes = 0;
    std::vector<std::int64_t> inputShape;  ///< one example, e.g. {1, 28, 28}
    std::int64_t modelParameters = 0;
    std::int64_t lossParameters = 0;
    std::string blas;
    std::string torchVersion;
};

struct PhaseChanged {
    Phase phase;
    std::int64_t step = 0;  ///< the last step of the previous phase
    std::string description;
};

/// One judged candidate of TaylorGLO's search.
struct SearchStep {
    int generation = 0;   ///< 1-based
    int candidate = 0;    ///< 0-based within the generation
    double error = 0;     ///< validation error after the candidate's partial training
    double bestError = 0; ///< best so far in the search
    double sigma = 0;     ///< CMA-ES step size of the generation
};

/// Sent after every step of every phase (in the search phase: after every judged candidate,
/// with only `search` and the bookkeeping fields meaningful; the rest are NaN).
struct StepMetrics {
    Phase phase;
    std::int64_t step = 0;
    double wallTime = 0;   ///< seconds since the run (or its resumption) started
    double progress = 0;   ///< 0..1 over the whole run, all phases
    double trainLoss = 0;  ///< the loss the model was trained with (learned or cross-entropy)
    double taskLoss = 0;   ///< cross-entropy of the same training batch (comparable across methods)
    double trainAccuracy = 0;  ///< accuracy on the training batch
    double lr = 0;
    double gradNorm = 0;       ///< L2 norm of the base model's gradient
    std::optional<double> metaLoss;      ///< cross-entropy after the step on the meta batch
    std::optional<double> metaGradNorm;  ///< L2 norm of the loss network's gradient
    /// ||dM/dlogits|| / ||dCE/dlogits|| on the same batch: how much larger (or smaller) a step
    /// the learned loss takes than cross-entropy would — an effective learning-rate multiplier.
    std::optional<double> lossGradRatio;
    std::optional<SearchStep> search;
};

/// Accuracy and cross-entropy of the model on a whole split.
struct EvalMetrics {
    Phase phase;
    std::int64_t step = 0;
    std::string split;  ///< "validation" or "test"
    double loss = 0;
    double accuracy = 0;
};

/// The loss l(y, p) sampled on a p-grid in [0, 1] for y = 1 and y = 0, with its slope dl/dp.
/// For cross-entropy runs this is -log p (y = 1) and 0 (y = 0).
struct LossSnapshot {
    Phase phase;
    std::int64_t step = 0;
    std::vector<float> p;
    std::vector<float> lossY1;
    std::vector<float> lossY0;
    std::vector<float> slopeY1;
    std::vector<float> slopeY0;
    std::vector<float> parameters;  ///< phi, flattened in layer order (empty for cross-entropy)
    /// The effective loss of one example against its target probability p, with the rest spread
    /// evenly over the other C-1 classes: e(p) = r [l(1, p) + (C-1) l(0, (1-p)/(C-1))]
    /// (r = 1/C for the mean over classes, 1 for the sum), and its slope de/dp. Only the
    /// difference between l(1, .) and l(0, .) drives training; e shows the shape the model feels.
    std::vector<float> effective;
    std::vector<float> effectiveSlope;
    int classes = 0;
    /// The p minimising e on the grid; below 1 the loss has learned label smoothing.
    float effectiveArgmin() const;
};

struct Warning {
    Phase phase;
    std::int64_t step = 0;
    std::string code;  ///< "divergence", ...
    std::string message;
};

/// Everything needed to resume the run at `step`: model, loss network, optimiser states, RNG.
struct CheckpointSaved {
    Phase phase;
    std::int64_t step = 0;
    std::shared_ptr<const std::string> data;  ///< opaque bytes for Trainer::run(..., checkpoint)
};

struct Finished {
    RunStatus status = RunStatus::Finished;
    std::string message;
    Phase phase = Phase::Setup;
    std::int64_t step = 0;
    double wallTime = 0;
    std::optional<double> testAccuracy;        ///< final, on the whole test split
    std::optional<double> validationAccuracy;  ///< final
};

/// Receives the engine's events, on the engine's thread, in order. Implementations must not
/// block for long: the training loop waits for them.
class Observer {
public:
    virtual ~Observer() = default;
    virtual void onRunStarted(const RunStarted&) {}
    virtual void onPhaseChanged(const PhaseChanged&) {}
    virtual void onStepMetrics(const StepMetrics&) {}
    virtual void onEvalMetrics(const EvalMetrics&) {}
    virtual void onLossSnapshot(const LossSnapshot&) {}
    virtual void onWarning(const Warning&) {}
    virtual void onCheckpoint(const CheckpointSaved&) {}
    virtual void onFinished(const Finished&) {}
};

/// Forwards every event to several observers in order (not owning them).
class ObserverList final : public Observer {
public:
    void add(Observer* observer);
    void onRunStarted(const RunStarted& e) override;
    void onPhaseChanged(const PhaseChanged& e) override;
    void onStepMetrics(const StepMetrics& e) override;
    void onEvalMetrics(const EvalMetrics& e) override;
    void onLossSnapshot(const LossSnapshot& e) override;
    void onWarning(const Warning& e) override;
    void onCheckpoint(const CheckpointSaved& e) override;
    void onFinished(const Finished& e) override;

private:
    std::vector<Observer*> m_observers;
};

}  // namespace lossstudio::core
