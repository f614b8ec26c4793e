#include "models/model.h"

#include <cmath>
#include <numeric>

namespace lossstudio::core::models {

std::int64_t Model::parameterCount() const {
    std::int64_t n = 0;
    for (const auto& p : m_params) {
        n += p.numel();
    }
    return n;
}

int Model::addParameter(std::vector<std::int64_t> shape, Init init, std::int64_t fanIn) {
    m_params.push_back(torch::zeros(shape, torch::kFloat).requires_grad_());
    m_inits.push_back({init, fanIn});
    return static_cast<int>(m_params.size()) - 1;
}

int Model::addRunningStats(std::int64_t channels) {
    m_buffers.push_back(torch::zeros({channels}));
    m_buffers.push_back(torch::ones({channels}));
    return static_cast<int>(m_buffers.size()) - 2;
}

void Model::reset(torch::Generator& generator) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        auto& p = m_params[i];
        switch (m_inits[i].init) {
            case Init::Uniform: {
                const double bound = 1.0 / std::sqrt(static_cast<double>(m_inits[i].fanIn));
                p.uniform_(-bound, bound, generator);
                break;
            }
            case Init::One: p.fill_(1.0); break;
            case Init::Zero: p.zero_(); break;
        }
    }
    for (std::size_t i = 0; i < m_buffers.size(); i += 2) {
        m_buffers[i].zero_();
        m_buffers[i + 1].fill_(1.0);
    }
}

Value Model::forward(const torch::Tensor& input, Context& ctx) {
    if (ctx.buffers == nullptr) {
        ctx.buffers = &m_buffers;
    }
    return forwardImpl(Value{input, -1}, ctx);
}

torch::Tensor Model::forward(const torch::Tensor& input, ForwardMode mode) {
    Context ctx{m_params, &m_buffers, mode, nullptr};
    return forwardImpl(Value{input, -1}, ctx).t;
}

void Model::to(const torch::Device& device, torch::Dtype dtype) {
    torch::NoGradGuard noGrad;
    for (auto& p : m_params) {
        p.set_data(p.data().to(device, dtype));
    }
    for (auto& b : m_buffers) {
        b = b.to(device, dtype);
    }
}

