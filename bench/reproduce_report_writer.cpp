#include "reproduce_report_writer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <algorithm>

#include "reproduce_report_figures.h"
#include "reproduce_report_store.h"

namespace lossstudio::bench {
namespace {

storage::Status writeFile(const QString& path, const QByteArray& data) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size() ||
        !file.commit()) {
        return storage::Error{storage::ErrorCode::Io,
                              QStringLiteral("cannot write %1: %2").arg(path, file.errorString())};
    }
    return storage::Status::success();
}

/// A grid's runs: the store's, plus (carry) the previous summary's that the store lacks.
struct MergedRuns {
    GridRuns runs;
    std::optional<GridSummary> previous;  ///< the summary at summaryPath, if there was one
};

storage::Result<MergedRuns> readMergedRuns(storage::RunReader& reader, const GridSpec& spec,
                                           const QString& summaryPath, bool carry) {
    MergedRuns out;
    if (QFile file(summaryPath); file.exists()) {
        QString error;
        if (!file.open(QIODevice::ReadOnly) ||
            !(out.previous = parseSummaryJson(file.readAll(), &error))) {
            return storage::Error{
                storage::ErrorCode::Damaged,
                QStringLiteral("cannot read the previous summary %1: %2; its runs would be lost. "
                               "Restore it (git checkout), or pass --store-only to write the "
                               "summary from the store alone")
                    .arg(summaryPath, error.isEmpty() ? file.errorString() : error)};
        }
        if (out.previous->grid != spec.name) {
            return storage::Error{storage::ErrorCode::Damaged,
                                  QStringLiteral("%1 holds the %2 grid, not %3")
                                      .arg(summaryPath, out.previous->grid, spec.name)};
        }
    }
    auto read = readGridRuns(reader, spec);
    if (!read) {
        return read.takeError();
    }
    out.runs = std::move(read).value();
    if (carry && out.previous) {
        out.runs.rows = carryForward(out.runs.rows, out.previous->runs);
        bool anyCarried = false;
        for (const RunRow& r : out.runs.rows) {
            if (r.carried) {
                out.runs.ids.remove(r.name);  // a store run of that name is not this row's
                anyCarried = true;
            }
        }
        if (anyCarried) {
            out.runs.protocol = mergeProtocols(out.runs.protocol, out.previous->protocol);
        }
    }
    return out;
}

/// Adds to `runs` the other grid's runs of spec.sharedCell (addSharedRuns), when that grid's
/// recorded settings are the ones the cell stands for; their protocol joins this grid's.
storage::Status addShared(const GridSpec& spec, const GridRuns& from, GridRuns& runs) {
    // "softplus-none": loss.output softplus, collapse.recovery none. Summaries written before
    // these keys were recorded have neither (their runs used the presets' defaults, the same).
    const QStringList wanted = spec.sharedCell.split(QLatin1Char('-'));
    const QStringList keys{QStringLiteral("loss.output"), QStringLiteral("collapse.recovery")};
    for (qsizetype k = 0; k < keys.size() && k < wanted.size(); ++k) {
        const QStringList values = from.protocol.value(keys[k]);
        if (!values.isEmpty() && values != QStringList{wanted[k]}) {
            return storage::Error{
                storage::ErrorCode::Damaged,
                QStringLiteral("the %1 grid's runs record %2 = %3, so they are not the %4 "
                               "grid's %5 cell; not shared")
                    .arg(spec.sharedFromGrid, keys[k], values.join(QStringLiteral(" / ")),
                         spec.name, spec.sharedCell)};
        }
    }
    runs.rows = addSharedRuns(spec, runs.rows, from.rows);
    if (std::none_of(runs.rows.cbegin(), runs.rows.cend(),
                     [](const RunRow& r) { return !r.sameAs.isEmpty(); })) {
        return storage::Status::success();
    }
    QMap<QString, QStringList> protocol;
    for (auto it = from.protocol.cbegin(); it != from.protocol.cend(); ++it) {
        if (!it.key().startsWith(QLatin1String("taylorglo.")) && !keys.contains(it.key())) {
            protocol.insert(it.key(), it.value());
        }
    }
    runs.protocol = mergeProtocols(runs.protocol, protocol);
    return storage::Status::success();
}

}  // namespace

storage::Result<ReportFiles> writeReport(storage::RunReader& reader, const GridSpec& spec,
                                         const ReportOptions& options) {
    const QString outDir = QDir::cleanPath(options.outDir);
    ReportFiles files;
    files.markdownPath =
        options.markdownPath.isEmpty() ? outDir + QStringLiteral(".md") : options.markdownPath;
    files.summaryPath = QDir(outDir).filePath(spec.name + QStringLiteral("-summary.json"));
    if (!QDir().mkpath(outDir)) {
        return storage::Error{storage::ErrorCode::Io,
                              QStringLiteral("cannot create the folder %1").arg(outDir)};
    }

    auto merged = readMergedRuns(reader, spec, files.summaryPath, options.carry);
    if (!merged) {
        return merged.takeError();
    }
    GridRuns runs = std::move(merged.value().runs);
    const std::optional<GridSummary> previous = std::move(merged.value().previous);
    if (!spec.sharedCell.isEmpty()) {
        const GridSpec from = *gridSpec(spec.sharedFromGrid);
        auto shared = readMergedRuns(
            reader, from, QDir(outDir).filePath(from.name + QStringLiteral("-summary.json")),
            options.carry);
        if (!shared) {
            return shared.takeError();
        }
        if (auto status = addShared(spec, shared.value().runs, runs); !status) {
            return status.takeError();
        }
    }
    GridSummary summary = summarize(spec, runs.rows);
    summary.protocol = runs.protocol;
    const QVector<Figure> previousFigures = previous ? previous->figures : QVector<Figure>();
    if (options.figures) {
        auto figures = writeFigures(reader, spec, runs, outDir, previousFigures);
        if (!figures) {
            return figures.takeError();
        }
        summary.figures = figures.value();
    } else {
        // Keep the figures the previous summary listed (those still on disk).
        for (const Figure& f : previousFigures) {
            if (QFileInfo::exists(QDir(outDir).filePath(f.file))) {
                summary.figures << f;
            }
        }
    }
    if (auto written = writeFile(files.summaryPath, summaryJson(summary)); !written) {
        return written.takeError();
    }
    files.summary = summary;

    // The Markdown from every grid's summary in the folder (this one just written).
    QVector<GridSummary> summaries;
    for (const QString& name : gridNames()) {
        QFile file(QDir(outDir).filePath(name + QStringLiteral("-summary.json")));
        if (!file.open(QIODevice::ReadOnly)) {
            continue;
        }
        QString error;
        auto parsed = parseSummaryJson(file.readAll(), &error);
        if (!parsed) {
            return storage::Error{storage::ErrorCode::Damaged,
                                  QStringLiteral("%1: %2").arg(file.fileName(), error)};
        }
        summaries << *parsed;
    }
    const QString figureDir = QDir(QFileInfo(files.markdownPath).absolutePath())
                                  .relativeFilePath(QDir(outDir).absolutePath());
    if (auto written =
            writeFile(files.markdownPath, resultsMarkdown(summaries, figureDir).toUtf8());
        !written) {
        return written.takeError();
    }
    return files;
}

}  // namespace lossstudio::bench
