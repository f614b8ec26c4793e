#include "lossstudio/storage/run_reader.h"

#include <QHash>
#include <QSet>
#include <QSqlQuery>
#include <QVariant>
#include <algorithm>

#include "connection.h"
#include "latest_summary.h"
#include "lossstudio/storage/decimate.h"
#include "lossstudio/storage/float_arrays.h"
#include "process_identity.h"
#include "schema.h"
#include "sql_util.h"

namespace lossstudio::storage {

using detail::exec;
using detail::prepare;
using detail::sqlError;

namespace {

// The columns of a run record, in the order rowToRecord() reads them.
const char* const kRunColumns =
    "r.id, r.uuid, r.name, r.status, r.created_at, r.finished_at, r.updated_at, r.config_hash, "
    "r.seed, r.method, r.model, r.dataset, r.app_version, r.qt_version, r.torch_version, r.host, "
    "r.notes, r.message, CASE WHEN r.status = 'running' THEN r.writer_machine END, r.writer_pid, "
    "CASE WHEN r.status = 'running' THEN r.writer_identity END";
constexpr int kRunColumnCount = 21;  // then latest_summary (or NULL), then config_json (or NULL)

QDateTime fromMs(const QVariant& v) {
    return v.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

RunRecord rowToRecord(const QSqlQuery& q, bool withConfig) {
    RunRecord r;
    r.id = q.value(0).toLongLong();
    r.uuid = q.value(1).toString();
    r.name = q.value(2).toString();
    const QString status = q.value(3).toString();
    if (!statusFromName(status, &r.status)) {
        r.status = RunStatus::Failed;
    }
    r.createdAt = fromMs(q.value(4));
    r.finishedAt = fromMs(q.value(5));
    r.updatedAt = fromMs(q.value(6));
    r.configHash = q.value(7).toString();
    r.seed = static_cast<quint64>(q.value(8).toLongLong());
    r.method = q.value(9).toString();
    r.model = q.value(10).toString();
    r.dataset = q.value(11).toString();
    r.appVersion = q.value(12).toString();
    r.qtVersion = q.value(13).toString();
    r.torchVersion = q.value(14).toString();
    r.host = q.value(15).toString();
    r.notes = q.value(16).toString();
    r.message = q.value(17).toString();
    if (r.status == RunStatus::Running &&
        !detail::writerMayBeAlive(q.value(18).toString(), q.value(19).toLongLong(),
                                  q.value(20).toString())) {
        // Not yet recorded (the store has not been opened read-write since the writer died).
        r.status = RunStatus::Interrupted;
        if (r.message.isEmpty()) {
            r.message = QStringLiteral(
                "interrupted: the writing process ended without finishing "
                "the run");
        }
    }
    if (withConfig) {
        r.configJson = q.value(kRunColumnCount + 1).toString();
    }
    return r;
}

QString idList(const QVector<qint64>& ids) {
    QString out;
    out.reserve(ids.size() * 7);
    for (qint64 id : ids) {
        if (!out.isEmpty()) {
            out += QLatin1Char(',');
        }
        out += QString::number(id);
    }
    return out;
}

// Accumulates one decimation bucket.
struct Bucket {
    bool used = false;
    qint64 minStep = 0;
    double minValue = 0;
    qint64 maxStep = 0;
    double maxValue = 0;

    void add(qint64 loStep, double loValue, qint64 hiStep, double hiValue) {
        if (!used) {
            used = true;
            minStep = loStep;
            minValue = loValue;
            maxStep = hiStep;
            maxValue = hiValue;
            return;
        }
        if (loValue < minValue || (loValue == minValue && loStep < minStep)) {
            minStep = loStep;
            minValue = loValue;
        }
        if (hiValue > maxValue || (hiValue == maxValue && hiStep < maxStep)) {
            maxStep = hiStep;
            maxValue = hiValue;
        }
    }
};

void emitBuckets(const QVector<Bucket>& buckets, MetricSeries& out) {
    for (const Bucket& b : buckets) {
        if (!b.used) {
            continue;
        }
        const bool minFirst = b.minStep <= b.maxStep;
        out.steps.push_back(static_cast<double>(minFirst ? b.minStep : b.maxStep));
        out.values.push_back(minFirst ? b.minValue : b.maxValue);
        if (b.minStep != b.maxStep) {
            out.steps.push_back(static_cast<double>(minFirst ? b.maxStep : b.minStep));
            out.values.push_back(minFirst ? b.maxValue : b.minValue);
        }
    }
}

}  // namespace

class RunReader::Impl final {
public:
    explicit Impl(std::unique_ptr<detail::Connection> connection)
        : m_connection(std::move(connection)) {}

    const QSqlDatabase& db() const { return m_connection->db(); }
    QString what(const QString& action) const {
        return QStringLiteral("%1 in %2").arg(action, m_connection->path());
    }

