// bench_reproduce_report's report (issue 7): a store seeded with hand-made runs of both grids
// (known accuracies and wall times, an older run of a name, diverged and running runs, collapse
// warnings), read as the tool reads it; the aggregates against hand-computed means and sample
// standard deviations, "not run" cells, collapse counts, and the summary JSON, figures and
// results.md the tool writes.

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <memory>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "reproduce_report_figures.h"
#include "reproduce_report_store.h"
#include "reproduce_report_writer.h"
#include "reproduce_summary.h"

using namespace lossstudio;
using namespace lossstudio::bench;

namespace {

/// One hand-made run: the final test / validation accuracy at step 100, the run's clock there.
struct Seed {
    QString name;
    storage::RunStatus status = storage::RunStatus::Finished;
    double test = 0;
    double validation = 0;
    double wall = 0;
    int collapses = 0;      ///< collapse warnings
    int divergences = 0;    ///< divergence warnings
    bool snapshot = false;  ///< a "loss/online" snapshot at the last step
    QString tag = QStringLiteral("reproduce");
};

const char* const kConfig = R"({"name": "x", "steps": 100, "batch_size": 128, "threads": 1,
    "eval_interval": 50, "data": {"name": "fashion-mnist"},
    "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.0},
    "meta": {"lr": 0.001, "init_steps": 20}})";

bool seed(storage::RunWriter& writer, const Seed& s, QString* error) {
    storage::NewRun n;
    n.name = s.name;
    n.configJson = QString::fromLatin1(kConfig);
    n.method = s.name.section(QLatin1Char('/'), 2, 2);
    n.model = s.name.section(QLatin1Char('/'), 1, 1);
    n.dataset = QStringLiteral("fashion-mnist");
    n.tags = {s.tag};
    auto handle = writer.createRun(n);
    if (!handle) {
        *error = handle.error();
        return false;
    }
    QVector<storage::MetricRow> rows;
    for (int step = 1; step <= 100; ++step) {
        rows.push_back({QStringLiteral("train/loss"), step, s.wall * step / 100.0, 1.0 / step});
    }
    for (int step : {0, 50, 100}) {
        const double t = s.wall * step / 100.0;
        const double back = step == 100 ? 0.0 : step == 50 ? 0.05 : s.test - 0.1;
        rows.push_back({QStringLiteral("test/accuracy"), step, t, s.test - back});
        rows.push_back({QStringLiteral("validation/accuracy"), step, t, s.validation - back});
    }
    bool ok = writer.appendMetrics(rows).ok();
    for (int i = 0; i < s.collapses; ++i) {
        ok = ok && writer
                       .addEvent({60 + i, QStringLiteral("online"), QStringLiteral("warning"),
                                  QStringLiteral("collapse"),
                                  QStringLiteral("learned loss collapsed at step %1 (online): its "
                                                 "gradient has been below 0.001 of "
                                                 "cross-entropy's for 200 steps; restored the "
                                                 "loss network of online step 10")
                                      .arg(40 + i),
                                  0.5})
                       .ok();
    }
    for (int i = 0; i < s.divergences; ++i) {
        ok = ok && writer
                       .addEvent({70 + i, QStringLiteral("online"), QStringLiteral("warning"),
                                  QStringLiteral("divergence"),
                                  QStringLiteral("non-finite meta-loss; restored step 60"), 0.6})
                       .ok();
    }
    if (s.snapshot) {
        // {p, l(1,p), l(0,p), slopes, effective, its slope} (core::packSnapshotCurves).
        QVector<QVector<float>> arrays(7);
        for (int i = 0; i <= 10; ++i) {
            const float p = static_cast<float>(i) / 10.0f;
            arrays[0] << p;
            arrays[1] << 5.0f * (1.0f - p);
            arrays[2] << 3.0f * p;
            arrays[3] << -5.0f;
            arrays[4] << 3.0f;
            arrays[5] << 2.0f - p;
            arrays[6] << -1.0f;
        }
        ok = ok && writer.addSnapshot(100, QStringLiteral("loss/online"), arrays).ok();
    }
    if (s.status == storage::RunStatus::Running) {
        ok = ok && writer.flush().ok();
    } else {
        ok = ok && writer.finishRun(s.status).ok();
    }
    if (!ok) {
        *error = QStringLiteral("writing %1 failed").arg(s.name);
    }
    return ok;
}

const CellSummary* cellOf(const GridSummary& s, const QString& model, const QString& cell) {
    for (const CellSummary& c : s.cells) {
        if (c.model == model && c.cell == cell) {
            return &c;
        }
    }
    return nullptr;
}

/// `text` contains the UTF-8 `needle` (QLatin1String would misread "±" and "×").
bool has(const QString& text, const char* needle) {
    return text.contains(QString::fromUtf8(needle));
}

QString readText(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestReproduceReport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void names_data();
    void names();
    void collapseWarning();
    void meanAndSampleStd();
    void reproduceAggregates();
    void ablationAggregates();
    void summaryJsonRoundTrip();
    void writesSummaryFiguresAndMarkdown();
    void carriesTheEarlierSummarysRuns();
    void refusesAnUnreadableEarlierSummary();
    void sharedRunsFillTheAblationsDefaultCell();
    void writesTheSharedRunsIntoTheAblation();
    void perSeedTablesAndMedians();
    void theOutputDecisionWaitsForEverySeedThenSaysWhatTheAblationShows();

private:
    QTemporaryDir m_dir;
    QString m_store;
    std::unique_ptr<storage::RunWriter> m_writer;  // kept open: its running run stays running
    std::unique_ptr<storage::RunReader> m_reader;
};

