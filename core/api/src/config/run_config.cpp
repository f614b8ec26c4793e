#include "lossstudio/core/run_config.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "config/json_keys.h"
#include "config/legacy_config.h"
#include "lossstudio/core/json_keys.h"

namespace lossstudio::core {
namespace {

using json = nlohmann::ordered_json;  // keeps the registry's key order in output

/// "config key 'KEY' <rest>", with the key as the Error's field (editors find their field by it).
Error keyError(const std::string& key, const std::string& rest) {
    return Error{"config key '" + key + "' " + rest, key};
}

/// One key of RunConfig: its description plus how to read and write it.
struct FieldImpl {
    ConfigField info;
    std::function<json(const RunConfig&)> get;
    std::function<Status(RunConfig&, const json&)> set;
};

const char* typeName(ConfigType type) {
    switch (type) {
        case ConfigType::Bool:
            return "true or false";
        case ConfigType::Int:
            return "an integer";
        case ConfigType::UInt:
            return "a non-negative integer";
        case ConfigType::Real:
            return "a number";
        case ConfigType::String:
            return "a string";
        case ConfigType::IntList:
            return "a list of integers";
    }
    return "?";
}

Error typeError(const ConfigField& f, const json& value) {
    return keyError(f.key, std::string("must be ") + typeName(f.type) + ", got " + value.dump());
}

Error rangeError(const ConfigField& f, const json& value) {
    std::ostringstream os;
    os << "is " << value.dump() << ", out of range [" << f.min << ", " << f.max << "]";
    return keyError(f.key, os.str());
}

bool isIntegral(const json& v) {
    if (v.is_number_integer()) {
        return true;
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15;
    }
    return false;
}

template <class Ref>
FieldImpl boolField(std::string key, Ref ref, std::string description) {
    FieldImpl f;
    f.info = {std::move(key), ConfigType::Bool, std::move(description), {}, 0, 1};
    f.get = [ref](const RunConfig& c) { return json(ref(const_cast<RunConfig&>(c))); };
    f.set = [ref, info = f.info](RunConfig& c, const json& v) -> Status {
        if (!v.is_boolean()) {
            return typeError(info, v);
        }
        ref(c) = v.get<bool>();
        return {};
    };
    return f;
}

template <class Ref>
FieldImpl intField(std::string key, Ref ref, double min, double max, std::string description,
                   ConfigType type = ConfigType::Int) {
    FieldImpl f;
    f.info = {std::move(key), type, std::move(description), {}, min, max};
    f.get = [ref](const RunConfig& c) { return json(ref(const_cast<RunConfig&>(c))); };
    f.set = [ref, info = f.info](RunConfig& c, const json& v) -> Status {
        if (!isIntegral(v)) {
            return typeError(info, v);
        }
        const double d = v.get<double>();
        if (d < info.min || d > info.max) {
            return rangeError(info, v);
        }
        using T = std::decay_t<decltype(ref(c))>;
        ref(c) = v.is_number_unsigned()  ? static_cast<T>(v.get<std::uint64_t>())
                 : v.is_number_integer() ? static_cast<T>(v.get<std::int64_t>())
                                         : static_cast<T>(d);
        return {};
    };
    return f;
}

template <class Ref>
FieldImpl realField(std::string key, Ref ref, double min, double max, std::string description) {
    FieldImpl f;
    f.info = {std::move(key), ConfigType::Real, std::move(description), {}, min, max};
    f.get = [ref](const RunConfig& c) { return json(ref(const_cast<RunConfig&>(c))); };
    f.set = [ref, info = f.info](RunConfig& c, const json& v) -> Status {
        if (!v.is_number()) {
            return typeError(info, v);
        }
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < info.min || d > info.max) {
            return rangeError(info, v);
        }
        ref(c) = d;
        return {};
    };
    return f;
}

template <class Ref>
FieldImpl stringField(std::string key, Ref ref, std::vector<std::string> choices,
                      std::string description) {
    FieldImpl f;
    f.info = {std::move(key), ConfigType::String, std::move(description), std::move(choices), 0, 0};
    f.get = [ref](const RunConfig& c) { return json(ref(const_cast<RunConfig&>(c))); };
    f.set = [ref, info = f.info](RunConfig& c, const json& v) -> Status {
        if (!v.is_string()) {
            return typeError(info, v);
        }
        const auto s = v.get<std::string>();
        if (!info.choices.empty() &&
            std::find(info.choices.begin(), info.choices.end(), s) == info.choices.end()) {
            std::string list;
            for (const auto& choice : info.choices) {
                list += (list.empty() ? "" : ", ") + choice;
            }
            return keyError(info.key, "is \"" + s + "\"; choose one of: " + list);
        }
        ref(c) = s;
        return {};
    };
    return f;
}

template <class Ref>
FieldImpl intListField(std::string key, Ref ref, double min, double max, std::string description) {
    FieldImpl f;
    f.info = {std::move(key), ConfigType::IntList, std::move(description), {}, min, max};
    f.get = [ref](const RunConfig& c) { return json(ref(const_cast<RunConfig&>(c))); };
    f.set = [ref, info = f.info](RunConfig& c, const json& v) -> Status {
        if (!v.is_array()) {
            return typeError(info, v);
        }
        std::vector<std::int64_t> out;
        for (const auto& item : v) {
            if (!isIntegral(item)) {
                return typeError(info, v);
            }
            const double d = item.get<double>();
            if (d < info.min || d > info.max) {
                return rangeError(info, item);
            }
            out.push_back(static_cast<std::int64_t>(d));
        }
        ref(c) = std::move(out);
        return {};
    };
    return f;
}

#define LS_REF(member)           \
    [](RunConfig & c) -> auto& { \
        return c.member;         \
    }

constexpr double kMaxInt = 1e15;

std::vector<FieldImpl> buildFields() {
    std::vector<FieldImpl> f;
    f.push_back(
        stringField("name", LS_REF(name), {}, "Run name (empty: method-model-dataset-seed)"));
    f.push_back(stringField("method", LS_REF(method),
                            {"cross_entropy", "ml3", "adalfl", "taylorglo"}, "Training method"));
    f.push_back(intField("seed", LS_REF(seed), 0, kMaxInt, "Random seed", ConfigType::UInt));
    f.push_back(intField("steps", LS_REF(steps), 1, kMaxInt, "Base-model training steps"));
    f.push_back(intField("batch_size", LS_REF(batchSize), 1, 65536, "Training batch size"));
    f.push_back(intField("threads", LS_REF(threads), 0, 1024, "CPU threads (0: every core)"));
    f.push_back(stringField("device", LS_REF(device), {"cpu", "cuda"}, "Compute device"));
    f.push_back(intField("eval_interval", LS_REF(evalInterval), 1, kMaxInt,
                         "Steps between validation and test evaluations"));
    f.push_back(intField("eval_batch_size", LS_REF(evalBatchSize), 1, 1 << 20,
                         "Batch size of evaluations"));
    f.push_back(intField("snapshot_interval", LS_REF(snapshotInterval), 1, kMaxInt,
                         "Steps between learned-loss snapshots"));
    f.push_back(intField("snapshot_points", LS_REF(snapshotPoints), 2, 10001,
                         "Points of the p-grid in a snapshot"));
    f.push_back(intField("checkpoint_interval", LS_REF(checkpointInterval), 0, kMaxInt,
                         "Steps between checkpoints (0: only when stopped)"));

    f.push_back(
        stringField("data.name", LS_REF(data.name),
                    {"fashion-mnist", "mnist", "kmnist", "cifar10", "cifar100", "csv", "synthetic"},
                    "Dataset"));
    f.push_back(stringField("data.path", LS_REF(data.path), {},
                            "Folder (IDX, CIFAR) or file (CSV) of the dataset"));
    f.push_back(realField("data.validation_fraction", LS_REF(data.validationFraction), 0, 0.9,
                          "Stratified validation fraction of the training set"));
    f.push_back(boolField("data.normalize", LS_REF(data.normalize),
                          "Standardise features with training statistics"));
    f.push_back(intField("data.train_limit", LS_REF(data.trainLimit), 0, kMaxInt,
                         "Use this many training examples (0: all)"));
    f.push_back(intField("data.test_limit", LS_REF(data.testLimit), 0, kMaxInt,
                         "Use this many test examples (0: all)"));
    f.push_back(intField("data.csv_label_column", LS_REF(data.csvLabelColumn), -1, 1e6,
                         "CSV label column (-1: last)"));
    f.push_back(boolField("data.csv_header", LS_REF(data.csvHeader), "CSV has a header line"));
    f.push_back(intField("data.synthetic_classes", LS_REF(data.syntheticClasses), 2, 1000,
                         "Synthetic dataset: classes"));
    f.push_back(intField("data.synthetic_features", LS_REF(data.syntheticFeatures), 1, 100000,
                         "Synthetic dataset: features"));
    f.push_back(intField("data.synthetic_samples", LS_REF(data.syntheticSamples), 16, 10000000,
                         "Synthetic dataset: examples (train + test)"));

    f.push_back(stringField(
        "model.name", LS_REF(model.name),
        {"logistic", "mlp", "lenet5", "allcnnc", "vgg16", "resnet18", "wrn16_8"}, "Base model"));
    f.push_back(
        intListField("model.hidden", LS_REF(model.hidden), 1, 1 << 20, "MLP hidden-layer widths"));

    f.push_back(
        stringField("optimizer.name", LS_REF(optimizer.name), {"sgd", "adam"}, "Base optimiser"));
    f.push_back(realField("optimizer.lr", LS_REF(optimizer.lr), 1e-12, 1e3, "Learning rate"));
    f.push_back(
        realField("optimizer.momentum", LS_REF(optimizer.momentum), 0, 0.9999, "SGD momentum"));
    f.push_back(boolField("optimizer.nesterov", LS_REF(optimizer.nesterov), "Nesterov momentum"));
    f.push_back(realField("optimizer.weight_decay", LS_REF(optimizer.weightDecay), 0, 1,
                          "L2 weight decay"));
    f.push_back(realField("optimizer.beta1", LS_REF(optimizer.beta1), 0, 0.99999, "Adam beta1"));
    f.push_back(realField("optimizer.beta2", LS_REF(optimizer.beta2), 0, 0.9999999, "Adam beta2"));
    f.push_back(realField("optimizer.eps", LS_REF(optimizer.eps), 1e-16, 1, "Adam epsilon"));
    f.push_back(intListField("optimizer.milestones", LS_REF(optimizer.milestones), 1, kMaxInt,
                             "Steps at which the learning rate is multiplied by gamma"));
    f.push_back(realField("optimizer.gamma", LS_REF(optimizer.gamma), 1e-6, 1,
                          "Learning-rate multiplier at each milestone"));

    f.push_back(intField("loss.hidden_width", LS_REF(loss.hiddenWidth), 1, 4096,
                         "Learned loss: hidden width"));
    f.push_back(intField("loss.hidden_layers", LS_REF(loss.hiddenLayers), 1, 16,
                         "Learned loss: hidden layers"));
    f.push_back(stringField("loss.activation", LS_REF(loss.activation),
                            {"auto", "smooth_leaky_relu", "relu"},
                            "Learned loss: hidden activation (auto: smooth leaky ReLU for AdaLFL, "
                            "ReLU for ML3)"));
    f.push_back(realField("loss.gamma", LS_REF(loss.gamma), 0, 1, "Smooth leaky ReLU: gamma"));
    f.push_back(realField("loss.beta", LS_REF(loss.beta), 1e-3, 100, "Smooth leaky ReLU: beta"));
    f.push_back(stringField("loss.output", LS_REF(loss.output), {"auto", "softplus", "none"},
                            "Learned loss: output activation. auto: none for AdaLFL, where the "
                            "paper's softplus collapsed one run in five (docs/results.md); "
                            "softplus for ML3, part of its design"));
    f.push_back(stringField("loss.reduction", LS_REF(loss.reduction), {"mean", "sum"},
                            "Learned loss: reduction over classes"));
    f.push_back(realField("loss.ce_weight", LS_REF(loss.ceWeight), 0, 1000,
                          "Cross-entropy anchor w: the model follows learned + w * "
                          "cross-entropy (AdaLFL, ML3)"));

    f.push_back(realField("meta.lr", LS_REF(meta.lr), 1e-12, 10, "Meta learning rate (Adam)"));
    f.push_back(intField("meta.init_steps", LS_REF(meta.initSteps), 0, kMaxInt,
                         "Offline initialisation steps S_init (Phase A)"));
    f.push_back(stringField("meta.batches", LS_REF(meta.batches), {"validation", "train"},
                            "Where the meta-objective takes its batches"));
    f.push_back(intField("meta.max_failures", LS_REF(meta.maxFailures), 1, 1000,
                         "Consecutive divergence recoveries before the run is 'diverged'"));

    f.push_back(
        realField("collapse.threshold", LS_REF(collapse.threshold), 0, 1e6,
                  "Collapse: relative logit-gradient size below which a step is collapsed"));
    f.push_back(intField("collapse.window", LS_REF(collapse.window), 1, kMaxInt,
                         "Collapse: steps watched; the warning when most are collapsed and "
                         "validation accuracy did not improve within them"));
    f.push_back(realField("collapse.fraction", LS_REF(collapse.fraction), 0.5, 1,
                          "Collapse: share of the window's steps that must be collapsed"));
    f.push_back(stringField("collapse.recovery", LS_REF(collapse.recovery), {"none", "restore"},
                            "Collapse: none (warn) or restore (last healthy loss network, meta "
                            "learning rate halved)"));
    f.push_back(intField("collapse.max_restores", LS_REF(collapse.maxRestores), 1, kMaxInt,
                         "Collapse: restores of one healthy snapshot in a row before restore "
                         "gives up on it and the loss learns on as it is"));

    f.push_back(realField("taylorglo.sigma", LS_REF(taylorglo.sigma), 1e-6, 100,
                          "TaylorGLO: CMA-ES initial step size"));
    f.push_back(intField("taylorglo.population", LS_REF(taylorglo.population), 2, 10000,
                         "TaylorGLO: candidates per generation"));
    f.push_back(intField("taylorglo.generations", LS_REF(taylorglo.generations), 1, 100000,
                         "TaylorGLO: generations"));
    f.push_back(intField("taylorglo.partial_steps", LS_REF(taylorglo.partialSteps), 1, kMaxInt,
                         "TaylorGLO: training steps that judge a candidate"));
    return f;
}

#undef LS_REF

const std::vector<FieldImpl>& fields() {
    static const std::vector<FieldImpl> all = buildFields();
    return all;
}

const FieldImpl* findField(const std::string& key) {
    for (const auto& f : fields()) {
        if (f.info.key == key) {
            return &f;
        }
    }
    return nullptr;
}

/// "optimizer.lrr" -> "unknown config key 'optimizer.lrr'; keys of 'optimizer': name, lr, ..."
Error unknownKey(const std::string& key) {
    const auto dot = key.rfind('.');
    const std::string prefix = dot == std::string::npos ? "" : key.substr(0, dot + 1);
    std::string known;
    for (const auto& f : fields()) {
        const auto& k = f.info.key;
        if (k.compare(0, prefix.size(), prefix) == 0 &&
            k.find('.', prefix.size()) == std::string::npos) {
            known += (known.empty() ? "" : ", ") + k.substr(prefix.size());
        }
    }
    return Error{
        "unknown config key '" + key + "'" +
            (known.empty()
                 ? std::string()
                 : "; keys " +
                       (prefix.empty() ? std::string("at the top level")
                                       : "of '" + prefix.substr(0, prefix.size() - 1) + "'") +
                       ": " + known),
        key};
}

bool isGroup(const std::string& key) {
    const std::string prefix = key + ".";
    for (const auto& f : fields()) {
        if (f.info.key.compare(0, prefix.size(), prefix) == 0) {
            return true;
        }
    }
    return false;
}

Status applyObject(RunConfig& config, const json& object, const std::string& prefix) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string key = prefix + it.key();
        if (const FieldImpl* field = findField(key)) {
            if (Status s = field->set(config, it.value()); !s) {
                return s;
            }
        } else if (isGroup(key)) {
            if (!it.value().is_object()) {
                return keyError(key, "must be an object, got " + it.value().dump());
            }
            if (Status s = applyObject(config, it.value(), key + "."); !s) {
                return s;
            }
        } else {
            return unknownKey(key);
        }
    }
    return {};
}

