#include "lossstudio/storage/run_transfer.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLocale>
#include <QSaveFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QVariant>
#include <cmath>

#include "connection.h"
#include "process_identity.h"
#include "sql_util.h"

namespace lossstudio::storage {

using detail::exec;
using detail::prepare;
using detail::sqlError;

namespace {

QString number(double v) {
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QByteArray csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r'))) {
        return text.toUtf8();
    }
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return (QLatin1Char('"') + quoted + QLatin1Char('"')).toUtf8();
}

QJsonValue jsonNumber(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

QJsonValue jsonTime(const QDateTime& t) {
    return t.isValid() ? QJsonValue(t.toString(Qt::ISODateWithMs)) : QJsonValue();
}

Status writeAll(QIODevice& out, const QByteArray& bytes) {
    if (out.write(bytes) != bytes.size()) {
        return Error{ErrorCode::Io,
                     QStringLiteral("export: cannot write: %1").arg(out.errorString())};
    }
    return {};
}

Status exportCsv(RunReader& reader, const QVector<qint64>& runIds, QIODevice& out) {
    if (Status s = writeAll(out,
                            "run_uuid,run_name,method,model,dataset,seed,status,key,step,"
                            "wall_time,value\n");
        !s) {
        return s;
    }
    for (qint64 id : runIds) {
        auto run = reader.run(id);
        if (!run) {
            return run.takeError();
        }
        const RunRecord& r = run.value();
        const QByteArray prefix = csvField(r.uuid) + ',' + csvField(r.name) + ',' +
                                  csvField(r.method) + ',' + csvField(r.model) + ',' +
                                  csvField(r.dataset) + ',' + QByteArray::number(r.seed) + ',' +
                                  statusName(r.status).toUtf8() + ',';
        auto rows = reader.metricRows(id);
        if (!rows) {
            return rows.takeError();
        }
        QByteArray buffer;
        buffer.reserve(1 << 20);
        QString key;
        QByteArray keyField;
        for (const MetricRow& row : rows.value()) {
            if (row.key != key) {
                key = row.key;
                keyField = csvField(key);
            }
            buffer += prefix;
            buffer += keyField;
            buffer += ',';
            buffer += QByteArray::number(row.step);
            buffer += ',';
            buffer += number(row.wallTime).toLatin1();
            buffer += ',';
            buffer += number(row.value).toLatin1();
            buffer += '\n';
            if (buffer.size() > (1 << 20)) {
                if (Status s = writeAll(out, buffer); !s) {
                    return s;
                }
                buffer.clear();
            }
        }
        if (Status s = writeAll(out, buffer); !s) {
            return s;
        }
    }
    return {};
}

Result<QJsonObject> runToJson(RunReader& reader, qint64 id) {
    auto run = reader.run(id);
    if (!run) {
        return run.takeError();
    }
    const RunRecord& r = run.value();
    QJsonObject o;
    o.insert(QStringLiteral("id"), r.id);
    o.insert(QStringLiteral("uuid"), r.uuid);
    o.insert(QStringLiteral("name"), r.name);
    o.insert(QStringLiteral("status"), statusName(r.status));
    o.insert(QStringLiteral("created_at"), jsonTime(r.createdAt));
    o.insert(QStringLiteral("finished_at"), jsonTime(r.finishedAt));
    o.insert(QStringLiteral("updated_at"), jsonTime(r.updatedAt));
    QJsonParseError parseError{};
    const QJsonDocument config = QJsonDocument::fromJson(r.configJson.toUtf8(), &parseError);
    o.insert(QStringLiteral("config"),
             parseError.error == QJsonParseError::NoError && config.isObject()
                 ? QJsonValue(config.object())
                 : QJsonValue(r.configJson));
    o.insert(QStringLiteral("config_hash"), r.configHash);
    // JSON readers hold numbers as doubles: seeds beyond 2^53 go as text.
    o.insert(QStringLiteral("seed"), r.seed <= (quint64{1} << 53)
                                         ? QJsonValue(static_cast<qint64>(r.seed))
                                         : QJsonValue(QString::number(r.seed)));
    o.insert(QStringLiteral("method"), r.method);
    o.insert(QStringLiteral("model"), r.model);
    o.insert(QStringLiteral("dataset"), r.dataset);
    o.insert(QStringLiteral("app_version"), r.appVersion);
    o.insert(QStringLiteral("qt_version"), r.qtVersion);
    o.insert(QStringLiteral("torch_version"), r.torchVersion);
    o.insert(QStringLiteral("host"), r.host);
    o.insert(QStringLiteral("notes"), r.notes);
    o.insert(QStringLiteral("message"), r.message);
    o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(r.tags));
    QJsonObject latest;
    for (auto it = r.latest.cbegin(); it != r.latest.cend(); ++it) {
        latest.insert(it.key(),
                      QJsonObject{{QStringLiteral("step"), it.value().step},
                                  {QStringLiteral("value"), jsonNumber(it.value().value)}});
    }
    o.insert(QStringLiteral("latest_metrics"), latest);

    auto rows = reader.metricRows(id);
    if (!rows) {
        return rows.takeError();
    }
    QJsonObject metrics;
    QString key;
    QJsonArray steps, wallTimes, values;
    auto close = [&] {
        if (!key.isEmpty()) {
            metrics.insert(key, QJsonObject{{QStringLiteral("step"), steps},
                                            {QStringLiteral("wall_time"), wallTimes},
                                            {QStringLiteral("value"), values}});
        }
        steps = QJsonArray();
        wallTimes = QJsonArray();
        values = QJsonArray();
    };
    for (const MetricRow& row : rows.value()) {
        if (row.key != key) {
            close();
            key = row.key;
        }
        steps.append(row.step);
        wallTimes.append(jsonNumber(row.wallTime));
        values.append(jsonNumber(row.value));
    }
    close();
    o.insert(QStringLiteral("metrics"), metrics);

    auto events = reader.events(id);
    if (!events) {
        return events.takeError();
    }
    QJsonArray eventArray;
    for (const EventRecord& e : events.value()) {
        QJsonObject event{{QStringLiteral("step"), e.step},
                          {QStringLiteral("phase"), e.phase},
                          {QStringLiteral("kind"), e.kind},
                          {QStringLiteral("code"), e.code},
                          {QStringLiteral("message"), e.message},
                          {QStringLiteral("wall_time"), jsonNumber(e.wallTime)}};
        if (!e.fields.isEmpty()) {
            event.insert(QStringLiteral("fields"), e.fields);
        }
        eventArray.append(event);
    }
    o.insert(QStringLiteral("events"), eventArray);

    auto kinds = reader.snapshotKinds(id);
    if (!kinds) {
        return kinds.takeError();
    }
    QJsonArray snapshotArray;
    for (const QString& kind : kinds.value()) {
        auto snapshots = reader.snapshots(id, kind);
        if (!snapshots) {
            return snapshots.takeError();
        }
        for (const Snapshot& s : snapshots.value()) {
            QJsonArray arrays;
            for (const QVector<float>& a : s.arrays) {
                QJsonArray values;
                for (float v : a) {
                    values.append(jsonNumber(static_cast<double>(v)));
                }
                arrays.append(values);
            }
            snapshotArray.append(QJsonObject{{QStringLiteral("kind"), s.kind},
                                             {QStringLiteral("step"), s.step},
                                             {QStringLiteral("arrays"), arrays}});
        }
    }
    o.insert(QStringLiteral("snapshots"), snapshotArray);

    auto checkpoints = reader.checkpoints(id);
    if (!checkpoints) {
        return checkpoints.takeError();
    }
    QJsonArray checkpointArray;
    for (const Checkpoint& c : checkpoints.value()) {
        checkpointArray.append(QJsonObject{{QStringLiteral("step"), c.step},
                                           {QStringLiteral("phase"), c.phase},
                                           {QStringLiteral("created_at"), jsonTime(c.createdAt)},
                                           {QStringLiteral("bytes"), c.size}});
    }
    o.insert(QStringLiteral("checkpoints"), checkpointArray);
    return o;
}

Status exportJson(RunReader& reader, const QVector<qint64>& runIds, QIODevice& out) {
    QJsonObject header{{QStringLiteral("format"), QStringLiteral("lossstudio-runs")},
                       {QStringLiteral("format_version"), 1},
                       {QStringLiteral("schema_version"), kSchemaVersion},
                       {QStringLiteral("exported_at"),
                        QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                       {QStringLiteral("store"), reader.path()}};
    // The header's members, then the runs one by one so that memory holds one run at a time.
    QByteArray head = QJsonDocument(header).toJson(QJsonDocument::Compact);
    head.chop(1);  // the closing brace
    if (Status s = writeAll(out, head + ",\"runs\":[\n"); !s) {
        return s;
    }
    bool first = true;
    for (qint64 id : runIds) {
        auto run = runToJson(reader, id);
        if (!run) {
            return run.takeError();
        }
        QByteArray bytes = QJsonDocument(run.value()).toJson(QJsonDocument::Compact);
        if (!first) {
            bytes.prepend(",\n");
        }
        first = false;
        if (Status s = writeAll(out, bytes); !s) {
            return s;
        }
    }
    return writeAll(out, "\n]}\n");
}

}  // namespace

Status exportRuns(RunReader& reader, const QVector<qint64>& runIds, ExportFormat format,
                  QIODevice& out) {
    return format == ExportFormat::Csv ? exportCsv(reader, runIds, out)
                                       : exportJson(reader, runIds, out);
}

Status exportRunsToFile(RunReader& reader, const QVector<qint64>& runIds, ExportFormat format,
                        const QString& path) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return Error{ErrorCode::Io,
                     QStringLiteral("cannot write %1: %2").arg(path, file.errorString())};
    }
    if (Status s = exportRuns(reader, runIds, format, file); !s) {
        file.cancelWriting();
        return Error{
            s.code(),
            QStringLiteral("%1 (writing %2; the file was not changed)").arg(s.error(), path)};
    }
    if (!file.commit()) {
        return Error{ErrorCode::Io,
                     QStringLiteral("cannot write %1: %2").arg(path, file.errorString())};
    }
    return {};
}

