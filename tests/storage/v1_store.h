#pragma once

// A store exactly as the first schema version (1) wrote it, for migration tests.

#include <QString>
#include <QStringList>

#include <lossstudio/storage/float_arrays.h>

#include "store_test_util.h"

namespace lossstudio::storage::test {

// The first released schema, frozen here as an app of that version wrote it (a separate copy of
// the one in the migration code, so that editing that one cannot make this test pass).
inline const QStringList kVersion1Schema = {
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL "
    "DEFAULT '', status TEXT NOT NULL DEFAULT 'running', created_at INTEGER NOT NULL, finished_at "
    "INTEGER, config_json TEXT NOT NULL DEFAULT '{}', config_hash TEXT NOT NULL DEFAULT '', seed "
    "INTEGER NOT NULL DEFAULT 0, method TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', "
    "dataset TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '', torch_version TEXT "
    "NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX runs_created_at ON runs(created_at)",
    "CREATE TABLE tags(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, tag TEXT NOT "
    "NULL, PRIMARY KEY(run_id, tag)) WITHOUT ROWID",
    "CREATE TABLE metrics(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT "
    "NOT NULL, step INTEGER NOT NULL, wall_time REAL NOT NULL DEFAULT 0, value REAL NOT NULL, "
    "PRIMARY KEY(run_id, key, step)) WITHOUT ROWID",
    "CREATE TABLE snapshots(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON "
    "DELETE CASCADE, step INTEGER NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL)",
    "CREATE UNIQUE INDEX snapshots_run_kind_step ON snapshots(run_id, kind, step)",
    "CREATE TABLE checkpoints(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) "
    "ON DELETE CASCADE, step INTEGER NOT NULL, data BLOB NOT NULL)",
    "CREATE INDEX checkpoints_run_step ON checkpoints(run_id, step)",
    "CREATE TABLE schema_version(version INTEGER NOT NULL)",
    "INSERT INTO schema_version(version) VALUES(1)",
};

inline const QString kFinishedUuid = QStringLiteral("11111111-1111-4111-8111-111111111111");
inline const QString kRunningUuid = QStringLiteral("22222222-2222-4222-8222-222222222222");

// A version 1 store holding two runs: one finished with metrics, tags, a snapshot and a
// checkpoint; one left `running` by a writer that no longer exists.
inline bool writeVersion1Store(const QString& path, bool walJournal) {
    QStringList sql;
    if (walJournal) {
        sql << QStringLiteral("PRAGMA journal_mode = WAL");
    }
    sql << kVersion1Schema;
    sql << QStringLiteral(
               "INSERT INTO runs(id, uuid, name, status, created_at, finished_at, config_json, "
               "config_hash, seed, method, model, dataset, app_version, torch_version, host, "
               "notes) VALUES(1, '%1', 'v1 finished', 'finished', 1700000000000, 1700000100000, "
               "'{\"method\":\"adalfl\"}', 'aaaabbbbccccdddd', 42, 'adalfl', 'mlp', "
               "'fashion-mnist', '0.0.9', '1.13.1', 'oldhost', 'kept notes')")
               .arg(kFinishedUuid)
        << QStringLiteral(
               "INSERT INTO runs(id, uuid, name, status, created_at, method) VALUES(2, '%1', 'v1 "
               "running', 'running', 1700000200000, 'ml3')")
               .arg(kRunningUuid)
        << QStringLiteral("INSERT INTO tags VALUES(1, 'paper'), (1, 'baseline')");
    // 1000 steps of train/loss with a spike, and a sparse test/accuracy.
    QStringList values;
    for (int step = 1; step <= 1000; ++step) {
        const double v = (step == 777) ? 9.5 : 1.0 / step;
        values << QStringLiteral("(1, 'train/loss', %1, %2, %3)")
                      .arg(step)
                      .arg(step * 0.5)
                      .arg(v, 0, 'g', 17);
    }
    sql << QStringLiteral("INSERT INTO metrics VALUES ") + values.join(QLatin1Char(','));
    sql << QStringLiteral(
        "INSERT INTO metrics VALUES (1, 'test/accuracy', 500, 0, 0.8125), "
        "(1, 'test/accuracy', 1000, 0, 0.875), (2, 'train/loss', 1, 0, 2.5)");
    const QByteArray blob = encodeFloatArrays({{0.0f, 0.5f, 1.0f}, {3.0f, 0.25f, -1.5f}});
    sql << QStringLiteral(
               "INSERT INTO snapshots(run_id, step, kind, data) VALUES(1, 1000, "
               "'loss/online', X'%1')")
               .arg(QString::fromLatin1(blob.toHex()));
    sql << QStringLiteral("INSERT INTO checkpoints(run_id, step, data) VALUES(1, 1000, X'C0FFEE')");
    return execRaw(path, sql);
}

}  // namespace lossstudio::storage::test
