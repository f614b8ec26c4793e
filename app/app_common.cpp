#include "app_common.h"

#include <QFile>
#include <QtGlobal>

#include <spdlog/spdlog.h>

#include <lossstudio/core/json_keys.h>
#include <lossstudio/core/logging.h>
#include <lossstudio/core/version.h>

namespace lossstudio::app {

QString versionText(const QString& executable) {
    return QStringLiteral("%1 %2\nQt %3 (built with %4)\nLibTorch %5\nBLAS: %6\nCUDA: %7\n")
        .arg(executable, QString::fromStdString(core::appVersion()),
             QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
             QString::fromStdString(core::torchVersion()),
             QString::fromStdString(core::blasDescription()),
             core::cudaAvailable() ? QStringLiteral("available") : QStringLiteral("not available"));
}

QString initAppLogging(const QStringList& arguments) {
    core::LogOptions options;
    if (arguments.contains(QStringLiteral("--verbose")) ||
        arguments.contains(QStringLiteral("-v"))) {
        options.level = spdlog::level::debug;
    }
    core::initLogging(options);
    if (core::blasIsReference()) {
        core::logger("app")->warn(
            "LibTorch is using the reference BLAS, about 25x slower: run scripts/setup.sh or "
            "apt-get install libopenblas0-openmp");
    }
    return QString::fromStdString(core::logFilePath());
}

core::Result<core::RunConfig> readRunConfigFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return core::Error{"cannot read config " + path.toStdString() + ": " +
                           file.errorString().toStdString()};
    }
    const auto text = core::configTextOf(file.readAll().toStdString());  // a preset's config
    if (!text.ok()) {
        return core::Error{path.toStdString() + ": " + text.error()};
    }
    auto parsed = core::parseRunConfig(text.value());
    if (!parsed.ok()) {
        return core::Error{path.toStdString() + ": " + parsed.error()};
    }
    return parsed;
}

}  // namespace lossstudio::app
