#pragma once

#include <QWidget>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/run_data.h>

class QComboBox;
class QCPColorMap;
class QCPColorScale;
class QCPItemStraightLine;

namespace lossstudio::ui {

class PlotView;
class WarningMarkers;

/// A heat map of the learned loss over (training step, p): one column per snapshot of the shown
/// phase, growing to the right as snapshots arrive. Shows l(1, p) or l(0, p), coloured by value,
/// by log value (the default while every value is positive), or by shape (each column scaled to [0,
/// 1], so a change of shape stays visible while the loss's scale grows). The effective loss e(p)
/// can be shown instead. A vertical line marks the snapshot the curve view shows; the run's
/// warnings of the shown phase are marked on the step axis (warningMarkers()).
///
/// Thread affinity: GUI thread. The RunData is not owned and must outlive the view.
class LossHeatmapView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LossHeatmapView)

public:
    enum class Curve { TargetClass, OtherClasses, Effective };
    enum class Colouring { Value, LogValue, Shape };

    explicit LossHeatmapView(const RunData* data, QWidget* parent = nullptr);
    ~LossHeatmapView() override;

    PlotView* plot() const { return m_plot; }
    QCPColorMap* colorMap() const { return m_map; }
    /// Snapshots drawn as columns now (those of the shown phase).
    int columnCount() const { return m_columns; }
    /// The run's warnings on the step axis (owned by the plot).
    WarningMarkers* warningMarkers() const { return m_markers; }

    void setCurve(Curve curve);
    /// Fixes the colouring. Until it is set (here or by the user), the map uses log colours when
    /// every value is positive, else linear ones.
    void setColouring(Colouring colouring);
    /// OfflineInit shows Phase A's snapshots, Search TaylorGLO's (one per generation), Online /
    /// Training the training phase's.
    void setPhase(core::Phase phase);
    /// Marks the step of the snapshot shown elsewhere (hidden for another phase).
    void markSnapshot(core::Phase phase, qint64 step);

    void onDataChanged(const RunDataChange& change);
    void onCleared();

private:
    bool shows(core::Phase phase) const;
    void rebuild();

    const RunData* m_data;
    PlotView* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemStraightLine* m_marker = nullptr;
    WarningMarkers* m_markers = nullptr;
    QComboBox* m_curveBox = nullptr;
    QComboBox* m_colourBox = nullptr;
    core::Phase m_phase = core::Phase::Online;
    int m_columns = 0;
    bool m_colouringChosen = false;
};

}  // namespace lossstudio::ui