void TestReproduceReport::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_store = m_dir.filePath(QStringLiteral("grid.sqlite"));
    auto writer = storage::RunWriter::open(m_store);
    QVERIFY2(writer.ok(), qPrintable(writer.error()));
    m_writer = std::move(writer).value();
    using storage::RunStatus;
    const QString a = QStringLiteral("ablation");
    const QVector<Seed> seeds{
        // An older run of a name: the newer one replaces it.
        {QStringLiteral("reproduce/logistic/adalfl/seed0"), RunStatus::Failed, 0.5, 0.5, 1},
        {QStringLiteral("reproduce/logistic/cross-entropy/seed0"), RunStatus::Finished, 0.84, 0.85,
         2},
        {QStringLiteral("reproduce/logistic/cross-entropy/seed1"), RunStatus::Finished, 0.85, 0.86,
         3},
        {QStringLiteral("reproduce/logistic/cross-entropy/seed2"), RunStatus::Finished, 0.83, 0.84,
         4},
        {QStringLiteral("reproduce/logistic/ml3/seed0"), RunStatus::Diverged, 0.30, 0.31, 9, 0, 5},
        {QStringLiteral("reproduce/logistic/adalfl/seed0"), RunStatus::Finished, 0.80, 0.81, 30, 0,
         0, true},
        {QStringLiteral("reproduce/logistic/adalfl/seed1"), RunStatus::Finished, 0.86, 0.87, 36, 1},
        // Not of the grid: another name scheme, an unknown model, a malformed seed.
        {QStringLiteral("my-experiment"), RunStatus::Finished, 0.9, 0.9, 1},
        {QStringLiteral("reproduce/resnet18/adalfl/seed0"), RunStatus::Finished, 0.9, 0.9, 1},
        {QStringLiteral("reproduce/logistic/adalfl/seedX"), RunStatus::Finished, 0.9, 0.9, 1},
        {QStringLiteral("ablation/logistic/softplus-none/seed0"), RunStatus::Finished, 0.83, 0.84,
         30, 2, 1, false, a},
        {QStringLiteral("ablation/logistic/softplus-none/seed1"), RunStatus::Finished, 0.81, 0.82,
         31, 0, 0, false, a},
        {QStringLiteral("ablation/logistic/none-restore/seed0"), RunStatus::Finished, 0.85, 0.86,
         32, 1, 0, false, a},
        // Diverged: counted in its cell, never averaged.
        {QStringLiteral("ablation/logistic/none-restore/seed1"), RunStatus::Diverged, 0.2, 0.2, 9,
         0, 5, false, a},
        {QStringLiteral("ablation/logistic/none-none/seed0"), RunStatus::Finished, 0.86, 0.87, 33,
         0, 0, false, a},
        {QStringLiteral("ablation/logistic/none-none/seed1"), RunStatus::Finished, 0.88, 0.89, 34,
         0, 0, false, a},
        // Last: still being written by this process.
        {QStringLiteral("reproduce/mlp/cross-entropy/seed0"), RunStatus::Running, 0.7, 0.7, 50},
    };
    for (const Seed& s : seeds) {
        QString error;
        QVERIFY2(seed(*m_writer, s, &error), qPrintable(error));
    }
    auto reader = storage::RunReader::open(m_store, storage::OpenMode::ReadOnly);
    QVERIFY2(reader.ok(), qPrintable(reader.error()));
    m_reader = std::move(reader).value();
}

void TestReproduceReport::cleanupTestCase() {
    m_reader.reset();
    m_writer.reset();
}

void TestReproduceReport::names_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("grid");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("cell");
    QTest::addColumn<int>("seed");
    QTest::newRow("reproduce") << "reproduce/mlp/taylorglo/seed3" << true << "reproduce"
                               << "mlp"
                               << "taylorglo" << 3;
    QTest::newRow("ablation") << "ablation/logistic/none-restore/seed4" << true << "ablation"
                              << "logistic"
                              << "none-restore" << 4;
    QTest::newRow("lenet5 not in the ablation") << "ablation/lenet5/none-none/seed0" << false << ""
                                                << ""
                                                << "" << -1;
    QTest::newRow("ablation cell in reproduce") << "reproduce/mlp/none-none/seed0" << false << ""
                                                << ""
                                                << "" << -1;
    QTest::newRow("no seed") << "reproduce/mlp/adalfl" << false << ""
                             << ""
                             << "" << -1;
    QTest::newRow("suffix") << "reproduce/mlp/adalfl/seed1-fork" << false << ""
                            << ""
                            << "" << -1;
    QTest::newRow("other grid") << "sweep/mlp/adalfl/seed1" << false << ""
                                << ""
                                << "" << -1;
}

void TestReproduceReport::names() {
    QFETCH(QString, name);
    QFETCH(bool, valid);
    const auto parsed = parseRunName(name);
    QCOMPARE(parsed.has_value(), valid);
    if (valid) {
        QFETCH(QString, grid);
        QFETCH(QString, model);
        QFETCH(QString, cell);
        QFETCH(int, seed);
        QCOMPARE(parsed->grid, grid);
        QCOMPARE(parsed->model, model);
        QCOMPARE(parsed->cell, cell);
        QCOMPARE(parsed->seed, seed);
    }
}

void TestReproduceReport::collapseWarning() {
    const QString w = QStringLiteral("warning");
    QVERIFY(isCollapseWarning(w, QStringLiteral("collapse"), QStringLiteral("anything")));
    QVERIFY(isCollapseWarning(w, QString(), QStringLiteral("learned loss collapsed at step 9")));
    QVERIFY(!isCollapseWarning(w, QStringLiteral("divergence"), QStringLiteral("non-finite")));
    QVERIFY(!isCollapseWarning(QStringLiteral("phase"), QStringLiteral("collapse"),
                               QStringLiteral("collapsed")));
}

void TestReproduceReport::meanAndSampleStd() {
    const MeanStd none = meanSampleStd({});
    QCOMPARE(none.n, 0);
    QVERIFY(!none.mean && !none.std);
    const MeanStd one = meanSampleStd({7.5});
    QCOMPARE(*one.mean, 7.5);
    QVERIFY(!one.std);  // undefined for n = 1
    // 1, 2, 3, 4: mean 2.5, squares 2.25 + 0.25 + 0.25 + 2.25 = 5, std sqrt(5 / 3).
    const MeanStd four = meanSampleStd({1, 2, 3, 4});
    QCOMPARE(four.n, 4);
    QCOMPARE(*four.mean, 2.5);
    QVERIFY(std::abs(*four.std - std::sqrt(5.0 / 3.0)) < 1e-12);
}

