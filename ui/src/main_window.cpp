#include "lossstudio/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QGuiApplication>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QShortcut>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/phases.h>
#include <lossstudio/core/version.h>
#include <lossstudio/storage/run_reader.h>

#include "lossstudio/ui/compare_view.h"
#include "lossstudio/ui/experiment_panel.h"
#include "lossstudio/ui/export_folder.h"
#include "lossstudio/ui/live_view.h"
#include "lossstudio/ui/log_bridge.h"
#include "lossstudio/ui/log_panel.h"
#include "lossstudio/ui/plot_view.h"
#include "lossstudio/ui/presets.h"
#include "lossstudio/ui/replay.h"
#include "lossstudio/ui/replay_view.h"
#include "lossstudio/ui/run_data.h"
#include "lossstudio/ui/runs_browser.h"
#include "lossstudio/ui/store_session.h"

namespace lossstudio::ui {
namespace {

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return QStringLiteral("--");
    }
    const long s = std::lround(seconds);
    if (s >= 3600) {
        return QStringLiteral("%1h%2m").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
    }
    if (s >= 60) {
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1s").arg(s);
}

/// The ETA's rate is taken over this much of the run's recent wall time.
constexpr double kRateWindowSeconds = 60;
/// Before this much wall time (or progress) the rate says too little for an ETA.
constexpr double kFirstEtaSeconds = 3;
constexpr double kFirstEtaProgress = 0.002;
/// The busy-machine note: a run expected to take this many times the preset's stated time.
constexpr double kBusySlowdown = 2;
constexpr qint64 kLoadIntervalMs = 2000;

double systemLoad() {
    double load[1] = {-1};
    return getloadavg(load, 1) == 1 ? load[0] : -1;
}

}  // namespace

MainWindow::MainWindow(core::Engine engine, QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("LossStudio"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks);

    m_loadSource = systemLoad;
    m_logBridge = new LogBridge(this);
    m_data = new RunData(this);
    const core::EngineInfo engineInfo = engine.info;
    m_controller = new EngineController(std::move(engine), this);

    m_session = new StoreSession(this);
    m_live = new LiveView(m_data, this);
    m_browser = new RunsBrowser(m_session, this);
    m_replay = new ReplayView(this);
    m_compare = new CompareView(m_session, this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_live, tr("Live"));
    m_tabs->addTab(m_browser, tr("Runs"));
    m_tabs->addTab(m_replay, tr("Replay"));
    m_tabs->addTab(m_compare, tr("Compare"));
    setCentralWidget(m_tabs);

    m_panel = new ExperimentPanel(this);
    m_panel->setCudaAvailable(engineInfo.cudaAvailable);
    m_panelDock = new QDockWidget(tr("Experiment"), this);
    m_panelDock->setObjectName(QStringLiteral("experimentDock"));
    m_panelDock->setWidget(m_panel);
    m_panelDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    m_panel->setMinimumWidth(300);
    addDockWidget(Qt::LeftDockWidgetArea, m_panelDock);

    m_logPanel = new LogPanel(m_logBridge, this);
    m_logDock = new QDockWidget(tr("Log"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_logPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    resizeDocks({m_logDock}, {110}, Qt::Vertical);
    resizeDocks({m_panelDock}, {340}, Qt::Horizontal);

    buildActions();
    buildStatusBar();

    connect(m_controller, &EngineController::runStarting, m_data, &RunData::reset);
    connect(m_controller, &EngineController::eventsArrived, m_data, &RunData::append);
    connect(m_controller, &EngineController::eventsArrived, this, &MainWindow::onEvents);
    connect(m_controller, &EngineController::stateChanged, this, &MainWindow::onStateChanged);
    connect(m_controller, &EngineController::runFinished, this, &MainWindow::onRunFinished);
    connect(m_controller, &EngineController::warningRaised, this, &MainWindow::onWarning);
    // The browser follows the runs of this studio: a run appears once the recorder created it
    // (shortly after the engine started) and shows its end when the worker is done.
    connect(m_controller, &EngineController::stateChanged, this, [this](EngineController::State s) {
        if (s == EngineController::State::Running) {
            QTimer::singleShot(1000, m_session, &StoreSession::notifyRunsChanged);
        }
    });
    connect(m_controller, &EngineController::runFinished, m_session,
            &StoreSession::notifyRunsChanged);
    connect(m_session, &StoreSession::storeChanged, this, [this](const QString& path) {
        if (!path.isEmpty()) {
            m_storePath = path;  // runs started from now on are recorded there
        }
        updateResumeAvailability();
    });
    connect(m_browser, &RunsBrowser::openRequested, this, &MainWindow::openStoredRun);
    connect(m_browser, &RunsBrowser::resumeRequested, this, &MainWindow::resumeStoredRun);
    connect(m_browser, &RunsBrowser::forkRequested, this, &MainWindow::forkStoredRun);
    connect(m_browser, &RunsBrowser::compareRequested, this, &MainWindow::compareRuns);
    connect(m_browser, &RunsBrowser::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 10000); });
    connect(m_replay, &ReplayView::resumeRequested, this, &MainWindow::resumeStoredRun);
    connect(m_replay, &ReplayView::forkRequested, this, &MainWindow::forkStoredRun);
    connect(m_panel, &ExperimentPanel::validityChanged, this, [this]() { updateActions(); });
    connect(m_panel, &ExperimentPanel::configChanged, this, [this]() {
        if (!m_controller->isActive()) {
            m_start->setToolTip(m_panel->isValid()
                                    ? tr("Start training (F5)")
                                    : tr("Cannot start: %1").arg(m_panel->firstError()));
        }
    });

    updateActions();
    resize(1280, 800);
}

