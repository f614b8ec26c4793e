#pragma once

// A loss applied class by class, M = (1/B) sum_b r sum_i l(y_bi, p_bi), with p the softmax of the
// model's logits: the learned loss network (ML3, AdaLFL) and the Taylor polynomial (TaylorGLO).
// What the engine needs from such a loss — the batch value, its gradient with respect to the
// logits, the effective loss — follows from l and dl/dp alone, and is written once here.

#include <cstdint>

#include <torch/types.h>

namespace lossstudio::core::losses {

class ClasswiseLoss {
public:
    virtual ~ClasswiseLoss() = default;

    /// l(y, p) and dl/dp for elementwise y, p (same shape); y and p are constants (the result
    /// may depend differentiably on the loss's own parameters).
    struct Values {
        torch::Tensor loss;
        torch::Tensor slope;
    };
    virtual Values evaluate(const torch::Tensor& y, const torch::Tensor& p) const = 0;
    /// The reduction factor r over classes (1/C for a mean, 1 for a sum).
    virtual double classFactor(std::int64_t classes) const = 0;

    /// For class probabilities `probs` [B, C] (constant) and one-hot targets: the batch loss M and
    /// u = dM/dlogits [B, C] through the softmax.
    struct BatchTerms {
        torch::Tensor loss;
        torch::Tensor logitGradient;
    };
    BatchTerms batchTerms(const torch::Tensor& probs, const torch::Tensor& oneHot) const;

    /// The effective loss of one example whose target gets probability p and each of the other
    /// C-1 classes (1-p)/(C-1): e(p) = r [l(1,p) + (C-1) l(0,(1-p)/(C-1))] and de/dp.
    Values effective(const torch::Tensor& p, std::int64_t classes) const;

protected:
    ClasswiseLoss() = default;
    ClasswiseLoss(const ClasswiseLoss&) = default;
    ClasswiseLoss& operator=(const ClasswiseLoss&) = default;
};

}  // namespace lossstudio::core::losses
