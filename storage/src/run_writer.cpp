#include "lossstudio/storage/run_writer.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>
#include <algorithm>
#include <limits>
#include <optional>

#include "connection.h"
#include "latest_summary.h"
#include "lossstudio/storage/float_arrays.h"
#include "process_identity.h"
#include "schema.h"
#include "sql_util.h"

namespace lossstudio::storage {

using detail::exec;
using detail::prepare;
using detail::sqlError;

class RunWriter::Impl final {
public:
    /// A buffered metric point (its key is the KeyState's).
    struct Point {
        qint64 step;
        double wallTime;
        double value;
    };

    Impl(std::unique_ptr<detail::Connection> connection, const WriterOptions& options);
    ~Impl();

    Status prepareStatements();
    Result<RunHandle> createRun(const NewRun& run);
    Result<RunHandle> resumeRun(const QString& uuid, const QVector<RowScope>& drop);
    Status append(const QString& key, qint64 step, double wallTime, double value);
    Status addSnapshot(qint64 step, const QString& kind, const QVector<QVector<float>>& arrays);
    Status addEvent(const EventRecord& event);
    Status noteBuffered();

    struct PendingCheckpoint {
        qint64 step;
        QString phase;
        QByteArray data;
    };
    struct Finish {
        RunStatus status;
        QString message;
    };
    Status flush(const PendingCheckpoint* checkpoint = nullptr, const Finish* finish = nullptr);

    int buffered() const {
        return m_bufferedMetrics + static_cast<int>(m_snapshots.size() + m_events.size());
    }
    QString what(const QString& action) const {
        return QStringLiteral("%1 (run %2 in %3)").arg(action, m_run.uuid, m_connection->path());
    }
    void resetRun(const RunHandle& run);
    int keyIndex(const QString& key);
    void dropBuffer();
    Status writeTiles(const QString& key, const QVector<Point>& points);
    struct KeyState;
    Status prepareInsert(KeyState& state);

    // Declared first: destroyed last, after every query on it.
    std::unique_ptr<detail::Connection> m_connection;
    WriterOptions m_options;
    QString m_machine;
    qint64 m_pid = 0;
    QString m_identity;

    RunHandle m_run;
    /// The current run's metric keys with their buffered points (arrival order) and what is
    /// committed: the largest step (a batch beyond it only adds points, so its tiles can be
    /// merged in; anything else rebuilds the tiles it touches) and the latest point.
    struct KeyState {
        QString key;
        QVector<Point> points;
        bool ascending = true;
        bool committed = false;
        qint64 lastStep = 0;
        LatestMetric latest;
        /// INSERT with the run id and this key written into the statement: Qt Sql spends most
        /// of its per-row time binding values, so each row binds only step, wall time, value.
        std::shared_ptr<QSqlQuery> insert;
    };
    QVector<KeyState> m_keys;
    QHash<QString, int> m_keyIndex;
    int m_lastKey = -1;
    int m_bufferedMetrics = 0;
    struct PendingSnapshot {
        qint64 step;
        QString kind;
        QByteArray data;
    };
    QVector<PendingSnapshot> m_snapshots;
    QVector<EventRecord> m_events;
    QElapsedTimer m_oldest;  // started when the buffer became non-empty
    QElapsedTimer m_failed;  // started by a failed flush: automatic retries wait an interval
    qint64 m_committedMetrics = 0;
    qint64 m_dropped = 0;

