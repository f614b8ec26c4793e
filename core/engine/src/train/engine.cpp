#include "train/engine.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "config/legacy_config.h"
#include "lossstudio/core/phases.h"
#include "lossstudio/core/torch_info.h"
#include "lossstudio/core/version.h"
#include "train/loss_shape.h"
#include "train/testing_hooks.h"

namespace lossstudio::core::train {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kCheckpointFormat = 1;
/// Steps between in-memory copies of the last good state (what a divergence restores).
constexpr std::int64_t kGoodStateInterval = 20;

/// The phases whose steps update the loss network (ML3's final training keeps it
/// frozen): there its snapshots are taken and a collapse can be undone by a restore.
bool lossLearnsIn(Phase phase) {
    return phase == Phase::OfflineInit || phase == Phase::Online;
}

}  // namespace

std::vector<torch::Tensor> cloneAll(const std::vector<torch::Tensor>& tensors) {
    std::vector<torch::Tensor> out;
    out.reserve(tensors.size());
    for (const auto& t : tensors) {
        out.push_back(t.detach().clone());
    }
    return out;
}

NamedTensors cloneNamed(const NamedTensors& tensors) {
    NamedTensors out;
    for (const auto& [name, t] : tensors) {
        out.emplace_back(name, t.detach().clone());
    }
    return out;
}

void copyInto(std::vector<torch::Tensor>& dst, const std::vector<torch::Tensor>& src) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < dst.size(); ++i) {
        dst[i].copy_(src[i]);
    }
}

