#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>
#include <memory>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/store.h>
#include <lossstudio/storage/types.h>

namespace lossstudio::storage {

/// When buffered rows reach the store.
struct WriterOptions {
    int flushRows = 16384;  ///< buffered rows (metrics, snapshots, events) that trigger a flush
    int flushIntervalMs = 1000;     ///< ...or the age of the oldest buffered row
    int keepCheckpoints = 3;        ///< newest checkpoints kept per run (older ones are deleted)
    int maxBufferedRows = 1000000;  ///< after failed flushes, a larger buffer is dropped (counted)
    int busyTimeoutMs = 10000;      ///< how long a flush waits for another writer's lock
};

/// Writes one run at a time into a store: the engine thread's side of the store.
///
/// Thread affinity: create, use and destroy it on one thread (it owns a named Qt Sql connection,
/// which belongs to the thread that opened it). Metric points, snapshots and events are buffered
/// and committed in one transaction per flush (every WriterOptions::flushRows rows, every
/// flushIntervalMs, at checkpoints and at finishRun), together with the latest_metrics summary
/// and the min/max tiles used by decimated reads. A failed flush keeps its rows for the next one.
/// Everything committed survives the process being killed.
class RunWriter final {
public:
    /// Opens (creating or migrating) the store at `path` for writing; see store.h for the checks.
    /// An empty connectionName picks a unique one. The caller owns the writer and must destroy it
    /// on the thread that opened it.
    static Result<std::unique_ptr<RunWriter>> open(const QString& path,
                                                   const WriterOptions& options = {},
                                                   const QString& connectionName = {});
    /// Flushes what is buffered (failures are logged) and closes the connection.
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;

    const QString& path() const;
    /// UUIDs of runs found with a dead writer (and marked interrupted) when the store opened.
    const QStringList& interruptedAtOpen() const;

    /// Creates a `running` run owned by this process and makes it the current run (flushing the
    /// previous one). Fails if `run.uuid` is given and already in the store.
    Result<RunHandle> createRun(const NewRun& run);

    /// Makes an existing run current again to continue it: drops the rows `drop` names (those
    /// after the checkpoint being resumed, so series have no duplicates), recomputes its summaries
    /// and marks it `running` by this process. Refuses a run another live process is writing.
    Result<RunHandle> resumeRun(const QString& uuid, const QVector<RowScope>& drop);

    /// The current run (id 0 when there is none).
    const RunHandle& currentRun() const;

    /// Buffers one metric point of the current run. A (key, step) holds one value: writing it
    /// again replaces it. May flush; the Status reports a failed flush.
    Status appendMetric(const QString& key, qint64 step, double wallTime, double value);
    Status appendMetrics(const QVector<MetricRow>& rows);
    /// Buffers float arrays (learned-loss curves, parameters) at a step; replaces an equal
    /// (kind, step).
    Status addSnapshot(qint64 step, const QString& kind, const QVector<QVector<float>>& arrays);
    /// Buffers an event of the current run.
    Status addEvent(const EventRecord& event);
    /// Commits the buffer and an opaque checkpoint in one transaction, then keeps only the newest
    /// WriterOptions::keepCheckpoints checkpoints of the run.
    Status addCheckpoint(qint64 step, const QString& phase, const QByteArray& data);
    /// Commits everything buffered.
    Status flush();
    /// Commits the buffer and closes the run with its final status and message (e.g. the error).
    /// The writer then has no current run.
    Status finishRun(RunStatus status, const QString& message = {});

    /// Rows waiting for the next flush.
    int bufferedRows() const;
    /// Metric points this writer has committed (all runs).
    qint64 committedMetricRows() const;
    /// Rows given up after failed flushes exceeded WriterOptions::maxBufferedRows.
    qint64 droppedRows() const;

private:
    class Impl;
    explicit RunWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lossstudio::storage
