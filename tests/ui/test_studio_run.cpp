// The studio end to end: the form is driven with QTest, a tiny synthetic run is started with F5
// and every plot is compared with what the engine emitted (recorded by an extra observer attached
// through the controller's factory); pause / resume / stop move through their states with the
// pause confirmed by the engine; closing mid-run asks and stops with a checkpoint; invalid input
// disables Start; log lines and divergence warnings reach the window.
#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <thread>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/ui/engine_controller.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/log_panel.h>
#include <lossstudio/ui/loss_curve_view.h>
#include <lossstudio/ui/loss_heatmap_view.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/metric_plot.h>
#include <lossstudio/ui/run_data.h>

#include "run_recorder.h"
#include "train/testing_hooks.h"
#include "ui_test_support.h"

using namespace lossstudio;
using ui::EngineController;
using ui::MainWindow;
using State = EngineController::State;

namespace {

constexpr int kRunTimeoutMs = 120000;

/// Types `text` into a line edit or a spin box the way a user does: select all, type.
void retype(QWidget* editor, const QString& text) {
    QVERIFY(editor != nullptr);
    editor->setFocus();
    if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Backspace);
        QTest::keyClicks(edit, text);
        QCOMPARE(edit->text(), text);
    } else if (auto* box = qobject_cast<QSpinBox*>(editor)) {
        box->selectAll();
        QTest::keyClicks(box, text);
        QCOMPARE(box->value(), text.toInt());
    } else {
        QFAIL("not a text editor");
    }
}

void choose(QWidget* editor, const char* value) {
    auto* box = qobject_cast<QComboBox*>(editor);
    QVERIFY(box != nullptr);
    const int index = box->findData(QString::fromLatin1(value));
    QVERIFY(index >= 0);
    box->setCurrentIndex(index);
}

/// Types a tiny synthetic experiment into the form, as a user would.
void typeTinyExperiment(ui::ExperimentPanel* panel, const QString& steps) {
    auto e = [panel](const char* key) { return panel->editor(QString::fromLatin1(key)); };
    // (QVERIFY in a helper returns from the helper only: callers check currentTestFailed().)
    choose(e("data.name"), "synthetic");
    retype(e("data.synthetic_classes"), QStringLiteral("4"));
    retype(e("data.synthetic_features"), QStringLiteral("8"));
    retype(e("data.synthetic_samples"), QStringLiteral("800"));
    retype(e("model.hidden"), QStringLiteral("16"));
    retype(e("batch_size"), QStringLiteral("32"));
    retype(e("threads"), QStringLiteral("1"));
    retype(e("steps"), steps);
    retype(e("meta.init_steps"), QStringLiteral("10"));
    retype(e("eval_interval"), QStringLiteral("10"));
    retype(e("snapshot_interval"), QStringLiteral("5"));
    retype(e("optimizer.lr"), QStringLiteral("0.1"));
    retype(e("seed"), QStringLiteral("7"));
    QVERIFY2(panel->isValid(), qPrintable(panel->firstError()));
}

/// The points a graph holds, as (key, value) pairs.
QVector<QPair<double, double>> points(const QCPGraph* graph) {
    QVector<QPair<double, double>> out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out.push_back({it->key, it->value});
    }
    return out;
}

