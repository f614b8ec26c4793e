#pragma once

// TaylorGLO's loss (method.md): a third-order bivariate Taylor polynomial in (y, p) with eight
// parameters theta = (t0 .. t7), the expansion centre (t0, t1) and six coefficients:
//   f(y, p) = t2 a + t3/2 a^2 + t4/6 a^3 + t5 b a + t6/2 b a^2 + t7/2 b^2 a,
//   a = p - t1, b = y - t0,   l(y, p) = -f(y, p),   M = (1/n) sum over examples and classes.

#include <array>

#include "losses/classwise_loss.h"

namespace lossstudio::core::losses {

class TaylorLoss final : public ClasswiseLoss {
public:
    static constexpr int kParameters = 8;
    explicit TaylorLoss(const std::array<double, kParameters>& theta) : m_theta(theta) {}

    const std::array<double, kParameters>& parameters() const { return m_theta; }
    Values evaluate(const torch::Tensor& y, const torch::Tensor& p) const override;
    /// Summed over classes (r = 1), as TaylorGLO defines it.
    double classFactor(std::int64_t) const override { return 1.0; }

private:
    std::array<double, kParameters> m_theta;
};

}  // namespace lossstudio::core::losses
