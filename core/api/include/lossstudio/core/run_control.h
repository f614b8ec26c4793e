#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace lossstudio::core {

/// Pause / resume / stop for a running Trainer. Any thread may request; the engine polls once per
/// step, so a request takes effect within one step. A paused engine sleeps (no busy wait).
class RunControl final {
public:
    void requestPause();
    void requestResume();
    /// Stops the run (also wakes a paused one). The engine saves a checkpoint and finishes with
    /// status "stopped".
    void requestStop();
    /// Asks for a checkpoint at the next step boundary.
    void requestCheckpoint();

    bool pauseRequested() const { return m_pause.load(); }
    /// True while the engine is parked in waitWhilePaused() (the pause has taken effect).
    bool engineWaiting() const { return m_waiting.load(); }
    bool stopRequested() const { return m_stop.load(); }
    /// Engine side: true once when a checkpoint was requested.
    bool takeCheckpointRequest() { return m_checkpoint.exchange(false); }
    /// Engine side: blocks while paused, returns false if a stop was requested.
    bool waitWhilePaused();

private:
    std::atomic<bool> m_pause{false};
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_checkpoint{false};
    std::atomic<bool> m_waiting{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
};

}  // namespace lossstudio::core
