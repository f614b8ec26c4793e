#include "sweep_grid.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <map>

namespace lossstudio::app {
namespace {

using core::Error;
using core::Result;

/// One dimension of the plan: a plain axis (one key) or a zipped group (several keys whose
/// values go together, position by position).
struct Dimension {
    std::vector<std::string> keys;
    std::vector<std::vector<std::string>> values;  ///< values[position][key index], --set text
};

Error gridError(const std::string& what, const std::string& key = {}) {
    return Error{what, key};
}

/// A JSON value as the text `--set` takes ("0.1", "adalfl", "true", "[256,256]").
Result<std::string> setText(const QJsonValue& value, const std::string& key) {
    switch (value.type()) {
        case QJsonValue::String:
            return value.toString().toStdString();
        case QJsonValue::Bool:
            return std::string(value.toBool() ? "true" : "false");
        case QJsonValue::Double: {
            const double d = value.toDouble();
            if (std::floor(d) == d && std::fabs(d) < 9.0e15) {
                return std::to_string(static_cast<long long>(d));
            }
            return QString::number(d, 'g', QLocale::FloatingPointShortest).toStdString();
        }
        case QJsonValue::Array:
            return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact).toStdString();
        default:
            return gridError("axis '" + key +
                                 "': a value must be a number, a string, a bool or a "
                                 "list of numbers",
                             key);
    }
}

/// Keys a grid may not vary: they are the sweep's own or do not change a run's result.
Result<bool> checkAxisKey(const std::string& key, const core::RunConfig& probe) {
    if (key == "seed") {
        return gridError("axis 'seed': list seeds under \"seeds\", not as an axis", key);
    }
    if (key == "name") {
        return gridError("axis 'name': the sweep names its runs (grid name + task id)", key);
    }
    // The key must be one `--set` can set: try it with its current value.
    const auto current = core::configValue(probe, key);
    if (!current.ok()) {
        return Error{"axis '" + key + "': " + current.error(),
                     current.errorKey().empty() ? key : current.errorKey()};
    }
    return true;
}

Result<Dimension> readAxis(const std::string& key, const QJsonValue& values,
                           const core::RunConfig& probe) {
    if (auto ok = checkAxisKey(key, probe); !ok.ok()) {
        return ok.failure();
    }
    if (!values.isArray()) {
        return gridError("axis '" + key + "': must be a list of values", key);
    }
    const QJsonArray list = values.toArray();
    if (list.isEmpty()) {
        return gridError("axis '" + key + "': is empty (an empty axis makes no tasks)", key);
    }
    Dimension d;
    d.keys = {key};
    for (const QJsonValue& v : list) {
        auto text = setText(v, key);
        if (!text.ok()) {
            return text.failure();
        }
        for (const auto& earlier : d.values) {
            if (earlier.front() == text.value()) {
                return gridError("axis '" + key + "': the value " + text.value() +
                                     " is listed twice (the same tasks twice)",
                                 key);
            }
        }
        d.values.push_back({text.value()});
    }
    return d;
}

Result<Dimension> readZip(int at, const QJsonValue& group, const core::RunConfig& probe) {
    const std::string where = "zip[" + std::to_string(at) + "]";
    if (!group.isObject() || group.toObject().isEmpty()) {
        return gridError(where + ": must be an object of dotted key -> list of values");
    }
    Dimension d;
    const QJsonObject object = group.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        auto axis = readAxis(it.key().toStdString(), it.value(), probe);
        if (!axis.ok()) {
            return Error{where + ": " + axis.error(), axis.errorKey()};
        }
        const Dimension& one = axis.value();
        if (!d.keys.empty() && one.values.size() != d.values.size()) {
            return gridError(where + ": '" + one.keys.front() + "' has " +
                                 std::to_string(one.values.size()) + " values, '" + d.keys.front() +
                                 "' " + std::to_string(d.values.size()) +
                                 " (zipped lists go together and must be equally long)",
                             one.keys.front());
        }
        if (d.keys.empty()) {
            d.values.resize(one.values.size());
        }
        d.keys.push_back(one.keys.front());
        for (std::size_t i = 0; i < one.values.size(); ++i) {
            d.values[i].push_back(one.values[i].front());
        }
    }
    return d;
}

