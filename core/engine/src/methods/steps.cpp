#include "methods/steps.h"

#include <cmath>

#include <torch/csrc/autograd/autograd.h>

namespace lossstudio::core::methods {
namespace {

using torch::autograd::grad;

torch::Tensor oneHot(const torch::Tensor& labels, std::int64_t classes, const torch::Tensor& like) {
    return torch::one_hot(labels, classes).to(like.scalar_type());
}

/// The 2-norm of all of `tensors` together. Each tensor's rows (its first dimension) are normed
/// in its own precision in one pass, and the rows' squares added up in double: as exact as summing
/// every element in double (~1e-9 relative for a million float weights) without converting the
/// whole gradient to double, which cost more than a millisecond per step on the big MLP.
double norm(const std::vector<torch::Tensor>& tensors) {
    torch::NoGradGuard noGrad;
    torch::Tensor total = torch::zeros({}, tensors.front().options().dtype(torch::kDouble));
    for (const auto& t : tensors) {
        const torch::Tensor d = t.detach();
        const torch::Tensor rows = d.dim() > 1 ? d.reshape({d.size(0), -1}) : d.reshape({1, -1});
        total += torch::linalg_vector_norm(rows, 2, {1}).to(torch::kDouble).square().sum();
    }
    return std::sqrt(total.item<double>());
}

/// Cross-entropy and accuracy of logits (no gradient).
std::pair<double, double> taskMetrics(const torch::Tensor& logits, const torch::Tensor& labels) {
    torch::NoGradGuard noGrad;
    const double ce = at::cross_entropy_loss(logits, labels).item<double>();
    const double accuracy = logits.argmax(/*dim=*/1).eq(labels).to(torch::kDouble).mean().item<double>();
    return {ce, accuracy};
}

void markNonFinite(StepResult& r, const char* what) {
    if (r.finite) {
        r.finite = false;
        r.nonFinite = what;
    }
}

/// Common tail of the steps that train the model from a gradient g of some loss.
void applyUpdate(StepResult& r, models::Model& model, train::Optimizer& optimizer, double lr,
                 const std::vector<torch::Tensor>& grads, train::StepJacobian* jacobian) {
    r.gradNorm = norm(grads);
    if (!std::isfinite(r.gradNorm)) {
        markNonFinite(r, "the model's gradient");
        return;
    }
    optimizer.step(model.parameters(), grads, lr, jacobian);
}

/// dM/dlogits plus the anchor's w * d CE/dlogits = w (softmax - onehot) / B (no gradient).
torch::Tensor anchored(const torch::Tensor& u, const torch::Tensor& probs,
                       const torch::Tensor& oneHotTarget, double ceWeight) {
    if (ceWeight == 0.0) {
        return u;
    }
    return u + (probs - oneHotTarget) * (ceWeight / static_cast<double>(probs.size(0)));
}

}  // namespace

double lossGradientRatio(const torch::Tensor& u, const torch::Tensor& probs,
                         const torch::Tensor& oneHotTarget) {
    torch::NoGradGuard noGrad;
    const double ce =
        (probs - oneHotTarget).norm().item<double>() / static_cast<double>(probs.size(0));
    return ce > 0 ? u.detach().norm().item<double>() / ce : 0.0;
}

StepResult crossEntropyStep(models::Model& model, train::Optimizer& optimizer, double lr,
                            const Batch& batch) {
    StepResult r;
    const torch::Tensor logits = model.forward(batch.x, models::ForwardMode::Train);
    const torch::Tensor loss = at::cross_entropy_loss(logits, batch.y);
    const auto grads = grad({loss}, model.parameters());
    std::tie(r.taskLoss, r.trainAccuracy) = taskMetrics(logits, batch.y);
    r.trainLoss = r.taskLoss;
    if (!std::isfinite(r.trainLoss)) {
        markNonFinite(r, "the cross-entropy loss");
        return r;
    }
    applyUpdate(r, model, optimizer, lr, grads, nullptr);
    return r;
}

StepResult learnedLossStep(models::Model& model, train::Optimizer& optimizer, double lr,
                           const losses::ClasswiseLoss& loss, const Batch& batch, double ceWeight) {
    StepResult r;
    const torch::Tensor logits = model.forward(batch.x, models::ForwardMode::Train);
    std::tie(r.taskLoss, r.trainAccuracy) = taskMetrics(logits, batch.y);
    torch::Tensor u;
    {
        torch::NoGradGuard noGrad;
        const torch::Tensor probs = torch::softmax(logits.detach(), /*dim=*/1);
        const torch::Tensor target = oneHot(batch.y, probs.size(1), probs);
        const auto terms = loss.batchTerms(probs, target);
        r.trainLoss = terms.loss.item<double>();
        r.lossGradRatio = lossGradientRatio(terms.logitGradient, probs, target);
        u = anchored(terms.logitGradient, probs, target, ceWeight);
    }
    if (!std::isfinite(r.trainLoss)) {
        markNonFinite(r, "the learned loss");
        return r;
    }
    const auto grads = grad({logits}, model.parameters(), {u});
    applyUpdate(r, model, optimizer, lr, grads, nullptr);
    return r;
}

StepResult metaStep(models::Model& model, train::Optimizer& optimizer, double lr,
                    losses::LearnedLoss& loss, train::Optimizer& metaOptimizer, double metaLr,
                    const Batch& train, const Batch& meta, double ceWeight,
                    std::vector<torch::Tensor>* metaGradient) {
    StepResult r;
    auto& params = model.parameters();

    // 1. Forward on the training batch, recording the tape for the JVP.
    models::Tape tape;
    models::Context ctx{params, &model.buffers(), models::ForwardMode::Train, &tape};
    const models::Value logits = model.forward(train.x, ctx);
    std::tie(r.taskLoss, r.trainAccuracy) = taskMetrics(logits.t, train.y);

    // 2. The learned loss and u = dM/dlogits, differentiable with respect to phi only.
    const torch::Tensor probs = torch::softmax(logits.t.detach(), /*dim=*/1);
    const torch::Tensor target = oneHot(train.y, probs.size(1), probs);
    const auto terms = loss.batchTerms(probs, target);
    r.trainLoss = terms.loss.item<double>();
    r.lossGradRatio = lossGradientRatio(terms.logitGradient, probs, target);
    if (!std::isfinite(r.trainLoss)) {
        markNonFinite(r, "the learned loss");
        return r;
    }

    // 3. g = J^T u (first-order backward), and the real update theta' = step(theta, g), which is
    //    also the lookahead the meta-objective looks at.
    const auto grads =
        grad({logits.t}, params, {anchored(terms.logitGradient.detach(), probs, target, ceWeight)});
    train::StepJacobian jacobian;
    applyUpdate(r, model, optimizer, lr, grads, &jacobian);
    if (!r.finite) {
        return r;
    }

    // 4. v = grad_theta' L_task on the meta batch (batch statistics, running stats untouched).
    models::Context metaCtx{params, &model.buffers(), models::ForwardMode::TrainNoStats, nullptr};
    const torch::Tensor metaLogits = model.forward(meta.x, metaCtx).t;
    const torch::Tensor taskLoss = at::cross_entropy_loss(metaLogits, meta.y);
    r.metaLoss = taskLoss.item<double>();
    if (!std::isfinite(*r.metaLoss)) {
        markNonFinite(r, "the meta-loss");
        return r;
    }
    const auto v = grad({taskLoss}, params);

    // 5. J (D v) by forward mode on the tape (parameters at theta), then the meta-gradient
    //    grad_phi <u(phi), J D v>.
    std::vector<torch::Tensor> direction;
    direction.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        direction.push_back(jacobian.apply(i, v[i]));
    }
    const torch::Tensor jvp = tape.jvp(direction, logits);
    tape.clear();
    const torch::Tensor metaObjective = (terms.logitGradient * jvp).sum();
    auto metaGrads = grad({metaObjective}, loss.parameters());
    r.metaGradNorm = norm(metaGrads);
    if (!std::isfinite(*r.metaGradNorm)) {
        markNonFinite(r, "the meta-gradient");
        return r;
    }
    if (metaGradient != nullptr) {
        *metaGradient = metaGrads;
    }
    metaOptimizer.step(loss.parameters(), metaGrads, metaLr, nullptr);
    return r;
}