MainWindow::~MainWindow() {
    // The engine must not outlive the views it reports to: stop it and wait (the normal path,
    // closeEvent, has already done this without blocking).
    if (m_controller->isActive()) {
        m_controller->stop();
        m_controller->waitForFinished(-1);
    }
}

void MainWindow::buildActions() {
    QStyle* s = style();
    m_start = new QAction(s->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this);
    m_start->setObjectName(QStringLiteral("startAction"));
    m_start->setShortcut(QKeySequence(Qt::Key_F5));
    m_start->setToolTip(tr("Start training (F5)"));
    m_pause = new QAction(s->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pause->setObjectName(QStringLiteral("pauseAction"));
    m_pause->setShortcut(QKeySequence(Qt::Key_F6));
    m_stop = new QAction(s->standardIcon(QStyle::SP_MediaStop), tr("S&top"), this);
    m_stop->setObjectName(QStringLiteral("stopAction"));
    m_stop->setShortcuts(
        {QKeySequence(Qt::SHIFT | Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_Period)});
    m_stop->setToolTip(tr("Stop the run; the engine saves a checkpoint (Shift+F5, Ctrl+.)"));
    auto* load =
        new QAction(s->standardIcon(QStyle::SP_DialogOpenButton), tr("&Load config\u2026"), this);
    load->setShortcut(QKeySequence::Open);
    auto* save =
        new QAction(s->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save config\u2026"), this);
    save->setShortcut(QKeySequence::Save);
    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);

    connect(m_start, &QAction::triggered, this, [this]() { startRun(); });
    connect(m_pause, &QAction::triggered, this, [this]() {
        const auto state = m_controller->state();
        if (state == EngineController::State::Paused || state == EngineController::State::Pausing) {
            m_controller->resume();
        } else {
            m_controller->pause();
        }
    });
    connect(m_stop, &QAction::triggered, m_controller, &EngineController::stop);
    connect(load, &QAction::triggered, this, &MainWindow::loadConfig);
    connect(save, &QAction::triggered, this, &MainWindow::saveConfig);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto* openStore = new QAction(tr("Open run &store\u2026"), this);
    connect(openStore, &QAction::triggered, m_browser, &RunsBrowser::chooseStore);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(load);
    file->addAction(save);
    file->addSeparator();
    file->addAction(openStore);
    file->addSeparator();
    file->addAction(quit);
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_start);
    run->addAction(m_pause);
    run->addAction(m_stop);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction* tab = view->addAction(m_tabs->tabText(i));
        tab->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
        connect(tab, &QAction::triggered, this, [this, i]() { m_tabs->setCurrentIndex(i); });
    }
    view->addSeparator();
    view->addAction(m_panelDock->toggleViewAction());
    view->addAction(m_logDock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
    help->addAction(tr("&About LossStudio"), this, [this]() {
        QMessageBox::about(this, tr("About LossStudio"),
                           tr("<b>LossStudio %1</b><br>Online loss-function learning (AdaLFL) "
                              "studio.<br>LibTorch %2 \u00b7 Qt %3<br>BLAS: %4")
                               .arg(QString::fromStdString(core::appVersion()),
                                    QString::fromStdString(m_controller->engineInfo().torchVersion),
                                    QString::fromLatin1(qVersion()),
                                    QString::fromStdString(m_controller->engineInfo().blas)));
    });

    QToolBar* bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("runToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_start);
    bar->addAction(m_pause);
    bar->addAction(m_stop);
    // Pause becomes Resume: one width for both texts, so Stop and the rest never shift.
    if (auto* pause = qobject_cast<QToolButton*>(bar->widgetForAction(m_pause))) {
        int width = 0;
        for (const QString& text : {tr("&Pause"), tr("&Resume")}) {
            pause->setText(text);
            width = std::max(width, pause->sizeHint().width());
        }
        pause->setText(m_pause->text());
        pause->setMinimumWidth(width);
    }
    bar->addSeparator();
    bar->addAction(load);
    bar->addAction(save);

    // The big Start button under the form runs the same action.
    auto* startButton = new QToolButton;
    startButton->setObjectName(QStringLiteral("startButton"));
    startButton->setDefaultAction(m_start);
    startButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    startButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    startButton->setMinimumHeight(32);
    m_panel->setFooterWidget(startButton);

    // Space pauses / resumes while a plot has the keyboard focus (click a plot first).
    for (PlotView* plot : m_live->plots()) {
        plot->setFocusPolicy(Qt::ClickFocus);
        auto* space = new QShortcut(QKeySequence(Qt::Key_Space), plot);
        space->setContext(Qt::WidgetShortcut);
        connect(space, &QShortcut::activated, m_pause, &QAction::trigger);
    }
}

void MainWindow::buildStatusBar() {
    m_stateLabel = new QLabel(tr("idle"), this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    m_phaseLabel = new QLabel(this);
    m_phaseLabel->setObjectName(QStringLiteral("phaseLabel"));
    m_stepLabel = new QLabel(this);
    m_stepLabel->setObjectName(QStringLiteral("stepLabel"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progressBar"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("%p%"));
    m_progress->setMaximumWidth(180);
    m_progress->setMaximumHeight(16);
    m_etaLabel = new QLabel(this);
    m_etaLabel->setObjectName(QStringLiteral("etaLabel"));
    m_accuracyLabel = new QLabel(this);
    m_accuracyLabel->setObjectName(QStringLiteral("accuracyLabel"));
    m_warningLabel = new QLabel(this);
    m_warningLabel->setObjectName(QStringLiteral("warningLabel"));
    m_warningLabel->setStyleSheet(QStringLiteral("color: #b26a00; font-weight: bold;"));
    m_warningLabel->setVisible(false);
    m_busyLabel = new QLabel(this);
    m_busyLabel->setObjectName(QStringLiteral("busyLabel"));
    m_busyLabel->setStyleSheet(QStringLiteral("color: #b26a00;"));
    m_busyLabel->setVisible(false);
    // Fixed widths for the labels whose text changes every frame, so nothing jumps or clips.
    const QFontMetrics metrics(font());
    m_stepLabel->setMinimumWidth(metrics.horizontalAdvance(QStringLiteral("step 000000 / 000000")));
    m_etaLabel->setMinimumWidth(metrics.horizontalAdvance(QStringLiteral("ETA 00h00m")));
    m_accuracyLabel->setMinimumWidth(
        metrics.horizontalAdvance(QStringLiteral("val 00.0% \u00b7 test 00.0%")));
    m_phaseLabel->setMinimumWidth(
        metrics.horizontalAdvance(QStringLiteral("Phase A: offline init")));
    statusBar()->addPermanentWidget(m_busyLabel);
    statusBar()->addPermanentWidget(m_warningLabel);
    statusBar()->addPermanentWidget(m_stateLabel);
    statusBar()->addPermanentWidget(m_phaseLabel);
    statusBar()->addPermanentWidget(m_stepLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_etaLabel);
    statusBar()->addPermanentWidget(m_accuracyLabel);
    statusBar()->showMessage(tr("Ready: choose an experiment and press Start (F5)"));
}

void MainWindow::setStorePath(const QString& path) {
    m_storePath = path;
    if (storage::Status s = m_session->open(path); !s) {
        statusBar()->showMessage(tr("The run store cannot be opened: %1").arg(s.error()), 30000);
        return;
    }
    statusBar()->showMessage(tr("Ready: runs are recorded in %1").arg(path), 10000);
}

void MainWindow::setResumeLoader(ResumeLoader loader) {
    m_resumeLoader = std::move(loader);
    updateResumeAvailability();
}

void MainWindow::updateResumeAvailability() {
    const bool active = m_controller->isActive();
    const QString reason = active                     ? tr("A run is active; stop it first")
                           : !m_resumeLoader          ? tr("This studio cannot resume runs")
                           : !m_session->isWritable() ? tr("The run store is read-only")
                                                      : QString();
    m_browser->setResumeAvailable(reason.isEmpty(), reason);
    m_replay->setResumeEnabled(reason.isEmpty(), reason);
}

void MainWindow::showError(const QString& title, const QString& text, const char* objectName) {
    core::logger("ui")->error("{}: {}", title.toStdString(), text.toStdString());
    statusBar()->showMessage(title + QStringLiteral(": ") + text, 30000);
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QLatin1String(objectName));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();  // not modal-blocking: the event loop (and tests) keep running
}

bool MainWindow::openStoredRun(qint64 runId) {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr) {
        return false;
    }
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    auto run = loadStoredRun(*reader, runId);
    QGuiApplication::restoreOverrideCursor();
    if (!run) {
        showError(tr("Cannot replay the run"), run.error(), "replayError");
        return false;
    }
    m_replay->showRun(run.value());
    updateResumeAvailability();
    m_tabs->setCurrentWidget(m_replay);
    statusBar()->showMessage(
        tr("Replaying %1: %2 metric points").arg(run.value().record.name).arg(run.value().points),
        10000);
    return true;
}

bool MainWindow::resumeStoredRun(qint64 runId) {
    storage::RunReader* reader = m_session->reader();
    if (m_controller->isActive()) {
        showError(tr("Cannot resume"), tr("A run is active; stop it first."), "resumeError");
        return false;
    }
    if (reader == nullptr || !m_resumeLoader) {
        showError(tr("Cannot resume"), tr("This studio cannot resume runs."), "resumeError");
        return false;
    }
    auto record = reader->run(runId);
    if (!record) {
        showError(tr("Cannot resume"), record.error(), "resumeError");
        return false;
    }
    auto plan = m_resumeLoader(m_session->path(), record.value().uuid);
    if (!plan) {
        showError(tr("Cannot resume"), QString::fromStdString(plan.error()), "resumeError");
        return false;
    }
    // The stored part up to the checkpoint: the recorder drops what came after it, and the
    // engine's events continue from there.
    auto stored = loadStoredRun(
        *reader, runId,
        ReplayLimit{core::phaseFromName(plan.value().phase.toStdString()), plan.value().step});
    if (!stored) {
        showError(tr("Cannot resume"), stored.error(), "resumeError");
        return false;
    }
    m_warnings = 0;
    m_warningLabel->clear();
    m_warningLabel->setVisible(false);
    resetProgress();
    m_accuracyLabel->clear();
    EngineController::StartOptions options;
    options.checkpoint = plan.value().checkpoint;
    options.storePath = m_session->path();
    options.resumeRunUuid = plan.value().uuid;
    if (!m_controller->start(plan.value().config, options)) {
        return false;
    }
    appendStoredRun(*m_data, stored.value());
    m_tabs->setCurrentWidget(m_live);
    setWindowTitle(tr("LossStudio — %1").arg(QString::fromStdString(m_controller->config().name)));
    statusBar()->showMessage(tr("Resuming %1 after %2 step %3\u2026")
                                 .arg(record.value().name, plan.value().phase)
                                 .arg(plan.value().step));
    return true;
}

bool MainWindow::forkStoredRun(qint64 runId) {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr) {
        return false;
    }
    auto record = reader->run(runId);
    if (!record) {
        showError(tr("Cannot fork"), record.error(), "forkError");
        return false;
    }
    auto config = core::parseRunConfig(record.value().configJson.toStdString());
    if (!config) {
        showError(tr("Cannot fork"),
                  tr("The run's config cannot be read by this build: %1")
                      .arg(QString::fromStdString(config.error())),
                  "forkError");
        return false;
    }
    config.value().name = (record.value().name + QStringLiteral("-fork")).toStdString();
    m_panel->setConfig(config.value());
    m_panelDock->show();
    m_panelDock->raise();
    statusBar()->showMessage(
        tr("The experiment form holds a copy of %1's config; change it and press Start (F5)")
            .arg(record.value().name),
        15000);
    return true;
}

bool MainWindow::compareRuns(const QVector<qint64>& runIds) {
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    const storage::Status s = m_compare->setRuns(runIds);
    QGuiApplication::restoreOverrideCursor();
    if (!s) {
        showError(tr("Cannot compare"), s.error(), "compareError");
        return false;
    }
    m_tabs->setCurrentWidget(m_compare);
    return true;
}

void MainWindow::showStoreError(const QString& message) {
    core::logger("ui")->error("run store {}: {}", m_storePath.toStdString(), message.toStdString());
    m_warningLabel->setText(tr("\u26a0 not recorded"));
    m_warningLabel->setToolTip(tr("The run store %1 failed: %2").arg(m_storePath, message));
    m_warningLabel->setVisible(true);
    statusBar()->showMessage(tr("The run is not being recorded: %1").arg(message), 30000);
}

void MainWindow::setLogFilePath(const QString& path) {
    m_logPath = path;
    m_logPanel->setLogFilePath(path);
}

bool MainWindow::startRun() {
    if (m_controller->isActive()) {
        return false;
    }
    if (!m_panel->isValid()) {
        statusBar()->showMessage(tr("Cannot start: %1").arg(m_panel->firstError()), 10000);
        return false;
    }
    m_warnings = 0;
    m_warningLabel->clear();
    m_warningLabel->setVisible(false);
    resetProgress();
    m_progress->setValue(0);
    m_accuracyLabel->clear();
    m_stepLabel->clear();
    // A preset run as it is: its stated time is what the busy-machine note compares with.
    if (const Preset* preset = m_panel->currentPreset(); preset != nullptr) {
        m_expectedSeconds = preset->expectedSeconds;
        m_expectedFrom = preset->title;
    }
    m_phaseLabel->setText(QString::fromStdString(core::phaseTitle(core::Phase::Setup)));
    EngineController::StartOptions options;
    options.storePath = m_storePath;
    const bool started = m_controller->start(m_panel->config(), options);
    if (started) {
        setWindowTitle(
            tr("LossStudio \u2014 %1").arg(QString::fromStdString(m_controller->config().name)));
        statusBar()->showMessage(tr("Loading data and building the model\u2026"));
    }
    return started;
}

void MainWindow::onStateChanged(EngineController::State state) {
    using State = EngineController::State;
    m_stateLabel->setText(EngineController::stateName(state));
    if (state == State::Pausing) {
        // The engine pauses at its next step boundary, after an evaluation or checkpoint it is
        // in: say at once that the request was taken.
        statusBar()->showMessage(
            tr("Pausing: the engine stops after its current step (an evaluation can take a few "
               "seconds)\u2026"));
        m_etaLabel->setText(tr("pausing\u2026"));
    } else if (state == State::Paused) {
        statusBar()->showMessage(
            tr("Paused at %1; Resume with F6")
                .arg(m_stepLabel->text().isEmpty()
                         ? m_phaseLabel->text()
                         : m_phaseLabel->text() + QLatin1Char(' ') + m_stepLabel->text()));
        m_etaLabel->setText(tr("paused"));
    } else if (state == State::Stopping) {
        statusBar()->showMessage(tr("Stopping: the engine saves a checkpoint\u2026"));
        m_etaLabel->clear();  // an estimate of a run that is ending is no longer one
        m_busyLabel->setVisible(false);
    } else if (state == State::Running) {
        statusBar()->clearMessage();
        m_rate.clear();  // after a pause: the rate of the steps from now on
    }
    updateActions();
}

void MainWindow::resetProgress() {
    m_rate.clear();
    m_etaLabel->clear();
    m_etaLabel->setToolTip(QString());
    m_busyLabel->clear();
    m_busyLabel->setVisible(false);
    m_loadChecked.invalidate();
    m_expectedSeconds = 0;
    m_expectedFrom.clear();
}

void MainWindow::updateEta(const core::StepMetrics& step) {
    const double t = step.wallTime;
    const double p = step.progress;
    m_rate.emplace_back(t, p);
    while (m_rate.size() > 2 && m_rate.front().first < t - kRateWindowSeconds) {
        m_rate.pop_front();
    }
    m_etaLabel->setToolTip(tr("elapsed %1").arg(formatDuration(t)));
    const auto state = m_controller->state();
    if (state == EngineController::State::Pausing || state == EngineController::State::Paused ||
        state == EngineController::State::Stopping) {
        return;  // their own text (onStateChanged)
    }
    // The rate of the last minute: Phase A, a search and the final phase cost differently per
    // step, and a machine's load changes; the whole run's average until a window has filled.
    double rate = -1;
    const auto& [t0, p0] = m_rate.front();
    if (t - t0 >= kFirstEtaSeconds && p > p0) {
        rate = (p - p0) / (t - t0);
    } else if (t >= kFirstEtaSeconds && p >= kFirstEtaProgress) {
        rate = p / t;
    }
    const double eta = rate > 0 ? (1 - p) / rate : -1;
    m_etaLabel->setText(eta >= 0 ? tr("ETA %1").arg(formatDuration(eta)) : tr("ETA \u2026"));
    updateBusyNote(t, eta);
}

void MainWindow::updateBusyNote(double elapsed, double eta) {
    if (m_expectedSeconds <= 0 || eta < 0) {
        return;
    }
    if (!m_loadChecked.isValid() || m_loadChecked.elapsed() >= kLoadIntervalMs) {
        m_load = m_loadSource ? m_loadSource() : -1;
        m_loadChecked.start();
    }
    const int cores = core::hardwareThreads();
    const double expected = elapsed + eta;
    const bool busy = m_load > cores && expected > kBusySlowdown * m_expectedSeconds;
    if (busy) {
        // Qt's %n plural needs a translation to read "2 cores": spelled out here.
        const QString coreText = cores == 1 ? tr("1 core") : tr("%1 cores").arg(cores);
        m_busyLabel->setText(
            tr("\u26a0 busy machine (load %1 on %2): about %3, not %4")
                .arg(m_load, 0, 'f', 1)
                .arg(coreText, formatDuration(expected), formatDuration(m_expectedSeconds)));
        m_busyLabel->setToolTip(
            tr("Other programs use the processor: the load average %1 is above the %2 of this "
               "machine, so this run is expected to take %3 from start to finish where the "
               "preset \u201c%4\u201d states %5 on an idle machine.")
                .arg(m_load, 0, 'f', 1)
                .arg(coreText, formatDuration(expected), m_expectedFrom,
                     formatDuration(m_expectedSeconds)));
    }
    m_busyLabel->setVisible(busy);
}

void MainWindow::setLoadSource(LoadSource source) {
    m_loadSource = std::move(source);
    m_loadChecked.invalidate();
}

QString MainWindow::busyText() const {
    return m_busyLabel->isVisible() ? m_busyLabel->text() : QString();
}

void MainWindow::onEvents(const EventBatch& batch) {
    for (const auto& phase : batch.phases) {
        m_phaseLabel->setText(QString::fromStdString(core::phaseTitle(phase.phase)));
    }
    if (batch.lastStep) {
        const auto& step = *batch.lastStep;
        const auto& config = m_controller->config();
        const std::int64_t total = core::phaseSteps(config, step.phase);
        m_stepLabel->setText(tr("step %1 / %2").arg(step.step).arg(total));
        m_progress->setValue(static_cast<int>(std::lround(step.progress * 1000)));
        updateEta(step);
    }
    if (!batch.evaluations.empty()) {
        const auto validation =
            m_data->latest(QString::fromLatin1(core::keys::kValidationAccuracy));
        const auto test = m_data->latest(QString::fromLatin1(core::keys::kTestAccuracy));
        QStringList parts;
        if (validation) {
            parts << tr("val %1%").arg(*validation * 100, 0, 'f', 1);
        }
        if (test) {
            parts << tr("test %1%").arg(*test * 100, 0, 'f', 1);
        }
        m_accuracyLabel->setText(parts.join(QStringLiteral(" \u00b7 ")));
    }
}

void MainWindow::onWarning(const core::Warning& warning) {
    ++m_warnings;
    const QString text = QString::fromStdString(warning.message);
    m_warningLabel->setText(tr("\u26a0 %n warning(s)", nullptr, m_warnings));
    m_warningLabel->setToolTip(text);
    m_warningLabel->setVisible(true);
    statusBar()->showMessage(tr("Warning: %1").arg(text), 30000);
}

QString MainWindow::warningText() const {
    return m_warningLabel->isVisible() ? m_warningLabel->toolTip() : QString();
}

void MainWindow::onRunFinished(const core::Finished& finished) {
    const QString message = QString::fromStdString(finished.message);
    m_busyLabel->setVisible(false);
    m_etaLabel->setToolTip(tr("elapsed %1").arg(formatDuration(finished.wallTime)));
    switch (finished.status) {
        case core::RunStatus::Finished:
            m_progress->setValue(1000);
            m_etaLabel->setText(tr("took %1").arg(formatDuration(finished.wallTime)));
            statusBar()->showMessage(finished.testAccuracy
                                         ? tr("Finished %1 steps: test accuracy %2%")
                                               .arg(m_controller->config().steps)
                                               .arg(*finished.testAccuracy * 100, 0, 'f', 1)
                                         : tr("Finished: %1").arg(message));
            break;
        case core::RunStatus::Stopped:
            m_etaLabel->setText(tr("ran %1").arg(formatDuration(finished.wallTime)));
            statusBar()->showMessage(tr("Stopped: %1 (checkpoint saved)").arg(message));
            break;
        case core::RunStatus::Failed:
        case core::RunStatus::Diverged:
        case core::RunStatus::Running: {
            m_etaLabel->setText(finished.wallTime > 0
                                    ? tr("ran %1").arg(formatDuration(finished.wallTime))
                                    : QString());
            statusBar()->showMessage(
                tr("Run %1: %2")
                    .arg(QString::fromLatin1(core::statusName(finished.status)), message));
            if (!m_closeAfterStop) {
                // Not modal-blocking: the event loop (and tests) keep running.
                auto* box = new QMessageBox(
                    QMessageBox::Warning,
                    tr("Run %1").arg(QString::fromLatin1(core::statusName(finished.status))),
                    message, QMessageBox::Ok, this);
                box->setInformativeText(m_logPath.isEmpty()
                                            ? QString()
                                            : tr("Details are in the log: %1").arg(m_logPath));
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open();
            }
            break;
        }
    }
    setWindowTitle(tr("LossStudio \u2014 %1 (%2)")
                       .arg(QString::fromStdString(m_controller->config().name),
                            EngineController::stateName(m_controller->state())));
    updateActions();
    if (m_closeAfterStop) {
        close();
    }
}

void MainWindow::updateActions() {
    using State = EngineController::State;
    const State state = m_controller->state();
    const bool active = m_controller->isActive();
    m_start->setEnabled(!active && m_panel->isValid());
    if (!active) {
        m_start->setToolTip(m_panel->isValid() ? tr("Start training (F5)")
                                               : tr("Cannot start: %1").arg(m_panel->firstError()));
    }
    const bool paused = state == State::Paused || state == State::Pausing;
    m_pause->setEnabled(active && state != State::Stopping);
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_pause->setToolTip(paused ? tr("Resume the run (F6, or Space on a plot)")
                               : tr("Pause at the next step (F6, or Space on a plot)"));
    m_stop->setEnabled(active && state != State::Stopping);
    m_panel->setEditable(!active);
    updateResumeAvailability();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!m_controller->isActive()) {
        event->accept();
        return;
    }
    event->ignore();
    if (m_closeAfterStop) {
        return;  // already stopping; closes when the worker ends
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Stop the run?"),
                                tr("A run is in progress. Stop it and close LossStudio?"),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("closeConfirmation"));
    box->setInformativeText(
        tr("The engine saves a checkpoint before it stops, so the run can be "
           "resumed."));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this](int result) {
        if (result == QMessageBox::Yes && m_controller->isActive()) {
            m_closeAfterStop = true;
            m_controller->stop();
        } else if (result == QMessageBox::Yes) {
            close();
        }
    });
    box->open();
}

