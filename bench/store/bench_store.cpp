// bench_store: the run store's throughput and query latencies, printed as JSON.
//   bench_store [--rows N] [--batch N] [--append-repeat N] [--runs N] [--series N] [--repeat N]
//               [--dir PATH]
// Builds its stores in a temporary folder (or --dir) and removes them afterwards.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>
#include <QVector>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

namespace storage = lossstudio::storage;

namespace {

const QStringList kKeys = {
    QStringLiteral("train/loss"),      QStringLiteral("train/task_loss"),
    QStringLiteral("train/accuracy"),  QStringLiteral("train/lr"),
    QStringLiteral("train/grad_norm"), QStringLiteral("meta/loss"),
    QStringLiteral("meta/grad_norm"),
};
const QStringList kEvalKeys = {
    QStringLiteral("validation/loss"),
    QStringLiteral("validation/accuracy"),
    QStringLiteral("test/loss"),
    QStringLiteral("test/accuracy"),
};

[[noreturn]] void fail(const QString& what) {
    std::fprintf(stderr, "bench_store: %s\n", qPrintable(what));
    std::exit(1);
}

template <class T>
T check(storage::Result<T> r) {
    if (!r) {
        fail(r.error());
    }
    return std::move(r).value();
}

void check(const storage::Status& s) {
    if (!s) {
        fail(s.error());
    }
}

storage::NewRun newRun(int i) {
    storage::NewRun run;
    run.name = QStringLiteral("bench-%1").arg(i);
    run.configJson = QStringLiteral("{\"method\":\"adalfl\",\"seed\":%1,\"steps\":10000}").arg(i);
    run.configHash = QStringLiteral("%1").arg(i % 50, 16, 16, QLatin1Char('0'));
    run.seed = static_cast<quint64>(i);
    run.method = (i % 3 == 0)
                     ? QStringLiteral("adalfl")
                     : (i % 3 == 1 ? QStringLiteral("ml3") : QStringLiteral("cross_entropy"));
    run.model = (i % 2 == 0) ? QStringLiteral("mlp") : QStringLiteral("lenet5");
    run.dataset = QStringLiteral("fashion-mnist");
    run.appVersion = QStringLiteral("0.1.0");
    run.host = QSysInfo::machineHostName();
    if (i % 10 == 0) {
        run.tags = {QStringLiteral("paper"), QStringLiteral("batch-%1").arg(i / 1000)};
    }
    return run;
}

// Median and minimum of `repeat` timings (milliseconds) of fn.
QJsonObject timeIt(int repeat, const std::function<void()>& fn) {
    QVector<double> ms;
    for (int i = 0; i < repeat; ++i) {
        QElapsedTimer t;
        t.start();
        fn();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return QJsonObject{{QStringLiteral("median_ms"), std::round(ms.at(ms.size() / 2) * 100) / 100},
                       {QStringLiteral("min_ms"), std::round(ms.first() * 100) / 100},
                       {QStringLiteral("repeat"), repeat}};
}

}  // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    // The store logs every run's start and end at info: keep the 10,000 runs quiet.
    spdlog::stderr_color_mt("storage")->set_level(spdlog::level::warn);
    qint64 rows = 1000000;
    int runs = 10000;
    qint64 seriesPoints = 100000;
    int repeat = 15;
    int batch = storage::WriterOptions{}.flushRows;
    int appendRepeat = 5;
    QString dirOption;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--rows")) {
            rows = args[i + 1].toLongLong();
        } else if (args[i] == QLatin1String("--runs")) {
            runs = args[i + 1].toInt();
        } else if (args[i] == QLatin1String("--series")) {
            seriesPoints = args[i + 1].toLongLong();
        } else if (args[i] == QLatin1String("--repeat")) {
            repeat = std::max(1, args[i + 1].toInt());
        } else if (args[i] == QLatin1String("--append-repeat")) {
            appendRepeat = std::max(1, args[i + 1].toInt());
        } else if (args[i] == QLatin1String("--batch")) {
            batch = std::max(1, args[i + 1].toInt());
        } else if (args[i] == QLatin1String("--dir")) {
            dirOption = args[i + 1];
        } else {
            fail(QStringLiteral("unknown option %1").arg(args[i]));
        }
    }
    QTemporaryDir temp(dirOption.isEmpty() ? QString()
                                           : dirOption + QStringLiteral("/bench-XXXXXX"));
    if (!temp.isValid()) {
        fail(QStringLiteral("cannot create a temporary folder"));
    }
    QJsonObject out;
    out.insert(QStringLiteral("benchmark"), QStringLiteral("store"));
    out.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    out.insert(QStringLiteral("folder"), temp.path());
    {
        // Other processes compete for the CPU: say how busy the machine was.
        QFile loadavg(QStringLiteral("/proc/loadavg"));
        if (loadavg.open(QIODevice::ReadOnly)) {
            out.insert(QStringLiteral("load_average_at_start"),
                       QString::fromLatin1(loadavg.readAll()).section(QLatin1Char(' '), 0, 2));
        }
        out.insert(QStringLiteral("cpus"), QThread::idealThreadCount());
    }

    // 1. Appending metrics: one run, the engine's keys, committed in the writer's batches. Repeated
    // on fresh files: on a shared machine the best run is the one least disturbed by others.
    {
        QVector<double> wall;
        QVector<double> cpu;
        QVector<double> closed;
        qint64 written = 0;
        double fileMb = 0;
        for (int r = 0; r < appendRepeat; ++r) {
            const QString path = temp.filePath(QStringLiteral("append-%1.sqlite").arg(r));
            storage::WriterOptions options;
            options.flushRows = batch;
            auto writer = check(storage::RunWriter::open(path, options));
            check(writer->createRun(newRun(0)));
            QElapsedTimer t;
            t.start();
            const std::clock_t cpu0 = std::clock();
            written = 0;
            for (qint64 step = 1; written < rows; ++step) {
                for (const QString& key : kKeys) {
                    check(writer->appendMetric(key, step, step * 0.01,
                                               std::sin(step * 1e-3) + written * 1e-9));
                    ++written;
                }
            }
            check(writer->finishRun(storage::RunStatus::Finished));
            wall << written / (t.nsecsElapsed() / 1e9);
            cpu << written / (double(std::clock() - cpu0) / CLOCKS_PER_SEC);
            writer.reset();  // the last connection checkpoints the WAL into the file
            closed << written / (t.nsecsElapsed() / 1e9);
            fileMb = QFileInfo(path).size() / 1e6;
            QFile::remove(path);
        }
        auto median = [](QVector<double> v) {
            std::sort(v.begin(), v.end());
            return std::round(v.at(v.size() / 2));
        };
        auto best = [](const QVector<double>& v) {
            return std::round(*std::max_element(v.begin(), v.end()));
        };
        out.insert(
            QStringLiteral("append"),
            QJsonObject{{QStringLiteral("rows"), written},
                        {QStringLiteral("repeat"), appendRepeat},
                        {QStringLiteral("batch_rows"), batch},
                        {QStringLiteral("rows_per_second_best"), best(wall)},
                        {QStringLiteral("rows_per_second_median"), median(wall)},
                        {QStringLiteral("rows_per_cpu_second_median"), median(cpu)},
                        {QStringLiteral("rows_per_second_including_close_median"), median(closed)},
                        {QStringLiteral("file_mb"), std::round(fileMb * 10) / 10},
                        {QStringLiteral("target_rows_per_second"), 300000}});
    }

    // 2. A store with many runs; one of them holds long series.
    const QString path = temp.filePath(QStringLiteral("runs.sqlite"));
    qint64 seriesRun = 0;
    {
        QElapsedTimer t;
        t.start();
        storage::WriterOptions options;
        auto writer = check(storage::RunWriter::open(path, options));
        for (int i = 0; i < runs; ++i) {
            const auto handle = check(writer->createRun(newRun(i)));
            const qint64 steps = (i == runs / 2) ? seriesPoints : 20;
            if (i == runs / 2) {
                seriesRun = handle.id;
            }
            for (qint64 step = 1; step <= steps; ++step) {
                const double x = step * 1e-3;
                // A noisy decaying loss with a few spikes.
                const double spike = (step % 9973 == 0) ? 5.0 : 0.0;
                for (const QString& key : kKeys) {
                    check(writer->appendMetric(key, step, step * 0.01,
                                               std::exp(-x) + 0.05 * std::sin(step * 0.7) + spike));
                }
                if (step % 10 == 0) {
                    for (const QString& key : kEvalKeys) {
                        check(writer->appendMetric(key, step, step * 0.01,
                                                   0.5 + 0.4 * (1 - std::exp(-x)) + i * 1e-6));
                    }
                }
            }
            check(writer->finishRun(storage::RunStatus::Finished, QString()));
        }
        out.insert(QStringLiteral("build_store_seconds"), std::round(t.nsecsElapsed() / 1e6) / 1e3);
    }
    auto reader = check(storage::RunReader::open(path));
    QJsonObject list;
    list.insert(QStringLiteral("runs"), runs);
    {
        storage::RunQuery all;
        int count = 0;
        int latest = 0;
        list.insert(QStringLiteral("all_runs_with_latest_metrics"), timeIt(repeat, [&] {
                        auto result = check(reader->listRuns(all));
                        count = static_cast<int>(result.size());
                        latest = static_cast<int>(result.first().latest.size());
                    }));
        if (count != runs) {
            fail(QStringLiteral("listed %1 runs, expected %2").arg(count).arg(runs));
        }
        list.insert(QStringLiteral("latest_metrics_per_run"), latest);
        storage::RunQuery page;
        page.limit = 100;
        page.sort.field = storage::RunSort::Field::Metric;
        page.sort.metricKey = QStringLiteral("test/accuracy");
        list.insert(QStringLiteral("page_100_sorted_by_test_accuracy"),
                    timeIt(repeat, [&] { check(reader->listRuns(page)); }));
        storage::RunQuery filtered;
        filtered.filter.method = QStringLiteral("adalfl");
        filtered.filter.text = QStringLiteral("bench-99");
        filtered.limit = 100;
        list.insert(QStringLiteral("filtered_method_and_text_page_100"),
                    timeIt(repeat, [&] { check(reader->listRuns(filtered)); }));
        list.insert(QStringLiteral("target_ms"), 100);
    }
    out.insert(QStringLiteral("run_list"), list);

    QJsonObject series;
    series.insert(QStringLiteral("points"), seriesPoints);
    {
        qsizetype n = 0;
        series.insert(
            QStringLiteral("read_whole"), timeIt(repeat, [&] {
                n = check(reader->series(seriesRun, QStringLiteral("train/loss"))).steps.size();
            }));
        if (n != seriesPoints) {
            fail(QStringLiteral("read %1 points, expected %2").arg(n).arg(seriesPoints));
        }
        series.insert(QStringLiteral("read_target_ms"), 50);
        qsizetype d = 0;
        series.insert(
            QStringLiteral("decimated_2000"), timeIt(repeat, [&] {
                d = check(reader->decimatedSeries(seriesRun, QStringLiteral("train/loss"), 2000))
                        .steps.size();
            }));
        series.insert(QStringLiteral("decimated_points"), static_cast<qint64>(d));
        series.insert(QStringLiteral("decimated_target_ms"), 20);
        series.insert(QStringLiteral("decimated_2000_of_a_10000_step_window"), timeIt(repeat, [&] {
                          check(reader->decimatedSeries(seriesRun, QStringLiteral("train/loss"),
                                                        2000, 40000, 49999));
                      }));
    }
    out.insert(QStringLiteral("series"), series);
    reader.reset();
    out.insert(QStringLiteral("store_file_mb"), std::round(QFileInfo(path).size() / 1e5) / 10);
    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
    return 0;
}
