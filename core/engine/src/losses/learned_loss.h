#pragma once

// The learned loss l_phi(y, p) of method.md: a 2 -> 40 -> 40 -> 1 network without biases,
// smooth leaky ReLU (or ReLU) hidden units, softplus (or no) output, applied class by class.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lossstudio/core/run_config.h"
#include "losses/classwise_loss.h"

namespace lossstudio::core::losses {

class LearnedLoss final : public ClasswiseLoss {
public:
    /// `activation` is the resolved hidden activation (smooth_leaky_relu or relu).
    LearnedLoss(const LossNetConfig& config, const std::string& activation);

    /// Kaiming-normal weights (fan in, gain sqrt(2)).
    void reset(torch::Generator& generator);
    std::vector<torch::Tensor>& parameters() { return m_weights; }
    const std::vector<torch::Tensor>& parameters() const { return m_weights; }
    std::int64_t parameterCount() const;
    void to(const torch::Device& device, torch::Dtype dtype);

    /// l(y, p) and dl/dp, differentiable with respect to phi when grad mode is on.
    Values evaluate(const torch::Tensor& y, const torch::Tensor& p) const override;
    /// l(y, p) only (cheaper; used by the reference meta-gradient, which differentiates it).
    torch::Tensor value(const torch::Tensor& y, const torch::Tensor& p) const;

    double classFactor(std::int64_t classes) const override;
    /// phi flattened in layer order, as floats.
    std::vector<float> flatParameters() const;

private:
    torch::Tensor activation(const torch::Tensor& x) const;
    torch::Tensor activationSlope(const torch::Tensor& x) const;

    LossNetConfig m_config;
    bool m_smooth;
    bool m_softplus;
    std::vector<torch::Tensor> m_weights;  ///< hidden layers then output, each [out, in]
};

}  // namespace lossstudio::core::losses
