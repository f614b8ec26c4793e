// bench_compare: the runs browser and the compare view on a large store. Builds (or reuses) a
// store of 1,000 runs, each with 10,000 steps of train/loss and meta/loss, test and validation
// accuracy every 100 steps and a learned-loss snapshot every 1,000 steps (100 experiments x 10
// seeds), then times on the GUI thread, offscreen, with the widgets shown at 1280x800:
//   browser_fill     open the store, build the Runs browser (model reset: count + first page of
//                    200 runs with their latest metrics and warning counts) and paint the table
//   browser_refresh  a model reset of the open browser and its repaint
//   browser_sort / browser_filter   a header sort (final test accuracy), a method + text filter
//   overlay_10       CompareView::setRuns with 10 runs of different experiments (decimated reads,
//                    groups, config diff, tables, snapshots) and an immediate replot of its plots
//   overlay_10_seeds the same for 10 seeds of one experiment (one mean +/- std band)
//   replay           loadStoredRun + showStoredRun of one run and a replot of the live view
// Prints JSON (milliseconds: median, max, first) on stdout.
//
//   QT_QPA_PLATFORM=offscreen build/bench/bench_compare [--runs 1000] [--steps 10000]
//       [--repeat 9] [--store PATH (reuse or create)] [--dir PATH]
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>
#include <lossstudio/ui/compare_view.h>
#include <lossstudio/ui/live_view.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/replay.h>
#include <lossstudio/ui/run_data.h>
#include <lossstudio/ui/run_table_model.h>
#include <lossstudio/ui/runs_browser.h>
#include <lossstudio/ui/store_session.h>

using namespace lossstudio;

