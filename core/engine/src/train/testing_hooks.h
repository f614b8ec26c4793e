#pragma once

// Fault injection for tests of the engine's divergence handling. Not used by the product.

#include <cstdint>

#include "lossstudio/core/events.h"

namespace lossstudio::core::train::testing {

enum class Fault {
    None,
    /// NaN in the loss network's first weight (a method that learns a loss), else in the model's
    /// first parameter, as a diverging update would leave it.
    NonFinite,
    /// The loss network made to output a very negative pre-activation everywhere (hidden weights
    /// made non-negative, output weights -10 |w|): softplus then sits at zero and the learned
    /// loss's gradients vanish — the collapse of method.md.
    CollapseLoss,
};

/// Before step `step` of `phase` (and the `times - 1` steps after it), the engine applies
/// `fault`. Applies to every run until cleared.
void inject(Fault fault, Phase phase, std::int64_t step, int times = 1);
inline void injectNonFinite(Phase phase, std::int64_t step, int times = 1) {
    inject(Fault::NonFinite, phase, step, times);
}
void clearInjections();

/// Engine side: the fault to apply before this step (None almost always).
Fault faultBefore(Phase phase, std::int64_t step);

/// The level below which a frozen loss's pullsUntil() is warned about ("flat-loss"): above 1 every
/// frozen loss warns, so a test can see the warning's path on any run. Until set, and after
/// clearInjections(), it is train::kFlatLossBelow.
void setFlatLossThreshold(float threshold);
float flatLossThreshold();

}  // namespace lossstudio::core::train::testing
