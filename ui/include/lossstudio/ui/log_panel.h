#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;

namespace lossstudio::ui {

class LogBridge;

/// Shows the application's log lines (from a LogBridge), coloured by level, with a level filter.
/// Keeps the newest kMaxLines lines. GUI thread only; the bridge is not owned.
class LogPanel final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)

public:
    static constexpr int kMaxLines = 5000;

    explicit LogPanel(LogBridge* bridge, QWidget* parent = nullptr);
    ~LogPanel() override;

    /// Shows where the log file is (empty: not logging to a file).
    void setLogFilePath(const QString& path);
    /// The text currently shown (tests).
    QString text() const;

public Q_SLOTS:
    /// Appends lines whose level passes the filter (levels as spdlog::level::level_enum).
    void appendLines(const QStringList& lines, const QVector<int>& levels);

private:
    QPlainTextEdit* m_view = nullptr;
    QComboBox* m_level = nullptr;
    QLabel* m_file = nullptr;
};

}  // namespace lossstudio::ui
