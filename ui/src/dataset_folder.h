#pragma once

#include <QString>

namespace lossstudio::ui {

/// What a folder given as `data.path` for `dataset` (a `data.name`) lacks: the files the engine's
/// readers look for (core/engine/src/data/readers.cpp and dataset.cpp name the same files), or
/// empty when they are there. Only names are checked, never contents (the engine reads those).
/// Touches the file system: call it off the GUI thread. Any thread.
QString datasetFolderProblem(const QString& dataset, const QString& folder);

}  // namespace lossstudio::ui
