#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <lossstudio/core/result.h>

namespace lossstudio::core {

/// Where the examples come from. JSON object "data".
struct DataConfig {
    /// fashion-mnist (default, found by itself), mnist, kmnist, cifar10, cifar100, csv, synthetic.
    std::string name = "fashion-mnist";
    /// Folder (IDX / CIFAR) or file (CSV) for datasets that are not found by themselves.
    std::string path;
    /// Stratified fraction of the training set held out for validation (meta-objective, eval).
    double validationFraction = 0.1;
    /// Standardise features with the training split's mean and standard deviation.
    bool normalize = true;
    /// Use only this many training examples (stratified); 0 means all.
    std::int64_t trainLimit = 0;
    /// Use only this many test examples; 0 means all.
    std::int64_t testLimit = 0;
    /// CSV: zero-based label column; -1 means the last column.
    int csvLabelColumn = -1;
    /// CSV: the first line is a header.
    bool csvHeader = true;
    /// synthetic: Gaussian class blobs, for tests and demos.
    int syntheticClasses = 4;
    int syntheticFeatures = 8;
    std::int64_t syntheticSamples = 1024;
};

/// The base model. JSON object "model".
struct ModelConfig {
    /// logistic, mlp, lenet5, allcnnc, vgg16, resnet18, wrn16_8.
    std::string name = "mlp";
    /// MLP hidden widths.
    std::vector<std::int64_t> hidden = {1000, 1000};
};

/// The base optimiser and its learning-rate schedule. JSON object "optimizer".
struct OptimizerConfig {
    std::string name = "sgd";  ///< sgd or adam
    double lr = 0.01;
    double momentum = 0.0;
    bool nesterov = false;
    double weightDecay = 0.0;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    /// Steps at which the learning rate is multiplied by gamma.
    std::vector<std::int64_t> milestones;
    double gamma = 0.1;
};

/// The learned loss network l_phi(y, p). JSON object "loss".
struct LossNetConfig {
    int hiddenWidth = 40;
    int hiddenLayers = 2;
    /// smooth_leaky_relu, relu, or auto (smooth_leaky_relu for adalfl, relu for ml3).
    std::string activation = "auto";
    double gamma = 0.25;              ///< smooth leaky ReLU slope mix
    double beta = 2.0;                ///< smooth leaky ReLU sharpness
    /// auto (none for AdaLFL, softplus for ML3: resolvedLossOutput), softplus or none.
    std::string output = "auto";
    std::string reduction = "mean";  ///< mean or sum over classes
    /// w of the cross-entropy anchor: the model's update follows the gradient of
    /// learned + w * cross-entropy (AdaLFL and ML3; 0 = the learned loss alone).
    double ceWeight = 0.0;
};

/// Meta-learning of the loss (ML3 / AdaLFL). JSON object "meta".
struct MetaConfig {
    double lr = 1e-3;                    ///< Adam learning rate for phi
    std::int64_t initSteps = 2500;       ///< S_init, Phase A (offline initialisation)
    std::string batches = "validation";  ///< validation or train: where the meta-objective looks
    int maxFailures = 5;                 ///< consecutive divergence recoveries before "diverged"
};

/// TaylorGLO's search: CMA-ES over the Taylor loss's 8 parameters. JSON object "taylorglo".
struct TaylorGloConfig {
    double sigma = 1.2;   ///< CMA-ES initial step size
    int population = 20;  ///< candidates per generation
    int generations = 50;
    std::int64_t partialSteps = 500;  ///< training steps that judge a candidate (validation error)
};

/// Watching the learned loss for collapse (its gradient vanishing). JSON object "collapse".
struct CollapseConfig {
    /// The learned loss's gradient with respect to the logits, relative to cross-entropy's on the
    /// same batch, below which a step counts as collapsed.
    double threshold = 1e-3;
    /// The window of steps watched: when at least `fraction` of its steps are below the threshold
    /// and validation accuracy set no new best within it, the warning is raised. (Not
    /// consecutive steps: a collapsed loss still pulls on the odd batch.)
    std::int64_t window = 200;
    double fraction = 0.9;
    /// none: warn only; restore: go back to the loss network of the last healthy snapshot and
    /// halve the meta learning rate.
    std::string recovery = "none";
    /// With restore: how many times in a row one healthy snapshot is restored, with no new healthy
    /// snapshot in between, before restoring gives up on it and the loss learns on as it is (a
    /// restored loss that collapses again at once would otherwise be restored every window, the
    /// meta learning rate halved each time towards zero). A new healthy snapshot resets the count.
    std::int64_t maxRestores = 3;
};

/// One experiment, complete. Plain value; JSON round-trip with parseRunConfig / toJson.
struct RunConfig {
    std::string name;
    /// cross_entropy, ml3, adalfl, taylorglo.
    std::string method = "adalfl";
    std::uint64_t seed = 0;
    std::int64_t steps = 10000;  ///< base-model training steps T
    std::int64_t batchSize = 128;
    int threads = 0;                  ///< 0 means every core
    std::string device = "cpu";       ///< cpu or cuda
    std::int64_t evalInterval = 500;  ///< steps between validation / test evaluations
    std::int64_t evalBatchSize = 1000;
    std::int64_t snapshotInterval = 100;     ///< steps between learned-loss snapshots
    int snapshotPoints = 101;                ///< p-grid size of a snapshot
    std::int64_t checkpointInterval = 1000;  ///< 0: only when stopped
    DataConfig data;
    ModelConfig model;
    OptimizerConfig optimizer;
    LossNetConfig loss;
    MetaConfig meta;
    CollapseConfig collapse;
    TaylorGloConfig taylorglo;
};

/// What a config key holds, for --set, the GUI and documentation.
enum class ConfigType { Bool, Int, UInt, Real, String, IntList };

struct ConfigField {
    std::string key;  ///< dotted path, e.g. "optimizer.lr"
    ConfigType type;
    std::string description;
    std::vector<std::string> choices;  ///< allowed values of a String field (empty: any)
    double min = 0;                    ///< numeric range (inclusive)
    double max = 0;
};

/// Every key of RunConfig with its type, range and meaning, in JSON order.
const std::vector<ConfigField>& configFields();

/// Parses and validates a JSON config. Missing keys take their defaults; an unknown key, a wrong
/// type or an out-of-range value is an Error naming the key (Error::key holds it).
Result<RunConfig> parseRunConfig(const std::string& json);
/// The same without the checks of combinations (validate()): keys, types and ranges only. For an
/// editor that shows a combination's error beside its field (a dataset path still to be chosen).
Result<RunConfig> parseRunConfigValues(const std::string& json);

/// How much of a config readRunConfigFile checks.
enum class ConfigCheck {
    Complete,  ///< parseRunConfig: everything, ready to run
    Values,    ///< parseRunConfigValues: keys, types and ranges
};
/// Reads a config file: a bare config (lossstudio-cli config --defaults) or a preset file
/// (resources/presets/*.json, {"title": ..., "config": {...}}), whose "config" object is the
/// run's config. The one reader of config files, for the CLI and the studio. Errors name the
/// file and, for a bad config, the key (Error::key). Any thread.
Result<RunConfig> readRunConfigFile(const std::string& path,
                                    ConfigCheck check = ConfigCheck::Complete);
/// The complete config as JSON (every key), indent < 0 for one line.
std::string toJson(const RunConfig& config, int indent = 2);
/// Checks ranges, choices and combinations; the Error names the key (Error::key).
Status validate(const RunConfig& config);
/// Sets one dotted key from text (e.g. "optimizer.lr", "0.1"; lists as "100,200"). Validates the
/// value's type and range; names the key on error.
Status setConfigValue(RunConfig& config, const std::string& key, const std::string& value);
/// The value of one dotted key as JSON text (e.g. "0.01", "\"sgd\"", "[1000,1000]").
Result<std::string> configValue(const RunConfig& config, const std::string& key);
/// A stable hash (16 hex digits) of everything that determines the run's result (the name is
/// left out), for finding repeated runs.
std::string configHash(const RunConfig& config);
/// The hidden activation actually used after resolving "auto" for the method.
std::string resolvedLossActivation(const RunConfig& config);
/// The output activation actually used after resolving "auto" for the method: softplus for ML3
/// (part of ML3's design), none otherwise (the ablation in docs/results.md: with softplus one
/// AdaLFL run in five collapsed).
std::string resolvedLossOutput(const RunConfig& config);
/// The ones a human wants in a run's name: "adalfl-mlp-fashion-mnist-s0".
std::string defaultRunName(const RunConfig& config);
/// defaultRunName plus a short random suffix ("adalfl-mlp-fashion-mnist-s0-3fa9c2"): the name a
/// new run gets when the user gave none, so that two runs of one config never share a name.
std::string uniqueRunName(const RunConfig& config);

}  // namespace lossstudio::core
