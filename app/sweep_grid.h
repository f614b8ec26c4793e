#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>

namespace lossstudio::app {

/// What one task of a sweep asks of the machine (Slurm: --cpus-per-task, --mem, --time, --gpus).
struct SweepResources {
    int cpus = 1;
    QString memory;  ///< Slurm's --mem, e.g. "2G"; empty: the cluster's default
    QString time;    ///< Slurm's --time, e.g. "01:30:00" or "2-00:00:00"; empty: the default
    int gpus = 0;
};

/// One run of a sweep: the base config with one combination of the axes' values and one seed.
struct SweepTask {
    int index = 0;           ///< position in the plan (a Slurm array task's index)
    std::string id;          ///< identity: "<config hash without the seed>-s<seed>"
    core::RunConfig config;  ///< complete and valid; its name is the grid's plus the id
    std::uint64_t seed = 0;
    /// The axes' settings of this task in plan order, as `--set` text ("optimizer.lr", "0.1").
    std::vector<std::pair<std::string, std::string>> settings;
};

/// An expanded grid file. Plain value.
struct SweepGrid {
    std::string name;
    SweepResources resources;
    std::vector<std::string> axisKeys;  ///< every axis key (zipped ones too), in plan order
    std::vector<std::uint64_t> seeds;
    std::vector<SweepTask> tasks;
};

/// Parses and expands a grid (JSON text). Relative "base" paths are resolved against `baseDir`.
/// Every task's config is built with setConfigValue and validated, so an unknown key, a bad
/// value, an empty axis, a key `--set` cannot set and two tasks with one identity all fail here,
/// before anything runs; the Error names the key (Error::key) where there is one. Any thread.
core::Result<SweepGrid> parseSweepGrid(const QByteArray& json, const QString& baseDir);
/// The same from a file; errors start with the file's path.
core::Result<SweepGrid> readSweepGrid(const QString& path);

/// The identity of a run config as a sweep task: configHash of the config with its seed at 0,
/// then "-s<seed>". Seeds of one config share the part before "-s".
std::string sweepTaskId(const core::RunConfig& config);

}  // namespace lossstudio::app