std::vector<float> toFloats(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void Engine::setup() {
    const int threads = m_config.threads > 0 ? m_config.threads : hardwareThreads();
    at::set_num_threads(threads);
    if (m_config.device == "cuda") {
        if (!torch::cuda::is_available()) {
            throw RunError{
                RunStatus::Failed,
                "device 'cuda' was requested but LibTorch reports no CUDA device on this "
                "machine; set device to \"cpu\""};
        }
        m_device = torch::Device(torch::kCUDA);
    }
    auto loaded = data::loadDataset(m_config.data, m_config.seed);
    if (!loaded.ok()) {
        throw RunError{RunStatus::Failed, loaded.error()};
    }
    m_data = std::move(loaded).value();
    if (m_data.train.size() < 1) {
        throw RunError{RunStatus::Failed, "the training split is empty: " + m_data.description};
    }
    const bool metaOnValidation = m_config.meta.batches == "validation";
    if (((metaLearns() && metaOnValidation) || searches()) && m_data.validation.size() < 1) {
        throw RunError{
            RunStatus::Failed,
            "method " + m_config.method +
                " needs validation examples for its meta "
                "batches but the validation split is empty: raise data.validation_fraction"};
    }
    m_generator = torch::make_generator<at::CPUGeneratorImpl>(m_config.seed);
    m_trainSampler = std::make_unique<data::BatchSampler>(m_data.train.size(), m_config.seed);
    m_metaSampler = std::make_unique<data::BatchSampler>(
        metaOnValidation ? m_data.validation.size() : m_data.train.size(),
        m_config.seed ^ 0x9e3779b97f4a7c15ull);

    auto model = models::makeModel(m_config.model, m_data.inputShape, m_data.classes, m_generator);
    if (!model.ok()) {
        throw RunError{RunStatus::Failed, model.error()};
    }
    m_model = std::move(model).value();
    m_model->to(m_device);
    m_optimizer = Optimizer::create(m_config.optimizer);
    if (searches()) {
        m_search = std::make_unique<methods::CmaEs>(
            std::vector<double>(losses::TaylorLoss::kParameters, 0.0), m_config.taylorglo.sigma,
            m_config.taylorglo.population, m_config.seed ^ 0x5851f42d4c957f2dull);
    }
    if (metaLearns()) {
        LossNetConfig net = m_config.loss;
        net.output = resolvedLossOutput(m_config);
        m_loss = std::make_unique<losses::LearnedLoss>(net, resolvedLossActivation(m_config));
        m_loss->reset(m_generator);
        m_loss->to(m_device, torch::kFloat);
        OptimizerConfig meta;
        meta.name = "adam";
        meta.lr = m_config.meta.lr;
        m_metaOptimizer = Optimizer::create(meta);
        m_metaLr = m_config.meta.lr;
    }
}

methods::Batch Engine::batch(data::BatchSampler& sampler, const data::TensorDataset& set) {
    const torch::Tensor idx = sampler.next(m_config.batchSize);
    return {set.inputs.index_select(0, idx).to(m_device),
            set.labels.index_select(0, idx).to(m_device)};
}

double Engine::wallTime() const {
    return m_wallOffset + std::chrono::duration<double>(Clock::now() - m_started).count() -
           m_pausedSeconds;
}

const losses::ClasswiseLoss* Engine::trainingLoss() const {
    if (m_loss) {
        return m_loss.get();
    }
    return m_taylor.get();
}

double Engine::progress(Phase phase, std::int64_t step) const {
    return runProgress(m_config, phase, step);
}

void Engine::rememberGoodState() {
    m_good.step = m_step;
    m_good.params = cloneAll(m_model->parameters());
    m_good.buffers = cloneAll(m_model->buffers());
    m_good.optimizer = cloneNamed(m_optimizer->state());
    if (m_loss) {
        m_good.phi = cloneAll(m_loss->parameters());
        m_good.metaOptimizer = cloneNamed(m_metaOptimizer->state());
    }
}

void Engine::recover(Phase phase, std::int64_t step, const std::string& what) {
    ++m_failures;
    copyInto(m_model->parameters(), m_good.params);
    copyInto(m_model->buffers(), m_good.buffers);
    m_optimizer->setState(m_good.optimizer);
    std::string action = "restored the model from step " + std::to_string(m_good.step);
    if (m_loss) {
        copyInto(m_loss->parameters(), m_good.phi);
        m_metaOptimizer->setState(m_good.metaOptimizer);
        m_metaLr *= 0.5;
        std::ostringstream lr;
        lr << m_metaLr;
        action += " with its loss network, meta learning rate halved to " + lr.str();
    }
    Warning w{phase, step, "divergence",
              "non-finite " + what + " at step " + std::to_string(step) + " (" + phaseName(phase) +
                  "): " + action + " (" + std::to_string(m_failures) + " of " +
                  std::to_string(m_config.meta.maxFailures) + " consecutive failures allowed)"};
    m_log->warn("{}", w.message);
    m_observer.onWarning(w);
    if (m_failures >= m_config.meta.maxFailures) {
        throw RunError{RunStatus::Diverged,
                       std::to_string(m_failures) +
                           " consecutive non-finite steps, "
                           "the last with " +
                           what + " at step " + std::to_string(step) + " (" + phaseName(phase) +
                           "); lower optimizer.lr" +
                           (m_loss ? std::string(" or meta.lr") : std::string()) + " and retry"};
    }
}

methods::StepResult Engine::step(Phase phase, std::int64_t stepIndex) {
    const bool metaOnValidation = m_config.meta.batches == "validation";
    const auto& metaSet = metaOnValidation ? m_data.validation : m_data.train;
    switch (phase) {
        case Phase::OfflineInit: {
            // ML3-style: a fresh base model (and optimiser state) for every meta step.
            m_model->reset(m_generator);
            m_optimizer->resetState();
            const auto train = batch(*m_trainSampler, m_data.train);
            const auto meta = batch(*m_metaSampler, metaSet);
            return methods::metaStep(*m_model, *m_optimizer, m_config.optimizer.lr, *m_loss,
                                     *m_metaOptimizer, m_metaLr, train, meta,
                                     m_config.loss.ceWeight);
        }
        case Phase::Online: {
            const auto train = batch(*m_trainSampler, m_data.train);
            const auto meta = batch(*m_metaSampler, metaSet);
            return methods::metaStep(
                *m_model, *m_optimizer, scheduledLearningRate(m_config.optimizer, stepIndex),
                *m_loss, *m_metaOptimizer, m_metaLr, train, meta, m_config.loss.ceWeight);
        }
        case Phase::Training: {
            const auto train = batch(*m_trainSampler, m_data.train);
            const double lr = scheduledLearningRate(m_config.optimizer, stepIndex);
            const losses::ClasswiseLoss* loss = trainingLoss();
            // The anchor belongs to the meta-learned loss (ML3's final training); TaylorGLO's
            // loss is trained as it was searched.
            return loss ? methods::learnedLossStep(*m_model, *m_optimizer, lr, *loss, train,
                                                   m_loss ? m_config.loss.ceWeight : 0.0)
                        : methods::crossEntropyStep(*m_model, *m_optimizer, lr, train);
        }
        case Phase::Setup:
        case Phase::Search:
            break;  // search.cpp judges candidates itself
    }
    return {};
}

void Engine::afterStep(Phase phase, std::int64_t stepIndex, const methods::StepResult& r) {
    StepMetrics m;
    m.phase = phase;
    m.step = stepIndex;
    m.wallTime = wallTime();
    m.progress = progress(phase, stepIndex);
    m.trainLoss = r.trainLoss;
    m.taskLoss = r.taskLoss;
    m.trainAccuracy = r.trainAccuracy;
    m.lr = phase == Phase::OfflineInit ? m_config.optimizer.lr
                                       : scheduledLearningRate(m_config.optimizer, stepIndex);
    m.gradNorm = r.gradNorm;
    m.metaLoss = r.metaLoss;
    m.metaGradNorm = r.metaGradNorm;
    m.lossGradRatio = r.lossGradRatio;
    m_observer.onStepMetrics(m);
}

void Engine::rememberHealthyLoss(std::int64_t stepIndex) {
    m_collapse.healthyStep = stepIndex;
    m_collapse.healthyPhase = m_phase;  // the phase being run
    m_collapse.healthyPhi = cloneAll(m_loss->parameters());
    m_collapse.healthyMetaOptimizer = cloneNamed(m_metaOptimizer->state());
    m_collapse.restores = 0;
}

void Engine::watchForCollapse(Phase phase, std::int64_t stepIndex, const methods::StepResult& r) {
    if (!m_loss || !r.lossGradRatio) {
        return;
    }
    auto& c = m_collapse;
    if (!c.detector.observe(stepIndex, *r.lossGradRatio)) {
        return;
    }
    const auto& settings = c.detector.settings();
    std::ostringstream msg;
    msg << "learned loss collapsed at step " << c.detector.collapseStart() << " ("
        << phaseName(phase) << "): its gradient was below " << settings.threshold
        << " of cross-entropy's in " << c.detector.belowInWindow() << " of the last "
        << settings.window << " steps while validation accuracy did not improve";
    // ML3 trains its final model with the loss frozen: a restore would swap the loss it was
    // meant to be judged by for an offline snapshot, so there it only warns.
    if (m_config.collapse.recovery == "restore" && !lossLearnsIn(phase)) {
        msg << "; the loss is frozen in this phase, so nothing is restored";
    } else if (m_config.collapse.recovery == "restore" && c.healthyStep >= 0 &&
               c.restores >= m_config.collapse.maxRestores) {
        // Restoring the same loss again would only halve the meta learning rate once more: the
        // loss learns on as it is (one warning for this episode; a recovery on its own gives a
        // new healthy snapshot, and restores resume from that).
        msg << "; not restored: the loss network of " << phaseName(c.healthyPhase) << " step "
            << c.healthyStep << " was restored " << c.restores
            << " times in a row and collapsed again (collapse.max_restores), so the loss learns "
               "on as it is, meta learning rate "
            << m_metaLr;
    } else if (m_config.collapse.recovery == "restore" && c.healthyStep >= 0) {
        ++c.restores;
        copyInto(m_loss->parameters(), c.healthyPhi);
        m_metaOptimizer->setState(c.healthyMetaOptimizer);
        m_metaLr *= 0.5;
        msg << "; restored the loss network of " << phaseName(c.healthyPhase) << " step "
            << c.healthyStep << ", meta learning rate halved to " << m_metaLr;
        c.detector.restart();
    } else if (m_config.collapse.recovery == "restore") {
        msg << "; no healthy snapshot to restore yet";
    }
    Warning w{phase, stepIndex, "collapse", msg.str()};
    m_log->warn("{}", w.message);
    m_observer.onWarning(w);
}

void Engine::applyInjectedFault(Phase phase, std::int64_t stepIndex) {
    const auto fault = testing::faultBefore(phase, stepIndex);
    if (fault == testing::Fault::None) {
        return;
    }
    torch::NoGradGuard noGrad;
    if (fault == testing::Fault::NonFinite) {
        (m_loss ? m_loss->parameters() : m_model->parameters()).front().view(-1)[0] = std::nan("");
        return;
    }
    if (m_loss) {
        auto& weights = m_loss->parameters();
        for (std::size_t i = 0; i + 1 < weights.size(); ++i) {
            weights[i].abs_();
        }
        // Bounded: injected every step of a long span, -10x would overflow within ~40 steps.
        weights.back().abs_().mul_(-10.0).clamp_min_(-1e4);
    }
}

void Engine::evaluate(Phase phase, std::int64_t stepIndex) {
    const auto val = methods::evaluate(*m_model, m_data.validation.inputs, m_data.validation.labels,
                                       m_config.evalBatchSize, m_device);
    const auto test = methods::evaluate(*m_model, m_data.test.inputs, m_data.test.labels,
                                        m_config.evalBatchSize, m_device);
    if (m_data.validation.size() > 0) {
        m_lastValidation = val.accuracy;
        m_collapse.detector.noteValidation(stepIndex, val.accuracy);
        m_observer.onEvalMetrics({phase, stepIndex, "validation", val.loss, val.accuracy});
    }
    if (m_data.test.size() > 0) {
        m_lastTest = test.accuracy;
        m_observer.onEvalMetrics({phase, stepIndex, "test", test.loss, test.accuracy});
    }
    m_log->debug("step {} ({}): validation accuracy {:.4f}, test accuracy {:.4f}", stepIndex,
                 phaseName(phase), val.accuracy, test.accuracy);
}

LossSnapshot Engine::snapshot(Phase phase, std::int64_t stepIndex) {
    if (m_loss) {
        return snapshotOf(phase, stepIndex, m_loss.get(), m_loss->flatParameters());
    }
    if (m_taylor) {
        const auto& t = m_taylor->parameters();
        return snapshotOf(phase, stepIndex, m_taylor.get(),
                          std::vector<float>(t.begin(), t.end()));
    }
    return snapshotOf(phase, stepIndex, nullptr, {});
}

void Engine::checkFrozenLoss(Phase phase, const LossSnapshot& loss) {
    if (auto message = flatLossWarning(loss, testing::flatLossThreshold())) {
        Warning w{phase, loss.step, "flat-loss", std::move(*message)};
        m_log->warn("{}", w.message);
        m_observer.onWarning(w);
    }
}

LossSnapshot Engine::snapshotOf(Phase phase, std::int64_t stepIndex,
                                const losses::ClasswiseLoss* loss, std::vector<float> parameters) {
    torch::NoGradGuard noGrad;
    LossSnapshot s;
    s.phase = phase;
    s.step = stepIndex;
    const torch::Tensor p =
        torch::linspace(0.0, 1.0, m_config.snapshotPoints, torch::TensorOptions().device(m_device));
    s.p = toFloats(p);
    s.classes = m_data.classes;
    s.parameters = std::move(parameters);
    if (loss != nullptr) {
        const auto one = loss->evaluate(torch::ones_like(p), p);
        const auto zero = loss->evaluate(torch::zeros_like(p), p);
        s.lossY1 = toFloats(one.loss);
        s.slopeY1 = toFloats(one.slope);
        s.lossY0 = toFloats(zero.loss);
        s.slopeY0 = toFloats(zero.slope);
        const auto effective = loss->effective(p, m_data.classes);
        s.effective = toFloats(effective.loss);
        s.effectiveSlope = toFloats(effective.slope);
    } else {
        // Cross-entropy, class-wise: l(1, p) = -log p, l(0, p) = 0 (p clamped away from 0),
        // summed over classes, so the effective loss is -log p itself.
        const torch::Tensor clamped = p.clamp_min(1e-7);
        s.lossY1 = toFloats(-clamped.log());
        s.slopeY1 = toFloats(-1.0 / clamped);
        s.lossY0 = std::vector<float>(s.p.size(), 0.0f);
        s.slopeY0 = s.lossY0;
        s.effective = s.lossY1;
        s.effectiveSlope = s.slopeY1;
    }
    m_observer.onLossSnapshot(s);
    return s;
}

void Engine::saveCheckpoint(Phase phase, std::int64_t stepIndex) {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(kCheckpointFormat));
    archive.write("config_hash", c10::IValue(configHash(m_config)));
    archive.write("phase", c10::IValue(static_cast<std::int64_t>(phase)));
    archive.write("step", c10::IValue(stepIndex));
    archive.write("meta_lr", c10::IValue(m_metaLr));
    archive.write("failures", c10::IValue(static_cast<std::int64_t>(m_failures)));
    archive.write("wall_time", c10::IValue(wallTime()));
    archive.write("generator", m_generator.get_state());
    auto writeSampler = [&](const std::string& name, const data::BatchSampler& sampler) {
        const auto state = sampler.state();
        archive.write(name + ".epoch", c10::IValue(state.epoch));
        archive.write(name + ".position", c10::IValue(state.position));
    };
    writeSampler("sampler.train", *m_trainSampler);
    writeSampler("sampler.meta", *m_metaSampler);
    auto writeList = [&](const std::string& name, const std::vector<torch::Tensor>& tensors) {
        archive.write(name + ".count", c10::IValue(static_cast<std::int64_t>(tensors.size())));
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            archive.write(name + "." + std::to_string(i), tensors[i].detach().cpu(),
                          /*is_buffer=*/true);
        }
    };
    auto writeNamed = [&](const std::string& name, const NamedTensors& tensors) {
        std::string names;
        for (const auto& [key, t] : tensors) {
            names += (names.empty() ? "" : ",") + key;
            archive.write(name + "." + key, t.detach().cpu(), /*is_buffer=*/true);
        }
        archive.write(name + ".names", c10::IValue(names));
    };
    writeList("model.params", m_model->parameters());
    writeList("model.buffers", m_model->buffers());
    writeNamed("optimizer", m_optimizer->state());
    // The last good state a divergence goes back to, unless it is the state above (a periodic
    // checkpoint at a multiple of kGoodStateInterval): a run resumed from a stop at any step
    // then restores what the uninterrupted run would have.
    archive.write("good.step", c10::IValue(m_good.step));
    if (m_good.step >= 0 && m_good.step != stepIndex) {
        writeList("good.params", m_good.params);
        writeList("good.buffers", m_good.buffers);
        writeNamed("good.optimizer", m_good.optimizer);
        if (m_loss) {
            writeList("good.phi", m_good.phi);
            writeNamed("good.meta_optimizer", m_good.metaOptimizer);
        }
    }
    if (m_loss) {
        writeList("loss.params", m_loss->parameters());
        writeNamed("meta_optimizer", m_metaOptimizer->state());
        const auto& c = m_collapse;
        const auto watch = c.detector.state();
        archive.write("collapse.first_step", c10::IValue(watch.firstStep));
        archive.write("collapse.last_step", c10::IValue(watch.lastStep));
        archive.write("collapse.last_pulled", c10::IValue(watch.lastPulled));
        archive.write("collapse.below_steps", torch::tensor(watch.belowSteps, torch::kInt64),
                      /*is_buffer=*/true);
        archive.write("collapse.warned", c10::IValue(watch.warned));
        archive.write("collapse.episode_start", c10::IValue(watch.episodeStart));
        archive.write("collapse.best_validation", c10::IValue(watch.bestValidation));
        archive.write("collapse.last_improvement", c10::IValue(watch.lastImprovement));
        archive.write("collapse.healthy_step", c10::IValue(c.healthyStep));
        archive.write("collapse.healthy_phase",
                      c10::IValue(static_cast<std::int64_t>(c.healthyPhase)));
        archive.write("collapse.restores", c10::IValue(c.restores));
        if (c.healthyStep >= 0) {
            writeList("collapse.healthy_phi", c.healthyPhi);
            writeNamed("collapse.healthy_meta_optimizer", c.healthyMetaOptimizer);
        }
    }
    if (searches()) {
        for (const auto& [key, t] : searchState()) {
            archive.write("search." + key, t, /*is_buffer=*/true);
        }
    }
    std::ostringstream out;
    archive.save_to(out);
    CheckpointSaved event{phase, stepIndex, std::make_shared<const std::string>(out.str())};
    m_log->debug("checkpoint at step {} ({}): {} bytes", stepIndex, phaseName(phase),
                 event.data->size());
    m_observer.onCheckpoint(event);
}