void TestReproduceReport::reproduceAggregates() {
    const GridSpec spec = *gridSpec(QStringLiteral("reproduce"));
    auto runs = readGridRuns(*m_reader, spec);
    QVERIFY2(runs.ok(), qPrintable(runs.error()));
    // Newest per name; the stray names are left out.
    QCOMPARE(runs.value().rows.size(), 7);
    const GridSummary s = summarize(spec, runs.value().rows);
    QCOMPARE(s.expectedRuns, 60);
    QCOMPARE(s.cells.size(), 12);
    QCOMPARE(s.runs.first().name, QStringLiteral("reproduce/logistic/cross-entropy/seed0"));
    QCOMPARE(s.runs.last().name, QStringLiteral("reproduce/mlp/cross-entropy/seed0"));

    // Cross-entropy: errors 16, 15, 17 % -> mean 16, sample std 1; wall 2, 3, 4 s -> 3.
    const CellSummary* ce = cellOf(s, QStringLiteral("logistic"), QStringLiteral("cross-entropy"));
    QVERIFY(ce != nullptr);
    QCOMPARE(ce->n, 3);
    QVERIFY(std::abs(*ce->testErrorMean - 16.0) < 1e-9);
    QVERIFY(std::abs(*ce->testErrorStd - 1.0) < 1e-9);
    QVERIFY(std::abs(*ce->testAccuracyMean - 84.0) < 1e-9);
    QVERIFY(std::abs(*ce->wallMean - 3.0) < 1e-9);
    QVERIFY(std::abs(*ce->wallRatio - 1.0) < 1e-12);

    // AdaLFL: the failed older seed0 is replaced; errors 20, 14 -> mean 17, std sqrt(18);
    // wall 30, 36 -> 33 s, 11x cross-entropy's; seed1 warned of one collapse.
    const CellSummary* ada = cellOf(s, QStringLiteral("logistic"), QStringLiteral("adalfl"));
    QCOMPARE(ada->runs, 2);
    QCOMPARE(ada->n, 2);
    QVERIFY(std::abs(*ada->testErrorMean - 17.0) < 1e-9);
    QVERIFY(std::abs(*ada->testErrorStd - std::sqrt(18.0)) < 1e-9);
    QVERIFY(std::abs(*ada->wallMean - 33.0) < 1e-9);
    QVERIFY(std::abs(*ada->wallRatio - 11.0) < 1e-9);
    QCOMPARE(ada->collapsedRuns, 1);
    QCOMPARE(ada->collapses, 1);

    // ML3: one diverged run, counted and not averaged.
    const CellSummary* ml3 = cellOf(s, QStringLiteral("logistic"), QStringLiteral("ml3"));
    QCOMPARE(ml3->runs, 1);
    QCOMPARE(ml3->diverged, 1);
    QCOMPARE(ml3->n, 0);
    QVERIFY(!ml3->testErrorMean);

    // Not run: no rows at all.
    for (const char* cell : {"taylorglo"}) {
        QCOMPARE(cellOf(s, QStringLiteral("logistic"), QLatin1String(cell))->runs, 0);
    }
    for (const QString& cell : spec.cells) {
        QCOMPARE(cellOf(s, QStringLiteral("lenet5"), cell)->runs, 0);
    }
    // The running MLP run: present, incomplete, no mean.
    const CellSummary* mlp = cellOf(s, QStringLiteral("mlp"), QStringLiteral("cross-entropy"));
    QCOMPARE(mlp->runs, 1);
    QCOMPARE(mlp->incomplete, 1);
    QVERIFY(!mlp->testErrorMean);

    // Per-run rows: final accuracies, steps, the run's own clock.
    const RunRow& first = s.runs.first();
    QVERIFY(std::abs(*first.testAccuracy - 0.84) < 1e-12);
    QVERIFY(std::abs(*first.validationAccuracy - 0.85) < 1e-12);
    QCOMPARE(first.steps, qint64{100});
    QVERIFY(std::abs(first.wallSeconds - 2.0) < 1e-12);
    QCOMPARE(runs.value().protocol.value(QStringLiteral("optimizer.lr")),
             QStringList{QStringLiteral("0.01")});
    QCOMPARE(runs.value().protocol.value(QStringLiteral("batch_size")),
             QStringList{QStringLiteral("128")});
}

void TestReproduceReport::ablationAggregates() {
    const GridSpec spec = *gridSpec(QStringLiteral("ablation"));
    auto runs = readGridRuns(*m_reader, spec);
    QVERIFY2(runs.ok(), qPrintable(runs.error()));
    const GridSummary s = summarize(spec, runs.value().rows);
    QCOMPARE(s.expectedRuns, 40);
    QCOMPARE(s.runs.size(), 6);
    // softplus-none: accuracies 83, 81 % -> mean 82, std sqrt(2); 2 collapses in 1 run (the
    // divergence warning is a warning, not a collapse).
    const CellSummary* sn = cellOf(s, QStringLiteral("logistic"), QStringLiteral("softplus-none"));
    QCOMPARE(sn->n, 2);
    QVERIFY(std::abs(*sn->testAccuracyMean - 82.0) < 1e-9);
    QVERIFY(std::abs(*sn->testAccuracyStd - std::sqrt(2.0)) < 1e-9);
    QCOMPARE(sn->collapsedRuns, 1);
    QCOMPARE(sn->collapses, 2);
    QCOMPARE(s.runs.first().warnings, 3);
    QVERIFY(!sn->wallRatio);  // no baseline in this grid
    const CellSummary* nr = cellOf(s, QStringLiteral("logistic"), QStringLiteral("none-restore"));
    QCOMPARE(nr->runs, 2);
    QCOMPARE(nr->n, 1);
    QCOMPARE(nr->diverged, 1);
    QVERIFY(std::abs(*nr->testAccuracyMean - 85.0) < 1e-9);  // the diverged 20 % is not in it
    QVERIFY(!nr->testAccuracyStd);
    QCOMPARE(nr->collapses, 1);
    for (const QString& cell : spec.cells) {
        QCOMPARE(cellOf(s, QStringLiteral("mlp"), cell)->runs, 0);
    }
}

