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

/// The live view of a run: the learned-loss curves with their time slider, the heat map over
/// training, and accuracy / losses / gradient norms against the step, with one smoothing control
/// and a phase selector (Phase A, TaylorGLO's search or training) for the step plots. Feeds every
/// view from one RunData and follows the run's phase unless the user picks one.
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

private:
    void onDataChanged(const RunDataChange& change);
    void onCleared();
    void applyPhase(core::Phase phase);

    const RunData* m_data;
    LossCurveView* m_curves = nullptr;
    LossHeatmapView* m_heatmap = nullptr;
    MetricPlot* m_accuracy = nullptr;
    MetricPlot* m_losses = nullptr;
    MetricPlot* m_gradients = nullptr;
    QComboBox* m_phaseBox = nullptr;
    QSlider* m_smoothSlider = nullptr;
    QDoubleSpinBox* m_smoothSpin = nullptr;
    core::Phase m_phase = core::Phase::Online;
    bool m_followPhase = true;
};

}  // namespace lossstudio::ui
