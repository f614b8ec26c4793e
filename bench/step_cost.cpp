// bench/step_cost: milliseconds per training step, cross-entropy vs AdaLFL, batch 128, against
// the limit of the hardware: for the MLPs, the step's matrix products (counted from the layer
// shapes) timed as plain sgemm in this process; and the minor page faults per step (getrusage).
// Prints JSON. Usage: bench_step_cost [--threads N] [--steps N] [--warmup N] [--thread worker]
// (--thread worker: every step runs on a thread of its own, as in the studio's engine thread).
//        bench_step_cost --end-to-end PATH/lossstudio-cli [--threads N] [--e2e-steps N]
//                        [--repeats N] [--reference bench/reference/pytorch_reference.py]
// The second form times real CLI runs of the big MLP on Fashion-MNIST (cross-entropy, AdaLFL
// online steps only: no Phase A; no store, evaluations at steps 0 and N) and reports ms per step
// of the whole process and of the engine's own clock (which starts after start-up), each run and
// the median over --repeats. With --reference it runs the independent PyTorch implementation's
// end-to-end mode after each CLI run (interleaved) and reports its training loop's ms per step.
// LOSSSTUDIO_MALLOC=system in the environment measures with glibc's malloc defaults.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <ATen/Parallel.h>
#include <sys/resource.h>
#include <torch/types.h>

#include "losses/learned_loss.h"
#include "losses/taylor_loss.h"
#include "lossstudio/core/memory.h"
#include "lossstudio/core/torch_info.h"
#include "methods/steps.h"
#include "models/model.h"
#include "train/optimizer.h"

using namespace lossstudio::core;

namespace {

struct Options {
    std::string endToEnd;  ///< the CLI to run, for the end-to-end mode
    std::string reference;  ///< the Python reference script, run interleaved with the CLI
    int e2eSteps = 1000;
    int repeats = 1;
    bool worker = false;  ///< --thread worker: time the steps on a thread of their own
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

long minorFaults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

struct Timing {
    double ms = 0;             ///< median per step
    double faultsPerStep = 0;  ///< minor page faults per timed step
};

/// Times `step` (called with the step index): the median over opts.steps after warm-up, and the
/// minor page faults of the timed steps.
template <class F>
Timing timeSteps(const Options& opts, F&& step) {
    for (int i = 0; i < opts.warmup; ++i) {
        step(i);
    }
    std::vector<double> ms;
    const long faults = minorFaults();
    for (int i = 0; i < opts.steps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        step(opts.warmup + i);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return {median(ms), static_cast<double>(minorFaults() - faults) / opts.steps};
}

/// One matrix product of a step: [m x k] times [k x n].
struct Gemm {
    std::int64_t m, k, n;
    double flop() const { return 2.0 * m * k * n; }
};

/// The matrix products of an MLP step on a batch of `batch`, from its layer widths (input first,
/// classes last). Cross-entropy: each layer's forward product, its weight gradient and (except the
/// first layer, whose input needs none) its input gradient. AdaLFL's meta step (methods::metaStep)
/// adds the updated model's forward and backward on the meta batch and the Jacobian-vector
/// product through the base step's backward (weight and input gradients again); the learned loss
/// network's own products are negligible (a few thousand FLOP).
std::vector<Gemm> mlpGemms(const std::vector<std::int64_t>& widths, std::int64_t batch,
                           bool adalfl) {
    std::vector<Gemm> forward, backward;
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
        const std::int64_t in = widths[l], out = widths[l + 1];
        forward.push_back({batch, in, out});
        backward.push_back({out, batch, in});  // weight gradient
        if (l > 0) {
            backward.push_back({batch, out, in});  // input gradient
        }
    }
    std::vector<Gemm> all = forward;
    all.insert(all.end(), backward.begin(), backward.end());
    if (adalfl) {
        all.insert(all.end(), forward.begin(), forward.end());    // meta forward
        all.insert(all.end(), backward.begin(), backward.end());  // meta backward
        all.insert(all.end(), backward.begin(), backward.end());  // JVP through the base step
    }
    return all;
}

/// Median milliseconds of running `gemms` once each as float32 torch::mm (OpenBLAS sgemm).
double timeGemms(const std::vector<Gemm>& gemms, int reps) {
    std::vector<std::pair<torch::Tensor, torch::Tensor>> operands;
    std::vector<torch::Tensor> outputs;
    for (const Gemm& g : gemms) {
        operands.emplace_back(torch::randn({g.m, g.k}), torch::randn({g.k, g.n}));
        outputs.push_back(torch::empty({g.m, g.n}));
    }
    std::vector<double> ms;
    for (int r = 0; r < reps + 3; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < gemms.size(); ++i) {
            torch::mm_out(outputs[i], operands[i].first, operands[i].second);
        }
        const double t =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        if (r >= 3) {
            ms.push_back(t);
        }
    }
    return median(ms);
}

double totalFlop(const std::vector<Gemm>& gemms) {
    double f = 0;
    for (const Gemm& g : gemms) {
        f += g.flop();
    }
    return f;
}

struct Case {
    std::string name;
    std::string model;
    std::vector<std::int64_t> hidden;
    std::vector<std::int64_t> shape;
};

/// Runs `command`, returns its wall seconds and its output (stdout).
std::pair<double, std::string> runCommand(const std::string& command) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
            output += buffer;
        }
        if (pclose(pipe) != 0) {
            output += "\n(exit status non-zero)";
        }
    }
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), output};
}

