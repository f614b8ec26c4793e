#include "schema.h"

#include <QSqlError>
#include <QSqlQuery>

#include <lossstudio/storage/store.h>

#include "sql_util.h"

namespace lossstudio::storage::detail {
namespace {

// Version 1: the first released schema (design.md). Frozen: tests build a v1 store from their own
// copy of it and migrate it. Times are milliseconds since the epoch (UTC).
const char* const kVersion1[] = {
    R"(CREATE TABLE runs(
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'running',
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        config_json TEXT NOT NULL DEFAULT '{}',
        config_hash TEXT NOT NULL DEFAULT '',
        seed INTEGER NOT NULL DEFAULT 0,
        method TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        dataset TEXT NOT NULL DEFAULT '',
        app_version TEXT NOT NULL DEFAULT '',
        torch_version TEXT NOT NULL DEFAULT '',
        host TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT ''))",
    "CREATE INDEX runs_created_at ON runs(created_at)",
    R"(CREATE TABLE tags(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY(run_id, tag)) WITHOUT ROWID)",
    R"(CREATE TABLE metrics(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        wall_time REAL NOT NULL DEFAULT 0,
        value REAL NOT NULL,
        PRIMARY KEY(run_id, key, step)) WITHOUT ROWID)",
    R"(CREATE TABLE snapshots(
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        kind TEXT NOT NULL,
        data BLOB NOT NULL))",
    "CREATE UNIQUE INDEX snapshots_run_kind_step ON snapshots(run_id, kind, step)",
    R"(CREATE TABLE checkpoints(
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        data BLOB NOT NULL))",
    "CREATE INDEX checkpoints_run_step ON checkpoints(run_id, step)",
    "CREATE TABLE schema_version(version INTEGER NOT NULL)",
    "INSERT INTO schema_version(version) VALUES(1)",
};

// Version 2: the writer's identity for dead-writer detection, the run's closing message, Qt
// version, events, the latest_metrics summary for run lists, min/max tiles for decimated reads,
// checkpoint phases, and indices for the run-list filters.
const char* const kVersion2[] = {
    "ALTER TABLE runs ADD COLUMN qt_version TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN message TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN updated_at INTEGER",
    "ALTER TABLE runs ADD COLUMN writer_machine TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE runs ADD COLUMN writer_pid INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN writer_identity TEXT NOT NULL DEFAULT ''",
    // The latest metrics packed for run lists (latest_summary.h); NULL: read latest_metrics.
    "ALTER TABLE runs ADD COLUMN latest_summary BLOB",
    "UPDATE runs SET updated_at = COALESCE(finished_at, created_at)",
    "CREATE INDEX runs_status ON runs(status, created_at)",
    "CREATE INDEX runs_method ON runs(method, created_at)",
    "CREATE INDEX runs_model ON runs(model, created_at)",
    "CREATE INDEX runs_dataset ON runs(dataset, created_at)",
    "CREATE INDEX runs_config_hash ON runs(config_hash)",
    "CREATE INDEX tags_tag ON tags(tag, run_id)",
    "ALTER TABLE checkpoints ADD COLUMN phase TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE checkpoints ADD COLUMN created_at INTEGER",
    R"(CREATE TABLE events(
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL DEFAULT '',
        wall_time REAL NOT NULL DEFAULT 0))",
    "CREATE INDEX events_run_step ON events(run_id, step)",
    R"(CREATE TABLE latest_metrics(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY(run_id, key)) WITHOUT ROWID)",
    // One row per (run, key): SQLite takes the bare column `value` from the max(step) row.
    R"(INSERT INTO latest_metrics(run_id, key, step, value)
       SELECT run_id, key, max(step), value FROM metrics GROUP BY run_id, key)",
    R"(CREATE TABLE metric_tiles(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        level INTEGER NOT NULL,
        tile INTEGER NOT NULL,
        count INTEGER NOT NULL,
        min_step INTEGER NOT NULL,
        min_value REAL NOT NULL,
        max_step INTEGER NOT NULL,
        max_value REAL NOT NULL,
        PRIMARY KEY(run_id, key, level, tile)) WITHOUT ROWID)",
    // Filled from the metrics below (migrate() adds one statement per level).
};

