#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>
#include <map>
#include <optional>
#include <vector>

#include <lossstudio/core/events.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/ui/event_batch.h>

namespace lossstudio::ui {

/// One metric series, ready for plotting: steps and values in arrival (normally step) order.
struct SeriesData {
    QVector<double> steps;
    QVector<double> values;
};

/// The learned loss at one step, as plot-ready vectors (see core::LossSnapshot).
struct LossCurve {
    core::Phase phase = core::Phase::Setup;
    qint64 step = 0;
    QVector<double> p;
    QVector<double> lossY1;
    QVector<double> lossY0;
    QVector<double> slopeY1;
    QVector<double> slopeY0;
    /// The engine's effective loss of one example e(p) and its slope (empty for snapshots
    /// without it, e.g. stored before the engine computed it).
    QVector<double> effective;
    QVector<double> effectiveSlope;
    /// The p minimising `effective` on the grid (core::LossSnapshot::effectiveArgmin(); 1 when
    /// `effective` is empty). Below 1 the loss has learned label smoothing.
    double effectiveArgmin = 1.0;
    int classes = 0;
};

/// Something that happened at a step: a phase change or a warning.
struct RunMark {
    core::Phase phase = core::Phase::Setup;
    qint64 step = 0;
    QString code;  ///< warning code ("divergence", ...), or the phase's name for a phase change
    QString text;
};

/// What a change to RunData touched, so views redraw only what changed.
struct RunDataChange {
    QSet<QString> keys;         ///< metric series that received points
    int firstNewSnapshot = -1;  ///< index of the first added snapshot; -1 if none
    bool marks = false;         ///< phases or warnings were added
    bool status = false;        ///< run info, latest step or the end changed
};

/// Everything a run's views show: metric series by store key, learned-loss snapshots, phase
/// changes, warnings and the run's progress. Fed live from EngineController's batches, or (for a
/// stored run) from the store through the same value types, so a replay shows what was seen
/// live. Knows nothing about the controller or the views.
///
/// Thread affinity: GUI thread. Owned by whoever creates it (normally the main window).
class RunData final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunData)

public:
    explicit RunData(QObject* parent = nullptr);
    ~RunData() override;

    /// Forgets everything and takes the config of the run about to be shown. Emits cleared().
    void reset(const core::RunConfig& config);
    /// Applies one batch of live events. Emits changed() once.
    void append(const EventBatch& batch);
    /// Replay: adds series points (e.g. read from the store). Emits changed() once.
    void appendSamples(const std::vector<core::MetricSample>& samples);
    /// Replay: adds snapshots in step order. Emits changed() once.
    void appendSnapshots(const std::vector<core::LossSnapshot>& snapshots);
    /// Replay: adds whole series by key (e.g. read from the store), each after what its key
    /// holds; a new key takes the vectors without copying them. Emits changed() once.
    void appendSeries(const std::map<QString, SeriesData>& series);
    /// Replay: adds phase changes in order (the last one becomes phase()). Emits changed() once.
    void appendPhaseChanges(const std::vector<core::PhaseChanged>& phases);
    /// Replay: adds warnings in order (e.g. the store's "warning" events). Emits changed() once.
    void appendWarnings(const std::vector<core::Warning>& warnings);

    const core::RunConfig& config() const { return m_config; }
    const std::optional<core::RunStarted>& started() const { return m_started; }
    const std::optional<core::StepMetrics>& lastStep() const { return m_lastStep; }
    const std::optional<core::Finished>& finished() const { return m_finished; }
    /// The current phase: the last phase change seen (Setup before any).
    core::Phase phase() const { return m_phase; }
    /// Number of classes of the run's dataset (0 until the run has started).
    int classes() const;

    /// The series of `key` (e.g. "train/accuracy", "init/meta/loss"); empty if none.
    const SeriesData& series(const QString& key) const;
    /// Keys that hold at least one point, sorted.
    QStringList keys() const;
    /// The newest value of `key`, if any.
    std::optional<double> latest(const QString& key) const;

    /// Every learned-loss snapshot in arrival order (Phase A's first, then training's).
    const QVector<LossCurve>& snapshots() const { return m_snapshots; }
    /// Index into snapshots() of the last snapshot of `phase` taken at or before `step` (the
    /// phase's first snapshot when all are later); -1 when the phase has none. Steps count per
    /// phase, so only that phase's snapshots are candidates.
    int snapshotAtOrBefore(core::Phase phase, qint64 step) const;
    /// Phase changes in order (Setup, OfflineInit, Online/Training).
    const QVector<RunMark>& phaseMarks() const { return m_phaseMarks; }
    const QVector<RunMark>& warnings() const { return m_warnings; }

Q_SIGNALS:
    /// Everything was forgotten (a new run): views drop their data.
    void cleared();
    /// Data was added; `change` says what.
    void changed(const lossstudio::ui::RunDataChange& change);

private:
    void addSamples(const std::vector<core::MetricSample>& samples, RunDataChange& change);
    void addSnapshot(const core::LossSnapshot& snapshot, RunDataChange& change);
    void addPhaseChange(const core::PhaseChanged& phase, RunDataChange& change);
    void addWarning(const core::Warning& warning, RunDataChange& change);

    core::RunConfig m_config;
    std::optional<core::RunStarted> m_started;
    std::optional<core::StepMetrics> m_lastStep;
    std::optional<core::Finished> m_finished;
    core::Phase m_phase = core::Phase::Setup;
    std::map<QString, SeriesData> m_series;  ///< node-based: references stay valid on insert
    QVector<LossCurve> m_snapshots;
    QVector<RunMark> m_phaseMarks;
    QVector<RunMark> m_warnings;
};

}  // namespace lossstudio::ui