    /// Prepares, binds and runs a forward-only query.
    Result<QSqlQuery> run(const QString& sql, const QVariantList& values, const QString& action) {
        QSqlQuery q(db());
        q.setForwardOnly(true);
        if (Status s = prepare(q, sql, what(action)); !s) {
            return s.takeError();
        }
        for (const QVariant& v : values) {
            q.addBindValue(v);
        }
        if (Status s = exec(q, what(action)); !s) {
            return s.takeError();
        }
        return q;
    }

    Status requireRun(qint64 runId, const QString& action) {
        auto q = run(QStringLiteral("SELECT 1 FROM runs WHERE id = ?"), {runId}, action);
        if (!q) {
            return q.takeError();
        }
        if (!q.value().next()) {
            return Error{ErrorCode::NotFound,
                         QStringLiteral("%1: no run with id %2").arg(what(action)).arg(runId)};
        }
        return {};
    }

    /// Runs stored as running whose writer is gone: rowToRecord shows them as interrupted, and a
    /// status filter must agree with what it shows. A store opened read-write has already marked
    /// them (Connection::markDeadWriters); a read-only one cannot, so they are found here.
    Result<QVector<qint64>> deadWriterRuns() {
        auto q = run(QStringLiteral("SELECT id, writer_machine, writer_pid, writer_identity FROM "
                                    "runs WHERE status = 'running'"),
                     {}, QStringLiteral("checking running runs"));
        if (!q) {
            return q.takeError();
        }
        QVector<qint64> dead;
        while (q.value().next()) {
            if (!detail::writerMayBeAlive(q.value().value(1).toString(),
                                          q.value().value(2).toLongLong(),
                                          q.value().value(3).toString())) {
                dead.push_back(q.value().value(0).toLongLong());
            }
        }
        return dead;
    }

    Status whereClause(const RunFilter& f, QStringList& conditions, QVariantList& values) {
        if (!f.method.isEmpty()) {
            conditions << QStringLiteral("r.method = ?");
            values << f.method;
        }
        if (!f.model.isEmpty()) {
            conditions << QStringLiteral("r.model = ?");
            values << f.model;
        }
        if (!f.dataset.isEmpty()) {
            conditions << QStringLiteral("r.dataset = ?");
            values << f.dataset;
        }
        if (!f.configHash.isEmpty()) {
            conditions << QStringLiteral("r.config_hash = ?");
            values << f.configHash;
        }
        if (!f.statuses.isEmpty()) {
            QStringList marks;
            for (RunStatus s : f.statuses) {
                marks << QStringLiteral("?");
                values << statusName(s);
            }
            QString condition =
                QStringLiteral("r.status IN (%1)").arg(marks.join(QLatin1Char(',')));
            const bool running = f.statuses.contains(RunStatus::Running);
            if (running != f.statuses.contains(RunStatus::Interrupted)) {
                auto dead = deadWriterRuns();
                if (!dead) {
                    return dead.takeError();
                }
                if (!dead.value().isEmpty()) {
                    condition = (running ? QStringLiteral("(%1 AND r.id NOT IN (%2))")
                                         : QStringLiteral("(%1 OR r.id IN (%2))"))
                                    .arg(condition, idList(dead.value()));
                }
            }
            conditions << condition;
        }
        if (!f.tag.isEmpty()) {
            conditions << QStringLiteral(
                "EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND "
                "t.tag = ?)");
            values << f.tag;
        }
        if (!f.text.isEmpty()) {
            const QString pattern =
                QLatin1Char('%') + detail::likeEscaped(f.text) + QLatin1Char('%');
            conditions << QStringLiteral(
                "(r.name LIKE ? ESCAPE '\\' OR r.notes LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM "
                "tags t WHERE t.run_id = r.id AND t.tag LIKE ? ESCAPE '\\'))");
            values << pattern << pattern << pattern;
        }
        if (!f.ids.isEmpty()) {
            conditions << QStringLiteral("r.id IN (%1)").arg(idList(f.ids));
        }
        return {};
    }

    Result<QVector<RunRecord>> listRuns(const RunQuery& query);
    Result<MetricSeries> decimated(qint64 runId, const QString& key, int maxPoints, qint64 from,
                                   qint64 to);
    Status readRawIntoBuckets(qint64 runId, const QString& key, qint64 from, qint64 to,
                              qint64 origin, qint64 width, QVector<Bucket>& buckets);