    std::optional<QSqlQuery> m_upsertLatest;
    std::optional<QSqlQuery> m_upsertTile;
    std::optional<QSqlQuery> m_insertSnapshot;
    std::optional<QSqlQuery> m_insertEvent;
    std::optional<QSqlQuery> m_touchRun;
};

RunWriter::Impl::Impl(std::unique_ptr<detail::Connection> connection, const WriterOptions& options)
    : m_connection(std::move(connection)),
      m_options(options),
      m_machine(detail::localMachineId()),
      m_pid(detail::currentPid()),
      m_identity(detail::processIdentity(m_pid)) {}

RunWriter::Impl::~Impl() {
    if (buffered() > 0 && m_run.id != 0) {
        if (Status s = flush(); !s) {
            detail::logger()->error("closing the run writer lost {} rows: {}", buffered(),
                                    s.error().toStdString());
        }
    }
    m_keys.clear();
    m_upsertLatest.reset();
    m_upsertTile.reset();
    m_insertSnapshot.reset();
    m_insertEvent.reset();
    m_touchRun.reset();
}

Status RunWriter::Impl::prepareStatements() {
    const QSqlDatabase& db = m_connection->db();
    const QString what =
        QStringLiteral("preparing the run writer for %1").arg(m_connection->path());
    auto make = [&](std::optional<QSqlQuery>& query, const QString& sql) -> Status {
        query.emplace(db);
        return prepare(*query, sql, what);
    };
    Status s = make(m_upsertLatest,
                    QStringLiteral("INSERT INTO latest_metrics(run_id, key, step, value) "
                                   "VALUES(?, ?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET "
                                   "step = excluded.step, value = excluded.value "
                                   "WHERE excluded.step >= latest_metrics.step"));
    if (s) {
        // Merges a batch's tile into the stored one (only used when the batch adds new steps).
        s = make(m_upsertTile,
                 QStringLiteral(
                     "INSERT INTO metric_tiles(run_id, key, level, tile, count, min_step, "
                     "min_value, max_step, max_value) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT(run_id, key, level, tile) DO UPDATE SET "
                     "count = count + excluded.count, "
                     "min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step "
                     "ELSE min_step END, "
                     "min_value = min(min_value, excluded.min_value), "
                     "max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step "
                     "ELSE max_step END, "
                     "max_value = max(max_value, excluded.max_value)"));
    }
    if (s) {
        s = make(m_insertSnapshot,
                 QStringLiteral("INSERT OR REPLACE INTO snapshots(run_id, step, kind, data) "
                                "VALUES(?, ?, ?, ?)"));
    }
    if (s) {
        s = make(m_insertEvent,
                 QStringLiteral("INSERT INTO events(run_id, step, phase, kind, code, message, "
                                "wall_time, fields) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
    }
    if (s) {
        s = make(m_touchRun, QStringLiteral("UPDATE runs SET updated_at = ?, latest_summary = "
                                            "COALESCE(?, latest_summary) WHERE id = ?"));
    }
    return s;
}

// The run id and the key are written into the statement as literals (an integer of ours and an
// escaped string): one statement per key, three values to bind per metric point.
Status RunWriter::Impl::prepareInsert(KeyState& state) {
    if (state.insert) {
        return {};
    }
    if (state.key.contains(QChar(0))) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("metric key '%1' contains a NUL character").arg(state.key)};
    }
    QString literal = state.key;
    literal.replace(QLatin1Char('\''), QStringLiteral("''"));
    auto query = std::make_shared<QSqlQuery>(m_connection->db());
    if (Status s = prepare(*query,
                           QStringLiteral("INSERT OR REPLACE INTO metrics(run_id, key, step, "
                                          "wall_time, value) VALUES(%1, '%2', ?, ?, ?)")
                               .arg(m_run.id)
                               .arg(literal),
                           what(QStringLiteral("preparing the metric insert")));
        !s) {
        return s;
    }
    state.insert = std::move(query);
    return {};
}

void RunWriter::Impl::resetRun(const RunHandle& run) {
    m_run = run;
    m_keys.clear();
    m_keyIndex.clear();
    m_lastKey = -1;
    m_bufferedMetrics = 0;
    m_snapshots.clear();
    m_events.clear();
    m_oldest.invalidate();
}

void RunWriter::Impl::dropBuffer() {
    for (KeyState& k : m_keys) {
        k.points.clear();
        k.ascending = true;
    }
    m_bufferedMetrics = 0;
    m_snapshots.clear();
    m_events.clear();
    m_oldest.invalidate();
}

int RunWriter::Impl::keyIndex(const QString& key) {
    // Engines append their keys in the same order every step: try the last and the next key
    // before hashing.
    if (m_lastKey >= 0) {
        if (m_keys.at(m_lastKey).key == key) {
            return m_lastKey;
        }
        const int next = (m_lastKey + 1) % static_cast<int>(m_keys.size());
        if (m_keys.at(next).key == key) {
            return m_lastKey = next;
        }
    }
    const auto found = m_keyIndex.constFind(key);
    if (found != m_keyIndex.cend()) {
        return m_lastKey = found.value();
    }
    KeyState state;
    state.key = key;
    m_keys.push_back(state);
    m_lastKey = static_cast<int>(m_keys.size() - 1);
    m_keyIndex.insert(key, m_lastKey);
    return m_lastKey;
}

Result<RunHandle> RunWriter::Impl::createRun(const NewRun& run) {
    if (m_run.id != 0 && buffered() > 0) {
        if (Status s = flush(); !s) {
            return s.takeError();
        }
    }
    const QSqlDatabase& db = m_connection->db();
    RunHandle handle;
    handle.uuid =
        run.uuid.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : run.uuid;
    const QString what =
        QStringLiteral("creating run '%1' in %2").arg(run.name, m_connection->path());
    detail::Transaction transaction(db);
    if (Status s = transaction.begin(what); !s) {
        return s.takeError();
    }
    {
        QSqlQuery exists(db);
        if (Status s = prepare(exists, QStringLiteral("SELECT id FROM runs WHERE uuid = ?"), what);
            !s) {
            return s.takeError();
        }
        exists.addBindValue(handle.uuid);
        if (Status s = exec(exists, what); !s) {
            return s.takeError();
        }
        if (exists.next()) {
            return Error{
                ErrorCode::InvalidArgument,
                QStringLiteral("%1: a run with UUID %2 already exists").arg(what, handle.uuid)};
        }
    }
    QSqlQuery insert(db);
    if (Status s =
            prepare(insert,
                    QStringLiteral("INSERT INTO runs(uuid, name, status, created_at, updated_at, "
                                   "config_json, config_hash, seed, method, model, dataset, "
                                   "app_version, qt_version, torch_version, host, notes, message, "
                                   "writer_machine, writer_pid, writer_identity, latest_summary) "
                                   "VALUES(?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                   "'', ?, ?, ?, ?)"),
                    what);
        !s) {
        return s.takeError();
    }
    const qint64 now = detail::nowMs();
    insert.addBindValue(handle.uuid);
    insert.addBindValue(detail::text(run.name));
    insert.addBindValue(now);
    insert.addBindValue(now);
    insert.addBindValue(run.configJson.isEmpty() ? QStringLiteral("{}") : run.configJson);
    insert.addBindValue(detail::text(run.configHash));
    insert.addBindValue(static_cast<qint64>(run.seed));  // two's complement round trip
    insert.addBindValue(detail::text(run.method));
    insert.addBindValue(detail::text(run.model));
    insert.addBindValue(detail::text(run.dataset));
    insert.addBindValue(detail::text(run.appVersion));
    insert.addBindValue(detail::text(run.qtVersion));
    insert.addBindValue(detail::text(run.torchVersion));
    insert.addBindValue(detail::text(run.host));
    insert.addBindValue(detail::text(run.notes));
    insert.addBindValue(detail::text(m_machine));
    insert.addBindValue(m_pid);
    insert.addBindValue(detail::text(m_identity));
    insert.addBindValue(detail::encodeLatestSummary({}));
    if (Status s = exec(insert, what); !s) {
        return s.takeError();
    }
    handle.id = insert.lastInsertId().toLongLong();
    if (!run.tags.isEmpty()) {
        QSqlQuery tag(db);
        if (Status s = prepare(
                tag, QStringLiteral("INSERT OR IGNORE INTO tags(run_id, tag) VALUES(?, ?)"), what);
            !s) {
            return s.takeError();
        }
        for (const QString& t : run.tags) {
            const QString trimmed = t.trimmed();
            if (trimmed.isEmpty()) {
                continue;
            }
            tag.addBindValue(handle.id);
            tag.addBindValue(trimmed);
            if (Status s = exec(tag, what); !s) {
                return s.takeError();
            }
        }
    }
    if (Status s = transaction.commit(); !s) {
        return s.takeError();
    }
    resetRun(handle);
    detail::logger()->info("recording run {} '{}' in {}", handle.uuid.toStdString(),
                           run.name.toStdString(), m_connection->path().toStdString());
    return handle;
}

Result<RunHandle> RunWriter::Impl::resumeRun(const QString& uuid, const QVector<RowScope>& drop) {
    if (m_run.id != 0 && buffered() > 0) {
        if (Status s = flush(); !s) {
            return s.takeError();
        }
    }
    const QSqlDatabase& db = m_connection->db();
    const QString what = QStringLiteral("resuming run %1 in %2").arg(uuid, m_connection->path());
    detail::Transaction transaction(db);
    if (Status s = transaction.begin(what); !s) {
        return s.takeError();
    }
    auto run = [&](const QString& sql, const QVariantList& values) -> Result<QSqlQuery> {
        QSqlQuery query(db);
        if (Status s = prepare(query, sql, what); !s) {
            return s.takeError();
        }
        for (const QVariant& v : values) {
            query.addBindValue(v);
        }
        if (Status s = exec(query, what); !s) {
            return s.takeError();
        }
        return query;
    };
    RunHandle handle;
    handle.uuid = uuid;
    {
        auto found = run(QStringLiteral("SELECT id, status, writer_machine, writer_pid, "
                                        "writer_identity FROM runs WHERE uuid = ?"),
                         {uuid});
        if (!found) {
            return found.takeError();
        }
        QSqlQuery& row = found.value();
        if (!row.next()) {
            return Error{ErrorCode::NotFound, QStringLiteral("%1: no such run").arg(what)};
        }
        handle.id = row.value(0).toLongLong();
        const QString machine = row.value(2).toString();
        const qint64 pid = row.value(3).toLongLong();
        const QString identity = row.value(4).toString();
        const bool ours = machine == m_machine && pid == m_pid && identity == m_identity;
        if (row.value(1).toString() == QLatin1String("running") && !ours &&
            detail::writerMayBeAlive(machine, pid, identity)) {
            return Error{ErrorCode::InUse,
                         QStringLiteral("%1: the run is still being written by process %2; stop "
                                        "that run first")
                             .arg(what)
                             .arg(pid)};
        }
    }
    for (const RowScope& scope : drop) {
        QStringList globs;
        QVariantList globValues;
        for (const QString& g : scope.metricKeyGlobs) {
            globs << QStringLiteral("key GLOB ?");
            globValues << g;
        }
        // No glob: no metric rows (negated: every metric row).
        const QString match =
            globs.isEmpty()
                ? QStringLiteral("0")
                : QLatin1Char('(') + globs.join(QStringLiteral(" OR ")) + QLatin1Char(')');
        const QString keys = scope.metricKeyGlobsNegated ? QStringLiteral("NOT ") + match : match;
        if (!scope.metricKeyGlobs.isEmpty() || scope.metricKeyGlobsNegated) {
            // The keys concerned, before their rows go (latest_metrics lists every key).
            auto affectedKeys = run(
                QStringLiteral("SELECT key FROM latest_metrics WHERE run_id = ? AND %1").arg(keys),
                QVariantList{handle.id} + globValues);
            if (!affectedKeys) {
                return affectedKeys.takeError();
            }
            QStringList affected;
            while (affectedKeys.value().next()) {
                affected << affectedKeys.value().value(0).toString();
            }
            if (auto q =
                    run(QStringLiteral("DELETE FROM metrics WHERE run_id = ? AND %1 AND step > ?")
                            .arg(keys),
                        QVariantList{handle.id} + globValues + QVariantList{scope.afterStep});
                !q) {
                return q.takeError();
            }
            // Steps after the cut are gone: recompute the tiles from the cut on.
            const qint64 from =
                scope.afterStep == RowScope::kAll ? RowScope::kAll : scope.afterStep + 1;
            for (const QString& key : affected) {
                if (Status s = detail::rebuildTiles(db, handle.id, key, from); !s) {
                    return s.takeError();
                }
            }
        }
        if (!scope.snapshotKindGlob.isEmpty()) {
            if (auto q =
                    run(QStringLiteral("DELETE FROM snapshots WHERE run_id = ? AND kind GLOB ? "
                                       "AND step > ?"),
                        {handle.id, scope.snapshotKindGlob, scope.afterStep});
                !q) {
                return q.takeError();
            }
        }
        if (!scope.phase.isEmpty()) {
            for (const char* table : {"events", "checkpoints"}) {
                if (auto q = run(QStringLiteral("DELETE FROM %1 WHERE run_id = ? AND phase = ? AND "
                                                "step > ?")
                                     .arg(QLatin1String(table)),
                                 {handle.id, scope.phase, scope.afterStep});
                    !q) {
                    return q.takeError();
                }
            }
        }
    }
    // The summaries follow the surviving rows.
    for (const QString& sql :
         {QStringLiteral("DELETE FROM latest_metrics WHERE run_id = ?"),
          QStringLiteral("INSERT INTO latest_metrics(run_id, key, step, value) SELECT run_id, key, "
                         "max(step), value FROM metrics WHERE run_id = ? GROUP BY key")}) {
        if (auto q = run(sql, {handle.id}); !q) {
            return q.takeError();
        }
    }
    QMap<QString, LatestMetric> latest;
    {
        auto q = run(QStringLiteral("SELECT key, step, value FROM latest_metrics WHERE run_id = ?"),
                     {handle.id});
        if (!q) {
            return q.takeError();
        }
        while (q.value().next()) {
            latest.insert(
                q.value().value(0).toString(),
                LatestMetric{q.value().value(1).toLongLong(), q.value().value(2).toDouble()});
        }
    }
    if (auto q = run(QStringLiteral("UPDATE runs SET status = 'running', finished_at = NULL, "
                                    "message = '', updated_at = ?, writer_machine = ?, "
                                    "writer_pid = ?, writer_identity = ?, latest_summary = ? "
                                    "WHERE id = ?"),
                     {detail::nowMs(), detail::text(m_machine), m_pid, detail::text(m_identity),
                      detail::encodeLatestSummary(latest), handle.id});
        !q) {
        return q.takeError();
    }
    if (Status s = transaction.commit(); !s) {
        return s.takeError();
    }
    resetRun(handle);
    for (auto it = latest.cbegin(); it != latest.cend(); ++it) {
        KeyState& state = m_keys[keyIndex(it.key())];
        state.committed = true;
        state.lastStep = it.value().step;
        state.latest = it.value();
    }
    detail::logger()->info("resuming run {} in {}", uuid.toStdString(),
                           m_connection->path().toStdString());
    return handle;
}

Status RunWriter::Impl::append(const QString& key, qint64 step, double wallTime, double value) {
    if (m_run.id == 0) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("cannot add metric '%1': no current run (create or resume one "
                                    "first)")
                         .arg(key)};
    }
    if (key.isEmpty()) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("cannot add a metric point without a key (step %1)").arg(step)};
    }
    KeyState& state = m_keys[keyIndex(key)];
    if (!state.points.isEmpty() && state.points.last().step >= step) {
        state.ascending = false;
    }
    state.points.push_back(Point{step, wallTime, value});
    ++m_bufferedMetrics;
    return noteBuffered();
}