json toJsonValue(const RunConfig& config) {
    json out = json::object();
    for (const auto& f : fields()) {
        json* node = &out;
        std::string key = f.info.key;
        for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
            node = &(*node)[key.substr(0, dot)];
            key = key.substr(dot + 1);
        }
        (*node)[key] = f.get(config);
    }
    return out;
}

bool needsPath(const std::string& dataset) {
    return dataset != "fashion-mnist" && dataset != "synthetic";
}

}  // namespace

const std::vector<ConfigField>& configFields() {
    static const std::vector<ConfigField> infos = [] {
        std::vector<ConfigField> out;
        for (const auto& f : fields()) {
            out.push_back(f.info);
        }
        return out;
    }();
    return infos;
}

Result<RunConfig> parseRunConfigValues(const std::string& text) {
    json document;
    if (Status s = config::parseJsonOnce(text, document); !s) {
        return s.failure();
    }
    if (!document.is_object()) {
        return Error{"config must be a JSON object, got " + std::string(document.type_name())};
    }
    RunConfig config;
    if (Status s = applyObject(config, document, ""); !s) {
        return s.failure();
    }
    return config;
}

Result<RunConfig> parseRunConfig(const std::string& text) {
    auto config = parseRunConfigValues(text);
    if (!config) {
        return config;
    }
    if (Status s = validate(config.value()); !s) {
        return s.failure();
    }
    return config;
}