    std::unique_ptr<detail::Connection> m_connection;
};

Result<QVector<RunRecord>> RunReader::Impl::listRuns(const RunQuery& query) {
    QStringList conditions;
    QVariantList values;
    QString join;
    QString order;
    const QString dir =
        query.sort.order == Qt::AscendingOrder ? QStringLiteral("ASC") : QStringLiteral("DESC");
    switch (query.sort.field) {
        case RunSort::Field::CreatedAt:
            order = QStringLiteral("r.created_at %1");
            break;
        case RunSort::Field::FinishedAt:
            order = QStringLiteral("(r.finished_at IS NULL), r.finished_at %1");
            break;
        case RunSort::Field::Name:
            order = QStringLiteral("r.name COLLATE NOCASE %1");
            break;
        case RunSort::Field::Status:
            order = QStringLiteral("r.status %1");
            break;
        case RunSort::Field::Method:
            order = QStringLiteral("r.method %1");
            break;
        case RunSort::Field::Model:
            order = QStringLiteral("r.model %1");
            break;
        case RunSort::Field::Dataset:
            order = QStringLiteral("r.dataset %1");
            break;
        case RunSort::Field::Seed:
            order = QStringLiteral("r.seed %1");
            break;
        case RunSort::Field::Id:
            order = QStringLiteral("r.id %1");
            break;
        case RunSort::Field::Metric:
            join = QStringLiteral(" LEFT JOIN latest_metrics s ON s.run_id = r.id AND s.key = ?");
            values << query.sort.metricKey;
            order = QStringLiteral("(s.value IS NULL), s.value %1");
            break;
    }
    order = order.arg(dir) + QStringLiteral(", r.id ") + dir;
    if (Status s = whereClause(query.filter, conditions, values); !s) {
        return s.takeError();
    }
    QString sql =
        QStringLiteral("SELECT %1, %2, %3 FROM runs r%4")
            .arg(QLatin1String(kRunColumns),
                 query.withLatest ? QStringLiteral("r.latest_summary") : QStringLiteral("NULL"),
                 query.withConfig ? QStringLiteral("r.config_json") : QStringLiteral("NULL"), join);
    if (!conditions.isEmpty()) {
        sql += QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    }
    sql += QStringLiteral(" ORDER BY ") + order;
    if (query.limit >= 0 || query.offset > 0) {
        sql += QStringLiteral(" LIMIT ? OFFSET ?");
        values << (query.limit >= 0 ? query.limit : -1) << std::max(0, query.offset);
    }
    QVector<RunRecord> runs;
    QHash<qint64, int> index;
    QVector<qint64> withoutSummary;  // runs whose latest metrics come from latest_metrics
    QHash<QByteArray, QString> interned;
    {
        auto q = run(sql, values, QStringLiteral("listing runs"));
        if (!q) {
            return q.takeError();
        }
        QSqlQuery& rows = q.value();
        while (rows.next()) {
            runs.push_back(rowToRecord(rows, query.withConfig));
            RunRecord& r = runs.last();
            index.insert(r.id, static_cast<int>(runs.size() - 1));
            if (query.withLatest) {
                const QVariant summary = rows.value(kRunColumnCount);
                if (summary.isNull() ||
                    !detail::decodeLatestSummary(summary.toByteArray(), query.latestKeys, interned,
                                                 &r.latest)) {
                    r.latest.clear();
                    withoutSummary.push_back(r.id);
                }
            }
        }
    }
    if (runs.isEmpty()) {
        return runs;
    }
    {
        // Tags of the listed runs; all tags when the page is most of the store.
        QString sql = QStringLiteral("SELECT run_id, tag FROM tags");
        if (runs.size() < 5000) {
            QVector<qint64> ids;
            ids.reserve(runs.size());
            for (const RunRecord& r : runs) {
                ids.push_back(r.id);
            }
            sql += QStringLiteral(" WHERE run_id IN (%1)").arg(idList(ids));
        }
        auto q =
            run(sql + QStringLiteral(" ORDER BY run_id, tag"), {}, QStringLiteral("listing tags"));
        if (!q) {
            return q.takeError();
        }
        QSqlQuery& rows = q.value();
        while (rows.next()) {
            const auto at = index.constFind(rows.value(0).toLongLong());
            if (at != index.cend()) {
                runs[at.value()].tags << rows.value(1).toString();
            }
        }
    }
    const QString inIds = idList(withoutSummary);
    if (query.withLatest && !withoutSummary.isEmpty()) {
        QString keyFilter;
        QVariantList keyValues;
        if (!query.latestKeys.isEmpty()) {
            QStringList marks;
            for (const QString& key : query.latestKeys) {
                marks << QStringLiteral("?");
                keyValues << key;
            }
            keyFilter = QStringLiteral(" AND key IN (%1)").arg(marks.join(QLatin1Char(',')));
        }
        auto q = run(QStringLiteral("SELECT run_id, key, step, value FROM latest_metrics WHERE "
                                    "run_id IN (%1)%2")
                         .arg(inIds, keyFilter),
                     keyValues, QStringLiteral("listing latest metrics"));
        if (!q) {
            return q.takeError();
        }
        QSqlQuery& rows = q.value();
        while (rows.next()) {
            runs[index.value(rows.value(0).toLongLong())].latest.insert(
                rows.value(1).toString(),
                LatestMetric{rows.value(2).toLongLong(), rows.value(3).toDouble()});
        }
    }
    return runs;
}

Status RunReader::Impl::readRawIntoBuckets(qint64 runId, const QString& key, qint64 from, qint64 to,
                                           qint64 origin, qint64 width, QVector<Bucket>& buckets) {
    if (from > to) {
        return {};
    }
    auto q = run(QStringLiteral("SELECT step, value FROM metrics WHERE run_id = ? AND key = ? AND "
                                "step >= ? AND step <= ? ORDER BY step"),
                 {runId, key, from, to}, QStringLiteral("reading series '%1'").arg(key));
    if (!q) {
        return q.takeError();
    }
    QSqlQuery& rows = q.value();
    while (rows.next()) {
        const qint64 step = rows.value(0).toLongLong();
        const double value = rows.value(1).toDouble();
        buckets[static_cast<int>((step - origin) / width)].add(step, value, step, value);
    }
    return {};
}

Result<MetricSeries> RunReader::Impl::decimated(qint64 runId, const QString& key, int maxPoints,
                                                qint64 from, qint64 to) {
    maxPoints = std::max(maxPoints, 2);
    const QString action = QStringLiteral("reading series '%1'").arg(key);
    qint64 lo = 0;
    qint64 hi = 0;
    {
        // Two index lookups (a single min() or max() per subquery stays on the primary key).
        auto q = run(QStringLiteral("SELECT (SELECT min(step) FROM metrics WHERE run_id = ? AND "
                                    "key = ? AND step >= ?), (SELECT max(step) FROM metrics WHERE "
                                    "run_id = ? AND key = ? AND step <= ?)"),
                     {runId, key, from, runId, key, to}, action);
        if (!q) {
            return q.takeError();
        }
        QSqlQuery& range = q.value();
        MetricSeries empty;
        empty.key = key;
        if (!range.next() || range.value(0).isNull() || range.value(1).isNull()) {
            return empty;
        }
        lo = range.value(0).toLongLong();
        hi = range.value(1).toLongLong();
        if (lo > hi) {
            return empty;
        }
    }
    const qint64 span = hi - lo + 1;
    if (span <= maxPoints) {
        // Integer steps: no more points than steps, so the exact series fits.
        auto q = run(QStringLiteral("SELECT step, value FROM metrics WHERE run_id = ? AND key = ? "
                                    "AND step >= ? AND step <= ? ORDER BY step"),
                     {runId, key, lo, hi}, action);
        if (!q) {
            return q.takeError();
        }
        MetricSeries out;
        out.key = key;
        while (q.value().next()) {
            out.steps.push_back(q.value().value(0).toDouble());
            out.values.push_back(q.value().value(1).toDouble());
        }
        return out;
    }
    const qint64 bucketCount = maxPoints / 2;
    const qint64 width = (span + bucketCount - 1) / bucketCount;
    int level = -1;
    for (int l = 0; l < detail::kTileLevels; ++l) {
        if ((qint64{1} << detail::tileShift(l)) <= width) {
            level = l;
        }
    }
    MetricSeries out;
    out.key = key;
    if (level < 0) {
        // Short series: fewer than 16 points a bucket, the raw rows are cheap.
        out.bucketOrigin = lo;
        out.bucketWidth = width;
        QVector<Bucket> buckets(static_cast<int>((span + width - 1) / width));
        if (Status s = readRawIntoBuckets(runId, key, lo, hi, lo, width, buckets); !s) {
            return s.takeError();
        }
        emitBuckets(buckets, out);
        return out;
    }
    // Buckets made of whole tiles: aligned to the tile size and a multiple of it, so each tile
    // falls into exactly one bucket and its min/max are the bucket's candidates.
    const int shift = detail::tileShift(level);
    const qint64 tileSize = qint64{1} << shift;
    const qint64 origin = detail::tileOf(lo, shift) * tileSize;
    qint64 bucketWidth = (hi + 1 - origin + bucketCount - 1) / bucketCount;
    bucketWidth = (bucketWidth + tileSize - 1) / tileSize * tileSize;
    out.bucketOrigin = origin;
    out.bucketWidth = bucketWidth;
    QVector<Bucket> buckets(static_cast<int>((hi + 1 - origin + bucketWidth - 1) / bucketWidth));

    // Tiles entirely inside [lo, hi]; the partial tiles at either end come from raw rows (a tile
    // there may hold points outside the requested range).
    const qint64 firstFull =
        (lo == origin) ? detail::tileOf(lo, shift) : detail::tileOf(lo, shift) + 1;
    const qint64 lastFull = detail::tileOf(hi + 1, shift) - 1;
    if (firstFull <= lastFull) {
        if (Status s = readRawIntoBuckets(runId, key, lo, firstFull * tileSize - 1, origin,
                                          bucketWidth, buckets);
            !s) {
            return s.takeError();
        }
        auto q = run(QStringLiteral("SELECT min_step, min_value, max_step, max_value FROM "
                                    "metric_tiles WHERE run_id = ? AND key = ? AND level = ? AND "
                                    "tile >= ? AND tile <= ?"),
                     {runId, key, level, firstFull, lastFull}, action);
        if (!q) {
            return q.takeError();
        }
        QSqlQuery& tiles = q.value();
        while (tiles.next()) {
            const qint64 minStep = tiles.value(0).toLongLong();
            buckets[static_cast<int>((minStep - origin) / bucketWidth)].add(
                minStep, tiles.value(1).toDouble(), tiles.value(2).toLongLong(),
                tiles.value(3).toDouble());
        }
        if (Status s = readRawIntoBuckets(runId, key, (lastFull + 1) * tileSize, hi, origin,
                                          bucketWidth, buckets);
            !s) {
            return s.takeError();
        }
    } else {
        if (Status s = readRawIntoBuckets(runId, key, lo, hi, origin, bucketWidth, buckets); !s) {
            return s.takeError();
        }
    }
    emitBuckets(buckets, out);
    return out;
}

// --- RunReader
// ------------------------------------------------------------------------------------

RunReader::RunReader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

RunReader::~RunReader() = default;

Result<std::unique_ptr<RunReader>> RunReader::open(const QString& path, OpenMode mode,
                                                   const QString& connectionName) {
    auto connection = detail::Connection::open(path, mode, connectionName);
    if (!connection) {
        return connection.takeError();
    }
    return std::unique_ptr<RunReader>(
        new RunReader(std::make_unique<Impl>(std::move(connection).value())));
}

const QString& RunReader::path() const {
    return m_impl->m_connection->path();
}

OpenMode RunReader::mode() const {
    return m_impl->m_connection->mode();
}

const QStringList& RunReader::interruptedAtOpen() const {
    return m_impl->m_connection->interrupted();
}

Result<QStringList> RunReader::markInterruptedRuns() {
    return m_impl->m_connection->markDeadWriters();
}

Result<QVector<RunRecord>> RunReader::listRuns(const RunQuery& query) {
    return m_impl->listRuns(query);
}

Result<qint64> RunReader::countRuns(const RunFilter& filter) {
    QStringList conditions;
    QVariantList values;
    if (Status s = m_impl->whereClause(filter, conditions, values); !s) {
        return s.takeError();
    }
    QString sql = QStringLiteral("SELECT count(*) FROM runs r");
    if (!conditions.isEmpty()) {
        sql += QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND "));
    }
    auto q = m_impl->run(sql, values, QStringLiteral("counting runs"));
    if (!q) {
        return q.takeError();
    }
    q.value().next();
    return q.value().value(0).toLongLong();
}

Result<RunRecord> RunReader::run(qint64 runId) {
    RunQuery query;
    query.filter.ids = {runId};
    query.withConfig = true;
    auto runs = m_impl->listRuns(query);
    if (!runs) {
        return runs.takeError();
    }
    if (runs.value().isEmpty()) {
        return Error{ErrorCode::NotFound,
                     QStringLiteral("no run with id %1 in %2").arg(runId).arg(path())};
    }
    return runs.value().first();
}

Result<qint64> RunReader::findRun(const QString& reference) {
    const QString ref = reference.trimmed();
    const QString action = QStringLiteral("finding run");
    // A number is a row id, but it can also be the start of a UUID (a UUID's first 8 hex digits
    // are all decimal digits for about one run in 40): both are looked up.
    bool numeric = false;
    const qint64 id = ref.toLongLong(&numeric);
    QString idUuid;  // the UUID of the run whose row id is `ref`, if there is one
    if (numeric) {
        auto q = m_impl->run(QStringLiteral("SELECT uuid FROM runs WHERE id = ?"), {id}, action);
        if (!q) {
            return q.takeError();
        }
        if (q.value().next()) {
            idUuid = q.value().value(0).toString();
        }
    }
    if (ref.size() < 4) {
        if (!idUuid.isEmpty()) {
            return id;
        }
        if (numeric) {
            return Error{ErrorCode::NotFound,
                         QStringLiteral("no run with id %1 in %2").arg(ref, path())};
        }
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("'%1' is too short to name a run: give its id, its UUID or at "
                                    "least 4 characters of the UUID")
                         .arg(ref)};
    }
    auto q = m_impl->run(QStringLiteral("SELECT id, uuid FROM runs WHERE uuid = ? OR uuid LIKE ? "
                                        "ESCAPE '\\' ORDER BY uuid = ? DESC LIMIT 3"),
                         {ref, detail::likeEscaped(ref) + QLatin1Char('%'), ref}, action);
    if (!q) {
        return q.takeError();
    }
    QVector<QPair<qint64, QString>> found;
    while (q.value().next()) {
        found.push_back({q.value().value(0).toLongLong(), q.value().value(1).toString()});
    }
    if (found.isEmpty()) {
        if (!idUuid.isEmpty()) {
            return id;
        }
        return Error{ErrorCode::NotFound,
                     QStringLiteral("no run %1'%2' in %3 (list them with: lossstudio-cli runs list)")
                         .arg(numeric ? QStringLiteral("with id or UUID prefix ") : QString(), ref,
                              path())};
    }
    if (!idUuid.isEmpty()) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("'%1' is both the id of run %2 and the start of the UUID %3: "
                                    "name the run by its UUID (%2, or more of %3)")
                         .arg(ref, idUuid, found.first().second)};
    }
    if (found.first().second == ref || found.size() == 1) {
        return found.first().first;
    }
    return Error{ErrorCode::InvalidArgument,
                 QStringLiteral("'%1' matches several runs (%2, %3...); give more of the UUID")
                     .arg(ref, found.at(0).second, found.at(1).second)};
}

