#pragma once

// Fault injection for tests of the engine's divergence handling. Not used by the product.

#include <cstdint>

#include "lossstudio/core/events.h"

namespace lossstudio::core::train::testing {

/// Before step `step` of `phase`, the engine poisons its state with NaN as a diverging update
/// would: the loss network's first weight when the method learns a loss, else the model's first
/// parameter. Applies to every run until cleared; `times` consecutive steps from `step` on.
void injectNonFinite(Phase phase, std::int64_t step, int times = 1);
void clearInjections();

/// Engine side: whether to poison the state before this step.
bool shouldInject(Phase phase, std::int64_t step);

}  // namespace lossstudio::core::train::testing
