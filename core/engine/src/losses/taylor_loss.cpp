#include "losses/taylor_loss.h"

namespace lossstudio::core::losses {

ClasswiseLoss::Values TaylorLoss::evaluate(const torch::Tensor& y, const torch::Tensor& p) const {
    const auto& t = m_theta;
    const torch::Tensor a = p - t[1];
    const torch::Tensor b = y - t[0];
    const torch::Tensor a2 = a * a;
    const torch::Tensor f = t[2] * a + (t[3] / 2) * a2 + (t[4] / 6) * a2 * a + t[5] * b * a +
                            (t[6] / 2) * b * a2 + (t[7] / 2) * b * b * a;
    const torch::Tensor dfdp =
        t[2] + t[3] * a + (t[4] / 2) * a2 + t[5] * b + t[6] * b * a + (t[7] / 2) * b * b;
    return {-f, -dfdp};
}

}  // namespace lossstudio::core::losses
