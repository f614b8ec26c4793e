#pragma once

#include <QWidget>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/run_data.h>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace lossstudio::ui {

class LossCurveView;
class LossHeatmapView;
class MetricPlot;
class PlotView;

/// The live view of a run. Left, the learned loss: the raw curves beside the effective loss (one
/// time slider for both), under them the heat map over training and the learned / cross-entropy
/// gradient size (the learned loss's step-size multiplier) with the run's collapse threshold.
/// Right, training: accuracy, losses and gradient norms against the step. One smoothing control
/// and a phase selector (Phase A, TaylorGLO's search or training) for the step plots. Every
/// warning of the shown phase is marked on the step axes of the step plots and the heat map;
/// clicking a marker shows the learned loss of that step (the phase's snapshot at or before it).
/// Feeds every view from one RunData (live or filled from the store) and follows the run's phase
/// unless the user picks one.
///
/// Thread affinity: GUI thread. The RunData is not owned and must outlive the view.
class LiveView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveView)

public:
    explicit LiveView(const RunData* data, QWidget* parent = nullptr);
    ~LiveView() override;

    LossCurveView* lossCurves() const { return m_curves; }
    LossHeatmapView* heatmap() const { return m_heatmap; }
    MetricPlot* accuracyPlot() const { return m_accuracy; }
    MetricPlot* lossPlot() const { return m_losses; }
    MetricPlot* gradientPlot() const { return m_gradients; }
    /// train/loss_grad_ratio, log y, with a line at the config's collapse.threshold and its
    /// zeros (a collapsed loss) drawn at a floor two decades under it (MetricPlot::setLogFloor).
    MetricPlot* ratioPlot() const { return m_ratio; }
    /// Every plot (for export, replot counts and synchronous redraws).
    QList<PlotView*> plots() const;

    /// EMA weight for the per-step curves, 0 .. 0.999.
    void setSmoothing(double weight);
    double smoothing() const;
    /// Shows Phase A (OfflineInit), TaylorGLO's Search or the training phase in the step plots and
    /// the heat map, and stops following the run's phase.
    void showPhase(core::Phase phase);
    core::Phase shownPhase() const { return m_phase; }
    /// Redraws every plot now (screenshots).
    void replotNow();
    /// What clicking a warning's marker does: shows the warning's phase's snapshot at or before
    /// its step in the loss curves. Returns false when that phase has no snapshot.
    bool showWarning(const RunMark& warning);

private:
    void onDataChanged(const RunDataChange& change);
    void onCleared();
    void applyPhase(core::Phase phase);
    void applyConfig();
    QList<MetricPlot*> stepPlots() const;

    const RunData* m_data;
    LossCurveView* m_curves = nullptr;
    LossHeatmapView* m_heatmap = nullptr;
    MetricPlot* m_accuracy = nullptr;
    MetricPlot* m_losses = nullptr;
    MetricPlot* m_gradients = nullptr;
    MetricPlot* m_ratio = nullptr;
    QComboBox* m_phaseBox = nullptr;
    QSlider* m_smoothSlider = nullptr;
    QDoubleSpinBox* m_smoothSpin = nullptr;
    core::Phase m_phase = core::Phase::Online;
    bool m_followPhase = true;
};

}  // namespace lossstudio::ui
