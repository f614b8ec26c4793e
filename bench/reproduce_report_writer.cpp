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

    auto runs = readGridRuns(reader, spec);
    if (!runs) {
        return runs.takeError();
    }
    GridSummary summary = summarize(spec, runs.value().rows);
    summary.protocol = runs.value().protocol;
    if (options.figures) {
        auto figures = writeFigures(reader, spec, runs.value(), outDir);
        if (!figures) {
            return figures.takeError();
        }
        summary.figures = figures.value();
    } else {
        // Keep the figures the previous summary listed (those still on disk).
        QFile previous(files.summaryPath);
        if (previous.open(QIODevice::ReadOnly)) {
            if (const auto old = parseSummaryJson(previous.readAll(), nullptr)) {
                for (const Figure& f : old->figures) {
                    if (QFileInfo::exists(QDir(outDir).filePath(f.file))) {
                        summary.figures << f;
                    }
                }
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