void Engine::loadCheckpoint(const std::string& bytes) {
    torch::serialize::InputArchive archive;
    try {
        std::istringstream in(bytes);
        archive.load_from(in);
    } catch (const c10::Error& e) {
        throw RunError{RunStatus::Failed, std::string("the checkpoint cannot be read (") +
                                              e.what_without_backtrace() +
                                              "); start the run afresh"};
    }
    c10::IValue value;
    auto readInt = [&](const std::string& key) {
        archive.read(key, value);
        return value.toInt();
    };
    if (readInt("format") != kCheckpointFormat) {
        throw RunError{RunStatus::Failed,
                       "the checkpoint was written by another version of "
                       "LossStudio's engine; start the run afresh"};
    }
    archive.read("config_hash", value);
    const std::string storedHash = value.toStringRef();
    if (storedHash != configHash(m_config)) {
        // Written before settings this version added (legacy_config.h)? Then the run goes on as
        // it was started, with those settings at their legacy values.
        const RunConfig legacy = withLegacyValues(m_config);
        if (storedHash != configHash(legacy)) {
            throw RunError{RunStatus::Failed,
                           "the checkpoint belongs to a run with a different config (hash " +
                               storedHash + ", this config " + configHash(m_config) +
                               "); resume with the run's own config"};
        }
        m_log->info(
            "the checkpoint predates settings this run's config holds ({}): the run resumes as it "
            "was started, without them",
            lateSettingsChanged(m_config));
        m_config = legacy;
    }
    m_phase = static_cast<Phase>(readInt("phase"));
    m_step = readInt("step");
    archive.read("meta_lr", value);
    m_metaLr = value.toDouble();
    m_failures = static_cast<int>(readInt("failures"));
    archive.read("wall_time", value);
    m_wallOffset = value.toDouble();
    torch::Tensor generatorState;
    archive.read("generator", generatorState);
    m_generator.set_state(generatorState);
    auto readSampler = [&](const std::string& name, data::BatchSampler& sampler) {
        data::BatchSampler::State state;
        state.epoch = readInt(name + ".epoch");
        state.position = readInt(name + ".position");
        sampler.setState(state);
    };
    readSampler("sampler.train", *m_trainSampler);
    readSampler("sampler.meta", *m_metaSampler);
    auto readList = [&](const std::string& name, std::vector<torch::Tensor>& tensors) {
        const auto count = readInt(name + ".count");
        if (count != static_cast<std::int64_t>(tensors.size())) {
            throw RunError{RunStatus::Failed,
                           "the checkpoint's " + name + " do not match the model"};
        }
        torch::NoGradGuard noGrad;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            torch::Tensor t;
            archive.read(name + "." + std::to_string(i), t, /*is_buffer=*/true);
            tensors[i].copy_(t);
        }
    };
    auto readNamed = [&](const std::string& name) {
        archive.read(name + ".names", value);
        NamedTensors out;
        std::stringstream names(value.toStringRef());
        std::string key;
        while (std::getline(names, key, ',')) {
            torch::Tensor t;
            archive.read(name + "." + key, t, /*is_buffer=*/true);
            out.emplace_back(key, t.to(m_device));
        }
        return out;
    };
    readList("model.params", m_model->parameters());
    readList("model.buffers", m_model->buffers());
    m_optimizer->setState(readNamed("optimizer"));
    // Without a kept good state (it was the checkpoint's own, or the checkpoint predates
    // good.*), the resumed phase takes its own at the checkpoint's step, as it always did.
    m_good.step = -1;
    if (archive.try_read("good.step", value) && value.toInt() >= 0 && value.toInt() != m_step) {
        m_good.step = value.toInt();
        m_good.params = cloneAll(m_model->parameters());
        readList("good.params", m_good.params);
        m_good.buffers = cloneAll(m_model->buffers());
        readList("good.buffers", m_good.buffers);
        m_good.optimizer = readNamed("good.optimizer");
        if (m_loss) {
            m_good.phi = cloneAll(m_loss->parameters());
            readList("good.phi", m_good.phi);
            m_good.metaOptimizer = readNamed("good.meta_optimizer");
        }
    }
    if (m_loss) {
        readList("loss.params", m_loss->parameters());
        m_metaOptimizer->setState(readNamed("meta_optimizer"));
        auto& c = m_collapse;
        CollapseDetector::State watch;
        watch.lastImprovement = readInt("collapse.last_improvement");
        archive.read("collapse.warned", value);
        watch.warned = value.toBool();
        archive.read("collapse.best_validation", value);
        watch.bestValidation = value.toDouble();
        torch::Tensor below;
        // Checkpoints written before the windowed watch have no window: it starts empty.
        if (archive.try_read("collapse.below_steps", below, /*is_buffer=*/true)) {
            watch.firstStep = readInt("collapse.first_step");
            watch.lastStep = readInt("collapse.last_step");
            archive.read("collapse.last_pulled", value);
            watch.lastPulled = value.toBool();
            watch.episodeStart = readInt("collapse.episode_start");
            below = below.to(torch::kInt64).contiguous();
            watch.belowSteps.assign(below.data_ptr<std::int64_t>(),
                                    below.data_ptr<std::int64_t>() + below.numel());
        }
        c.detector.setState(watch);
        c.healthyStep = readInt("collapse.healthy_step");
        c.healthyPhase = static_cast<Phase>(readInt("collapse.healthy_phase"));
        // Checkpoints written before collapse.max_restores have no count: none so far.
        c.restores = archive.try_read("collapse.restores", value) ? value.toInt() : 0;
        if (c.healthyStep >= 0) {
            c.healthyPhi = cloneAll(m_loss->parameters());
            readList("collapse.healthy_phi", c.healthyPhi);
            c.healthyMetaOptimizer = readNamed("collapse.healthy_meta_optimizer");
        }
    }
    if (searches()) {
        NamedTensors state;
        for (const char* key : {"cma", "best", "best_error"}) {
            torch::Tensor t;
            if (archive.try_read(std::string("search.") + key, t, /*is_buffer=*/true)) {
                state.emplace_back(key, t);
            }
        }
        setSearchState(state);
    }
}

