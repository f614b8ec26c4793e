#pragma once

#include <QWidget>

#include <lossstudio/storage/types.h>

class QLabel;
class QPushButton;

namespace lossstudio::ui {

class LiveView;
class RunData;
struct StoredRun;

/// A stored run replayed in the live view's widgets: a header naming the run (status, message,
/// what was read) with Resume and Fork, above a LiveView over a RunData of its own filled from the
/// store (showStoredRun), so the time slider, heat map and step plots work as they did live.
///
/// Thread affinity: GUI thread.
class ReplayView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplayView)

public:
    explicit ReplayView(QWidget* parent = nullptr);
    ~ReplayView() override;

    /// Shows `run` (replacing what was shown).
    void showRun(const StoredRun& run);
    /// The run shown (id 0 when none).
    qint64 runId() const { return m_runId; }
    const QString& runName() const { return m_runName; }
    RunData* data() const { return m_data; }
    LiveView* liveView() const { return m_live; }
    /// Enables Resume for a run that can be resumed now.
    void setResumeEnabled(bool enabled, const QString& reason = {});

Q_SIGNALS:
    void resumeRequested(qint64 runId);
    void forkRequested(qint64 runId);

private:
    RunData* m_data = nullptr;
    LiveView* m_live = nullptr;
    QLabel* m_header = nullptr;
    QPushButton* m_resume = nullptr;
    QPushButton* m_fork = nullptr;
    qint64 m_runId = 0;
    QString m_runName;
    storage::RunStatus m_status = storage::RunStatus::Finished;
};

}  // namespace lossstudio::ui
