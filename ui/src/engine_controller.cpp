#include "lossstudio/ui/engine_controller.h"

#include <QThread>
#include <exception>
#include <utility>

#include <lossstudio/core/logging.h>

namespace lossstudio::ui {

bool EventBatch::empty() const {
    return !started && phases.empty() && samples.empty() && evaluations.empty() &&
           snapshots.empty() && warnings.empty() && checkpoints.empty() && !lastStep && !finished;
}

/// The engine-thread side: appends every event to the pending batch under a lock. Work done here
/// is a copy of small values, so the training loop never waits on the GUI.
class EngineController::Bridge final : public core::Observer {
public:
    void onRunStarted(const core::RunStarted& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.started = e;
    }
    void onPhaseChanged(const core::PhaseChanged& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.phases.push_back(e);
    }
    void onStepMetrics(const core::StepMetrics& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        core::appendSamples(e, m_pending.samples);
        m_pending.lastStep = e;
        ++m_pending.stepEvents;
    }
    void onEvalMetrics(const core::EvalMetrics& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        core::appendSamples(e, m_pending.samples);
        m_pending.evaluations.push_back(e);
    }
    void onLossSnapshot(const core::LossSnapshot& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.snapshots.push_back(e);
    }
    void onWarning(const core::Warning& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.warnings.push_back(e);
    }
    void onCheckpoint(const core::CheckpointSaved& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.checkpoints.push_back({e.phase, e.step});
    }
    void onFinished(const core::Finished& e) override {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending.finished = e;
    }

    /// GUI thread: everything since the last call.
    EventBatch take() {
        EventBatch out;
        std::lock_guard<std::mutex> lock(m_mutex);
        std::swap(out, m_pending);
        return out;
    }

private:
    std::mutex m_mutex;
    EventBatch m_pending;
};

EngineController::EngineController(core::Engine engine, QObject* parent)
    : QObject(parent), m_engine(std::move(engine)) {
    m_frameTimer.setInterval(33);
    m_frameTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_frameTimer, &QTimer::timeout, this, &EngineController::deliverPending);
}

