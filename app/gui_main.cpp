// lossstudio: the studio window.
//   lossstudio [--config FILE] [--preset NAME] [--set key=value ...] [--start] [--db PATH]
//              [--screenshot DIR] [--verbose] [--version]
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEvent>
#include <QPointer>
#include <QTimer>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/paths.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/core/version.h>
#include <lossstudio/ui/engine_controller.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/presets.h>
#include <lossstudio/ui/run_table_model.h>
#include <lossstudio/ui/runs_browser.h>

#include "app_common.h"
#include "run_recorder.h"
#include "store_location.h"

namespace {

using lossstudio::ui::EngineController;
using lossstudio::ui::MainWindow;

int usageError(const QString& message) {
    std::fprintf(stderr, "lossstudio: %s\n", qPrintable(message));
    return 2;
}

/// After the run: the Runs tab with every stored run selected, the run in Replay and every run of
/// the store in Compare, each saved as `<directory>/<name>.png`; then `done(ok)`. A step at a
/// time from the event loop, so each tab has laid out and drawn before it is grabbed.
void screenshotTheOtherTabs(MainWindow& window, const QString& directory,
                            std::function<void(bool)> done) {
    const auto save = [&window, directory](const char* name) {
        const QString path = QDir(directory).filePath(QLatin1String(name) + QStringLiteral(".png"));
        const bool saved = window.saveScreenshot(path);
        if (saved) {
            lossstudio::core::logger("app")->info("screenshot {}", path.toStdString());
        }
        return saved;
    };
    auto* browser = window.runsBrowser();
    browser->refresh();
    window.tabs()->setCurrentWidget(browser);
    QVector<qint64> ids;
    for (int row = 0; row < browser->model()->rowCount(); ++row) {
        ids << browser->model()->runId(row);
    }
    browser->selectRuns(ids);
    constexpr int kSettleMs = 700;
    QTimer::singleShot(kSettleMs, &window, [&window, save, ids, done]() {
        bool ok = save("runs");
        // The run just finished is the newest: the first row of the browser's default order.
        ok = !ids.isEmpty() && window.openStoredRun(ids.first()) && ok;
        QTimer::singleShot(kSettleMs, &window, [&window, save, ids, done, ok]() {
            bool good = save("replay") && ok;
            good = window.compareRuns(ids) && good;
            QTimer::singleShot(kSettleMs, &window,
                               [save, done, good]() { done(save("compare") && good); });
        });
    });
}

/// Saves the window at about half the run and at its end, then the Runs, Replay and Compare
/// tabs, then quits (scripts/screenshots.sh).
void installScreenshots(MainWindow& window, const QString& directory) {
    QDir().mkpath(directory);
    auto* controller = window.controller();
    auto takenMid = std::make_shared<bool>(false);
    QObject::connect(
        controller, &EngineController::eventsArrived, &window,
        [&window, directory, takenMid](const lossstudio::ui::EventBatch& batch) {
            if (*takenMid || !batch.lastStep || batch.lastStep->progress < 0.5) {
                return;
            }
            *takenMid = true;
            const QString path = QDir(directory).filePath(QStringLiteral("live-mid-run.png"));
            if (window.saveScreenshot(path)) {
                lossstudio::core::logger("app")->info("screenshot {}", path.toStdString());
            }
        });
    QObject::connect(
        controller, &EngineController::runFinished, &window,
        [&window, directory](const lossstudio::core::Finished& finished) {
            const QString path = QDir(directory).filePath(QStringLiteral("live-end.png"));
            const bool saved = window.saveScreenshot(path);
            if (saved) {
                lossstudio::core::logger("app")->info("screenshot {}", path.toStdString());
            }
            const bool ok = saved && finished.status == lossstudio::core::RunStatus::Finished;
            screenshotTheOtherTabs(window, directory,
                                   [ok](bool others) { QApplication::exit(ok && others ? 0 : 1); });
        });
}

/// Seconds since this process started (/proc/self/stat's start time against the clock it counts
/// on, CLOCK_BOOTTIME), or -1 where that cannot be read.
double secondsSinceProcessStart() {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) {  // starttime, in clock ticks after boot
            timespec now{};
            clock_gettime(CLOCK_BOOTTIME, &now);
            const double started = std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
            return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9 - started;
        }
    }
    return -1;
}

