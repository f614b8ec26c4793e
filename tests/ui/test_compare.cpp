// The compare view on a store seeded with hand-made runs: three runs of different experiments
// draw three curves holding the stored values; two seeds of one experiment draw one band whose
// centre is their mean and whose half-width is their sample standard deviation (also in the
// final-metrics table); the config diff lists exactly the keys that differ; the exported CSV
// holds every stored value even where the plot is decimated; the learned-loss curves are the
// snapshots at the chosen step; meanStdBand interpolates on the union of steps.
#include <QFile>
#include <QFileInfo>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>
#include <lossstudio/ui/compare_view.h>
#include <lossstudio/ui/config_diff.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/qcp.h>
#include <lossstudio/ui/store_session.h>

#include "store_seed.h"

using namespace lossstudio;
using ui::CompareView;
using Plot = CompareView::Plot;

namespace {

QVector<QPair<double, double>> points(const QCPGraph* graph) {
    QVector<QPair<double, double>> out;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        out.push_back({it->key, it->value});
    }
    return out;
}

bool near(double a, double b) {
    return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b));
}

/// CSV rows "series,run_uuid,key,step,value" (no quoted fields in these tests).
struct CsvRow {
    QString series;
    QString uuid;
    QString key;
    double step = 0;
    double value = 0;
};

QVector<CsvRow> readCsv(const QString& path, QString* header) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return {};
    }
    QVector<CsvRow> rows;
    *header = QString::fromUtf8(file.readLine()).trimmed();
    while (!file.atEnd()) {
        const QStringList f = QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(','));
        if (f.size() == 5) {
            rows.push_back({f[0], f[1], f[2], f[3].toDouble(), f[4].toDouble()});
        }
    }
    return rows;
}

}  // namespace

class TestCompare final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_a = 0;     // adalfl, seed 1
    qint64 m_b = 0;     // the same experiment, seed 2
    qint64 m_c = 0;     // ml3, seed 1
    qint64 m_d = 0;     // cross-entropy, seed 3, another learning rate
    qint64 m_long = 0;  // 5,000 steps
    ui::StoreSession m_session;

    storage::MetricSeries stored(qint64 id, const char* key) {
        return m_session.reader()->series(id, QString::fromLatin1(key)).value();
    }
    QString uuid(qint64 id) { return m_session.reader()->run(id).value().uuid; }

    /// The graph holds the stored series exactly (times `scale`).
    void compareWithStore(const QCPGraph* graph, qint64 id, const char* key, double scale) {
        QVERIFY(graph != nullptr);
        const storage::MetricSeries s = stored(id, key);
        const auto drawn = points(graph);
        QVERIFY(!s.steps.isEmpty());
        QCOMPARE(drawn.size(), s.steps.size());
        for (qsizetype i = 0; i < drawn.size(); ++i) {
            QCOMPARE(drawn[i].first, s.steps[i]);
            QVERIFY2(near(drawn[i].second, s.values[i] * scale),
                     qPrintable(QStringLiteral("%1 step %2: drawn %3, stored %4")
                                    .arg(QLatin1String(key))
                                    .arg(s.steps[i])
                                    .arg(drawn[i].second)
                                    .arg(s.values[i] * scale)));
        }
    }