EngineController::~EngineController() {
    if (m_thread != nullptr) {
        m_control->requestStop();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
}

void EngineController::setObserverFactory(ObserverFactory factory) {
    Q_ASSERT(!isActive());
    if (!factory) {
        m_factory = nullptr;
        return;
    }
    m_factory = [factory = std::move(factory)](const core::RunConfig& config, const StartOptions&) {
        return factory(config);
    };
}

void EngineController::setRunObserverFactory(RunObserverFactory factory) {
    Q_ASSERT(!isActive());
    m_factory = std::move(factory);
}

void EngineController::setFrameInterval(int milliseconds) {
    m_frameTimer.setInterval(milliseconds);
}

bool EngineController::isActive() const {
    return m_thread != nullptr;
}

QString EngineController::stateName(State state) {
    switch (state) {
        case State::Idle:
            return tr("idle");
        case State::Starting:
            return tr("starting");
        case State::Running:
            return tr("running");
        case State::Pausing:
            return tr("pausing");
        case State::Paused:
            return tr("paused");
        case State::Stopping:
            return tr("stopping");
        case State::Finished:
            return tr("finished");
        case State::Stopped:
            return tr("stopped");
        case State::Failed:
            return tr("failed");
        case State::Diverged:
            return tr("diverged");
    }
    return {};
}

bool EngineController::start(const core::RunConfig& config) {
    return start(config, StartOptions{});
}

bool EngineController::start(const core::RunConfig& config, const StartOptions& options) {
    if (isActive()) {
        return false;
    }
    m_config = config;
    m_options = options;
    if (m_config.name.empty()) {
        m_config.name = core::uniqueRunName(m_config);
    }
    m_finished = core::Finished{};
    m_haveFinished = false;
    m_control = std::make_unique<core::RunControl>();
    m_bridge = std::make_shared<Bridge>();
    Q_EMIT runStarting(m_config);

    // Everything the worker touches is captured by value or owned by the controller until the
    // thread has ended (onWorkerEnded / the destructor wait for it).
    core::RunControl* control = m_control.get();
    m_thread = QThread::create([bridge = m_bridge, control, config = m_config, options = m_options,
                                factory = m_factory, run = m_engine.run]() {
        try {
            if (!run) {
                core::Finished failed;
                failed.status = core::RunStatus::Failed;
                failed.message = "this studio was built without a training engine";
                bridge->onFinished(failed);
                return;
            }
            std::unique_ptr<core::Observer> extra;
            try {
                if (factory) {
                    extra = factory(config, options);
                }
            } catch (const std::exception& e) {
                core::Finished failed;
                failed.status = core::RunStatus::Failed;
                failed.message = std::string("the run could not start: ") + e.what();
                core::logger("ui")->error("{}", failed.message);
                bridge->onFinished(failed);
                return;
            }
            core::ObserverList observers;
            observers.add(bridge.get());
            if (extra) {
                observers.add(extra.get());
            }
            run(config, observers, *control, options.checkpoint);
            extra.reset();  // the recorder closes its store connection on its own thread
        } catch (const std::exception& e) {
            core::Finished failed;
            failed.status = core::RunStatus::Failed;
            failed.message = std::string("engine thread: ") + e.what();
            core::logger("ui")->error("{}", failed.message);
            bridge->onFinished(failed);
        } catch (...) {
            core::Finished failed;
            failed.status = core::RunStatus::Failed;
            failed.message = "engine thread: unknown error";
            core::logger("ui")->error("{}", failed.message);
            bridge->onFinished(failed);
        }
    });
    m_thread->setObjectName(QStringLiteral("engine"));
    QThread* thread = m_thread;
    connect(thread, &QThread::finished, this, [this, thread]() {
        if (thread == m_thread) {
            onWorkerEnded();
        }
    });
    setState(State::Starting);
    m_frameTimer.start();
    m_thread->start();
    return true;
}

void EngineController::pause() {
    if (m_state == State::Starting || m_state == State::Running) {
        m_control->requestPause();
        setState(State::Pausing);
    }
}

void EngineController::resume() {
    if (m_state == State::Pausing || m_state == State::Paused) {
        m_control->requestResume();
        setState(State::Running);
    }
}

void EngineController::stop() {
    if (isActive() && m_state != State::Stopping) {
        m_control->requestStop();
        setState(State::Stopping);
    }
}

bool EngineController::waitForFinished(int milliseconds) {
    if (m_thread == nullptr) {
        return true;
    }
    if (!m_thread->wait(QDeadlineTimer(milliseconds))) {
        return false;
    }
    onWorkerEnded();
    return true;
}

void EngineController::deliverPending() {
    if (!m_bridge) {
        return;
    }
    EventBatch batch = m_bridge->take();
    if (!batch.empty()) {
        if (batch.started && m_state == State::Starting) {
            setState(State::Running);
        }
        if (batch.finished) {
            m_finished = *batch.finished;
            m_haveFinished = true;
        }
        Q_EMIT eventsArrived(batch);
        for (const auto& warning : batch.warnings) {
            Q_EMIT warningRaised(warning);
        }
    }
    if (m_state == State::Pausing && m_control && m_control->engineWaiting()) {
        setState(State::Paused);
    }
}

void EngineController::onWorkerEnded() {
    QThread* thread = m_thread;
    m_thread = nullptr;
    thread->wait();
    thread->deleteLater();
    m_frameTimer.stop();
    deliverPending();
    if (!m_haveFinished) {
        m_finished.status = core::RunStatus::Failed;
        m_finished.message = "the engine ended without reporting a result";
    }
    m_bridge.reset();
    switch (m_finished.status) {
        case core::RunStatus::Finished:
            setState(State::Finished);
            break;
        case core::RunStatus::Stopped:
            setState(State::Stopped);
            break;
        case core::RunStatus::Diverged:
            setState(State::Diverged);
            break;
        case core::RunStatus::Failed:
        case core::RunStatus::Running:
            setState(State::Failed);
            break;
    }
    Q_EMIT runFinished(m_finished);
}

void EngineController::setState(State state) {
    if (state == m_state) {
        return;
    }
    m_state = state;
    Q_EMIT stateChanged(state);
}

}  // namespace lossstudio::ui
