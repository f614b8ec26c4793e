// lossstudio-cli runs list|show|export|delete|merge: the run store from the command line.

#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_transfer.h>

#include "cli_commands.h"
#include "store_location.h"

namespace lossstudio::app {
namespace {

using storage::ErrorCode;
using storage::RunReader;
using storage::RunRecord;
using storage::RunStatus;

const char* const kUsage =
    "usage: lossstudio-cli runs <command> [options] [--db PATH]\n"
    "\n"
    "commands:\n"
    "  list [filters] [--sort FIELD] [--asc] [--limit N] [--offset N] [--metric KEY]... [--json]\n"
    "  show RUN [--json]\n"
    "  export --format csv|json --out FILE [RUN...] [filters]\n"
    "  delete RUN...  |  delete [filters] --yes\n"
    "  merge OTHER.sqlite...        copy the runs this store does not have yet\n"
    "\n"
    "RUN is a run's id, its UUID or an unambiguous UUID prefix (see 'runs list').\n"
    "filters: --method M --model M --dataset D --status S[,S...] --tag T --search TEXT --hash H\n"
    "FIELD:   created (default, newest first), finished, name, status, method, model, dataset,\n"
    "         seed, id, or a metric key such as test/accuracy (its latest value)\n"
    "--db PATH names the store (default: <XDG data dir>/lossstudio/runs.sqlite).\n"
    "exit status: 0 success, 1 failure, 2 usage error\n";

int usageError(const QString& message) {
    std::fprintf(stderr, "lossstudio-cli runs: %s\n\n%s", qPrintable(message), kUsage);
    return 2;
}

int failure(const QString& message) {
    std::fprintf(stderr, "lossstudio-cli runs: %s\n", qPrintable(message));
    return 1;
}

void print(const QString& text) {
    std::fputs(text.toUtf8().constData(), stdout);
}

QString when(const QDateTime& t) {
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                       : QStringLiteral("-");
}

QString orDash(const QString& s) {
    return s.isEmpty() ? QStringLiteral("-") : s;
}

int columnWidth(const QString& key) {
    return std::clamp(static_cast<int>(key.size()), 8, 19);
}

QString fitted(const QString& s, int width) {
    return s.size() <= width ? s.leftJustified(width) : s.left(width - 1) + QChar(0x2026);
}

struct Options {
    QCommandLineOption db{QStringLiteral("db"), QStringLiteral("The run store."),
                          QStringLiteral("PATH")};
    QCommandLineOption method{QStringLiteral("method"), QStringLiteral("Only this method."),
                              QStringLiteral("M")};
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("Only this model."),
                             QStringLiteral("M")};
    QCommandLineOption dataset{QStringLiteral("dataset"), QStringLiteral("Only this dataset."),
                               QStringLiteral("D")};
    QCommandLineOption status{QStringLiteral("status"), QStringLiteral("Only these statuses."),
                              QStringLiteral("S")};
    QCommandLineOption tag{QStringLiteral("tag"), QStringLiteral("Only runs with this tag."),
                           QStringLiteral("T")};
    QCommandLineOption search{QStringLiteral("search"),
                              QStringLiteral("Text in name, notes or tags."),
                              QStringLiteral("TEXT")};
    QCommandLineOption hash{QStringLiteral("hash"), QStringLiteral("Only this config hash."),
                            QStringLiteral("H")};
    QCommandLineOption sort{QStringLiteral("sort"), QStringLiteral("Sort field."),
                            QStringLiteral("FIELD")};
    QCommandLineOption asc{QStringLiteral("asc"), QStringLiteral("Ascending order.")};
    QCommandLineOption desc{QStringLiteral("desc"), QStringLiteral("Descending order.")};
    QCommandLineOption limit{QStringLiteral("limit"), QStringLiteral("At most N runs."),
                             QStringLiteral("N")};
    QCommandLineOption offset{QStringLiteral("offset"), QStringLiteral("Skip N runs."),
                              QStringLiteral("N")};
    QCommandLineOption metric{QStringLiteral("metric"), QStringLiteral("A latest-metric column."),
                              QStringLiteral("KEY")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("JSON output.")};
    QCommandLineOption format{QStringLiteral("format"), QStringLiteral("csv or json."),
                              QStringLiteral("FORMAT")};
    QCommandLineOption out{QStringLiteral("out"), QStringLiteral("Output file ('-': stdout)."),
                           QStringLiteral("FILE")};
    QCommandLineOption yes{QStringLiteral("yes"), QStringLiteral("Confirm deleting by filter.")};
    QCommandLineOption help{{QStringLiteral("h"), QStringLiteral("help")},
                            QStringLiteral("Usage.")};
};

/// Parses `args` (the sub-command's arguments) with every runs option; false on an error.
bool parse(QCommandLineParser& parser, const Options& o, const QString& command,
           const QStringList& args, QString* error) {
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions({o.db, o.method, o.model, o.dataset, o.status, o.tag, o.search, o.hash,
                       o.sort, o.asc, o.desc, o.limit, o.offset, o.metric, o.json, o.format, o.out,
                       o.yes, o.help});
    if (!parser.parse(QStringList{QStringLiteral("lossstudio-cli runs ") + command} + args)) {
        *error = parser.errorText();
        return false;
    }
    return true;
}

/// The options that filter runs.
std::array<const QCommandLineOption*, 7> filterOptions(const Options& o) {
    return {&o.method, &o.model, &o.dataset, &o.status, &o.tag, &o.search, &o.hash};
}

bool hasFilter(const QCommandLineParser& p, const Options& o) {
    const auto options = filterOptions(o);
    return std::any_of(options.begin(), options.end(),
                       [&](const QCommandLineOption* opt) { return p.isSet(*opt); });
}

/// The filter options as a RunFilter; false (with *error) for an unknown status or an empty
/// value.
bool readFilter(const QCommandLineParser& p, const Options& o, storage::RunFilter* f,
                QString* error) {
    // An empty value would be no condition at all: `runs delete --tag "$TAG" --yes` with TAG
    // unset must not match, and delete, every run.
    for (const QCommandLineOption* opt : filterOptions(o)) {
        for (const QString& value : p.values(*opt)) {
            // (--status takes a comma list: "," names no status either.)
            if (QString(value).remove(QLatin1Char(',')).trimmed().isEmpty()) {
                *error = QStringLiteral(
                             "--%1 was given an empty value: a filter needs a value (an empty one "
                             "would match every run); give one or leave --%1 out")
                             .arg(opt->names().constFirst());
                return false;
            }
        }
    }
    f->method = p.value(o.method);
    f->model = p.value(o.model);
    f->dataset = p.value(o.dataset);
    f->tag = p.value(o.tag);
    f->text = p.value(o.search);
    f->configHash = p.value(o.hash);
    for (const QString& value : p.values(o.status)) {
        for (const QString& name : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            RunStatus s;
            if (!storage::statusFromName(name.trimmed(), &s)) {
                *error = QStringLiteral(
                             "unknown status '%1' (running, finished, stopped, failed, "
                             "diverged, interrupted)")
                             .arg(name);
                return false;
            }
            f->statuses << s;
        }
    }
    return true;
}

/// Opens the store for a command that needs it to exist. Read-write (to record interrupted
/// runs) unless the file is read-only, then read-only with a note.
std::unique_ptr<RunReader> openExisting(const QString& path, QString* error) {
    if (!QFileInfo::exists(path)) {
        *error = QStringLiteral(
                     "no run store at %1 (runs are recorded there by 'lossstudio-cli "
                     "run' and the studio; name another with --db)")
                     .arg(path);
        return nullptr;
    }
    auto reader = RunReader::open(path, storage::OpenMode::ReadWrite);
    if (!reader && reader.code() == ErrorCode::ReadOnly) {
        auto readOnly = RunReader::open(path, storage::OpenMode::ReadOnly);
        if (readOnly) {
            std::fprintf(stderr, "note: %s is read-only; opened it read-only\n", qPrintable(path));
            return std::move(readOnly).value();
        }
    }
    if (!reader) {
        *error = reader.error();
        return nullptr;
    }
    return std::move(reader).value();  // (runs found interrupted were logged by the store)
}

/// Resolves RUN arguments to ids, in order, without duplicates.
bool resolveRuns(RunReader& reader, const QStringList& refs, QVector<qint64>* ids, QString* error) {
    for (const QString& ref : refs) {
        const auto id = reader.findRun(ref);
        if (!id) {
            *error = id.error();
            return false;
        }
        if (!ids->contains(id.value())) {
            ids->push_back(id.value());
        }
    }
    return true;
}

QJsonObject summaryJson(const RunRecord& r) {
    QJsonObject latest;
    for (auto it = r.latest.cbegin(); it != r.latest.cend(); ++it) {
        latest.insert(it.key(), QJsonObject{{QStringLiteral("step"), it.value().step},
                                            {QStringLiteral("value"), it.value().value}});
    }
    return QJsonObject{
        {QStringLiteral("id"), r.id},
        {QStringLiteral("uuid"), r.uuid},
        {QStringLiteral("name"), r.name},
        {QStringLiteral("status"), storage::statusName(r.status)},
        {QStringLiteral("created_at"), r.createdAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("finished_at"), r.finishedAt.isValid()
                                            ? QJsonValue(r.finishedAt.toString(Qt::ISODateWithMs))
                                            : QJsonValue()},
        {QStringLiteral("method"), r.method},
        {QStringLiteral("model"), r.model},
        {QStringLiteral("dataset"), r.dataset},
        {QStringLiteral("seed"), QString::number(r.seed)},
        {QStringLiteral("config_hash"), r.configHash},
        {QStringLiteral("tags"), QJsonArray::fromStringList(r.tags)},
        {QStringLiteral("notes"), r.notes},
        {QStringLiteral("message"), r.message},
        {QStringLiteral("latest_metrics"), latest},
    };
}

int listCommand(const QCommandLineParser& p, const Options& o, const QString& path) {
    storage::RunQuery query;
    QString error;
    if (!readFilter(p, o, &query.filter, &error)) {
        return usageError(error);
    }
    const QString field = p.value(o.sort).trimmed().toLower();
    using F = storage::RunSort::Field;
    static const QList<QPair<QString, F>> kFields = {{QStringLiteral("created"), F::CreatedAt},
                                                     {QStringLiteral("finished"), F::FinishedAt},
                                                     {QStringLiteral("name"), F::Name},
                                                     {QStringLiteral("status"), F::Status},
                                                     {QStringLiteral("method"), F::Method},
                                                     {QStringLiteral("model"), F::Model},
                                                     {QStringLiteral("dataset"), F::Dataset},
                                                     {QStringLiteral("seed"), F::Seed},
                                                     {QStringLiteral("id"), F::Id}};
    bool known = field.isEmpty();
    for (const auto& f : kFields) {
        if (f.first == field) {
            query.sort.field = f.second;
            known = true;
        }
    }
    if (!known) {
        if (!field.contains(QLatin1Char('/'))) {
            return usageError(QStringLiteral("unknown sort field '%1'").arg(field));
        }
        query.sort.field = F::Metric;
        query.sort.metricKey = p.value(o.sort).trimmed();
    }
    // Names, methods... read best A to Z; times and metrics best highest first.
    const bool textual = query.sort.field == F::Name || query.sort.field == F::Method ||
                         query.sort.field == F::Model || query.sort.field == F::Dataset ||
                         query.sort.field == F::Status;
    query.sort.order = p.isSet(o.asc)    ? Qt::AscendingOrder
                       : p.isSet(o.desc) ? Qt::DescendingOrder
                       : textual         ? Qt::AscendingOrder
                                         : Qt::DescendingOrder;
    bool ok = true;
    if (p.isSet(o.limit)) {
        query.limit = p.value(o.limit).toInt(&ok);
        if (!ok || query.limit < 0) {
            return usageError(QStringLiteral("--limit takes a number"));
        }
    }
    if (p.isSet(o.offset)) {
        query.offset = p.value(o.offset).toInt(&ok);
        if (!ok || query.offset < 0) {
            return usageError(QStringLiteral("--offset takes a number"));
        }
    }
    QStringList columns = p.values(o.metric);
    if (columns.isEmpty()) {
        columns = {QStringLiteral("validation/accuracy"), QStringLiteral("test/accuracy")};
    }
    if (!p.isSet(o.json)) {
        query.latestKeys = columns;
    }
    if (!QFileInfo::exists(path) && !p.isSet(o.db)) {
        print(p.isSet(o.json) ? QStringLiteral("[]\n")
                              : QStringLiteral("no runs yet (store: %1)\n").arg(path));
        return 0;
    }
    auto reader = openExisting(path, &error);
    if (!reader) {
        return failure(error);
    }
    const auto runs = reader->listRuns(query);
    if (!runs) {
        return failure(runs.error());
    }
    if (p.isSet(o.json)) {
        QJsonArray array;
        for (const RunRecord& r : runs.value()) {
            array.append(summaryJson(r));
        }
        print(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
        return 0;
    }
    const auto total = reader->countRuns(query.filter);
    QString header =
        QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 ")
            .arg(fitted(QStringLiteral("ID"), 6), fitted(QStringLiteral("UUID"), 8),
                 fitted(QStringLiteral("STATUS"), 11), fitted(QStringLiteral("CREATED"), 16),
                 fitted(QStringLiteral("METHOD"), 13), fitted(QStringLiteral("MODEL"), 8),
                 fitted(QStringLiteral("DATASET"), 13), fitted(QStringLiteral("SEED"), 6));
    for (const QString& c : columns) {
        header += fitted(c, columnWidth(c)) + QLatin1Char(' ');
    }
    header += QStringLiteral("NAME [TAGS]\n");
    print(header);
    for (const RunRecord& r : runs.value()) {
        QString line =
            QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 ")
                .arg(fitted(QString::number(r.id), 6), r.uuid.left(8),
                     fitted(storage::statusName(r.status), 11), fitted(when(r.createdAt), 16),
                     fitted(r.method, 13), fitted(r.model, 8), fitted(r.dataset, 13),
                     fitted(QString::number(r.seed), 6));
        for (const QString& c : columns) {
            line += fitted(r.latest.contains(c) ? QString::number(r.latest.value(c).value, 'g', 6)
                                                : QStringLiteral("-"),
                           columnWidth(c)) +
                    QLatin1Char(' ');
        }
        line += r.name;
        if (!r.tags.isEmpty()) {
            line += QStringLiteral(" [") + r.tags.join(QStringLiteral(", ")) + QLatin1Char(']');
        }
        print(line + QLatin1Char('\n'));
    }
    print(QStringLiteral("%1 of %2 runs in %3\n")
              .arg(runs.value().size())
              .arg(total ? total.value() : qint64{-1})
              .arg(path));
    return 0;
}

int showCommand(const QCommandLineParser& p, const Options& o, const QString& path) {
    const QStringList refs = p.positionalArguments();
    if (refs.size() != 1) {
        return usageError(QStringLiteral("show takes one RUN"));
    }
    QString error;
    auto reader = openExisting(path, &error);
    if (!reader) {
        return failure(error);
    }
    const auto id = reader->findRun(refs.first());
    if (!id) {
        return failure(id.error());
    }
    const auto run = reader->run(id.value());
    if (!run) {
        return failure(run.error());
    }
    const RunRecord& r = run.value();
    const auto events = reader->events(r.id);
    const auto checkpoints = reader->checkpoints(r.id);
    const auto kinds = reader->snapshotKinds(r.id);
    if (p.isSet(o.json)) {
        QJsonObject object = summaryJson(r);
        QJsonParseError parseError{};
        const QJsonDocument config = QJsonDocument::fromJson(r.configJson.toUtf8(), &parseError);
        object.insert(QStringLiteral("config"),
                      config.isObject() ? QJsonValue(config.object()) : QJsonValue(r.configJson));
        object.insert(QStringLiteral("versions"),
                      QJsonObject{{QStringLiteral("app"), r.appVersion},
                                  {QStringLiteral("qt"), r.qtVersion},
                                  {QStringLiteral("torch"), r.torchVersion}});
        object.insert(QStringLiteral("host"), r.host);
        print(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented)));
        return 0;
    }
    QString out;
    out += QStringLiteral("run:       %1\n").arg(r.name);
    out += QStringLiteral("id:        %1\nuuid:      %2\n").arg(r.id).arg(r.uuid);
    out += QStringLiteral("status:    %1%2\n")
               .arg(storage::statusName(r.status),
                    r.message.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.message));
    out += QStringLiteral("created:   %1\n").arg(when(r.createdAt));
    if (r.finishedAt.isValid()) {
        out += QStringLiteral("ended:     %1 (after %2 s)\n")
                   .arg(when(r.finishedAt))
                   .arg(r.createdAt.msecsTo(r.finishedAt) / 1000.0, 0, 'f', 1);
    }
    out += QStringLiteral("method:    %1\nmodel:     %2\ndataset:   %3\nseed:      %4\n")
               .arg(orDash(r.method), orDash(r.model), orDash(r.dataset))
               .arg(r.seed);
    out += QStringLiteral("config:    hash %1\n").arg(orDash(r.configHash));
    out +=
        QStringLiteral("versions:  LossStudio %1, Qt %2, LibTorch %3; host %4\n")
            .arg(orDash(r.appVersion), orDash(r.qtVersion), orDash(r.torchVersion), orDash(r.host));
    out += QStringLiteral("tags:      %1\n")
               .arg(r.tags.isEmpty() ? QStringLiteral("-") : r.tags.join(QStringLiteral(", ")));
    out += QStringLiteral("notes:     %1\n").arg(r.notes.isEmpty() ? QStringLiteral("-") : r.notes);
    out += QStringLiteral("latest metrics:\n");
    if (r.latest.isEmpty()) {
        out += QStringLiteral("  -\n");
    }
    for (auto it = r.latest.cbegin(); it != r.latest.cend(); ++it) {
        out += QStringLiteral("  %1 %2 (step %3)\n")
                   .arg(it.key().leftJustified(28))
                   .arg(QString::number(it.value().value, 'g', 8).leftJustified(14))
                   .arg(it.value().step);
    }
    if (kinds) {
        QStringList parts;
        for (const QString& kind : kinds.value()) {
            const auto steps = reader->snapshotSteps(r.id, kind);
            parts << QStringLiteral("%1 x%2").arg(kind).arg(steps ? steps.value().size() : 0);
        }
        out += QStringLiteral("snapshots: %1\n")
                   .arg(parts.isEmpty() ? QStringLiteral("-") : parts.join(QStringLiteral(", ")));
    }
    if (checkpoints) {
        QStringList parts;
        for (const storage::Checkpoint& c : checkpoints.value()) {
            parts
                << QStringLiteral("%1 step %2 (%3 kB)").arg(c.phase).arg(c.step).arg(c.size / 1024);
        }
        out += QStringLiteral("checkpoints: %1\n")
                   .arg(parts.isEmpty() ? QStringLiteral("-") : parts.join(QStringLiteral(", ")));
    }
    if (events && !events.value().isEmpty()) {
        out += QStringLiteral("events:\n");
        for (const storage::EventRecord& e : events.value()) {
            out += QStringLiteral("  %1 step %2  %3%4  %5\n")
                       .arg(e.phase)
                       .arg(e.step)
                       .arg(e.kind, e.code.isEmpty() ? QString() : QLatin1Char(' ') + e.code,
                            e.message);
        }
    }
    out += QStringLiteral("config:\n%1\n").arg(r.configJson);
    print(out);
    return 0;
}

