#pragma once

// The report's figures, drawn by the studio's own plot (ui::PlotView, a QCustomPlot) and
// exported as PNG: per model, the mean ± std test-accuracy curve of every cell; for the
// reproduce grid also seed 0's final learned loss against cross-entropy.

#include <QString>
#include <QVector>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/run_reader.h>

#include "reproduce_report_store.h"
#include "reproduce_summary.h"

namespace lossstudio::bench {

/// Pixel size of every figure.
inline constexpr int kFigureWidth = 900;
inline constexpr int kFigureHeight = 500;

/// Writes the figures the runs allow and returns them in a fixed order: accuracy curves from the
/// rows' test curves, learned losses from seed 0's snapshots in `reader`. An accuracy figure
/// none of whose finished runs has a curve (all carried from a format-1 summary), or a loss
/// figure with a carried seed-0 run (its snapshots are in another store), is kept as it is when
/// `previous` (the last report's figures) lists it and it is on disk; an accuracy figure drawn
/// without some runs says so in its caption. The grid's other older figures (`<grid>-*.png`) are
/// removed. Needs a QApplication (widgets; the offscreen platform will do); GUI thread.
storage::Result<QVector<Figure>> writeFigures(storage::RunReader& reader, const GridSpec& spec,
                                              const GridRuns& runs, const QString& outDir,
                                              const QVector<Figure>& previous);

}  // namespace lossstudio::bench
