// The window builds offscreen with its panels, opens on the default experiment ready to start,
// and offers the documented shortcuts.
#include <QAction>
#include <QDockWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/core/run_config.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/qcp.h>

class TestMainWindow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("LOSSSTUDIO_FASHION_MNIST", m_fakeFashion.path().toUtf8()); }

    void buildsOffscreenOnTheDefaultExperimentReadyToStart() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("experimentDock")) != nullptr);
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("logDock")) != nullptr);
        // Curves, effective loss, heat map, accuracy, losses, gradients, gradient-size ratio.
        QCOMPARE(window.liveView()->plots().size(), 7);
        for (auto* plot : window.liveView()->plots()) {
            QVERIFY(plot->isVisible());
            QVERIFY(!plot->xAxis->label().isEmpty());
            QVERIFY(!plot->yAxis->label().isEmpty());
        }
        QCOMPARE(
            QString::fromStdString(lossstudio::core::toJson(window.experimentPanel()->config())),
            QString::fromStdString(lossstudio::core::toJson(lossstudio::core::RunConfig{})));
        QVERIFY(window.startAction()->isEnabled());
        QVERIFY(!window.pauseAction()->isEnabled());
        QVERIFY(!window.stopAction()->isEnabled());
        // Cross-entropy is drawn for reference before any run.
        auto* loss = window.findChild<QCustomPlot*>(QStringLiteral("lossPlot"));
        QVERIFY(loss != nullptr);
        QVERIFY(loss->graph(0)->data()->size() > 50);
    }

    void runControlHasItsShortcuts() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        QCOMPARE(window.startAction()->shortcut(), QKeySequence(Qt::Key_F5));
        QCOMPARE(window.pauseAction()->shortcut(), QKeySequence(Qt::Key_F6));
        QVERIFY(window.stopAction()->shortcuts().contains(QKeySequence(Qt::SHIFT | Qt::Key_F5)));
        QVERIFY(window.stopAction()->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Period)));
    }

    // A 1280x800 laptop screen holds the whole window at its default layout: no page of the
    // central tabs, dock or status bar may force it wider or taller.
    void fitsA1280By800Screen() {
        lossstudio::ui::MainWindow window{lossstudio::core::Engine{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QSize min = window.minimumSizeHint();
        QVERIFY2(min.width() <= 1280 && min.height() <= 800,
                 qPrintable(QStringLiteral("minimum size %1x%2").arg(min.width()).arg(min.height())));
        QCOMPARE(window.size(), QSize(1280, 800));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
        QVERIFY(tabs != nullptr);
        for (int i = 0; i < tabs->count(); ++i) {
            QVERIFY2(tabs->widget(i)->minimumSizeHint().width() <= tabs->width(),
                     qPrintable(tabs->tabText(i)));
        }
    }

private:
    QTemporaryDir m_fakeFashion;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