void TestReproduceReport::summaryJsonRoundTrip() {
    const GridSpec spec = *gridSpec(QStringLiteral("reproduce"));
    auto runs = readGridRuns(*m_reader, spec);
    QVERIFY(runs.ok());
    GridSummary s = summarize(spec, runs.value().rows);
    s.protocol = runs.value().protocol;
    s.figures = {{QStringLiteral("reproduce-accuracy-logistic.png"), QStringLiteral("a \"c\"")}};
    const QByteArray json = summaryJson(s);
    QCOMPARE(summaryJson(s), json);  // deterministic
    QString error;
    const auto back = parseSummaryJson(json, &error);
    QVERIFY2(back.has_value(), qPrintable(error));
    QCOMPARE(back->runs.size(), s.runs.size());
    QCOMPARE(back->cells.size(), s.cells.size());
    QCOMPARE(back->figures.first().caption, QStringLiteral("a \"c\""));
    QCOMPARE(summaryJson(*back), json);  // rounding is stable
    QVERIFY(!parseSummaryJson("{\"format\": 99}", &error));
    QVERIFY(error.contains(QLatin1String("format")));
}

void TestReproduceReport::writesSummaryFiguresAndMarkdown() {
    const QString out = m_dir.filePath(QStringLiteral("docs/results"));
    const QString md = m_dir.filePath(QStringLiteral("docs/results.md"));
    QVERIFY(QDir().mkpath(out));
    // A figure of an earlier report that this one will not draw: removed.
    QFile stale(QDir(out).filePath(QStringLiteral("reproduce-accuracy-lenet5.png")));
    QVERIFY(stale.open(QIODevice::WriteOnly));
    stale.close();

    ReportOptions options;
    options.outDir = out;
    auto reproduce = writeReport(*m_reader, *gridSpec(QStringLiteral("reproduce")), options);
    QVERIFY2(reproduce.ok(), qPrintable(reproduce.error()));
    QCOMPARE(reproduce.value().markdownPath, QDir::cleanPath(out) + QStringLiteral(".md"));
    QVERIFY(!stale.exists());

    // Figures: the logistic accuracy curves and seed 0's learned loss; no MLP figure (its only
    // run is still running).
    QStringList files;
    for (const Figure& f : reproduce.value().summary.figures) {
        files << f.file;
        const QImage image(QDir(out).filePath(f.file));
        QVERIFY2(!image.isNull(), qPrintable(f.file));
        QCOMPARE(image.size(), QSize(kFigureWidth, kFigureHeight));
    }
    QCOMPARE(files, (QStringList{QStringLiteral("reproduce-accuracy-logistic.png"),
                                 QStringLiteral("reproduce-loss-logistic.png")}));

    // The summary JSON: the numbers above, rounded.
    QFile jsonFile(QDir(out).filePath(QStringLiteral("reproduce-summary.json")));
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(jsonFile.readAll()).object();
    QCOMPARE(json.value(QLatin1String("grid")).toString(), QStringLiteral("reproduce"));
    const QJsonArray cells = json.value(QLatin1String("cells")).toArray();
    QCOMPARE(cells.size(), 12);
    const QJsonObject ce = cells[0].toObject();
    QCOMPARE(ce.value(QLatin1String("cell")).toString(), QStringLiteral("cross-entropy"));
    QCOMPARE(ce.value(QLatin1String("test_error_mean")).toDouble(), 16.0);
    QCOMPARE(ce.value(QLatin1String("test_error_std")).toDouble(), 1.0);
    QCOMPARE(ce.value(QLatin1String("n")).toInt(), 3);
    const QJsonObject ada = cells[3].toObject();
    QCOMPARE(ada.value(QLatin1String("cell")).toString(), QStringLiteral("adalfl"));
    QCOMPARE(ada.value(QLatin1String("test_error_mean")).toDouble(), 17.0);
    QCOMPARE(ada.value(QLatin1String("test_error_std")).toDouble(), 4.2426);
    QCOMPARE(ada.value(QLatin1String("wall_ratio")).toDouble(), 11.0);
    QCOMPARE(ada.value(QLatin1String("collapses")).toInt(), 1);
    QVERIFY(cells[4].toObject().value(QLatin1String("test_error_mean")).isNull());  // lenet5
    const QJsonArray runRows = json.value(QLatin1String("runs")).toArray();
    QCOMPARE(runRows.size(), 7);
    const QJsonObject ada1 = runRows[5].toObject();
    QCOMPARE(ada1.value(QLatin1String("name")).toString(),
             QStringLiteral("reproduce/logistic/adalfl/seed1"));
    QCOMPARE(ada1.value(QLatin1String("test_accuracy")).toDouble(), 0.86);
    QCOMPARE(ada1.value(QLatin1String("wall_s")).toDouble(), 36.0);
    QCOMPARE(ada1.value(QLatin1String("collapses")).toInt(), 1);

    QString text = readText(md);
    QVERIFY(has(text,
                "| Logistic regression | 16.00 ± 1.00 (n = 3) | no "
                "finished run; 1 diverged | not run | 17.00 ± 4.24 (n = "
                "2); 1 with a collapse warning |"));
    QVERIFY(has(text, "| LeNet-5 | not run | not run | not run | not run |"));
    QVERIFY(has(text, "| MLP | no finished run; 1 not finished yet |"));
    QVERIFY(has(text,
                "| Logistic regression | 3.0 s (1.00×) | no finished "
                "run | not run | 33.0 s (11.00×) |"));
    QVERIFY(
        has(text,
            "**AdaLFL did not beat cross-entropy**: mean test error 17.00% (n = 2) against 16.00% "
            "(n = 3), higher by 1.00 points; the difference is within the combined std (4.36 "
            "points)"));
    QVERIFY(has(text, "5 of the grid's 60 runs finished, 1 diverged"));
    QVERIFY(has(text, "`reproduce/mlp/cross-entropy/seed0` (running)"));
    QVERIFY(has(text, "LeNet-5 (all cells)"));
    QVERIFY(has(text, "Logistic regression 84.00% (n = 3)"));
    QVERIFY(has(text, "(results/reproduce-loss-logistic.png)"));
    QVERIFY(has(text, "**Ablation grid:** no summary yet"));
    QVERIFY(has(text, "bench/reproduce --report-only"));

    // The ablation report rewrites the whole file from both summaries.
    auto ablation = writeReport(*m_reader, *gridSpec(QStringLiteral("ablation")), options);
    QVERIFY2(ablation.ok(), qPrintable(ablation.error()));
    text = readText(md);
    QVERIFY(has(text, "| Logistic regression | 16.00 ± 1.00 (n = 3) |"));
    QVERIFY(!has(text, "no summary yet"));
    QVERIFY(has(text,
                "| Logistic regression | softplus | none | 82.00 ± 1.41 (n = 2); 1 with a "
                "collapse warning | 1 of 2 | 2 | 0 |"));
    QVERIFY(has(text,
                "| Logistic regression | none | restore | 85.00 (n = 1); 1 diverged, 1 with a "
                "collapse warning | 1 of 2 | 1 | 1 |"));
    QVERIFY(has(text, "| MLP | softplus | none | not run |"));
    // none 86, 88 % against softplus 83, 81 %: 87 against 82, each std sqrt(2), so the combined
    // std is 2 and the 5 points exceed it; medians equal the means (two seeds), none higher on
    // both seeds (86 > 83, 88 > 81); restore only for none: 85 %.
    QVERIFY(has(text,
                "- **Logistic regression**: output none 87.00% (n = 2) against softplus 82.00% "
                "(n = 2, 1 of 2 warned of a collapse), none higher by 5.00 points (more than the "
                "combined std, 2.00 points); seed by seed, median 87.00% against 82.00%, none "
                "higher on 2 of the 2 seeds both finished; with restore: none 85.00% (n = 1, 1 of "
                "2 warned of a collapse, 1 diverged and not averaged) (warn only 87.00)."));
    QVERIFY(has(text, "- **MLP**: no comparison of the outputs yet"));
    QVERIFY(has(text, "(results/ablation-accuracy-logistic.png)"));

    // Same store, same bytes.
    const QString before = text;
    const QByteArray jsonBefore = summaryJson(ablation.value().summary);
    auto again = writeReport(*m_reader, *gridSpec(QStringLiteral("ablation")), options);
    QVERIFY(again.ok());
    QCOMPARE(readText(md), before);
    QCOMPARE(summaryJson(again.value().summary), jsonBefore);
}