Status RunWriter::Impl::addSnapshot(qint64 step, const QString& kind,
                                    const QVector<QVector<float>>& arrays) {
    if (m_run.id == 0) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("cannot add snapshot '%1': no current run").arg(kind)};
    }
    m_snapshots.push_back(PendingSnapshot{step, kind, encodeFloatArrays(arrays)});
    return noteBuffered();
}

Status RunWriter::Impl::addEvent(const EventRecord& event) {
    if (m_run.id == 0) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("cannot add event '%1': no current run").arg(event.kind)};
    }
    m_events.push_back(event);
    return noteBuffered();
}

Status RunWriter::Impl::noteBuffered() {
    const int rows = buffered();
    if (rows == 1 || !m_oldest.isValid()) {
        m_oldest.start();
    }
    // The clock is read every 64 rows: enough for a 1 s interval, cheap for bulk appends.
    const bool due = rows >= m_options.flushRows ||
                     ((rows & 63) == 0 && m_oldest.elapsed() >= m_options.flushIntervalMs);
    if (!due) {
        return {};
    }
    // After a failure (disk full, store locked) retry once per interval, not on every point.
    if (m_failed.isValid() && rows <= m_options.maxBufferedRows &&
        ((rows & 63) != 0 || m_failed.elapsed() < m_options.flushIntervalMs)) {
        return {};
    }
    return flush();
}

