#include <cstdio>

#include <QCoreApplication>
#include <QStringList>

#include "app_common.h"

int main(int argc, char* argv[]) {
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("lossstudio-cli"));
    const QStringList args = QCoreApplication::arguments();
    if (args.contains(QStringLiteral("--version"))) {
        std::fputs(qPrintable(lossstudio::app::versionText(QStringLiteral("lossstudio-cli"))), stdout);
        return 0;
    }
    lossstudio::app::initAppLogging(args);
    std::fputs("usage: lossstudio-cli [--version] [--verbose]\n", stderr);
    return 2;
}