int exportCommand(const QCommandLineParser& p, const Options& o, const QString& path) {
    if (!p.isSet(o.out)) {
        return usageError(QStringLiteral("export needs --out FILE ('-' for stdout)"));
    }
    const QString outPath = p.value(o.out);
    QString format = p.value(o.format).toLower();
    if (format.isEmpty()) {
        format =
            outPath.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)    ? QStringLiteral("csv")
            : outPath.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ? QStringLiteral("json")
                                                                            : QString();
    }
    if (format != QLatin1String("csv") && format != QLatin1String("json")) {
        return usageError(QStringLiteral("--format must be csv or json"));
    }
    const auto kind =
        format == QLatin1String("csv") ? storage::ExportFormat::Csv : storage::ExportFormat::Json;
    QString error;
    auto reader = openExisting(path, &error);
    if (!reader) {
        return failure(error);
    }
    QVector<qint64> ids;
    if (!p.positionalArguments().isEmpty()) {
        if (hasFilter(p, o)) {
            return usageError(QStringLiteral("give RUNs or filters, not both"));
        }
        if (!resolveRuns(*reader, p.positionalArguments(), &ids, &error)) {
            return failure(error);
        }
    } else {
        storage::RunQuery query;
        if (!readFilter(p, o, &query.filter, &error)) {
            return usageError(error);
        }
        query.sort.field = storage::RunSort::Field::Id;
        query.sort.order = Qt::AscendingOrder;
        query.withLatest = false;
        const auto runs = reader->listRuns(query);
        if (!runs) {
            return failure(runs.error());
        }
        for (const RunRecord& r : runs.value()) {
            ids << r.id;
        }
    }
    if (outPath == QLatin1String("-")) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly)) {
            return failure(QStringLiteral("cannot write to stdout"));
        }
        const storage::Status s = storage::exportRuns(*reader, ids, kind, out);
        return s ? 0 : failure(s.error());
    }
    const storage::Status s = storage::exportRunsToFile(*reader, ids, kind, outPath);
    if (!s) {
        return failure(s.error());
    }
    std::fprintf(stderr, "exported %lld runs to %s\n", static_cast<long long>(ids.size()),
                 qPrintable(outPath));
    return 0;
}