namespace {

RunRow earlierRow(const QString& name, const QString& status, double test,
                  const QVector<double>& curve = {}) {
    const RunName place = *parseRunName(name);
    RunRow r;
    r.name = name;
    r.model = place.model;
    r.cell = place.cell;
    r.seed = place.seed;
    r.status = status;
    r.testAccuracy = test;
    r.wallSeconds = 7;
    r.steps = 100;
    for (qsizetype k = 0; k < curve.size(); ++k) {
        r.curveSteps << 50.0 * static_cast<double>(k);
        r.curveValues << curve[k];
    }
    return r;
}

QByteArray readBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

void TestReproduceReport::carriesTheEarlierSummarysRuns() {
    const GridSpec spec = *gridSpec(QStringLiteral("reproduce"));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath(QStringLiteral("results"));
    QVERIFY(QDir().mkpath(out));

    // The summary an earlier report wrote from another store (another machine's slice).
    QVector<RunRow> earlierRows{
        // Not in this store: carried (without a curve, as a format-1 summary has it).
        earlierRow(QStringLiteral("reproduce/lenet5/cross-entropy/seed0"),
                   QStringLiteral("finished"), 0.88),
        // Not in this store, and without a curve (as a format-1 summary has it).
        earlierRow(QStringLiteral("reproduce/lenet5/cross-entropy/seed1"),
                   QStringLiteral("finished"), 0.90),
        earlierRow(QStringLiteral("reproduce/mlp/cross-entropy/seed1"), QStringLiteral("finished"),
                   0.86),
        // This store has it finished (0.84): the store wins.
        earlierRow(QStringLiteral("reproduce/logistic/cross-entropy/seed0"),
                   QStringLiteral("finished"), 0.50, {0.1, 0.4, 0.5}),
        // This store has it still running: the earlier finished run replaces it.
        earlierRow(QStringLiteral("reproduce/mlp/cross-entropy/seed0"), QStringLiteral("finished"),
                   0.87, {0.1, 0.85, 0.87}),
        // Unfinished in the earlier summary: never carried.
        earlierRow(QStringLiteral("reproduce/lenet5/adalfl/seed0"), QStringLiteral("stopped"),
                   0.70),
    };
    GridSummary earlier = summarize(spec, earlierRows);
    earlier.protocol.insert(QStringLiteral("steps"), {QStringLiteral("10000")});
    const QString keptFile = QStringLiteral("reproduce-accuracy-lenet5.png");
    earlier.figures = {{keptFile, QStringLiteral("the earlier LeNet-5 figure")}};
    QImage image(40, 20, QImage::Format_RGB32);
    image.fill(Qt::darkGreen);
    QVERIFY(image.save(QDir(out).filePath(keptFile)));
    const QByteArray keptBytes = readBytes(QDir(out).filePath(keptFile));
    const QString summaryPath = QDir(out).filePath(QStringLiteral("reproduce-summary.json"));
    {
        QFile f(summaryPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(summaryJson(earlier));
    }

    ReportOptions options;
    options.outDir = out;
    auto written = writeReport(*m_reader, spec, options);
    QVERIFY2(written.ok(), qPrintable(written.error()));
    const GridSummary& s = written.value().summary;
    QHash<QString, RunRow> byName;
    for (const RunRow& r : s.runs) {
        byName.insert(r.name, r);
    }
    QCOMPARE(s.runs.size(), 7 + 3);  // the store's 7 (one replaced), two LeNet-5 runs, one MLP
    QVERIFY(byName.value(QStringLiteral("reproduce/lenet5/cross-entropy/seed0")).carried);
    QVERIFY(byName.value(QStringLiteral("reproduce/lenet5/cross-entropy/seed1")).carried);
    QVERIFY(!byName.contains(QStringLiteral("reproduce/lenet5/adalfl/seed0")));
    const RunRow logistic = byName.value(QStringLiteral("reproduce/logistic/cross-entropy/seed0"));
    QVERIFY(!logistic.carried);
    QCOMPARE(*logistic.testAccuracy, 0.84);
    QCOMPARE(logistic.curveSteps, (QVector<double>{0, 50, 100}));  // the store's own curve
    QCOMPARE(logistic.curveValues.last(), 0.84);
    const RunRow mlp = byName.value(QStringLiteral("reproduce/mlp/cross-entropy/seed0"));
    QVERIFY(mlp.carried);
    QCOMPARE(mlp.status, QStringLiteral("finished"));
    QCOMPARE(*mlp.testAccuracy, 0.87);

    // The aggregates count the carried runs: LeNet-5 cross-entropy errors 12 and 10.
    const CellSummary* lenet = cellOf(s, QStringLiteral("lenet5"), QStringLiteral("cross-entropy"));
    QVERIFY(lenet != nullptr);
    QCOMPARE(lenet->n, 2);
    QVERIFY(std::abs(*lenet->testErrorMean - 11.0) < 1e-9);
    QCOMPARE(cellOf(s, QStringLiteral("lenet5"), QStringLiteral("adalfl"))->runs, 0);
    // The protocols merge: this store's runs have 100 steps, the earlier ones 10,000.
    QCOMPARE(s.protocol.value(QStringLiteral("steps")),
             (QStringList{QStringLiteral("100"), QStringLiteral("10000")}));

    // Figures: none of LeNet-5's runs has a curve, so its earlier figure is kept byte for byte;
    // the MLP's is drawn from seed 0's carried curve and says seed 1 (no curve) is not in it.
    QStringList files;
    for (const Figure& f : s.figures) {
        files << f.file;
    }
    QCOMPARE(files, (QStringList{QStringLiteral("reproduce-accuracy-logistic.png"),
                                 QStringLiteral("reproduce-loss-logistic.png"), keptFile,
                                 QStringLiteral("reproduce-accuracy-mlp.png")}));
    QCOMPARE(s.figures[2].caption, QStringLiteral("the earlier LeNet-5 figure"));
    QCOMPARE(readBytes(QDir(out).filePath(keptFile)), keptBytes);
    QVERIFY(!QImage(QDir(out).filePath(QStringLiteral("reproduce-accuracy-mlp.png"))).isNull());
    QVERIFY2(s.figures[3].caption.endsWith(
                 QLatin1String("Not drawn: 1 finished run of an earlier summary that kept no "
                               "curve (counted in the tables).")),
             qPrintable(s.figures[3].caption));
    QVERIFY(!s.figures[0].caption.contains(QLatin1String("Not drawn")));

    // The summary on disk keeps the flags and curves; the report says what was carried.
    QString error;
    const auto back = parseSummaryJson(readBytes(summaryPath), &error);
    QVERIFY2(back.has_value(), qPrintable(error));
    QCOMPARE(summaryJson(*back), summaryJson(s));
    QVERIFY(has(readText(written.value().markdownPath),
                "4 of them come from the committed summary of an earlier store"));

    // Run again: the carried rows carry again, so nothing changes.
    auto again = writeReport(*m_reader, spec, options);
    QVERIFY2(again.ok(), qPrintable(again.error()));
    QCOMPARE(summaryJson(again.value().summary), summaryJson(s));

    // --store-only: the store's runs alone; the figure of runs it lacks goes.
    options.carry = false;
    auto storeOnly = writeReport(*m_reader, spec, options);
    QVERIFY2(storeOnly.ok(), qPrintable(storeOnly.error()));
    QCOMPARE(storeOnly.value().summary.runs.size(), 7);
    for (const RunRow& r : storeOnly.value().summary.runs) {
        QVERIFY(!r.carried);
    }
    QVERIFY(!QFile::exists(QDir(out).filePath(keptFile)));
}

void TestReproduceReport::refusesAnUnreadableEarlierSummary() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString summaryPath = dir.filePath(QStringLiteral("ablation-summary.json"));
    const QByteArray damaged = "{\"grid\": \"ablation\", \"format\": 1, \"runs\": [";
    {
        QFile f(summaryPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(damaged);
    }
    ReportOptions options;
    options.outDir = dir.path();
    auto written = writeReport(*m_reader, *gridSpec(QStringLiteral("ablation")), options);
    QVERIFY(!written.ok());
    QVERIFY2(written.error().contains(QLatin1String("previous summary")) &&
                 written.error().contains(QLatin1String("--store-only")),
             qPrintable(written.error()));
    QCOMPARE(readBytes(summaryPath), damaged);  // left as it was
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("ablation-accuracy-logistic.png"))));
}

