// The window builds offscreen with its panels, opens on the default experiment ready to start,
// and offers the documented shortcuts.
#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolBar>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <lossstudio/core/phases.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/version.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/presets.h>
#include <lossstudio/ui/qcp.h>

namespace {

namespace core = lossstudio::core;

/// A scripted engine: the steps handed to it are emitted (in order, as the real engine emits
/// them), then it runs on in place, pausing and stopping as asked, until stopped. No LibTorch.
struct ScriptedEngine {
    struct State {
        std::mutex mutex;
        std::vector<core::StepMetrics> pending;
        std::atomic<bool> waiting{false};  ///< every pending step has been emitted
    };
    std::shared_ptr<State> state = std::make_shared<State>();

    /// A step of `phase` with the whole run's progress as core::runProgress counts it.
    static core::StepMetrics step(const core::RunConfig& config, core::Phase phase, std::int64_t s,
                                  double wallTime) {
        core::StepMetrics m;
        m.phase = phase;
        m.step = s;
        m.wallTime = wallTime;
        m.progress = core::runProgress(config, phase, s);
        m.trainLoss = 1;
        m.trainAccuracy = 0.5;
        return m;
    }
    void emitSteps(std::vector<core::StepMetrics> steps) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->waiting = false;
        for (auto& m : steps) {
            state->pending.push_back(m);
        }
    }
    core::Engine engine() const {
        core::Engine e;
        e.run = [state = state](const core::RunConfig& config, core::Observer& observer,
                                core::RunControl& control, const std::string&) {
            core::RunStarted started;
            started.config = config;
            started.classes = 10;
            observer.onRunStarted(started);
            observer.onPhaseChanged({core::firstPhase(config), 0, "scripted"});
            core::Phase phase = core::firstPhase(config);
            std::int64_t step = 0;
            double wall = 0;
            while (!control.stopRequested()) {
                std::vector<core::StepMetrics> steps;
                {
                    std::lock_guard<std::mutex> lock(state->mutex);
                    std::swap(steps, state->pending);
                    if (steps.empty()) {
                        state->waiting = true;
                    }
                }
                for (const auto& m : steps) {
                    if (m.phase != phase) {
                        observer.onPhaseChanged({m.phase, step, "scripted"});
                        phase = m.phase;
                    }
                    observer.onStepMetrics(m);
                    step = m.step;
                    wall = m.wallTime;
                }
                if (control.pauseRequested() && !control.waitWhilePaused()) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the engine's work
            }
            core::Finished f;
            f.status = core::RunStatus::Stopped;
            f.phase = phase;
            f.step = step;
            f.wallTime = wall;
            f.message = "stopped at step " + std::to_string(step);
            observer.onFinished(f);
            return f;
        };
        return e;
    }
};

/// An AdaLFL run of 500 Phase A steps and 7500 online steps (the quick preset's phases).
core::RunConfig adalflConfig() {
    core::RunConfig c;
    c.method = "adalfl";
    c.meta.initSteps = 500;
    c.steps = 7500;
    return c;
}

}  // namespace