Result<SweepResources> readResources(const QJsonValue& value) {
    SweepResources r;
    if (value.isUndefined()) {
        return r;
    }
    if (!value.isObject()) {
        return gridError("resources: must be an object {cpus, memory, time, gpus}");
    }
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString k = it.key();
        const QJsonValue v = it.value();
        const std::string name = "resources." + k.toStdString();
        if (k == QLatin1String("cpus") || k == QLatin1String("gpus")) {
            const double d = v.toDouble(-1);
            const int min = k == QLatin1String("cpus") ? 1 : 0;
            if (!v.isDouble() || std::floor(d) != d || d < min || d > 1024) {
                return gridError(name + ": must be a whole number >= " + std::to_string(min));
            }
            (k == QLatin1String("cpus") ? r.cpus : r.gpus) = static_cast<int>(d);
        } else if (k == QLatin1String("memory")) {
            static const QRegularExpression kMemory(QStringLiteral("^[1-9][0-9]*[KMGT]?$"));
            if (!v.isString() || !kMemory.match(v.toString()).hasMatch()) {
                return gridError(name + ": must be Slurm's --mem text, e.g. \"2G\" or \"500M\"");
            }
            r.memory = v.toString();
        } else if (k == QLatin1String("time")) {
            // Slurm's --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
            static const QRegularExpression kTime(
                QStringLiteral("^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$"));
            if (!v.isString() || !kTime.match(v.toString()).hasMatch()) {
                return gridError(name + ": must be Slurm's --time text, e.g. \"01:30:00\"");
            }
            r.time = v.toString();
        } else {
            return gridError("resources: unknown key '" + k.toStdString() +
                             "' (known: cpus, memory, time, gpus)");
        }
    }
    return r;
}

Result<core::RunConfig> readBase(const QJsonObject& grid, const QString& baseDir) {
    const bool hasBase = grid.contains(QLatin1String("base"));
    const bool hasConfig = grid.contains(QLatin1String("config"));
    if (hasBase && hasConfig) {
        return gridError("give either \"base\" (a config or preset file) or \"config\", not both");
    }
    if (hasBase) {
        const QJsonValue base = grid.value(QLatin1String("base"));
        if (!base.isString() || base.toString().isEmpty()) {
            return gridError("base: must be the path of a config or preset file");
        }
        const QString path = QDir(baseDir).absoluteFilePath(base.toString());
        // Values only: a combination may be completed by the axes (validated per task).
        return core::readRunConfigFile(path.toStdString(), core::ConfigCheck::Values);
    }
    if (hasConfig) {
        const QJsonValue config = grid.value(QLatin1String("config"));
        if (!config.isObject()) {
            return gridError("config: must be a config object (lossstudio-cli config --defaults)");
        }
        auto parsed = core::parseRunConfigValues(
            QJsonDocument(config.toObject()).toJson(QJsonDocument::Compact).toStdString());
        if (!parsed.ok()) {
            return Error{"config: " + parsed.error(), parsed.errorKey()};
        }
        return parsed;
    }
    return core::RunConfig{};
}

std::string describe(const SweepTask& task) {
    std::string text;
    for (const auto& [key, value] : task.settings) {
        text += key + "=" + value + " ";
    }
    return text + "seed=" + std::to_string(task.seed);
}

}  // namespace

std::string sweepTaskId(const core::RunConfig& config) {
    core::RunConfig unseeded = config;
    unseeded.seed = 0;
    return core::configHash(unseeded) + "-s" + std::to_string(config.seed);
}