namespace {

/// theta' = lookahead(theta, grad_theta M_phi(y, f_theta(x))); create_graph keeps theta' a
/// function of phi.
std::vector<torch::Tensor> lookaheadParameters(models::Model& model,
                                               const train::Optimizer& optimizer, double lr,
                                               const losses::LearnedLoss& loss, const Batch& train,
                                               double ceWeight, bool createGraph) {
    auto& params = model.parameters();
    models::Context ctx{params, &model.buffers(), models::ForwardMode::TrainNoStats, nullptr};
    const torch::Tensor logits = model.forward(train.x, ctx).t;
    const torch::Tensor probs = torch::softmax(logits, /*dim=*/1);
    const torch::Tensor target = oneHot(train.y, probs.size(1), probs);
    torch::Tensor m = loss.value(target, probs).sum() *
                      (loss.classFactor(probs.size(1)) / static_cast<double>(probs.size(0)));
    if (ceWeight != 0.0) {
        m = m + ceWeight * at::cross_entropy_loss(logits, train.y);
    }
    const auto g = grad({m}, params, {}, /*retain_graph=*/createGraph, /*create_graph=*/createGraph);
    return optimizer.lookahead(params, g, lr);
}

}  // namespace

double metaObjective(models::Model& model, const train::Optimizer& optimizer, double lr,
                     const losses::LearnedLoss& loss, const Batch& train, const Batch& meta,
                     double ceWeight) {
    const auto thetaPrime = lookaheadParameters(model, optimizer, lr, loss, train, ceWeight, false);
    torch::NoGradGuard noGrad;
    models::Context ctx{thetaPrime, &model.buffers(), models::ForwardMode::TrainNoStats, nullptr};
    return at::cross_entropy_loss(model.forward(meta.x, ctx).t, meta.y).item<double>();
}