// --- merge
// ----------------------------------------------------------------------------------------

namespace {

// The run columns copied as they are (everything but id, status and the writer's identity).
const char* const kCopiedRunColumns =
    "uuid, name, created_at, config_json, config_hash, seed, method, model, dataset, app_version, "
    "qt_version, torch_version, host, notes, latest_summary";

Status copyRun(const QSqlDatabase& db, qint64 sourceId, qint64* newId, qint64* metricRows,
               const QString& what) {
    auto run = [&](const QString& sql, const QVariantList& values) -> Result<QSqlQuery> {
        QSqlQuery q(db);
        if (Status s = prepare(q, sql, what); !s) {
            return s.takeError();
        }
        for (const QVariant& v : values) {
            q.addBindValue(v);
        }
        if (Status s = exec(q, what); !s) {
            return s.takeError();
        }
        return q;
    };
    const QString columns = QString::fromLatin1(kCopiedRunColumns);
    auto insert =
        run(QStringLiteral("INSERT INTO main.runs(%1, status, finished_at, updated_at, message, "
                           "writer_machine, writer_pid, writer_identity) SELECT %1, "
                           "CASE WHEN status = 'running' THEN 'interrupted' ELSE status END, "
                           "CASE WHEN status = 'running' THEN COALESCE(updated_at, created_at) "
                           "ELSE finished_at END, updated_at, "
                           "CASE WHEN status = 'running' THEN 'interrupted: copied by merge while "
                           "still running' ELSE message END, '', 0, '' FROM src.runs WHERE id = ?")
                .arg(columns),
            {sourceId});
    if (!insert) {
        return insert.takeError();
    }
    *newId = insert.value().lastInsertId().toLongLong();
    const QStringList copies = {
        QStringLiteral("INSERT INTO main.tags(run_id, tag) SELECT ?, tag FROM src.tags WHERE "
                       "run_id = ?"),
        QStringLiteral("INSERT INTO main.metrics(run_id, key, step, wall_time, value) SELECT ?, "
                       "key, step, wall_time, value FROM src.metrics WHERE run_id = ?"),
        QStringLiteral("INSERT INTO main.latest_metrics(run_id, key, step, value) SELECT ?, key, "
                       "step, value FROM src.latest_metrics WHERE run_id = ?"),
        QStringLiteral("INSERT INTO main.metric_tiles(run_id, key, level, tile, count, min_step, "
                       "min_value, max_step, max_value) SELECT ?, key, level, tile, count, "
                       "min_step, min_value, max_step, max_value FROM src.metric_tiles WHERE "
                       "run_id = ?"),
        QStringLiteral("INSERT INTO main.snapshots(run_id, step, kind, data) SELECT ?, step, kind, "
                       "data FROM src.snapshots WHERE run_id = ? ORDER BY id"),
        QStringLiteral("INSERT INTO main.checkpoints(run_id, step, phase, created_at, data) SELECT "
                       "?, step, phase, created_at, data FROM src.checkpoints WHERE run_id = ? "
                       "ORDER BY id"),
        QStringLiteral("INSERT INTO main.events(run_id, step, phase, kind, code, message, "
                       "wall_time, fields) SELECT ?, step, phase, kind, code, message, wall_time, "
                       "fields FROM src.events WHERE run_id = ? ORDER BY id"),
    };
    for (int i = 0; i < copies.size(); ++i) {
        auto q = run(copies.at(i), {*newId, sourceId});
        if (!q) {
            return q.takeError();
        }
        if (i == 1) {
            *metricRows += q.value().numRowsAffected();
        }
    }
    return {};
}

constexpr char kScratchPrefix[] = ".lossstudio-merge-";
constexpr char kScratchOwner[] = "owner";

// Records which process owns a merge's scratch folder: "<machine>\n<pid>\n<identity>".
bool writeScratchOwner(const QString& folder) {
    QSaveFile file(QDir(folder).filePath(QLatin1String(kScratchOwner)));
    if (!file.open(QIODevice::WriteOnly)) {
        return false;
    }
    const qint64 pid = detail::currentPid();
    file.write(QStringLiteral("%1\n%2\n%3\n")
                   .arg(detail::localMachineId())
                   .arg(pid)
                   .arg(detail::processIdentity(pid))
                   .toUtf8());
    return file.commit();
}

// A merge killed half-way leaves its scratch folder (a full copy of the source) beside the
// target. Removes those whose owner provably no longer runs; a folder without an owner record
// (written by an older LossStudio) once it is a day old.
void removeStaleScratch(const QString& folder) {
    const QDir dir(folder);
    const QFileInfoList found =
        dir.entryInfoList({QLatin1String(kScratchPrefix) + QLatin1Char('*')},
                          QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot | QDir::NoSymLinks);
    for (const QFileInfo& info : found) {
        QFile owner(QDir(info.absoluteFilePath()).filePath(QLatin1String(kScratchOwner)));
        bool stale = false;
        if (owner.open(QIODevice::ReadOnly)) {
            const QStringList lines = QString::fromUtf8(owner.readAll()).split(QLatin1Char('\n'));
            owner.close();
            stale = lines.size() >= 3 &&
                    !detail::writerMayBeAlive(lines.at(0), lines.at(1).toLongLong(), lines.at(2));
        } else {
            stale = info.lastModified().secsTo(QDateTime::currentDateTime()) > 24 * 3600;
        }
        if (stale && QDir(info.absoluteFilePath()).removeRecursively()) {
            detail::logger()->info("removed {}, left by a merge that did not finish",
                                   info.absoluteFilePath().toStdString());
        }
    }
}

}  // namespace