namespace {

constexpr int kSeeds = 10;  // runs per experiment

double round3(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

QJsonObject summary(QVector<double> ms) {
    const double first = ms.isEmpty() ? 0 : ms.first();
    std::sort(ms.begin(), ms.end());
    const double median = ms.isEmpty() ? 0 : ms[ms.size() / 2];
    return QJsonObject{{QStringLiteral("median_ms"), round3(median)},
                       {QStringLiteral("max_ms"), round3(ms.isEmpty() ? 0 : ms.last())},
                       {QStringLiteral("first_ms"), round3(first)},
                       {QStringLiteral("repeats"), static_cast<int>(ms.size())}};
}

double elapsedMs(const QElapsedTimer& t) {
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

/// The config of experiment `e`, seed `s`: methods, models and learning rates vary by experiment.
core::RunConfig configOf(int e, int s) {
    core::RunConfig c;
    const char* methods[] = {"adalfl", "ml3", "cross_entropy", "taylorglo"};
    const char* models[] = {"mlp", "lenet5", "logistic", "allcnnc"};
    const char* datasets[] = {"fashion-mnist", "synthetic"};
    c.method = methods[e % 4];
    c.model.name = models[(e / 4) % 4];
    c.data.name = datasets[(e / 16) % 2];
    c.optimizer.lr = 0.01 * (1 + e % 7);
    c.meta.lr = 1e-3 * (1 + e % 3);
    c.seed = static_cast<std::uint64_t>(s);
    c.steps = 10000;
    c.name = QStringLiteral("exp%1-%2-%3-s%4")
                 .arg(e, 3, 10, QLatin1Char('0'))
                 .arg(QLatin1String(c.method.c_str()), QLatin1String(c.model.name.c_str()))
                 .arg(s)
                 .toStdString();
    return c;
}

/// Writes `runs` runs of `steps` steps into a new store. Returns false on error (printed).
bool buildStore(const QString& path, int runs, int steps) {
    storage::WriterOptions options;
    options.flushRows = 1 << 20;  // big batches: one transaction for most runs
    options.flushIntervalMs = 600000;
    auto writer = storage::RunWriter::open(path, options);
    if (!writer) {
        std::fprintf(stderr, "bench_compare: %s\n", qPrintable(writer.error()));
        return false;
    }
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0.0, 1.0);
    const QString trainLoss = QString::fromLatin1(core::keys::kTrainLoss);
    const QString metaLoss = QString::fromLatin1(core::keys::kMetaLoss);
    const QString test = QString::fromLatin1(core::keys::kTestAccuracy);
    const QString validation = QString::fromLatin1(core::keys::kValidationAccuracy);
    QElapsedTimer clock;
    clock.start();
    for (int r = 0; r < runs; ++r) {
        const int e = r / kSeeds;
        const int s = r % kSeeds;
        core::RunConfig config = configOf(e, s);
        config.steps = steps;
        if (auto valid = core::validate(config); !valid) {
            std::fprintf(stderr, "bench_compare: config of run %d: %s\n", r, valid.error().c_str());
            return false;
        }
        storage::NewRun n;
        n.name = QString::fromStdString(config.name);
        n.configJson = QString::fromStdString(core::toJson(config, 2));
        n.configHash = QString::fromStdString(core::configHash(config));
        n.seed = config.seed;
        n.method = QString::fromStdString(config.method);
        n.model = QString::fromStdString(config.model.name);
        n.dataset = QString::fromStdString(config.data.name);
        n.appVersion = QStringLiteral("bench");
        if (r % 10 == 0) {
            n.tags << QStringLiteral("paper");
        }
        auto handle = writer.value()->createRun(n);
        if (!handle) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(handle.error()));
            return false;
        }
        QVector<storage::MetricRow> rows;
        rows.reserve(steps * 2 + 2 * (steps / 100 + 1));
        const double rate = 300.0 + 50.0 * (e % 5);
        double walk = 0;
        for (int step = 1; step <= steps; ++step) {
            walk += 0.002 * noise(rng);
            const double base = 2.0 * std::exp(-step / rate) + 0.2 + 0.05 * (e % 7) + walk;
            rows.push_back({trainLoss, step, step * 0.01, base + 0.05 * noise(rng)});
            rows.push_back({metaLoss, step, step * 0.01, base + 0.1 + 0.05 * noise(rng)});
        }
        for (int step = 0; step <= steps; step += 100) {
            const double acc = 0.9 * (1 - std::exp(-step / rate)) + 0.005 * noise(rng);
            rows.push_back({test, step, step * 0.01, acc});
            rows.push_back({validation, step, step * 0.01, acc + 0.002 * noise(rng)});
        }
        if (auto st = writer.value()->appendMetrics(rows); !st) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(st.error()));
            return false;
        }
        for (int step = 0; step <= steps; step += 1000) {
            core::LossSnapshot snap;
            snap.phase = core::Phase::Online;
            snap.step = step;
            for (int i = 0; i <= 100; ++i) {
                const float p = static_cast<float>(i) / 100.0f;
                snap.p.push_back(p);
                snap.lossY1.push_back(-std::log(std::max(p, 0.005f)) * (1.0f + step * 1e-4f));
                snap.lossY0.push_back(p * p);
                snap.slopeY1.push_back(0);
                snap.slopeY0.push_back(0);
                snap.effective.push_back(0.1f * snap.lossY1.back());
                snap.effectiveSlope.push_back(0);
            }
            QVector<QVector<float>> arrays;
            for (const auto& a : core::packSnapshotCurves(snap)) {
                arrays.push_back(QVector<float>(a.begin(), a.end()));
            }
            (void)writer.value()->addSnapshot(step, QStringLiteral("loss/online"), arrays);
        }
        if (r % 7 == 0) {
            (void)writer.value()->addEvent({1234, QStringLiteral("online"),
                                            QStringLiteral("warning"), QStringLiteral("divergence"),
                                            QStringLiteral("non-finite loss"), 12.34});
        }
        if (auto st = writer.value()->finishRun(r % 13 == 0 ? storage::RunStatus::Stopped
                                                            : storage::RunStatus::Finished);
            !st) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(st.error()));
            return false;
        }
        if ((r + 1) % 50 == 0) {
            std::fprintf(stderr, "bench_compare: %d / %d runs written (%.0f s)\n", r + 1, runs,
                         clock.elapsed() / 1000.0);
        }
    }
    return true;
}

/// Paints a widget now (offscreen: into its backing store).
void paint(QWidget* widget) {
    widget->repaint();
    QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
}

}  // namespace