Status RunWriter::Impl::writeTiles(const QString& key, const QVector<Point>& points) {
    // Called with points in ascending steps, all after anything committed: merge per tile.
    QVariantList tRun, tKey, tLevel, tTile, tCount, tMinStep, tMinValue, tMaxStep, tMaxValue;
    const QVariant run(m_run.id);
    const QVariant name(key);
    const int count = static_cast<int>(points.size());
    for (int level = 0; level < detail::kTileLevels; ++level) {
        const int shift = detail::tileShift(level);
        int i = 0;
        while (i < count) {
            const qint64 tile = detail::tileOf(points.at(i).step, shift);
            const Point* lo = &points.at(i);
            const Point* hi = lo;
            int j = i + 1;
            for (; j < count; ++j) {
                const Point& p = points.at(j);
                if (detail::tileOf(p.step, shift) != tile) {
                    break;
                }
                if (p.value < lo->value) {
                    lo = &p;
                }
                if (p.value > hi->value) {
                    hi = &p;
                }
            }
            tRun.append(run);
            tKey.append(name);
            tLevel.append(level);
            tTile.append(tile);
            tCount.append(j - i);
            tMinStep.append(lo->step);
            tMinValue.append(lo->value);
            tMaxStep.append(hi->step);
            tMaxValue.append(hi->value);
            i = j;
        }
    }
    for (QVariantList* column :
         {&tRun, &tKey, &tLevel, &tTile, &tCount, &tMinStep, &tMinValue, &tMaxStep, &tMaxValue}) {
        m_upsertTile->addBindValue(*column);
    }
    if (!m_upsertTile->execBatch()) {
        return sqlError(what(QStringLiteral("writing metric tiles")), *m_upsertTile);
    }
    return {};
}

