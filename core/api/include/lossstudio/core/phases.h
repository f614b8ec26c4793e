#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <lossstudio/core/events.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::core {

/// One phase of a run as its method plans it (after Setup, which has no steps).
struct PhasePlan {
    Phase phase = Phase::Setup;
    std::int64_t steps = 0;  ///< steps counted in the phase (TaylorGLO's search: candidates)
    /// Training-step equivalents one step of the phase costs, for progress over the whole run:
    /// 1, or a search candidate's `taylorglo.partial_steps`.
    double stepCost = 1;
};

/// The phases a run of `config` goes through, in order: cross-entropy {training}; ML3
/// {offline-init, training}; AdaLFL {offline-init, online}; TaylorGLO {search, training}
/// (offline-init is left out when meta.init_steps is 0).
std::vector<PhasePlan> runPhases(const RunConfig& config);
/// The first phase with steps (Training when the config plans none).
Phase firstPhase(const RunConfig& config);
/// Steps of `phase` in a run of `config`; 0 for a phase the run does not have. Online and
/// Training both mean the run's last phase (the plots show either as "training").
std::int64_t phaseSteps(const RunConfig& config, Phase phase);
/// The part of the whole run (all phases, in training-step equivalents) done once `step` of
/// `phase` is done, in [0, 1].
double runProgress(const RunConfig& config, Phase phase, std::int64_t step);
/// What a person calls the phase: "Phase A: offline init", "online adaptation", "training",
/// "TaylorGLO search", "setup".
std::string phaseTitle(Phase phase);
/// The short form used beside a step number: "Phase A", "online", "training", "search", "setup".
std::string phaseShortTitle(Phase phase);

}  // namespace lossstudio::core
