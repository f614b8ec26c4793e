#include "lossstudio/core/logging.h"

#include <filesystem>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "lossstudio/core/paths.h"

namespace lossstudio::core {
namespace {

const char* const kLoggerNames[] = {"core", "storage", "ui", "app"};

// Every named logger writes to one distributing sink; sinks are added to and removed from it
// under its own mutex, so the GUI's bridge can attach while the engine thread is logging.
struct LogState {
    std::mutex mutex;
    std::shared_ptr<spdlog::sinks::dist_sink_mt> dist =
        std::make_shared<spdlog::sinks::dist_sink_mt>();
    std::string filePath;
    spdlog::level::level_enum level = spdlog::level::info;
    bool initialised = false;
};

LogState& state() {
    static LogState s;
    return s;
}

std::shared_ptr<spdlog::logger> makeLogger(const std::string& name, LogState& s) {
    auto logger = std::make_shared<spdlog::logger>(name, s.dist);
    logger->set_level(s.level);
    logger->flush_on(spdlog::level::warn);
    spdlog::drop(name);
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace

void initLogging(const LogOptions& options) {
    auto& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.dist->set_sinks({});
    s.level = options.level;
    s.filePath.clear();
    s.initialised = true;
    if (options.toStderr) {
        auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        sink->set_pattern("%^[%H:%M:%S.%e] [%n] [%l]%$ %v");
        s.dist->add_sink(sink);
    }
    if (options.toFile) {
        std::string path = options.filePath;
        if (path.empty()) {
            path = (std::filesystem::path(dataDirectory()) / "logs" / "lossstudio.log").string();
        }
        try {
            std::filesystem::create_directories(std::filesystem::path(path).parent_path());
            auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                path, /*max_size=*/5 * 1024 * 1024, /*max_files=*/3);
            sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] [pid %P tid %t] %v");
            s.dist->add_sink(sink);
            s.filePath = path;
        } catch (const std::exception& e) {
            // Logging must never stop the application; say so on stderr.
            spdlog::warn("cannot open log file {}: {}", path, e.what());
        }
    }
    for (const char* name : kLoggerNames) {
        makeLogger(name, s);
    }
    spdlog::set_default_logger(spdlog::get("app"));
}

void addLogSink(const spdlog::sink_ptr& sink) { state().dist->add_sink(sink); }

void removeLogSink(const spdlog::sink_ptr& sink) { state().dist->remove_sink(sink); }

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    if (!s.initialised) {
        s.dist->add_sink(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
        s.initialised = true;
    }
    return makeLogger(name, s);
}

std::string logFilePath() {
    auto& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.filePath;
}

}  // namespace lossstudio::core
