#pragma once

// Functional layers that can record the forward pass on a Tape, so that a Jacobian-vector
// product of the model's output with respect to its parameters (forward mode) can be computed
// afterwards from the saved activations, without a second forward pass and without
// double-backward. This is what makes the AdaLFL meta-gradient cheap:
//
//   grad_phi L_task = (du/dphi)^T  J (D v)
//
// where u = dM_phi/dlogits, J = dlogits/dtheta at the step's parameters, D = dtheta'/dg the
// optimiser step's (diagonal) Jacobian and v = grad_theta' L_task. J (D v) is one JVP.

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace lossstudio::core::models {

class Tape;

/// How a forward pass treats batch normalisation.
enum class ForwardMode {
    Train,         ///< batch statistics, running statistics updated
    TrainNoStats,  ///< batch statistics, running statistics left alone (meta batches)
    Eval,          ///< running statistics
};

/// A tensor flowing through a traced forward: `id` names it on the tape (-1: a constant such as
/// the input batch, whose tangent is zero).
struct Value {
    torch::Tensor t;
    int id = -1;
};

/// What a forward pass reads: the parameter tensors (the model's own, or a functional copy such as
/// theta'), the buffers (running statistics), the mode and an optional tape.
struct Context {
    const std::vector<torch::Tensor>& params;
    std::vector<torch::Tensor>* buffers = nullptr;
    ForwardMode mode = ForwardMode::Train;
    Tape* tape = nullptr;
};

/// The record of one forward pass. Holds detached references to activations and parameters: the
/// parameters must not be modified in place until jvp() has run (the optimiser double-buffers).
class Tape final {
public:
    /// Forward-mode derivative of the recorded output: sum_i d(output)/d(param_i) * tangents[i].
    /// tangents[i] has the shape of param i (undefined means zero).
    torch::Tensor jvp(const std::vector<torch::Tensor>& tangents, const Value& output) const;
    void clear();

    enum class Kind { Linear, Conv2d, Relu, Tanh, AvgPool2d, MaxPool2d, Flatten, Add, BatchNorm,
                      GlobalAvgPool };
    struct Op {
        Kind kind;
        int in0 = -1;
        int in1 = -1;
        int out = -1;
        int weight = -1;  ///< parameter index
        int bias = -1;
        std::vector<torch::Tensor> saved;
        std::vector<std::int64_t> ints;
    };
    int record(Op op);

private:
    std::vector<Op> m_ops;
    int m_values = 0;
};

namespace ops {

Value linear(Context& ctx, const Value& x, int weight, int bias);
Value conv2d(Context& ctx, const Value& x, int weight, int bias, std::int64_t stride,
             std::int64_t padding);
Value relu(Context& ctx, const Value& x);
Value tanh(Context& ctx, const Value& x);
Value avgPool2d(Context& ctx, const Value& x, std::int64_t kernel, std::int64_t stride);
Value maxPool2d(Context& ctx, const Value& x, std::int64_t kernel, std::int64_t stride);
Value flatten(Context& ctx, const Value& x);
Value add(Context& ctx, const Value& a, const Value& b);
/// Batch normalisation over (N, H, W) with affine gamma/beta; `runningMean` / `runningVar`
/// index ctx.buffers.
Value batchNorm(Context& ctx, const Value& x, int gamma, int beta, int runningMean, int runningVar);
Value globalAvgPool(Context& ctx, const Value& x);

}  // namespace ops
}  // namespace lossstudio::core::models