void Engine::startTrainingPhase() {
    // Both ML3 and AdaLFL train a fresh base model after the offline phase.
    m_model->reset(m_generator);
    m_optimizer->resetState();
    // PhaseChanged carries the last step of the phase being left: the recorder files the event
    // there, so resuming that phase from an earlier checkpoint drops it and it comes again.
    const std::int64_t leftAt = m_step;
    m_phase = trainingPhase();
    m_step = 0;
    // A run resumed at step 0 of the phase before (a stop in TaylorGLO's first generation saves
    // the search's step 0) has sent nothing of this phase yet: its step-0 snapshot, evaluation
    // and frozen-loss check are still due.
    m_resumedAtPhaseStart = false;
    m_good.step = -1;  // the new phase keeps its own, from its step 0
    m_collapse.detector.resetPhase();
    m_observer.onPhaseChanged({m_phase, leftAt,
                               m_config.method == "adalfl"
                                   ? "online adaptation: model and loss updated every step"
                               : m_loss   ? "training a fresh model with the frozen learned loss"
                               : m_taylor ? "training a fresh model with the best Taylor loss"
                                          : "training with cross-entropy"});
}

bool Engine::pauseAndCheckStop() {
    if (m_control.pauseRequested()) {
        const auto pausedAt = Clock::now();
        m_log->info("paused at {} step {}", phaseName(m_phase), m_step);
        const bool keepGoing = m_control.waitWhilePaused();
        m_pausedSeconds += std::chrono::duration<double>(Clock::now() - pausedAt).count();
        if (keepGoing) {
            m_log->info("resumed at {} step {}", phaseName(m_phase), m_step);
        }
    }
    return m_control.stopRequested();
}

