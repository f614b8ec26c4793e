#include <QCoreApplication>
#include <QStringList>
#include <cstdio>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/torch_info.h>

#include "app_common.h"
#include "cli_commands.h"

namespace {

const char* const kUsage =
    "usage: lossstudio-cli [--version] [--verbose] <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG.json [--set key=value ...] [--db PATH]   train one run headless\n"
    "  config --defaults                                   print a complete default config\n"
    "  config --check CONFIG.json                          validate a config (or preset) file\n"
    "  config --keys                                       list every config key with its description\n"
    "  runs list|show|export|delete|merge ... [--db PATH]  the run store\n"
    "  sweep plan GRID.json [--json]                       expand a grid file into its tasks\n"
    "\n"
    "lossstudio-cli <command> --help shows a command's options.\n";

}  // namespace

int main(int argc, char* argv[]) {
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("lossstudio-cli"));
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    const lossstudio::core::EngineInfo engine = lossstudio::core::engineInfo();
    if (args.contains(QStringLiteral("--version"))) {
        std::fputs(
            qPrintable(lossstudio::app::versionText(QStringLiteral("lossstudio-cli"), engine)),
            stdout);
        return 0;
    }
    lossstudio::app::initAppLogging(args, engine);
    args.removeAll(QStringLiteral("--verbose"));
    args.removeAll(QStringLiteral("-v"));
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h") || args.first() == QLatin1String("help")) {
        std::fputs(kUsage, args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    const QString command = args.takeFirst();
    try {
        if (command == QLatin1String("run")) {
            return lossstudio::app::runCommand(args);
        }
        if (command == QLatin1String("config")) {
            return lossstudio::app::configCommand(args);
        }
        if (command == QLatin1String("runs")) {
            return lossstudio::app::runsCommand(args);
        }
        if (command == QLatin1String("sweep")) {
            return lossstudio::app::sweepCommand(args);
        }
    } catch (const std::exception& e) {
        lossstudio::core::logger("app")->critical("{}: {}", command.toStdString(), e.what());
        return 1;
    }
    std::fprintf(stderr, "lossstudio-cli: unknown command '%s'\n\n%s", qPrintable(command), kUsage);
    return 2;
}
