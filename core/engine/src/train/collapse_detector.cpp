#include "train/collapse_detector.h"

#include <algorithm>
#include <cmath>

namespace lossstudio::core::train {

std::int64_t CollapseDetector::observedInWindow() const {
    if (m_firstStep < 0) {
        return 0;
    }
    return std::min(m_settings.window, m_lastStep - m_firstStep + 1);
}

bool CollapseDetector::observe(std::int64_t step, double ratio) {
    if (m_firstStep < 0) {
        m_firstStep = step;
    }
    m_lastStep = step;
    m_lastPulled = ratio >= m_settings.threshold;
    if (!m_lastPulled) {
        m_below.push_back(step);
    }
    while (!m_below.empty() && m_below.front() <= step - m_settings.window) {
        m_below.pop_front();
    }
    const auto below = belowInWindow();
    if (2 * below <= observedInWindow()) {
        m_warned = false;  // most of the window pulls: any earlier episode is over
        m_episodeStart = -1;
    } else if (m_episodeStart < 0) {
        m_episodeStart = m_below.front();
    }
    const bool full = observedInWindow() >= m_settings.window;
    const auto needed = static_cast<std::int64_t>(
        std::ceil(m_settings.fraction * static_cast<double>(m_settings.window) - 1e-9));
    const bool improving = step - m_lastImprovement < m_settings.window;
    // Only inside an episode (most of the window below): at fraction 0.5 the count can reach
    // `needed` exactly when half the window pulls, which is not a collapse.
    if (m_warned || m_episodeStart < 0 || !full || below < needed || improving) {
        return false;
    }
    m_warned = true;
    return true;
}

void CollapseDetector::noteValidation(std::int64_t step, double accuracy) {
    if (accuracy > m_bestValidation) {
        m_bestValidation = accuracy;
        m_lastImprovement = step;
    }
}

bool CollapseDetector::healthy() const {
    // Evidence first: at least half a window observed since the phase began or the last restore.
    // Without it a restored loss that is itself collapsed would be taken as healthy at the next
    // snapshot and restored again and again (seen on a real run before this rule).
    // Healthy is the mirror of collapsed: at most (1 - fraction) of the window below. "Most of
    // the window pulls" is not enough: on a real logistic run a loss with 95 of 200 steps below
    // was already sliding into collapse, and restoring it collapsed again at once.
    const auto observed = observedInWindow();
    const double allowed = (1.0 - m_settings.fraction) * static_cast<double>(observed);
    return 2 * observed >= m_settings.window && m_lastPulled &&
           static_cast<double>(belowInWindow()) <= allowed + 1e-9;
}

void CollapseDetector::resetPhase() {
    restart();
    m_bestValidation = -1;
    m_lastImprovement = 0;
}

void CollapseDetector::restart() {
    m_firstStep = -1;
    m_lastStep = -1;
    m_lastPulled = false;
    m_below.clear();
    m_warned = false;
    m_episodeStart = -1;
}

CollapseDetector::State CollapseDetector::state() const {
    State s;
    s.firstStep = m_firstStep;
    s.lastStep = m_lastStep;
    s.lastPulled = m_lastPulled;
    s.belowSteps.assign(m_below.begin(), m_below.end());
    s.warned = m_warned;
    s.episodeStart = m_episodeStart;
    s.bestValidation = m_bestValidation;
    s.lastImprovement = m_lastImprovement;
    return s;
}

void CollapseDetector::setState(const State& state) {
    m_firstStep = state.firstStep;
    m_lastStep = state.lastStep;
    m_lastPulled = state.lastPulled;
    m_below.assign(state.belowSteps.begin(), state.belowSteps.end());
    m_warned = state.warned;
    m_episodeStart = state.episodeStart;
    m_bestValidation = state.bestValidation;
    m_lastImprovement = state.lastImprovement;
}

}  // namespace lossstudio::core::train