bool near(double a, double b) {
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

/// Compares a graph with expected points (keys exact, values to rounding).
void compareSeries(const QCPGraph* graph, const QVector<QPair<double, double>>& expected,
                   const char* what) {
    QVERIFY2(graph != nullptr, what);
    const auto actual = points(graph);
    QVERIFY2(!expected.isEmpty(), what);
    QCOMPARE(actual.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QVERIFY2(actual[i].first == expected[i].first,
                 qPrintable(QStringLiteral("%1: key %2 is %3, engine %4")
                                .arg(QLatin1String(what))
                                .arg(i)
                                .arg(actual[i].first)
                                .arg(expected[i].first)));
        QVERIFY2(near(actual[i].second, expected[i].second),
                 qPrintable(QStringLiteral("%1: value at step %2 is %3, engine %4")
                                .arg(QLatin1String(what))
                                .arg(expected[i].first)
                                .arg(actual[i].second)
                                .arg(expected[i].second)));
    }
}

/// Engine step events of a phase as plot points of one field (times scale; positive only when
/// the plot's y axis is logarithmic).
template <class Field>
QVector<QPair<double, double>> stepPoints(const ui::testing::Recording& r, bool init, Field field,
                                          double scale, bool positiveOnly) {
    QVector<QPair<double, double>> out;
    for (const auto& s : r.steps) {
        if ((s.phase == core::Phase::OfflineInit) != init) {
            continue;
        }
        const std::optional<double> v = field(s);
        if (v && std::isfinite(*v) && (!positiveOnly || *v > 0)) {
            out.push_back({static_cast<double>(s.step), *v * scale});
        }
    }
    return out;
}

QVector<QPair<double, double>> evalPoints(const ui::testing::Recording& r,
                                          const std::string& split) {
    QVector<QPair<double, double>> out;
    for (const auto& e : r.evals) {
        if (e.split == split && e.phase != core::Phase::OfflineInit) {
            out.push_back({static_cast<double>(e.step), e.accuracy * 100.0});
        }
    }
    return out;
}

}  // namespace