Status RunWriter::Impl::flush(const PendingCheckpoint* checkpoint, const Finish* finish) {
    if (m_run.id == 0) {
        if (buffered() > 0 || checkpoint != nullptr || finish != nullptr) {
            return Error{
                ErrorCode::InvalidArgument,
                QStringLiteral("run writer for %1: no current run").arg(m_connection->path())};
        }
        return {};
    }
    if (buffered() == 0 && checkpoint == nullptr && finish == nullptr) {
        return {};
    }
    const QSqlDatabase& db = m_connection->db();
    const QString what = this->what(QStringLiteral("writing"));
    detail::Transaction transaction(db);
    Status status = transaction.begin(what);

    // Metric points: one batched statement per key, so consecutive rows land on the same B-tree
    // pages.
    for (KeyState& state : m_keys) {
        if (!status || state.points.isEmpty()) {
            continue;
        }
        status = prepareInsert(state);
        if (!status) {
            break;
        }
        QVariantList steps, wallTimes, values;
        for (QVariantList* column : {&steps, &wallTimes, &values}) {
            column->reserve(state.points.size());
        }
        for (const Point& p : state.points) {
            steps.append(p.step);
            wallTimes.append(p.wallTime);
            values.append(p.value);
        }
        state.insert->addBindValue(steps);
        state.insert->addBindValue(wallTimes);
        state.insert->addBindValue(values);
        if (!state.insert->execBatch()) {
            status = sqlError(what + QStringLiteral(": metrics"), *state.insert);
        }
    }

    // latest_metrics, the run's summary and the min/max tiles, per key.
    QMap<QString, LatestMetric> latest;
    bool latestChanged = false;
    QVector<LatestMetric> newLatest(m_keys.size());
    for (int k = 0; k < m_keys.size(); ++k) {
        const KeyState& state = m_keys.at(k);
        LatestMetric best = state.latest;
        bool has = state.committed;
        if (status && !state.points.isEmpty()) {
            qint64 minStep = state.points.first().step;
            for (const Point& p : state.points) {
                if (!has || p.step >= best.step) {
                    best = LatestMetric{p.step, p.value};
                    has = true;
                }
                minStep = std::min(minStep, p.step);
            }
            m_upsertLatest->addBindValue(m_run.id);
            m_upsertLatest->addBindValue(state.key);
            m_upsertLatest->addBindValue(best.step);
            m_upsertLatest->addBindValue(best.value);
            if (!m_upsertLatest->exec()) {
                status = sqlError(what + QStringLiteral(": latest metrics"), *m_upsertLatest);
            }
            latestChanged = true;
            const bool appendOnly =
                state.ascending && (!state.committed || minStep > state.lastStep);
            if (!status) {
                // reported below
            } else if (appendOnly) {
                status = writeTiles(state.key, state.points);
            } else {
                // Points replaced or out of order: recompute the touched tiles from the table.
                status = detail::rebuildTiles(db, m_run.id, state.key, minStep);
            }
        }
        newLatest[k] = best;
        if (has) {
            latest.insert(state.key, best);
        }
    }

    for (const PendingSnapshot& snapshot : m_snapshots) {
        if (!status) {
            break;
        }
        m_insertSnapshot->addBindValue(m_run.id);
        m_insertSnapshot->addBindValue(snapshot.step);
        m_insertSnapshot->addBindValue(detail::text(snapshot.kind));
        m_insertSnapshot->addBindValue(snapshot.data);
        if (!m_insertSnapshot->exec()) {
            status = sqlError(what + QStringLiteral(": snapshot"), *m_insertSnapshot);
        }
    }
    for (const EventRecord& event : m_events) {
        if (!status) {
            break;
        }
        m_insertEvent->addBindValue(m_run.id);
        m_insertEvent->addBindValue(event.step);
        m_insertEvent->addBindValue(detail::text(event.phase));
        m_insertEvent->addBindValue(detail::text(event.kind));
        m_insertEvent->addBindValue(detail::text(event.code));
        m_insertEvent->addBindValue(detail::text(event.message));
        m_insertEvent->addBindValue(event.wallTime);
        m_insertEvent->addBindValue(detail::jsonText(event.fields));
        if (!m_insertEvent->exec()) {
            status = sqlError(what + QStringLiteral(": event"), *m_insertEvent);
        }
    }
    if (status && checkpoint != nullptr) {
        QSqlQuery insert(db);
        status = prepare(insert,
                         QStringLiteral("INSERT INTO checkpoints(run_id, step, phase, created_at, "
                                        "data) VALUES(?, ?, ?, ?, ?)"),
                         what);
        if (status) {
            insert.addBindValue(m_run.id);
            insert.addBindValue(checkpoint->step);
            insert.addBindValue(detail::text(checkpoint->phase));
            insert.addBindValue(detail::nowMs());
            insert.addBindValue(checkpoint->data);
            status = exec(insert, what + QStringLiteral(": checkpoint"));
        }
        // Newest by insertion, not by step: phases count their steps from 1 again.
        QSqlQuery prune(db);
        if (status) {
            status =
                prepare(prune,
                        QStringLiteral("DELETE FROM checkpoints WHERE run_id = ? AND id NOT IN "
                                       "(SELECT id FROM checkpoints WHERE run_id = ? ORDER BY "
                                       "id DESC LIMIT ?)"),
                        what);
        }
        if (status) {
            prune.addBindValue(m_run.id);
            prune.addBindValue(m_run.id);
            prune.addBindValue(std::max(1, m_options.keepCheckpoints));
            status = exec(prune, what + QStringLiteral(": old checkpoints"));
        }
    }
    const qint64 now = detail::nowMs();
    if (status) {
        m_touchRun->addBindValue(now);
        m_touchRun->addBindValue(latestChanged ? QVariant(detail::encodeLatestSummary(latest))
                                               : QVariant(QMetaType(QMetaType::QByteArray)));
        m_touchRun->addBindValue(m_run.id);
        if (!m_touchRun->exec()) {
            status = sqlError(what, *m_touchRun);
        }
    }
    if (status && finish != nullptr) {
        QSqlQuery update(db);
        status = prepare(update,
                         QStringLiteral("UPDATE runs SET status = ?, message = ?, finished_at = ? "
                                        "WHERE id = ?"),
                         what);
        if (status) {
            update.addBindValue(statusName(finish->status));
            update.addBindValue(detail::text(finish->message));
            update.addBindValue(now);
            update.addBindValue(m_run.id);
            status = exec(update, what + QStringLiteral(": finish"));
        }
    }
    if (status) {
        status = transaction.commit();
    }
    if (!status) {
        transaction.rollback();
        if (buffered() > m_options.maxBufferedRows) {
            const int lost = buffered();
            m_dropped += lost;
            dropBuffer();
            m_failed.start();
            return Error{
                status.code(),
                status.error() + QStringLiteral(" (%1 buffered rows were dropped)").arg(lost)};
        }
        m_failed.start();
        return status;
    }
    for (int k = 0; k < m_keys.size(); ++k) {
        KeyState& state = m_keys[k];
        if (state.points.isEmpty()) {
            continue;
        }
        qint64 maxStep = state.committed ? state.lastStep : std::numeric_limits<qint64>::min();
        for (const Point& p : state.points) {
            maxStep = std::max(maxStep, p.step);
        }
        state.lastStep = maxStep;
        state.committed = true;
        state.latest = newLatest.at(k);
    }
    m_committedMetrics += m_bufferedMetrics;
    dropBuffer();
    m_failed.invalidate();
    return {};
}