// Version 3: an event's facts as JSON fields (EventRecord::fields), filled for the "started" and
// "resumed" events of version-2 stores with the class count their message states ("..., 10000 test
// examples, 10 classes, ...": the recorder's wording of those versions).
const char* const kVersion3[] = {
    "ALTER TABLE events ADD COLUMN fields TEXT NOT NULL DEFAULT ''",
    R"(UPDATE events SET fields = '{"classes":' || CAST(CAST(
           substr(message, instr(message, 'test examples, ') + 15,
                  instr(message, ' classes') - instr(message, 'test examples, ') - 15)
           AS INTEGER) AS TEXT) || '}'
       WHERE kind IN ('started', 'resumed') AND instr(message, 'test examples, ') > 0
         AND instr(message, ' classes') > instr(message, 'test examples, '))",
};

// Inserts the tiles of `level` aggregated from metrics rows matching `where`. SQLite takes the
// bare column `step` from the row holding the min() (resp. max()) value.
QString tileInsertSql(int level, const QString& where) {
    const int shift = tileShift(level);
    return QStringLiteral(
               "INSERT INTO metric_tiles(run_id, key, level, tile, count, min_step, min_value, "
               "max_step, max_value) "
               "SELECT a.run_id, a.key, %1, a.t, a.c, a.s, a.v, b.s, b.v FROM "
               "(SELECT run_id, key, step >> %2 AS t, count(*) AS c, step AS s, min(value) AS v "
               " FROM metrics WHERE %3 GROUP BY run_id, key, t) AS a "
               "JOIN (SELECT run_id, key, step >> %2 AS t, step AS s, max(value) AS v "
               " FROM metrics WHERE %3 GROUP BY run_id, key, t) AS b "
               "ON a.run_id = b.run_id AND a.key = b.key AND a.t = b.t")
        .arg(level)
        .arg(shift)
        .arg(where);
}

}  // namespace

QStringList migrationStatements(int target) {
    QStringList out;
    if (target == 1) {
        for (const char* s : kVersion1) {
            out << QString::fromLatin1(s);
        }
    } else if (target == 2) {
        for (const char* s : kVersion2) {
            out << QString::fromLatin1(s);
        }
        for (int level = 0; level < kTileLevels; ++level) {
            out << tileInsertSql(level, QStringLiteral("1"));
        }
    } else if (target == 3) {
        for (const char* s : kVersion3) {
            out << QString::fromLatin1(s);
        }
    }
    if (!out.isEmpty()) {
        out << QStringLiteral("DELETE FROM schema_version")
            << QStringLiteral("INSERT INTO schema_version(version) VALUES(%1)").arg(target);
    }
    return out;
}