std::vector<torch::Tensor> referenceMetaGradient(models::Model& model,
                                                 const train::Optimizer& optimizer, double lr,
                                                 losses::LearnedLoss& loss, const Batch& train,
                                                 const Batch& meta, double ceWeight) {
    const auto thetaPrime = lookaheadParameters(model, optimizer, lr, loss, train, ceWeight, true);
    models::Context ctx{thetaPrime, &model.buffers(), models::ForwardMode::TrainNoStats, nullptr};
    const torch::Tensor taskLoss = at::cross_entropy_loss(model.forward(meta.x, ctx).t, meta.y);
    return grad({taskLoss}, loss.parameters());
}

Evaluation evaluate(models::Model& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                    std::int64_t batchSize, const torch::Device& device) {
    torch::NoGradGuard noGrad;
    const std::int64_t n = labels.size(0);
    double lossSum = 0;
    std::int64_t correct = 0;
    for (std::int64_t start = 0; start < n; start += batchSize) {
        const std::int64_t end = std::min(n, start + batchSize);
        const torch::Tensor x = inputs.slice(0, start, end).to(device);
        const torch::Tensor y = labels.slice(0, start, end).to(device);
        const torch::Tensor logits = model.forward(x, models::ForwardMode::Eval);
        lossSum += at::cross_entropy_loss(logits, y, {}, at::Reduction::Sum).item<double>();
        correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
    }
    return {n ? lossSum / static_cast<double>(n) : 0.0,
            n ? static_cast<double>(correct) / static_cast<double>(n) : 0.0};
}

}  // namespace lossstudio::core::methods
