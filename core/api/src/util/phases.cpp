#include "lossstudio/core/phases.h"

#include <algorithm>

namespace lossstudio::core {

std::vector<PhasePlan> runPhases(const RunConfig& config) {
    std::vector<PhasePlan> phases;
    const bool metaLearns = config.method == "ml3" || config.method == "adalfl";
    if (metaLearns && config.meta.initSteps > 0) {
        phases.push_back({Phase::OfflineInit, config.meta.initSteps, 1.0});
    }
    if (config.method == "taylorglo") {
        phases.push_back(
            {Phase::Search,
             static_cast<std::int64_t>(config.taylorglo.generations) * config.taylorglo.population,
             static_cast<double>(config.taylorglo.partialSteps)});
    }
    phases.push_back(
        {config.method == "adalfl" ? Phase::Online : Phase::Training, config.steps, 1.0});
    return phases;
}

Phase firstPhase(const RunConfig& config) {
    return runPhases(config).front().phase;
}

namespace {

/// Online and Training both name a run's last phase, whichever of the two its method has.
bool samePhase(Phase a, Phase b) {
    const auto last = [](Phase p) { return p == Phase::Online || p == Phase::Training; };
    return a == b || (last(a) && last(b));
}

}  // namespace

std::int64_t phaseSteps(const RunConfig& config, Phase phase) {
    for (const PhasePlan& plan : runPhases(config)) {
        if (samePhase(plan.phase, phase)) {
            return plan.steps;
        }
    }
    return 0;
}

double runProgress(const RunConfig& config, Phase phase, std::int64_t step) {
    double total = 0;
    double done = 0;
    bool reached = false;
    for (const PhasePlan& plan : runPhases(config)) {
        const double cost = static_cast<double>(plan.steps) * plan.stepCost;
        total += cost;
        if (samePhase(plan.phase, phase)) {
            done += std::clamp(static_cast<double>(step), 0.0, static_cast<double>(plan.steps)) *
                    plan.stepCost;
            reached = true;
        } else if (!reached && phase != Phase::Setup) {
            done += cost;  // a phase before `phase`
        }
    }
    if (!reached) {
        done = 0;  // Setup, or a phase the run does not have
    }
    return total > 0 ? std::min(1.0, done / total) : 1.0;
}

std::string phaseTitle(Phase phase) {
    switch (phase) {
        case Phase::Setup:
            return "setup";
        case Phase::OfflineInit:
            return "Phase A: offline init";
        case Phase::Online:
            return "online adaptation";
        case Phase::Training:
            return "training";
        case Phase::Search:
            return "TaylorGLO search";
    }
    return {};
}

std::string phaseShortTitle(Phase phase) {
    switch (phase) {
        case Phase::OfflineInit:
            return "Phase A";
        case Phase::Online:
            return "online";
        case Phase::Training:
            return "training";
        case Phase::Search:
            return "search";
        case Phase::Setup:
            break;
    }
    return "setup";
}

}  // namespace lossstudio::core
