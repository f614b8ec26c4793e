// storage_crash_writer STORE [BATCHES]: records one run as fast as it can, reporting each committed
// batch on stdout ("committed <batches> <rows>"), until it is killed or, given BATCHES, until it
// has committed that many; it then finishes the run and closes the store as a CLI run would.
// Used by test_storage_crash.

#include <QCoreApplication>
#include <QStringList>
#include <cstdio>

#include <lossstudio/storage/run_writer.h>

using namespace lossstudio::storage;

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2 && args.size() != 3) {
        std::fputs("usage: storage_crash_writer STORE [BATCHES]\n", stderr);
        return 2;
    }
    const qint64 lastBatch = args.size() == 3 ? args.at(2).toLongLong() : (qint64{1} << 40);
    WriterOptions options;
    options.flushRows = 1 << 30;  // commits only when told: each reported batch is one transaction
    options.flushIntervalMs = 1 << 30;
    auto writer = RunWriter::open(args.at(1), options);
    if (!writer) {
        std::fprintf(stderr, "%s\n", qPrintable(writer.error()));
        return 1;
    }
    NewRun run;
    run.name = QStringLiteral("crash victim");
    run.method = QStringLiteral("adalfl");
    const auto handle = writer.value()->createRun(run);
    if (!handle) {
        std::fprintf(stderr, "%s\n", qPrintable(handle.error()));
        return 1;
    }
    std::printf("run %s\n", qPrintable(handle.value().uuid));
    std::fflush(stdout);
    constexpr int kBatch = 500;  // steps per batch, two keys each
    qint64 step = 0;
    for (qint64 batch = 1; batch <= lastBatch; ++batch) {
        for (int i = 0; i < kBatch; ++i) {
            ++step;
            (void)writer.value()->appendMetric(QStringLiteral("train/loss"), step, step * 1e-3,
                                               1.0 / step);
            (void)writer.value()->appendMetric(QStringLiteral("train/accuracy"), step, step * 1e-3,
                                               step * 0.5);
        }
        (void)writer.value()->addSnapshot(step, QStringLiteral("loss/online"), {{float(batch)}});
        if (const Status s = writer.value()->flush(); !s) {
            std::fprintf(stderr, "%s\n", qPrintable(s.error()));
            return 1;
        }
        std::printf("committed %lld %lld\n", static_cast<long long>(batch),
                    static_cast<long long>(step));
        std::fflush(stdout);
    }
    if (const Status s = writer.value()->finishRun(RunStatus::Finished, QStringLiteral("done"));
        !s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error()));
        return 1;
    }
    return 0;
}
