#pragma once

#include <QHash>
#include <QString>
#include <QVector>
#include <QWidget>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/types.h>
#include <lossstudio/ui/config_diff.h>
#include <lossstudio/ui/run_data.h>

class QCheckBox;
class QComboBox;
class QCPGraph;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace lossstudio::ui {

class PlotView;
class StoreSession;

/// Mean and spread of several runs' series on one step grid.
struct SeriesBand {
    QVector<double> steps;  ///< the union of the runs' steps
    QVector<double> mean;
    /// Sample standard deviation (n - 1 in the denominator); 0 where one run covers the step.
    QVector<double> std;
    QVector<int> count;  ///< runs covering the step
};

/// The mean ± std of `runs` on the union of their steps. A run contributes at a step inside its
/// own first..last step, linearly interpolated between its two neighbouring points (exact where
/// it has the step); it is never extrapolated. Non-finite values are skipped. Thread-safe (pure).
SeriesBand meanStdBand(const QVector<SeriesData>& runs);

/// Runs of one experiment among those compared: their configs differ only in seed and name.
struct CompareGroup {
    QString label;           ///< the first run's name without a "-s<seed>" suffix
    QVector<qint64> runIds;  ///< in the order the runs were given
};

/// Compares stored runs: their test or validation accuracy, learned loss (train/loss) and
/// meta-loss (meta/loss) against the training step, one curve and legend entry per run, with the
/// runs of one experiment (configs equal but for seed and name) drawn as their mean with a
/// ± std band (meanStdBand on the union of their steps); the learned-loss curves l(1, p) and
/// l(0, p) (or the effective loss) of every run at a chosen step or each run's last snapshot; a
/// final-metrics table (per run, and per group mean ± std); and a config diff listing only the
/// keys whose values differ (name and seed shown, marked as trivial).
///
/// Long series are drawn min/max decimated (RunReader::decimatedSeries, maxPoints each); every
/// CSV export (the plots' context menus, exportCsv) reads the stored values instead.
///
/// Thread affinity: GUI thread. The StoreSession is not owned and must outlive the view; a new
/// store clears the comparison.
class CompareView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareView)

public:
    enum class Plot { Accuracy, LearnedLoss, MetaLoss, LossCurves };
    /// The graphs of one group's band: mean line, and the upper / lower edges filled between.
    struct BandGraphs {
        QCPGraph* mean = nullptr;
        QCPGraph* upper = nullptr;
        QCPGraph* lower = nullptr;
    };

    explicit CompareView(StoreSession* session, QWidget* parent = nullptr);
    ~CompareView() override;

    /// Compares these runs (any number; an empty list clears). Reads their records, configs,
    /// decimated series and snapshots; the Error names what failed (nothing is shown then).
    storage::Status setRuns(const QVector<qint64>& runIds);
    const QVector<qint64>& runIds() const { return m_ids; }
    const QVector<storage::RunRecord>& runs() const { return m_runs; }
    const QVector<CompareGroup>& groups() const { return m_groups; }
    /// The keys that differ across the compared runs' configs.
    const QVector<ConfigDiffRow>& configDiff() const { return m_diff; }

    /// Draws runs of one experiment as a mean ± std band (default) or each on its own.
    void setGroupSeeds(bool on);
    bool groupSeeds() const { return m_groupSeeds; }
    /// "test" (default) or "validation": the accuracy plot's split.
    void setAccuracySplit(const QString& split);
    /// The learned-loss curves at the last snapshot at or before `step`; -1: each run's last.
    void setCurveStep(qint64 step);
    /// Shows the effective loss e(p) instead of l(1, p) and l(0, p).
    void setEffectiveCurves(bool on);
    /// Points per series drawn (min/max decimation above it). The default, 640, is one min/max
    /// pair per two pixels of a half-window plot, and lets a 10,000-step series come from the
    /// store's 32-step min/max tiles (313 buckets of 32 steps) instead of its raw rows
    /// (bench_compare: 10 such runs in ~60 instead of ~150 ms); a larger budget reads the raw
    /// rows of series shorter than 16 x budget steps.
    void setMaxPoints(int points);

    PlotView* plot(Plot plot) const;
    /// The graph drawing run `runId` in a step plot (or its l(1, p) / e(p) curve), or nullptr
    /// (e.g. the run is drawn as part of a band).
    QCPGraph* runGraph(Plot plot, qint64 runId) const;
    /// The band of group `group` (index into groups()) in a step plot; null graphs if the group
    /// is drawn run by run.
    BandGraphs bandGraphs(Plot plot, int group) const;
    QTableWidget* finalMetricsTable() const { return m_finalTable; }
    QTableWidget* configDiffTable() const { return m_diffTable; }

    /// Writes a plot's data from the store as CSV: step plots "series,run_uuid,key,step,value"
    /// (each run's stored series, exact, then every group's mean and std on the union of its
    /// runs' stored steps); the curve plot "series,run_uuid,kind,step,p,value".
    bool exportCsv(Plot plot, const QString& path) const;
    /// Writes every plot as `<base>-<plot>.png` / `.pdf` (kind "png", "pdf") or its data as
    /// `.csv` (kind "csv", plus `<base>-final-metrics.csv` and `<base>-config-diff.csv`).
    /// Returns the files written; empty on failure (the log says why).
    QStringList exportAll(const QString& basePath, const QString& kind);

Q_SIGNALS:
    /// The compared runs changed (after setRuns).
    void runsChanged();

private:
    struct RunSeries {
        storage::MetricSeries accuracy;  ///< decimated, as drawn
        storage::MetricSeries learned;
        storage::MetricSeries meta;
    };
    struct PlotGraphs {
        QHash<qint64, QCPGraph*> runs;
        QHash<int, BandGraphs> bands;
    };

    void clearPlots();
    storage::Status loadSeries();
    void drawStepPlots();
    void drawStepPlot(Plot plot, const storage::MetricSeries RunSeries::*member, double scale);
    void drawCurves();
    void fillFinalTable();
    void fillDiffTable();
    QString accuracyKey() const;
    QString keyOf(Plot plot) const;
    void exportWithDialog(const QString& kind);

    StoreSession* m_session;
    QVector<qint64> m_ids;
    QVector<storage::RunRecord> m_runs;
    QVector<FlatConfig> m_configs;
    QVector<CompareGroup> m_groups;
    QVector<int> m_groupOf;  ///< group index per run
    QVector<ConfigDiffRow> m_diff;
    QVector<RunSeries> m_series;
    QHash<int, PlotGraphs> m_graphs;  ///< by Plot
    bool m_groupSeeds = true;
    bool m_effective = false;
    qint64 m_curveStep = -1;
    int m_maxPoints = 640;

    PlotView* m_accuracy = nullptr;
    PlotView* m_learned = nullptr;
    PlotView* m_meta = nullptr;
    PlotView* m_curves = nullptr;
    QComboBox* m_splitBox = nullptr;
    QCheckBox* m_groupBox = nullptr;
    QComboBox* m_curveMode = nullptr;
    QSpinBox* m_stepBox = nullptr;
    QLabel* m_summary = nullptr;
    QTableWidget* m_finalTable = nullptr;
    QTableWidget* m_diffTable = nullptr;
};

}  // namespace lossstudio::ui
