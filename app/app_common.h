#pragma once

#include <QString>
#include <QStringList>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::app {

/// "LossStudio 0.1.0 / Qt 6.4.2 / LibTorch 1.13.1 / BLAS: OpenBLAS ..." one item a line.
QString versionText(const QString& executable);

/// Sets up the named loggers from the command line: --verbose raises the level to debug.
/// Returns the log file's path.
QString initAppLogging(const QStringList& arguments);

/// Reads a run config from a JSON file: either a bare config (lossstudio-cli config --defaults)
/// or a preset file (resources/presets/*.json: {"title": ..., "config": {...}}), whose "config"
/// object is the run's config. Errors name the file and, for a bad config, the key.
core::Result<core::RunConfig> readRunConfigFile(const QString& path);

}  // namespace lossstudio::app
