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

/// Removes the grid's older figures (`<grid>-*.png`) from `outDir`, then writes the figures the
/// runs allow and returns them in a fixed order. Needs a QApplication (widgets; the offscreen
/// platform will do); GUI thread.
storage::Result<QVector<Figure>> writeFigures(storage::RunReader& reader, const GridSpec& spec,
                                              const GridRuns& runs, const QString& outDir);

}  // namespace lossstudio::bench