class TestMainWindow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("LOSSSTUDIO_FASHION_MNIST", m_fakeFashion.path().toUtf8()); }

    void buildsOffscreenOnTheDefaultExperimentReadyToStart() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("experimentDock")) != nullptr);
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("logDock")) != nullptr);
        // Curves, effective loss, heat map, accuracy, losses, gradients, gradient-size ratio.
        QCOMPARE(window.liveView()->plots().size(), 7);
        for (auto* plot : window.liveView()->plots()) {
            QVERIFY(plot->isVisible());
            QVERIFY(!plot->xAxis->label().isEmpty());
            QVERIFY(!plot->yAxis->label().isEmpty());
        }
        QCOMPARE(
            QString::fromStdString(lossstudio::core::toJson(window.experimentPanel()->config())),
            QString::fromStdString(lossstudio::core::toJson(lossstudio::core::RunConfig{})));
        QVERIFY(window.startAction()->isEnabled());
        QVERIFY(!window.pauseAction()->isEnabled());
        QVERIFY(!window.stopAction()->isEnabled());
        // Cross-entropy is drawn for reference before any run.
        auto* loss = window.findChild<QCustomPlot*>(QStringLiteral("lossPlot"));
        QVERIFY(loss != nullptr);
        QVERIFY(loss->graph(0)->data()->size() > 50);
    }

    void runControlHasItsShortcuts() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        QCOMPARE(window.startAction()->shortcut(), QKeySequence(Qt::Key_F5));
        QCOMPARE(window.pauseAction()->shortcut(), QKeySequence(Qt::Key_F6));
        QVERIFY(window.stopAction()->shortcuts().contains(QKeySequence(Qt::SHIFT | Qt::Key_F5)));
        QVERIFY(window.stopAction()->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Period)));
    }

    // A 1280x800 laptop screen holds the whole window at its default layout: no page of the
    // central tabs, dock or status bar may force it wider or taller.
    void fitsA1280By800Screen() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QSize min = window.minimumSizeHint();
        QVERIFY2(min.width() <= 1280 && min.height() <= 800,
                 qPrintable(QStringLiteral("minimum size %1x%2").arg(min.width()).arg(min.height())));
        QCOMPARE(window.size(), QSize(1280, 800));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
        QVERIFY(tabs != nullptr);
        for (int i = 0; i < tabs->count(); ++i) {
            QVERIFY2(tabs->widget(i)->minimumSizeHint().width() <= tabs->width(),
                     qPrintable(tabs->tabText(i)));
        }
    }

    // Issue 23: the progress bar counts Phase A as part of the whole run, the ETA is never stale
    // (Pause says at once that it was taken, Stop and the end replace the estimate), and a busy
    // machine that makes a preset run far longer than the preset states is named.
    void progressAndEtaFollowTheWholeRunAndNeverGoStale() {
        ScriptedEngine script;
        lossstudio::ui::MainWindow window{script.engine()};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const core::RunConfig config = adalflConfig();
        window.experimentPanel()->setConfig(config);
        auto* progress = window.findChild<QProgressBar*>(QStringLiteral("progressBar"));
        auto* eta = window.findChild<QLabel*>(QStringLiteral("etaLabel"));
        QVERIFY(progress != nullptr && eta != nullptr);
        QVERIFY(window.startRun());

        // Half of Phase A: 250 of the run's 8000 steps, i.e. 3.1 %, and an ETA from the rate.
        std::vector<core::StepMetrics> steps;
        for (int s = 1; s <= 250; ++s) {
            steps.push_back(ScriptedEngine::step(config, core::Phase::OfflineInit, s, s * 0.02));
        }
        script.emitSteps(steps);
        const int half = static_cast<int>(
            std::lround(core::runProgress(config, core::Phase::OfflineInit, 250) * 1000));
        QVERIFY(half > 0);
        QTRY_COMPARE(progress->value(), half);
        QVERIFY2(progress->text() != QLatin1String("0%"), qPrintable(progress->text()));
        // 250 steps in 5 s of 8000: about 155 s to go.
        QVERIFY2(eta->text().startsWith(QLatin1String("ETA 2m")), qPrintable(eta->text()));

        // Pause: said at once, before the engine has even reached its step boundary.
        window.pauseAction()->trigger();
        QVERIFY2(window.statusBar()->currentMessage().startsWith(QLatin1String("Pausing")),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(!eta->text().startsWith(QLatin1String("ETA")));
        QTRY_COMPARE(window.controller()->state(), lossstudio::ui::EngineController::State::Paused);
        QVERIFY(!eta->text().startsWith(QLatin1String("ETA")));
        window.pauseAction()->trigger();  // resume
        QTRY_COMPARE(window.controller()->state(),
                     lossstudio::ui::EngineController::State::Running);

        // Online: the bar goes on from where Phase A ended.
        script.emitSteps({ScriptedEngine::step(config, core::Phase::Online, 1000, 30.0)});
        const int online = static_cast<int>(
            std::lround(core::runProgress(config, core::Phase::Online, 1000) * 1000));
        QTRY_COMPARE(progress->value(), online);
        QVERIFY(eta->text().startsWith(QLatin1String("ETA")));

        // Stop: no estimate of a run that has ended.
        window.stopAction()->trigger();
        QTRY_COMPARE(window.controller()->state(),
                     lossstudio::ui::EngineController::State::Stopped);
        QVERIFY2(!eta->text().contains(QLatin1String("ETA")), qPrintable(eta->text()));
    }

    // Issue 23, item 7: the toolbar shifted ~13 px when Pause became Resume.
    void theToolbarStaysPutWhenPauseBecomesResume() {
        ScriptedEngine script;
        lossstudio::ui::MainWindow window{script.engine()};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* bar = window.findChild<QToolBar*>(QStringLiteral("runToolBar"));
        QVERIFY(bar != nullptr);
        QWidget* pause = bar->widgetForAction(window.pauseAction());
        QWidget* stop = bar->widgetForAction(window.stopAction());
        QVERIFY(pause != nullptr && stop != nullptr);
        QVERIFY(window.startRun());
        QTRY_COMPARE(window.controller()->state(),
                     lossstudio::ui::EngineController::State::Running);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        const QRect pauseBefore = pause->geometry();
        const int stopBefore = stop->x();
        window.pauseAction()->trigger();
        QTRY_COMPARE(window.controller()->state(), lossstudio::ui::EngineController::State::Paused);
        QCOMPARE(window.pauseAction()->text(), QStringLiteral("&Resume"));
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCOMPARE(pause->geometry(), pauseBefore);
        QCOMPARE(stop->x(), stopBefore);
        window.stopAction()->trigger();
        QTRY_VERIFY(!window.controller()->isActive());
    }

    void aBusyMachineThatSlowsAPresetFarBeyondItsTimeIsNamed() {
        ScriptedEngine script;
        lossstudio::ui::MainWindow window{script.engine()};
        // Four more runnable threads than the machine has cores.
        const double load = lossstudio::core::hardwareThreads() + 4.0;
        window.setLoadSource([load]() { return load; });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.experimentPanel()->applyPreset(QStringLiteral("quick")));
        const auto* preset = window.experimentPanel()->currentPreset();
        QVERIFY(preset != nullptr && preset->expectedSeconds > 0);
        const core::RunConfig config = window.experimentPanel()->config();
        QVERIFY(window.startRun());
        // 1 % of the run in 20 s: about half an hour in all, where the preset states a minute.
        std::vector<core::StepMetrics> steps;
        for (int s = 1; s <= 80; ++s) {
            steps.push_back(ScriptedEngine::step(config, core::Phase::OfflineInit, s, s * 0.25));
        }
        script.emitSteps(steps);
        QTRY_VERIFY(!window.busyText().isEmpty());
        QVERIFY2(window.busyText().contains(QLatin1String("busy")), qPrintable(window.busyText()));
        QVERIFY2(window.busyText().contains(QString::number(load, 'f', 1)),
                 qPrintable(window.busyText()));
        QVERIFY2(!window.busyText().contains(QLatin1String("(s)")), qPrintable(window.busyText()));
        window.stopAction()->trigger();
        QTRY_COMPARE(window.controller()->state(),
                     lossstudio::ui::EngineController::State::Stopped);
        QVERIFY(window.busyText().isEmpty());

        // The same run on an idle machine says nothing (a slow machine is not a busy one).
        ScriptedEngine idle;
        lossstudio::ui::MainWindow quiet{idle.engine()};
        quiet.setLoadSource([]() { return 0.5; });
        QVERIFY(quiet.experimentPanel()->applyPreset(QStringLiteral("quick")));
        QVERIFY(quiet.startRun());
        idle.emitSteps(steps);
        QTRY_COMPARE(quiet.findChild<QProgressBar*>(QStringLiteral("progressBar"))->value(),
                     static_cast<int>(std::lround(steps.back().progress * 1000)));
        QVERIFY(quiet.busyText().isEmpty());
        quiet.stopAction()->trigger();
        QTRY_VERIFY(!quiet.controller()->isActive());
    }

private:
    QTemporaryDir m_fakeFashion;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
