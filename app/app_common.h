#pragma once

#include <QString>
#include <QStringList>

namespace lossstudio::app {

/// "LossStudio 0.1.0 / Qt 6.4.2 / LibTorch 1.13.1 / BLAS: OpenBLAS ..." one item a line.
QString versionText(const QString& executable);

/// Sets up the named loggers from the command line: --verbose raises the level to debug.
/// Returns the log file's path.
QString initAppLogging(const QStringList& arguments);

}  // namespace lossstudio::app
