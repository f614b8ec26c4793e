#include "lossstudio/ui/main_window.h"

#include <cmath>

#include <QStatusBar>

#include "lossstudio/ui/qcp.h"

namespace lossstudio::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("LossStudio"));
    setObjectName(QStringLiteral("mainWindow"));

    m_lossPlot = new QCustomPlot(this);
    m_lossPlot->setObjectName(QStringLiteral("lossPlot"));
    m_lossPlot->xAxis->setLabel(tr("p"));
    m_lossPlot->yAxis->setLabel(tr("loss"));
    // Cross-entropy for reference: l(1, p) = -log p.
    QVector<double> p, ce;
    for (int i = 1; i <= 100; ++i) {
        p.push_back(i / 100.0);
        ce.push_back(-std::log(i / 100.0));
    }
    auto* graph = m_lossPlot->addGraph();
    graph->setName(tr("cross-entropy l(1,p)"));
    graph->setData(p, ce, /*alreadySorted=*/true);
    m_lossPlot->rescaleAxes();
    setCentralWidget(m_lossPlot);
    statusBar()->showMessage(tr("Ready"));
    resize(1200, 800);
}

MainWindow::~MainWindow() = default;

}  // namespace lossstudio::ui