void Engine::runPhase(Phase phase, std::int64_t firstStep, std::int64_t lastStep) {
    const bool training = phase != Phase::OfflineInit;
    const bool lossChanges = m_loss && lossLearnsIn(phase);
    if (firstStep == 1 && !m_resumedAtPhaseStart) {
        const LossSnapshot start = snapshot(phase, 0);
        if (training && !lossChanges && (m_loss || m_taylor)) {
            checkFrozenLoss(phase, start);  // ML3's and TaylorGLO's final training
        }
        if (lossChanges) {
            rememberHealthyLoss(0);  // the phase's starting loss: the fallback until evidence
        }
        if (training) {
            evaluate(phase, 0);
        }
    }
    m_resumedAtPhaseStart = false;
    if (m_good.step < 0) {  // a new phase, or a resume whose checkpoint kept no good state
        rememberGoodState();
    }
    for (std::int64_t s = firstStep; s <= lastStep; ++s) {
        if (pauseAndCheckStop()) {
            saveCheckpoint(phase, m_step);
            throw RunError{RunStatus::Stopped, "stopped at step " + std::to_string(m_step) + " (" +
                                                   phaseName(phase) + ")"};
        }
        if (m_control.takeCheckpointRequest()) {
            saveCheckpoint(phase, m_step);
        }
        applyInjectedFault(phase, s);
        const auto result = step(phase, s);
        m_step = s;
        if (!result.finite) {
            recover(phase, s, result.nonFinite);
            continue;
        }
        m_failures = 0;
        afterStep(phase, s, result);
        watchForCollapse(phase, s, result);
        if (s - m_good.step >= kGoodStateInterval) {
            rememberGoodState();
        }
        if (lossChanges && (s % m_config.snapshotInterval == 0 || s == lastStep)) {
            snapshot(phase, s);
            if (m_collapse.detector.healthy()) {
                rememberHealthyLoss(s);
            }
        }
        if (training && (s % m_config.evalInterval == 0 || s == lastStep)) {
            evaluate(phase, s);
        }
        if (m_config.checkpointInterval > 0 && s % m_config.checkpointInterval == 0 &&
            s < lastStep) {
            saveCheckpoint(phase, s);
        }
    }
}

