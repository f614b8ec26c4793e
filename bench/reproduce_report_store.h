#pragma once

// What bench_reproduce_report reads from the run store: a grid's runs (the newest run of each
// name) as RunRows, their ids for the figures, and the settings recorded in their configs.

#include <QHash>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/run_reader.h>

#include "reproduce_summary.h"

namespace lossstudio::bench {

/// A grid's runs in one store.
struct GridRuns {
    QVector<RunRow> rows;        ///< one per run name of the grid, the newest run (highest id)
    QHash<QString, qint64> ids;  ///< run name -> the id of that run in the store
    /// Settings that define the protocol, from the runs' configs (dotted key -> distinct values).
    QMap<QString, QStringList> protocol;
};

/// Reads every run whose name places it in `spec`'s grid ("<grid>/<model>/<cell>/seed<k>"),
/// keeping the newest run of each name: its status, last test and validation accuracy, last
/// training step, wall time (its own clock at its last metric point), warnings and test-accuracy
/// curve. Runs on the
/// reader's thread; read-only.
storage::Result<GridRuns> readGridRuns(storage::RunReader& reader, const GridSpec& spec);

}  // namespace lossstudio::bench
