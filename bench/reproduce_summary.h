#pragma once

// The reproduction report's arithmetic and text, free of the store and the plots: what a grid
// holds, how a run's name places it in a cell, the per-cell aggregates, the committed summary
// JSON (docs/results/<grid>-summary.json) and docs/results.md. bench_reproduce_report feeds it
// from the store (reproduce_report_store.h); tests feed it directly. Pure functions, thread-safe.

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

namespace lossstudio::bench {

/// One grid of bench/reproduce: its models and cells in table order.
struct GridSpec {
    QString name;        ///< "reproduce" or "ablation"
    QStringList models;  ///< model names as in run names ("logistic", "lenet5", "mlp")
    /// Cells as in run names: methods ("cross-entropy", "ml3", "taylorglo", "adalfl") or
    /// "<loss.output>-<collapse.recovery>" ("softplus-none", ...).
    QStringList cells;
    QString baseline;   ///< the cell wall times are compared to (empty: none)
    QString candidate;  ///< the cell compared with the baseline in the statements
    int seeds = 5;      ///< seeds 0..seeds-1 per cell
    /// A cell whose runs are another grid's runs of the same configuration: the ablation's
    /// "softplus-none" (the defaults loss.output softplus, collapse.recovery none) is the
    /// reproduce grid's "adalfl" (same preset, same seeds). Empty: none.
    QString sharedCell;
    QString sharedFromGrid;  ///< "reproduce"
    QString sharedFromCell;  ///< "adalfl"
};

/// The grids bench/reproduce knows, in the order results.md shows them.
QStringList gridNames();
/// The grid's spec; nullopt for an unknown name.
std::optional<GridSpec> gridSpec(const QString& grid);

/// A run's place in a grid, from its name: "reproduce/<model>/<method>/seed<k>" or
/// "ablation/<model>/<output>-<recovery>/seed<k>".
struct RunName {
    QString grid;
    QString model;
    QString cell;
    int seed = -1;
};
/// Parses a run name; nullopt when it is not one of a known grid's names (unknown grid, model or
/// cell, or a malformed seed).
std::optional<RunName> parseRunName(const QString& name);

/// True for the engine's collapse warning: an event of kind "warning" whose code is "collapse"
/// or whose message says "collapsed" (core/src/train/engine.cpp, "learned loss collapsed at
/// step N ...").
bool isCollapseWarning(const QString& kind, const QString& code, const QString& message);

/// One run of a grid as the report uses it: the newest run of its name.
struct RunRow {
    QString name;
    QString model;
    QString cell;
    int seed = -1;
    QString status;  ///< the store's status text: "finished", "diverged", "running", ...
    std::optional<double> testAccuracy;        ///< the last test/accuracy evaluation (0..1)
    std::optional<double> validationAccuracy;  ///< the last validation/accuracy evaluation
    qint64 steps = 0;                          ///< the last step of the training (or online) phase
    double wallSeconds = 0;                    ///< the run's own clock at its last metric point
    int collapses = 0;                         ///< collapse warnings (isCollapseWarning)
    int warnings = 0;                          ///< all warning events (divergence and collapse)
    /// Every test/accuracy evaluation (step, accuracy 0..1), which the accuracy figures draw; empty
    /// in a row read from a format-1 summary, which did not keep it.
    QVector<double> curveSteps;
    QVector<double> curveValues;
    /// True for a row taken from an earlier summary (carryForward) rather than from the store the
    /// report read: a run finished on another machine or before the store was lost.
    bool carried = false;
    /// The other grid's run this row is (GridSpec::sharedCell), e.g. "reproduce/mlp/adalfl/seed0"
    /// for "ablation/mlp/softplus-none/seed0"; empty for a run of this grid's own.
    QString sameAs;
};

/// Mean and sample standard deviation (n - 1); std is nullopt for fewer than two values, mean
/// for none.
struct MeanStd {
    int n = 0;
    std::optional<double> mean;
    std::optional<double> std;
};
MeanStd meanSampleStd(const QVector<double>& values);

/// The aggregates of one model x cell. Means are over the cell's finished runs; diverged runs
/// are counted, never averaged.
struct CellSummary {
    QString model;
    QString cell;
    int runs = 0;        ///< runs of the cell in the store (any status)
    int finished = 0;    ///< runs with status "finished"
    int n = 0;           ///< finished runs with a final test accuracy: the n of the means
    int diverged = 0;    ///< runs with status "diverged"
    int incomplete = 0;  ///< running, stopped, interrupted or failed
    std::optional<double> testErrorMean;  ///< percent, 100 (1 - final test accuracy)
    std::optional<double> testErrorStd;
    std::optional<double> testAccuracyMean;  ///< percent
    std::optional<double> testAccuracyStd;
    std::optional<double> wallMean;   ///< seconds per finished run
    std::optional<double> wallRatio;  ///< wallMean / the baseline cell's of the same model
    int collapsedRuns = 0;            ///< runs with at least one collapse warning
    int collapses = 0;                ///< collapse warnings of all the cell's runs
};

/// A figure written beside the summary.
struct Figure {
    QString file;  ///< file name inside the results folder
    QString caption;
};

/// Everything results.md shows about one grid; also the committed summary JSON.
struct GridSummary {
    QString grid;
    int expectedRuns = 0;        ///< models x cells x seeds
    QVector<RunRow> runs;        ///< in table order: model, cell, seed
    QVector<CellSummary> cells;  ///< every model x cell of the spec, in table order
    /// Settings recorded in the runs' configs (dotted key -> distinct values, sorted).
    QMap<QString, QStringList> protocol;
    QVector<Figure> figures;
};

/// The rows of `store` (read from the current store), plus every finished or diverged row of
/// `earlier` (the summary an earlier report wrote) whose name the store lacks or holds only
/// unfinished (running, stopped, interrupted, failed); those are marked `carried`. A grid can so
/// be computed a slice at a time on machines that do not share a store: the committed summary
/// accumulates. The store wins for every name it has finished or diverged.
QVector<RunRow> carryForward(const QVector<RunRow>& store, const QVector<RunRow>& earlier);

/// `rows` plus, for each seed of GridSpec::sharedCell that `rows` has no finished or diverged run
/// of, the finished or diverged run of the same model and seed in `sharedRows` (the runs of
/// GridSpec::sharedFromGrid, cell sharedFromCell), renamed into this grid and marked `sameAs`.
/// Rows of the grid's own always win. Returns `rows` unchanged for a spec without a shared cell.
QVector<RunRow> addSharedRuns(const GridSpec& spec, const QVector<RunRow>& rows,
                              const QVector<RunRow>& sharedRows);

/// The union of two protocols (dotted key -> distinct values, sorted): a key that ends up with
/// two values shows the grid mixes settings.
QMap<QString, QStringList> mergeProtocols(const QMap<QString, QStringList>& a,
                                          const QMap<QString, QStringList>& b);

/// Aggregates a grid's runs (rows of other grids or unknown cells are dropped; one row per name
/// is expected). Rows come out sorted in table order; every cell of the spec is present.
GridSummary summarize(const GridSpec& spec, QVector<RunRow> runs);

/// The summary as JSON (format 2): fixed key order, one run or cell per line, numbers rounded
/// (accuracies to 6 decimals, percentages to 4, seconds to 2), so re-running on the same store
/// gives the same bytes and diffs stay reviewable.
QByteArray summaryJson(const GridSummary& summary);
/// Reads summaryJson() output back (format 2, or format 1 without the curves and carried flags);
/// nullopt with the reason in *error when it cannot.
std::optional<GridSummary> parseSummaryJson(const QByteArray& json, QString* error);

/// docs/results.md from the summaries present (any order; shown in gridNames() order).
/// `figureDir` is the figures' folder relative to the Markdown file ("results").
QString resultsMarkdown(const QVector<GridSummary>& summaries, const QString& figureDir);

/// Display names: "Cross-entropy", "ML3", "LeNet-5", "softplus + restore", ...
QString methodLabel(const QString& cell);
QString modelLabel(const QString& model);
QString cellLabel(const QString& grid, const QString& cell);

}  // namespace lossstudio::bench
