#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::ui {

/// Applies a (possibly partial) JSON config object onto `config`, key by key through
/// core::setConfigValue, so an unknown key, a wrong type or an out-of-range value is an Error
/// naming the key. Unlike core::parseRunConfig it does not check combinations (a missing dataset
/// path is allowed): the experiment panel shows those next to their fields. Any thread.
core::Status applyConfigObject(core::RunConfig& config, const QJsonObject& object);
/// The same for JSON text (must be an object).
core::Status applyConfigJson(core::RunConfig& config, const QByteArray& json);
/// Reads a config file: the defaults with the file's keys applied (see applyConfigObject).
/// Errors name the file and the key.
core::Result<core::RunConfig> readConfigFile(const QString& path);
/// Writes the complete config as indented JSON, atomically. Errors name the file.
core::Status writeConfigFile(const QString& path, const core::RunConfig& config);
/// The value of `key` as an editor shows it: strings unquoted, lists as "1000, 1000",
/// numbers and booleans as JSON text.
QString configValueText(const core::RunConfig& config, const std::string& key);
/// The key a core error message names ("config key 'optimizer.lr' ..."), or empty.
QString keyNamedIn(const QString& message);

}  // namespace lossstudio::ui
