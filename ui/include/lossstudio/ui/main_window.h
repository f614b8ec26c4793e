#pragma once

#include <QMainWindow>

class QCustomPlot;

namespace lossstudio::ui {

/// The studio's main window. GUI thread only.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

private:
    QCustomPlot* m_lossPlot = nullptr;
};

}  // namespace lossstudio::ui