Result<RunConfig> readRunConfigFile(const std::string& path, ConfigCheck check) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return Error{"cannot read config " + path + ": " + std::strerror(errno)};
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    if (file.bad()) {
        return Error{"cannot read config " + path + ": " + std::strerror(errno)};
    }
    const auto text = configTextOf(contents.str());  // a preset file wraps its config
    if (!text.ok()) {
        return Error{path + ": " + text.error(), text.errorKey()};
    }
    auto parsed = check == ConfigCheck::Complete ? parseRunConfig(text.value())
                                                 : parseRunConfigValues(text.value());
    if (!parsed.ok()) {
        return Error{path + ": " + parsed.error(), parsed.errorKey()};
    }
    return parsed;
}

std::string toJson(const RunConfig& config, int indent) {
    return toJsonValue(config).dump(indent);
}

namespace {

/// Features of one example of the named dataset, or 1 where only the file tells (CSV): a lower
/// bound is all the memory check below needs.
double inputFeatures(const RunConfig& c) {
    const std::string& d = c.data.name;
    if (d == "mnist" || d == "fashion-mnist" || d == "kmnist") {
        return 28.0 * 28.0;
    }
    if (d == "cifar10" || d == "cifar100") {
        return 3.0 * 32.0 * 32.0;
    }
    if (d == "synthetic") {
        return static_cast<double>(c.data.syntheticFeatures);
    }
    return 1.0;
}

/// Physical memory of this machine in bytes, or 0 where it cannot be read.
double physicalMemoryBytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0) {
        return static_cast<double>(pages) * static_cast<double>(pageSize);
    }