core::Result<SweepGrid> parseSweepGrid(const QByteArray& json, const QString& baseDir) {
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (document.isNull()) {
        return gridError("not JSON: " + parseError.errorString().toStdString() + " at offset " +
                         std::to_string(parseError.offset));
    }
    if (!document.isObject()) {
        return gridError("a grid is a JSON object {name, base or config, axes, zip, seeds, ...}");
    }
    const QJsonObject grid = document.object();
    static const QSet<QString> kKnown = {
        QStringLiteral("name"),   QStringLiteral("description"), QStringLiteral("base"),
        QStringLiteral("config"), QStringLiteral("set"),         QStringLiteral("axes"),
        QStringLiteral("zip"),    QStringLiteral("seeds"),       QStringLiteral("resources")};
    for (auto it = grid.begin(); it != grid.end(); ++it) {
        if (!kKnown.contains(it.key())) {
            return gridError("unknown grid key '" + it.key().toStdString() +
                             "' (known: name, description, base, config, set, axes, zip, seeds, "
                             "resources)");
        }
    }

    SweepGrid out;
    const QJsonValue name = grid.value(QLatin1String("name"));
    static const QRegularExpression kName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*$"));
    if (!name.isString() || !kName.match(name.toString()).hasMatch()) {
        return gridError(
            "name: required, letters, digits, '.', '_' and '-' (it names the runs "
            "and the Slurm job)");
    }
    out.name = name.toString().toStdString();

    auto base = readBase(grid, baseDir);
    if (!base.ok()) {
        return base.failure();
    }
    core::RunConfig config = std::move(base).value();

    // Fixed settings for every task, applied to the base before the axes.
    const QJsonValue set = grid.value(QLatin1String("set"));
    if (!set.isUndefined() && !set.isObject()) {
        return gridError("set: must be an object of dotted key -> value");
    }
    const QJsonObject fixed = set.toObject();
    for (auto it = fixed.begin(); it != fixed.end(); ++it) {
        const std::string key = it.key().toStdString();
        auto text = setText(it.value(), key);
        if (!text.ok()) {
            return text.failure();
        }
        if (const auto s = core::setConfigValue(config, key, text.value()); !s.ok()) {
            return Error{"set." + key + ": " + s.error(),
                         s.errorKey().empty() ? key : s.errorKey()};
        }
    }

    std::vector<Dimension> dimensions;
    const QJsonValue axes = grid.value(QLatin1String("axes"));
    if (!axes.isUndefined() && !axes.isObject()) {
        return gridError("axes: must be an object of dotted key -> list of values");
    }
    // QJsonObject iterates in key order: the plan's order is that of the sorted keys.
    const QJsonObject axisObject = axes.toObject();
    for (auto it = axisObject.begin(); it != axisObject.end(); ++it) {
        auto axis = readAxis(it.key().toStdString(), it.value(), config);
        if (!axis.ok()) {
            return axis.failure();
        }
        dimensions.push_back(std::move(axis).value());
    }
    const QJsonValue zip = grid.value(QLatin1String("zip"));
    if (!zip.isUndefined() && !zip.isArray()) {
        return gridError("zip: must be a list of groups {key: [values], key: [values]}");
    }
    const QJsonArray zipList = zip.toArray();
    for (int i = 0; i < zipList.size(); ++i) {
        auto group = readZip(i, zipList[i], config);
        if (!group.ok()) {
            return group.failure();
        }
        dimensions.push_back(std::move(group).value());
    }
    std::map<std::string, int> seen;
    for (const Dimension& d : dimensions) {
        for (const std::string& key : d.keys) {
            if (seen[key]++ > 0) {
                return gridError("axis '" + key +
                                     "': varied twice (in axes and zip, or in two "
                                     "zipped groups)",
                                 key);
            }
            if (fixed.contains(QString::fromStdString(key))) {
                return gridError("axis '" + key + "': also fixed under \"set\"", key);
            }
            out.axisKeys.push_back(key);
        }
    }

    const QJsonValue seeds = grid.value(QLatin1String("seeds"));
    if (seeds.isUndefined()) {
        out.seeds = {config.seed};
    } else {
        if (!seeds.isArray() || seeds.toArray().isEmpty()) {
            return gridError("seeds: must be a non-empty list of whole numbers >= 0", "seed");
        }
        for (const QJsonValue& s : seeds.toArray()) {
            const double d = s.toDouble(-1);
            if (!s.isDouble() || std::floor(d) != d || d < 0 || d > 9.0e15) {
                return gridError("seeds: must be whole numbers >= 0", "seed");
            }
            out.seeds.push_back(static_cast<std::uint64_t>(d));
        }
    }

    auto resources = readResources(grid.value(QLatin1String("resources")));
    if (!resources.ok()) {
        return resources.failure();
    }
    out.resources = resources.value();

    // Expand: the dimensions in order, the last varying fastest, then the seeds innermost.
    std::size_t combinations = 1;
    for (const Dimension& d : dimensions) {
        combinations *= d.values.size();
        if (combinations * out.seeds.size() > 100000) {
            return gridError("the grid has more than 100000 tasks");
        }
    }
    std::map<std::string, int> ids;
    for (std::size_t c = 0; c < combinations; ++c) {
        core::RunConfig combined = config;
        std::vector<std::pair<std::string, std::string>> settings;
        std::size_t rest = c;
        std::vector<std::size_t> positions(dimensions.size());
        for (std::size_t d = dimensions.size(); d-- > 0;) {
            positions[d] = rest % dimensions[d].values.size();
            rest /= dimensions[d].values.size();
        }
        for (std::size_t d = 0; d < dimensions.size(); ++d) {
            const Dimension& dim = dimensions[d];
            for (std::size_t k = 0; k < dim.keys.size(); ++k) {
                const std::string& key = dim.keys[k];
                const std::string& value = dim.values[positions[d]][k];
                if (const auto s = core::setConfigValue(combined, key, value); !s.ok()) {
                    return Error{"axis '" + key + "' value '" + value + "': " + s.error(),
                                 s.errorKey().empty() ? key : s.errorKey()};
                }
                settings.emplace_back(key, value);
            }
        }
        for (const std::uint64_t seed : out.seeds) {
            SweepTask task;
            task.index = static_cast<int>(out.tasks.size());
            task.seed = seed;
            task.settings = settings;
            task.config = combined;
            task.config.seed = seed;
            if (const auto valid = core::validate(task.config); !valid.ok()) {
                return Error{"task " + std::to_string(task.index) + " (" + describe(task) +
                                 "): " + valid.error(),
                             valid.errorKey()};
            }
            task.id = sweepTaskId(task.config);
            if (const auto [at, added] = ids.emplace(task.id, task.index); !added) {
                const SweepTask& first = out.tasks[static_cast<std::size_t>(at->second)];
                std::string key;
                for (const auto& [k, v] : task.settings) {
                    const auto other =
                        std::find_if(first.settings.begin(), first.settings.end(),
                                     [&k = k](const auto& s) { return s.first == k; });
                    if (other != first.settings.end() && other->second != v && key.empty()) {
                        key = k;
                    }
                }
                return gridError("tasks " + std::to_string(first.index) + " (" + describe(first) +
                                     ") and " + std::to_string(task.index) + " (" + describe(task) +
                                     ") are the same run (identity " + task.id + ")" +
                                     (key.empty() ? std::string()
                                                  : ": axis '" + key +
                                                        "' does not change the result or repeats "
                                                        "a value"),
                                 key);
            }
            task.config.name = out.name + "-" + task.id;
            out.tasks.push_back(std::move(task));
        }
    }
    return out;
}

core::Result<SweepGrid> readSweepGrid(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return gridError(path.toStdString() +
                         ": cannot read the grid file: " + file.errorString().toStdString());
    }
    auto grid = parseSweepGrid(file.readAll(), QFileInfo(path).absolutePath());
    if (!grid.ok()) {
        return Error{path.toStdString() + ": " + grid.error(), grid.errorKey()};
    }
    return grid;
}

}  // namespace lossstudio::app
