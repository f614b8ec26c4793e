// Replay and resume with the real engine, recorded as the app records (RunRecorder through the
// controller's factory, app::loadResumePlan as the resume loader). A tiny synthetic run trained
// in the studio replays from the runs browser with exactly the data and plots it showed live; a
// run stopped from the GUI resumes from the browser, the live view first showing the stored part
// and then the new steps, and its stored series equal an uninterrupted run of the same config and
// seed point for point (no gap, no duplicate); finished runs are refused with the reason shown.
#include <QAction>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/ui/engine_controller.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/loss_curve_view.h>
#include <lossstudio/ui/loss_heatmap_view.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/qcp.h>
#include <lossstudio/ui/replay_view.h>
#include <lossstudio/ui/run_data.h>
#include <lossstudio/ui/run_table_model.h>
#include <lossstudio/ui/runs_browser.h>

#include "run_recorder.h"
#include "ui_test_support.h"

using namespace lossstudio;
using ui::EngineController;
using ui::MainWindow;
using State = EngineController::State;

namespace {

constexpr int kRunTimeoutMs = 180000;

/// Wires the window to a store as app/gui_main.cpp does.
void wireStore(MainWindow& window, const QString& store) {
    window.setStorePath(store);
    window.controller()->setRunObserverFactory(
        [store](const core::RunConfig& config, const EngineController::StartOptions& start) {
            app::RunRecorder::Options options;
            options.storePath = start.storePath.isEmpty() ? store : start.storePath;
            options.resumeUuid = start.resumeRunUuid;
            options.config = config;
            return std::make_unique<app::RunRecorder>(std::move(options));
        });
    window.setResumeLoader(
        [](const QString& storePath, const QString& runUuid) -> core::Result<ui::ResumeRequest> {
            auto plan = app::loadResumePlan(storePath, runUuid);
            if (!plan) {
                return core::Error{plan.error()};
            }
            ui::ResumeRequest request;
            request.config = plan.value().config;
            request.checkpoint = plan.value().checkpoint;
            request.uuid = plan.value().uuid;
            request.step = plan.value().step;
            request.phase = plan.value().phase;
            return request;
        });
}

using Points = QVector<QPair<double, double>>;

Points points(const QCPGraph* graph) {
    Points out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out.push_back({it->key, it->value});
    }
    return out;
}

/// Everything a live view draws, by "phase / plot / graph": every graph's points and every
/// colour map's cells, for the training phase and Phase A, and the curve view (raw curves,
/// effective loss and its minimum) at every snapshot.
QMap<QString, Points> drawn(ui::LiveView* view, const ui::RunData* data) {
    QMap<QString, Points> out;
    view->heatmap()->setColouring(ui::LossHeatmapView::Colouring::Value);
    for (core::Phase phase : {core::Phase::Online, core::Phase::OfflineInit}) {
        view->showPhase(phase);
        const QString p = QString::fromLatin1(core::phaseName(phase));
        for (ui::PlotView* plot : view->plots()) {
            for (int g = 0; g < plot->graphCount(); ++g) {
                out.insert(QStringLiteral("%1/%2/%3 %4")
                               .arg(p, plot->objectName())
                               .arg(g)
                               .arg(plot->graph(g)->name()),
                           points(plot->graph(g)));
            }
            for (int i = 0; i < plot->plottableCount(); ++i) {
                auto* map = qobject_cast<QCPColorMap*>(plot->plottable(i));
                if (map == nullptr) {
                    continue;
                }
                Points cells;
                for (int k = 0; k < map->data()->keySize(); ++k) {
                    for (int v = 0; v < map->data()->valueSize(); ++v) {
                        cells.push_back({double(k * 1000 + v), map->data()->cell(k, v)});
                    }
                }
                out.insert(QStringLiteral("%1/%2/map").arg(p, plot->objectName()), cells);
            }
        }
    }
    ui::LossCurveView* curves = view->lossCurves();
    for (int i = 0; i < data->snapshots().size(); ++i) {
        curves->setCurrentIndex(i);
        out.insert(QStringLiteral("curve %1 y1").arg(i), points(curves->lossY1Graph()));
        out.insert(QStringLiteral("curve %1 y0").arg(i), points(curves->lossY0Graph()));
        out.insert(QStringLiteral("curve %1 e").arg(i), points(curves->effectiveGraph()));
        out.insert(QStringLiteral("curve %1 min %2").arg(i).arg(curves->argminText()),
                   points(curves->argminGraph()));
    }
    return out;
}

