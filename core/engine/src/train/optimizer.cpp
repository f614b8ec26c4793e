#include "train/optimizer.h"

#include <cmath>

namespace lossstudio::core::train {

torch::Tensor StepJacobian::apply(std::size_t i, const torch::Tensor& v) const {
    return diagonal.empty() ? v * scale : diagonal[i] * v;
}

torch::Tensor& Optimizer::spare(std::size_t i, const torch::Tensor& like) {
    if (m_spare.size() <= i) {
        m_spare.resize(i + 1);
    }
    auto& s = m_spare[i];
    if (!s.defined() || !s.sizes().equals(like.sizes()) || s.dtype() != like.dtype() ||
        s.device() != like.device()) {
        s = torch::empty_like(like, torch::MemoryFormat::Contiguous);
    }
    return s;
}

void Optimizer::swapIn(std::size_t i, torch::Tensor& param) {
    torch::Tensor old = param.detach();
    param.set_data(m_spare[i]);
    m_spare[i] = old;
}

namespace {

/// PyTorch's SGD: d = g + wd*theta; buf = mu*buf + d (buf = d at the first step);
/// d = d + mu*buf (Nesterov) or buf; theta' = theta - lr*d. dtheta'/dg = -lr (1 + mu if Nesterov).
class Sgd final : public Optimizer {
public:
    explicit Sgd(const OptimizerConfig& c)
        : m_momentum(c.momentum), m_nesterov(c.nesterov), m_weightDecay(c.weightDecay) {}

    void step(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads, double lr,
              StepJacobian* jacobian) override {
        torch::NoGradGuard noGrad;
        if (m_momentum != 0 && m_buffers.size() != params.size()) {
            m_buffers.assign(params.size(), torch::Tensor());
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            const torch::Tensor theta = params[i].detach();
            torch::Tensor d = grads[i];
            if (m_weightDecay != 0) {
                d = d.add(theta, m_weightDecay);
            }
            torch::Tensor& out = spare(i, theta);
            if (m_momentum != 0) {
                auto& buf = m_buffers[i];
                if (!buf.defined()) {
                    buf = d.clone();
                } else {
                    buf.mul_(m_momentum).add_(d);
                }
                if (m_nesterov) {
                    torch::add_out(out, theta, d, -lr);
                    out.add_(buf, -lr * m_momentum);
                } else {
                    torch::add_out(out, theta, buf, -lr);
                }
            } else {
                torch::add_out(out, theta, d, -lr);
            }
            swapIn(i, params[i]);
        }
        if (jacobian != nullptr) {
            jacobian->diagonal.clear();
            jacobian->scale = -lr * (m_nesterov ? 1.0 + m_momentum : 1.0);
        }
    }

    std::vector<torch::Tensor> lookahead(const std::vector<torch::Tensor>& params,
                                         const std::vector<torch::Tensor>& grads,
                                         double lr) const override {
        std::vector<torch::Tensor> out;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const torch::Tensor theta = params[i].detach();
            torch::Tensor d = grads[i];
            if (m_weightDecay != 0) {
                d = d + m_weightDecay * theta;
            }
            if (m_momentum != 0) {
                const bool first = m_buffers.size() <= i || !m_buffers[i].defined();
                const torch::Tensor buf = first ? d : m_momentum * m_buffers[i] + d;
                d = m_nesterov ? d + m_momentum * buf : buf;
            }
            out.push_back(theta - lr * d);
        }
        return out;
    }

    void resetState() override { m_buffers.clear(); }

    std::vector<std::pair<std::string, torch::Tensor>> state() const override {
        std::vector<std::pair<std::string, torch::Tensor>> out;
        for (std::size_t i = 0; i < m_buffers.size(); ++i) {
            if (m_buffers[i].defined()) {
                out.emplace_back("momentum." + std::to_string(i), m_buffers[i]);
            }
        }
        return out;
    }

    void setState(const std::vector<std::pair<std::string, torch::Tensor>>& state) override {
        m_buffers.clear();
        for (const auto& [name, tensor] : state) {
            const std::size_t i = std::stoul(name.substr(name.find('.') + 1));
            if (m_buffers.size() <= i) {
                m_buffers.resize(i + 1);
            }
            m_buffers[i] = tensor.clone();
        }
    }

private:
    double m_momentum;
    bool m_nesterov;
    double m_weightDecay;
    std::vector<torch::Tensor> m_buffers;
};

/// PyTorch's Adam (L2 weight decay, no AMSGrad).
class Adam final : public Optimizer {
public:
    explicit Adam(const OptimizerConfig& c)
        : m_beta1(c.beta1), m_beta2(c.beta2), m_eps(c.eps), m_weightDecay(c.weightDecay) {}

