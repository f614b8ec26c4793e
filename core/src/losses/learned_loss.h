#pragma once

// The learned loss l_phi(y, p) of method.md: a 2 -> 40 -> 40 -> 1 network without biases,
// smooth leaky ReLU (or ReLU) hidden units, softplus (or no) output, applied class by class.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lossstudio/core/run_config.h"

namespace lossstudio::core::losses {

class LearnedLoss final {
public:
    /// `activation` is the resolved hidden activation (smooth_leaky_relu or relu).
    LearnedLoss(const LossNetConfig& config, const std::string& activation);

    /// Kaiming-normal weights (fan in, gain sqrt(2)).
    void reset(torch::Generator& generator);
    std::vector<torch::Tensor>& parameters() { return m_weights; }
    const std::vector<torch::Tensor>& parameters() const { return m_weights; }
    std::int64_t parameterCount() const;
    void to(const torch::Device& device, torch::Dtype dtype);

    /// l(y, p) and dl/dp for elementwise y, p (same shape). Differentiable with respect to phi
    /// when grad mode is on; y and p are treated as constants.
    struct Values {
        torch::Tensor loss;
        torch::Tensor slope;
    };
    Values evaluate(const torch::Tensor& y, const torch::Tensor& p) const;
    /// l(y, p) only (cheaper; used by the reference meta-gradient, which differentiates it).
    torch::Tensor value(const torch::Tensor& y, const torch::Tensor& p) const;

    /// For a batch of class probabilities `probs` [B, C] (constant) and one-hot targets:
    /// the batch loss M = (1/B) sum_b r sum_i l(y_bi, p_bi) (r = 1/C for mean, 1 for sum) and
    /// u = dM/dlogits [B, C] through the softmax, both differentiable with respect to phi.
    struct BatchTerms {
        torch::Tensor loss;
        torch::Tensor logitGradient;
    };
    BatchTerms batchTerms(const torch::Tensor& probs, const torch::Tensor& oneHot) const;

    /// The effective loss of one example whose target gets probability p and each of the other
    /// C-1 classes (1-p)/(C-1): e(p) = r [l(1,p) + (C-1) l(0,(1-p)/(C-1))] and de/dp.
    Values effective(const torch::Tensor& p, std::int64_t classes) const;

    /// The reduction factor r over classes.
    double classFactor(std::int64_t classes) const;
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
