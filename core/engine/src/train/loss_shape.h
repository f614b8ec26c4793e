#pragma once

#include <optional>
#include <string>

#include "lossstudio/core/events.h"

namespace lossstudio::core::train {

/// Where a loss stops pulling: the first grid p (the grid ascends from 0, as every snapshot's
/// does) at which its effective loss e has come within `fraction` of its whole drop
/// e(0) - min e of its minimum: there e has done (1 - fraction) of its falling, and a target's
/// probability above it gets little push up (or, past a minimum below p = 1, a push down).
/// Cross-entropy (e(0) = -log 1e-7) gives 0.86 on a 101-point grid at fraction 0.01; 0 when e has
/// no drop at all (e(0) is its minimum); 1 (nothing to judge) without an effective loss or with a
/// non-finite value in it. The answer is a grid point, rounded up: judge on a fine grid (the
/// default snapshot_points, 101).
float pullsUntil(const LossSnapshot& loss, float fraction = 0.01f);

/// A frozen learned loss (ML3's final training, TaylorGLO's) whose effective loss stops pulling
/// (pullsUntil) below this target probability is warned about as the phase starts.
/// Between the target being the likeliest class (p > 1/C with the rest spread evenly) and being
/// sure to be (p > 1/2), such a loss leaves a misclassified example with almost no gradient.
/// Measured on the stored reproduce runs (Fashion-MNIST, docs/results.md): the two runs that
/// plateaued far below their cell (MLP ML3 seed 1, 74.1% test accuracy, and MLP AdaLFL seed 4's
/// collapsed online loss, 75.6%) stop pulling at 0.16 and 0.25; every other learned loss there
/// (ML3, TaylorGLO, AdaLFL; 14 runs, 86-90%) pulls to 0.44 or beyond.
constexpr float kFlatLossBelow = 0.35f;

/// The warning for a loss that stops pulling below `threshold`, naming where; nullopt for a loss
/// that pulls far enough (or a snapshot without an effective loss).
std::optional<std::string> flatLossWarning(const LossSnapshot& loss,
                                           float threshold = kFlatLossBelow);

}  // namespace lossstudio::core::train