Result<int> readSchemaVersion(const QSqlDatabase& db, const QString& path) {
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
        Error e = sqlError(QStringLiteral("cannot read %1").arg(path), query);
        if (query.lastError().nativeErrorCode() == QLatin1String("26")) {  // SQLITE_NOTADB
            e.code = ErrorCode::NotAStore;
            e.message = QStringLiteral(
                            "%1 is not a LossStudio run store (not an SQLite database); it was "
                            "left untouched: choose another file with --db, or move this one away")
                            .arg(path);
        } else if (e.code == ErrorCode::Damaged) {
            e.message = QStringLiteral(
                            "%1 is not a LossStudio run store or is damaged (%2); choose another "
                            "file with --db, or move this one away")
                            .arg(path, query.lastError().text());
        }
        return e;
    }
    if (!query.next()) {
        return sqlError(QStringLiteral("cannot read %1").arg(path), query);
    }
    if (query.value(0).toInt() == 0) {
        return 0;  // an empty database: a new store
    }
    query.finish();
    if (!query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'schema_version'")) ||
        !query.next()) {
        return sqlError(QStringLiteral("cannot read %1").arg(path), query);
    }
    if (query.value(0).toInt() == 0) {
        return Error{ErrorCode::NotAStore,
                     QStringLiteral("%1 is an SQLite database but not a LossStudio run store (it "
                                    "has no schema_version table); choose another file with --db")
                         .arg(path)};
    }
    query.finish();
    if (!query.exec(QStringLiteral("SELECT max(version) FROM schema_version")) || !query.next()) {
        return sqlError(QStringLiteral("cannot read the schema version of %1").arg(path), query);
    }
    bool ok = false;
    const int version = query.value(0).toInt(&ok);
    if (!ok || version < 1) {
        return Error{ErrorCode::Damaged,
                     QStringLiteral("%1 has no valid schema version; it is damaged or not a "
                                    "LossStudio run store")
                         .arg(path)};
    }
    return version;
}

Status migrate(const QSqlDatabase& db, int from, const QString& path) {
    Transaction transaction(db);
    if (Status s = transaction.begin(QStringLiteral("upgrading %1").arg(path)); !s) {
        return s;
    }
    for (int target = from + 1; target <= kSchemaVersion; ++target) {
        for (const QString& sql : migrationStatements(target)) {
            QSqlQuery query(db);
            if (!query.exec(sql)) {
                return sqlError(QStringLiteral("upgrading %1 to schema version %2 failed (the file "
                                               "is unchanged)")
                                    .arg(path)
                                    .arg(target),
                                query);
            }
        }
    }
    if (Status s = transaction.commit(); !s) {
        return s;
    }
    if (from > 0) {
        logger()->info("upgraded run store {} from schema version {} to {}", path.toStdString(),
                       from, kSchemaVersion);
    }
    return {};
}

Status rebuildTiles(const QSqlDatabase& db, qint64 runId, const QString& key, qint64 fromStep) {
    // A step far below any real one means "everything" (and keeps the shifts in range).
    const bool all = fromStep < -(qint64{1} << 40);
    for (int level = 0; level < kTileLevels; ++level) {
        const int shift = tileShift(level);
        const qint64 firstTile = all ? 0 : tileOf(fromStep, shift);
        QSqlQuery remove(db);
        if (Status s = prepare(remove,
                               all ? QStringLiteral("DELETE FROM metric_tiles WHERE run_id = ? AND "
                                                    "key = ? AND level = ?")
                                   : QStringLiteral("DELETE FROM metric_tiles WHERE run_id = ? AND "
                                                    "key = ? AND level = ? AND tile >= ?"),
                               QStringLiteral("rebuilding tiles"));
            !s) {
            return s;
        }
        remove.addBindValue(runId);
        remove.addBindValue(key);
        remove.addBindValue(level);
        if (!all) {
            remove.addBindValue(firstTile);
        }
        if (Status s = exec(remove, QStringLiteral("rebuilding tiles")); !s) {
            return s;
        }
        QSqlQuery insert(db);
        const QString where = all ? QStringLiteral("run_id = ? AND key = ?")
                                  : QStringLiteral("run_id = ? AND key = ? AND step >= ?");
        if (Status s =
                prepare(insert, tileInsertSql(level, where), QStringLiteral("rebuilding tiles"));
            !s) {
            return s;
        }
        for (int twice = 0; twice < 2; ++twice) {
            insert.addBindValue(runId);
            insert.addBindValue(key);
            if (!all) {
                insert.addBindValue(firstTile * (qint64{1} << shift));
            }
        }
        if (Status s = exec(insert, QStringLiteral("rebuilding tiles")); !s) {
            return s;
        }
    }
    return {};
}

}  // namespace lossstudio::storage::detail
