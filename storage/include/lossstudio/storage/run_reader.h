#pragma once

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>
#include <limits>
#include <memory>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/store.h>
#include <lossstudio/storage/types.h>

namespace lossstudio::storage {

/// Queries a store and makes the user's edits (tags, notes, names, deletes): the GUI thread's and
/// the CLI's side of the store. Reads run alongside a RunWriter in another thread or process
/// (WAL): a reader sees every committed row.
///
/// Thread affinity: create, use and destroy it on one thread (it owns a named Qt Sql connection).
/// A `running` run whose writer has died is reported as Interrupted even before the store is
/// next opened read-write (which records it).
class RunReader final {
public:
    static constexpr qint64 kFirstStep = std::numeric_limits<qint64>::min();
    static constexpr qint64 kLastStep = std::numeric_limits<qint64>::max();

    /// Opens the store at `path` (see store.h). ReadOnly never writes but needs the current
    /// schema; ReadWrite creates, migrates and records interrupted runs. The caller owns the
    /// reader and must destroy it on the thread that opened it.
    static Result<std::unique_ptr<RunReader>> open(const QString& path,
                                                   OpenMode mode = OpenMode::ReadWrite,
                                                   const QString& connectionName = {});
    ~RunReader();
    RunReader(const RunReader&) = delete;
    RunReader& operator=(const RunReader&) = delete;

    const QString& path() const;
    OpenMode mode() const;
    /// UUIDs of runs found with a dead writer (and marked interrupted) when the store opened.
    const QStringList& interruptedAtOpen() const;
    /// Records dead writers' runs as interrupted now (ReadWrite only); returns their UUIDs.
    Result<QStringList> markInterruptedRuns();

    // --- runs --------------------------------------------------------------------------------
    /// A filtered, sorted page of runs with their tags and latest metrics.
    Result<QVector<RunRecord>> listRuns(const RunQuery& query = {});
    /// How many runs the filter matches (for paging).
    Result<qint64> countRuns(const RunFilter& filter = {});
    /// One run, complete (config included). NotFound if the id is unknown.
    Result<RunRecord> run(qint64 runId);
    /// The id of the run named by `reference`: a numeric id, a UUID, or an unambiguous UUID prefix
    /// of at least 4 characters. A number is looked up both ways (a UUID can start with digits);
    /// matching one run by id and another by prefix is an error naming both.
    Result<qint64> findRun(const QString& reference);
    /// Values present in the store, sorted, for filter menus.
    enum class Column { Method, Model, Dataset, Tag, Status };
    Result<QStringList> distinctValues(Column column);

    // --- metrics -----------------------------------------------------------------------------
    /// Metric keys of a run, sorted.
    Result<QStringList> metricKeys(qint64 runId);
    /// A whole series (or the steps in [fromStep, toStep]) in step order, exact values.
    Result<MetricSeries> series(qint64 runId, const QString& key, qint64 fromStep = kFirstStep,
                                qint64 toStep = kLastStep);
    /// The series min/max-decimated to at most max(maxPoints, 2) points for display (never for
    /// export): buckets of equal step width (MetricSeries::bucketOrigin / bucketWidth), each
    /// giving its smallest and largest point in step order. Read from the store's min/max tiles,
    /// so the cost follows maxPoints rather than the series length.
    Result<MetricSeries> decimatedSeries(qint64 runId, const QString& key, int maxPoints,
                                         qint64 fromStep = kFirstStep, qint64 toStep = kLastStep);
    /// Every metric point of a run ordered by key then step (exports).
    Result<QVector<MetricRow>> metricRows(qint64 runId);

    // --- snapshots, events, checkpoints -----------------------------------------------------
    Result<QStringList> snapshotKinds(qint64 runId);
    Result<QVector<qint64>> snapshotSteps(qint64 runId, const QString& kind);
    /// The snapshot of `kind` at `step`, or the last one before it; NotFound if none.
    Result<Snapshot> snapshotAtOrBefore(qint64 runId, const QString& kind, qint64 step);
    /// Every snapshot of `kind` in step order (heat maps, time slider).
    Result<QVector<Snapshot>> snapshots(qint64 runId, const QString& kind);
    /// Events in step order (then in the order they were written).
    Result<QVector<EventRecord>> events(qint64 runId);
    /// How many events of `kind` (e.g. "warning") each of `runIds` has, in one query (run lists
    /// flag runs that warned). Runs without any are left out of the map.
    Result<QHash<qint64, int>> countEvents(const QVector<qint64>& runIds, const QString& kind);
    /// Checkpoints, newest first, without their data.
    Result<QVector<Checkpoint>> checkpoints(qint64 runId);
    /// The newest checkpoint with its data (to resume); NotFound if the run has none.
    Result<Checkpoint> latestCheckpoint(qint64 runId);

    // --- edits -------------------------------------------------------------------------------
    Status setName(qint64 runId, const QString& name);
    Status setNotes(qint64 runId, const QString& notes);
    /// Replaces the run's tags (trimmed, empty ones and duplicates dropped).
    Status setTags(qint64 runId, const QStringList& tags);
    Status addTag(qint64 runId, const QString& tag);
    Status removeTag(qint64 runId, const QString& tag);
    /// Deletes runs with every row that belongs to them. Refuses (InUse) a run a live process is
    /// still writing. All or nothing.
    Status deleteRuns(const QVector<qint64>& runIds);
    Status deleteRun(qint64 runId) { return deleteRuns({runId}); }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    Result<QString> integrityCheck();
    /// SQLite's `PRAGMA data_version`: changes whenever another connection (of this process or
    /// another) commits to the store; cheap enough to poll. For noticing other writers.
    Result<qint64> dataVersion();

private:
    class Impl;
    explicit RunReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lossstudio::storage
