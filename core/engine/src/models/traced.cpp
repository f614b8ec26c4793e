#include "models/traced.h"

#include <utility>

namespace lossstudio::core::models {
namespace {

constexpr double kBatchNormEps = 1e-5;
constexpr double kBatchNormMomentum = 0.1;

torch::Tensor addDefined(const torch::Tensor& a, const torch::Tensor& b) {
    if (!a.defined()) {
        return b;
    }
    if (!b.defined()) {
        return a;
    }
    return a + b;
}

bool recording(const Context& ctx) { return ctx.tape != nullptr; }

}  // namespace

int Tape::record(Op op) {
    op.out = m_values++;
    const int out = op.out;
    m_ops.push_back(std::move(op));
    return out;
}

void Tape::clear() {
    m_ops.clear();
    m_values = 0;
}

torch::Tensor Tape::jvp(const std::vector<torch::Tensor>& tangents, const Value& output) const {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> tan(static_cast<std::size_t>(m_values));
    auto inTangent = [&](int id) { return id < 0 ? torch::Tensor() : tan[static_cast<std::size_t>(id)]; };
    auto param = [&](int index) {
        return index < 0 ? torch::Tensor() : tangents[static_cast<std::size_t>(index)];
    };
    for (const Op& op : m_ops) {
        const torch::Tensor dx = inTangent(op.in0);
        torch::Tensor out;
        switch (op.kind) {
            case Kind::Linear: {
                const auto& x = op.saved[0];
                const auto& w = op.saved[1];
                const torch::Tensor dw = param(op.weight);
                const torch::Tensor db = param(op.bias);
                if (dw.defined()) {
                    out = db.defined() ? torch::addmm(db, x, dw.t()) : torch::mm(x, dw.t());
                } else if (db.defined()) {
                    out = db.expand({x.size(0), db.size(0)});
                }
                if (dx.defined()) {
                    out = out.defined() ? torch::addmm(out, dx, w.t()) : torch::mm(dx, w.t());
                }
                break;
            }
            case Kind::Conv2d: {
                const auto& x = op.saved[0];
                const auto& w = op.saved[1];
                const torch::Tensor dw = param(op.weight);
                const torch::Tensor db = param(op.bias);
                const std::int64_t stride = op.ints[0];
                const std::int64_t padding = op.ints[1];
                if (dw.defined()) {
                    out = torch::conv2d(x, dw, db, stride, padding);
                } else if (db.defined()) {
                    out = torch::conv2d(x, torch::zeros_like(w), db, stride, padding);
                }
                if (dx.defined()) {
                    out = addDefined(out, torch::conv2d(dx, w, {}, stride, padding));
                }
                break;
            }
            case Kind::Relu:
                if (dx.defined()) {
                    out = dx * (op.saved[0] > 0);
                }
                break;
            case Kind::Tanh:
                if (dx.defined()) {
                    out = dx * (1 - op.saved[0].square());
                }
                break;
            case Kind::AvgPool2d:
                if (dx.defined()) {
                    out = torch::avg_pool2d(dx, op.ints[0], op.ints[1]);
                }
                break;
            case Kind::MaxPool2d:
                if (dx.defined()) {
                    const auto& indices = op.saved[0];
                    out = dx.flatten(2).gather(2, indices.flatten(2)).view_as(indices);
                }
                break;
            case Kind::Flatten:
                if (dx.defined()) {
                    out = dx.flatten(1);
                }
                break;
            case Kind::Add:
                out = addDefined(dx, inTangent(op.in1));
                break;
            case Kind::GlobalAvgPool:
                if (dx.defined()) {
                    out = dx.mean({2, 3});
                }
                break;
            case Kind::BatchNorm: {
                // y = gamma * xhat + beta. With batch statistics (train):
                //   dxhat = invstd * (dx - mean(dx) - xhat * mean(xhat * dx));
                // with running statistics (eval): dxhat = invstd * dx.
                const auto& xhat = op.saved[0];
                const auto& invstd = op.saved[1];  // [1, C, 1, 1]
                const auto& gamma = op.saved[2];   // [1, C, 1, 1]
                const bool batchStats = op.ints[0] != 0;
                const torch::Tensor dg = param(op.weight);
                const torch::Tensor dbeta = param(op.bias);
                if (dg.defined()) {
                    out = xhat * dg.view({1, -1, 1, 1});
                }
                if (dbeta.defined()) {
                    out = addDefined(out, dbeta.view({1, -1, 1, 1}));
                }
                if (dx.defined()) {
                    torch::Tensor dxhat;
                    if (batchStats) {
                        const auto meanDx = dx.mean({0, 2, 3}, /*keepdim=*/true);
                        const auto meanXhatDx = (xhat * dx).mean({0, 2, 3}, /*keepdim=*/true);
                        dxhat = (dx - meanDx - xhat * meanXhatDx) * invstd;
                    } else {
                        dxhat = dx * invstd;
                    }
                    out = addDefined(out, dxhat * gamma);
                }
                break;
            }
        }
        tan[static_cast<std::size_t>(op.out)] = out;
    }
    torch::Tensor result = inTangent(output.id);
    if (!result.defined()) {
        result = torch::zeros_like(output.t);
    }
    return result;
}

namespace ops {

Value linear(Context& ctx, const Value& x, int weight, int bias) {
    const auto& w = ctx.params[static_cast<std::size_t>(weight)];
    const torch::Tensor b = bias >= 0 ? ctx.params[static_cast<std::size_t>(bias)] : torch::Tensor();
    Value out{torch::linear(x.t, w, b), -1};
    if (recording(ctx)) {
        out.id = ctx.tape->record({Tape::Kind::Linear, x.id, -1, -1, weight, bias,
                                   {x.t.detach(), w.detach()}, {}});
    }
    return out;
}

Value conv2d(Context& ctx, const Value& x, int weight, int bias, std::int64_t stride,
             std::int64_t padding) {
    const auto& w = ctx.params[static_cast<std::size_t>(weight)];
    const torch::Tensor b = bias >= 0 ? ctx.params[static_cast<std::size_t>(bias)] : torch::Tensor();
    Value out{torch::conv2d(x.t, w, b, stride, padding), -1};
    if (recording(ctx)) {
        out.id = ctx.tape->record({Tape::Kind::Conv2d, x.id, -1, -1, weight, bias,
                                   {x.t.detach(), w.detach()}, {stride, padding}});
    }
    return out;
}

Value relu(Context& ctx, const Value& x) {
    Value out{torch::relu(x.t), -1};
    if (recording(ctx) && x.id >= 0) {
        out.id = ctx.tape->record({Tape::Kind::Relu, x.id, -1, -1, -1, -1, {out.t.detach()}, {}});
    }
    return out;
}

Value tanh(Context& ctx, const Value& x) {
    Value out{torch::tanh(x.t), -1};
    if (recording(ctx) && x.id >= 0) {
        out.id = ctx.tape->record({Tape::Kind::Tanh, x.id, -1, -1, -1, -1, {out.t.detach()}, {}});
    }
    return out;
}

Value avgPool2d(Context& ctx, const Value& x, std::int64_t kernel, std::int64_t stride) {
    Value out{torch::avg_pool2d(x.t, kernel, stride), -1};
    if (recording(ctx) && x.id >= 0) {
        out.id = ctx.tape->record({Tape::Kind::AvgPool2d, x.id, -1, -1, -1, -1, {}, {kernel, stride}});
    }
    return out;
}

Value maxPool2d(Context& ctx, const Value& x, std::int64_t kernel, std::int64_t stride) {
    if (!recording(ctx) || x.id < 0) {
        return Value{torch::max_pool2d(x.t, kernel, stride), -1};
    }
    auto [values, indices] = torch::max_pool2d_with_indices(x.t, kernel, stride);
    Value out{values, -1};
    out.id = ctx.tape->record({Tape::Kind::MaxPool2d, x.id, -1, -1, -1, -1, {indices}, {}});
    return out;
}

Value flatten(Context& ctx, const Value& x) {
    Value out{x.t.flatten(1), -1};
    if (recording(ctx) && x.id >= 0) {
        out.id = ctx.tape->record({Tape::Kind::Flatten, x.id, -1, -1, -1, -1, {}, {}});
    }
    return out;
}

Value add(Context& ctx, const Value& a, const Value& b) {
    Value out{a.t + b.t, -1};
    if (recording(ctx) && (a.id >= 0 || b.id >= 0)) {
        out.id = ctx.tape->record({Tape::Kind::Add, a.id, b.id, -1, -1, -1, {}, {}});
    }
    return out;
}

Value globalAvgPool(Context& ctx, const Value& x) {
    Value out{x.t.mean({2, 3}), -1};
    if (recording(ctx) && x.id >= 0) {
        out.id = ctx.tape->record({Tape::Kind::GlobalAvgPool, x.id, -1, -1, -1, -1, {}, {}});
    }
    return out;
}

Value batchNorm(Context& ctx, const Value& x, int gamma, int beta, int runningMean, int runningVar) {
    const auto& g = ctx.params[static_cast<std::size_t>(gamma)];
    const auto& b = ctx.params[static_cast<std::size_t>(beta)];
    auto& buffers = *ctx.buffers;
    auto& rm = buffers[static_cast<std::size_t>(runningMean)];
    auto& rv = buffers[static_cast<std::size_t>(runningVar)];
    const bool batchStats = ctx.mode != ForwardMode::Eval;
    torch::Tensor mean;
    torch::Tensor var;
    if (batchStats) {
        var = x.t.var({0, 2, 3}, /*unbiased=*/false, /*keepdim=*/true);
        mean = x.t.mean({0, 2, 3}, /*keepdim=*/true);
        if (ctx.mode == ForwardMode::Train) {
            torch::NoGradGuard noGrad;
            const double n = static_cast<double>(x.t.numel() / x.t.size(1));
            rm.mul_(1 - kBatchNormMomentum).add_(mean.detach().flatten(), kBatchNormMomentum);
            rv.mul_(1 - kBatchNormMomentum)
                .add_(var.detach().flatten() * (n / std::max(1.0, n - 1)), kBatchNormMomentum);
        }
    } else {
        mean = rm.view({1, -1, 1, 1});
        var = rv.view({1, -1, 1, 1});
    }
    const torch::Tensor invstd = torch::rsqrt(var + kBatchNormEps);
    const torch::Tensor xhat = (x.t - mean) * invstd;
    Value out{xhat * g.view({1, -1, 1, 1}) + b.view({1, -1, 1, 1}), -1};
    if (recording(ctx)) {
        out.id = ctx.tape->record({Tape::Kind::BatchNorm, x.id, -1, -1, gamma, beta,
                                   {xhat.detach(), invstd.detach(), g.detach().view({1, -1, 1, 1})},
                                   {batchStats ? 1 : 0}});
    }
    return out;
}

}  // namespace ops
}  // namespace lossstudio::core::models