Result<QStringList> RunReader::distinctValues(Column column) {
    QString sql;
    switch (column) {
        case Column::Method:
            sql = QStringLiteral("SELECT DISTINCT method FROM runs ORDER BY 1");
            break;
        case Column::Model:
            sql = QStringLiteral("SELECT DISTINCT model FROM runs ORDER BY 1");
            break;
        case Column::Dataset:
            sql = QStringLiteral("SELECT DISTINCT dataset FROM runs ORDER BY 1");
            break;
        case Column::Status:
            sql = QStringLiteral("SELECT DISTINCT status FROM runs ORDER BY 1");
            break;
        case Column::Tag:
            sql = QStringLiteral("SELECT DISTINCT tag FROM tags ORDER BY 1");
            break;
    }
    auto q = m_impl->run(sql, {}, QStringLiteral("listing values"));
    if (!q) {
        return q.takeError();
    }
    QStringList out;
    while (q.value().next()) {
        out << q.value().value(0).toString();
    }
    return out;
}

Result<QStringList> RunReader::metricKeys(qint64 runId) {
    auto q =
        m_impl->run(QStringLiteral("SELECT key FROM latest_metrics WHERE run_id = ? ORDER BY key"),
                    {runId}, QStringLiteral("listing metric keys"));
    if (!q) {
        return q.takeError();
    }
    QStringList out;
    while (q.value().next()) {
        out << q.value().value(0).toString();
    }
    return out;
}

