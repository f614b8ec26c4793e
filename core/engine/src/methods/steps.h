#pragma once

// One training step of each method. Each returns its metrics; none throws on non-finite values
// (the caller checks StepResult::finite and recovers).

#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "losses/classwise_loss.h"
#include "losses/learned_loss.h"
#include "models/model.h"
#include "train/optimizer.h"

namespace lossstudio::core::methods {

struct Batch {
    torch::Tensor x;
    torch::Tensor y;  ///< int64 class labels
};

struct StepResult {
    double trainLoss = 0;
    double taskLoss = 0;
    double trainAccuracy = 0;
    double gradNorm = 0;
    std::optional<double> metaLoss;
    std::optional<double> metaGradNorm;
    /// ||dM/dlogits|| / ||dCE/dlogits|| on the training batch (learned losses only).
    std::optional<double> lossGradRatio;
    bool finite = true;
    std::string nonFinite;  ///< what went non-finite, for the warning
};

/// ||u|| / ||dCE/dlogits|| for a batch: u = dM/dlogits of the learned loss, and cross-entropy's
/// (softmax - onehot) / B. The learned loss's effective learning-rate multiplier.
double lossGradientRatio(const torch::Tensor& u, const torch::Tensor& probs,
                         const torch::Tensor& oneHotTarget);

/// A step of plain cross-entropy training.
StepResult crossEntropyStep(models::Model& model, train::Optimizer& optimizer, double lr,
                            const Batch& batch);

/// A step of training with a fixed class-wise loss (ML3 after its offline phase, TaylorGLO).
/// ceWeight w > 0 adds the cross-entropy anchor: the update follows loss + w * cross-entropy.
StepResult learnedLossStep(models::Model& model, train::Optimizer& optimizer, double lr,
                           const losses::ClasswiseLoss& loss, const Batch& batch,
                           double ceWeight = 0.0);

/// The AdaLFL step (also Phase A's meta step, after the caller re-initialises the model and the
/// optimiser state): update the model with the learned loss, then the loss network with the
/// meta-gradient of the cross-entropy on `meta` after that update. The update itself is the
/// lookahead step (one-step truncated horizon). The meta-gradient is computed as
///   grad_phi L_task = (du/dphi)^T J (D v)
/// with one first-order backward on the meta batch and one forward-mode JVP through the training
/// forward's tape: no double-backward through the model. If `metaGradient` is not null it
/// receives grad_phi L_task (before the meta optimiser uses it). The loss network is left
/// unchanged when the step is not finite. ceWeight w > 0 adds the cross-entropy anchor: the
/// update follows M_phi + w * cross-entropy, and the meta-gradient goes through that same
/// update (the anchor's gradient does not depend on phi, so only theta' changes).
StepResult metaStep(models::Model& model, train::Optimizer& optimizer, double lr,
                    losses::LearnedLoss& loss, train::Optimizer& metaOptimizer, double metaLr,
                    const Batch& train, const Batch& meta, double ceWeight = 0.0,
                    std::vector<torch::Tensor>* metaGradient = nullptr);

/// The meta-objective as a plain function of phi: L_task(f_theta'(x_meta)) with
/// theta' = lookahead(theta, grad_theta (M_phi + w CE)) — for finite differences in tests.
double metaObjective(models::Model& model, const train::Optimizer& optimizer, double lr,
                     const losses::LearnedLoss& loss, const Batch& train, const Batch& meta,
                     double ceWeight = 0.0);

/// The straightforward meta-gradient: differentiable lookahead with create_graph and a
/// double-backward through the model (the test oracle and the benchmark's "naive" baseline).
std::vector<torch::Tensor> referenceMetaGradient(models::Model& model,
                                                 const train::Optimizer& optimizer, double lr,
                                                 losses::LearnedLoss& loss, const Batch& train,
                                                 const Batch& meta, double ceWeight = 0.0);

/// Cross-entropy and accuracy of `model` on a whole split, in chunks, without gradients.
struct Evaluation {
    double loss = 0;
    double accuracy = 0;
};
Evaluation evaluate(models::Model& model, const torch::Tensor& inputs, const torch::Tensor& labels,
                    std::int64_t batchSize, const torch::Device& device);

}  // namespace lossstudio::core::methods
