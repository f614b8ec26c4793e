#include "lossstudio/ui/log_bridge.h"

#include <QMetaObject>

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <lossstudio/core/logging.h>

namespace lossstudio::ui {
namespace {

/// Formats a record and posts it to the bridge. Never touches a widget; the bridge outlives the
/// sink's registration (the bridge removes it before it goes away).
class BridgeSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit BridgeSink(LogBridge* bridge) : m_bridge(bridge) {
        set_pattern_("[%H:%M:%S.%e] [%n] [%l] %v");
    }

protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(message, formatted);
        QString line =
            QString::fromUtf8(formatted.data(), static_cast<qsizetype>(formatted.size()));
        while (line.endsWith(QLatin1Char('\n')) || line.endsWith(QLatin1Char('\r'))) {
            line.chop(1);
        }
        m_bridge->post(static_cast<int>(message.level), line);
    }
    void flush_() override {}

private:
    LogBridge* m_bridge;
};

}  // namespace

LogBridge::LogBridge(QObject* parent) : QObject(parent) {
    m_sink = std::make_shared<BridgeSink>(this);
    core::addLogSink(m_sink);
}

LogBridge::~LogBridge() {
    // After this returns no thread is inside the sink (the distributing sink's lock is taken).
    core::removeLogSink(m_sink);
}

void LogBridge::post(int level, const QString& line) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_lines.size() >= kMaxPending) {
        m_lines.removeFirst();
        m_levels.removeFirst();
        ++m_dropped;
    }
    m_lines.push_back(line);
    m_levels.push_back(level);
    if (!m_deliveryQueued) {
        m_deliveryQueued = true;
        QMetaObject::invokeMethod(this, &LogBridge::deliver, Qt::QueuedConnection);
    }
}

void LogBridge::deliver() {
    QStringList lines;
    QVector<int> levels;
    int dropped = 0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        lines.swap(m_lines);
        levels.swap(m_levels);
        dropped = m_dropped;
        m_dropped = 0;
        m_deliveryQueued = false;
    }
    if (dropped > 0) {
        lines.prepend(
            tr("... %n earlier line(s) dropped while the window was busy", nullptr, dropped));
        levels.prepend(static_cast<int>(spdlog::level::warn));
    }
    if (!lines.isEmpty()) {
        Q_EMIT linesLogged(lines, levels);
    }
}

}  // namespace lossstudio::ui