Result<MergeReport> mergeStores(const QString& destinationPath, const QString& sourcePath) {
    const QFileInfo source(sourcePath);
    const QFileInfo destination(destinationPath);
    if (source.exists() && destination.exists() &&
        source.canonicalFilePath() == destination.canonicalFilePath()) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("cannot merge %1 into itself").arg(sourcePath)};
    }
    // Open the destination first: a bad destination should fail before any copying.
    auto target = detail::Connection::open(destinationPath, OpenMode::ReadWrite, {});
    if (!target) {
        return target.takeError();
    }
    removeStaleScratch(destination.absolutePath());
    QTemporaryDir scratch(destination.absolutePath() + QLatin1Char('/') +
                          QLatin1String(kScratchPrefix) + QStringLiteral("XXXXXX"));
    if (!scratch.isValid()) {
        return Error{ErrorCode::Io, QStringLiteral("cannot create a temporary folder beside %1: %2")
                                        .arg(destinationPath, scratch.errorString())};
    }
    if (!writeScratchOwner(scratch.path())) {
        return Error{ErrorCode::Io,
                     QStringLiteral("cannot write in the temporary folder %1").arg(scratch.path())};
    }
    const QString copyPath = scratch.filePath(QStringLiteral("source.sqlite"));
    QStringList runningInSource;  // as the source says, before the copy's own liveness check
    {
        auto reader =
            detail::Connection::open(sourcePath, OpenMode::ReadOnly, {}, /*allowOlder=*/true);
        if (!reader) {
            return reader.takeError();
        }
        QSqlQuery running(reader.value()->db());
        if (!running.exec(QStringLiteral("SELECT uuid FROM runs WHERE status = 'running'"))) {
            return sqlError(QStringLiteral("reading %1").arg(sourcePath), running);
        }
        while (running.next()) {
            runningInSource << running.value(0).toString();
        }
        running.finish();
        QSqlQuery vacuum(reader.value()->db());
        if (!vacuum.prepare(QStringLiteral("VACUUM INTO ?"))) {
            return sqlError(QStringLiteral("copying %1").arg(sourcePath), vacuum);
        }
        vacuum.addBindValue(copyPath);
        if (!vacuum.exec()) {
            return sqlError(QStringLiteral("copying %1").arg(sourcePath), vacuum);
        }
    }
    {
        // Upgrades an older source's copy (the source itself stays as it is).
        auto upgraded = detail::Connection::open(copyPath, OpenMode::ReadWrite, {});
        if (!upgraded) {
            return Error{upgraded.code(),
                         QStringLiteral("%1 (reading %2)").arg(upgraded.error(), sourcePath)};
        }
    }
    const QSqlDatabase& db = target.value()->db();
    const QString what = QStringLiteral("merging %1 into %2").arg(sourcePath, destinationPath);
    {
        QSqlQuery attach(db);
        if (!attach.prepare(QStringLiteral("ATTACH DATABASE ? AS src"))) {
            return sqlError(what, attach);
        }
        attach.addBindValue(copyPath);
        if (!attach.exec()) {
            return sqlError(what, attach);
        }
    }
    MergeReport report;
    Status status;
    {
        detail::Transaction transaction(db);
        status = transaction.begin(what);
        struct SourceRun {
            qint64 id;
            QString uuid;
            bool running;
            bool duplicate;
        };
        QVector<SourceRun> runs;
        if (status) {
            QSqlQuery list(db);
            list.setForwardOnly(true);
            if (!list.exec(QStringLiteral("SELECT s.id, s.uuid, s.status = 'running', EXISTS "
                                          "(SELECT 1 FROM main.runs m WHERE m.uuid = s.uuid) FROM "
                                          "src.runs s ORDER BY s.id"))) {
                status = sqlError(what, list);
            }
            while (status && list.next()) {
                runs.push_back({list.value(0).toLongLong(), list.value(1).toString(),
                                list.value(2).toBool(), list.value(3).toBool()});
            }
        }
        for (const SourceRun& run : runs) {
            if (!status) {
                break;
            }
            if (run.duplicate) {
                report.duplicates << run.uuid;
                continue;
            }
            qint64 newId = 0;
            status = copyRun(db, run.id, &newId, &report.metricRows, what);
            report.added << run.uuid;
            if (run.running || runningInSource.contains(run.uuid)) {
                report.interrupted << run.uuid;
            }
        }
        if (status) {
            status = transaction.commit();
        }
    }
    if (Status s = detail::execSql(db, QStringLiteral("DETACH DATABASE src"), what); !s) {
        detail::logger()->warn("{}", s.error().toStdString());
    }
    if (!status) {
        return Error{status.code(), status.error() + QStringLiteral(" (nothing was merged)")};
    }
    detail::logger()->info("merged {} runs from {} into {} ({} duplicates skipped)",
                           report.added.size(), sourcePath.toStdString(),
                           destinationPath.toStdString(), report.duplicates.size());
    return report;
}

}  // namespace lossstudio::storage