#endif
    return 0.0;
}

std::string gib(double bytes) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(1);
    os << bytes / (1024.0 * 1024.0 * 1024.0) << " GiB";
    return os.str();
}

/// An MLP too big for this machine's memory, refused before anything is allocated. The estimate
/// is a lower bound (float32 weights and their gradients, and one batch of activations with their
/// gradients), so a model that fits is never refused.
Status checkMlpFits(const RunConfig& c) {
    if (c.model.name != "mlp" || c.model.hidden.empty()) {
        return {};
    }
    double parameters = 0;
    double width = inputFeatures(c);
    double activations = 0;
    std::ostringstream shape;
    shape << static_cast<long long>(width);
    for (const std::int64_t h : c.model.hidden) {
        parameters += (width + 1.0) * static_cast<double>(h);
        activations += static_cast<double>(h);
        width = static_cast<double>(h);
        shape << "-" << h;
    }
    parameters += width + 1.0;  // at least one class
    shape << "-classes";
    const double bytes =
        4.0 * 2.0 * parameters + 4.0 * 2.0 * activations * static_cast<double>(c.batchSize);
    const double memory = physicalMemoryBytes();
    if (memory > 0 && bytes > memory) {
        std::ostringstream os;
        os.precision(3);
        os << "makes a " << shape.str() << " MLP of " << parameters
           << " parameters; training it needs at least " << gib(bytes)
           << " (float32 weights, their gradients and one batch of activations), more than this "
              "machine's "
           << gib(memory) << " of memory: make the hidden layers smaller";
        return keyError("model.hidden", os.str());
    }
    return {};
}

}  // namespace

