// The views fed by hand-made batches: step plots append only new points, follow the phase, keep
// the faint raw curve under its EMA and leave non-positive values off a log axis; the heat map's
// grid; the loss-curve view's follow / pin / play and the effective-loss mode; the log bridge.
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <thread>

#include <lossstudio/core/logging.h>
#include <lossstudio/ui/event_batch.h>
#include <lossstudio/ui/export_folder.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/log_bridge.h>
#include <lossstudio/ui/loss_curve_view.h>
#include <lossstudio/ui/loss_heatmap_view.h>
#include <lossstudio/ui/metric_plot.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/run_data.h>

using namespace lossstudio;

namespace {

core::StepMetrics step(core::Phase phase, std::int64_t s, double accuracy, double loss) {
    core::StepMetrics m;
    m.phase = phase;
    m.step = s;
    m.trainAccuracy = accuracy;
    m.trainLoss = loss;
    m.taskLoss = loss;
    m.gradNorm = 1;
    m.metaLoss = loss;
    return m;
}

ui::EventBatch stepsBatch(core::Phase phase, std::int64_t from, std::int64_t to,
                          const std::function<double(std::int64_t)>& loss = {}) {
    ui::EventBatch batch;
    for (std::int64_t s = from; s <= to; ++s) {
        core::appendSamples(step(phase, s, 0.01 * static_cast<double>(s), loss ? loss(s) : 1.0),
                            batch.samples);
    }
    return batch;
}

core::LossSnapshot snapshot(core::Phase phase, std::int64_t s, double scale) {
    core::LossSnapshot out;
    out.phase = phase;
    out.step = s;
    for (int i = 0; i <= 10; ++i) {
        const float p = static_cast<float>(i / 10.0);
        out.p.push_back(p);
        out.lossY1.push_back(static_cast<float>(scale * (1 - p)));
        out.lossY0.push_back(static_cast<float>(scale * p));
        out.slopeY1.push_back(static_cast<float>(-scale));
        out.slopeY0.push_back(static_cast<float>(scale));
    }
    return out;
}

core::RunConfig config() {
    core::RunConfig c;
    c.steps = 100;
    c.meta.initSteps = 10;
    return c;
}

int size(const QCPGraph* g) {
    return g->data()->size();
}

}  // namespace

class TestPlots final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stepPlotsAppendNewPointsPerPhase() {
        ui::RunData data;
        data.reset(config());
        ui::MetricPlot plot(
            QStringLiteral("Accuracy"), QStringLiteral("accuracy (%)"),
            {{QStringLiteral("train/accuracy"), QStringLiteral("train"), true, 100.0}}, &data);
        connect(&data, &ui::RunData::changed, &plot, &ui::MetricPlot::onDataChanged);
        plot.setSmoothing(0);
        data.append(stepsBatch(core::Phase::OfflineInit, 1, 10));
        data.append(stepsBatch(core::Phase::Online, 1, 30));
        QCPGraph* raw = plot.rawGraph(QStringLiteral("train/accuracy"));
        QCOMPARE(size(raw), 30);
        QCOMPARE(raw->data()->at(4)->key, 5.0);
        QCOMPARE(raw->data()->at(4)->value, 5.0);  // 0.05 shown in %
        data.append(stepsBatch(core::Phase::Online, 31, 40));
        QCOMPARE(size(raw), 40);
        QCOMPARE(plot.xAxis->range().upper, 100.0);  // the whole phase, filling up
        plot.setPhase(core::Phase::OfflineInit);
        QCOMPARE(size(raw), 10);
        QCOMPARE(plot.xAxis->range().upper, 10.0);
        plot.setPhase(core::Phase::Online);
        QCOMPARE(size(raw), 40);

