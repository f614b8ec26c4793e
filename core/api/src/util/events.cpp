#include "lossstudio/core/events.h"

#include "lossstudio/core/run_control.h"

namespace lossstudio::core {

const char* phaseName(Phase phase) {
    switch (phase) {
        case Phase::Setup: return "setup";
        case Phase::OfflineInit: return "offline-init";
        case Phase::Online: return "online";
        case Phase::Training: return "training";
        case Phase::Search: return "search";
    }
    return "unknown";
}

const char* statusName(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return "running";
        case RunStatus::Finished: return "finished";
        case RunStatus::Stopped: return "stopped";
        case RunStatus::Failed: return "failed";
        case RunStatus::Diverged: return "diverged";
    }
    return "unknown";
}

float LossSnapshot::effectiveArgmin() const {
    if (effective.empty() || effective.size() != p.size()) {
        return 1.0f;
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i < effective.size(); ++i) {
        if (effective[i] < effective[best]) {
            best = i;
        }
    }
    return p[best];
}

void ObserverList::add(Observer* observer) {
    if (observer != nullptr) {
        m_observers.push_back(observer);
    }
}

// clang-format off
void ObserverList::onRunStarted(const RunStarted& e) { for (auto* o : m_observers) o->onRunStarted(e); }
void ObserverList::onPhaseChanged(const PhaseChanged& e) { for (auto* o : m_observers) o->onPhaseChanged(e); }
void ObserverList::onStepMetrics(const StepMetrics& e) { for (auto* o : m_observers) o->onStepMetrics(e); }
void ObserverList::onEvalMetrics(const EvalMetrics& e) { for (auto* o : m_observers) o->onEvalMetrics(e); }
void ObserverList::onLossSnapshot(const LossSnapshot& e) { for (auto* o : m_observers) o->onLossSnapshot(e); }
void ObserverList::onWarning(const Warning& e) { for (auto* o : m_observers) o->onWarning(e); }
void ObserverList::onCheckpoint(const CheckpointSaved& e) { for (auto* o : m_observers) o->onCheckpoint(e); }
void ObserverList::onFinished(const Finished& e) { for (auto* o : m_observers) o->onFinished(e); }
// clang-format on

void RunControl::requestPause() { m_pause.store(true); }

void RunControl::requestResume() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pause.store(false);
    }
    m_wake.notify_all();
}

void RunControl::requestStop() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
    }
    m_wake.notify_all();
}

void RunControl::requestCheckpoint() { m_checkpoint.store(true); }

bool RunControl::waitWhilePaused() {
    if (m_pause.load() && !m_stop.load()) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_waiting.store(true);
        m_wake.wait(lock, [this] { return !m_pause.load() || m_stop.load(); });
        m_waiting.store(false);
    }
    return !m_stop.load();
}

}  // namespace lossstudio::core
