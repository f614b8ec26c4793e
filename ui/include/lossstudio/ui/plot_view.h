#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <functional>

#include <lossstudio/ui/qcp.h>

namespace lossstudio::ui {

/// A QCustomPlot with the studio's common behaviour: a title and a horizontal legend in rows
/// above the axes (so the legend never covers a curve; as many entries a row as fit the width), drag to pan and wheel to zoom
/// (double-click resets), a context menu to export the plot as PNG / PDF and its data as CSV and
/// to switch a true logarithmic y axis, and replots that are requested (coalesced, skipped while
/// hidden) rather than forced. A base for the studio's plots.
///
/// Thread affinity: GUI thread.
class PlotView : public QCustomPlot {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlotView)

public:
    explicit PlotView(const QString& title, QWidget* parent = nullptr);
    ~PlotView() override;

    /// The studio's colours (colour-blind safe, Okabe-Ito), by index.
    static QColor seriesColor(int index);

    /// A ticker for logarithmic axes (a QCPAxisTickerLog that labels 1-2-5 steps when the range
    /// spans less than two decades).
    static QSharedPointer<QCPAxisTicker> logTicker();

    /// Asks for a queued replot (QCustomPlot::rpQueuedReplot: several requests in one event-loop
    /// pass draw once). While the plot is hidden it only marks the plot dirty.
    void requestReplot();
    /// How many replots this plot has drawn (counted in afterReplot; for the latency bench).
    qint64 replotCount() const { return m_replots; }

    /// True when the user has panned (dragged) or zoomed since the last reset: views then stop
    /// fitting the axes to new data. A click without a drag leaves it unchanged.
    bool userMovedView() const { return m_userMoved; }
    /// Forgets the user's pan / zoom and fits the axes again (double-click, context menu).
    void resetView();

    /// How the axes are fitted to the data (resetView, log toggle) for a view that draws on a
    /// plain PlotView; by default every visible plottable is rescaled to.
    void setAxisFitter(std::function<void()> fitter) { m_fitter = std::move(fitter); }

    bool logY() const { return m_logY; }
    /// Switches a logarithmic y axis (QCPAxisTickerLog). Views drop non-positive values from
    /// what they draw while it is on (see setSeries). Emits logYChanged.
    void setLogY(bool on);
    /// Whether the context menu offers the log toggle.
    void setLogYAllowed(bool allowed) { m_logYAllowed = allowed; }

    /// Replaces a graph's data; with a log y axis non-positive and non-finite values are left
    /// out (they have no place on it).
    void setSeries(QCPGraph* graph, const QVector<double>& keys, const QVector<double>& values);
    /// Appends points in key order (same filtering as setSeries).
    void appendSeries(QCPGraph* graph, const QVector<double>& keys, const QVector<double>& values);

    /// Writes the plot as an image / vector file / data table. Return false (with the reason in
    /// the log) when the file cannot be written.
    bool exportPng(const QString& path);
    bool exportPdf(const QString& path);
    /// Every graph as rows "series, x, y" and every colour map as "x, y, z", with the axis labels
    /// as column names. Views that draw decimated data override it to write the stored values.
    virtual bool exportCsv(const QString& path) const;

    QString title() const { return m_titleText; }

Q_SIGNALS:
    /// The user reset the view (views fit their axes again).
    void viewReset();
    void logYChanged(bool on);

protected:
    /// Fits the axes to the data; views override to use their own notion of the data range.
    virtual void fitAxes();
    void showEvent(QShowEvent* event) override;
    /// The CSV's row for a graph name; views may rename (e.g. to the metric key).
    virtual QString csvSeriesName(const QCPGraph* graph) const;

private:
    void fitLegendWrap();
    void showContextMenu(const QPoint& position);
    void exportWithDialog(const QString& kind);

    QString m_titleText;
    QCPTextElement* m_title = nullptr;
    std::function<void()> m_fitter;
    QPointF m_pressPosition;
    qint64 m_replots = 0;
    bool m_userMoved = false;
    bool m_logY = false;
    bool m_logYAllowed = true;
    bool m_dirty = false;
};

}  // namespace lossstudio::ui
