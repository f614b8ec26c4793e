#pragma once

#include <memory>
#include <string>

#include <spdlog/common.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

namespace lossstudio::core {

struct LogOptions {
    /// Level for stderr and the file. --verbose sets debug.
    spdlog::level::level_enum level = spdlog::level::info;
    /// Rotating log file; empty means <dataDirectory()>/logs/lossstudio.log.
    std::string filePath;
    bool toStderr = true;
    bool toFile = true;
};

/// Creates the named loggers "core", "storage", "ui" and "app" sharing one rotating file sink and
/// a stderr sink. Call once from main() before any thread starts; safe to call again (replaces).
void initLogging(const LogOptions& options);
/// Adds a sink to every named logger (e.g. the GUI's log-panel bridge). Thread-safe.
void addLogSink(const spdlog::sink_ptr& sink);
/// Removes a sink added with addLogSink().
void removeLogSink(const spdlog::sink_ptr& sink);
/// The named logger; created on first use (stderr only) if initLogging() was not called.
std::shared_ptr<spdlog::logger> logger(const std::string& name);
/// The path of the current log file, or empty when logging to a file is off.
std::string logFilePath();

}  // namespace lossstudio::core