/// The engine's own "time:" line of a CLI summary, in seconds (-1 when absent).
double reportedSeconds(const std::string& output) {
    const auto at = output.find("time:");
    return at == std::string::npos ? -1.0 : std::atof(output.c_str() + at + 5);
}

/// The number after `"key": ` in JSON text (-1 when absent).
double jsonNumber(const std::string& text, const std::string& key) {
    const auto at = text.find("\"" + key + "\": ");
    return at == std::string::npos ? -1.0 : std::atof(text.c_str() + at + key.size() + 4);
}

std::string fixed(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

/// One method's end-to-end times, one entry per repeat (ms per step).
struct EndToEnd {
    std::vector<double> engineMs, processMs, referenceMs;
    bool finished = true;
};

std::string list(const std::vector<double>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        out += (i ? ", " : "") + fixed(v[i]);
    }
    return out + "]";
}

int endToEnd(const Options& opts) {
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf(
        "{\n  \"benchmark\": \"step_cost_end_to_end\",\n  \"cli\": \"%s\",\n"
        "  \"reference\": \"%s\",\n  \"threads\": %d,\n  \"steps\": %d,\n"
        "  \"repeats\": %d,\n  \"load_average_start\": [%.2f, %.2f, %.2f],\n",
        opts.endToEnd.c_str(), opts.reference.c_str(), opts.threads, opts.e2eSteps, opts.repeats,
        load[0], load[1], load[2]);
    const char* methods[] = {"cross_entropy", "adalfl"};
    EndToEnd results[2];
    const double steps = opts.e2eSteps;
    // Interleaved (CE, reference CE, AdaLFL, reference AdaLFL, then again): a slow spell of the
    // shared machine hits both implementations alike.
    for (int r = 0; r < opts.repeats; ++r) {
        for (int m = 0; m < 2; ++m) {
            const std::string command =
                "'" + opts.endToEnd + "' run - --no-store --quiet --set data.name=fashion-mnist" +
                " --set model.name=mlp --set model.hidden=1000,1000 --set meta.init_steps=0" +
                " --set method=" + methods[m] + " --set steps=" + std::to_string(opts.e2eSteps) +
                " --set eval_interval=" + std::to_string(opts.e2eSteps) +
                " --set threads=" + std::to_string(opts.threads) + " 2>/dev/null";
            const auto [seconds, output] = runCommand(command);
            results[m].finished &= output.find("status:   finished") != std::string::npos;
            results[m].processMs.push_back(1e3 * seconds / steps);
            results[m].engineMs.push_back(1e3 * reportedSeconds(output) / steps);
            if (!opts.reference.empty()) {
                const auto [refSeconds, refOutput] =
                    runCommand("/usr/bin/python3 '" + opts.reference + "' e2e --method " +
                               methods[m] + " --threads " + std::to_string(opts.threads) +
                               " --e2e-steps " + std::to_string(opts.e2eSteps) + " 2>/dev/null");
                results[m].referenceMs.push_back(jsonNumber(refOutput, "ms_per_step"));
            }
        }
    }
    getloadavg(load, 3);
    std::printf("  \"load_average_end\": [%.2f, %.2f, %.2f],\n  \"results\": [\n", load[0], load[1],
                load[2]);
    for (int m = 0; m < 2; ++m) {
        const EndToEnd& e = results[m];
        std::printf(
            "    {\"method\": \"%s\", \"finished\": %s, \"engine_ms_per_step\": %s, "
            "\"process_ms_per_step\": %s, \"median_engine_ms_per_step\": %.2f, "
            "\"median_process_ms_per_step\": %.2f",
            methods[m], e.finished ? "true" : "false", list(e.engineMs).c_str(),
            list(e.processMs).c_str(), median(e.engineMs), median(e.processMs));
        if (!e.referenceMs.empty()) {
            std::printf(
                ", \"reference_ms_per_step\": %s, \"median_reference_ms_per_step\": %.2f, "
                "\"reference_over_engine\": %.3f",
                list(e.referenceMs).c_str(), median(e.referenceMs),
                median(e.referenceMs) / median(e.engineMs));
        }
        std::printf("}%s\n", m == 0 ? "," : "");
    }
    std::printf("  ]\n}\n");
    return results[0].finished && results[1].finished ? 0 : 1;
}

}  // namespace

