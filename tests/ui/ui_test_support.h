#pragma once

// Shared by the ui tests: a tiny synthetic config, an observer that records every event on the
// engine thread (attached through EngineController's observer factory) and one that feeds two.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <lossstudio/core/events.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::ui::testing {

/// A run on Gaussian blobs that finishes in about a second.
inline core::RunConfig tinyConfig(const std::string& method = "adalfl") {
    core::RunConfig c;
    c.method = method;
    c.seed = 7;
    c.steps = 40;
    c.batchSize = 32;
    c.threads = 1;
    c.evalInterval = 10;
    c.snapshotInterval = 5;
    c.snapshotPoints = 21;
    c.checkpointInterval = 0;
    c.data.name = "synthetic";
    c.data.syntheticClasses = 4;
    c.data.syntheticFeatures = 8;
    c.data.syntheticSamples = 800;
    c.model.name = "mlp";
    c.model.hidden = {16};
    c.optimizer.lr = 0.1;
    c.meta.initSteps = 10;
    return c;
}

/// Everything the engine emitted, recorded on the engine thread; read it once the run ended.
struct Recording {
    std::mutex mutex;
    std::optional<core::RunStarted> started;
    std::vector<core::PhaseChanged> phases;
    std::vector<core::StepMetrics> steps;
    std::vector<core::EvalMetrics> evals;
    std::vector<core::LossSnapshot> snapshots;
    std::vector<core::Warning> warnings;
    std::vector<core::CheckpointSaved> checkpoints;
    std::optional<core::Finished> finished;
    std::atomic<long long> stepCount{0};
};

class RecordingObserver final : public core::Observer {
public:
    explicit RecordingObserver(std::shared_ptr<Recording> recording) : m_r(std::move(recording)) {}
    void onRunStarted(const core::RunStarted& e) override {
        const auto guard = lock();
        m_r->started = e;
    }
    void onPhaseChanged(const core::PhaseChanged& e) override {
        const auto guard = lock();
        m_r->phases.push_back(e);
    }
    void onStepMetrics(const core::StepMetrics& e) override {
        const auto guard = lock();
        m_r->steps.push_back(e);
        ++m_r->stepCount;
    }
    void onEvalMetrics(const core::EvalMetrics& e) override {
        const auto guard = lock();
        m_r->evals.push_back(e);
    }
    void onLossSnapshot(const core::LossSnapshot& e) override {
        const auto guard = lock();
        m_r->snapshots.push_back(e);
    }
    void onWarning(const core::Warning& e) override {
        const auto guard = lock();
        m_r->warnings.push_back(e);
    }
    void onCheckpoint(const core::CheckpointSaved& e) override {
        const auto guard = lock();
        m_r->checkpoints.push_back(e);
    }
    void onFinished(const core::Finished& e) override {
        const auto guard = lock();
        m_r->finished = e;
    }

private:
    std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(m_r->mutex); }
    std::shared_ptr<Recording> m_r;
};

/// Sends every event to two observers, e.g. the store's recorder (as the app wires it) and a
/// RecordingObserver.
class BothObservers final : public core::Observer {
public:
    BothObservers(std::unique_ptr<core::Observer> a, std::unique_ptr<core::Observer> b)
        : m_a(std::move(a)), m_b(std::move(b)) {
        m_list.add(m_a.get());
        m_list.add(m_b.get());
    }
    void onRunStarted(const core::RunStarted& e) override { m_list.onRunStarted(e); }
    void onPhaseChanged(const core::PhaseChanged& e) override { m_list.onPhaseChanged(e); }
    void onStepMetrics(const core::StepMetrics& e) override { m_list.onStepMetrics(e); }
    void onEvalMetrics(const core::EvalMetrics& e) override { m_list.onEvalMetrics(e); }
    void onLossSnapshot(const core::LossSnapshot& e) override { m_list.onLossSnapshot(e); }
    void onWarning(const core::Warning& e) override { m_list.onWarning(e); }
    void onCheckpoint(const core::CheckpointSaved& e) override { m_list.onCheckpoint(e); }
    void onFinished(const core::Finished& e) override { m_list.onFinished(e); }

private:
    std::unique_ptr<core::Observer> m_a;
    std::unique_ptr<core::Observer> m_b;
    core::ObserverList m_list;
};

}  // namespace lossstudio::ui::testing
