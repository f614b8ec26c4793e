#pragma once

// The engine behind Trainer::run: one run's whole state (what a checkpoint captures) and the
// phases that drive it. Private to core. engine.cpp holds the phases shared by every method,
// search.cpp TaylorGLO's search.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "data/dataset.h"
#include "losses/learned_loss.h"
#include "losses/taylor_loss.h"
#include "lossstudio/core/events.h"
#include "lossstudio/core/logging.h"
#include "lossstudio/core/run_config.h"
#include "lossstudio/core/run_control.h"
#include "methods/cma_es.h"
#include "methods/steps.h"
#include "models/model.h"
#include "train/collapse_detector.h"
#include "train/optimizer.h"

namespace lossstudio::core::train {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// Thrown inside the engine to end the run with a clear message (never escapes Engine::run()).
struct RunError {
    RunStatus status;
    std::string message;
};

/// One run of the engine: everything that a checkpoint must capture lives here.
class Engine final {
public:
    Engine(const RunConfig& config, Observer& observer, RunControl& control)
        : m_config(config),
          m_observer(observer),
          m_control(control),
          m_log(logger("core")),
          m_collapse({config.collapse.threshold, config.collapse.window, config.collapse.fraction}) {}

    Finished run(const std::string& checkpoint);

private:
    /// ML3 and AdaLFL meta-learn a loss network.
    bool metaLearns() const { return m_config.method == "ml3" || m_config.method == "adalfl"; }
    /// TaylorGLO searches a Taylor loss with CMA-ES.
    bool searches() const { return m_config.method == "taylorglo"; }
    bool hasOfflinePhase() const { return metaLearns() && m_config.meta.initSteps > 0; }
    /// The fixed loss of the training phase: ML3's network, TaylorGLO's best polynomial, or none
    /// (cross-entropy).
    const losses::ClasswiseLoss* trainingLoss() const;
    Phase trainingPhase() const {
        return m_config.method == "adalfl" ? Phase::Online : Phase::Training;
    }

    void setup();
    void runPhase(Phase phase, std::int64_t firstStep, std::int64_t lastStep);
    methods::StepResult step(Phase phase, std::int64_t step);
    void afterStep(Phase phase, std::int64_t step, const methods::StepResult& result);
    void recover(Phase phase, std::int64_t step, const std::string& what);
    void watchForCollapse(Phase phase, std::int64_t step, const methods::StepResult& result);
    void rememberHealthyLoss(std::int64_t step);
    void applyInjectedFault(Phase phase, std::int64_t step);
    void evaluate(Phase phase, std::int64_t step);
    /// Samples the loss in use and reports it (onLossSnapshot); returns what it reported.
    LossSnapshot snapshot(Phase phase, std::int64_t step);
    LossSnapshot snapshotOf(Phase phase, std::int64_t step, const losses::ClasswiseLoss* loss,
                            std::vector<float> parameters);
    /// At the start of a phase that trains with a frozen learned loss: warns ("flat-loss") when
    /// that loss stops pulling too early (train/loss_shape.h).
    void checkFrozenLoss(Phase phase, const LossSnapshot& loss);
    /// Parks while paused (the pause takes effect here); true when the run must stop.
    bool pauseAndCheckStop();
    void runSearch();
    NamedTensors searchState() const;
    void setSearchState(const NamedTensors& state);
    void saveCheckpoint(Phase phase, std::int64_t step);
    void loadCheckpoint(const std::string& bytes);
    void rememberGoodState();
    void startTrainingPhase();
    methods::Batch batch(data::BatchSampler& sampler, const data::TensorDataset& set);
    double wallTime() const;
    double progress(Phase phase, std::int64_t step) const;
    void finish(Finished& f);

    RunConfig m_config;
    Observer& m_observer;
    RunControl& m_control;
    std::shared_ptr<spdlog::logger> m_log;

    torch::Device m_device{torch::kCPU};
    data::DatasetSplits m_data;
    std::unique_ptr<data::BatchSampler> m_trainSampler;
    std::unique_ptr<data::BatchSampler> m_metaSampler;
    torch::Generator m_generator;
    std::unique_ptr<models::Model> m_model;
    std::unique_ptr<Optimizer> m_optimizer;
    std::unique_ptr<losses::LearnedLoss> m_loss;
    std::unique_ptr<Optimizer> m_metaOptimizer;
    std::unique_ptr<methods::CmaEs> m_search;      ///< TaylorGLO
    std::unique_ptr<losses::TaylorLoss> m_taylor;  ///< the best Taylor loss found so far
    double m_taylorError = 2;                      ///< its validation error

    Phase m_phase = Phase::Setup;
    std::int64_t m_step = 0;  ///< last completed step of m_phase
    double m_metaLr = 0;
    int m_failures = 0;
    /// Resumed at step 0 of the current phase: its step-0 snapshot, evaluation and frozen-loss
    /// check were already sent.
    bool m_resumedAtPhaseStart = false;
    std::optional<double> m_lastTest;
    std::optional<double> m_lastValidation;

    /// Collapse watch (see CollapseConfig).
    struct CollapseWatch {
        explicit CollapseWatch(const CollapseDetector::Settings& settings) : detector(settings) {}
        CollapseDetector detector;
        // The loss network of the last snapshot taken while healthy.
        std::int64_t healthyStep = -1;
        Phase healthyPhase = Phase::Setup;
        std::vector<torch::Tensor> healthyPhi;
        NamedTensors healthyMetaOptimizer;
        /// Restores of this snapshot since it was taken (collapse.max_restores caps them).
        std::int64_t restores = 0;
    } m_collapse;

    struct GoodState {
        std::int64_t step = -1;
        std::vector<torch::Tensor> params, buffers, phi;
        NamedTensors optimizer, metaOptimizer;
    } m_good;

    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    double m_wallOffset = 0;
    double m_pausedSeconds = 0;
};

/// Deep copies (detached) of tensors, and copying back in place.
std::vector<torch::Tensor> cloneAll(const std::vector<torch::Tensor>& tensors);
NamedTensors cloneNamed(const NamedTensors& tensors);
void copyInto(std::vector<torch::Tensor>& dst, const std::vector<torch::Tensor>& src);
std::vector<float> toFloats(const torch::Tensor& t);

}  // namespace lossstudio::core::train