void TestReproduceReport::sharedRunsFillTheAblationsDefaultCell() {
    const GridSpec ablation = *gridSpec(QStringLiteral("ablation"));
    QCOMPARE(ablation.sharedCell, QStringLiteral("softplus-none"));
    const QVector<RunRow> own{
        earlierRow(QStringLiteral("ablation/logistic/softplus-none/seed0"),
                   QStringLiteral("finished"), 0.83),
        earlierRow(QStringLiteral("ablation/logistic/softplus-none/seed3"),
                   QStringLiteral("interrupted"), 0.5),
        earlierRow(QStringLiteral("ablation/logistic/none-none/seed1"), QStringLiteral("finished"),
                   0.85),
    };
    const QVector<RunRow> reproduce{
        earlierRow(QStringLiteral("reproduce/logistic/adalfl/seed0"), QStringLiteral("finished"),
                   0.90),  // the ablation has its own seed 0: not used
        earlierRow(QStringLiteral("reproduce/logistic/adalfl/seed1"), QStringLiteral("finished"),
                   0.80, {0.1, 0.7, 0.8}),
        earlierRow(QStringLiteral("reproduce/logistic/adalfl/seed2"), QStringLiteral("stopped"),
                   0.60),  // not done: not used
        earlierRow(QStringLiteral("reproduce/logistic/adalfl/seed3"), QStringLiteral("diverged"),
                   0.20),  // done: replaces the ablation's interrupted seed 3
        earlierRow(QStringLiteral("reproduce/logistic/ml3/seed4"), QStringLiteral("finished"),
                   0.81),  // another method
        earlierRow(QStringLiteral("reproduce/lenet5/adalfl/seed0"), QStringLiteral("finished"),
                   0.89),  // a model the ablation does not have
        earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed4"), QStringLiteral("finished"), 0.9),
    };
    const QVector<RunRow> rows = addSharedRuns(ablation, own, reproduce);
    QHash<QString, RunRow> byName;
    for (const RunRow& r : rows) {
        byName.insert(r.name, r);
    }
    QCOMPARE(rows.size(), 5);
    QVERIFY(byName.value(QStringLiteral("ablation/logistic/softplus-none/seed0")).sameAs.isEmpty());
    QCOMPARE(*byName.value(QStringLiteral("ablation/logistic/softplus-none/seed0")).testAccuracy,
             0.83);
    const RunRow seed1 = byName.value(QStringLiteral("ablation/logistic/softplus-none/seed1"));
    QCOMPARE(seed1.sameAs, QStringLiteral("reproduce/logistic/adalfl/seed1"));
    QCOMPARE(seed1.cell, QStringLiteral("softplus-none"));
    QCOMPARE(*seed1.testAccuracy, 0.80);
    QCOMPARE(seed1.curveValues, (QVector<double>{0.1, 0.7, 0.8}));
    const RunRow seed3 = byName.value(QStringLiteral("ablation/logistic/softplus-none/seed3"));
    QCOMPARE(seed3.sameAs, QStringLiteral("reproduce/logistic/adalfl/seed3"));
    QCOMPARE(seed3.status, QStringLiteral("diverged"));
    QCOMPARE(byName.value(QStringLiteral("ablation/mlp/softplus-none/seed4")).sameAs,
             QStringLiteral("reproduce/mlp/adalfl/seed4"));
    QVERIFY(!byName.contains(QStringLiteral("ablation/logistic/softplus-none/seed2")));

    // The reproduce grid has no shared cell.
    const QVector<RunRow> none = addSharedRuns(*gridSpec(QStringLiteral("reproduce")), own, own);
    QCOMPARE(none.size(), own.size());
}

