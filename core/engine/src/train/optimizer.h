#pragma once

// Base-model optimisers (SGD with momentum / Nesterov / weight decay, Adam) with PyTorch's update
// rules, in two forms that share the arithmetic:
//   step()      the real, in-place update; also reports dtheta'/dg, the step's Jacobian with
//               respect to the gradient (diagonal), which the AdaLFL meta-gradient needs;
//   lookahead() the same update as a differentiable function of the gradient, with the state
//               held constant (the reference meta-gradient and the tests use it).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lossstudio/core/run_config.h"

namespace lossstudio::core::train {

/// dtheta'/dg of one step: `scale` times the identity, or elementwise `diagonal` when present.
struct StepJacobian {
    double scale = 0;
    std::vector<torch::Tensor> diagonal;
    /// (dtheta'/dg)_i * v for parameter i.
    torch::Tensor apply(std::size_t i, const torch::Tensor& v) const;
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    static std::unique_ptr<Optimizer> create(const OptimizerConfig& config);

    /// Updates `params` in place from `grads` with learning rate `lr`. The new values are written
    /// into spare storage that is then swapped in, so tensors that still reference the old
    /// parameters (a forward tape) keep seeing them until the next step.
    virtual void step(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads,
                      double lr, StepJacobian* jacobian) = 0;
    /// theta' as a function of `grads` (differentiable), the optimiser's state held constant.
    virtual std::vector<torch::Tensor> lookahead(const std::vector<torch::Tensor>& params,
                                                 const std::vector<torch::Tensor>& grads,
                                                 double lr) const = 0;
    /// Forgets momentum / moments (a fresh optimiser).
    virtual void resetState() = 0;
    /// The state as named tensors (for checkpoints), and back.
    virtual std::vector<std::pair<std::string, torch::Tensor>> state() const = 0;
    virtual void setState(const std::vector<std::pair<std::string, torch::Tensor>>& state) = 0;

protected:
    /// Writes `value` into the parameter through the spare buffer and swaps.
    void swapIn(std::size_t i, torch::Tensor& param);
    torch::Tensor& spare(std::size_t i, const torch::Tensor& like);

private:
    std::vector<torch::Tensor> m_spare;
};

/// The learning rate at `step` (1-based) of a multi-step schedule.
double scheduledLearningRate(const OptimizerConfig& config, std::int64_t step);

}  // namespace lossstudio::core::train
