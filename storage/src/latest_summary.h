#pragma once

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>
#include <QStringList>

#include <lossstudio/storage/types.h>

namespace lossstudio::storage::detail {

/// runs.latest_summary: a run's latest metrics packed in one BLOB, written by the writer in the
/// same UPDATE that stamps each flush, so that a run list reads one value per run instead of a
/// row per (run, key). latest_metrics stays the source of truth (sorting by a metric, merges);
/// NULL means "not cached, read latest_metrics". Little-endian:
///   "LSLM", uint8 version (1), uint32 n, then n x (uint16 key bytes, UTF-8 key, int64 step,
///   float64 value).
QByteArray encodeLatestSummary(const QMap<QString, LatestMetric>& latest);

/// Decodes into `out` the entries whose key is in `keys` (all when empty). `interned` shares key
/// strings between runs. False for a malformed blob (the caller falls back to latest_metrics).
bool decodeLatestSummary(const QByteArray& blob, const QStringList& keys,
                         QHash<QByteArray, QString>& interned, QMap<QString, LatestMetric>* out);

}  // namespace lossstudio::storage::detail
