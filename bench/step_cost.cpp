// bench/step_cost: milliseconds per training step, cross-entropy vs AdaLFL, batch 128.
// Prints JSON. Usage: bench_step_cost [--threads N] [--steps N] [--warmup N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/types.h>

#include "losses/learned_loss.h"
#include "lossstudio/core/torch_info.h"
#include "methods/steps.h"
#include "models/model.h"
#include "train/optimizer.h"

using namespace lossstudio::core;

namespace {

struct Options {
    int threads = 2;
    int steps = 60;
    int warmup = 10;
    std::int64_t batch = 128;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Times `step` (called with the step index); returns the median over opts.steps after warm-up.
template <class F>
double timeSteps(const Options& opts, F&& step) {
    for (int i = 0; i < opts.warmup; ++i) {
        step(i);
    }
    std::vector<double> ms;
    for (int i = 0; i < opts.steps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        step(opts.warmup + i);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return median(ms);
}

struct Case {
    std::string name;
    std::string model;
    std::vector<std::int64_t> hidden;
    std::vector<std::int64_t> shape;
};

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) opts.threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--steps")) opts.steps = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--warmup")) opts.warmup = std::atoi(argv[i + 1]);
    }
    at::set_num_threads(opts.threads);
    torch::manual_seed(0);
    const std::vector<Case> cases = {
        {"mlp_784_1000_1000_10", "mlp", {1000, 1000}, {1, 28, 28}},
        {"lenet5", "lenet5", {}, {1, 28, 28}},
        {"mlp_784_256_10", "mlp", {256}, {1, 28, 28}},
    };
    // A pool of examples to draw batches from, as the trainer does.
    const std::int64_t poolSize = 4096;
    const int classes = 10;

    std::printf("{\n  \"benchmark\": \"step_cost\",\n  \"threads\": %d,\n  \"batch\": %lld,\n"
                "  \"steps_timed\": %d,\n  \"warmup\": %d,\n  \"blas\": \"%s\",\n  \"results\": [\n",
                opts.threads, static_cast<long long>(opts.batch), opts.steps, opts.warmup,
                blasDescription().c_str());
    for (std::size_t c = 0; c < cases.size(); ++c) {
        const Case& k = cases[c];
        std::vector<std::int64_t> poolShape = {poolSize};
        poolShape.insert(poolShape.end(), k.shape.begin(), k.shape.end());
        const torch::Tensor poolX = torch::randn(poolShape);
        const torch::Tensor poolY = torch::randint(classes, {poolSize}, torch::kLong);
        auto batchAt = [&](int i, int salt) {
            const std::int64_t start = ((i * 2 + salt) * opts.batch) % (poolSize - opts.batch);
            const torch::Tensor idx = torch::arange(start, start + opts.batch, torch::kLong);
            return methods::Batch{poolX.index_select(0, idx), poolY.index_select(0, idx)};
        };
        ModelConfig mc;
        mc.name = k.model;
        mc.hidden = k.hidden;
        OptimizerConfig oc;  // SGD lr 0.01 (the MNIST protocol)
        OptimizerConfig metaConfig;
        metaConfig.name = "adam";
        auto gen = torch::make_generator<at::CPUGeneratorImpl>(1);

        auto ceModel = std::move(models::makeModel(mc, k.shape, classes, gen)).value();
        auto ceOpt = train::Optimizer::create(oc);
        const double ce = timeSteps(opts, [&](int i) {
            methods::crossEntropyStep(*ceModel, *ceOpt, 0.01, batchAt(i, 0));
        });

        auto model = std::move(models::makeModel(mc, k.shape, classes, gen)).value();
        auto opt = train::Optimizer::create(oc);
        losses::LearnedLoss loss(LossNetConfig{}, "smooth_leaky_relu");
        loss.reset(gen);
        auto metaOpt = train::Optimizer::create(metaConfig);
        const double ada = timeSteps(opts, [&](int i) {
            methods::metaStep(*model, *opt, 0.01, loss, *metaOpt, 1e-3, batchAt(i, 0), batchAt(i, 1));
        });
        // The straightforward meta-gradient alone (create_graph + double-backward), for reference.
        const double naiveMeta = timeSteps(opts, [&](int i) {
            methods::referenceMetaGradient(*model, *opt, 0.01, loss, batchAt(i, 0), batchAt(i, 1));
        });
        std::printf("    {\"model\": \"%s\", \"parameters\": %lld, \"cross_entropy_ms\": %.3f, "
                    "\"adalfl_ms\": %.3f, \"ratio_adalfl_over_ce\": %.3f, "
                    "\"double_backward_meta_gradient_only_ms\": %.3f}%s\n",
                    k.name.c_str(), static_cast<long long>(model->parameterCount()), ce, ada,
                    ada / ce, naiveMeta, c + 1 < cases.size() ? "," : "");
        std::fflush(stdout);
    }
    std::printf("  ]\n}\n");
    return 0;
}
