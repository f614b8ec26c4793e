#include <cstdio>

#include <QFile>

#include <lossstudio/core/run_config.h>

#include "cli_commands.h"

namespace lossstudio::app {

int runCommand(const QStringList&) {
    std::fputs("lossstudio-cli run: the engine is not built yet\n", stderr);
    return 1;
}

int configCommand(const QStringList& args) {
    if (args.contains(QStringLiteral("--defaults"))) {
        std::printf("%s\n", core::toJson(core::RunConfig{}).c_str());
        return 0;
    }
    const int check = args.indexOf(QStringLiteral("--check"));
    if (check >= 0 && check + 1 < args.size()) {
        QFile file(args[check + 1]);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s: %s\n", qPrintable(file.fileName()),
                         qPrintable(file.errorString()));
            return 1;
        }
        const auto config = core::parseRunConfig(file.readAll().toStdString());
        if (!config.ok()) {
            std::fprintf(stderr, "%s: %s\n", qPrintable(file.fileName()), config.error().c_str());
            return 1;
        }
        std::printf("%s: valid\n", qPrintable(file.fileName()));
        return 0;
    }
    std::fputs("usage: lossstudio-cli config --defaults | --check CONFIG.json\n", stderr);
    return 2;
}

}  // namespace lossstudio::app
