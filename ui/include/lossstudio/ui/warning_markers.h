#pragma once

#include <QColor>
#include <QObject>
#include <QPoint>
#include <QString>
#include <QVector>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/run_data.h>

class QCustomPlot;
class QCPItemLine;
class QCPItemText;
class QMouseEvent;

namespace lossstudio::ui {

/// Every warning of a run marked on a plot's step axis: one vertical line per Warning of the
/// shown phase at the warning's step, coloured (and dashed) by its code, with the message as the
/// tooltip. Clicking a line emits warningClicked (the live view then shows the learned loss of
/// that step). Works the same for a live run and for a RunData filled from the store: it reads
/// RunData::warnings() whenever refresh() is called.
///
/// Thread affinity: GUI thread. A QObject child of the plot (which it draws on and listens to);
/// the RunData is not owned and must outlive it.
class WarningMarkers final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WarningMarkers)

public:
    /// The colour classes of warning codes.
    enum class Kind { Divergence, Collapse, Other };

    /// "divergence" and "collapse" by name; anything else is Other.
    static Kind kindOf(const QString& code);
    /// The line colour of a kind (also used wherever the studio names the kind).
    static QColor color(Kind kind);

    /// Draws on `plot`'s default axes (x: the step) in a layer "markers" above the curves.
    WarningMarkers(QCustomPlot* plot, const RunData* data);
    ~WarningMarkers() override;

    /// Which phase's warnings are shown: OfflineInit and Search their own, Online / Training the
    /// training phase's (steps count per phase, as on the plots' x axes).
    void setPhase(core::Phase phase);
    core::Phase phase() const { return m_phase; }
    /// A white halo under each line, for dark backgrounds (the heat map).
    void setHalo(bool on);

    /// Re-reads the RunData's warnings (after RunData::changed with marks, or cleared).
    void refresh();

    /// One drawn marker.
    struct Marker {
        RunMark mark;
        Kind kind = Kind::Other;
        QCPItemLine* line = nullptr;
        QString toolTip;
    };
    /// The markers drawn now, in the RunData's order.
    const QVector<Marker>& markers() const { return m_markers; }
    /// Index into markers() of the marker under `position` (widget pixels; within a few pixels
    /// of its line, inside the axis rectangle), or -1.
    int markerAt(const QPointF& position) const;

Q_SIGNALS:
    /// The user clicked the marker of `mark` (a warning).
    void warningClicked(const lossstudio::ui::RunMark& mark);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    bool shows(core::Phase phase) const;
    void clearItems();
    void onPress(QMouseEvent* event);
    void onRelease(QMouseEvent* event);
    void onMove(QMouseEvent* event);

    QCustomPlot* m_plot;
    const RunData* m_data;
    QVector<Marker> m_markers;
    QVector<QCPItemLine*> m_halos;
    QVector<QCPItemText*> m_heads;
    core::Phase m_phase = core::Phase::Online;
    bool m_halo = false;
    int m_pressed = -1;
    QPointF m_pressPosition;
    bool m_hovering = false;
};

}  // namespace lossstudio::ui
