// bench_reproduce_report: the reproduction report of one bench/reproduce grid, from the run store
// (opened read-only). Writes, in --out (docs/results):
//   <grid>-summary.json   per-run rows and per-cell aggregates (committed; small, deterministic)
//   <grid>-*.png          figures drawn by the studio's plots (ui::PlotView), offscreen
// and then --markdown (default: <out>.md, i.e. docs/results.md) from every summary present in
// --out, so either grid's report rewrites the whole file consistently. Prints one JSON line.
//
//   build/bench/bench_reproduce_report --db STORE --grid reproduce|ablation --out docs/results
//       [--markdown docs/results.md] [--no-figures] [--store-only]
//
// The previous <grid>-summary.json in --out is read first: its finished and diverged runs that the
// store lacks are kept ("carried"), so a grid computed a slice at a time on machines that do not
// share a store accumulates in the committed summary. --store-only writes the store's runs alone.
//
// Exit status: 0 written, 1 failed (store, files), 2 usage.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <cstdio>

#include <lossstudio/storage/run_reader.h>

#include "reproduce_report_writer.h"
#include "reproduce_summary.h"

using namespace lossstudio;

namespace {

int fail(const QString& message, int code = 1) {
    std::fprintf(stderr, "bench_reproduce_report: %s\n", qPrintable(message));
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    // Figures are drawn by widgets: without a display, render offscreen.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("bench_reproduce_report"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Summary JSON, figures and docs/results.md of a bench/reproduce grid."));
    parser.addHelpOption();
    const QCommandLineOption dbOption(QStringLiteral("db"), QStringLiteral("The run store."),
                                      QStringLiteral("PATH"));
    const QCommandLineOption gridOption(QStringLiteral("grid"),
                                        QStringLiteral("reproduce or ablation."),
                                        QStringLiteral("GRID"), QStringLiteral("reproduce"));
    const QCommandLineOption outOption(QStringLiteral("out"),
                                       QStringLiteral("Folder of summaries and figures."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption markdownOption(
        QStringLiteral("markdown"), QStringLiteral("The Markdown report (default: <out>.md)."),
        QStringLiteral("FILE"));
    const QCommandLineOption noFiguresOption(
        QStringLiteral("no-figures"), QStringLiteral("Keep the grid's figures as they are."));
    const QCommandLineOption storeOnlyOption(
        QStringLiteral("store-only"),
        QStringLiteral("Summarise the store's runs alone; drop the previous summary's others."));
    parser.addOptions(
        {dbOption, gridOption, outOption, markdownOption, noFiguresOption, storeOnlyOption});
    parser.process(app);
    if (!parser.isSet(dbOption) || !parser.isSet(outOption)) {
        return fail(QStringLiteral("--db and --out are required (see --help)"), 2);
    }
    const QString grid = parser.value(gridOption);
    const auto spec = bench::gridSpec(grid);
    if (!spec) {
        return fail(QStringLiteral("unknown grid '%1' (reproduce or ablation)").arg(grid), 2);
    }
    bench::ReportOptions options;
    options.outDir = parser.value(outOption);
    options.markdownPath = parser.value(markdownOption);
    options.figures = !parser.isSet(noFiguresOption);
    options.carry = !parser.isSet(storeOnlyOption);

    QElapsedTimer clock;
    clock.start();
    // Read-only: the grid may still be writing into the store.
    auto reader = storage::RunReader::open(parser.value(dbOption), storage::OpenMode::ReadOnly);
    if (!reader) {
        return fail(reader.error());
    }
    auto written = bench::writeReport(*reader.value(), *spec, options);
    if (!written) {
        return fail(written.error());
    }
    const bench::GridSummary& summary = written.value().summary;
    int finished = 0;
    int carried = 0;
    for (const bench::RunRow& r : summary.runs) {
        finished += r.status == QLatin1String("finished") ? 1 : 0;
        carried += r.carried ? 1 : 0;
    }
    std::printf(
        "{\"grid\":\"%s\",\"runs\":%d,\"finished\":%d,\"carried\":%d,\"expected\":%d,"
        "\"figures\":%d,\"summary\":\"%s\",\"markdown\":\"%s\",\"seconds\":%.2f}\n",
        qPrintable(grid), static_cast<int>(summary.runs.size()), finished, carried,
        summary.expectedRuns, static_cast<int>(summary.figures.size()),
        qPrintable(written.value().summaryPath), qPrintable(written.value().markdownPath),
        static_cast<double>(clock.elapsed()) / 1000.0);
    return 0;
}
