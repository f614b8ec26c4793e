#include "reproduce_report_writer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

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

    // The previous summary: its finished runs are carried forward, its figures may be kept.
    std::optional<GridSummary> previous;
    if (QFile file(files.summaryPath); file.exists()) {
        QString error;
        if (!file.open(QIODevice::ReadOnly) ||
            !(previous = parseSummaryJson(file.readAll(), &error))) {
            return storage::Error{
                storage::ErrorCode::Damaged,
                QStringLiteral("cannot read the previous summary %1: %2; its runs would be lost. "
                               "Restore it (git checkout), or pass --store-only to write the "
                               "summary from the store alone")
                    .arg(files.summaryPath, error.isEmpty() ? file.errorString() : error)};
        }
        if (previous->grid != spec.name) {
            return storage::Error{storage::ErrorCode::Damaged,
                                  QStringLiteral("%1 holds the %2 grid, not %3")
                                      .arg(files.summaryPath, previous->grid, spec.name)};
        }
    }

    auto read = readGridRuns(reader, spec);
    if (!read) {
        return read.takeError();
    }
    GridRuns runs = std::move(read).value();
    if (options.carry && previous) {
        runs.rows = carryForward(runs.rows, previous->runs);
        bool anyCarried = false;
        for (const RunRow& r : runs.rows) {
            if (r.carried) {
                runs.ids.remove(r.name);  // a store run of that name is not this row's
                anyCarried = true;
            }
        }
        if (anyCarried) {
            runs.protocol = mergeProtocols(runs.protocol, previous->protocol);
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
