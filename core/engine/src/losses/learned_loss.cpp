#include "losses/learned_loss.h"

#include <cmath>

namespace lossstudio::core::losses {

LearnedLoss::LearnedLoss(const LossNetConfig& config, const std::string& activation)
    : m_config(config),
      m_smooth(activation != "relu"),
      m_softplus(config.output == "softplus") {
    std::int64_t in = 2;
    for (int i = 0; i < config.hiddenLayers; ++i) {
        m_weights.push_back(torch::zeros({config.hiddenWidth, in}).requires_grad_());
        in = config.hiddenWidth;
    }
    m_weights.push_back(torch::zeros({1, in}).requires_grad_());
}

void LearnedLoss::reset(torch::Generator& generator) {
    torch::NoGradGuard noGrad;
    for (auto& w : m_weights) {
        const double std = std::sqrt(2.0 / static_cast<double>(w.size(1)));
        w.normal_(0.0, std, generator);
    }
}

std::int64_t LearnedLoss::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& w : m_weights) {
        n += w.numel();
    }
    return n;
}

void LearnedLoss::to(const torch::Device& device, torch::Dtype dtype) {
    torch::NoGradGuard noGrad;
    for (auto& w : m_weights) {
        w.set_data(w.data().to(device, dtype));
    }
}

torch::Tensor LearnedLoss::activation(const torch::Tensor& x) const {
    if (!m_smooth) {
        return torch::relu(x);
    }
    // s(x) = gamma x + (1 - gamma) (1/beta) log(1 + exp(beta x)); softplus(x, beta) is the last
    // term's (1/beta) log(1 + exp(beta x)).
    return m_config.gamma * x + (1.0 - m_config.gamma) * torch::softplus(x, m_config.beta);
}

torch::Tensor LearnedLoss::activationSlope(const torch::Tensor& x) const {
    if (!m_smooth) {
        return (x > 0).to(x.scalar_type());
    }
    return m_config.gamma + (1.0 - m_config.gamma) * torch::sigmoid(m_config.beta * x);
}

torch::Tensor LearnedLoss::value(const torch::Tensor& y, const torch::Tensor& p) const {
    torch::Tensor h = torch::stack({y.flatten(), p.flatten()}, /*dim=*/1);
    const std::size_t hidden = m_weights.size() - 1;
    for (std::size_t i = 0; i < hidden; ++i) {
        h = activation(torch::mm(h, m_weights[i].t()));
    }
    torch::Tensor out = torch::mm(h, m_weights.back().t()).squeeze(1);
    if (m_softplus) {
        out = torch::softplus(out);
    }
    return out.view(y.sizes());
}

LearnedLoss::Values LearnedLoss::evaluate(const torch::Tensor& y, const torch::Tensor& p) const {
    // Forward, keeping the pre-activations, then dl/dp in closed form:
    //   dl/dp = out'(o) * w_out^T diag(s'(z_L)) W_L ... diag(s'(z_1)) W_1[:, 1]
    // (column 1 of the first layer is the p input). This avoids an autograd double-backward
    // through the loss network when the slope must stay differentiable with respect to phi.
    torch::Tensor h = torch::stack({y.flatten(), p.flatten()}, /*dim=*/1);
    const std::size_t hidden = m_weights.size() - 1;
    torch::Tensor slope;
    for (std::size_t i = 0; i < hidden; ++i) {
        const torch::Tensor z = torch::mm(h, m_weights[i].t());
        const torch::Tensor ds = activationSlope(z);
        slope = i == 0 ? ds * m_weights[0].select(/*dim=*/1, /*index=*/1)
                       : torch::mm(slope, m_weights[i].t()) * ds;
        h = activation(z);
    }
    const torch::Tensor& wOut = m_weights.back();
    torch::Tensor out = torch::mm(h, wOut.t()).squeeze(1);
    slope = torch::mm(slope, wOut.t()).squeeze(1);
    if (m_softplus) {
        slope = slope * torch::sigmoid(out);
        out = torch::softplus(out);
    }
    return {out.view(y.sizes()), slope.view(y.sizes())};
}

double LearnedLoss::classFactor(std::int64_t classes) const {
    return m_config.reduction == "sum" ? 1.0 : 1.0 / static_cast<double>(classes);
}

std::vector<float> LearnedLoss::flatParameters() const {
    std::vector<float> out;
    out.reserve(static_cast<std::size_t>(parameterCount()));
    for (const auto& w : m_weights) {
        const torch::Tensor flat = w.detach().to(torch::kCPU, torch::kFloat).contiguous().flatten();
        const float* data = flat.data_ptr<float>();
        out.insert(out.end(), data, data + flat.numel());
    }
    return out;
}

}  // namespace lossstudio::core::losses