    void step(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads, double lr,
              StepJacobian* jacobian) override {
        torch::NoGradGuard noGrad;
        if (m_m.size() != params.size()) {
            m_m.clear();
            m_v.clear();
            for (const auto& p : params) {
                m_m.push_back(torch::zeros_like(p.detach()));
                m_v.push_back(torch::zeros_like(p.detach()));
            }
            m_t = 0;
        }
        ++m_t;
        const double bc1 = 1.0 - std::pow(m_beta1, static_cast<double>(m_t));
        const double sqrtBc2 = std::sqrt(1.0 - std::pow(m_beta2, static_cast<double>(m_t)));
        const double stepSize = lr / bc1;
        if (jacobian != nullptr) {
            jacobian->diagonal.resize(params.size());
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            const torch::Tensor theta = params[i].detach();
            torch::Tensor d = grads[i];
            if (m_weightDecay != 0) {
                d = d.add(theta, m_weightDecay);
            }
            m_m[i].mul_(m_beta1).add_(d, 1.0 - m_beta1);
            m_v[i].mul_(m_beta2).addcmul_(d, d, 1.0 - m_beta2);
            const torch::Tensor root = m_v[i].sqrt();
            const torch::Tensor denom = root / sqrtBc2 + m_eps;
            torch::Tensor& out = spare(i, theta);
            torch::addcdiv_out(out, theta, m_m[i], denom, -stepSize);
            swapIn(i, params[i]);
            if (jacobian != nullptr) {
                // dtheta'/dd = -stepSize * [(1-b1)/denom - m/denom^2 * (1-b2) d / (sqrt(v) sqrtBc2)]
                const torch::Tensor dRoot =
                    torch::where(root > 0, (1.0 - m_beta2) * d / root, torch::zeros_like(root));
                jacobian->diagonal[i] =
                    -stepSize * ((1.0 - m_beta1) / denom - m_m[i] * dRoot / (denom.square() * sqrtBc2));
            }
        }
        if (jacobian != nullptr) {
            jacobian->scale = 0;
        }
    }

    std::vector<torch::Tensor> lookahead(const std::vector<torch::Tensor>& params,
                                         const std::vector<torch::Tensor>& grads,
                                         double lr) const override {
        const std::int64_t t = m_t + 1;
        const double bc1 = 1.0 - std::pow(m_beta1, static_cast<double>(t));
        const double sqrtBc2 = std::sqrt(1.0 - std::pow(m_beta2, static_cast<double>(t)));
        const bool fresh = m_m.size() != params.size();
        std::vector<torch::Tensor> out;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const torch::Tensor theta = params[i].detach();
            torch::Tensor d = grads[i];
            if (m_weightDecay != 0) {
                d = d + m_weightDecay * theta;
            }
            const torch::Tensor m = fresh ? (1.0 - m_beta1) * d : m_beta1 * m_m[i] + (1.0 - m_beta1) * d;
            const torch::Tensor v = fresh ? (1.0 - m_beta2) * d * d
                                          : m_beta2 * m_v[i] + (1.0 - m_beta2) * d * d;
            out.push_back(theta - (lr / bc1) * m / (v.sqrt() / sqrtBc2 + m_eps));
        }
        return out;
    }

    void resetState() override {
        m_m.clear();
        m_v.clear();
        m_t = 0;
    }

    std::vector<std::pair<std::string, torch::Tensor>> state() const override {
        std::vector<std::pair<std::string, torch::Tensor>> out;
        out.emplace_back("t", torch::tensor(m_t, torch::kLong));
        for (std::size_t i = 0; i < m_m.size(); ++i) {
            out.emplace_back("m." + std::to_string(i), m_m[i]);
            out.emplace_back("v." + std::to_string(i), m_v[i]);
        }
        return out;
    }

    void setState(const std::vector<std::pair<std::string, torch::Tensor>>& state) override {
        resetState();
        for (const auto& [name, tensor] : state) {
            if (name == "t") {
                m_t = tensor.item<std::int64_t>();
                continue;
            }
            const std::size_t i = std::stoul(name.substr(2));
            auto& list = name[0] == 'm' ? m_m : m_v;
            if (list.size() <= i) {
                list.resize(i + 1);
            }
            list[i] = tensor.clone();
        }
    }

private:
    double m_beta1;
    double m_beta2;
    double m_eps;
    double m_weightDecay;
    std::int64_t m_t = 0;
    std::vector<torch::Tensor> m_m;
    std::vector<torch::Tensor> m_v;
};

}  // namespace

std::unique_ptr<Optimizer> Optimizer::create(const OptimizerConfig& config) {
    if (config.name == "adam") {
        return std::make_unique<Adam>(config);
    }
    return std::make_unique<Sgd>(config);
}

double scheduledLearningRate(const OptimizerConfig& config, std::int64_t step) {
    double lr = config.lr;
    for (std::int64_t milestone : config.milestones) {
        if (step >= milestone) {
            lr *= config.gamma;
        }
    }
    return lr;
}

}  // namespace lossstudio::core::train
