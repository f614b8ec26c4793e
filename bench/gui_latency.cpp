// bench_gui_latency: how responsive the studio window stays while the engine runs at full speed.
// Prints JSON: the GUI thread's event-loop stalls (a 5 ms precise timer; a stall is how late it
// fired), the redraw rate of each plot, the controller's frame rate, and the time to replot a
// 100,000-point series and the whole live view holding 100,000 steps. Runs offscreen.
//
//   QT_QPA_PLATFORM=offscreen build/bench/bench_gui_latency [--seconds 20] [--method cross_entropy]
//       [--dataset fashion-mnist|synthetic] [--hidden 256]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/paths.h>
#include <lossstudio/core/torch_info.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/core/version.h>
#include <lossstudio/ui/engine_controller.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/metric_plot.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/run_data.h>

using namespace lossstudio;

namespace {

double percentile(std::vector<double> values, double q) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto index =
        static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
    return values[std::min(index, values.size() - 1)];
}

double round3(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

/// Runs the event loop until `done` or `timeoutMs`.
bool spinUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return done();
}

/// Time to replot one 800x500 plot holding a 100,000-point noisy series (ms, median and max).
QJsonObject replotOneSeries() {
    ui::PlotView plot(QStringLiteral("bench"));
    plot.resize(800, 500);
    plot.show();
    QCPGraph* graph = plot.addGraph();
    graph->setPen(QPen(ui::PlotView::seriesColor(0), 1.8));  // as the studio draws a smoothed curve
    QVector<double> x(100000);
    QVector<double> y(100000);
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 0.05);
    double walk = 0;
    for (int i = 0; i < x.size(); ++i) {
        walk += noise(rng);
        x[i] = i;
        y[i] = std::sin(i / 5000.0) + walk * 0.1 + noise(rng);
    }
    plot.setSeries(graph, x, y);
    plot.rescaleAxes();
    plot.replot(QCustomPlot::rpImmediateRefresh);  // warm-up
    std::vector<double> times;
    for (int i = 0; i < 25; ++i) {
        QElapsedTimer t;
        t.start();
        plot.replot(QCustomPlot::rpImmediateRefresh);
        times.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    return {{QStringLiteral("points"), 100000},
            {QStringLiteral("size"), QStringLiteral("800x500")},
            {QStringLiteral("median_ms"), round3(percentile(times, 0.5))},
            {QStringLiteral("max_ms"), round3(*std::max_element(times.begin(), times.end()))}};
}

/// Time to replot every plot of the live view once each series holds 100,000 steps (the end of
/// a long run), window 1280x800.
QJsonObject replotFullView() {
    ui::MainWindow window(core::libtorchEngine());
    window.resize(1280, 800);
    window.show();
    core::RunConfig config;
    config.steps = 100000;
    window.runData()->reset(config);
    ui::EventBatch batch;
    std::mt19937 rng(2);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (std::int64_t s = 1; s <= 100000; ++s) {
        core::StepMetrics m;
        m.phase = core::Phase::Online;
        m.step = s;
        m.trainAccuracy = std::min(1.0, 0.5 + 0.4 * s / 100000.0 + 0.1 * u(rng));
        m.trainLoss = 0.5 + u(rng);
        m.taskLoss = 0.4 + u(rng);
        m.gradNorm = 0.1 + u(rng);
        m.metaLoss = 0.4 + u(rng);
        m.metaGradNorm = 0.001 + 0.01 * u(rng);
        m.lossGradRatio = 0.5 + u(rng);
        core::appendSamples(m, batch.samples);
    }
    window.runData()->append(batch);
    window.liveView()->showPhase(core::Phase::Online);
    int graphs = 0;
    for (auto* plot : window.liveView()->plots()) {
        for (int i = 0; i < plot->graphCount(); ++i) {
            graphs += plot->graph(i)->data()->size() >= 100000 ? 1 : 0;
        }
    }
    window.liveView()->replotNow();  // warm-up
    std::vector<double> times;
    for (int i = 0; i < 10; ++i) {
        QElapsedTimer t;
        t.start();
        window.liveView()->replotNow();
        times.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    return {{QStringLiteral("steps"), 100000},
            {QStringLiteral("graphs_of_100k_points"), graphs},
            {QStringLiteral("median_ms"), round3(percentile(times, 0.5))},
            {QStringLiteral("max_ms"), round3(*std::max_element(times.begin(), times.end()))}};
}

}  // namespace