QMessageBox* dialog(QWidget* parent, const char* name) {
    QMessageBox* box = nullptr;
    (void)QTest::qWaitFor(
        [&]() {
            box = parent->findChild<QMessageBox*>(QLatin1String(name));
            return box != nullptr && box->isVisible();
        },
        5000);
    return box != nullptr && box->isVisible() ? box : nullptr;
}

}  // namespace

class TestReplayResume final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aStudioRunReplaysExactlyWhatWasShownLive() {
        QTemporaryDir dir;
        MainWindow window(core::libtorchEngine());
        wireStore(window, dir.filePath(QStringLiteral("runs.sqlite")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.experimentPanel()->setConfig(ui::testing::tinyConfig("adalfl"));
        QSignalSpy finished(window.controller(), &EngineController::runFinished);
        QVERIFY(window.startRun());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(window.controller()->state(), State::Finished);
        const QMap<QString, Points> live = drawn(window.liveView(), window.runData());
        QVERIFY(live.size() > 20);

        // The browser lists the run once it ended; Enter on it replays it.
        ui::RunsBrowser* browser = window.runsBrowser();
        QCOMPARE(browser->model()->rowCount(), 1);
        QCOMPARE(browser->model()->record(0).status, storage::RunStatus::Finished);
        window.tabs()->setCurrentWidget(browser);
        browser->selectRuns({browser->model()->runId(0)});
        browser->table()->setFocus();
        QTest::keyClick(browser->table(), Qt::Key_Return);
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.replayView()));

        // The same data...
        const ui::RunData* shown = window.runData();
        const ui::RunData* replay = window.replayView()->data();
        QCOMPARE(replay->keys(), shown->keys());
        for (const QString& key : shown->keys()) {
            QCOMPARE(replay->series(key).steps, shown->series(key).steps);
            QCOMPARE(replay->series(key).values, shown->series(key).values);
        }
        QCOMPARE(replay->snapshots().size(), shown->snapshots().size());
        for (int i = 0; i < shown->snapshots().size(); ++i) {
            const ui::LossCurve& a = replay->snapshots()[i];
            const ui::LossCurve& b = shown->snapshots()[i];
            QCOMPARE(a.phase, b.phase);
            QCOMPARE(a.step, b.step);
            QCOMPARE(a.p, b.p);
            QCOMPARE(a.lossY1, b.lossY1);
            QCOMPARE(a.lossY0, b.lossY0);
            QCOMPARE(a.effective, b.effective);
            QCOMPARE(a.classes, b.classes);
        }
        QCOMPARE(replay->phaseMarks().size(), shown->phaseMarks().size());
        for (int i = 0; i < shown->phaseMarks().size(); ++i) {
            QCOMPARE(replay->phaseMarks()[i].phase, shown->phaseMarks()[i].phase);
            QCOMPARE(replay->phaseMarks()[i].step, shown->phaseMarks()[i].step);
        }
        QCOMPARE(replay->phase(), shown->phase());
        QCOMPARE(replay->classes(), shown->classes());
        QVERIFY(replay->finished().has_value());
        QCOMPARE(replay->finished()->status, core::RunStatus::Finished);