int deleteCommand(const QCommandLineParser& p, const Options& o, const QString& path) {
    const QStringList refs = p.positionalArguments();
    if (refs.isEmpty() && !hasFilter(p, o)) {
        return usageError(QStringLiteral("delete needs RUN ids or UUIDs, or filters with --yes"));
    }
    if (!refs.isEmpty() && hasFilter(p, o)) {
        return usageError(QStringLiteral("give RUNs or filters, not both"));
    }
    QString error;
    auto reader = openExisting(path, &error);
    if (!reader) {
        return failure(error);
    }
    QVector<qint64> ids;
    if (!refs.isEmpty()) {
        if (!resolveRuns(*reader, refs, &ids, &error)) {
            return failure(error + QStringLiteral(" (nothing was deleted)"));
        }
    } else {
        storage::RunQuery query;
        if (!readFilter(p, o, &query.filter, &error)) {
            return usageError(error);
        }
        query.withLatest = false;
        const auto runs = reader->listRuns(query);
        if (!runs) {
            return failure(runs.error());
        }
        for (const RunRecord& r : runs.value()) {
            ids << r.id;
        }
        if (!p.isSet(o.yes)) {
            return failure(QStringLiteral("%1 runs match; deleting by filter needs --yes (see them "
                                          "with 'lossstudio-cli runs list' and the same filters)")
                               .arg(ids.size()));
        }
    }
    QStringList uuids;
    for (qint64 id : ids) {
        const auto run = reader->run(id);
        uuids << (run ? run.value().uuid : QString::number(id));
    }
    const storage::Status s = reader->deleteRuns(ids);
    if (!s) {
        return failure(s.error());
    }
    print(QStringLiteral("deleted %1 runs%2%3\n")
              .arg(ids.size())
              .arg(uuids.isEmpty() ? QString() : QStringLiteral(": "),
                   uuids.join(QStringLiteral(", "))));
    return 0;
}