/// --startup-time: prints the seconds from process start to the window's first paint, then quits
/// (bench/startup runs it).
class FirstPaintTimer final : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Paint && !m_done) {
            m_done = true;
            // After this paint is delivered: the window is on screen with its widgets drawn.
            QTimer::singleShot(0, qApp, []() {
                std::printf("{\"first_paint_s\": %.3f}\n", secondsSinceProcessStart());
                std::fflush(stdout);
                QApplication::exit(0);
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    bool m_done = false;
};

}  // namespace

int main(int argc, char* argv[]) {
    // The studio's engine: ui links no LibTorch, so app hands it the engine as a value.
    const lossstudio::core::Engine engine = lossstudio::core::libtorchEngine();
    // --version must work without a display.
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--version") == 0) {
            std::fputs(
                qPrintable(lossstudio::app::versionText(QStringLiteral("lossstudio"), engine.info)),
                stdout);
            return 0;
        }
    }
    // Without a display Qt aborts with a message about platform plugins; say what to do instead.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        std::fputs("lossstudio: no display (DISPLAY is not set). Run it in a desktop session, under "
                   "xvfb-run, or headless with QT_QPA_PLATFORM=offscreen; lossstudio-cli trains "
                   "without a window.\n",
                   stderr);
        return 1;
    }
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("LossStudio"));
    QApplication::setOrganizationName(QStringLiteral("LossStudio"));
    QApplication::setApplicationVersion(QString::fromStdString(lossstudio::core::appVersion()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "LossStudio: configure online loss-function learning runs and watch the learned loss "
        "evolve live."));
    parser.addHelpOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Open the experiment in FILE (JSON)."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption presetOption(QStringLiteral("preset"),
                                          QStringLiteral("Open a built-in preset (e.g. quick)."),
                                          QStringLiteral("NAME"));
    const QCommandLineOption setOption(QStringLiteral("set"),
                                       QStringLiteral("Change one config key (repeatable), e.g. "
                                                      "--set steps=2000."),
                                       QStringLiteral("KEY=VALUE"));
    const QCommandLineOption startOption(QStringLiteral("start"),
                                         QStringLiteral("Start training right away."));
    const QCommandLineOption dbOption(QStringLiteral("db"),
                                      QStringLiteral("Record runs in this store (default: "
                                                     "~/.local/share/lossstudio/runs.sqlite)."),
                                      QStringLiteral("PATH"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QStringLiteral("Save the window as DIR/live-mid-run.png at half the run and "
                       "DIR/live-end.png at its end, then quit (implies --start)."),
        QStringLiteral("DIR"));
    const QCommandLineOption verboseOption({QStringLiteral("v"), QStringLiteral("verbose")},
                                           QStringLiteral("Log debug lines."));
    const QCommandLineOption startupOption(
        QStringLiteral("startup-time"),
        QStringLiteral("Print the seconds from process start to the first painted window as "
                       "JSON, then quit."));
    const QCommandLineOption versionOption(QStringLiteral("version"),
                                           QStringLiteral("Print versions and exit."));
    parser.addOptions({configOption, presetOption, setOption, startOption, dbOption,
                       screenshotOption, startupOption, verboseOption, versionOption});
    parser.process(application);

    const QString logPath = lossstudio::app::initAppLogging(QApplication::arguments(), engine.info);
    try {
        MainWindow window(engine);
        window.setLogFilePath(logPath);
        lossstudio::ui::ExperimentPanel* panel = window.experimentPanel();

        if (parser.isSet(configOption) && parser.isSet(presetOption)) {
            return usageError(QStringLiteral("--config and --preset exclude each other"));
        }
        if (parser.isSet(presetOption)) {
            const QString name = parser.value(presetOption);
            if (!panel->applyPreset(name)) {
                QStringList names;
                for (const auto& preset : panel->presets()) {
                    names << preset.id;
                }
                return usageError(QStringLiteral("no preset '%1'; presets: %2")
                                      .arg(name, names.join(QStringLiteral(", "))));
            }
        }
        if (parser.isSet(configOption)) {
            if (auto s = panel->loadConfigFile(parser.value(configOption)); !s) {
                return usageError(QString::fromStdString(s.error()));
            }
        }
        if (parser.isSet(setOption)) {
            lossstudio::core::RunConfig config = panel->config();
            for (const QString& assignment : parser.values(setOption)) {
                const qsizetype eq = assignment.indexOf(QLatin1Char('='));
                if (eq <= 0) {
                    return usageError(
                        QStringLiteral("--set needs KEY=VALUE, got '%1'").arg(assignment));
                }
                auto s = lossstudio::core::setConfigValue(config, assignment.left(eq).toStdString(),
                                                          assignment.mid(eq + 1).toStdString());
                if (!s) {
                    return usageError(QString::fromStdString(s.error()));
                }
            }
            panel->setConfig(config);
        }

        // Every run started here is recorded in the store, by a recorder that lives on the
        // engine thread (made and destroyed there by the controller). The window says which store
        // (the runs browser may switch to another) and which stored run a resumed run continues.
        const auto storeFile = lossstudio::app::storePath(
            parser.isSet(dbOption) ? std::optional(parser.value(dbOption)) : std::nullopt);
        if (!storeFile.ok()) {
            return usageError(QString::fromStdString(storeFile.error()));
        }
        const QString store = storeFile.value();
        window.setStorePath(store);
        const QPointer<MainWindow> target(&window);
        window.controller()->setRunObserverFactory(
            [store, target](const lossstudio::core::RunConfig& config,
                            const EngineController::StartOptions& start) {
                lossstudio::app::RunRecorder::Options options;
                options.storePath = start.storePath.isEmpty() ? store : start.storePath;
                options.resumeUuid = start.resumeRunUuid;
                options.config = config;
                options.onError = [target](const QString& message) {  // engine thread: hand it over
                    QMetaObject::invokeMethod(
                        qApp,
                        [target, message]() {
                            if (target) {
                                target->showStoreError(message);
                            }
                        },
                        Qt::QueuedConnection);
                };
                return std::make_unique<lossstudio::app::RunRecorder>(std::move(options));
            });
        window.setResumeLoader(
            [](const QString& storePath,
               const QString& runUuid) -> lossstudio::core::Result<lossstudio::ui::ResumeRequest> {
                auto plan = lossstudio::app::loadResumePlan(storePath, runUuid);
                if (!plan) {
                    return lossstudio::core::Error{plan.error()};
                }
                lossstudio::ui::ResumeRequest request;
                request.config = std::move(plan.value().config);
                request.checkpoint = std::move(plan.value().checkpoint);
                request.uuid = plan.value().uuid;
                request.step = plan.value().step;
                request.phase = plan.value().phase;
                return request;
            });

        const bool screenshots = parser.isSet(screenshotOption);
        if (screenshots) {
            window.resize(1280, 800);
            installScreenshots(window, parser.value(screenshotOption));
        }
        if (parser.isSet(startupOption)) {
            window.installEventFilter(new FirstPaintTimer(&window));
        }
        window.show();
        lossstudio::core::logger("app")->info("studio started");
        if (parser.isSet(startOption) || screenshots) {
            QTimer::singleShot(0, &window, [&window, panel, screenshots]() {
                if (!window.startRun()) {
                    lossstudio::core::logger("app")->error("cannot start: {}",
                                                           panel->firstError().toStdString());
                    if (screenshots) {
                        QApplication::exit(1);
                    }
                }
            });
        }
        return QApplication::exec();
    } catch (const std::exception& e) {
        lossstudio::core::logger("app")->critical("fatal: {}", e.what());
        return 1;
    }
}