bool MainWindow::saveScreenshot(const QString& path) {
    m_live->replotNow();
    const QPixmap image = grab();
    if (!image.save(path, "PNG")) {
        core::logger("ui")->error("cannot write the screenshot {}", path.toStdString());
        return false;
    }
    return true;
}

void MainWindow::loadConfig() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load config"), QString(),
                                                      tr("JSON config (*.json);;All files (*)"));
    if (path.isEmpty()) {
        return;
    }
    if (core::Status s = m_panel->loadConfigFile(path); !s) {
        QMessageBox::warning(this, tr("Cannot load the config"), QString::fromStdString(s.error()));
        return;
    }
    statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
}

void MainWindow::saveConfig() {
    QString path = QFileDialog::getSaveFileName(
        this, tr("Save config"),
        exportStartPath(QString::fromStdString(core::defaultRunName(m_panel->config())) +
                        QStringLiteral(".json")),
        tr("JSON config (*.json)"));
    if (path.isEmpty()) {
        return;
    }
    rememberExportPath(path);
    if (!path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        path += QStringLiteral(".json");
    }
    if (core::Status s = m_panel->saveConfigFile(path); !s) {
        QMessageBox::warning(this, tr("Cannot save the config"), QString::fromStdString(s.error()));
        return;
    }
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::showShortcuts() {
    QMessageBox::information(
        this, tr("Keyboard shortcuts"),
        tr("<table>"
           "<tr><td><b>F5</b></td><td>Start</td></tr>"
           "<tr><td><b>F6</b>, <b>Space</b> on a plot</td><td>Pause / Resume</td></tr>"
           "<tr><td><b>Shift+F5</b>, <b>Ctrl+.</b></td><td>Stop (saves a checkpoint)</td></tr>"
           "<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>Load / save the config as JSON</td></tr>"
           "<tr><td>drag / wheel / double-click</td><td>pan / zoom / reset a plot</td></tr>"
           "<tr><td>right-click a plot</td><td>export PNG, PDF, CSV; log y axis</td></tr>"
           "<tr><td><b>Ctrl+1</b> .. <b>Ctrl+4</b></td><td>Live, Runs, Replay, Compare</td></tr>"
           "<tr><td>Runs: <b>Enter</b>, double-click</td><td>replay the run</td></tr>"
           "<tr><td>Runs: <b>F2</b></td><td>edit a name, tags or notes in place</td></tr>"
           "</table>"));
}

}  // namespace lossstudio::ui
