#include <QtTest>

#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/qcp.h>

class TestMainWindow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void buildsOffscreenWithItsCentralWidgets() {
        lossstudio::ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* plot = window.findChild<QCustomPlot*>(QStringLiteral("lossPlot"));
        QVERIFY(plot != nullptr);
        QCOMPARE(plot->graphCount(), 1);
        QCOMPARE(plot->graph(0)->data()->size(), 100);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