namespace {

std::int64_t product(const std::vector<std::int64_t>& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

/// A stack of fully connected layers: logistic regression (no hidden layer) or an MLP.
class Mlp final : public Model {
public:
    Mlp(std::string name, std::int64_t inputs, const std::vector<std::int64_t>& hidden, int classes)
        : Model(std::move(name)) {
        std::int64_t width = inputs;
        for (std::int64_t h : hidden) {
            m_layers.push_back({addParameter({h, width}, Init::Uniform, width),
                                addParameter({h}, Init::Uniform, width)});
            width = h;
        }
        m_layers.push_back({addParameter({classes, width}, Init::Uniform, width),
                            addParameter({classes}, Init::Uniform, width)});
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = ops::flatten(ctx, input);
        for (std::size_t i = 0; i < m_layers.size(); ++i) {
            x = ops::linear(ctx, x, m_layers[i].first, m_layers[i].second);
            if (i + 1 < m_layers.size()) {
                x = ops::relu(ctx, x);
            }
        }
        return x;
    }

private:
    std::vector<std::pair<int, int>> m_layers;
};

/// LeNet-5: tanh, average pooling. 28x28 inputs are padded to 32x32 in the first convolution.
class LeNet5 final : public Model {
public:
    LeNet5(const std::vector<std::int64_t>& shape, int classes) : Model("lenet5") {
        const std::int64_t c = shape[0];
        m_padding = shape[1] < 32 ? (32 - shape[1] + 1) / 2 : 0;
        const std::int64_t h1 = shape[1] + 2 * m_padding - 4;
        const std::int64_t h2 = h1 / 2 - 4;
        const std::int64_t w1 = shape[2] + 2 * m_padding - 4;
        const std::int64_t w2 = w1 / 2 - 4;
        m_flat = 16 * (h2 / 2) * (w2 / 2);
        m_conv1 = addParameter({6, c, 5, 5}, Init::Uniform, c * 25);
        m_conv1b = addParameter({6}, Init::Uniform, c * 25);
        m_conv2 = addParameter({16, 6, 5, 5}, Init::Uniform, 6 * 25);
        m_conv2b = addParameter({16}, Init::Uniform, 6 * 25);
        m_fc1 = addParameter({120, m_flat}, Init::Uniform, m_flat);
        m_fc1b = addParameter({120}, Init::Uniform, m_flat);
        m_fc2 = addParameter({84, 120}, Init::Uniform, 120);
        m_fc2b = addParameter({84}, Init::Uniform, 120);
        m_fc3 = addParameter({classes, 84}, Init::Uniform, 84);
        m_fc3b = addParameter({classes}, Init::Uniform, 84);
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = ops::conv2d(ctx, input, m_conv1, m_conv1b, 1, m_padding);
        x = ops::avgPool2d(ctx, ops::tanh(ctx, x), 2, 2);
        x = ops::conv2d(ctx, x, m_conv2, m_conv2b, 1, 0);
        x = ops::flatten(ctx, ops::avgPool2d(ctx, ops::tanh(ctx, x), 2, 2));
        x = ops::tanh(ctx, ops::linear(ctx, x, m_fc1, m_fc1b));
        x = ops::tanh(ctx, ops::linear(ctx, x, m_fc2, m_fc2b));
        return ops::linear(ctx, x, m_fc3, m_fc3b);
    }

private:
    std::int64_t m_padding = 0;
    std::int64_t m_flat = 0;
    int m_conv1, m_conv1b, m_conv2, m_conv2b, m_fc1, m_fc1b, m_fc2, m_fc2b, m_fc3, m_fc3b;
};

/// Convolution (no bias) + batch norm, the building block of the CIFAR-size networks.
struct ConvBn {
    int weight = -1;
    int gamma = -1;
    int beta = -1;
    int stats = -1;
    std::int64_t stride = 1;
    std::int64_t padding = 1;
};

/// Shared helpers for the convolutional networks below.
class ConvNet : public Model {
protected:
    using Model::Model;
    ConvBn convBn(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                  std::int64_t padding) {
        ConvBn c;
        c.weight = addParameter({out, in, kernel, kernel}, Init::Uniform, in * kernel * kernel);
        c.gamma = addParameter({out}, Init::One);
        c.beta = addParameter({out}, Init::Zero);
        c.stats = addRunningStats(out);
        c.stride = stride;
        c.padding = padding;
        return c;
    }
    int bnOnly(std::int64_t channels, int* gamma, int* beta) {
        *gamma = addParameter({channels}, Init::One);
        *beta = addParameter({channels}, Init::Zero);
        return addRunningStats(channels);
    }
    static Value apply(Context& ctx, const ConvBn& c, const Value& x) {
        Value y = ops::conv2d(ctx, x, c.weight, -1, c.stride, c.padding);
        return ops::batchNorm(ctx, y, c.gamma, c.beta, c.stats, c.stats + 1);
    }
    std::pair<int, int> classifier(std::int64_t in, int classes) {
        return {addParameter({classes, in}, Init::Uniform, in),
                addParameter({classes}, Init::Uniform, in)};
    }
};

/// All-CNN-C (Springenberg et al.) with batch norm after every convolution.
class AllCnnC final : public ConvNet {
public:
    AllCnnC(const std::vector<std::int64_t>& shape, int classes) : ConvNet("allcnnc") {
        const std::int64_t c = shape[0];
        m_layers = {convBn(c, 96, 3, 1, 1),    convBn(96, 96, 3, 1, 1),   convBn(96, 96, 3, 2, 1),
                    convBn(96, 192, 3, 1, 1),  convBn(192, 192, 3, 1, 1), convBn(192, 192, 3, 2, 1),
                    convBn(192, 192, 3, 1, 1), convBn(192, 192, 1, 1, 0)};
        m_head = addParameter({classes, 192, 1, 1}, Init::Uniform, 192);
        m_headBias = addParameter({classes}, Init::Uniform, 192);
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = input;
        for (const auto& layer : m_layers) {
            x = ops::relu(ctx, apply(ctx, layer, x));
        }
        x = ops::conv2d(ctx, x, m_head, m_headBias, 1, 0);
        return ops::globalAvgPool(ctx, x);
    }

private:
    std::vector<ConvBn> m_layers;
    int m_head, m_headBias;
};

/// VGG-16 with batch norm (CIFAR variant); a max-pool is skipped where the map is already 1x1.
class Vgg16 final : public ConvNet {
public:
    Vgg16(const std::vector<std::int64_t>& shape, int classes) : ConvNet("vgg16") {
        const std::vector<std::int64_t> plan = {64,  64,  0,   128, 128, 0,   256, 256, 256,
                                                0,   512, 512, 512, 0,   512, 512, 512, 0};
        std::int64_t in = shape[0];
        std::int64_t size = std::min(shape[1], shape[2]);
        for (std::int64_t width : plan) {
            if (width == 0) {
                m_steps.push_back({size >= 2, {}});
                size = size >= 2 ? size / 2 : size;
            } else {
                m_steps.push_back({false, convBn(in, width, 3, 1, 1)});
                in = width;
            }
        }
        m_fc = classifier(512, classes);
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = input;
        for (const auto& [pool, conv] : m_steps) {
            if (conv.weight >= 0) {
                x = ops::relu(ctx, apply(ctx, conv, x));
            } else if (pool) {
                x = ops::maxPool2d(ctx, x, 2, 2);
            }
        }
        return ops::linear(ctx, ops::globalAvgPool(ctx, x), m_fc.first, m_fc.second);
    }

private:
    std::vector<std::pair<bool, ConvBn>> m_steps;
    std::pair<int, int> m_fc;
};

/// ResNet-18 (CIFAR variant: 3x3 stem, no stem pooling).
class ResNet18 final : public ConvNet {
public:
    ResNet18(const std::vector<std::int64_t>& shape, int classes) : ConvNet("resnet18") {
        m_stem = convBn(shape[0], 64, 3, 1, 1);
        std::int64_t in = 64;
        for (std::int64_t width : {64, 128, 256, 512}) {
            for (int block = 0; block < 2; ++block) {
                const std::int64_t stride = (block == 0 && width != 64) ? 2 : 1;
                Block b;
                b.a = convBn(in, width, 3, stride, 1);
                b.b = convBn(width, width, 3, 1, 1);
                b.hasShortcut = stride != 1 || in != width;
                if (b.hasShortcut) {
                    b.shortcut = convBn(in, width, 1, stride, 0);
                }
                m_blocks.push_back(b);
                in = width;
            }
        }
        m_fc = classifier(512, classes);
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = ops::relu(ctx, apply(ctx, m_stem, input));
        for (const auto& b : m_blocks) {
            Value y = ops::relu(ctx, apply(ctx, b.a, x));
            y = apply(ctx, b.b, y);
            const Value skip = b.hasShortcut ? apply(ctx, b.shortcut, x) : x;
            x = ops::relu(ctx, ops::add(ctx, y, skip));
        }
        return ops::linear(ctx, ops::globalAvgPool(ctx, x), m_fc.first, m_fc.second);
    }

private:
    struct Block {
        ConvBn a, b, shortcut;
        bool hasShortcut = false;
    };
    ConvBn m_stem;
    std::vector<Block> m_blocks;
    std::pair<int, int> m_fc;
};

/// Wide ResNet 16-8 (pre-activation blocks, no dropout).
class WideResNet final : public ConvNet {
public:
    WideResNet(const std::vector<std::int64_t>& shape, int classes, int depth, int widen)
        : ConvNet("wrn" + std::to_string(depth) + "_" + std::to_string(widen)) {
        const int n = (depth - 4) / 6;
        m_stem = addParameter({16, shape[0], 3, 3}, Init::Uniform, shape[0] * 9);
        std::int64_t in = 16;
        int group = 0;
        for (std::int64_t width : {16 * widen, 32 * widen, 64 * widen}) {
            for (int i = 0; i < n; ++i) {
                Block b;
                const std::int64_t stride = (i == 0 && group > 0) ? 2 : 1;
                b.stats1 = bnOnly(in, &b.gamma1, &b.beta1);
                b.conv1 = addParameter({width, in, 3, 3}, Init::Uniform, in * 9);
                b.stats2 = bnOnly(width, &b.gamma2, &b.beta2);
                b.conv2 = addParameter({width, width, 3, 3}, Init::Uniform, width * 9);
                b.stride = stride;
                if (stride != 1 || in != width) {
                    b.shortcut = addParameter({width, in, 1, 1}, Init::Uniform, in);
                }
                m_blocks.push_back(b);
                in = width;
            }
            ++group;
        }
        m_finalStats = bnOnly(in, &m_finalGamma, &m_finalBeta);
        m_fc = classifier(in, classes);
    }

protected:
    Value forwardImpl(const Value& input, Context& ctx) const override {
        Value x = ops::conv2d(ctx, input, m_stem, -1, 1, 1);
        for (const auto& b : m_blocks) {
            const Value pre = ops::relu(ctx, ops::batchNorm(ctx, x, b.gamma1, b.beta1, b.stats1,
                                                            b.stats1 + 1));
            Value y = ops::conv2d(ctx, pre, b.conv1, -1, b.stride, 1);
            y = ops::relu(ctx, ops::batchNorm(ctx, y, b.gamma2, b.beta2, b.stats2, b.stats2 + 1));
            y = ops::conv2d(ctx, y, b.conv2, -1, 1, 1);
            const Value skip = b.shortcut >= 0 ? ops::conv2d(ctx, pre, b.shortcut, -1, b.stride, 0)
                                               : x;
            x = ops::add(ctx, y, skip);
        }
        x = ops::relu(ctx, ops::batchNorm(ctx, x, m_finalGamma, m_finalBeta, m_finalStats,
                                          m_finalStats + 1));
        return ops::linear(ctx, ops::globalAvgPool(ctx, x), m_fc.first, m_fc.second);
    }

private:
    struct Block {
        int gamma1 = -1, beta1 = -1, stats1 = -1, conv1 = -1;
        int gamma2 = -1, beta2 = -1, stats2 = -1, conv2 = -1;
        int shortcut = -1;
        std::int64_t stride = 1;
    };
    int m_stem;
    std::vector<Block> m_blocks;
    int m_finalGamma = -1, m_finalBeta = -1, m_finalStats = -1;
    std::pair<int, int> m_fc;
};

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        out += (i ? "," : "") + std::to_string(shape[i]);
    }
    return out + "]";
}

}  // namespace