Result<MetricSeries> RunReader::series(qint64 runId, const QString& key, qint64 fromStep,
                                       qint64 toStep) {
    auto q =
        m_impl->run(QStringLiteral("SELECT step, value FROM metrics WHERE run_id = ? AND key = "
                                   "? AND step >= ? AND step <= ? ORDER BY step"),
                    {runId, key, fromStep, toStep}, QStringLiteral("reading series '%1'").arg(key));
    if (!q) {
        return q.takeError();
    }
    MetricSeries out;
    out.key = key;
    QSqlQuery& rows = q.value();
    while (rows.next()) {
        out.steps.push_back(rows.value(0).toDouble());
        out.values.push_back(rows.value(1).toDouble());
    }
    return out;
}

Result<MetricSeries> RunReader::decimatedSeries(qint64 runId, const QString& key, int maxPoints,
                                                qint64 fromStep, qint64 toStep) {
    return m_impl->decimated(runId, key, maxPoints, fromStep, toStep);
}

Result<QVector<MetricRow>> RunReader::metricRows(qint64 runId) {
    auto q = m_impl->run(QStringLiteral("SELECT key, step, wall_time, value FROM metrics WHERE "
                                        "run_id = ? ORDER BY key, step"),
                         {runId}, QStringLiteral("reading metrics"));
    if (!q) {
        return q.takeError();
    }
    QVector<MetricRow> out;
    QSqlQuery& rows = q.value();
    QString key;  // shared between rows of one key
    while (rows.next()) {
        const QString k = rows.value(0).toString();
        if (k != key) {
            key = k;
        }
        out.push_back(MetricRow{key, rows.value(1).toLongLong(), rows.value(2).toDouble(),
                                rows.value(3).toDouble()});
    }
    return out;
}

