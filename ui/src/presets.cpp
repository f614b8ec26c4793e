#include "lossstudio/ui/presets.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <algorithm>

#include <lossstudio/core/logging.h>

#include "lossstudio/ui/config_io.h"

// The .qrc lives in a static library: make sure its initialiser is linked and has run.
static void initPresetResources() {
    Q_INIT_RESOURCE(lossstudio);
}

namespace lossstudio::ui {

QVector<Preset> builtinPresets() {
    initPresetResources();
    QVector<Preset> presets;
    const QDir dir(QStringLiteral(":/presets"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString& name : files) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly)) {
            continue;
        }
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
        const QJsonObject root = document.object();
        if (error.error != QJsonParseError::NoError ||
            !root.value(QStringLiteral("config")).isObject()) {
            core::logger("ui")->error("preset {}: not a preset file ({})", name.toStdString(),
                                      error.errorString().toStdString());
            continue;
        }
        Preset preset;
        preset.id = name.chopped(5);
        preset.title = root.value(QStringLiteral("title")).toString(preset.id);
        preset.description = root.value(QStringLiteral("description")).toString();
        preset.order = root.value(QStringLiteral("order")).toInt(100);
        preset.expectedSeconds = root.value(QStringLiteral("expected_seconds")).toDouble(0);
        preset.config = root.value(QStringLiteral("config")).toObject();
        presets.push_back(preset);
    }
    std::stable_sort(presets.begin(), presets.end(),
                     [](const Preset& a, const Preset& b) { return a.order < b.order; });
    return presets;
}

const Preset* findPreset(const QVector<Preset>& presets, const QString& id) {
    for (const Preset& preset : presets) {
        if (preset.id == id) {
            return &preset;
        }
    }
    return nullptr;
}

core::Result<core::RunConfig> presetConfig(const Preset& preset) {
    // Keys, types and ranges: a preset of a dataset read from a path has no path yet.
    auto config = core::parseRunConfigValues(
        QJsonDocument(preset.config).toJson(QJsonDocument::Compact).toStdString());
    if (!config) {
        return core::Error{"preset '" + preset.id.toStdString() + "': " + config.error(),
                           config.errorKey()};
    }
    return config;
}

}  // namespace lossstudio::ui