int mergeCommand(const QCommandLineParser& p, const QString& path) {
    const QStringList sources = p.positionalArguments();
    if (sources.isEmpty()) {
        return usageError(QStringLiteral("merge needs at least one OTHER.sqlite"));
    }
    int status = 0;
    for (const QString& source : sources) {
        const auto report = storage::mergeStores(path, source);
        if (!report) {
            std::fprintf(stderr, "lossstudio-cli runs: %s\n", qPrintable(report.error()));
            status = 1;
            continue;
        }
        const storage::MergeReport& r = report.value();
        print(QStringLiteral("%1: added %2 runs (%3 metric points), skipped %4 already in %5\n")
                  .arg(source)
                  .arg(r.added.size())
                  .arg(r.metricRows)
                  .arg(r.duplicates.size())
                  .arg(path));
        for (const QString& uuid : r.duplicates) {
            print(QStringLiteral("  skipped %1 (already present)\n").arg(uuid));
        }
        for (const QString& uuid : r.interrupted) {
            print(
                QStringLiteral("  %1 was still running there; stored as interrupted\n").arg(uuid));
        }
    }
    return status;
}

}  // namespace

int runsCommand(const QStringList& args) {
    if (args.isEmpty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const QString command = args.first();
    if (command == QLatin1String("--help") || command == QLatin1String("-h") ||
        command == QLatin1String("help")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    static const QStringList kCommands = {QStringLiteral("list"), QStringLiteral("show"),
                                          QStringLiteral("export"), QStringLiteral("delete"),
                                          QStringLiteral("merge")};
    if (!kCommands.contains(command)) {
        return usageError(QStringLiteral("unknown command '%1'").arg(command));
    }
    const Options o;
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, o, command, args.mid(1), &error)) {
        return usageError(error);
    }
    if (parser.isSet(o.help)) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (command != QLatin1String("list") && command != QLatin1String("export") &&
        command != QLatin1String("delete")) {
        if (hasFilter(parser, o)) {
            return usageError(QStringLiteral("%1 takes no filters").arg(command));
        }
    }
    if (command != QLatin1String("list") && command != QLatin1String("merge") &&
        command != QLatin1String("show") && parser.isSet(o.json)) {
        return usageError(QStringLiteral("--json is for list and show"));
    }
    if (command == QLatin1String("list") && !parser.positionalArguments().isEmpty()) {
        return usageError(QStringLiteral("list takes no RUN arguments (use filters)"));
    }
    const auto storeFile =
        storePath(parser.isSet(o.db) ? std::optional(parser.value(o.db)) : std::nullopt);
    if (!storeFile.ok()) {
        return usageError(QString::fromStdString(storeFile.error()));
    }
    const QString path = storeFile.value();
    if (command == QLatin1String("list")) {
        return listCommand(parser, o, path);
    }
    if (command == QLatin1String("show")) {
        return showCommand(parser, o, path);
    }
    if (command == QLatin1String("export")) {
        return exportCommand(parser, o, path);
    }
    if (command == QLatin1String("delete")) {
        return deleteCommand(parser, o, path);
    }
    return mergeCommand(parser, path);
}

}  // namespace lossstudio::app