int stepCosts(const Options& opts) {
    const std::string allocator = configureAllocator();
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

    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf(
        "{\n  \"benchmark\": \"step_cost\",\n  \"threads\": %d,\n  \"batch\": %lld,\n"
        "  \"steps_timed\": %d,\n  \"warmup\": %d,\n  \"blas\": \"%s\",\n"
        "  \"allocator\": \"%s\",\n  \"thread\": \"%s\",\n"
        "  \"load_average\": [%.2f, %.2f, %.2f],\n  \"results\": [\n",
        opts.threads, static_cast<long long>(opts.batch), opts.steps, opts.warmup,
        blasDescription().c_str(), allocator.c_str(), opts.worker ? "worker" : "main", load[0],
        load[1], load[2]);
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
        const Timing ce = timeSteps(
            opts, [&](int i) { methods::crossEntropyStep(*ceModel, *ceOpt, 0.01, batchAt(i, 0)); });

        auto model = std::move(models::makeModel(mc, k.shape, classes, gen)).value();
        auto opt = train::Optimizer::create(oc);
        losses::LearnedLoss loss(LossNetConfig{}, "smooth_leaky_relu");
        loss.reset(gen);
        auto metaOpt = train::Optimizer::create(metaConfig);
        const Timing ada = timeSteps(opts, [&](int i) {
            methods::metaStep(*model, *opt, 0.01, loss, *metaOpt, 1e-3, batchAt(i, 0), batchAt(i, 1));
        });
        // ML3's and AdaLFL's offline phase: a fresh model for every meta step (Engine::step).
        auto offlineModel = std::move(models::makeModel(mc, k.shape, classes, gen)).value();
        auto offlineOpt = train::Optimizer::create(oc);
        const Timing offline = timeSteps(opts, [&](int i) {
            offlineModel->reset(gen);
            offlineOpt->resetState();
            methods::metaStep(*offlineModel, *offlineOpt, 0.01, loss, *metaOpt, 1e-3, batchAt(i, 0),
                              batchAt(i, 1));
        });
        // A step of TaylorGLO's partial runs and final training: a fixed Taylor loss.
        const losses::TaylorLoss taylor({0, 0, -1, 0.5, 0, 1, 0, 0});
        auto taylorModel = std::move(models::makeModel(mc, k.shape, classes, gen)).value();
        auto taylorOpt = train::Optimizer::create(oc);
        const Timing taylorStep = timeSteps(opts, [&](int i) {
            methods::learnedLossStep(*taylorModel, *taylorOpt, 0.01, taylor, batchAt(i, 0));
        });
        // The straightforward meta-gradient alone (create_graph + double-backward), for reference.
        const Timing naiveMeta = timeSteps(opts, [&](int i) {
            methods::referenceMetaGradient(*model, *opt, 0.01, loss, batchAt(i, 0), batchAt(i, 1));
        });
        std::string roofline = "null";
        if (k.model == "mlp") {
            std::vector<std::int64_t> widths = {784};
            widths.insert(widths.end(), k.hidden.begin(), k.hidden.end());
            widths.push_back(classes);
            const auto ceGemms = mlpGemms(widths, opts.batch, false);
            const auto adaGemms = mlpGemms(widths, opts.batch, true);
            const double ceLimit = timeGemms(ceGemms, opts.steps);
            const double adaLimit = timeGemms(adaGemms, opts.steps);
            char buffer[512];
            std::snprintf(buffer, sizeof buffer,
                          "{\"cross_entropy_gflop\": %.3f, \"adalfl_gflop\": %.3f, "
                          "\"cross_entropy_sgemm_ms\": %.3f, \"adalfl_sgemm_ms\": %.3f, "
                          "\"sgemm_gflops\": %.1f, \"cross_entropy_fraction_of_limit\": %.3f, "
                          "\"adalfl_fraction_of_limit\": %.3f}",
                          totalFlop(ceGemms) * 1e-9, totalFlop(adaGemms) * 1e-9, ceLimit, adaLimit,
                          totalFlop(adaGemms) * 1e-6 / adaLimit, ceLimit / ce.ms,
                          adaLimit / ada.ms);
            roofline = buffer;
        }
        std::printf(
            "    {\"model\": \"%s\", \"parameters\": %lld, \"cross_entropy_ms\": %.3f, "
            "\"adalfl_ms\": %.3f, \"ratio_adalfl_over_ce\": %.3f, "
            "\"double_backward_meta_gradient_only_ms\": %.3f, "
            "\"cross_entropy_minor_faults_per_step\": %.1f, "
            "\"adalfl_minor_faults_per_step\": %.1f, "
            "\"offline_meta_step_ms\": %.3f, \"offline_minor_faults_per_step\": %.1f, "
            "\"taylor_loss_step_ms\": %.3f, \"taylor_minor_faults_per_step\": %.1f, "
            "\"roofline\": %s}%s\n",
            k.name.c_str(), static_cast<long long>(model->parameterCount()), ce.ms, ada.ms,
            ada.ms / ce.ms, naiveMeta.ms, ce.faultsPerStep, ada.faultsPerStep, offline.ms,
            offline.faultsPerStep, taylorStep.ms, taylorStep.faultsPerStep, roofline.c_str(),
            c + 1 < cases.size() ? "," : "");
        std::fflush(stdout);
    }
    std::printf("  ]\n}\n");
    return 0;
}

int main(int argc, char** argv) {
    Options opts;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads"))
            opts.threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--steps"))
            opts.steps = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--warmup"))
            opts.warmup = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--reference"))
            opts.reference = argv[i + 1];
        if (!std::strcmp(argv[i], "--repeats"))
            opts.repeats = std::max(1, std::atoi(argv[i + 1]));
        if (!std::strcmp(argv[i], "--thread"))
            opts.worker = !std::strcmp(argv[i + 1], "worker");
        if (!std::strcmp(argv[i], "--end-to-end"))
            opts.endToEnd = argv[i + 1];
        if (!std::strcmp(argv[i], "--e2e-steps"))
            opts.e2eSteps = std::atoi(argv[i + 1]);
    }
    if (!opts.endToEnd.empty()) {
        return endToEnd(opts);
    }
    if (!opts.worker) {
        return stepCosts(opts);
    }
    // The studio trains on a thread of its own (its engine thread): measured the same way, the
    // main thread only waits, as the studio's GUI thread does no tensor work.
    int rc = 0;
    std::thread worker([&] { rc = stepCosts(opts); });
    worker.join();
    return rc;
}