void Engine::finish(Finished& f) {
    f.phase = m_phase;
    f.step = m_step;
    f.wallTime = wallTime();
    f.testAccuracy = m_lastTest;
    f.validationAccuracy = m_lastValidation;
}

Finished Engine::run(const std::string& checkpoint) {
    Finished finished;
    try {
        m_observer.onPhaseChanged({Phase::Setup, 0, "loading data and building the model"});
        setup();
        if (!checkpoint.empty()) {
            loadCheckpoint(checkpoint);
            m_resumedAtPhaseStart = m_step == 0;
        }
        RunStarted started;
        started.config = m_config;
        started.startStep = m_step;
        started.startPhase = m_phase;
        started.device = m_device.str();
        started.threads = at::get_num_threads();
        started.trainSize = m_data.train.size();
        started.validationSize = m_data.validation.size();
        started.testSize = m_data.test.size();
        started.classes = m_data.classes;
        started.inputShape = m_data.inputShape;
        started.modelParameters = m_model->parameterCount();
        started.lossParameters = m_loss       ? m_loss->parameterCount()
                                 : searches() ? losses::TaylorLoss::kParameters
                                              : 0;
        started.blas = blasDescription();
        started.torchVersion = torchVersion();
        m_log->info("run '{}' started: {} {} on {}; {} threads; {}{}", m_config.name,
                    m_config.method, m_config.model.name, m_data.description, started.threads,
                    m_step > 0 ? "resuming after step " + std::to_string(m_step) + " of " : "",
                    m_step > 0 ? phaseName(m_phase) : "from scratch");
        m_observer.onRunStarted(started);
        m_started = Clock::now();

        if (m_phase == Phase::Setup) {
            m_phase = hasOfflinePhase() ? Phase::OfflineInit
                      : searches()      ? Phase::Search
                                        : trainingPhase();
            m_step = 0;
            m_observer.onPhaseChanged(
                {m_phase, 0,
                 m_phase == Phase::OfflineInit
                     ? "offline initialisation: learning the loss from fresh models"
                 : m_phase == Phase::Search
                     ? "TaylorGLO search: CMA-ES judges candidate losses by short training runs"
                     : std::string(m_loss ? "online adaptation" : "training with cross-entropy")});
        } else {
            m_observer.onPhaseChanged({m_phase, m_step, "resumed"});
        }
        if (m_phase == Phase::OfflineInit) {
            runPhase(Phase::OfflineInit, m_step + 1, m_config.meta.initSteps);
            startTrainingPhase();
        } else if (m_phase == Phase::Search) {
            runSearch();
            startTrainingPhase();
        }
        runPhase(m_phase, m_step + 1, m_config.steps);
        finished.status = RunStatus::Finished;
        std::ostringstream msg;
        msg << "finished " << m_config.steps << " steps";
        if (m_lastTest) {
            msg << "; test accuracy " << *m_lastTest;
        }
        finished.message = msg.str();
    } catch (const RunError& e) {
        finished.status = e.status;
        finished.message = e.message;
    } catch (const c10::Error& e) {
        finished.status = RunStatus::Failed;
        finished.message = std::string("LibTorch error: ") + e.what_without_backtrace();
    } catch (const std::exception& e) {
        finished.status = RunStatus::Failed;
        finished.message = std::string("error: ") + e.what();
    } catch (...) {
        finished.status = RunStatus::Failed;
        finished.message = "unknown error";
    }
    finish(finished);
    if (finished.status == RunStatus::Finished || finished.status == RunStatus::Stopped) {
        m_log->info("run '{}' {}: {}", m_config.name, statusName(finished.status),
                    finished.message);
    } else {
        m_log->error("run '{}' {}: {}", m_config.name, statusName(finished.status),
                     finished.message);
    }
    try {
        m_observer.onFinished(finished);
    } catch (const std::exception& e) {
        m_log->error("an observer failed on the run's end: {}", e.what());
    }
    return finished;
}

}  // namespace lossstudio::core::train