Status validate(const RunConfig& c) {
    // Every field's own type and range: re-apply its current value.
    RunConfig scratch = c;
    for (const auto& f : fields()) {
        if (Status s = f.set(scratch, f.get(c)); !s) {
            return s;
        }
    }
    if (needsPath(c.data.name) && c.data.path.empty()) {
        return keyError("data.path", "is empty, but dataset '" + c.data.name +
                                         "' is read from a path: give the folder (or CSV file) "
                                         "that holds it");
    }
    if (c.method == "taylorglo" && c.data.validationFraction <= 0) {
        return keyError("data.validation_fraction",
                        "is 0, but TaylorGLO judges its candidate losses by their validation "
                        "error; raise it");
    }
    if ((c.method == "ml3" || c.method == "adalfl") && c.meta.batches == "validation" &&
        c.data.validationFraction <= 0) {
        return keyError("data.validation_fraction",
                        "is 0, but method '" + c.method +
                            "' takes its meta batches from the validation split; raise it or set "
                            "meta.batches to \"train\"");
    }
    if (c.optimizer.nesterov && c.optimizer.momentum <= 0) {
        return keyError("optimizer.nesterov", "needs optimizer.momentum > 0");
    }
    for (std::size_t i = 1; i < c.optimizer.milestones.size(); ++i) {
        if (c.optimizer.milestones[i] <= c.optimizer.milestones[i - 1]) {
            return keyError("optimizer.milestones", "must be strictly increasing");
        }
    }
    if (c.model.name == "mlp" && c.model.hidden.empty()) {
        return keyError("model.hidden",
                        "is empty; an MLP needs at least one hidden layer (use model.name "
                        "\"logistic\" for none)");
    }
    return checkMlpFits(c);
}

