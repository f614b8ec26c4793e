// TaylorGLO's search phase: CMA-ES over the Taylor loss's parameters, each candidate judged by the
// validation error of a fresh model after a short training run with it.

#include <cmath>
#include <limits>

#include "train/engine.h"

namespace lossstudio::core::train {
namespace {

std::array<double, losses::TaylorLoss::kParameters> toTheta(const std::vector<double>& v) {
    std::array<double, losses::TaylorLoss::kParameters> theta{};
    std::copy_n(v.begin(), theta.size(), theta.begin());
    return theta;
}

std::vector<float> toFloatVector(const std::array<double, losses::TaylorLoss::kParameters>& theta) {
    return std::vector<float>(theta.begin(), theta.end());
}

}  // namespace

NamedTensors Engine::searchState() const {
    NamedTensors out;
    out.emplace_back("cma", torch::tensor(m_search->state(), torch::kDouble));
    if (m_taylor) {
        const auto& theta = m_taylor->parameters();
        out.emplace_back("best", torch::tensor(std::vector<double>(theta.begin(), theta.end()),
                                               torch::kDouble));
        out.emplace_back("best_error", torch::tensor(m_taylorError, torch::kDouble));
    }
    return out;
}

void Engine::setSearchState(const NamedTensors& state) {
    m_taylor.reset();
    m_taylorError = 2;
    for (const auto& [key, t] : state) {
        const torch::Tensor c = t.to(torch::kDouble).contiguous();
        std::vector<double> values(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
        if (key == "cma") {
            if (!m_search->setState(values)) {
                throw RunError{RunStatus::Failed, "the checkpoint's CMA-ES state does not match "
                                                  "this config's taylorglo settings"};
            }
        } else if (key == "best" && values.size() == losses::TaylorLoss::kParameters) {
            m_taylor = std::make_unique<losses::TaylorLoss>(toTheta(values));
        } else if (key == "best_error" && !values.empty()) {
            m_taylorError = values.front();
        }
    }
}

void Engine::runSearch() {
    const auto& settings = m_config.taylorglo;
    const int population = m_search->population();
    // m_step counts judged candidates; checkpoints fall between generations, so it is a multiple
    // of the population here.
    for (int generation = static_cast<int>(m_step / population) + 1;
         generation <= settings.generations; ++generation) {
        // A stop inside a generation saves the state of its start, so a resumed run judges the
        // same candidates on the same batches again.
        const std::int64_t startStep = m_step;
        const auto startSampler = m_trainSampler->state();
        const torch::Tensor startGenerator = m_generator.get_state();
        const NamedTensors startSearch = cloneNamed(searchState());

        const auto candidates = m_search->ask();
        std::vector<double> errors;
        std::size_t generationBest = 0;
        for (std::size_t k = 0; k < candidates.size(); ++k) {
            const losses::TaylorLoss loss(toTheta(candidates[k]));
            m_model->reset(m_generator);
            m_optimizer->resetState();
            bool finite = true;
            for (std::int64_t s = 1; s <= settings.partialSteps && finite; ++s) {
                if (pauseAndCheckStop()) {
                    m_step = startStep;
                    m_trainSampler->setState(startSampler);
                    m_generator.set_state(startGenerator);
                    setSearchState(startSearch);
                    saveCheckpoint(Phase::Search, m_step);
                    throw RunError{RunStatus::Stopped,
                                   "stopped in generation " + std::to_string(generation) +
                                       " of the search; it restarts from its beginning (step " +
                                       std::to_string(m_step) + ") when resumed"};
                }
                const methods::Batch train = batch(*m_trainSampler, m_data.train);
                finite = methods::learnedLossStep(*m_model, *m_optimizer, m_config.optimizer.lr,
                                                  loss, train)
                             .finite;
            }
            double error = 1.0;  // a candidate that diverges is the worst possible
            if (finite) {
                const auto v = methods::evaluate(*m_model, m_data.validation.inputs,
                                                 m_data.validation.labels, m_config.evalBatchSize,
                                                 m_device);
                if (std::isfinite(v.loss)) {
                    error = 1.0 - v.accuracy;
                }
            }
            errors.push_back(error);
            if (error < errors[generationBest]) {
                generationBest = k;
            }
            if (error < m_taylorError) {
                m_taylorError = error;
                m_taylor = std::make_unique<losses::TaylorLoss>(loss.parameters());
            }
            ++m_step;
            StepMetrics m;
            m.phase = Phase::Search;
            m.step = m_step;
            m.wallTime = wallTime();
            m.progress = progress(Phase::Search, m_step);
            const double nan = std::numeric_limits<double>::quiet_NaN();
            m.trainLoss = m.taskLoss = m.trainAccuracy = m.lr = m.gradNorm = nan;
            m.search = SearchStep{generation, static_cast<int>(k), error, m_taylorError,
                                  m_search->sigma()};
            m_observer.onStepMetrics(m);
        }
        m_search->tell(candidates, errors);
        const losses::TaylorLoss best(toTheta(candidates[generationBest]));
        snapshotOf(Phase::Search, m_step, &best, toFloatVector(best.parameters()));
        m_log->debug("search generation {}: best error {:.4f} (overall {:.4f}), sigma {:.3g}",
                     generation, errors[generationBest], m_taylorError, m_search->sigma());
        if (m_control.takeCheckpointRequest() || m_config.checkpointInterval > 0) {
            saveCheckpoint(Phase::Search, m_step);
        }
    }
}

}  // namespace lossstudio::core::train
