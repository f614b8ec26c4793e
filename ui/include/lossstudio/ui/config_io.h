#pragma once

#include <QString>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::ui {

/// Writes the complete config as indented JSON, atomically. Errors name the file.
core::Status writeConfigFile(const QString& path, const core::RunConfig& config);
/// The value of `key` as an editor shows it: strings unquoted, lists as "1000, 1000",
/// numbers and booleans as JSON text.
QString configValueText(const core::RunConfig& config, const std::string& key);

}  // namespace lossstudio::ui