class TestStudioRun final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { core::train::testing::clearInjections(); }
    void cleanup() { core::train::testing::clearInjections(); }

    void aRunStartedFromTheFormFillsEveryPlotWithWhatTheEngineEmitted() {
        MainWindow window(core::libtorchEngine());
        auto recording = std::make_shared<ui::testing::Recording>();
        QTemporaryDir storeDir;
        const QString store = storeDir.filePath(QStringLiteral("runs.sqlite"));
        window.controller()->setObserverFactory([recording, store](const core::RunConfig& config) {
            app::RunRecorder::Options options;
            options.storePath = store;
            options.config = config;
            return std::make_unique<ui::testing::BothObservers>(
                std::make_unique<app::RunRecorder>(std::move(options)),
                std::make_unique<ui::testing::RecordingObserver>(recording));
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        typeTinyExperiment(window.experimentPanel(), QStringLiteral("40"));
        QVERIFY(!QTest::currentTestFailed());
        QVERIFY(window.startAction()->isEnabled());

        QSignalSpy states(window.controller(), &EngineController::stateChanged);
        QSignalSpy finished(window.controller(), &EngineController::runFinished);
        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(window.controller()->state(), State::Starting);
        QVERIFY(!window.startAction()->isEnabled());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(window.controller()->state(), State::Finished);
        QCOMPARE(states.first().at(0).value<State>(), State::Starting);
        QCOMPARE(states.at(1).at(0).value<State>(), State::Running);
        QCOMPARE(states.last().at(0).value<State>(), State::Finished);

        const ui::testing::Recording& r = *recording;
        QVERIFY(r.finished.has_value());
        QCOMPARE(r.finished->status, core::RunStatus::Finished);
        QCOMPARE(r.steps.size(), std::size_t{50});  // 10 Phase A + 40 online

        ui::LiveView* live = window.liveView();
        QCOMPARE(live->shownPhase(), core::Phase::Online);  // followed the run into Phase B
        using S = core::StepMetrics;
        auto opt = [](double v) { return std::optional<double>(v); };
        const bool lossLog = live->lossPlot()->logY();
        const bool gradLog = live->gradientPlot()->logY();
        for (bool init : {false, true}) {
            live->showPhase(init ? core::Phase::OfflineInit : core::Phase::Online);
            compareSeries(
                live->accuracyPlot()->rawGraph(QStringLiteral("train/accuracy")),
                stepPoints(
                    r, init, [&](const S& s) { return opt(s.trainAccuracy); }, 100, false),
                "train accuracy");
            compareSeries(live->lossPlot()->rawGraph(QStringLiteral("train/loss")),
                          stepPoints(
                              r, init, [&](const S& s) { return opt(s.trainLoss); }, 1, lossLog),
                          "learned loss");
            compareSeries(live->lossPlot()->rawGraph(QStringLiteral("meta/loss")),
                          stepPoints(
                              r, init, [](const S& s) { return s.metaLoss; }, 1, lossLog),
                          "meta-loss");
            compareSeries(live->lossPlot()->rawGraph(QStringLiteral("train/task_loss")),
                          stepPoints(
                              r, init, [&](const S& s) { return opt(s.taskLoss); }, 1, lossLog),
                          "train cross-entropy");
            compareSeries(live->gradientPlot()->rawGraph(QStringLiteral("train/grad_norm")),
                          stepPoints(
                              r, init, [&](const S& s) { return opt(s.gradNorm); }, 1, gradLog),
                          "gradient norm");
            compareSeries(live->gradientPlot()->rawGraph(QStringLiteral("meta/grad_norm")),
                          stepPoints(
                              r, init, [](const S& s) { return s.metaGradNorm; }, 1, gradLog),
                          "meta-gradient norm");
            if (!init) {  // the learned-vs-CE step ratio is measured in the training phase
                compareSeries(live->ratioPlot()->rawGraph(QStringLiteral("train/loss_grad_ratio")),
                              stepPoints(
                                  r, init, [](const S& s) { return s.lossGradRatio; }, 1,
                                  live->ratioPlot()->logY()),
                              "learned / CE gradient ratio");
            }
        }
        live->showPhase(core::Phase::Online);
        compareSeries(live->accuracyPlot()->rawGraph(QStringLiteral("validation/accuracy")),
                      evalPoints(r, "validation"), "validation accuracy");
        compareSeries(live->accuracyPlot()->rawGraph(QStringLiteral("test/accuracy")),
                      evalPoints(r, "test"), "test accuracy");

        // The smoothed curve is the debiased EMA of the raw one.
        live->setSmoothing(0.5);
        const auto raw = points(live->accuracyPlot()->rawGraph(QStringLiteral("train/accuracy")));
        const auto smooth =
            points(live->accuracyPlot()->smoothedGraph(QStringLiteral("train/accuracy")));
        QCOMPARE(smooth.size(), raw.size());
        double ema = 0;
        for (qsizetype i = 0; i < raw.size(); ++i) {
            ema = 0.5 * ema + 0.5 * raw[i].second;
            QVERIFY(near(smooth[i].second, ema / (1 - std::pow(0.5, double(i + 1)))));
        }

        // Every snapshot is on the time slider; the curve view followed to the newest.
        const auto& snapshots = window.runData()->snapshots();
        QCOMPARE(snapshots.size(), qsizetype(r.snapshots.size()));
        ui::LossCurveView* curves = live->lossCurves();
        QCOMPARE(curves->currentIndex(), int(r.snapshots.size()) - 1);
        QVERIFY(curves->isFollowing());
        auto curvePoints = [](const core::LossSnapshot& s, const std::vector<float>& values) {
            QVector<QPair<double, double>> out;
            for (std::size_t i = 0; i < s.p.size(); ++i) {
                out.push_back({double(s.p[i]), double(values[i])});
            }
            return out;
        };
        compareSeries(curves->lossY1Graph(),
                      curvePoints(r.snapshots.back(), r.snapshots.back().lossY1), "l(1,p)");
        compareSeries(curves->lossY0Graph(),
                      curvePoints(r.snapshots.back(), r.snapshots.back().lossY0), "l(0,p)");
        QVERIFY(curves->referenceGraph()->data()->size() > 50);
        // Beside them, the engine's e(p) (drawn as it is on request).
        QVERIFY(!r.snapshots.back().effective.empty());
        curves->setEffectiveScale(ui::LossCurveView::EffectiveScale::Value);
        compareSeries(curves->effectiveGraph(),
                      curvePoints(r.snapshots.back(), r.snapshots.back().effective), "e(p)");
        curves->setEffectiveScale(ui::LossCurveView::EffectiveScale::FromMinimum);
        // Moving back pins the view on a Phase A snapshot.
        curves->setCurrentIndex(1);
        QVERIFY(!curves->isFollowing());
        QCOMPARE(r.snapshots[1].phase, core::Phase::OfflineInit);
        compareSeries(curves->lossY1Graph(), curvePoints(r.snapshots[1], r.snapshots[1].lossY1),
                      "l(1,p) Phase A");

        // The heat map holds one column per training-phase snapshot, cell by cell.
        std::vector<const core::LossSnapshot*> online;
        for (const auto& s : r.snapshots) {
            if (s.phase == core::Phase::Online) {
                online.push_back(&s);
            }
        }
        ui::LossHeatmapView* heat = live->heatmap();
        heat->setColouring(
            ui::LossHeatmapView::Colouring::Value);  // cells hold the values as they are
        QCOMPARE(heat->columnCount(), int(online.size()));
        QCPColorMapData* cells = heat->colorMap()->data();
        QCOMPARE(cells->keySize(), int(online.size()));  // regular interval: one cell per snapshot
        QCOMPARE(cells->valueSize(), int(online.front()->p.size()));
        for (std::size_t k = 0; k < online.size(); ++k) {
            for (std::size_t v = 0; v < online[k]->p.size(); ++v) {
                QVERIFY(near(cells->cell(int(k), int(v)), online[k]->lossY1[v]));
            }
        }

        // The status bar shows the end.
        QCOMPARE(window.findChild<QProgressBar*>(QStringLiteral("progressBar"))->value(), 1000);
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("stateLabel"))->text(),
                 QStringLiteral("finished"));
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("accuracyLabel"))
                    ->text()
                    .contains(QLatin1String("test")));
        QVERIFY(window.startAction()->isEnabled());

        // Export of a plot and its data.
        QTemporaryDir dir;
        QVERIFY(live->accuracyPlot()->exportPng(dir.filePath(QStringLiteral("a.png"))));
        QVERIFY(live->accuracyPlot()->exportPdf(dir.filePath(QStringLiteral("a.pdf"))));
        QVERIFY(live->accuracyPlot()->exportCsv(dir.filePath(QStringLiteral("a.csv"))));
        QVERIFY(heat->plot()->exportCsv(dir.filePath(QStringLiteral("h.csv"))));
        QFile csv(dir.filePath(QStringLiteral("a.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QString table = QString::fromUtf8(csv.readAll());
        QVERIFY(table.startsWith(QLatin1String("series,training step,accuracy (%)")));
        QCOMPARE(table.count(QStringLiteral("\ntest/accuracy,")),
                 int(evalPoints(r, "test").size()));
        QVERIFY(QFileInfo(dir.filePath(QStringLiteral("a.png"))).size() > 1000);
        QVERIFY(QFileInfo(dir.filePath(QStringLiteral("a.pdf"))).size() > 1000);

        // The store has the run, finished, with the series the plots show.
        auto reader = storage::RunReader::open(store, storage::OpenMode::ReadOnly);
        QVERIFY2(reader.ok(), qPrintable(reader.error()));
        auto runs = reader.value()->listRuns();
        QVERIFY2(runs.ok(), qPrintable(runs.error()));
        QCOMPARE(runs.value().size(), qsizetype(1));
        const storage::RunRecord& run = runs.value().front();
        QCOMPARE(run.status, storage::RunStatus::Finished);
        QCOMPARE(run.name, QString::fromStdString(window.controller()->config().name));
        QCOMPARE(run.method, QStringLiteral("adalfl"));
        auto stored = reader.value()->series(run.id, QStringLiteral("train/accuracy"));
        QVERIFY2(stored.ok(), qPrintable(stored.error()));
        const auto& shown = window.runData()->series(QStringLiteral("train/accuracy"));
        QCOMPARE(stored.value().steps, shown.steps);
        QCOMPARE(stored.value().values, shown.values);
        auto storedSnapshots = reader.value()->snapshots(
            run.id, QString::fromStdString(core::snapshotCurveKind(core::Phase::Online)));
        QVERIFY2(storedSnapshots.ok(), qPrintable(storedSnapshots.error()));
        QCOMPARE(storedSnapshots.value().size(), qsizetype(online.size()));
    }

    void aTaylorGloSearchShowsItsCandidatesAndThenTrains() {
        MainWindow window(core::libtorchEngine());
        auto recording = std::make_shared<ui::testing::Recording>();
        window.controller()->setObserverFactory([recording](const core::RunConfig&) {
            return std::make_unique<ui::testing::RecordingObserver>(recording);
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        core::RunConfig c = ui::testing::tinyConfig("taylorglo");
        c.steps = 20;
        c.taylorglo.population = 4;
        c.taylorglo.generations = 2;
        c.taylorglo.partialSteps = 5;
        window.experimentPanel()->setConfig(c);
        QVERIFY2(window.experimentPanel()->isValid(),
                 qPrintable(window.experimentPanel()->firstError()));
        QCOMPARE(window.liveView()->shownPhase(), core::Phase::Online);
        QSignalSpy finished(window.controller(), &EngineController::runFinished);
        QVERIFY(window.startRun());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(window.controller()->state(), State::Finished);
        const ui::testing::Recording& r = *recording;
        QVector<QPair<double, double>> errors;
        for (const auto& s : r.steps) {
            if (s.phase == core::Phase::Search && s.search) {
                errors.push_back({double(s.step), s.search->error * 100});
            }
        }
        QCOMPARE(errors.size(), qsizetype(8));
        ui::LiveView* live = window.liveView();
        live->showPhase(core::Phase::Search);
        compareSeries(live->accuracyPlot()->rawGraph(QStringLiteral("search/error")), errors,
                      "candidate error");
        QVERIFY(!live->accuracyPlot()->rawGraph(QStringLiteral("train/accuracy"))->visible());
        QVERIFY(live->heatmap()->columnCount() > 0);
        live->showPhase(core::Phase::Training);
        QVERIFY(live->accuracyPlot()->rawGraph(QStringLiteral("train/accuracy"))->data()->size() ==
                20);
    }

    void pauseResumeAndStopMoveThroughTheirStates() {
        MainWindow window(core::libtorchEngine());
        auto recording = std::make_shared<ui::testing::Recording>();
        window.controller()->setObserverFactory([recording](const core::RunConfig&) {
            return std::make_unique<ui::testing::RecordingObserver>(recording);
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        typeTinyExperiment(window.experimentPanel(), QStringLiteral("1000000"));
        QVERIFY(!QTest::currentTestFailed());
        EngineController* controller = window.controller();
        QVERIFY(window.startRun());
        QTRY_COMPARE_WITH_TIMEOUT(controller->state(), State::Running, kRunTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(recording->stepCount.load() > 20, kRunTimeoutMs);

        // F6 pauses: Pausing at once, Paused when the engine has parked itself.
        QSignalSpy states(controller, &EngineController::stateChanged);
        QTest::keyClick(&window, Qt::Key_F6);
        QCOMPARE(controller->state(), State::Pausing);
        QTRY_COMPARE_WITH_TIMEOUT(controller->state(), State::Paused, kRunTimeoutMs);
        QCOMPARE(window.pauseAction()->text(), QStringLiteral("&Resume"));
        const long long parked = recording->stepCount.load();
        QVERIFY(!window.experimentPanel()
                     ->editor(QStringLiteral("steps"))
                     ->isEnabled());  // read-only while active

        // Space on a focused plot resumes; the steps go on.
        ui::PlotView* plot = window.liveView()->accuracyPlot();
        plot->setFocus();
        QTest::keyClick(plot, Qt::Key_Space);
        QCOMPARE(controller->state(), State::Running);
        QTRY_VERIFY_WITH_TIMEOUT(recording->stepCount.load() > parked + 5, kRunTimeoutMs);

        // Stop: Stopping, then Stopped with a checkpoint.
        QSignalSpy finished(controller, &EngineController::runFinished);
        window.stopAction()->trigger();
        QCOMPARE(controller->state(), State::Stopping);
        QVERIFY(!window.stopAction()->isEnabled());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(controller->state(), State::Stopped);
        QCOMPARE(controller->lastFinished().status, core::RunStatus::Stopped);
        QCOMPARE(recording->checkpoints.size(), std::size_t{1});

        QVector<State> seen;
        for (const auto& args : states) {
            seen.push_back(args.at(0).value<State>());
        }
        QCOMPARE(seen, (QVector<State>{State::Pausing, State::Paused, State::Running,
                                       State::Stopping, State::Stopped}));
    }

    void closingMidRunAsksThenStopsWithACheckpoint() {
        auto recording = std::make_shared<ui::testing::Recording>();
        auto* window = new MainWindow(core::libtorchEngine());
        window->setAttribute(Qt::WA_DeleteOnClose, false);
        window->controller()->setObserverFactory([recording](const core::RunConfig&) {
            return std::make_unique<ui::testing::RecordingObserver>(recording);
        });
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        typeTinyExperiment(window->experimentPanel(), QStringLiteral("1000000"));
        QVERIFY(!QTest::currentTestFailed());
        QVERIFY(window->startRun());
        QTRY_VERIFY_WITH_TIMEOUT(recording->stepCount.load() > 5, kRunTimeoutMs);

        // Cancel keeps the run going.
        QVERIFY(!window->close());
        auto* box = window->findChild<QMessageBox*>(QStringLiteral("closeConfirmation"));
        QVERIFY(box != nullptr);
        QTRY_VERIFY(box->isVisible());
        box->button(QMessageBox::Cancel)->click();
        QVERIFY(window->isVisible());
        QVERIFY(window->controller()->isActive());

        // Yes stops the run (checkpoint saved) and the window closes once the worker has ended.
        QVERIFY(!window->close());
        QTRY_VERIFY((box = window->findChild<QMessageBox*>(QStringLiteral("closeConfirmation"))) !=
                        nullptr &&
                    box->isVisible());
        box->button(QMessageBox::Yes)->click();
        QTRY_VERIFY_WITH_TIMEOUT(!window->isVisible(), kRunTimeoutMs);
        QVERIFY(!window->controller()->isActive());
        QCOMPARE(window->controller()->state(), State::Stopped);
        QCOMPARE(recording->checkpoints.size(), std::size_t{1});
        QVERIFY(recording->finished.has_value());
        QCOMPARE(recording->finished->status, core::RunStatus::Stopped);
        delete window;
    }

    void invalidInputDisablesStartAndFixingItEnablesIt() {
        MainWindow window(core::libtorchEngine());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::ExperimentPanel* panel = window.experimentPanel();
        typeTinyExperiment(panel, QStringLiteral("40"));
        QVERIFY(!QTest::currentTestFailed());
        QVERIFY(window.startAction()->isEnabled());

        choose(panel->editor(QStringLiteral("data.name")), "kmnist");  // read from a folder
        QVERIFY(!window.startAction()->isEnabled());
        QVERIFY(window.startAction()->toolTip().contains(QLatin1String("data.path")));
        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(window.controller()->state(), State::Idle);

        retype(panel->editor(QStringLiteral("data.path")), QStringLiteral("/no/such/kmnist"));
        QVERIFY(!window.startAction()->isEnabled());
        QTemporaryDir folder;  // holding the four IDX files' names (the form checks names)
        for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            QFile file(folder.filePath(QLatin1String(name)));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        retype(panel->editor(QStringLiteral("data.path")), folder.path());
        QTRY_VERIFY(!panel->isCheckingDatasetFolder());
        QVERIFY(window.startAction()->isEnabled());

        retype(panel->editor(QStringLiteral("steps")), QStringLiteral("0"));
        QVERIFY(!window.startAction()->isEnabled());
        QVERIFY(panel->fieldError(QStringLiteral("steps")).contains(QLatin1String("'steps'")));
        retype(panel->editor(QStringLiteral("steps")), QStringLiteral("40"));
        QVERIFY(window.startAction()->isEnabled());
    }

    void logLinesAndDivergenceWarningsReachTheWindow() {
        MainWindow window(core::libtorchEngine());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        std::thread([] { core::logger("core")->info("a line from another thread"); }).join();
        QTRY_VERIFY(
            window.logPanel()->text().contains(QLatin1String("a line from another thread")));

        // A non-finite step in the online phase: the engine recovers and warns.
        core::train::testing::injectNonFinite(core::Phase::Online, 12, 1);
        typeTinyExperiment(window.experimentPanel(), QStringLiteral("30"));
        QVERIFY(!QTest::currentTestFailed());
        QSignalSpy warnings(window.controller(), &EngineController::warningRaised);
        QSignalSpy finished(window.controller(), &EngineController::runFinished);
        QVERIFY(window.startRun());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(window.controller()->state(), State::Finished);
        QCOMPARE(warnings.count(), 1);
        QVERIFY(window.warningText().contains(QLatin1String("non-finite")));
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("warningLabel"))
                    ->text()
                    .contains(QLatin1String("1 warning")));
        QVERIFY(window.logPanel()->text().contains(QLatin1String("non-finite")));
        QCOMPARE(window.runData()->warnings().size(), qsizetype(1));
        QCOMPARE(window.runData()->warnings().front().step, qint64(12));
    }
};

QTEST_MAIN(TestStudioRun)
#include "test_studio_run.moc"
