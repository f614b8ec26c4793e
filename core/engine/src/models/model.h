#pragma once

// Base models as functional programs over an explicit parameter list, so the same forward code
// serves training, evaluation, a functional copy of the parameters (theta') and the traced JVP.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lossstudio/core/result.h"
#include "lossstudio/core/run_config.h"
#include "models/traced.h"

namespace lossstudio::core::models {

class Model {
public:
    virtual ~Model() = default;
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const std::string& name() const { return m_name; }
    /// Leaf tensors (requires_grad) in a fixed order; the optimiser may swap their storage.
    std::vector<torch::Tensor>& parameters() { return m_params; }
    const std::vector<torch::Tensor>& parameters() const { return m_params; }
    /// Non-trainable state (batch-norm running statistics).
    std::vector<torch::Tensor>& buffers() { return m_buffers; }
    std::int64_t parameterCount() const;

    /// Fresh initialisation with LibTorch's defaults (Linear / Conv2d weights and biases
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); batch norm gamma 1, beta 0, statistics reset).
    void reset(torch::Generator& generator);
    /// Forward with `ctx.params` (the model's own parameters or a functional copy of them).
    Value forward(const torch::Tensor& input, Context& ctx);
    /// Forward with the model's own parameters, no tape.
    torch::Tensor forward(const torch::Tensor& input, ForwardMode mode);
    void to(const torch::Device& device, torch::Dtype dtype = torch::kFloat);

protected:
    explicit Model(std::string name) : m_name(std::move(name)) {}
    enum class Init { Uniform, One, Zero };
    /// Registers a parameter; returns its index.
    int addParameter(std::vector<std::int64_t> shape, Init init, std::int64_t fanIn = 1);
    /// Registers batch-norm running statistics; returns the index of the mean (var is +1).
    int addRunningStats(std::int64_t channels);
    virtual Value forwardImpl(const Value& x, Context& ctx) const = 0;

private:
    struct ParamInit {
        Init init;
        std::int64_t fanIn;
    };
    std::string m_name;
    std::vector<torch::Tensor> m_params;
    std::vector<ParamInit> m_inits;
    std::vector<torch::Tensor> m_buffers;
};

/// Builds the model `config` names for examples of `inputShape` (e.g. {1, 28, 28}) and
/// `classes` outputs, freshly initialised from `generator`. The Error says why a model does not
/// fit the data (e.g. a CNN on tabular features).
Result<std::unique_ptr<Model>> makeModel(const ModelConfig& config,
                                         const std::vector<std::int64_t>& inputShape, int classes,
                                         torch::Generator& generator);

}  // namespace lossstudio::core::models
