#include <cstdio>

#include <QApplication>

#include <spdlog/spdlog.h>

#include <lossstudio/core/logging.h>
#include <lossstudio/ui/main_window.h>

#include "app_common.h"

int main(int argc, char* argv[]) {
    // --version must work without a display.
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--version") == 0) {
            std::fputs(qPrintable(lossstudio::app::versionText(QStringLiteral("lossstudio"))), stdout);
            return 0;
        }
    }
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("LossStudio"));
    QApplication::setOrganizationName(QStringLiteral("LossStudio"));
    lossstudio::app::initAppLogging(QApplication::arguments());
    try {
        lossstudio::ui::MainWindow window;
        window.show();
        lossstudio::core::logger("app")->info("studio started");
        return QApplication::exec();
    } catch (const std::exception& e) {
        lossstudio::core::logger("app")->critical("fatal: {}", e.what());
        return 1;
    }
}