        // Smoothing keeps the raw points (faint) and adds the EMA on top, in the legend.
        plot.setSmoothing(0.9);
        QCPGraph* smooth = plot.smoothedGraph(QStringLiteral("train/accuracy"));
        QCOMPARE(size(raw), 40);
        QCOMPARE(size(smooth), 40);
        QVERIFY(smooth->visible());
        QVERIFY(raw->pen().color().lightness() > smooth->pen().color().lightness() + 40);  // faint
        QVERIFY(plot.legend->hasItemWithPlottable(smooth));
        QVERIFY(!plot.legend->hasItemWithPlottable(raw));
        QCOMPARE(smooth->data()->at(0)->value, raw->data()->at(0)->value);  // debiased start
    }

    void aLogAxisLeavesNonPositiveValuesOut() {
        ui::RunData data;
        data.reset(config());
        ui::MetricPlot plot(QStringLiteral("Loss"), QStringLiteral("loss"),
                            {{QStringLiteral("train/loss"), QStringLiteral("loss"), false, 1.0}},
                            &data);
        connect(&data, &ui::RunData::changed, &plot, &ui::MetricPlot::onDataChanged);
        const double values[] = {2.0, 0.0, -1.0, 0.5};
        data.append(
            stepsBatch(core::Phase::Online, 1, 4, [&](std::int64_t s) { return values[s - 1]; }));
        QCPGraph* raw = plot.rawGraph(QStringLiteral("train/loss"));
        QCOMPARE(size(raw), 4);
        plot.setLogY(true);
        QCOMPARE(size(raw), 2);
        QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(plot.yAxis->range().lower > 0);
        QVERIFY(!plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>().isNull());
        plot.setLogY(false);
        QCOMPARE(size(raw), 4);
    }

    void theHeatMapGrowsOnARegularStepGrid() {
        ui::RunData data;
        data.reset(config());
        ui::LossHeatmapView view(&data);
        connect(&data, &ui::RunData::changed, &view, &ui::LossHeatmapView::onDataChanged);
        ui::EventBatch batch;
        batch.snapshots = {snapshot(core::Phase::OfflineInit, 0, 9),
                           snapshot(core::Phase::Online, 0, 1),
                           snapshot(core::Phase::Online, 10, 2)};
        data.append(batch);
        QCOMPARE(view.columnCount(), 2);
        batch.snapshots = {snapshot(core::Phase::Online, 20, 3),
                           snapshot(core::Phase::Online, 25, 4)};
        data.append(batch);
        QCOMPARE(view.columnCount(), 4);
        QCPColorMapData* cells = view.colorMap()->data();
        QCOMPARE(cells->keySize(), 4);  // steps 0, 10, 20 and the last (25) in the next cell
        QCOMPARE(cells->valueSize(), 11);
        QCOMPARE(cells->cell(0, 0), 1.0);  // l(1, 0) at step 0
        QCOMPARE(cells->cell(2, 0), 3.0);
        QCOMPARE(cells->cell(3, 0), 4.0);
        view.setCurve(ui::LossHeatmapView::Curve::OtherClasses);
        QCOMPARE(cells->cell(3, 10), 4.0);  // l(0, 1)
        view.setColouring(ui::LossHeatmapView::Colouring::Shape);
        QCOMPARE(cells->cell(3, 10), 1.0);  // each column scaled to [0, 1]
        view.setPhase(core::Phase::OfflineInit);
        QCOMPARE(view.columnCount(), 1);

        // Left alone, a map without negative values is coloured by log value, its zeros at a floor
        // (the smallest positive value, or six decades under the largest if that is higher).
        ui::LossHeatmapView fresh(&data);
        QCOMPARE(fresh.findChild<QComboBox*>(QStringLiteral("heatmapColouring"))->currentIndex(),
                 1);
        QCOMPARE(fresh.colorMap()->dataScaleType(), QCPAxis::stLogarithmic);
        QVERIFY(std::fabs(fresh.colorMap()->data()->cell(3, 10) - 0.1) <
                1e-6);  // l(1, 1) = 0: floor
    }

    void theCurveViewFollowsUntilPinnedAndReplays() {
        ui::RunData data;
        data.reset(config());
        ui::LossCurveView view(&data);
        connect(&data, &ui::RunData::changed, &view, &ui::LossCurveView::onDataChanged);
        ui::EventBatch batch;
        batch.snapshots = {snapshot(core::Phase::OfflineInit, 0, 1),
                           snapshot(core::Phase::Online, 0, 2),
                           snapshot(core::Phase::Online, 10, 3)};
        data.append(batch);
        QCOMPARE(view.currentIndex(), 2);
        QVERIFY(view.isFollowing());
        QCOMPARE(view.lossY1Graph()->data()->at(0)->value, 3.0);

        view.setCurrentIndex(0);
        QVERIFY(!view.isFollowing());
        batch.snapshots = {snapshot(core::Phase::Online, 20, 4)};
        data.append(batch);
        QCOMPARE(view.currentIndex(), 0);  // pinned
        auto* slider = view.findChild<QSlider*>(QStringLiteral("snapshotSlider"));
        QCOMPARE(slider->maximum(), 3);
        slider->setValue(3);  // back at the end: following again
        QVERIFY(view.isFollowing());
        QCOMPARE(view.lossY1Graph()->data()->at(0)->value, 4.0);

        view.setCurrentIndex(0);
        view.play();
        QVERIFY(view.isPlaying());
        QTRY_VERIFY(!view.isPlaying());
        QCOMPARE(view.currentIndex(), 3);
    }

    void theEffectiveLossCombinesBothCurves() {
        ui::RunData data;
        data.reset(config());
        ui::LossCurveView view(&data);
        connect(&data, &ui::RunData::changed, &view, &ui::LossCurveView::onDataChanged);
        ui::EventBatch batch;
        batch.started = core::RunStarted{};
        batch.started->config = config();
        batch.started->classes = 4;
        batch.snapshots = {snapshot(core::Phase::Online, 0, 1)};
        data.append(batch);
        // A snapshot without the engine's e(p) (stored before it existed): the formula here.
        // l1 = 1 - p, l0 = p, C = 4: (1/4)[(1 - p) + 3 (1 - p) / 3] = (1 - p) / 2, minimum 0 at 1.
        QCOMPARE(view.effectiveGraph()->data()->size(), 11);
        for (auto it = view.effectiveGraph()->data()->constBegin();
             it != view.effectiveGraph()->data()->constEnd(); ++it) {
            QVERIFY(std::fabs(it->value - (1 - it->key) / 2) < 1e-6);
        }
        QCOMPARE(view.argminGraph()->data()->at(0)->key, 1.0);
        // Beside it, the raw curves.
        QVERIFY(view.plot()->isVisibleTo(&view));
        QCOMPARE(view.lossY1Graph()->data()->at(0)->value, 1.0);
        QVERIFY(view.lossY0Graph()->visible());
        view.setMode(ui::LossCurveView::Mode::Effective);  // the effective loss alone
        QVERIFY(!view.plot()->isVisibleTo(&view));
        QVERIFY(view.effectivePlot()->isVisibleTo(&view));
        view.setMode(ui::LossCurveView::Mode::Curves);
        QVERIFY(view.plot()->isVisibleTo(&view));
    }

    // Issue 23: "min at p = 0.23 -> label smoothing" was announced at step 0 for a randomly
    // initialised loss. The minimum is read as what the loss learned only once it has been
    // learned: after Phase A (its last snapshot is the loss the online phase starts with).
    void theMinimumIsInterpretedOnlyOnceTheLossIsLearned() {
        struct Case {
            const char* method;
            int initSteps;
            core::Phase phase;
            std::int64_t step;
            const char* label;
        };
        const QString smoothing = QStringLiteral("min at p = 0.80 \u2192 label smoothing");
        const QString untrained = QStringLiteral("untrained loss: min at p = 0.80");
        const QString learning = QStringLiteral("min at p = 0.80 (still learning)");
        const std::vector<std::pair<Case, QString>> cases = {
            {{"adalfl", 10, core::Phase::OfflineInit, 0, "Phase A's random start"}, untrained},
            {{"adalfl", 10, core::Phase::OfflineInit, 5, "inside Phase A"}, learning},
            {{"adalfl", 10, core::Phase::OfflineInit, 10, "Phase A's end"}, smoothing},
            {{"adalfl", 10, core::Phase::Online, 0, "online after Phase A"}, smoothing},
            {{"adalfl", 0, core::Phase::Online, 0, "online without Phase A"}, untrained},
            {{"adalfl", 0, core::Phase::Online, 50, "learned online"}, smoothing},
            {{"ml3", 0, core::Phase::Training, 0, "ML3's frozen random loss"}, untrained},
            {{"ml3", 10, core::Phase::Training, 0, "ML3's learned loss"}, smoothing},
            {{"taylorglo", 0, core::Phase::Search, 3, "a search generation's best"}, learning},
            {{"taylorglo", 0, core::Phase::Training, 0, "the search's best"}, smoothing},
        };
        for (const auto& [c, want] : cases) {
            core::RunConfig cfg = config();
            cfg.method = c.method;
            cfg.meta.initSteps = c.initSteps;
            ui::RunData data;
            data.reset(cfg);
            ui::LossCurveView view(&data);
            connect(&data, &ui::RunData::changed, &view, &ui::LossCurveView::onDataChanged);
            // e(p) = (p - 0.8)^2: a minimum below 1.
            core::LossSnapshot snap = snapshot(c.phase, c.step, 1);
            for (float p : snap.p) {
                snap.effective.push_back((p - 0.8f) * (p - 0.8f));
                snap.effectiveSlope.push_back(2 * (p - 0.8f));
            }
            QVERIFY(snap.effectiveArgmin() < 1);
            ui::EventBatch batch;
            batch.snapshots = {snap};
            data.append(batch);
            QCOMPARE(view.currentIndex(), 0);
            QVERIFY2(
                view.argminText() == want,
                qPrintable(
                    QStringLiteral("%1: \"%2\"").arg(QLatin1String(c.label), view.argminText())));
        }
    }

    // Issue 23: the accuracy plot's empty axis ran 0-1 while labelled "%".
    void theAccuracyPlotsEmptyAxisAgreesWithItsPercentLabel() {
        ui::RunData data;
        ui::LiveView live(&data);
        ui::MetricPlot* accuracy = live.accuracyPlot();
        QVERIFY(accuracy->yAxis->label().contains(QLatin1Char('%')));
        QCOMPARE(accuracy->yAxis->range().lower, 0.0);
        QCOMPARE(accuracy->yAxis->range().upper, 100.0);
        data.reset(config());  // a new run, nothing drawn yet
        QCOMPARE(accuracy->yAxis->range().upper, 100.0);
    }

    // Export dialogs start in the folder of the last export, or in Documents: never in the
    // process's working directory.
    void exportDialogsStartInTheLastExportFolderOrDocuments() {
        const QString documents =
            QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        const QString first = ui::exportStartPath(QStringLiteral("accuracy.png"));
        QCOMPARE(QFileInfo(first).fileName(), QStringLiteral("accuracy.png"));
        QVERIFY2(QFileInfo(first).absolutePath() ==
                         QFileInfo(QDir(documents).filePath(QStringLiteral("x"))).absolutePath() ||
                     (!QFileInfo(documents).isDir() &&
                      QFileInfo(first).absolutePath() == QDir::homePath()),
                 qPrintable(first));
        QTemporaryDir dir;
        ui::rememberExportPath(dir.filePath(QStringLiteral("runs.csv")));
        QCOMPARE(ui::exportStartPath(QStringLiteral("compare.pdf")),
                 QDir(dir.path()).filePath(QStringLiteral("compare.pdf")));
    }

    // Issue 23, item 7: Replay's slider said "(live)" for a finished run.
    void aStoredRunsNewestSnapshotIsItsLastNotLive() {
        ui::RunData data;
        data.reset(config());
        ui::LossCurveView view(&data);
        connect(&data, &ui::RunData::changed, &view, &ui::LossCurveView::onDataChanged);
        ui::EventBatch batch;
        batch.snapshots = {snapshot(core::Phase::Online, 0, 1),
                           snapshot(core::Phase::Online, 10, 2)};
        data.append(batch);
        auto* label = view.findChild<QLabel*>(QStringLiteral("snapshotLabel"));
        QVERIFY(label != nullptr);
        QVERIFY2(label->text().endsWith(QLatin1String("(live)")), qPrintable(label->text()));
        view.setLive(false);  // as Replay shows it
        QVERIFY2(label->text().endsWith(QLatin1String("2/2 (last)")), qPrintable(label->text()));
        view.setCurrentIndex(0);
        QVERIFY2(label->text().endsWith(QLatin1String("1/2")), qPrintable(label->text()));
    }

    void theLegendWrapsToTheWidthOfItsWidestColumn() {
        // Two short entries and a long one: two a row would fit row by row, but the long one
        // widens the first column of the grid under the first short one, pushing the second
        // column past the edge; the legend must take one entry a row then.
        ui::PlotView plot(QStringLiteral("legend"));
        const QStringList names = {QStringLiteral("e(p) \u2212 min e"),
                                   QStringLiteral("CE \u2212log(p)/10"),
                                   QStringLiteral("min at p = 0.92 \u2192 label smoothing")};
        for (const QString& name : names) {
            plot.addGraph()->setName(name);
        }
        plot.resize(800, 300);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(plot.legend->wrap(), 3);  // wide: one row
        QVector<int> widths;
        for (int i = 0; i < 3; ++i) {
            widths << plot.legend->item(i)->minimumOuterSizeHint().width();
        }
        QVERIFY(widths[2] > widths[0] && widths[2] > widths[1]);
        // Wide enough for every entry alone and for the two short ones side by side, too narrow
        // for the long one beside a short one.
        const int spacing = plot.legend->columnSpacing();
        const int narrow = std::max(widths[2], widths[0] + spacing + widths[1]) + 20;
        QVERIFY(widths[2] + spacing + widths[1] + 20 > narrow);
        plot.resize(narrow, 300);
        plot.replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(plot.legend->wrap(), 1);
        plot.replot(QCustomPlot::rpImmediateRefresh);  // the layout of the new wrap
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(plot.legend->item(i)->outerRect().right() <= plot.width(),
                     qPrintable(names[i]));
        }
    }

    void theLogBridgeCarriesLinesFromAnyThread() {
        ui::LogBridge bridge;
        QSignalSpy lines(&bridge, &ui::LogBridge::linesLogged);
        std::thread([] {
            for (int i = 0; i < 3; ++i) {
                core::logger("core")->warn("engine line {}", i);
            }
        }).join();
        QTRY_VERIFY(!lines.isEmpty());
        QStringList all;
        for (const auto& args : lines) {
            all += args.at(0).toStringList();
        }
        QCOMPARE(all.filter(QStringLiteral("engine line")).size(), 3);
        QVERIFY(all.first().contains(QLatin1String("[core] [warning]")));
    }
};

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
