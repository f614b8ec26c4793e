#include "losses/classwise_loss.h"

namespace lossstudio::core::losses {

ClasswiseLoss::BatchTerms ClasswiseLoss::batchTerms(const torch::Tensor& probs,
                                                    const torch::Tensor& oneHot) const {
    const std::int64_t batch = probs.size(0);
    const double scale = classFactor(probs.size(1)) / static_cast<double>(batch);
    const Values v = evaluate(oneHot, probs);
    const torch::Tensor dMdp = v.slope * scale;
    // Softmax backward: u_j = p_j (dM/dp_j - sum_i p_i dM/dp_i).
    const torch::Tensor u = probs * (dMdp - (probs * dMdp).sum(/*dim=*/1, /*keepdim=*/true));
    return {v.loss.sum() * scale, u};
}

ClasswiseLoss::Values ClasswiseLoss::effective(const torch::Tensor& p, std::int64_t classes) const {
    const double r = classFactor(classes);
    const double others = static_cast<double>(classes - 1);
    const torch::Tensor q = (1.0 - p) / others;
    const Values target = evaluate(torch::ones_like(p), p);
    const Values rest = evaluate(torch::zeros_like(q), q);
    // dq/dp = -1/(C-1), so the (C-1) factor cancels in the slope.
    return {r * (target.loss + others * rest.loss), r * (target.slope - rest.slope)};
}

}  // namespace lossstudio::core::losses
