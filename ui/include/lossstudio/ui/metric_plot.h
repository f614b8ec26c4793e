#pragma once

#include <QColor>
#include <QString>
#include <QVector>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/run_data.h>

namespace lossstudio::ui {

class WarningMarkers;

/// One series a MetricPlot draws.
struct MetricSpec {
    QString key;           ///< store key without the phase prefix, e.g. "train/accuracy"
    QString label;         ///< legend text
    bool smoothed = true;  ///< per-step series get the EMA; evaluations are drawn as they are
    double scale = 1.0;    ///< display factor (accuracy in %)
};

/// Metric series of a run against the training step: each per-step series as a faint raw curve
/// with its exponential moving average on top, evaluations as lines with markers. Fed from a
/// RunData (not owned), appending only new points. Shows training, Phase A (the same keys under
/// "init/") or TaylorGLO's search (its own series, `searchSpecs`, against the candidate index).
/// Every warning of the shown phase is marked on the step axis (warningMarkers()); a series may
/// carry a horizontal threshold line (setThreshold) and, on a log axis, a floor for its zeros
/// (setLogFloor).
///
/// Thread affinity: GUI thread.
class MetricPlot final : public PlotView {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricPlot)

public:
    MetricPlot(const QString& title, const QString& yLabel, QVector<MetricSpec> specs,
               const RunData* data, QWidget* parent = nullptr,
               QVector<MetricSpec> searchSpecs = {});
    ~MetricPlot() override;

    /// EMA weight in [0, 0.999]; 0 draws the raw data only. Debiased as TensorBoard does.
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    /// Which phase's series to show: OfflineInit reads the "init/" keys, Search the search
    /// specs, Online / Training the training series.
    void setPhase(core::Phase phase);
    core::Phase phase() const { return m_phase; }

    /// The graph drawing `key` (raw points, as plotted, i.e. times the spec's scale), or nullptr.
    QCPGraph* rawGraph(const QString& key) const;
    /// The smoothed graph of `key`, or nullptr for unsmoothed series.
    QCPGraph* smoothedGraph(const QString& key) const;

    /// The run's warnings on this plot's step axis (owned by the plot).
    WarningMarkers* warningMarkers() const { return m_markers; }

    /// The linear y range shown while no series has points, in the plotted unit (default 0 to 1;
    /// accuracy in % sets 0 to 100, so the empty axis agrees with its label).
    void setEmptyYRange(double lower, double upper);

    /// A horizontal line at `value` across the plot, named `label` in the legend, drawn while the
    /// series `key` (a spec's key) is shown and has points; the y axis is fitted to include it.
    /// Replaces an earlier threshold.
    void setThreshold(const QString& key, double value, const QString& label);
    /// The threshold's line (two points spanning the visible x range), nullptr before
    /// setThreshold.
    QCPGraph* thresholdGraph() const { return m_threshold; }
    /// The threshold's value (NaN before setThreshold).
    double thresholdValue() const { return m_thresholdValue; }

    /// On a log y axis, the points of series `key` at or below `floor` (zeros included, which a
    /// log axis cannot draw) are drawn as thick segments at `floor`, named `label` in the legend
    /// while there are any, and the y axis does not go below the floor for them; the EMA is taken
    /// of the values clamped to the floor, so it settles on it instead of falling without end.
    /// The raw graph keeps every positive value as it is. `floor` <= 0 removes it.
    void setLogFloor(const QString& key, double floor, const QString& label);
    /// The floor's graph of `key` (points at the floor, NaN between separate stretches), or
    /// nullptr without a floor.
    QCPGraph* floorGraph(const QString& key) const;

    /// Appends what `change` added to the RunData (connected to RunData::changed).
    void onDataChanged(const RunDataChange& change);
    /// Rebuilds every graph from the RunData (phase / smoothing / log change, new run).
    void rebuild();

protected:
    void fitAxes() override;
    QString csvSeriesName(const QCPGraph* graph) const override;

private:
    struct Series {
        MetricSpec spec;
        QCPGraph* raw = nullptr;
        QCPGraph* smooth = nullptr;  ///< nullptr for unsmoothed
        QCPGraph* floor = nullptr;   ///< points at or below floorValue (setLogFloor)
        double floorValue = 0;
        bool atFloor = false;    ///< the last point drawn went to the floor graph
        qsizetype consumed = 0;  ///< points of the RunData series already drawn
        double ema = 0;
        qint64 emaCount = 0;
        double low = 0;  ///< data range of what fitAxes looks at
        double high = 0;
        bool haveRange = false;
        bool search = false;  ///< drawn in the search view only
    };

    QString fullKey(const MetricSpec& spec) const;
    bool inView(const Series& series) const;
    void appendNew(Series& series);
    bool floorActive(const Series& series) const;
    bool floorShown(const Series& series) const;
    void updateFloorLegend(Series& series);
    void includeInRange(Series& series, double value);
    void fitIfFollowing();
    bool thresholdShown() const;
    void updateThreshold();
    void spanThreshold();

    const RunData* m_data;
    QVector<Series> m_series;
    double m_smoothing = 0.6;
    core::Phase m_phase = core::Phase::Online;
    WarningMarkers* m_markers = nullptr;
    QCPGraph* m_threshold = nullptr;
    QString m_thresholdKey;
    double m_thresholdValue;
    QCPRange m_emptyRange{0, 1};
};

}  // namespace lossstudio::ui