        // ...drawn the same way, graph by graph, time slider included.
        ui::LiveView* replayView = window.replayView()->liveView();
        QCOMPARE(replayView->shownPhase(), core::Phase::Online);  // followed to the last phase
        QCOMPARE(replayView->lossCurves()->currentIndex(), int(replay->snapshots().size()) - 1);
        const QMap<QString, Points> replayed = drawn(replayView, replay);
        QCOMPARE(replayed.keys(), live.keys());
        for (auto it = live.cbegin(); it != live.cend(); ++it) {
            QVERIFY2(replayed.value(it.key()) == it.value(), qPrintable(it.key()));
        }
    }

    void aStoppedRunResumesFromTheBrowserAndContinuesItsSeries() {
        QTemporaryDir dir;
        const QString store = dir.filePath(QStringLiteral("runs.sqlite"));
        MainWindow window(core::libtorchEngine());
        wireStore(window, store);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        core::RunConfig config = ui::testing::tinyConfig("adalfl");
        config.steps = 300;
        window.experimentPanel()->setConfig(config);
        EngineController* controller = window.controller();
        const QString trainLoss = QString::fromLatin1(core::keys::kTrainLoss);

        // Train, and stop from the GUI in the online phase.
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(window.runData()->series(trainLoss).steps.size() >= 30,
                                 kRunTimeoutMs);
        QSignalSpy finished(controller, &EngineController::runFinished);
        window.stopAction()->trigger();
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(controller->state(), State::Stopped);
        const qint64 stoppedAt = controller->lastFinished().step;
        QVERIFY2(stoppedAt > 0 && stoppedAt < 300, qPrintable(QString::number(stoppedAt)));

        // The browser offers Resume for the stopped run.
        ui::RunsBrowser* browser = window.runsBrowser();
        QCOMPARE(browser->model()->rowCount(), 1);
        const qint64 runId = browser->model()->runId(0);
        QCOMPARE(browser->model()->record(0).status, storage::RunStatus::Stopped);
        window.tabs()->setCurrentWidget(browser);
        browser->selectRuns({runId});
        auto* resume = browser->findChild<QPushButton*>(QStringLiteral("resumeRunButton"));
        QVERIFY(resume->isEnabled());
        resume->click();
        QVERIFY(controller->isActive());
        QVERIFY(!resume->isEnabled());  // one run at a time
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.liveView()));
        // The live view shows the stored part at once: Phase A and the online steps up to the
        // checkpoint.
        QCOMPARE(window.runData()->series(trainLoss).steps.size(), qsizetype(stoppedAt));
        QCOMPARE(window.runData()->series(trainLoss).steps.last(), double(stoppedAt));
        QCOMPARE(window.runData()->series(QStringLiteral("init/train/loss")).steps.size(),
                 qsizetype(config.meta.initSteps));
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(controller->state(), State::Finished);

        // ...and then the new steps: 1..300 once each.
        QVector<double> expectedSteps;
        for (int s = 1; s <= 300; ++s) {
            expectedSteps << s;
        }
        QCOMPARE(window.runData()->series(trainLoss).steps, expectedSteps);

        // An uninterrupted run of the same config and seed, for reference.
        window.experimentPanel()->setConfig(config);
        QVERIFY(window.startRun());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(controller->state(), State::Finished);

        auto reader = storage::RunReader::open(store, storage::OpenMode::ReadOnly).value();
        storage::RunQuery q;
        q.sort.field = storage::RunSort::Field::Id;
        q.sort.order = Qt::AscendingOrder;
        const auto runs = reader->listRuns(q).value();
        QCOMPARE(runs.size(), qsizetype(2));
        QCOMPARE(runs.at(0).id, runId);
        QCOMPARE(runs.at(0).status, storage::RunStatus::Finished);
        const qint64 reference = runs.at(1).id;
        const QStringList keys = reader->metricKeys(reference).value();
        QCOMPARE(reader->metricKeys(runId).value(), keys);
        QVERIFY(keys.contains(trainLoss));
        for (const QString& key : keys) {
            const auto resumed = reader->series(runId, key).value();
            const auto straight = reader->series(reference, key).value();
            QVERIFY2(resumed.steps == straight.steps, qPrintable(key));
            QVERIFY2(resumed.values == straight.values, qPrintable(key));
        }
        for (const QString& kind :
             {QStringLiteral("loss/online"), QStringLiteral("loss/offline-init")}) {
            const auto resumed = reader->snapshots(runId, kind).value();
            const auto straight = reader->snapshots(reference, kind).value();
            QCOMPARE(resumed.size(), straight.size());
            for (qsizetype i = 0; i < resumed.size(); ++i) {
                QCOMPARE(resumed[i].step, straight[i].step);
                QCOMPARE(resumed[i].arrays, straight[i].arrays);
            }
        }

        // A finished run is refused, with the reason shown.
        QVERIFY(!window.resumeStoredRun(reference));
        QMessageBox* box = dialog(&window, "resumeError");
        QVERIFY(box != nullptr);
        QVERIFY2(box->text().contains(QLatin1String("finished")), qPrintable(box->text()));
        box->button(QMessageBox::Ok)->click();
        QVERIFY(!controller->isActive());
    }
};

QTEST_MAIN(TestReplayResume)
#include "test_replay_resume.moc"
