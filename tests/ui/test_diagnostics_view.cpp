// The studio side of the learned-loss diagnostics (issue 8): the effective loss beside the raw
// curves (same slider), its minimum marked and labelled, its scale; the learned / cross-entropy
// gradient size with the config's collapse threshold, its zeros drawn at a floor; every warning
// marked on the step plots and the heat map, coloured by code, clickable to show that step's
// loss — for live batches, for a RunData filled as a replay does, and for a real (tiny, forced)
// collapse of an AdaLFL run, recorded into a store and replayed from it.
#include <QComboBox>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/ui/engine_controller.h>
#include <lossstudio/ui/event_batch.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/loss_curve_view.h>
#include <lossstudio/ui/loss_heatmap_view.h>
#include <lossstudio/ui/metric_plot.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/replay.h>
#include <lossstudio/ui/run_data.h>
#include <lossstudio/ui/warning_markers.h>

#include "run_recorder.h"
#include "train/testing_hooks.h"
#include "ui_test_support.h"

using namespace lossstudio;
using Kind = ui::WarningMarkers::Kind;

namespace {

constexpr int kRunTimeoutMs = 120000;
const QString kRatio = QString::fromLatin1(core::keys::kLossGradRatio);

core::RunConfig config(double threshold = 1e-3) {
    core::RunConfig c;
    c.steps = 40;
    c.meta.initSteps = 10;
    c.collapse.threshold = threshold;
    return c;
}

/// A snapshot whose curves sit around `offset` (the raw losses' scale) and whose effective loss
/// is offset + scale (p - a)^2: its minimum at p = a.
core::LossSnapshot snapshot(core::Phase phase, std::int64_t step, double offset, double scale,
                            double a) {
    core::LossSnapshot out;
    out.phase = phase;
    out.step = step;
    out.classes = 4;
    for (int i = 0; i <= 20; ++i) {
        const float p = static_cast<float>(i / 20.0);
        out.p.push_back(p);
        out.lossY1.push_back(static_cast<float>(offset + scale * (1 - p)));
        out.lossY0.push_back(static_cast<float>(offset + scale * p));
        out.slopeY1.push_back(static_cast<float>(-scale));
        out.slopeY0.push_back(static_cast<float>(scale));
        out.effective.push_back(static_cast<float>(offset + scale * (p - a) * (p - a)));
        out.effectiveSlope.push_back(static_cast<float>(2 * scale * (p - a)));
    }
    return out;
}

core::StepMetrics step(core::Phase phase, std::int64_t s, std::optional<double> ratio) {
    core::StepMetrics m;
    m.phase = phase;
    m.step = s;
    m.trainAccuracy = 0.5;
    m.trainLoss = 1;
    m.taskLoss = 1;
    m.gradNorm = 1;
    m.metaLoss = 1;
    m.metaGradNorm = 0.1;
    m.lossGradRatio = ratio;
    return m;
}

core::Warning warning(core::Phase phase, std::int64_t s, const char* code) {
    return {phase, s, code, std::string(code) + " at step " + std::to_string(s)};
}

/// The online steps' gradient-size ratio in runBatch: falling a decade every 10 steps, then 0
/// (collapsed) from step 36.
double ratioAt(std::int64_t s) {
    return s <= 35 ? std::pow(10.0, -0.1 * double(s)) : 0.0;
}

/// A run's worth of events: Phase A (10 steps, one divergence), then 40 online steps with a
/// ratio falling through the threshold to 0 (ratioAt), snapshots every 10 steps, a divergence at
/// 12 and a collapse at 27.
ui::EventBatch runBatch(const core::RunConfig& c) {
    ui::EventBatch batch;
    batch.started = core::RunStarted{};
    batch.started->config = c;
    batch.started->classes = 4;
    batch.phases = {{core::Phase::OfflineInit, 0, "Phase A"}, {core::Phase::Online, 10, "online"}};
    for (std::int64_t s = 1; s <= 10; ++s) {
        core::appendSamples(step(core::Phase::OfflineInit, s, std::nullopt), batch.samples);
    }
    for (std::int64_t s = 1; s <= 40; ++s) {
        core::appendSamples(step(core::Phase::Online, s, ratioAt(s)), batch.samples);
    }
    batch.snapshots.push_back(snapshot(core::Phase::OfflineInit, 0, 1, 1, 1.0));
    batch.snapshots.push_back(snapshot(core::Phase::OfflineInit, 10, 1, 1, 1.0));
    for (std::int64_t s = 0; s <= 40; s += 10) {
        batch.snapshots.push_back(
            snapshot(core::Phase::Online, s, 300 + double(s), 2, 1.0 - 0.005 * double(s)));
    }
    batch.warnings = {warning(core::Phase::OfflineInit, 5, "divergence"),
                      warning(core::Phase::Online, 12, "divergence"),
                      warning(core::Phase::Online, 27, "collapse")};
    return batch;
}

QVector<double> values(const QCPGraph* graph) {
    QVector<double> out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out.push_back(it->value);
    }
    return out;
}

