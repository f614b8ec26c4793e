#include "app_common.h"

#include <QtGlobal>

#include <spdlog/spdlog.h>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/version.h>

namespace lossstudio::app {

QString versionText(const QString& executable, const core::EngineInfo& engine) {
    return QStringLiteral("%1 %2\nQt %3 (built with %4)\nLibTorch %5\nBLAS: %6\nCUDA: %7\n")
        .arg(executable, QString::fromStdString(core::appVersion()),
             QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
             QString::fromStdString(engine.torchVersion), QString::fromStdString(engine.blas),
             engine.cudaAvailable ? QStringLiteral("available") : QStringLiteral("not available"));
}

QString initAppLogging(const QStringList& arguments, const core::EngineInfo& engine) {
    core::LogOptions options;
    if (arguments.contains(QStringLiteral("--verbose")) ||
        arguments.contains(QStringLiteral("-v"))) {
        options.level = spdlog::level::debug;
    }
    core::initLogging(options);
    if (engine.blasIsReference) {
        core::logger("app")->warn(
            "LibTorch is using the reference BLAS, about 25x slower: run scripts/setup.sh or "
            "apt-get install libopenblas0-openmp");
    }
    return QString::fromStdString(core::logFilePath());
}

}  // namespace lossstudio::app