Result<std::unique_ptr<Model>> makeModel(const ModelConfig& config,
                                         const std::vector<std::int64_t>& inputShape, int classes,
                                         torch::Generator& generator) {
    if (classes < 2) {
        return Error{"model " + config.name + " needs at least 2 classes, the data has " +
                     std::to_string(classes)};
    }
    std::unique_ptr<Model> model;
    const bool image = inputShape.size() == 3;
    if (config.name == "logistic") {
        model = std::make_unique<Mlp>("logistic", product(inputShape), std::vector<std::int64_t>{},
                                      classes);
    } else if (config.name == "mlp") {
        model = std::make_unique<Mlp>("mlp", product(inputShape), config.hidden, classes);
    } else if (!image) {
        return Error{"model " + config.name + " needs image input (channels, height, width); the "
                     "dataset's examples have shape " + shapeText(inputShape) +
                     ": use model logistic or mlp"};
    } else if (config.name == "lenet5") {
        if (inputShape[1] < 5 || inputShape[2] < 5 || inputShape[1] > 64 || inputShape[2] > 64) {
            return Error{"model lenet5 takes images from 5x5 to 64x64, not " + shapeText(inputShape)};
        }
        model = std::make_unique<LeNet5>(inputShape, classes);
    } else if (config.name == "allcnnc") {
        model = std::make_unique<AllCnnC>(inputShape, classes);
    } else if (config.name == "vgg16") {
        model = std::make_unique<Vgg16>(inputShape, classes);
    } else if (config.name == "resnet18") {
        model = std::make_unique<ResNet18>(inputShape, classes);
    } else if (config.name == "wrn16_8") {
        model = std::make_unique<WideResNet>(inputShape, classes, 16, 8);
    } else {
        return Error{"unknown model '" + config.name + "'"};
    }
    model->reset(generator);
    return model;
}

}  // namespace lossstudio::core::models