Result<QStringList> RunReader::snapshotKinds(qint64 runId) {
    auto q = m_impl->run(QStringLiteral("SELECT DISTINCT kind FROM snapshots WHERE run_id = ? "
                                        "ORDER BY kind"),
                         {runId}, QStringLiteral("listing snapshot kinds"));
    if (!q) {
        return q.takeError();
    }
    QStringList out;
    while (q.value().next()) {
        out << q.value().value(0).toString();
    }
    return out;
}

Result<QVector<qint64>> RunReader::snapshotSteps(qint64 runId, const QString& kind) {
    auto q = m_impl->run(QStringLiteral("SELECT step FROM snapshots WHERE run_id = ? AND kind = ? "
                                        "ORDER BY step"),
                         {runId, kind}, QStringLiteral("listing snapshots"));
    if (!q) {
        return q.takeError();
    }
    QVector<qint64> out;
    while (q.value().next()) {
        out.push_back(q.value().value(0).toLongLong());
    }
    return out;
}

Result<Snapshot> RunReader::snapshotAtOrBefore(qint64 runId, const QString& kind, qint64 step) {
    const QString action = QStringLiteral("reading snapshot '%1'").arg(kind);
    auto q =
        m_impl->run(QStringLiteral("SELECT step, data FROM snapshots WHERE run_id = ? AND kind "
                                   "= ? AND step <= ? ORDER BY step DESC LIMIT 1"),
                    {runId, kind, step}, action);
    if (!q) {
        return q.takeError();
    }
    if (!q.value().next()) {
        return Error{
            ErrorCode::NotFound,
            QStringLiteral("%1: none at or before step %2").arg(m_impl->what(action)).arg(step)};
    }
    auto arrays = decodeFloatArrays(q.value().value(1).toByteArray());
    if (!arrays) {
        return Error{ErrorCode::Damaged,
                     m_impl->what(action) + QStringLiteral(": ") + arrays.error()};
    }
    return Snapshot{q.value().value(0).toLongLong(), kind, std::move(arrays).value()};
}

