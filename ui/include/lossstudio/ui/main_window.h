#pragma once

#include <QMainWindow>
#include <QString>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/engine_controller.h>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;

namespace lossstudio::ui {

class ExperimentPanel;
class LiveView;
class LogBridge;
class LogPanel;
class RunData;

/// The studio's main window: the experiment panel (left dock), the live view (centre), the log
/// panel (bottom dock), run control (toolbar, Run menu, F5 / F6 / Shift+F5, Space on a plot) and
/// the run's progress, phase, step, ETA, accuracy and warnings in the status bar. Owns the
/// EngineController, the RunData the views show and the LogBridge. Closing during a run asks,
/// then stops the run (the engine saves a checkpoint) and closes once the worker has ended.
///
/// Thread affinity: GUI thread.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineController* controller() const { return m_controller; }
    ExperimentPanel* experimentPanel() const { return m_panel; }
    LiveView* liveView() const { return m_live; }
    RunData* runData() const { return m_data; }
    LogPanel* logPanel() const { return m_logPanel; }
    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }

    /// Shows where runs are recorded (the app sets it with the store's path).
    void setStorePath(const QString& path);
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

    RunData* m_data = nullptr;
    EngineController* m_controller = nullptr;
    LogBridge* m_logBridge = nullptr;
    ExperimentPanel* m_panel = nullptr;
    LiveView* m_live = nullptr;
    LogPanel* m_logPanel = nullptr;
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
    QString m_storePath;
    QString m_logPath;
    int m_warnings = 0;
    bool m_closeAfterStop = false;
};

}  // namespace lossstudio::ui
