// Min/max decimation keeps each bucket's true minimum and maximum, in step order, within the
// point budget: checked against a brute-force computation, in memory and through the store.

#include <QMap>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <limits>

#include <lossstudio/storage/decimate.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

struct Series {
    QVector<qint64> steps;
    QVector<double> values;
};

Series makeSeries(const QString& shape, quint32 seed) {
    QRandomGenerator rng(seed);
    Series s;
    auto add = [&](qint64 step, double v) {
        s.steps << step;
        s.values << v;
    };
    double walk = 0;
    if (shape == QLatin1String("dense")) {
        for (qint64 step = 0; step < 100000; ++step) {
            walk += rng.generateDouble() - 0.5;
            add(step, (step % 9973 == 17) ? walk + 1000 : walk);  // rare spikes
        }
    } else if (shape == QLatin1String("sparse")) {
        for (qint64 step = 500; step <= 100000; step += 500) {
            add(step, rng.generateDouble());
        }
    } else if (shape == QLatin1String("gappy")) {
        for (qint64 step = 1; step <= 30000; step += 3) {
            if (step < 10000 || step > 20000) {
                add(step, rng.generateDouble() * 10 - 5);
            }
        }
    } else if (shape == QLatin1String("negative")) {
        for (qint64 step = -5000; step < 5000; ++step) {
            add(step, std::sin(step * 0.01) + rng.generateDouble() * 0.1);
        }
    } else if (shape == QLatin1String("small")) {
        for (qint64 step = 1; step <= 10; ++step) {
            add(step, rng.generateDouble());
        }
    } else if (shape == QLatin1String("flat")) {
        for (qint64 step = 1; step <= 5000; ++step) {
            add(step, 0.25);  // every value ties
        }
    }
    return s;
}

const QStringList kShapes = {QStringLiteral("dense"), QStringLiteral("sparse"),
                             QStringLiteral("gappy"), QStringLiteral("negative"),
                             QStringLiteral("small"), QStringLiteral("flat")};

// Checks `d` against the points of `s` with from <= step <= to.
void checkAgainstBruteForce(const Series& s, qint64 from, qint64 to, int maxPoints,
                            const MetricSeries& d) {
    QVector<qint64> steps;
    QVector<double> values;
    QMap<qint64, double> byStep;
    for (int i = 0; i < s.steps.size(); ++i) {
        if (s.steps[i] >= from && s.steps[i] <= to) {
            steps << s.steps[i];
            values << s.values[i];
            byStep.insert(s.steps[i], s.values[i]);
        }
    }
    QVERIFY2(
        d.steps.size() <= std::max(maxPoints, 2),
        qPrintable(
            QStringLiteral("%1 points for a budget of %2").arg(d.steps.size()).arg(maxPoints)));
    QCOMPARE(d.steps.size(), d.values.size());
    for (int i = 1; i < d.steps.size(); ++i) {
        QVERIFY2(d.steps[i - 1] < d.steps[i], "points must come in strictly increasing step order");
    }
    for (int i = 0; i < d.steps.size(); ++i) {
        const qint64 step = static_cast<qint64>(d.steps[i]);
        QVERIFY2(byStep.contains(step),
                 qPrintable(QStringLiteral("step %1 is not a stored point in range").arg(step)));
        QCOMPARE(d.values[i], byStep.value(step));
    }
    if (d.bucketWidth == 0) {
        // Not decimated: the exact points.
        QVector<double> expectSteps;
        for (qint64 st : steps) {
            expectSteps << double(st);
        }
        QCOMPARE(d.steps, expectSteps);
        QCOMPARE(d.values, values);
        return;
    }
    QVERIFY(d.bucketWidth > 0);
    QVERIFY(d.bucketOrigin <= (steps.isEmpty() ? from : steps.first()));
    struct Bucket {
        double min = std::numeric_limits<double>::infinity();
        double max = -std::numeric_limits<double>::infinity();
        QVector<double> kept;
    };
    QMap<qint64, Bucket> buckets;
    for (int i = 0; i < steps.size(); ++i) {
        Bucket& b = buckets[(steps[i] - d.bucketOrigin) / d.bucketWidth];
        b.min = std::min(b.min, values[i]);
        b.max = std::max(b.max, values[i]);
    }
    for (int i = 0; i < d.steps.size(); ++i) {
        const qint64 k = (static_cast<qint64>(d.steps[i]) - d.bucketOrigin) / d.bucketWidth;
        QVERIFY(buckets.contains(k));
        buckets[k].kept << d.values[i];
    }
    for (auto it = buckets.cbegin(); it != buckets.cend(); ++it) {
        const Bucket& b = it.value();
        const QString where = QStringLiteral("bucket %1").arg(it.key());
        QVERIFY2(!b.kept.isEmpty(), qPrintable(where + QStringLiteral(" lost all its points")));
        QVERIFY2(b.kept.size() <= 2, qPrintable(where));
        QVERIFY2(b.kept.contains(b.min), qPrintable(where + QStringLiteral(" lost its minimum")));
        QVERIFY2(b.kept.contains(b.max), qPrintable(where + QStringLiteral(" lost its maximum")));
        if (b.min != b.max) {
            QCOMPARE(b.kept.size(), 2);
        }
    }
}

}  // namespace

