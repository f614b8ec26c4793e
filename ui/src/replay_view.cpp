#include "lossstudio/ui/replay_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "lossstudio/ui/live_view.h"
#include "lossstudio/ui/loss_curve_view.h"
#include "lossstudio/ui/replay.h"
#include "lossstudio/ui/run_data.h"

namespace lossstudio::ui {

ReplayView::ReplayView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("replayView"));
    m_data = new RunData(this);
    m_live = new LiveView(m_data, this);
    m_live->setObjectName(QStringLiteral("replayLiveView"));
    m_live->lossCurves()->setLive(false);  // a stored run: its newest snapshot is its last
    m_header = new QLabel(tr("Open a run in the Runs tab (double-click) to replay it here."), this);
    m_header->setObjectName(QStringLiteral("replayHeader"));
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_resume = new QPushButton(tr("Resume"), this);
    m_resume->setObjectName(QStringLiteral("replayResumeButton"));
    m_resume->setEnabled(false);
    m_fork = new QPushButton(tr("Fork"), this);
    m_fork->setObjectName(QStringLiteral("replayForkButton"));
    m_fork->setToolTip(tr("Copy the run's config into the experiment form for a new run"));
    m_fork->setEnabled(false);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 2);
    bar->addWidget(m_header, 1);
    bar->addWidget(m_resume);
    bar->addWidget(m_fork);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_live, 1);
    connect(m_resume, &QPushButton::clicked, this, [this]() {
        if (m_runId != 0) {
            Q_EMIT resumeRequested(m_runId);
        }
    });
    connect(m_fork, &QPushButton::clicked, this, [this]() {
        if (m_runId != 0) {
            Q_EMIT forkRequested(m_runId);
        }
    });
}

ReplayView::~ReplayView() = default;

void ReplayView::showRun(const StoredRun& run) {
    m_runId = run.record.id;
    m_runName = run.record.name;
    m_status = run.record.status;
    showStoredRun(*m_data, run);
    QString text =
        tr("<b>%1</b> \u00b7 %2 \u00b7 %n snapshot(s)", nullptr,
           static_cast<int>(run.events.snapshots.size()))
            .arg(run.record.name.toHtmlEscaped(), storage::statusName(run.record.status));
    text += tr(" \u00b7 %1 metric points").arg(run.points);
    if (!run.events.warnings.empty()) {
        text += tr(" \u00b7 <span style='color:#b26a00'>\u26a0 %n warning(s)</span>", nullptr,
                   static_cast<int>(run.events.warnings.size()));
    }
    if (!run.record.message.isEmpty()) {
        text += QStringLiteral(" \u2014 ") + run.record.message.toHtmlEscaped();
    }
    if (!run.configError.isEmpty()) {
        text += tr("<br><small>The stored config cannot be read by this build (%1); the plots "
                   "are shown as stored.</small>")
                    .arg(run.configError.toHtmlEscaped());
    }
    m_header->setText(text);
    m_header->setToolTip(run.record.uuid);
    m_fork->setEnabled(true);
}

void ReplayView::setResumeEnabled(bool enabled, const QString& reason) {
    const bool resumable =
        m_runId != 0 &&
        (m_status == storage::RunStatus::Stopped || m_status == storage::RunStatus::Interrupted ||
         m_status == storage::RunStatus::Failed || m_status == storage::RunStatus::Diverged);
    m_resume->setEnabled(enabled && resumable);
    m_resume->setToolTip(!resumable ? tr("Only a stopped, interrupted, failed or diverged run can "
                                         "be resumed")
                         : enabled  ? tr("Continue the run from its newest checkpoint")
                                    : reason);
}

}  // namespace lossstudio::ui