QVector<double> keys(const QCPGraph* graph) {
    QVector<double> out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out.push_back(it->key);
    }
    return out;
}

/// The keys of a graph's finite points (a floor graph separates its stretches with NaN).
QVector<double> finiteKeys(const QCPGraph* graph) {
    QVector<double> out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        if (std::isfinite(it->value)) {
            out.push_back(it->key);
        }
    }
    return out;
}

QVector<double> doubles(const std::vector<float>& v, double minus = 0) {
    QVector<double> out;
    for (float x : v) {
        out.push_back(static_cast<double>(x) - minus);
    }
    return out;
}

/// Where a warning's marker is on a step plot (widget pixels, middle of the axis rectangle).
QPoint markerPosition(ui::PlotView* plot, qint64 step) {
    const double x = plot->xAxis->coordToPixel(static_cast<double>(step));
    return QPoint(static_cast<int>(std::lround(x)), plot->axisRect()->center().y());
}

/// Checks the markers of a plot: one per warning of the shown phase, at its step, coloured by
/// its code.
void checkMarkers(const ui::WarningMarkers* markers, const QVector<QPair<qint64, Kind>>& expected,
                  const char* what) {
    QVERIFY2(markers != nullptr, what);
    QCOMPARE(markers->markers().size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const auto& m = markers->markers()[i];
        QCOMPARE(m.mark.step, expected[i].first);
        QCOMPARE(m.kind, expected[i].second);
        QCOMPARE(m.line->pen().color(), ui::WarningMarkers::color(expected[i].second));
        QCOMPARE(m.line->start->coords().x(), double(expected[i].first));
        QVERIFY2(m.toolTip.contains(m.mark.text), what);
    }
}

/// Everything the diagnostics draw, as text (exact values): the ratio plot's graphs, every
/// step plot's and the heat map's markers, and the effective loss and its minimum at every
/// snapshot (the view is left showing the newest). For comparing a live view with a replay.
QStringList diagnostics(ui::LiveView& view, const ui::RunData& data) {
    QStringList out;
    const auto points = [](const QCPGraph* graph) {
        QStringList p;
        for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
            p << QStringLiteral("%1:%2").arg(it->key, 0, 'g', 17).arg(it->value, 0, 'g', 17);
        }
        return p.join(QLatin1Char(' '));
    };
    ui::MetricPlot* ratio = view.ratioPlot();
    for (const QCPGraph* graph : {ratio->rawGraph(kRatio), ratio->smoothedGraph(kRatio),
                                  ratio->floorGraph(kRatio), ratio->thresholdGraph()}) {
        out << graph->name() + QStringLiteral(" = ") + points(graph);
    }
    QVector<const ui::WarningMarkers*> markers;
    for (ui::MetricPlot* plot :
         {view.accuracyPlot(), view.lossPlot(), view.gradientPlot(), view.ratioPlot()}) {
        markers << plot->warningMarkers();
    }
    markers << view.heatmap()->warningMarkers();
    for (const ui::WarningMarkers* m : markers) {
        for (const auto& marker : m->markers()) {
            out << QStringLiteral("marker %1 %2 %3: %4")
                       .arg(marker.mark.step)
                       .arg(marker.mark.code, marker.toolTip)
                       .arg(marker.line->pen().color().name());
        }
    }
    ui::LossCurveView* curves = view.lossCurves();
    for (int i = 0; i < data.snapshots().size(); ++i) {
        curves->setCurrentIndex(i);
        out << QStringLiteral("snapshot %1 e = %2").arg(i).arg(points(curves->effectiveGraph()));
        out << QStringLiteral("snapshot %1 min = %2 (%3)")
                   .arg(i)
                   .arg(points(curves->argminGraph()), curves->argminText());
    }
    return out;
}

}  // namespace

