#pragma once

// One report of bench_reproduce_report, as a function (the tool's main and the test call it):
// read the grid from the store, write its figures and summary JSON, then results.md from every
// summary in the folder.

#include <QString>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/run_reader.h>

#include "reproduce_summary.h"

namespace lossstudio::bench {

struct ReportOptions {
    QString outDir;        ///< summaries and figures (docs/results); created if missing
    QString markdownPath;  ///< the report (docs/results.md); empty: outDir + ".md"
    bool figures = true;   ///< false: keep the figures the previous summary listed
    /// Keep the previous summary's finished and diverged runs that the store lacks (carryForward);
    /// false: the summary holds the store's runs alone (--store-only).
    bool carry = true;
};

/// What writeReport() wrote.
struct ReportFiles {
    GridSummary summary;  ///< as written to summaryPath
    QString summaryPath;
    QString markdownPath;
};

/// Writes `<outDir>/<grid>-summary.json` and the grid's figures from the runs `reader` holds
/// (plus, with options.carry, the runs the previous summary there has and the store lacks), then
/// the Markdown report from every `<grid>-summary.json` in outDir. Files are replaced atomically;
/// a previous summary that cannot be read is an error and left as it is. GUI thread (figures are
/// widgets); needs a QApplication when figures is set.
storage::Result<ReportFiles> writeReport(storage::RunReader& reader, const GridSpec& spec,
                                         const ReportOptions& options);

}  // namespace lossstudio::bench
