#pragma once

#include <QJsonObject>
#include <QString>
#include <QVector>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::ui {

/// A ready-made experiment: a partial config applied over the defaults. Value type.
struct Preset {
    QString id;           ///< file name without ".json", e.g. "quick"
    QString title;        ///< shown in the preset menu
    QString description;  ///< tooltip / explanation (paper setting, expected time)
    int order = 0;        ///< position in the menu
    /// "expected_seconds": the stated time from Start to finished on an idle machine (the
    /// studio says so when a busy machine takes far longer); 0 when the preset states none.
    double expectedSeconds = 0;
    QJsonObject config;   ///< the keys the preset sets
};

/// The presets compiled into the application (resources/presets/*.json through the .qrc), in
/// menu order. Files that do not parse are skipped with an error in the log. Any thread.
QVector<Preset> builtinPresets();
/// The preset with `id`, or nullptr.
const Preset* findPreset(const QVector<Preset>& presets, const QString& id);
/// The defaults with the preset's keys applied (combinations are not checked: a CIFAR preset
/// leaves data.path for the user to choose). An Error names the preset and the key.
core::Result<core::RunConfig> presetConfig(const Preset& preset);

}  // namespace lossstudio::ui
