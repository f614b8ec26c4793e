#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QString>
#include <QVector>
#include <deque>
#include <functional>
#include <string>
#include <utility>

#include <lossstudio/core/events.h>
#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/ui/engine_controller.h>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTabWidget;

namespace lossstudio::ui {

class CompareView;
class ExperimentPanel;
class LiveView;
class LogBridge;
class LogPanel;
class ReplayView;
class RunData;
class RunsBrowser;
class StoreSession;

/// What resuming a stored run needs (the app reads it with app::loadResumePlan, which refuses
/// finished and running runs). Value type.
struct ResumeRequest {
    core::RunConfig config;
    std::string checkpoint;  ///< the run's newest checkpoint
    QString uuid;            ///< the stored run the recorder continues
    qint64 step = 0;         ///< where the checkpoint was taken
    QString phase;
};

/// The studio's main window: the experiment panel (left dock); in the centre the tabs Live (the
/// live view), Runs (the runs browser over the store), Replay (a stored run in the live view's
/// widgets) and Compare; the log panel (bottom dock), run control (toolbar, Run menu, F5 / F6 /
/// Shift+F5, Space on a plot) and the run's progress, phase, step, ETA, accuracy and warnings in
/// the status bar. Owns the EngineController, the RunData the views show, the StoreSession and
/// the LogBridge. A stored run resumes in the Live tab: its stored part first, then the engine's
/// new steps. Closing during a run asks, then stops the run (the engine saves a checkpoint) and
/// closes once the worker has ended.
///
/// Thread affinity: GUI thread.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    /// The machine's load average over the last minute, negative when unknown.
    using LoadSource = std::function<double()>;
    /// Reads a ResumeRequest for the run `runUuid` of the store at `storePath`.
    using ResumeLoader = std::function<core::Result<ResumeRequest>(const QString& storePath,
                                                                   const QString& runUuid)>;

    /// `engine` trains every run started here (the app passes core::libtorchEngine(); tests that do
    /// not train pass a default core::Engine).
    explicit MainWindow(core::Engine engine, QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineController* controller() const { return m_controller; }
    ExperimentPanel* experimentPanel() const { return m_panel; }
    LiveView* liveView() const { return m_live; }
    RunData* runData() const { return m_data; }
    LogPanel* logPanel() const { return m_logPanel; }
    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }
    QTabWidget* tabs() const { return m_tabs; }
    StoreSession* storeSession() const { return m_session; }
    RunsBrowser* runsBrowser() const { return m_browser; }
    ReplayView* replayView() const { return m_replay; }
    CompareView* compareView() const { return m_compare; }

    /// Opens the run store (the app sets it with the store's path): the runs browser shows it
    /// and runs started here are recorded in it (StartOptions::storePath). A store that cannot be
    /// opened is reported in the status bar and the browser.
    void setStorePath(const QString& path);
    /// The store runs are recorded in (the one the browser shows once it opened).
    const QString& storePath() const { return m_storePath; }
    /// Lets the window resume stored runs (the app passes app::loadResumePlan).
    void setResumeLoader(ResumeLoader loader);

    /// Replays a stored run in the Replay tab; returns whether it could be read.
    bool openStoredRun(qint64 runId);
    /// Resumes a stored run from its newest checkpoint in the Live tab; the reason for a refusal
    /// is shown (dialog "resumeError") and false returned.
    bool resumeStoredRun(qint64 runId);
    /// Copies a stored run's config into the experiment panel, named "<name>-fork".
    bool forkStoredRun(qint64 runId);
    /// Compares stored runs in the Compare tab.
    bool compareRuns(const QVector<qint64>& runIds);
    /// Reports that the run is not (fully) recorded in the store; recoverable, so the status bar
    /// and the log panel say it and the run goes on.
    void showStoreError(const QString& message);
    /// Shows where the log file is.
    void setLogFilePath(const QString& path);
    /// Starts a run of the panel's config if it is valid; returns whether it started.
    bool startRun();
    /// Redraws every plot now and writes the window's image to `path` (PNG).
    bool saveScreenshot(const QString& path);
    /// The status bar's warning text (tests).
    QString warningText() const;
    /// Where the busy-machine note reads the load average (default: getloadavg's one-minute
    /// value); tests set their own.
    void setLoadSource(LoadSource source);
    /// The status bar's busy-machine note: a run of a preset that states its time, on a machine
    /// loaded beyond its cores, expected to take far longer than stated; empty when not shown.
    QString busyText() const;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildStatusBar();
    void onStateChanged(EngineController::State state);
    void onEvents(const EventBatch& batch);
    void onRunFinished(const core::Finished& finished);
    void onWarning(const core::Warning& warning);
    void updateActions();
    void loadConfig();
    void saveConfig();
    void showShortcuts();
    void showError(const QString& title, const QString& text, const char* objectName);
    void updateResumeAvailability();
    /// A new run: no rate, ETA or busy note of the previous one.
    void resetProgress();
    /// ETA from the progress rate of the last minute (phases differ in cost, and so does a
    /// machine's load), and the busy-machine note.
    void updateEta(const core::StepMetrics& step);
    void updateBusyNote(double elapsed, double eta);

    RunData* m_data = nullptr;
    EngineController* m_controller = nullptr;
    LogBridge* m_logBridge = nullptr;
    ExperimentPanel* m_panel = nullptr;
    LiveView* m_live = nullptr;
    LogPanel* m_logPanel = nullptr;
    StoreSession* m_session = nullptr;
    QTabWidget* m_tabs = nullptr;
    RunsBrowser* m_browser = nullptr;
    ReplayView* m_replay = nullptr;
    CompareView* m_compare = nullptr;
    ResumeLoader m_resumeLoader;
    QDockWidget* m_panelDock = nullptr;
    QDockWidget* m_logDock = nullptr;
    QAction* m_start = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_stop = nullptr;
    QLabel* m_stateLabel = nullptr;
    QLabel* m_phaseLabel = nullptr;
    QLabel* m_stepLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_etaLabel = nullptr;
    QLabel* m_accuracyLabel = nullptr;
    QLabel* m_warningLabel = nullptr;
    QLabel* m_busyLabel = nullptr;
    LoadSource m_loadSource;
    QElapsedTimer m_loadChecked;  ///< the load is read at most every few seconds
    double m_load = -1;
    /// The preset's stated time of the run in progress (0: none) and its title.
    double m_expectedSeconds = 0;
    QString m_expectedFrom;
    /// (wall time, progress) of the recent steps, for the ETA's rate.
    std::deque<std::pair<double, double>> m_rate;
    QString m_storePath;
    QString m_logPath;
    int m_warnings = 0;
    bool m_closeAfterStop = false;
};

}  // namespace lossstudio::ui
