#pragma once

#include <QColor>
#include <QString>
#include <QVector>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/run_data.h>

namespace lossstudio::ui {

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
        qsizetype consumed = 0;      ///< points of the RunData series already drawn
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
    void includeInRange(Series& series, double value);
    void fitIfFollowing();

    const RunData* m_data;
    QVector<Series> m_series;
    double m_smoothing = 0.6;
    core::Phase m_phase = core::Phase::Online;
};

}  // namespace lossstudio::ui
