#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace lossstudio::core::train {

/// Watches the learned loss's gradient size relative to cross-entropy's (train/loss_grad_ratio)
/// for a collapse. Collapsed: in the last `window` steps at least `fraction` of the steps were
/// below `threshold`, and validation accuracy set no new best within the window. A collapsed
/// loss still pulls on the odd batch (its softplus off zero by chance; measured on a real
/// logistic-regression collapse: 4-13 steps in 250 above 1e-3, the median near 5e-6), so a single
/// step above the threshold must not restart the count, as it would with consecutive steps.
///
/// Pure logic, no torch: tested on hand-made sequences (tests/core/test_diagnostics.cpp).
class CollapseDetector final {
public:
    struct Settings {
        double threshold = 1e-3;
        std::int64_t window = 200;
        double fraction = 0.9;
    };

    /// Everything a checkpoint keeps, so a resumed run watches on as if never stopped.
    struct State {
        std::int64_t firstStep = -1;  ///< first step observed since the phase began or a restore
        std::int64_t lastStep = -1;
        bool lastPulled = false;  ///< the last step's ratio was at or above the threshold
        std::vector<std::int64_t> belowSteps;  ///< steps in the window below the threshold
        bool warned = false;                   ///< the warning of this episode was given
        std::int64_t episodeStart = -1;        ///< see collapseStart()
        double bestValidation = -1;
        std::int64_t lastImprovement = 0;  ///< the step that set bestValidation
    };

    explicit CollapseDetector(Settings settings) : m_settings(settings) {}

    /// One training step's ratio. True when the warning is due: once per collapse episode; a new
    /// episode can start once most of the window pulls again.
    bool observe(std::int64_t step, double ratio);
    /// A validation accuracy measured at `step`.
    void noteValidation(std::int64_t step, double accuracy);

    /// The loss may be kept as the healthy one to restore: at least half a window observed since
    /// the phase began or the last restart, this step pulled, and at most (1 - fraction) of the
    /// window was below. (The engine keeps a phase's starting loss itself.)
    bool healthy() const;
    /// Where the current collapse episode began: the first below-threshold step in the window at
    /// the step the window stopped being mostly pulling; -1 while it mostly pulls. It can lie
    /// before the window when validation kept improving for a while after the loss went flat.
    std::int64_t collapseStart() const { return m_episodeStart; }
    std::int64_t belowInWindow() const { return static_cast<std::int64_t>(m_below.size()); }
    const Settings& settings() const { return m_settings; }

    /// A new phase: an empty window and no best accuracy.
    void resetPhase();
    /// After restoring a healthy loss: an empty window, the best accuracy kept.
    void restart();

    State state() const;
    void setState(const State& state);

private:
    std::int64_t observedInWindow() const;

    Settings m_settings;
    std::int64_t m_firstStep = -1;
    std::int64_t m_lastStep = -1;
    bool m_lastPulled = false;
    std::deque<std::int64_t> m_below;
    bool m_warned = false;
    std::int64_t m_episodeStart = -1;
    double m_bestValidation = -1;
    std::int64_t m_lastImprovement = 0;
};

}  // namespace lossstudio::core::train