void TestReproduceReport::writesTheSharedRunsIntoTheAblation() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath(QStringLiteral("results"));
    QVERIFY(QDir().mkpath(out));
    const GridSpec reproduce = *gridSpec(QStringLiteral("reproduce"));
    // A reproduce summary from another machine: MLP AdaLFL seed 2, which the ablation lacks.
    GridSummary earlier =
        summarize(reproduce, {earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed2"),
                                         QStringLiteral("finished"), 0.895, {0.1, 0.88, 0.895})});
    earlier.protocol.insert(QStringLiteral("loss.output"), {QStringLiteral("softplus")});
    earlier.protocol.insert(QStringLiteral("taylorglo.population"), {QStringLiteral("8")});
    const QString reproducePath = QDir(out).filePath(QStringLiteral("reproduce-summary.json"));
    auto writeSummary = [&](const GridSummary& summary) {
        QFile f(reproducePath);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
               f.write(summaryJson(summary)) > 0;
    };
    QVERIFY(writeSummary(earlier));

    ReportOptions options;
    options.outDir = out;
    auto written = writeReport(*m_reader, *gridSpec(QStringLiteral("ablation")), options);
    QVERIFY2(written.ok(), qPrintable(written.error()));
    const GridSummary& s = written.value().summary;
    const auto shared = std::find_if(s.runs.cbegin(), s.runs.cend(), [](const RunRow& r) {
        return r.name == QLatin1String("ablation/mlp/softplus-none/seed2");
    });
    QVERIFY(shared != s.runs.cend());
    QCOMPARE(shared->sameAs, QStringLiteral("reproduce/mlp/adalfl/seed2"));
    QVERIFY(shared->carried);
    const CellSummary* cell = cellOf(s, QStringLiteral("mlp"), QStringLiteral("softplus-none"));
    QCOMPARE(cell->n, 1);
    QVERIFY(std::abs(*cell->testAccuracyMean - 89.5) < 1e-9);
    // The store's own logistic softplus-none seeds 0 and 1 win over its reproduce AdaLFL runs.
    for (const RunRow& r : s.runs) {
        if (r.model == QLatin1String("logistic")) {
            QVERIFY2(r.sameAs.isEmpty(), qPrintable(r.name));
        }
    }
    // The shared protocol joins, without what the ablation varies or TaylorGLO's settings.
    QVERIFY(!s.protocol.contains(QStringLiteral("loss.output")));
    QVERIFY(!s.protocol.contains(QStringLiteral("taylorglo.population")));
    QString error;
    const auto back = parseSummaryJson(readBytes(written.value().summaryPath), &error);
    QVERIFY2(back.has_value(), qPrintable(error));
    QCOMPARE(summaryJson(*back), summaryJson(s));
    QVERIFY(has(readText(written.value().markdownPath),
                "1 of them is the reproduce grid's AdaLFL run of the same configuration and seed"));

    // Runs recorded with another output are not the default cell: an error, nothing written.
    earlier.protocol.insert(QStringLiteral("loss.output"),
                            {QStringLiteral("none"), QStringLiteral("softplus")});
    QVERIFY(writeSummary(earlier));
    const QByteArray before = readBytes(written.value().summaryPath);
    auto refused = writeReport(*m_reader, *gridSpec(QStringLiteral("ablation")), options);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().contains(QLatin1String("loss.output = none / softplus")),
             qPrintable(refused.error()));
    QCOMPARE(readBytes(written.value().summaryPath), before);
}

void TestReproduceReport::perSeedTablesAndMedians() {
    // MLP only (no logistic or LeNet-5 rows in the per-seed tables). Cross-entropy errors 13, 14,
    // 12, 15 % (seed 4 not run): median 13.5. AdaLFL errors 10, 25 (collapse), 11, running, 9:
    // median of 9, 10, 11, 25 = 10.5. Seeds both counted: 0, 1, 2; AdaLFL lower on 0 and 2.
    const GridSpec spec = *gridSpec(QStringLiteral("reproduce"));
    QVector<RunRow> rows;
    const double ce[] = {0.87, 0.86, 0.88, 0.85};
    for (int seed = 0; seed < 4; ++seed) {
        rows << earlierRow(QStringLiteral("reproduce/mlp/cross-entropy/seed%1").arg(seed),
                           QStringLiteral("finished"), ce[seed]);
    }
    rows << earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed0"), QStringLiteral("finished"),
                       0.90);
    RunRow collapsed = earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed1"),
                                  QStringLiteral("finished"), 0.75);
    collapsed.collapses = 1;
    rows << collapsed;
    rows << earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed2"), QStringLiteral("finished"),
                       0.89);
    rows << earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed3"), QStringLiteral("running"),
                       0.5);
    rows << earlierRow(QStringLiteral("reproduce/mlp/adalfl/seed4"), QStringLiteral("finished"),
                       0.91);
    const GridSummary reproduce = summarize(spec, rows);

    const GridSummary ablation =
        summarize(*gridSpec(QStringLiteral("ablation")),
                  {earlierRow(QStringLiteral("ablation/mlp/none-restore/seed2"),
                              QStringLiteral("finished"), 0.8),
                   earlierRow(QStringLiteral("ablation/mlp/none-none/seed0"),
                              QStringLiteral("diverged"), 0.1)});

    const QString md = resultsMarkdown({reproduce, ablation}, QStringLiteral("results"));
    QVERIFY2(has(md, "| Model | Cell | seed 0 | seed 1 | seed 2 | seed 3 | seed 4 | median |"),
             qPrintable(md));
    QVERIFY2(has(md, "| MLP | Cross-entropy | 13.00 | 14.00 | 12.00 | 15.00 | – | 13.50 |"),
             qPrintable(md));
    QVERIFY2(has(md, "| MLP | AdaLFL | 10.00 | 25.00 ‡ | 11.00 | running | 9.00 | 10.50 |"),
             qPrintable(md));
    QVERIFY(has(md, "| MLP | ML3 | – | – | – | – | – | – |"));
    QVERIFY(!has(md, "| Logistic regression | Cross-entropy | –"));
    QVERIFY2(has(md, "seed by seed, median test error 10.50% against 13.50%; AdaLFL's error was "
                     "lower on 2 of the 3 seeds both finished"),
             qPrintable(md));
    // The ablation's table shows accuracies; a diverged run shows its status, outside the median.
    QVERIFY2(has(md, "| MLP | output none, recovery restore | – | – | 80.00 | – | – | 80.00 |"),
             qPrintable(md));
    QVERIFY2(has(md, "| MLP | output none, recovery none | diverged | – | – | – | – | – |"),
             qPrintable(md));
}

