#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <memory>
#include <mutex>

namespace spdlog::sinks {
class sink;
}

namespace lossstudio::ui {

/// Carries spdlog lines from any thread to the GUI thread. A small spdlog sink (attached to every
/// named logger with core::addLogSink() in the constructor, detached in the destructor) posts each
/// formatted line here; lines collect under a lock and one queued call per burst delivers them
/// as linesLogged() on the bridge's thread. No widget is ever touched from the sink.
///
/// Thread affinity: create and destroy on the GUI thread; keep it for the application's lifetime
/// (the main window owns one). post() may be called from any thread.
class LogBridge final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogBridge)

public:
    /// Lines kept while the GUI thread is busy; older ones are dropped and counted.
    static constexpr int kMaxPending = 5000;

    explicit LogBridge(QObject* parent = nullptr);
    ~LogBridge() override;

    /// Any thread: queues one formatted line with its spdlog level (spdlog::level::level_enum).
    void post(int level, const QString& line);

Q_SIGNALS:
    /// On the bridge's thread: lines in the order they were logged, with their levels.
    void linesLogged(const QStringList& lines, const QVector<int>& levels);

private:
    void deliver();

    std::mutex m_mutex;
    QStringList m_lines;
    QVector<int> m_levels;
    int m_dropped = 0;
    bool m_deliveryQueued = false;
    std::shared_ptr<spdlog::sinks::sink> m_sink;
};

}  // namespace lossstudio::ui