int main(int argc, char* argv[]) {
    QApplication application(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Runs (1000)."),
                                        QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption stepsOption(QStringLiteral("steps"),
                                         QStringLiteral("Steps per run (10000)."),
                                         QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption repeatOption(QStringLiteral("repeat"),
                                          QStringLiteral("Repeats per measure (9)."),
                                          QStringLiteral("N"), QStringLiteral("9"));
    const QCommandLineOption storeOption(
        QStringLiteral("store"),
        QStringLiteral("Use this store (built there if missing) instead of a temporary one."),
        QStringLiteral("PATH"));
    const QCommandLineOption dirOption(QStringLiteral("dir"),
                                       QStringLiteral("Folder for the temporary store."),
                                       QStringLiteral("PATH"));
    const QCommandLineOption pointsOption(
        QStringLiteral("max-points"),
        QStringLiteral("Points per series the compare view draws (its default: 640)."),
        QStringLiteral("N"));
    parser.addOptions(
        {runsOption, stepsOption, repeatOption, storeOption, dirOption, pointsOption});
    parser.process(application);
    const int runs = std::max(kSeeds * 2, parser.value(runsOption).toInt());
    const int steps = std::max(100, parser.value(stepsOption).toInt());
    const int repeat = std::max(1, parser.value(repeatOption).toInt());
    core::logger("ui")->set_level(spdlog::level::warn);
    core::logger("storage")->set_level(spdlog::level::warn);

    QJsonObject out;
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly)) {
        out.insert(QStringLiteral("load_average_at_start"),
                   QString::fromLatin1(loadavg.readAll()).section(QLatin1Char(' '), 0, 2));
    }
    out.insert(QStringLiteral("cpus"), QThread::idealThreadCount());

    std::unique_ptr<QTemporaryDir> temporary;
    QString path = parser.value(storeOption);
    if (path.isEmpty()) {
        temporary = std::make_unique<QTemporaryDir>(
            parser.isSet(dirOption)
                ? QDir(parser.value(dirOption)).filePath(QStringLiteral("bc-XXXXXX"))
                : QDir::tempPath() + QStringLiteral("/bench_compare-XXXXXX"));
        path = temporary->filePath(QStringLiteral("runs.sqlite"));
    }
    if (!QFileInfo::exists(path)) {
        QElapsedTimer build;
        build.start();
        if (!buildStore(path, runs, steps)) {
            return 1;
        }
        out.insert(QStringLiteral("store_build_s"), round3(build.elapsed() / 1000.0));
    }
    {
        auto reader = storage::RunReader::open(path, storage::OpenMode::ReadOnly);
        if (!reader) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(reader.error()));
            return 1;
        }
        const qint64 count = reader.value()->countRuns().value();
        const auto first = reader.value()->listRuns({}).value().first();
        qint64 points = 0;
        for (const QString& key : reader.value()->metricKeys(first.id).value()) {
            points += reader.value()->series(first.id, key).value().steps.size();
        }
        out.insert(
            QStringLiteral("store"),
            QJsonObject{{QStringLiteral("runs"), count},
                        {QStringLiteral("metric_points_per_run"), points},
                        {QStringLiteral("file_mb"), round3(QFileInfo(path).size() / 1048576.0)}});
    }

    // 1. The Runs browser.
    std::fputs("bench_compare: runs browser\n", stderr);
    QVector<double> fill;
    QVector<double> refresh;
    QVector<double> sort;
    QVector<double> filter;
    QVector<double> fetchAll;
    int rowsShown = 0;
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer t;
        t.start();
        ui::StoreSession session;
        if (auto s = session.open(path); !s) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(s.error()));
            return 1;
        }
        ui::RunsBrowser browser(&session);
        browser.resize(1280, 800);
        browser.show();
        paint(browser.table()->viewport());
        fill << elapsedMs(t);
        rowsShown = browser.model()->rowCount();

        t.restart();
        browser.refresh();
        paint(browser.table()->viewport());
        refresh << elapsedMs(t);

        t.restart();
        browser.sortBy(ui::RunTableModel::TestAccuracy,
                       i % 2 == 0 ? Qt::DescendingOrder : Qt::AscendingOrder);
        paint(browser.table()->viewport());
        sort << elapsedMs(t);

        t.restart();
        browser.methodFilter()->setCurrentIndex(
            browser.methodFilter()->findData(QStringLiteral("adalfl")));
        browser.searchEdit()->setText(QStringLiteral("-s3"));
        browser.applyFilter();
        paint(browser.table()->viewport());
        filter << elapsedMs(t);

        browser.methodFilter()->setCurrentIndex(0);
        browser.searchEdit()->clear();
        browser.applyFilter();
        t.restart();
        browser.model()->fetchAll();
        paint(browser.table()->viewport());
        fetchAll << elapsedMs(t);
    }
    out.insert(QStringLiteral("browser_fill"), summary(fill));
    out.insert(QStringLiteral("browser_rows_in_first_page"), rowsShown);
    out.insert(QStringLiteral("browser_refresh"), summary(refresh));
    out.insert(QStringLiteral("browser_sort_by_test_accuracy"), summary(sort));
    out.insert(QStringLiteral("browser_filter_method_and_text"), summary(filter));
    out.insert(QStringLiteral("browser_fetch_all_rows"), summary(fetchAll));

    // 2. The compare view: 10 runs of 10 experiments, then 10 seeds of one.
    std::fputs("bench_compare: compare view\n", stderr);
    ui::StoreSession session;
    (void)session.open(path);
    QVector<qint64> ids;
    {
        storage::RunQuery q;
        q.sort.field = storage::RunSort::Field::Id;
        q.sort.order = Qt::AscendingOrder;
        q.withLatest = false;
        for (const auto& r : session.reader()->listRuns(q).value()) {
            ids << r.id;
        }
    }
    ui::CompareView compare(&session);
    if (parser.isSet(pointsOption)) {
        compare.setMaxPoints(parser.value(pointsOption).toInt());
        out.insert(QStringLiteral("compare_max_points"), parser.value(pointsOption).toInt());
    }
    compare.resize(1280, 800);
    compare.show();
    QCoreApplication::processEvents();
    QVector<double> replots;  // the replot's share of overlay_10_runs
    auto overlay = [&](const QVector<qint64>& chosen) {
        QElapsedTimer t;
        t.start();
        if (auto s = compare.setRuns(chosen); !s) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(s.error()));
            std::exit(1);
        }
        QElapsedTimer r;
        r.start();
        for (auto p : {ui::CompareView::Plot::Accuracy, ui::CompareView::Plot::LearnedLoss,
                       ui::CompareView::Plot::MetaLoss, ui::CompareView::Plot::LossCurves}) {
            compare.plot(p)->replot(QCustomPlot::rpImmediateRefresh);
        }
        replots << elapsedMs(r);
        return elapsedMs(t);
    };
    QVector<double> distinct;
    QVector<double> distinctReplots;
    QVector<double> seeds;
    int pointsDrawn = 0;
    const int experiments = static_cast<int>(ids.size()) / kSeeds;
    for (int i = 0; i < repeat; ++i) {
        QVector<qint64> chosen;
        for (int k = 0; k < 10; ++k) {  // one seed of 10 experiments, a different set each time
            chosen << ids[((i * 10 + k) % experiments) * kSeeds + (i % kSeeds)];
        }
        const qsizetype before = replots.size();
        distinct << overlay(chosen);
        distinctReplots << replots.mid(before);
        pointsDrawn = 0;
        for (qint64 id : chosen) {
            if (QCPGraph* g = compare.runGraph(ui::CompareView::Plot::LearnedLoss, id)) {
                pointsDrawn += g->data()->size();
            }
        }
        chosen.clear();
        const int e = (i * 7 + 3) % experiments;
        for (int s = 0; s < kSeeds; ++s) {
            chosen << ids[e * kSeeds + s];
        }
        seeds << overlay(chosen);
    }
    out.insert(QStringLiteral("overlay_10_runs"), summary(distinct));
    out.insert(QStringLiteral("overlay_10_runs_of_which_replot"), summary(distinctReplots));
    out.insert(QStringLiteral("overlay_10_runs_learned_loss_points_drawn"), pointsDrawn);
    out.insert(QStringLiteral("overlay_10_seeds_one_band"), summary(seeds));

    // 3. Replaying one run in the live view's widgets.
    std::fputs("bench_compare: replay\n", stderr);
    ui::RunData data;
    ui::LiveView live(&data);
    live.resize(1280, 800);
    live.show();
    QCoreApplication::processEvents();
    QVector<double> replay;
    qint64 replayPoints = 0;
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer t;
        t.start();
        auto run = ui::loadStoredRun(*session.reader(), ids[(i * 37) % ids.size()]);
        if (!run) {
            std::fprintf(stderr, "bench_compare: %s\n", qPrintable(run.error()));
            return 1;
        }
        ui::showStoredRun(data, run.value());
        live.replotNow();
        replay << elapsedMs(t);
        replayPoints = run.value().points;
    }
    out.insert(QStringLiteral("replay_one_run"), summary(replay));
    out.insert(QStringLiteral("replay_metric_points"), replayPoints);
    out.insert(QStringLiteral("targets"), QJsonObject{{QStringLiteral("browser_fill_ms"), 1000},
                                                      {QStringLiteral("overlay_10_runs_ms"), 300}});
    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
    return 0;
}