void TestReproduceReport::theOutputDecisionWaitsForEverySeedThenSaysWhatTheAblationShows() {
    const GridSpec spec = *gridSpec(QStringLiteral("ablation"));
    // Warn-only cells, final test accuracies per seed 0-4; a negative value is a run with a
    // collapse warning (its accuracy is the absolute value).
    auto rows = [](const QMap<QString, QVector<double>>& cells) {
        QVector<RunRow> out;
        for (auto it = cells.cbegin(); it != cells.cend(); ++it) {
            for (int seed = 0; seed < it.value().size(); ++seed) {
                const double v = it.value().at(seed);
                RunRow r = earlierRow(QStringLiteral("ablation/%1/seed%2").arg(it.key()).arg(seed),
                                      QStringLiteral("finished"), std::abs(v));
                r.collapses = v < 0 ? 1 : 0;
                out << r;
            }
        }
        return out;
    };
    auto decision = [&](const QVector<RunRow>& r) {
        return resultsMarkdown({summarize(spec, r)}, QStringLiteral("results"));
    };

    // Hand-worked: logistic softplus 83 83 66‡ 83 84 (mean 79.8, std 7.73), none 84 x5 (std 0);
    // MLP softplus 89 89 89 89 75‡ (mean 86.2, std 6.26), none 88 90 89 89 89 (mean 89.0, std
    // 0.71). None's mean is higher on both, within the combined std on both; its median is higher
    // on logistic (84 > 83) only (MLP 89 = 89); paired: logistic 4 (seed 4 ties), MLP 2 (seeds 1,
    // 4): 6 of 10; collapses 0 of 10 against 2 of 10.
    QMap<QString, QVector<double>> cells{
        {QStringLiteral("logistic/softplus-none"), {0.83, 0.83, -0.66, 0.83, 0.84}},
        {QStringLiteral("logistic/none-none"), {0.84, 0.84, 0.84, 0.84, 0.84}},
        {QStringLiteral("mlp/softplus-none"), {0.89, 0.89, 0.89, 0.89, -0.75}},
        {QStringLiteral("mlp/none-none"), {0.88, 0.90, 0.89, 0.89, 0.89}},
    };
    QString md = decision(rows(cells));
    QVERIFY2(has(md, "output none had the higher mean accuracy on 2 of 2 models and the higher "
                     "median on 1 of 2, was higher on 6 of the 10 seeds both finished, and warned "
                     "of a collapse in 0 of 10 runs against softplus's 2 of 10."),
             qPrintable(md));
    // Fewer collapses (0 against 2) and the higher mean on both models: none, although its lead
    // is within the combined std on both.
    QVERIFY2(has(md,
                 "The evidence favours none: it collapsed less and had the higher mean on "
                 "every model (its lead exceeds the combined std on 0 of 2;"),
             qPrintable(md));
    QVERIFY(has(md, "`loss.output` defaults to auto: none for AdaLFL, softplus for ML3"));
    QVERIFY(!has(md, "Whether to change that is decided"));
    // The per-model sentence carries the same seed-by-seed numbers.
    QVERIFY2(has(md, "seed by seed, median 84.00% against 83.00%, none higher on 4 of the 5 "
                     "seeds both finished"),
             qPrintable(md));

    // One seed short of the MLP's none cell: no decision yet.
    QMap<QString, QVector<double>> short4 = cells;
    short4[QStringLiteral("mlp/none-none")].removeLast();
    md = decision(rows(short4));
    QVERIFY2(has(md, "Whether to change that is decided once every model has all 5 seeds of "
                     "output softplus and none (warn only)."),
             qPrintable(md));
    QVERIFY(!has(md, "The default, decided"));

    // A lead beyond the noise (every run of a cell equal: std 0) on both models.
    QMap<QString, QVector<double>> clear{
        {QStringLiteral("logistic/softplus-none"), QVector<double>(5, 0.83)},
        {QStringLiteral("logistic/none-none"), QVector<double>(5, 0.84)},
        {QStringLiteral("mlp/softplus-none"), QVector<double>(5, 0.85)},
        {QStringLiteral("mlp/none-none"), QVector<double>(5, 0.89)},
    };
    md = decision(rows(clear));
    QVERIFY2(has(md,
                 "Its lead exceeds the seed noise (the combined std) on 2 of 2 models: the "
                 "evidence favours none."),
             qPrintable(md));

    // None lower on one model: said plainly.
    clear[QStringLiteral("mlp/none-none")] = QVector<double>(5, 0.80);
    md = decision(rows(clear));
    QVERIFY2(has(md,
                 "Output none did not do better on every model, so this ablation alone does "
                 "not support the default: `loss.output` defaults to auto"),
             qPrintable(md));
}

QTEST_MAIN(TestReproduceReport)
#include "test_reproduce_report.moc"
