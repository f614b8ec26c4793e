#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <lossstudio/storage/result.h>

namespace lossstudio::storage::detail {

/// Min/max tiles, the decimation pyramid kept beside the metrics: level L summarises aligned
/// blocks of 2^(kTileLevelShift * (L + 1)) steps (32, 1024, 32768, 2^20) of one run's metric.
inline constexpr int kTileLevels = 4;
inline constexpr int kTileLevelShift = 5;
inline int tileShift(int level) {
    return kTileLevelShift * (level + 1);
}
/// Floor division by 2^shift, also for negative steps.
inline qint64 tileOf(qint64 step, int shift) {
    return step >= 0 ? (step >> shift) : -((-step + (qint64{1} << shift) - 1) >> shift);
}

/// The statements that bring a store from version `target - 1` to `target` (1-based). Step 1
/// creates the first schema; released steps are never edited, only new ones added.
QStringList migrationStatements(int target);

/// The version recorded in the store's schema_version table.
Result<int> readSchemaVersion(const QSqlDatabase& db, const QString& path);

/// Migrates from `from` to kSchemaVersion in one transaction (rolled back on any failure).
Status migrate(const QSqlDatabase& db, int from, const QString& path);

/// Recomputes the tiles of one (run, key) for every step >= fromStep from the metrics table.
/// Call inside a transaction.
Status rebuildTiles(const QSqlDatabase& db, qint64 runId, const QString& key, qint64 fromStep);

}  // namespace lossstudio::storage::detail