Result<QVector<Snapshot>> RunReader::snapshots(qint64 runId, const QString& kind) {
    const QString action = QStringLiteral("reading snapshots '%1'").arg(kind);
    auto q =
        m_impl->run(QStringLiteral("SELECT step, data FROM snapshots WHERE run_id = ? AND kind "
                                   "= ? ORDER BY step"),
                    {runId, kind}, action);
    if (!q) {
        return q.takeError();
    }
    QVector<Snapshot> out;
    while (q.value().next()) {
        auto arrays = decodeFloatArrays(q.value().value(1).toByteArray());
        if (!arrays) {
            return Error{ErrorCode::Damaged, QStringLiteral("%1 (step %2): %3")
                                                 .arg(m_impl->what(action))
                                                 .arg(q.value().value(0).toLongLong())
                                                 .arg(arrays.error())};
        }
        out.push_back(Snapshot{q.value().value(0).toLongLong(), kind, std::move(arrays).value()});
    }
    return out;
}

Result<QVector<EventRecord>> RunReader::events(qint64 runId) {
    auto q =
        m_impl->run(QStringLiteral("SELECT step, phase, kind, code, message, wall_time, fields "
                                   "FROM events WHERE run_id = ? ORDER BY step, id"),
                    {runId}, QStringLiteral("reading events"));
    if (!q) {
        return q.takeError();
    }
    QVector<EventRecord> out;
    QSqlQuery& rows = q.value();
    while (rows.next()) {
        out.push_back(EventRecord{rows.value(0).toLongLong(), rows.value(1).toString(),
                                  rows.value(2).toString(), rows.value(3).toString(),
                                  rows.value(4).toString(), rows.value(5).toDouble(),
                                  detail::jsonObject(rows.value(6).toString())});
    }
    return out;
}

Result<QHash<qint64, int>> RunReader::countEvents(const QVector<qint64>& runIds,
                                                  const QString& kind) {
    QHash<qint64, int> out;
    if (runIds.isEmpty()) {
        return out;
    }
    // One lookup per run on events_run_step; the ids are numbers, written into the statement.
    auto q = m_impl->run(QStringLiteral("SELECT run_id, count(*) FROM events WHERE run_id IN (%1) "
                                        "AND kind = ? GROUP BY run_id")
                             .arg(idList(runIds)),
                         {kind}, QStringLiteral("counting events"));
    if (!q) {
        return q.takeError();
    }
    QSqlQuery& rows = q.value();
    while (rows.next()) {
        out.insert(rows.value(0).toLongLong(), rows.value(1).toInt());
    }
    return out;
}

Result<QVector<Checkpoint>> RunReader::checkpoints(qint64 runId) {
    auto q = m_impl->run(QStringLiteral("SELECT id, step, phase, created_at, length(data) FROM "
                                        "checkpoints WHERE run_id = ? ORDER BY id DESC"),
                         {runId}, QStringLiteral("listing checkpoints"));
    if (!q) {
        return q.takeError();
    }
    QVector<Checkpoint> out;
    QSqlQuery& rows = q.value();
    while (rows.next()) {
        Checkpoint c;
        c.id = rows.value(0).toLongLong();
        c.step = rows.value(1).toLongLong();
        c.phase = rows.value(2).toString();
        c.createdAt = fromMs(rows.value(3));
        c.size = rows.value(4).toLongLong();
        out.push_back(c);
    }
    return out;
}

Result<Checkpoint> RunReader::latestCheckpoint(qint64 runId) {
    const QString action = QStringLiteral("reading the newest checkpoint");
    auto q = m_impl->run(QStringLiteral("SELECT id, step, phase, created_at, data FROM checkpoints "
                                        "WHERE run_id = ? ORDER BY id DESC LIMIT 1"),
                         {runId}, action);
    if (!q) {
        return q.takeError();
    }
    QSqlQuery& rows = q.value();
    if (!rows.next()) {
        return Error{
            ErrorCode::NotFound,
            QStringLiteral("%1: run %2 has no checkpoint").arg(m_impl->what(action)).arg(runId)};
    }
    Checkpoint c;
    c.id = rows.value(0).toLongLong();
    c.step = rows.value(1).toLongLong();
    c.phase = rows.value(2).toString();
    c.createdAt = fromMs(rows.value(3));
    c.data = rows.value(4).toByteArray();
    c.size = c.data.size();
    return c;
}

Status RunReader::setName(qint64 runId, const QString& name) {
    if (Status s = m_impl->requireRun(runId, QStringLiteral("renaming run")); !s) {
        return s;
    }
    auto q = m_impl->run(QStringLiteral("UPDATE runs SET name = ? WHERE id = ?"),
                         {detail::text(name), runId}, QStringLiteral("renaming run"));
    return q ? Status{} : Status{q.takeError()};
}