private Q_SLOTS:
    void initTestCase() {
        m_path = m_dir.filePath(QStringLiteral("runs.sqlite"));
        auto writer = storage::RunWriter::open(m_path).value();
        auto seed = [&](const char* method, std::uint64_t s, const char* name, double lr,
                        int steps) {
            ui::testing::SeedRun run;
            run.config = ui::testing::seedConfig(method, s);
            run.config.name = name;
            run.config.optimizer.lr = lr;
            run.config.steps = steps;
            run.steps = steps;
            QString error;
            const qint64 id = ui::testing::seedRun(*writer, run, &error);
            if (id == 0) {
                qWarning("seeding %s: %s", name, qPrintable(error));
            }
            return id;
        };
        m_a = seed("adalfl", 1, "exp-a-s1", 0.1, 50);
        m_b = seed("adalfl", 2, "exp-a-s2", 0.1, 50);
        m_c = seed("ml3", 1, "exp-c-s1", 0.1, 50);
        m_d = seed("cross_entropy", 3, "exp-d", 0.05, 50);
        m_long = seed("adalfl", 5, "long", 0.2, 5000);
        QVERIFY(m_a && m_b && m_c && m_d && m_long);
        writer.reset();
        QVERIFY(m_session.open(m_path).ok());
    }

    void threeRunsDrawThreeCurvesWithTheStoredValues() {
        CompareView view(&m_session);
        QVERIFY(view.setRuns({m_a, m_c, m_d}).ok());
        QCOMPARE(view.groups().size(), 3);
        for (Plot p : {Plot::Accuracy, Plot::LearnedLoss, Plot::MetaLoss}) {
            QCOMPARE(view.plot(p)->graphCount(), 3);
            QCOMPARE(view.plot(p)->legend->itemCount(), 3);
        }
        for (qint64 id : {m_a, m_c, m_d}) {
            compareWithStore(view.runGraph(Plot::Accuracy, id), id, core::keys::kTestAccuracy,
                             100.0);
            compareWithStore(view.runGraph(Plot::LearnedLoss, id), id, core::keys::kTrainLoss, 1.0);
            compareWithStore(view.runGraph(Plot::MetaLoss, id), id, core::keys::kMetaLoss, 1.0);
            QCOMPARE(view.runGraph(Plot::LearnedLoss, id)->name(),
                     m_session.reader()->run(id).value().name);
        }
        // The validation split on request.
        view.setAccuracySplit(QStringLiteral("validation"));
        for (qint64 id : {m_a, m_c, m_d}) {
            compareWithStore(view.runGraph(Plot::Accuracy, id), id, core::keys::kValidationAccuracy,
                             100.0);
        }
    }

    void twoSeedsOfOneConfigMakeOneBandAtTheirMean() {
        CompareView view(&m_session);
        QVERIFY(view.setRuns({m_a, m_b, m_c}).ok());
        QCOMPARE(view.groups().size(), 2);
        QCOMPARE(view.groups().at(0).runIds, (QVector<qint64>{m_a, m_b}));
        QCOMPARE(view.groups().at(0).label, QStringLiteral("exp-a"));
        QCOMPARE(view.groups().at(1).runIds, (QVector<qint64>{m_c}));
        const QVector<QPair<Plot, const char*>> plots = {
            {Plot::Accuracy, core::keys::kTestAccuracy},
            {Plot::LearnedLoss, core::keys::kTrainLoss},
            {Plot::MetaLoss, core::keys::kMetaLoss}};
        for (const auto& [plot, key] : plots) {
            const double scale = plot == Plot::Accuracy ? 100.0 : 1.0;
            QVERIFY(view.runGraph(plot, m_a) == nullptr);  // drawn as the band
            QVERIFY(view.runGraph(plot, m_c) != nullptr);
            const CompareView::BandGraphs band = view.bandGraphs(plot, 0);
            QVERIFY(band.mean && band.upper && band.lower);
            QCOMPARE(band.upper->channelFillGraph(), band.lower);
            const auto a = stored(m_a, key);
            const auto b = stored(m_b, key);
            QCOMPARE(a.steps, b.steps);
            const auto mean = points(band.mean);
            const auto upper = points(band.upper);
            const auto lower = points(band.lower);
            QCOMPARE(mean.size(), a.steps.size());
            for (qsizetype i = 0; i < mean.size(); ++i) {
                const double va = a.values[i] * scale;
                const double vb = b.values[i] * scale;
                const double m = (va + vb) / 2;
                const double sd = std::fabs(va - vb) / std::sqrt(2.0);  // sample std, n = 2
                QCOMPARE(mean[i].first, a.steps[i]);
                QVERIFY2(near(mean[i].second, m), key);
                QVERIFY2(near(upper[i].second - mean[i].second, sd), key);
                QVERIFY2(near(mean[i].second - lower[i].second, sd), key);
            }
            QCOMPARE(band.mean->name(), QStringLiteral("exp-a mean \u00b1 std (2 seeds)"));
        }
        // The final-metrics table: a row per run, then the group's mean and std.
        QTableWidget* table = view.finalMetricsTable();
        QCOMPARE(table->rowCount(), 4);
        int testColumn = -1;
        for (int c = 0; c < table->columnCount(); ++c) {
            if (table->horizontalHeaderItem(c)->text() == QLatin1String("Test acc.")) {
                testColumn = c;
            }
        }
        QVERIFY(testColumn >= 0);
        const double ta = stored(m_a, core::keys::kTestAccuracy).values.last();
        const double tb = stored(m_b, core::keys::kTestAccuracy).values.last();
        QCOMPARE(table->item(0, testColumn)->data(Qt::UserRole).toDouble(), ta);
        QVERIFY(near(table->item(3, testColumn)->data(Qt::UserRole).toDouble(), (ta + tb) / 2));
        QVERIFY(near(table->item(3, testColumn)->data(Qt::UserRole + 1).toDouble(),
                     std::fabs(ta - tb) / std::sqrt(2.0)));
        // Each seed on its own when grouping is off.
        view.setGroupSeeds(false);
        compareWithStore(view.runGraph(Plot::LearnedLoss, m_a), m_a, core::keys::kTrainLoss, 1.0);
        compareWithStore(view.runGraph(Plot::LearnedLoss, m_b), m_b, core::keys::kTrainLoss, 1.0);
        QVERIFY(view.bandGraphs(Plot::LearnedLoss, 0).mean == nullptr);
    }

    void theDiffListsExactlyTheDifferingKeys() {
        CompareView view(&m_session);
        QVERIFY(view.setRuns({m_a, m_c, m_d}).ok());
        QStringList keys;
        QStringList trivial;
        for (const auto& row : view.configDiff()) {
            keys << row.key;
            if (row.trivial) {
                trivial << row.key;
            }
        }
        QCOMPARE(keys, (QStringList{QStringLiteral("method"), QStringLiteral("name"),
                                    QStringLiteral("optimizer.lr"), QStringLiteral("seed")}));
        QCOMPARE(trivial, (QStringList{QStringLiteral("name"), QStringLiteral("seed")}));
        const auto& lr = view.configDiff().at(2);
        QCOMPARE(lr.values.size(), 3);
        QCOMPARE(lr.values.at(0).toDouble(), 0.1);
        QCOMPARE(lr.values.at(2).toDouble(), 0.05);
        // The table shows the same rows, a column per run.
        QTableWidget* table = view.configDiffTable();
        QCOMPARE(table->rowCount(), 4);
        QCOMPARE(table->columnCount(), 4);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("method"));
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("adalfl"));
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("cross_entropy"));
        QCOMPARE(table->item(2, 3)->text(), QStringLiteral("0.05"));
        QVERIFY(table->item(1, 0)->data(Qt::UserRole).toBool());  // name: trivial
        QVERIFY(!table->item(2, 0)->data(Qt::UserRole).toBool());

        // Two seeds of one experiment differ only trivially.
        QVERIFY(view.setRuns({m_a, m_b}).ok());
        keys.clear();
        for (const auto& row : view.configDiff()) {
            QVERIFY(row.trivial);
            keys << row.key;
        }
        QCOMPARE(keys, (QStringList{QStringLiteral("name"), QStringLiteral("seed")}));
    }

    // Issue 23: the diff listed keys without effect on a run's method, e.g. meta.init_steps of a
    // cross-entropy run beside an AdaLFL run.
    void theDiffLeavesOutKeysWithoutEffectOnARunsMethod() {
        const auto flat = [](const core::RunConfig& c) {
            return ui::flattenConfigJson(QString::fromStdString(core::toJson(c)));
        };
        core::RunConfig ce = ui::testing::seedConfig("cross_entropy", 0);
        ce.meta.initSteps = 2500;
        ce.optimizer.beta1 = 0.5;  // SGD: Adam's betas do nothing
        core::RunConfig adalfl = ui::testing::seedConfig("adalfl", 0);
        adalfl.meta.initSteps = 500;
        const auto keysOf = [](const QVector<ui::ConfigDiffRow>& rows) {
            QStringList keys;
            for (const auto& row : rows) {
                keys << row.key;
            }
            return keys;
        };
        const auto rows = ui::diffConfigs({flat(ce), flat(adalfl)});
        QCOMPARE(keysOf(rows), QStringList{QStringLiteral("method")});
        // Between two AdaLFL runs it is a difference, shown with both values.
        core::RunConfig other = adalfl;
        other.meta.initSteps = 2500;
        const auto both = ui::diffConfigs({flat(adalfl), flat(other), flat(ce)});
        QCOMPARE(keysOf(both),
                 (QStringList{QStringLiteral("meta.init_steps"), QStringLiteral("method")}));
        QCOMPARE(both.at(0).values.at(0).toInt(), 500);
        QCOMPARE(both.at(0).values.at(1).toInt(), 2500);
        QVERIFY(both.at(0).values.at(2).isUndefined());  // "—" for the cross-entropy run
        QVERIFY(!ui::configKeyMatters(flat(ce), QStringLiteral("meta.init_steps")));
        QVERIFY(ui::configKeyMatters(flat(ce), QStringLiteral("optimizer.lr")));
    }

    void exportedCsvHoldsTheStoredValues() {
        CompareView view(&m_session);
        view.setMaxPoints(500);
        QVERIFY(view.setRuns({m_a, m_b, m_long}).ok());
        // The long run is drawn decimated...
        QCPGraph* drawn = view.runGraph(Plot::LearnedLoss, m_long);
        QVERIFY(drawn != nullptr);
        QVERIFY(drawn->data()->size() <= 500);
        QVERIFY(drawn->data()->size() > 100);

        // ...and exported whole, exactly, through the plot's own export.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("learned.csv"));
        QVERIFY(view.plot(Plot::LearnedLoss)->exportCsv(path));
        QString header;
        const QVector<CsvRow> rows = readCsv(path, &header);
        QCOMPARE(header, QStringLiteral("series,run_uuid,key,step,value"));
        for (qint64 id : {m_a, m_b, m_long}) {
            const auto s = stored(id, core::keys::kTrainLoss);
            QVector<CsvRow> mine;
            for (const CsvRow& r : rows) {
                if (r.uuid == uuid(id)) {
                    mine.push_back(r);
                }
            }
            QCOMPARE(mine.size(), s.steps.size());
            for (qsizetype i = 0; i < mine.size(); ++i) {
                QCOMPARE(mine[i].key, QStringLiteral("train/loss"));
                QCOMPARE(mine[i].step, s.steps[i]);
                QCOMPARE(mine[i].value, s.values[i]);  // exact: shortest round-trip text
            }
        }
        QCOMPARE(stored(m_long, core::keys::kTrainLoss).steps.size(), qsizetype(5000));
        // The group's mean and std rows, from the stored values.
        const auto a = stored(m_a, core::keys::kTrainLoss);
        const auto b = stored(m_b, core::keys::kTrainLoss);
        int means = 0;
        for (const CsvRow& r : rows) {
            if (r.series == QLatin1String("exp-a mean")) {
                const auto i = a.steps.indexOf(r.step);
                QVERIFY(i >= 0);
                QVERIFY(near(r.value, (a.values[i] + b.values[i]) / 2));
                ++means;
            }
        }
        QCOMPARE(means, int(a.steps.size()));

        // Export everything.
        const QStringList csv =
            view.exportAll(dir.filePath(QStringLiteral("cmp")), QStringLiteral("csv"));
        QCOMPARE(csv.size(), 6);
        const QStringList png =
            view.exportAll(dir.filePath(QStringLiteral("cmp")), QStringLiteral("png"));
        QCOMPARE(png.size(), 4);
        for (const QString& file : csv + png) {
            QVERIFY2(QFileInfo(file).size() > 50, qPrintable(file));
        }
    }

    void theLearnedLossCurvesAreTheSnapshotsAtTheChosenStep() {
        CompareView view(&m_session);
        QVERIFY(view.setRuns({m_a, m_c}).ok());
        auto check = [&](qint64 id, qint64 expectedStep, int array) {
            const auto snapshot = m_session.reader()->snapshotAtOrBefore(
                id, QStringLiteral("loss/online"), expectedStep);
            QVERIFY(snapshot.ok());
            QCOMPARE(snapshot.value().step, expectedStep);
            const auto drawn = points(view.runGraph(Plot::LossCurves, id));
            const auto& a = snapshot.value().arrays;
            QCOMPARE(drawn.size(), a[0].size());
            for (qsizetype i = 0; i < drawn.size(); ++i) {
                QCOMPARE(drawn[i].first, double(a[0][i]));
                QCOMPARE(drawn[i].second, double(a[array][i]));
            }
        };
        check(m_a, 50, 1);  // each run's last: l(1, p)
        check(m_c, 50, 1);
        view.setCurveStep(25);  // the snapshot at or before step 25
        check(m_a, 20, 1);
        view.setEffectiveCurves(true);
        check(m_c, 20, 5);  // e(p)
    }

    void meanStdBandInterpolatesOnTheUnionOfSteps() {
        const ui::SeriesData one{{0, 10, 20}, {0, 10, 20}};
        const ui::SeriesData two{{5, 15}, {1, 3}};
        const ui::SeriesBand band = ui::meanStdBand({one, two});
        QCOMPARE(band.steps, (QVector<double>{0, 5, 10, 15, 20}));
        QCOMPARE(band.count, (QVector<int>{1, 2, 2, 2, 1}));
        // At 5: 5 and 1; at 10: 10 and 2 (interpolated); at 15: 15 and 3.
        QCOMPARE(band.mean, (QVector<double>{0, 3, 6, 9, 20}));
        QCOMPARE(band.std[0], 0.0);
        QVERIFY(near(band.std[1], std::sqrt(8.0)));
        QVERIFY(near(band.std[2], std::sqrt(32.0)));
        QVERIFY(near(band.std[3], std::sqrt(72.0)));
        QCOMPARE(band.std[4], 0.0);
    }

    void aMissingRunIsAnErrorAndClearsTheView() {
        CompareView view(&m_session);
        QVERIFY(view.setRuns({m_a}).ok());
        const auto s = view.setRuns({m_a, 999999});
        QVERIFY(!s.ok());
        QVERIFY(s.error().contains(QLatin1String("999999")));
        QVERIFY(view.runIds().isEmpty());
        QCOMPARE(view.plot(Plot::LearnedLoss)->graphCount(), 0);
    }
};

QTEST_MAIN(TestCompare)
#include "test_compare.moc"