int main(int argc, char* argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("Seconds of measured training."),
                                           QStringLiteral("S"), QStringLiteral("20"));
    const QCommandLineOption methodOption(QStringLiteral("method"),
                                          QStringLiteral("Training method."),
                                          QStringLiteral("NAME"), QStringLiteral("cross_entropy"));
    const QCommandLineOption datasetOption(
        QStringLiteral("dataset"),
        QStringLiteral("fashion-mnist (default when installed) or synthetic."),
        QStringLiteral("NAME"));
    const QCommandLineOption hiddenOption(QStringLiteral("hidden"),
                                          QStringLiteral("MLP hidden width."), QStringLiteral("N"),
                                          QStringLiteral("256"));
    parser.addOptions({secondsOption, methodOption, datasetOption, hiddenOption});
    parser.process(app);

    core::LogOptions logging;
    logging.level = spdlog::level::warn;
    logging.toFile = false;
    core::initLogging(logging);

    core::RunConfig config;
    config.method = parser.value(methodOption).toStdString();
    config.steps = 100000000;
    config.batchSize = 128;
    config.evalInterval = 500;
    config.snapshotInterval = 100;
    config.checkpointInterval = 0;
    config.model.name = "mlp";
    config.model.hidden = {parser.value(hiddenOption).toLongLong()};
    config.meta.initSteps = 200;
    QString dataset = parser.value(datasetOption);
    if (dataset.isEmpty()) {
        dataset = QFileInfo(QString::fromStdString(core::defaultFashionMnistDirectory())).isDir()
                      ? QStringLiteral("fashion-mnist")
                      : QStringLiteral("synthetic");
    }
    config.data.name = dataset.toStdString();
    if (dataset == QLatin1String("synthetic")) {  // MNIST-sized blobs
        config.data.syntheticClasses = 10;
        config.data.syntheticFeatures = 784;
        config.data.syntheticSamples = 70000;
    }

    std::fputs("bench_gui_latency: replotting 100,000 points\n", stderr);
    const QJsonObject oneSeries = replotOneSeries();
    std::fputs("bench_gui_latency: replotting the live view with 100,000 steps\n", stderr);
    const QJsonObject fullView = replotFullView();
    std::fprintf(stderr, "bench_gui_latency: %d s of %s training\n",
                 parser.value(secondsOption).toInt(), config.method.c_str());

    ui::MainWindow window(core::libtorchEngine());
    window.resize(1280, 800);
    window.show();
    window.experimentPanel()->setConfig(config);
    if (!window.experimentPanel()->isValid()) {
        std::fprintf(stderr, "bench_gui_latency: %s\n",
                     qPrintable(window.experimentPanel()->firstError()));
        return 2;
    }
    ui::EngineController* controller = window.controller();
    long long frames = 0;
    long long steps = 0;
    QObject::connect(controller, &ui::EngineController::eventsArrived, &window,
                     [&](const ui::EventBatch& batch) {
                         ++frames;
                         steps += batch.stepEvents;
                     });
    if (!window.startRun()) {
        std::fprintf(stderr, "bench_gui_latency: the run did not start\n");
        return 1;
    }
    // Measure once the engine is stepping (data loading happens on the worker thread anyway).
    if (!spinUntil([&] { return steps > 0; }, 120000)) {
        std::fprintf(stderr, "bench_gui_latency: no step within two minutes\n");
        return 1;
    }
    const auto plots = window.liveView()->plots();
    std::vector<qint64> replotsBefore;
    for (auto* plot : plots) {
        replotsBefore.push_back(plot->replotCount());
    }
    const long long framesBefore = frames;
    const long long stepsBefore = steps;

    constexpr int kProbeMs = 5;
    std::vector<double> stalls;
    QElapsedTimer clock;
    clock.start();
    qint64 lastNs = clock.nsecsElapsed();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(kProbeMs);
    QObject::connect(&probe, &QTimer::timeout, [&]() {
        const qint64 now = clock.nsecsElapsed();
        stalls.push_back(std::max(0.0, static_cast<double>(now - lastNs) / 1e6 - kProbeMs));
        lastNs = now;
    });
    probe.start();
    const int seconds = parser.value(secondsOption).toInt();
    // exit(), not quit(): quit() asks the windows to close, and the window asks before it
    // stops a run.
    QTimer::singleShot(seconds * 1000, &app, []() { QCoreApplication::exit(0); });
    QApplication::exec();
    probe.stop();
    const double elapsed = static_cast<double>(clock.nsecsElapsed()) / 1e9;

    QJsonObject perPlot;
    double maxRate = 0;
    double totalRate = 0;
    for (int i = 0; i < plots.size(); ++i) {
        const double rate = static_cast<double>(plots[i]->replotCount() -
                                                replotsBefore[static_cast<std::size_t>(i)]) /
                            elapsed;
        perPlot.insert(plots[i]->objectName(), round3(rate));
        maxRate = std::max(maxRate, rate);
        totalRate += rate;
    }
    const long long measuredSteps = steps - stepsBefore;

    controller->stop();
    controller->waitForFinished(120000);

    QJsonObject out{
        {QStringLiteral("bench"), QStringLiteral("gui_latency")},
        {QStringLiteral("version"), QString::fromStdString(core::appVersion())},
        {QStringLiteral("blas"), QString::fromStdString(core::blasDescription())},
        {QStringLiteral("run"),
         QJsonObject{{QStringLiteral("dataset"), dataset},
                     {QStringLiteral("model"),
                      QStringLiteral("mlp 784-%1-10").arg(config.model.hidden.front())},
                     {QStringLiteral("method"), QString::fromStdString(config.method)},
                     {QStringLiteral("batch_size"), static_cast<qint64>(config.batchSize)},
                     {QStringLiteral("measured_s"), round3(elapsed)},
                     {QStringLiteral("steps"), measuredSteps},
                     {QStringLiteral("steps_per_s"),
                      round3(static_cast<double>(measuredSteps) / elapsed)}}},
        {QStringLiteral("event_loop_stall_ms"),
         QJsonObject{{QStringLiteral("probe_interval_ms"), kProbeMs},
                     {QStringLiteral("samples"), static_cast<qint64>(stalls.size())},
                     {QStringLiteral("p50"), round3(percentile(stalls, 0.5))},
                     {QStringLiteral("p99"), round3(percentile(stalls, 0.99))},
                     {QStringLiteral("max"),
                      round3(stalls.empty() ? 0 : *std::max_element(stalls.begin(), stalls.end()))},
                     {QStringLiteral("target_p99"), 50},
                     {QStringLiteral("target_max"), 200}}},
        {QStringLiteral("redraws_per_s"),
         QJsonObject{{QStringLiteral("per_plot"), perPlot},
                     {QStringLiteral("max_plot"), round3(maxRate)},
                     {QStringLiteral("all_plots"), round3(totalRate)},
                     {QStringLiteral("target_per_plot"), 30}}},
        {QStringLiteral("event_frames_per_s"),
         round3(static_cast<double>(frames - framesBefore) / elapsed)},
        {QStringLiteral("replot_100k_points"), oneSeries},
        {QStringLiteral("replot_live_view_100k_steps"), fullView},
    };
    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
    return 0;
}