Status RunReader::setNotes(qint64 runId, const QString& notes) {
    if (Status s = m_impl->requireRun(runId, QStringLiteral("editing notes")); !s) {
        return s;
    }
    auto q = m_impl->run(QStringLiteral("UPDATE runs SET notes = ? WHERE id = ?"),
                         {detail::text(notes), runId}, QStringLiteral("editing notes"));
    return q ? Status{} : Status{q.takeError()};
}

Status RunReader::setTags(qint64 runId, const QStringList& tags) {
    const QString action = QStringLiteral("editing tags");
    if (Status s = m_impl->requireRun(runId, action); !s) {
        return s;
    }
    detail::Transaction transaction(m_impl->db());
    if (Status s = transaction.begin(m_impl->what(action)); !s) {
        return s;
    }
    if (auto q = m_impl->run(QStringLiteral("DELETE FROM tags WHERE run_id = ?"), {runId}, action);
        !q) {
        return q.takeError();
    }
    for (const QString& tag : tags) {
        const QString trimmed = tag.trimmed();
        if (trimmed.isEmpty()) {
            continue;
        }
        if (auto q =
                m_impl->run(QStringLiteral("INSERT OR IGNORE INTO tags(run_id, tag) VALUES(?, ?)"),
                            {runId, trimmed}, action);
            !q) {
            return q.takeError();
        }
    }
    return transaction.commit();
}

Status RunReader::addTag(qint64 runId, const QString& tag) {
    const QString action = QStringLiteral("adding a tag");
    if (tag.trimmed().isEmpty()) {
        return Error{ErrorCode::InvalidArgument, QStringLiteral("a tag cannot be empty")};
    }
    if (Status s = m_impl->requireRun(runId, action); !s) {
        return s;
    }
    auto q = m_impl->run(QStringLiteral("INSERT OR IGNORE INTO tags(run_id, tag) VALUES(?, ?)"),
                         {runId, tag.trimmed()}, action);
    return q ? Status{} : Status{q.takeError()};
}

Status RunReader::removeTag(qint64 runId, const QString& tag) {
    auto q = m_impl->run(QStringLiteral("DELETE FROM tags WHERE run_id = ? AND tag = ?"),
                         {runId, tag.trimmed()}, QStringLiteral("removing a tag"));
    return q ? Status{} : Status{q.takeError()};
}

Status RunReader::deleteRuns(const QVector<qint64>& runIds) {
    const QString action = QStringLiteral("deleting runs");
    if (runIds.isEmpty()) {
        return {};
    }
    detail::Transaction transaction(m_impl->db());
    if (Status s = transaction.begin(m_impl->what(action)); !s) {
        return s;
    }
    {
        auto q = m_impl->run(QStringLiteral("SELECT id, uuid, status, writer_machine, writer_pid, "
                                            "writer_identity FROM runs WHERE id IN (%1)")
                                 .arg(idList(runIds)),
                             {}, action);
        if (!q) {
            return q.takeError();
        }
        QSet<qint64> found;
        QSqlQuery& rows = q.value();
        while (rows.next()) {
            found.insert(rows.value(0).toLongLong());
            if (rows.value(2).toString() == QLatin1String("running") &&
                detail::writerMayBeAlive(rows.value(3).toString(), rows.value(4).toLongLong(),
                                         rows.value(5).toString())) {
                return Error{ErrorCode::InUse,
                             QStringLiteral("%1: run %2 is still being written by process %3; stop "
                                            "it first (nothing was deleted)")
                                 .arg(m_impl->what(action), rows.value(1).toString())
                                 .arg(rows.value(4).toLongLong())};
            }
        }
        for (qint64 id : runIds) {
            if (!found.contains(id)) {
                return Error{ErrorCode::NotFound,
                             QStringLiteral("%1: no run with id %2 (nothing was deleted)")
                                 .arg(m_impl->what(action))
                                 .arg(id)};
            }
        }
    }
    // ON DELETE CASCADE removes tags, metrics, tiles, latest metrics, snapshots, checkpoints and
    // events with the run.
    if (auto q = m_impl->run(
            QStringLiteral("DELETE FROM runs WHERE id IN (%1)").arg(idList(runIds)), {}, action);
        !q) {
        return q.takeError();
    }
    return transaction.commit();
}

Result<qint64> RunReader::dataVersion() {
    auto q = m_impl->run(QStringLiteral("PRAGMA data_version"), {},
                         QStringLiteral("checking the store for changes"));
    if (!q) {
        return q.takeError();
    }
    if (!q.value().next()) {
        return Error{ErrorCode::Failed,
                     QStringLiteral("checking the store for changes: no data_version")};
    }
    return q.value().value(0).toLongLong();
}

Result<QString> RunReader::integrityCheck() {
    auto q = m_impl->run(QStringLiteral("PRAGMA integrity_check"), {},
                         QStringLiteral("checking integrity"));
    if (!q) {
        return q.takeError();
    }
    QStringList lines;
    while (q.value().next()) {
        lines << q.value().value(0).toString();
    }
    return lines.join(QLatin1Char('\n'));
}

}  // namespace lossstudio::storage
