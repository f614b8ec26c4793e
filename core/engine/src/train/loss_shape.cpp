#include "train/loss_shape.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace lossstudio::core::train {

float pullsUntil(const LossSnapshot& loss, float fraction) {
    const auto& e = loss.effective;
    if (e.empty() || e.size() != loss.p.size() ||
        !std::all_of(e.begin(), e.end(), [](float v) { return std::isfinite(v); })) {
        return 1.0f;
    }
    const float least = *std::min_element(e.begin(), e.end());
    const float drop = e.front() - least;
    if (!(drop > 0.0f)) {
        return 0.0f;
    }
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (e[i] - least <= fraction * drop) {
            return loss.p[i];
        }
    }
    return loss.p.back();  // not reached: the minimum itself is within any fraction >= 0
}

std::optional<std::string> flatLossWarning(const LossSnapshot& loss, float threshold) {
    if (loss.effective.empty() || loss.effective.size() != loss.p.size()) {
        return std::nullopt;
    }
    const float until = pullsUntil(loss);
    if (until >= threshold) {
        return std::nullopt;
    }
    std::ostringstream msg;
    msg << std::fixed << std::setprecision(2) << "the frozen learned loss has done 99% of its "
        << "falling by p = " << until << " (there e(p) - min e <= 1% of e(0) - min e), so a "
        << "target class already above p = " << until << " gets almost no push up, even while "
        << "another class is likelier; expect accuracy to plateau early (warned below p = "
        << threshold << "; the studio's effective-loss plot shows the shape)";
    return msg.str();
}

}  // namespace lossstudio::core::train