class TestDiagnosticsView final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { core::train::testing::clearInjections(); }
    void cleanup() { core::train::testing::clearInjections(); }

    void theEffectiveLossSitsBesideTheRawCurvesAndMovesWithTheSlider() {
        ui::RunData data;
        data.reset(config());
        ui::LossCurveView view(&data);
        connect(&data, &ui::RunData::changed, &view, &ui::LossCurveView::onDataChanged);
        const core::LossSnapshot early = snapshot(core::Phase::Online, 0, 300, 2, 1.0);
        const core::LossSnapshot late = snapshot(core::Phase::Online, 10, 400, 5, 0.8);
        ui::EventBatch batch;
        batch.snapshots = {early, late};
        data.append(batch);
        QCOMPARE(view.currentIndex(), 1);

        // As it is: exactly the snapshot's e(p); the raw curves beside it are the snapshot's.
        view.setEffectiveScale(ui::LossCurveView::EffectiveScale::Value);
        QCOMPARE(keys(view.effectiveGraph()), doubles(late.p));
        QCOMPARE(values(view.effectiveGraph()), doubles(late.effective));
        QCOMPARE(values(view.lossY1Graph()), doubles(late.lossY1));
        QCOMPARE(values(view.lossY0Graph()), doubles(late.lossY0));
        // The minimum: a marker at effectiveArgmin() and the label saying what it means.
        QCOMPARE(view.argminGraph()->data()->size(), 1);
        QCOMPARE(view.argminGraph()->data()->at(0)->key, double(late.effectiveArgmin()));
        QCOMPARE(view.argminGraph()->data()->at(0)->value, 400.0);
        QCOMPARE(view.argminText(), QStringLiteral("min at p = 0.80 \u2192 label smoothing"));
        QVERIFY(view.effectivePlot()->legend->hasItemWithPlottable(view.argminGraph()));

        // Shifted (the default): e - min e, whose shape fills the plot although e is about 400.
        view.setEffectiveScale(ui::LossCurveView::EffectiveScale::FromMinimum);
        const float minimum = *std::min_element(late.effective.begin(), late.effective.end());
        QCOMPARE(values(view.effectiveGraph()), doubles(late.effective, minimum));
        QCOMPARE(view.argminGraph()->data()->at(0)->value, 0.0);
        const QCPRange range = view.effectivePlot()->yAxis->range();
        QVERIFY2(range.lower < 0 && range.upper > 5 * 0.64 && range.upper < 5,
                 qPrintable(QStringLiteral("%1 .. %2").arg(range.lower).arg(range.upper)));
        QCOMPARE(view.effectivePlot()->yAxis->label(), QStringLiteral("e(p) \u2212 400"));
        // Cross-entropy's own effective loss for reference: -log(p) / C (mean over 4 classes).
        const QCPGraph* ce = view.effectiveReferenceGraph();
        QVERIFY(ce->data()->size() > 50);
        for (auto it = ce->data()->constBegin(); it != ce->data()->constEnd(); ++it) {
            QVERIFY(std::fabs(it->value + std::log(it->key) / 4) < 1e-12);
        }

        // The slider drives both plots.
        auto* slider = view.findChild<QSlider*>(QStringLiteral("snapshotSlider"));
        slider->setValue(0);
        QCOMPARE(view.currentIndex(), 0);
        QCOMPARE(values(view.lossY1Graph()), doubles(early.lossY1));
        QCOMPARE(values(view.effectiveGraph()), doubles(early.effective, 300));
        QCOMPARE(view.argminGraph()->data()->at(0)->key, 1.0);
        QCOMPARE(view.argminText(), QStringLiteral("min at p = 1"));
        // ...and so does play, to the newest.
        view.play();
        QTRY_VERIFY(!view.isPlaying());
        QCOMPARE(values(view.effectiveGraph()), doubles(late.effective, minimum));

        // The scale selector is the same setting.
        auto* scale = view.findChild<QComboBox*>(QStringLiteral("effectiveScale"));
        scale->setCurrentIndex(1);
        QCOMPARE(view.effectiveScale(), ui::LossCurveView::EffectiveScale::Value);
        QCOMPARE(values(view.effectiveGraph()), doubles(late.effective));
        scale->setCurrentIndex(0);

        // A collapsed loss: e flat (softplus stuck at 0). Its "argmin" is the grid's first point
        // (p = 0), which is not label smoothing: no minimum is marked, and the plot's y range
        // keeps a floor so flat looks flat.
        const core::LossSnapshot flat = snapshot(core::Phase::Online, 20, 0, 0, 1.0);
        QCOMPARE(flat.effectiveArgmin(), 0.0f);
        batch.snapshots = {flat};
        data.append(batch);
        QCOMPARE(view.currentIndex(), 2);
        QCOMPARE(values(view.effectiveGraph()), doubles(flat.effective));
        QVERIFY(view.argminGraph()->data()->isEmpty());
        QCOMPARE(view.argminText(), QStringLiteral("flat: no minimum (collapsed?)"));
        QVERIFY(view.effectivePlot()->legend->hasItemWithPlottable(view.argminGraph()));
        QVERIFY(view.effectivePlot()->yAxis->range().size() > 0.25 * std::log(10.0) / 4);
        // ...and back on a shaped one, its minimum again.
        view.setCurrentIndex(1);
        QCOMPARE(view.argminText(), QStringLiteral("min at p = 0.80 \u2192 label smoothing"));
        QCOMPARE(view.argminGraph()->data()->size(), 1);
    }

    void theRatioPlotHoldsTheStepsRatiosAndTheConfigsThreshold() {
        ui::RunData data;
        ui::LiveView live(&data);
        data.reset(config(0.002));
        data.append(runBatch(config(0.002)));
        live.showPhase(core::Phase::Online);
        ui::MetricPlot* ratio = live.ratioPlot();
        QCOMPARE(ratio->title(), QStringLiteral("Learned-loss step size"));
        QCOMPARE(ratio->rawGraph(kRatio)->name(),
                 QStringLiteral("learned / cross-entropy gradient size"));
        QVERIFY(ratio->logY());
        QCOMPARE(ratio->yAxis->scaleType(), QCPAxis::stLogarithmic);
        // Every positive ratio as emitted (a log axis cannot draw the zeros from step 36)...
        QCOMPARE(ratio->rawGraph(kRatio)->data()->size(), 35);
        for (int s = 1; s <= 35; ++s) {
            const auto point = ratio->rawGraph(kRatio)->data()->at(s - 1);
            QCOMPARE(point->key, double(s));
            QCOMPARE(point->value, ratioAt(s));
        }
        // ...and the zeros at the floor, two decades under the threshold, named in the legend.
        const double floor = 0.002 * 0.01;
        QCPGraph* atFloor = ratio->floorGraph(kRatio);
        QVERIFY(atFloor != nullptr && atFloor->visible());
        QCOMPARE(finiteKeys(atFloor), (QVector<double>{36, 37, 38, 39, 40}));
        for (double v : values(atFloor)) {
            QCOMPARE(v, floor);
        }
        QVERIFY(ratio->legend->hasItemWithPlottable(atFloor));
        QCOMPARE(atFloor->name(), QStringLiteral("ratio \u2264 2e-05 (0 included)"));
        // The smoothed curve heads for the floor instead of falling without end (the zeros count
        // as the floor), and the y axis shows the floor.
        const QVector<double> smooth = values(ratio->smoothedGraph(kRatio));
        QCOMPARE(smooth.size(), 40);
        for (int i = 35; i < 40; ++i) {
            QVERIFY2(smooth[i] >= floor && smooth[i] < smooth[i - 1],
                     qPrintable(QStringLiteral("%1: %2").arg(i + 1).arg(smooth[i])));
        }
        QVERIFY(ratio->yAxis->range().contains(floor));
        QVERIFY(ratio->yAxis->range().lower > floor / 2);
        // The threshold line: at the config's value across the plot, named in the legend, in view.
        QCPGraph* line = ratio->thresholdGraph();
        QVERIFY(line != nullptr && line->visible());
        QCOMPARE(line->data()->size(), 2);
        for (double v : values(line)) {
            QCOMPARE(v, 0.002);
        }
        QCOMPARE(line->data()->at(0)->key, ratio->xAxis->range().lower);
        QCOMPARE(line->data()->at(1)->key, ratio->xAxis->range().upper);
        QVERIFY(ratio->legend->hasItemWithPlottable(line));
        QVERIFY(ratio->yAxis->range().contains(0.002));

        // On a linear axis the zeros are drawn as they are; no floor.
        ratio->setLogY(false);
        QCOMPARE(ratio->rawGraph(kRatio)->data()->size(), 40);
        QCOMPARE(ratio->rawGraph(kRatio)->data()->at(39)->value, 0.0);
        QVERIFY(!atFloor->visible());
        QVERIFY(!ratio->legend->hasItemWithPlottable(atFloor));
        ratio->setLogY(true);
        QCOMPARE(finiteKeys(atFloor), (QVector<double>{36, 37, 38, 39, 40}));

        // Phase A has no ratio: no line, no floor. A new run's config moves both.
        live.showPhase(core::Phase::OfflineInit);
        QVERIFY(!line->visible());
        QVERIFY(!ratio->legend->hasItemWithPlottable(line));
        QVERIFY(!ratio->legend->hasItemWithPlottable(atFloor));
        data.reset(config(0.05));
        data.append(runBatch(config(0.05)));
        live.showPhase(core::Phase::Online);
        QVERIFY(line->visible());
        QCOMPARE(values(line), (QVector<double>{0.05, 0.05}));
        // 10^-0.1s <= 5e-4 from s = 34 on.
        QCOMPARE(finiteKeys(atFloor), (QVector<double>{34, 35, 36, 37, 38, 39, 40}));
        QCOMPARE(values(atFloor).first(), 0.05 * 0.01);
    }

    void everyWarningIsMarkedOnTheStepPlotsAndTheHeatMapByCode() {
        ui::RunData data;
        ui::LiveView live(&data);
        data.reset(config());
        data.append(runBatch(config()));
        live.showPhase(core::Phase::Online);
        QVERIFY(ui::WarningMarkers::color(Kind::Divergence) !=
                ui::WarningMarkers::color(Kind::Collapse));
        const QVector<QPair<qint64, Kind>> online = {{12, Kind::Divergence}, {27, Kind::Collapse}};
        for (ui::MetricPlot* plot :
             {live.accuracyPlot(), live.lossPlot(), live.gradientPlot(), live.ratioPlot()}) {
            checkMarkers(plot->warningMarkers(), online, qPrintable(plot->title()));
        }
        checkMarkers(live.heatmap()->warningMarkers(), online, "heat map");
        // Phase A's plots show Phase A's warning.
        live.showPhase(core::Phase::OfflineInit);
        checkMarkers(live.accuracyPlot()->warningMarkers(), {{5, Kind::Divergence}}, "Phase A");
        checkMarkers(live.heatmap()->warningMarkers(), {{5, Kind::Divergence}}, "heat map A");
        // One arriving later is added; a new run clears them.
        live.showPhase(core::Phase::Online);
        ui::EventBatch more;
        more.warnings = {warning(core::Phase::Online, 33, "collapse")};
        data.append(more);
        checkMarkers(live.ratioPlot()->warningMarkers(),
                     {{12, Kind::Divergence}, {27, Kind::Collapse}, {33, Kind::Collapse}}, "more");
        data.reset(config());
        QVERIFY(live.ratioPlot()->warningMarkers()->markers().isEmpty());
        QVERIFY(live.heatmap()->warningMarkers()->markers().isEmpty());
    }

    void clickingAMarkerShowsTheLossOfThatStep() {
        ui::RunData data;
        ui::LiveView live(&data);
        live.resize(1280, 720);
        live.show();
        QVERIFY(QTest::qWaitForWindowExposed(&live));
        data.reset(config());
        data.append(runBatch(config()));
        live.showPhase(core::Phase::Online);
        live.replotNow();
        ui::LossCurveView* curves = live.lossCurves();
        auto* slider = curves->findChild<QSlider*>(QStringLiteral("snapshotSlider"));
        QCOMPARE(curves->currentIndex(), 6);  // following: online step 40

        // The collapse at 27 on the ratio plot: the online snapshot at step 20.
        ui::MetricPlot* ratio = live.ratioPlot();
        const int collapse = ratio->warningMarkers()->markerAt(markerPosition(ratio, 27));
        QCOMPARE(collapse, 1);
        QTest::mouseClick(ratio, Qt::LeftButton, Qt::NoModifier, markerPosition(ratio, 27));
        const int at20 = data.snapshotAtOrBefore(core::Phase::Online, 27);
        QCOMPARE(data.snapshots()[at20].step, qint64(20));
        QCOMPARE(data.snapshots()[at20].phase, core::Phase::Online);
        QCOMPARE(curves->currentIndex(), at20);
        QCOMPARE(slider->value(), at20);
        QVERIFY(!curves->isFollowing());
        QCOMPARE(values(curves->lossY1Graph()), data.snapshots()[at20].lossY1);
        QVERIFY(!ratio->userMovedView());  // a click is not a pan: the plot keeps fitting

        // The divergence at 12 on the heat map: the snapshot at step 10.
        ui::PlotView* heat = live.heatmap()->plot();
        QTest::mouseClick(heat, Qt::LeftButton, Qt::NoModifier, markerPosition(heat, 12));
        QCOMPARE(data.snapshots()[curves->currentIndex()].step, qint64(10));
        QCOMPARE(data.snapshots()[curves->currentIndex()].phase, core::Phase::Online);

        // A click away from every marker does nothing.
        const int before = curves->currentIndex();
        QTest::mouseClick(ratio, Qt::LeftButton, Qt::NoModifier, markerPosition(ratio, 36));
        QCOMPARE(curves->currentIndex(), before);

        // Phase A's divergence at 5 jumps to Phase A's snapshots (step 0), not the online ones.
        live.showPhase(core::Phase::OfflineInit);
        live.replotNow();
        ui::MetricPlot* accuracy = live.accuracyPlot();
        QTest::mouseClick(accuracy, Qt::LeftButton, Qt::NoModifier, markerPosition(accuracy, 5));
        QCOMPARE(data.snapshots()[curves->currentIndex()].phase, core::Phase::OfflineInit);
        QCOMPARE(data.snapshots()[curves->currentIndex()].step, qint64(0));
    }

    void aReplayedRunIsMarkedAndClickableToo() {
        // Filled the way a stored run is: config, series, snapshots, warnings; no live batch.
        ui::RunData data;
        ui::LiveView live(&data);
        live.resize(1280, 720);
        live.show();
        QVERIFY(QTest::qWaitForWindowExposed(&live));
        const ui::EventBatch run = runBatch(config(0.01));
        data.reset(config(0.01));
        data.appendPhaseChanges(run.phases);
        data.appendSamples(run.samples);
        data.appendSnapshots(run.snapshots);
        std::vector<core::Warning> warnings = run.warnings;
        data.appendWarnings(warnings);
        QCOMPARE(live.shownPhase(), core::Phase::Online);  // followed the phases
        checkMarkers(live.ratioPlot()->warningMarkers(),
                     {{12, Kind::Divergence}, {27, Kind::Collapse}}, "replay");
        QCOMPARE(values(live.ratioPlot()->thresholdGraph()), (QVector<double>{0.01, 0.01}));
        live.replotNow();
        ui::MetricPlot* losses = live.lossPlot();
        QTest::mouseClick(losses, Qt::LeftButton, Qt::NoModifier, markerPosition(losses, 27));
        QCOMPARE(live.lossCurves()->currentIndex(),
                 data.snapshotAtOrBefore(core::Phase::Online, 27));
        // The heat map marks the shown snapshot's step.
        QCOMPARE(data.snapshots()[live.lossCurves()->currentIndex()].step, qint64(20));
    }

    void aForcedCollapseOfARealRunIsMarkedWhereItWasCaught() {
        // A tiny AdaLFL run whose loss network is made flat at online step 60 (the engine's
        // fault-injection hook), recorded into a store as the app records: the engine warns
        // "collapse"; the studio marks it, draws the ratio's fall to 0, shows the loss there,
        // and a replay from the store shows the same.
        core::RunConfig c = ui::testing::tinyConfig("adalfl");
        c.loss.output = "softplus";  // the injected collapse is softplus's, stuck at 0
        c.seed = 1;
        c.steps = 200;
        c.meta.initSteps = 0;
        c.evalInterval = 10;
        c.snapshotInterval = 20;
        c.optimizer.lr = 0.01;
        c.collapse.window = 30;
        c.collapse.threshold = 1e-3;
        c.collapse.recovery = "none";
        c.data.syntheticSamples = 2400;
        constexpr std::int64_t kCollapseStep = 60;
        core::train::testing::inject(core::train::testing::Fault::CollapseLoss, core::Phase::Online,
                                     kCollapseStep);

        ui::RunData data;
        ui::LiveView live(&data);
        live.resize(1280, 720);
        live.show();
        QVERIFY(QTest::qWaitForWindowExposed(&live));
        QTemporaryDir dir;
        const QString store = dir.filePath(QStringLiteral("runs.sqlite"));
        ui::EngineController controller(core::libtorchEngine());
        auto recording = std::make_shared<ui::testing::Recording>();
        controller.setObserverFactory([recording, store](const core::RunConfig& config) {
            app::RunRecorder::Options options;
            options.storePath = store;
            options.config = config;
            return std::make_unique<ui::testing::BothObservers>(
                std::make_unique<app::RunRecorder>(std::move(options)),
                std::make_unique<ui::testing::RecordingObserver>(recording));
        });
        connect(&controller, &ui::EngineController::runStarting, &data, &ui::RunData::reset);
        connect(&controller, &ui::EngineController::eventsArrived, &data, &ui::RunData::append);
        QSignalSpy finished(&controller, &ui::EngineController::runFinished);
        QVERIFY(controller.start(c));
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(controller.state(), ui::EngineController::State::Finished);

        const ui::testing::Recording& r = *recording;
        std::vector<core::Warning> collapses;
        for (const auto& w : r.warnings) {
            if (w.code == "collapse") {
                collapses.push_back(w);
            }
        }
        QCOMPARE(collapses.size(), std::size_t{1});
        const core::Warning& w = collapses.front();
        QCOMPARE(w.phase, core::Phase::Online);
        // Caught once the window has passed (and validation accuracy stopped improving).
        QVERIFY2(w.step >= kCollapseStep + c.collapse.window - 1 &&
                     w.step <= kCollapseStep + 2 * c.collapse.window,
                 qPrintable(QString::number(w.step)));

        // The ratio plot holds the steps' ratios; the line sits at the threshold, in view.
        ui::MetricPlot* ratio = live.ratioPlot();
        const double floor = c.collapse.threshold * 0.01;
        QVector<double> expected;
        QVector<double> expectedSteps;
        QVector<double> floorSteps;
        for (const auto& s : r.steps) {
            if (s.phase != core::Phase::Online || !s.lossGradRatio) {
                continue;
            }
            if (*s.lossGradRatio > 0) {
                expectedSteps.push_back(double(s.step));
                expected.push_back(*s.lossGradRatio);
            }
            if (*s.lossGradRatio <= floor) {
                floorSteps.push_back(double(s.step));
            }
        }
        QVERIFY(!expected.isEmpty());
        QCOMPARE(keys(ratio->rawGraph(kRatio)), expectedSteps);
        QCOMPARE(values(ratio->rawGraph(kRatio)), expected);
        QCOMPARE(values(ratio->thresholdGraph()), (QVector<double>{1e-3, 1e-3}));
        QVERIFY(ratio->yAxis->range().contains(1e-3));
        // The collapsed loss's ratio is 0 from the injected step on: drawn at the floor, in view,
        // the smoothed curve settled under the threshold.
        QVERIFY(!floorSteps.isEmpty());
        QCOMPARE(floorSteps.first(), double(kCollapseStep));
        QCOMPARE(floorSteps.last(), double(c.steps));
        QCOMPARE(finiteKeys(ratio->floorGraph(kRatio)), floorSteps);
        QVERIFY(ratio->legend->hasItemWithPlottable(ratio->floorGraph(kRatio)));
        QVERIFY(ratio->yAxis->range().contains(floor));
        const double settled = values(ratio->smoothedGraph(kRatio)).last();
        QVERIFY2(settled >= floor && settled < c.collapse.threshold,
                 qPrintable(QString::number(settled)));

        // One marker per warning on every step plot and the heat map, at its step, by code.
        QVector<QPair<qint64, Kind>> marks;
        for (const auto& warning : r.warnings) {
            if (warning.phase == core::Phase::Online) {
                marks.push_back({warning.step,
                                 ui::WarningMarkers::kindOf(QString::fromStdString(warning.code))});
            }
        }
        QVERIFY(marks.contains({w.step, Kind::Collapse}));
        checkMarkers(ratio->warningMarkers(), marks, "ratio plot");
        checkMarkers(live.accuracyPlot()->warningMarkers(), marks, "accuracy plot");
        checkMarkers(live.heatmap()->warningMarkers(), marks, "heat map");

        // The curves follow the newest snapshot; its effective loss is the engine's, flat.
        ui::LossCurveView* curves = live.lossCurves();
        const core::LossSnapshot& last = r.snapshots.back();
        QCOMPARE(curves->currentIndex(), int(r.snapshots.size()) - 1);
        curves->setEffectiveScale(ui::LossCurveView::EffectiveScale::Value);
        QCOMPARE(values(curves->effectiveGraph()), doubles(last.effective));
        QCOMPARE(curves->argminText(), QStringLiteral("flat: no minimum (collapsed?)"));

        // Clicking the collapse marker shows the online snapshot at or before its step.
        live.replotNow();
        QTest::mouseClick(ratio, Qt::LeftButton, Qt::NoModifier, markerPosition(ratio, w.step));
        int expectedIndex = -1;
        for (std::size_t i = 0; i < r.snapshots.size(); ++i) {
            if (r.snapshots[i].phase == core::Phase::Online && r.snapshots[i].step <= w.step) {
                expectedIndex = int(i);
            }
        }
        QVERIFY(expectedIndex >= 0);
        QCOMPARE(curves->currentIndex(), expectedIndex);
        QCOMPARE(curves->findChild<QSlider*>(QStringLiteral("snapshotSlider"))->value(),
                 expectedIndex);
        QCOMPARE(values(curves->effectiveGraph()), doubles(r.snapshots[expectedIndex].effective));
        curves->setEffectiveScale(ui::LossCurveView::EffectiveScale::FromMinimum);
        const QStringList shownLive = diagnostics(live, data);
        QCOMPARE(shownLive.filter(QStringLiteral("marker ")).size(), 5 * marks.size());
        QCOMPARE(shownLive.filter(QStringLiteral(" e = ")).size(), qsizetype(r.snapshots.size()));

        // Replayed from the store: the same markers, ratio, threshold and curves.
        auto reader = storage::RunReader::open(store, storage::OpenMode::ReadOnly);
        QVERIFY2(reader.ok(), qPrintable(reader.error()));
        auto runs = reader.value()->listRuns();
        QVERIFY2(runs.ok(), qPrintable(runs.error()));
        QCOMPARE(runs.value().size(), qsizetype(1));
        auto stored = ui::loadStoredRun(*reader.value(), runs.value().front().id);
        QVERIFY2(stored.ok(), qPrintable(stored.error()));
        ui::RunData replay;
        ui::LiveView replayView(&replay);
        replayView.resize(1280, 720);
        replayView.show();
        QVERIFY(QTest::qWaitForWindowExposed(&replayView));
        ui::showStoredRun(replay, stored.value());
        QCOMPARE(diagnostics(replayView, replay), shownLive);
        // ...and its collapse marker is clickable the same way.
        replayView.replotNow();
        ui::MetricPlot* replayRatio = replayView.ratioPlot();
        QCOMPARE(replayView.lossCurves()->currentIndex(), int(r.snapshots.size()) - 1);
        QTest::mouseClick(replayRatio, Qt::LeftButton, Qt::NoModifier,
                          markerPosition(replayRatio, w.step));
        QCOMPARE(replayView.lossCurves()->currentIndex(), expectedIndex);
    }
};

QTEST_MAIN(TestDiagnosticsView)
#include "test_diagnostics_view.moc"
