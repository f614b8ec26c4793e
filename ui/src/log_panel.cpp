#include "lossstudio/ui/log_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QVBoxLayout>

#include <spdlog/common.h>

#include "lossstudio/ui/log_bridge.h"

namespace lossstudio::ui {

LogPanel::LogPanel(LogBridge* bridge, QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("logPanel"));
    m_view = new QPlainTextEdit(this);
    m_view->setObjectName(QStringLiteral("logText"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(kMaxLines);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("Monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    mono.setPointSizeF(font().pointSizeF() * 0.95);
    m_view->setFont(mono);

    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("logLevel"));
    m_level->addItem(tr("Debug and above"), static_cast<int>(spdlog::level::debug));
    m_level->addItem(tr("Info and above"), static_cast<int>(spdlog::level::info));
    m_level->addItem(tr("Warnings and errors"), static_cast<int>(spdlog::level::warn));
    m_level->setCurrentIndex(1);
    m_level->setToolTip(
        tr("Lines below this level are not shown (the log file keeps what the "
           "loggers write; --verbose adds debug lines)"));
    auto* clear = new QPushButton(tr("Clear"), this);
    m_file = new QLabel(this);
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(new QLabel(tr("Show:"), this));
    bar->addWidget(m_level);
    bar->addWidget(clear);
    bar->addWidget(m_file, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(clear, &QPushButton::clicked, m_view, &QPlainTextEdit::clear);
    if (bridge != nullptr) {
        connect(bridge, &LogBridge::linesLogged, this, &LogPanel::appendLines);
    }
}

LogPanel::~LogPanel() = default;

void LogPanel::setLogFilePath(const QString& path) {
    m_file->setText(path.isEmpty() ? tr("not logging to a file") : tr("Log file: %1").arg(path));
    m_file->setToolTip(path);
}

QString LogPanel::text() const {
    return m_view->toPlainText();
}

void LogPanel::appendLines(const QStringList& lines, const QVector<int>& levels) {
    const int minimum = m_level->currentData().toInt();
    QScrollBar* scroll = m_view->verticalScrollBar();
    const bool atEnd = scroll->value() >= scroll->maximum() - 2;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int level = i < levels.size() ? levels[i] : static_cast<int>(spdlog::level::info);
        if (level < minimum) {
            continue;
        }
        const QString escaped = lines[i].toHtmlEscaped();
        if (level >= static_cast<int>(spdlog::level::err)) {
            m_view->appendHtml(
                QStringLiteral("<span style=\"color:#c62828; white-space:pre\">%1</span>")
                    .arg(escaped));
        } else if (level == static_cast<int>(spdlog::level::warn)) {
            m_view->appendHtml(
                QStringLiteral("<span style=\"color:#b26a00; white-space:pre\">%1</span>")
                    .arg(escaped));
        } else {
            m_view->appendHtml(
                QStringLiteral("<span style=\"white-space:pre\">%1</span>").arg(escaped));
        }
    }
    if (atEnd) {
        scroll->setValue(scroll->maximum());
    }
}

}  // namespace lossstudio::ui