// --- RunWriter
// ------------------------------------------------------------------------------------

RunWriter::RunWriter(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

RunWriter::~RunWriter() = default;

Result<std::unique_ptr<RunWriter>> RunWriter::open(const QString& path,
                                                   const WriterOptions& options,
                                                   const QString& connectionName) {
    auto connection = detail::Connection::open(path, OpenMode::ReadWrite, connectionName,
                                               /*allowOlder=*/false, options.busyTimeoutMs);
    if (!connection) {
        return connection.takeError();
    }
    auto impl = std::make_unique<Impl>(std::move(connection).value(), options);
    if (Status s = impl->prepareStatements(); !s) {
        return s.takeError();
    }
    return std::unique_ptr<RunWriter>(new RunWriter(std::move(impl)));
}

const QString& RunWriter::path() const {
    return m_impl->m_connection->path();
}

const QStringList& RunWriter::interruptedAtOpen() const {
    return m_impl->m_connection->interrupted();
}

Result<RunHandle> RunWriter::createRun(const NewRun& run) {
    return m_impl->createRun(run);
}

Result<RunHandle> RunWriter::resumeRun(const QString& uuid, const QVector<RowScope>& drop) {
    return m_impl->resumeRun(uuid, drop);
}

const RunHandle& RunWriter::currentRun() const {
    return m_impl->m_run;
}

Status RunWriter::appendMetric(const QString& key, qint64 step, double wallTime, double value) {
    return m_impl->append(key, step, wallTime, value);
}

Status RunWriter::appendMetrics(const QVector<MetricRow>& rows) {
    Status last;
    for (const MetricRow& row : rows) {
        if (Status s = m_impl->append(row.key, row.step, row.wallTime, row.value); !s) {
            last = s;
        }
    }
    return last;
}

Status RunWriter::addSnapshot(qint64 step, const QString& kind,
                              const QVector<QVector<float>>& arrays) {
    return m_impl->addSnapshot(step, kind, arrays);
}

Status RunWriter::addEvent(const EventRecord& event) {
    return m_impl->addEvent(event);
}

Status RunWriter::addCheckpoint(qint64 step, const QString& phase, const QByteArray& data) {
    const Impl::PendingCheckpoint checkpoint{step, phase, data};
    return m_impl->flush(&checkpoint);
}

Status RunWriter::flush() {
    return m_impl->flush();
}

Status RunWriter::finishRun(RunStatus status, const QString& message) {
    const Impl::Finish finish{status, message};
    Status s = m_impl->flush(nullptr, &finish);
    if (s) {
        detail::logger()->info("run {} {}", m_impl->m_run.uuid.toStdString(),
                               statusName(status).toStdString());
        m_impl->resetRun(RunHandle{});
    }
    return s;
}

int RunWriter::bufferedRows() const {
    return m_impl->buffered();
}

qint64 RunWriter::committedMetricRows() const {
    return m_impl->m_committedMetrics;
}

qint64 RunWriter::droppedRows() const {
    return m_impl->m_dropped;
}

}  // namespace lossstudio::storage