Status setConfigValue(RunConfig& config, const std::string& key, const std::string& text) {
    const FieldImpl* field = findField(key);
    if (field == nullptr) {
        return unknownKey(key);
    }
    json value;
    const ConfigType type = field->info.type;
    if (type == ConfigType::String) {
        value = text;
    } else if (type == ConfigType::IntList && !text.empty() && text.front() != '[') {
        value = json::array();
        std::stringstream items(text);
        std::string item;
        while (std::getline(items, item, ',')) {
            json parsed = json::parse(item, nullptr, /*allow_exceptions=*/false);
            if (parsed.is_discarded()) {
                return keyError(key,
                                std::string("must be ") + typeName(type) + ", got '" + text + "'");
            }
            value.push_back(parsed);
        }
    } else if (type == ConfigType::IntList && text.empty()) {
        value = json::array();
    } else {
        value = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (value.is_discarded()) {
            return keyError(key, std::string("must be ") + typeName(type) + ", got '" + text + "'");
        }
    }
    return field->set(config, value);
}

Result<std::string> configValue(const RunConfig& config, const std::string& key) {
    const FieldImpl* field = findField(key);
    if (field == nullptr) {
        return unknownKey(key);
    }
    return field->get(config).dump();
}

namespace {

/// A setting added after runs were recorded: its JSON place and the value that reproduces how
/// runs behaved before it (legacy_config.h).
struct LateSetting {
    const char* key;      ///< dotted config key
    const char* pointer;  ///< its place in toJsonValue()
    json legacy;
};

const std::vector<LateSetting>& lateSettings() {
    static const std::vector<LateSetting> settings = {
        {"collapse.max_restores", "/collapse/max_restores", json(kLegacyMaxRestores)},
        {"loss.ce_weight", "/loss/ce_weight", json(0.0)},
    };
    return settings;
}

}  // namespace

