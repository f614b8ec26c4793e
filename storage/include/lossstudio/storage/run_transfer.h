#pragma once

#include <QIODevice>
#include <QString>
#include <QStringList>
#include <QVector>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/run_reader.h>

namespace lossstudio::storage {

enum class ExportFormat {
    /// One row per metric point: run_uuid, run_name, method, model, dataset, seed, status, key,
    /// step, wall_time, value (RFC 4180 quoting; doubles in their shortest exact form).
    Csv,
    /// Everything about each run: identity, status, times, config (as a JSON object), versions,
    /// tags, notes, message, latest metrics, every metric point (per key: step, wall_time and
    /// value arrays), events, snapshots (float arrays) and the list of checkpoints (their opaque
    /// data is not exported). Numbers round-trip exactly.
    Json,
};

/// Writes the runs, in the given order, to `out` (open for writing). Runs on the reader's thread.
Status exportRuns(RunReader& reader, const QVector<qint64>& runIds, ExportFormat format,
                  QIODevice& out);
/// The same into a file, atomically: the file appears complete or is left as it was.
Status exportRunsToFile(RunReader& reader, const QVector<qint64>& runIds, ExportFormat format,
                        const QString& path);

/// What mergeStores() did.
struct MergeReport {
    QStringList added;        ///< UUIDs copied into the destination
    QStringList duplicates;   ///< UUIDs the destination already had: skipped, not duplicated
    QStringList interrupted;  ///< copied runs that were still `running` (stored as interrupted)
    qint64 metricRows = 0;    ///< metric points copied
};

/// Copies every run of the store at `sourcePath` whose UUID the store at `destinationPath` (created
/// if missing) does not have yet, with all its rows, in one transaction: all or nothing. The
/// source is never written: it is read through a consistent temporary copy (VACUUM INTO, beside
/// the destination), upgraded there if its schema is older. A copied run that was still running
/// becomes interrupted (nothing will write the copy). Opens its own connections on the calling
/// thread.
Result<MergeReport> mergeStores(const QString& destinationPath, const QString& sourcePath);

}  // namespace lossstudio::storage
