#pragma once

#include <QString>
#include <QStringList>

#include <lossstudio/core/engine.h>

namespace lossstudio::app {

/// "LossStudio 0.1.0 / Qt 6.4.2 / LibTorch 1.13.1 / BLAS: OpenBLAS ..." one item a line.
QString versionText(const QString& executable, const core::EngineInfo& engine);

/// Sets up the named loggers from the command line: --verbose raises the level to debug. Warns
/// when the engine runs on the reference BLAS. Returns the log file's path.
QString initAppLogging(const QStringList& arguments, const core::EngineInfo& engine);

}  // namespace lossstudio::app