RunConfig withLegacyValues(const RunConfig& config) {
    RunConfig out = config;
    for (const LateSetting& late : lateSettings()) {
        if (Status set = findField(late.key)->set(out, late.legacy); !set) {
            throw std::logic_error("legacy value of " + std::string(late.key) + ": " + set.error());
        }
    }
    return out;
}

std::string lateSettingsChanged(const RunConfig& config) {
    const json value = toJsonValue(config);
    std::string out;
    for (const LateSetting& late : lateSettings()) {
        const json& v = value.at(json::json_pointer(late.pointer));
        if (v != late.legacy) {
            out += (out.empty() ? "" : ", ") + std::string(late.key) + " = " + v.dump();
        }
    }
    return out;
}

std::string configHash(const RunConfig& config) {
    json value = toJsonValue(config);
    value.erase("name");
    value.erase("threads");
    value.erase("checkpoint_interval");
    // A late setting at its legacy value is left out: the hash an earlier version gave the run.
    for (const LateSetting& late : lateSettings()) {
        const json::json_pointer at(late.pointer);
        if (value.at(at) == late.legacy) {
            value.at(at.parent_pointer()).erase(at.back());
        }
    }
    const std::string text = value.dump();
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a 64
    for (unsigned char ch : text) {
        hash ^= ch;
        hash *= 1099511628211ull;
    }
    static const char* digits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4) {
        out[i] = digits[hash & 0xf];
    }
    return out;
}

std::string resolvedLossActivation(const RunConfig& config) {
    if (config.loss.activation != "auto") {
        return config.loss.activation;
    }
    return config.method == "ml3" ? "relu" : "smooth_leaky_relu";
}

std::string resolvedLossOutput(const RunConfig& config) {
    if (config.loss.output != "auto") {
        return config.loss.output;
    }
    return config.method == "ml3" ? "softplus" : "none";
}

std::string defaultRunName(const RunConfig& config) {
    return config.method + "-" + config.model.name + "-" + config.data.name + "-s" +
           std::to_string(config.seed);
}

std::string uniqueRunName(const RunConfig& config) {
    static std::mutex mutex;
    static std::mt19937_64 random{std::random_device{}()};
    std::uint64_t bits = 0;
    {
        std::lock_guard<std::mutex> lock(mutex);
        bits = random();
    }
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%06llx",
                  static_cast<unsigned long long>(bits & 0xFFFFFFu));
    return defaultRunName(config) + "-" + suffix;
}

}  // namespace lossstudio::core