class TestDecimation final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<RunReader> m_reader;
    qint64 m_run = 0;
    QMap<QString, Series> m_series;

private Q_SLOTS:
    void initTestCase() {
        const QString path = m_dir.filePath(QStringLiteral("decimate.sqlite"));
        WriterOptions options;
        options.flushRows = 3001;  // tiles merged across many batch boundaries
        auto writer = RunWriter::open(path, options).value();
        m_run = writer->createRun(sampleRun(QStringLiteral("decimation"))).value().id;
        quint32 seed = 1;
        for (const QString& shape : kShapes) {
            const Series s = makeSeries(shape, seed++);
            m_series.insert(shape, s);
            for (int i = 0; i < s.steps.size(); ++i) {
                QVERIFY(writer->appendMetric(shape, s.steps[i], 0, s.values[i]).ok());
            }
        }
        QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        m_reader = RunReader::open(path).value();
    }

    void cleanupTestCase() { m_reader.reset(); }

    void inMemoryDecimationMatchesBruteForce_data() {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<int>("maxPoints");
        for (const QString& shape : kShapes) {
            for (int n : {1, 2, 3, 7, 100, 2000, 20000}) {
                QTest::addRow("%s to %d", qPrintable(shape), n) << shape << n;
            }
        }
    }

    void inMemoryDecimationMatchesBruteForce() {
        QFETCH(QString, shape);
        QFETCH(int, maxPoints);
        const Series& s = m_series.value(shape);
        MetricSeries in;
        for (int i = 0; i < s.steps.size(); ++i) {
            in.steps << double(s.steps[i]);
            in.values << s.values[i];
        }
        const MetricSeries d = decimateMinMax(in, maxPoints);
        checkAgainstBruteForce(s, std::numeric_limits<qint64>::min(),
                               std::numeric_limits<qint64>::max(), maxPoints, d);
    }

    void storeDecimationMatchesBruteForce_data() {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        QTest::addColumn<int>("maxPoints");
        const qint64 lo = std::numeric_limits<qint64>::min();
        const qint64 hi = std::numeric_limits<qint64>::max();
        for (const QString& shape : kShapes) {
            for (int n : {2, 3, 10, 101, 2000}) {
                QTest::addRow("%s whole to %d", qPrintable(shape), n) << shape << lo << hi << n;
            }
        }
        // Windows with edges inside tiles, at every tile level.
        QTest::addRow("dense window to 2000")
            << QStringLiteral("dense") << qint64{12345} << qint64{87654} << 2000;
        QTest::addRow("dense window to 50")
            << QStringLiteral("dense") << qint64{1} << qint64{99998} << 50;
        QTest::addRow("dense narrow to 100")
            << QStringLiteral("dense") << qint64{40007} << qint64{40999} << 100;
        QTest::addRow("dense tiny to 2000")
            << QStringLiteral("dense") << qint64{500} << qint64{520} << 2000;
        QTest::addRow("dense single step")
            << QStringLiteral("dense") << qint64{777} << qint64{777} << 10;
        QTest::addRow("gappy across the gap")
            << QStringLiteral("gappy") << qint64{9000} << qint64{21000} << 64;
        QTest::addRow("gappy inside the gap")
            << QStringLiteral("gappy") << qint64{12000} << qint64{18000} << 64;
        QTest::addRow("negative window")
            << QStringLiteral("negative") << qint64{-4321} << qint64{1234} << 37;
        QTest::addRow("sparse window")
            << QStringLiteral("sparse") << qint64{1000} << qint64{60001} << 20;
        QTest::addRow("beyond the data")
            << QStringLiteral("dense") << qint64{200000} << qint64{300000} << 10;
    }

    void storeDecimationMatchesBruteForce() {
        QFETCH(QString, shape);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        QFETCH(int, maxPoints);
        const auto d = m_reader->decimatedSeries(m_run, shape, maxPoints, from, to);
        QVERIFY2(d.ok(), qPrintable(d.error()));
        QCOMPARE(d.value().key, shape);
        checkAgainstBruteForce(m_series.value(shape), from, to, maxPoints, d.value());
    }

    void fullSeriesReadIsExact() {
        for (const QString& shape : kShapes) {
            const Series& s = m_series.value(shape);
            const MetricSeries read = m_reader->series(m_run, shape).value();
            QCOMPARE(read.steps.size(), s.steps.size());
            for (int i = 0; i < s.steps.size(); ++i) {
                QCOMPARE(read.steps[i], double(s.steps[i]));
                QCOMPARE(read.values[i], s.values[i]);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDecimation)
#include "test_decimation.moc"
