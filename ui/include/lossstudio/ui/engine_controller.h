#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <lossstudio/core/engine.h>
#include <lossstudio/core/events.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/run_control.h>
#include <lossstudio/ui/event_batch.h>

class QThread;

namespace lossstudio::ui {

/// Runs one experiment at a time on a worker thread and hands its events to the GUI in batches.
///
/// Thread affinity: create, use and destroy on the GUI thread. The engine's run function (a
/// core::Engine the app hands in: core::libtorchEngine()) executes on a QThread the controller
/// owns; pause / resume / stop are calls on the run's core::RunControl (atomics the engine polls
/// once per step), never queued slots. The engine's events go to an observer on the engine thread
/// that appends them to a mutex-guarded pending batch; a ~30 Hz timer on the GUI thread swaps that
/// batch out and emits eventsArrived() once per frame, so the GUI does a bounded amount of work
/// however fast the engine steps. Extra observers (the run recorder that writes the store) are made
/// by the observer factory on the engine thread, see every event in order and are destroyed there
/// when the run ends.
class EngineController final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineController)

public:
    enum class State {
        Idle,      ///< no run yet
        Starting,  ///< worker started; loading data and building the model
        Running,
        Pausing,   ///< pause requested, the engine has not reached a step boundary yet
        Paused,    ///< the engine is parked (confirmed by RunControl::engineWaiting())
        Stopping,  ///< stop requested; the engine saves a checkpoint and ends
        Finished,
        Stopped,
        Failed,
        Diverged,
    };
    Q_ENUM(State)

    /// How a run starts besides its config: what it continues and where the app records it.
    /// Value type, handed to the observer factory as it is.
    struct StartOptions {
        /// CheckpointSaved::data of an earlier run of the same config to resume from (empty: a
        /// new run).
        std::string checkpoint;
        /// The run store the app records this run in (empty: the app's default).
        QString storePath;
        /// The stored run this one continues (with `checkpoint`); empty: record a new run.
        QString resumeRunUuid;
    };

    /// Makes an extra engine-thread observer for a run (e.g. the store recorder). Called on the
    /// engine thread before the run starts; the observer is destroyed on that thread after the
    /// run's Finished event. May return nullptr (nothing extra). If it throws, the run does not
    /// start and ends Failed with the exception's message.
    using ObserverFactory = std::function<std::unique_ptr<core::Observer>(const core::RunConfig&)>;
    /// The same, also told the run's StartOptions (the recorder needs the store and the run it
    /// continues).
    using RunObserverFactory =
        std::function<std::unique_ptr<core::Observer>(const core::RunConfig&, const StartOptions&)>;

    /// `engine` runs every experiment started here; without a run function a start fails the run
    /// with a message saying so.
    explicit EngineController(core::Engine engine, QObject* parent = nullptr);
    /// Stops a running engine and waits for the worker thread (a last resort: callers should
    /// stop and wait for runFinished first, as MainWindow does).
    ~EngineController() override;

    /// Sets the factory used by every later start(). Not while a run is active.
    void setObserverFactory(ObserverFactory factory);
    /// Sets a factory that also sees the StartOptions (replaces setObserverFactory's).
    void setRunObserverFactory(RunObserverFactory factory);
    /// Hand-over period of the event batches in ms (default 33, ~30 Hz).
    void setFrameInterval(int milliseconds);

    State state() const { return m_state; }
    /// True from start() until the worker thread has ended (Starting .. Stopping).
    bool isActive() const;
    /// The config of the current (or last) run.
    const core::RunConfig& config() const { return m_config; }
    /// The last run's end; meaningful once runFinished() was emitted.
    const core::Finished& lastFinished() const { return m_finished; }
    /// What the engine is built on (LibTorch, BLAS, CUDA).
    const core::EngineInfo& engineInfo() const { return m_engine.info; }
    /// Human name of a state ("running", "paused", ...).
    static QString stateName(State state);

    /// Starts a run of `config` (already validated by the caller; the engine validates again and
    /// fails the run with the key named). Returns false if a run is active.
    bool start(const core::RunConfig& config);
    /// Starts a run with options: resuming from `options.checkpoint` continues that run's steps
    /// (the engine checks that the checkpoint fits the config and fails the run if not).
    bool start(const core::RunConfig& config, const StartOptions& options);
    /// The options of the current (or last) run.
    const StartOptions& startOptions() const { return m_options; }
    /// Asks the engine to pause at the next step boundary; state goes Pausing, then Paused once
    /// the engine is parked.
    void pause();
    /// Wakes a paused (or pausing) engine.
    void resume();
    /// Asks the engine to stop at the next step boundary (it saves a checkpoint first).
    void stop();
    /// Blocks the GUI thread until the worker ends or `milliseconds` pass; then delivers what is
    /// left. For shutdown and tests; returns whether the worker ended.
    bool waitForFinished(int milliseconds);

Q_SIGNALS:
    /// The state changed (every transition, in order).
    void stateChanged(lossstudio::ui::EngineController::State state);
    /// A new run was accepted by start(); views should clear. Emitted before the worker starts.
    void runStarting(const lossstudio::core::RunConfig& config);
    /// One frame's worth of events (never empty), in the order they happened.
    void eventsArrived(const lossstudio::ui::EventBatch& batch);
    /// The engine reported a recovered problem (also part of eventsArrived()).
    void warningRaised(const lossstudio::core::Warning& warning);
    /// The worker ended; the final batch has been delivered. state() is the final state.
    void runFinished(const lossstudio::core::Finished& finished);

private:
    class Bridge;
    void deliverPending();
    void onWorkerEnded();
    void setState(State state);

    core::Engine m_engine;
    RunObserverFactory m_factory;
    core::RunConfig m_config;
    StartOptions m_options;
    core::Finished m_finished;
    bool m_haveFinished = false;
    State m_state = State::Idle;
    std::unique_ptr<core::RunControl> m_control;
    std::shared_ptr<Bridge> m_bridge;
    QThread* m_thread = nullptr;
    QTimer m_frameTimer;
};

}  // namespace lossstudio::ui
