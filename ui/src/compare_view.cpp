#include "lossstudio/ui/compare_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <optional>
#include <vector>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/storage/run_reader.h>

#include "lossstudio/ui/export_folder.h"
#include "lossstudio/ui/plot_view.h"
#include "lossstudio/ui/store_session.h"

namespace lossstudio::ui {
namespace {

QString key(const char* k) {
    return QString::fromLatin1(k);
}

/// Exact text of a double (shortest form that reads back the same).
QString exact(double v) {
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString csvField(const QString& text) {
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
        text.contains(QLatin1Char('\n'))) {
        QString quoted = text;
        quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    }
    return text;
}

/// A compare plot: a PlotView whose CSV export is the view's (stored values, not the drawn
/// decimated points).
class ComparePlot final : public PlotView {
public:
    ComparePlot(const QString& title, QWidget* parent) : PlotView(title, parent) {}
    void setCsvWriter(std::function<bool(const QString&)> writer) { m_writer = std::move(writer); }
    bool exportCsv(const QString& path) const override {
        return m_writer ? m_writer(path) : PlotView::exportCsv(path);
    }

private:
    std::function<bool(const QString&)> m_writer;
};

/// The snapshot kind a run's curves are compared at: training's, else the search's, else
/// Phase A's.
QString curveKind(const QStringList& kinds) {
    for (core::Phase phase : {core::Phase::Online, core::Phase::Training, core::Phase::Search,
                              core::Phase::OfflineInit}) {
        const QString kind = QString::fromStdString(core::snapshotCurveKind(phase));
        if (kinds.contains(kind)) {
            return kind;
        }
    }
    return {};
}

QString groupLabel(const QString& name) {
    static const QRegularExpression seedSuffix(QStringLiteral("[-_ ]s(eed)?\\d+$"));
    QString label = name;
    label.remove(seedSuffix);
    return label.isEmpty() ? name : label;
}

struct MeanStd {
    double mean = 0;
    double std = 0;
    int n = 0;
};

MeanStd meanStd(const QVector<double>& values) {
    MeanStd out;
    out.n = static_cast<int>(values.size());
    if (out.n == 0) {
        return out;
    }
    double sum = 0;
    for (double v : values) {
        sum += v;
    }
    out.mean = sum / out.n;
    if (out.n > 1) {
        double squares = 0;
        for (double v : values) {
            squares += (v - out.mean) * (v - out.mean);
        }
        out.std = std::sqrt(squares / (out.n - 1));
    }
    return out;
}

}  // namespace

SeriesBand meanStdBand(const QVector<SeriesData>& runs) {
    std::vector<double> grid;
    for (const SeriesData& r : runs) {
        for (qsizetype i = 0; i < r.steps.size() && i < r.values.size(); ++i) {
            if (std::isfinite(r.values[i])) {
                grid.push_back(r.steps[i]);
            }
        }
    }
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    SeriesBand out;
    out.steps.reserve(static_cast<qsizetype>(grid.size()));
    // One cursor per run: the grid ascends, so each run is walked once.
    std::vector<qsizetype> cursor(static_cast<std::size_t>(runs.size()), 0);
    QVector<double> at;
    for (double x : grid) {
        at.clear();
        for (qsizetype r = 0; r < runs.size(); ++r) {
            const SeriesData& s = runs[r];
            const qsizetype n = std::min(s.steps.size(), s.values.size());
            if (n == 0 || x < s.steps.front() || x > s.steps[n - 1]) {
                continue;
            }
            qsizetype& i = cursor[static_cast<std::size_t>(r)];
            while (i < n && s.steps[i] < x) {
                ++i;
            }
            double v = 0;
            if (i < n && s.steps[i] == x) {
                v = s.values[i];
            } else {
                // Between s.steps[i - 1] and s.steps[i] (i > 0: x is after the first step).
                const double x0 = s.steps[i - 1];
                const double x1 = s.steps[i];
                const double t = (x - x0) / (x1 - x0);
                v = s.values[i - 1] + t * (s.values[i] - s.values[i - 1]);
            }
            if (std::isfinite(v)) {
                at.push_back(v);
            }
        }
        if (at.isEmpty()) {
            continue;
        }
        const MeanStd m = meanStd(at);
        out.steps.push_back(x);
        out.mean.push_back(m.mean);
        out.std.push_back(m.std);
        out.count.push_back(m.n);
    }
    return out;
}

CompareView::CompareView(StoreSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("compareView"));
    auto makePlot = [this](const QString& title, const QString& x, const QString& y,
                           const char* name) {
        auto* plot = new ComparePlot(title, this);
        plot->setObjectName(QLatin1String(name));
        plot->xAxis->setLabel(x);
        plot->yAxis->setLabel(y);
        plot->setAutoAddPlottableToLegend(false);  // a legend entry per run or group only
        return plot;
    };
    auto* accuracy =
        makePlot(tr("Accuracy"), tr("training step"), tr("accuracy (%)"), "compareAccuracyPlot");
    auto* learned = makePlot(tr("Learned loss (train/loss)"), tr("training step"),
                             tr("loss (nats)"), "compareLearnedLossPlot");
    auto* meta = makePlot(tr("Meta-loss (meta/loss)"), tr("training step"), tr("loss (nats)"),
                          "compareMetaLossPlot");
    auto* curves = makePlot(tr("Learned loss at a step (solid: l(1,p) or e(p); dashed: l(0,p))"),
                            tr("p (probability of the class)"), tr("loss"), "compareCurvesPlot");
    accuracy->setCsvWriter([this](const QString& p) { return exportCsv(Plot::Accuracy, p); });
    learned->setCsvWriter([this](const QString& p) { return exportCsv(Plot::LearnedLoss, p); });
    meta->setCsvWriter([this](const QString& p) { return exportCsv(Plot::MetaLoss, p); });
    curves->setCsvWriter([this](const QString& p) { return exportCsv(Plot::LossCurves, p); });
    m_accuracy = accuracy;
    accuracy->yAxis->setRange(0, 100);  // in %, until runs are drawn
    m_learned = learned;
    m_meta = meta;
    m_curves = curves;

    m_splitBox = new QComboBox(this);
    m_splitBox->setObjectName(QStringLiteral("compareSplitBox"));
    m_splitBox->addItem(tr("test accuracy"), QStringLiteral("test"));
    m_splitBox->addItem(tr("validation accuracy"), QStringLiteral("validation"));
    m_groupBox = new QCheckBox(tr("Seeds as mean \u00b1 std"), this);
    m_groupBox->setObjectName(QStringLiteral("compareGroupSeeds"));
    m_groupBox->setChecked(true);
    m_groupBox->setToolTip(
        tr("Runs whose configs differ only in seed (and name) are one experiment: draw their "
           "mean with a band of \u00b1 one sample standard deviation, on the union of their "
           "steps (each run linearly interpolated inside its own range)"));
    m_curveMode = new QComboBox(this);
    m_curveMode->setObjectName(QStringLiteral("compareCurveMode"));
    m_curveMode->addItem(tr("l(1, p) and l(0, p)"));
    m_curveMode->addItem(tr("effective loss e(p)"));
    m_stepBox = new QSpinBox(this);
    m_stepBox->setObjectName(QStringLiteral("compareStepBox"));
    m_stepBox->setRange(-1, INT_MAX);
    m_stepBox->setValue(-1);
    m_stepBox->setSpecialValueText(tr("each run's last"));
    m_stepBox->setPrefix(tr("step "));
    m_stepBox->setToolTip(
        tr("The learned-loss curves at the last snapshot at or before this training step"));
    m_stepBox->setKeyboardTracking(false);
    auto* exportButton = new QToolButton(this);
    exportButton->setObjectName(QStringLiteral("compareExportButton"));
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("Every plot as PNG\u2026"), this,
                          [this]() { exportWithDialog(QStringLiteral("png")); });
    exportMenu->addAction(tr("Every plot as PDF\u2026"), this,
                          [this]() { exportWithDialog(QStringLiteral("pdf")); });
    exportMenu->addAction(tr("Stored data and tables as CSV\u2026"), this,
                          [this]() { exportWithDialog(QStringLiteral("csv")); });
    exportButton->setMenu(exportMenu);
    m_summary = new QLabel(tr("Select runs in the Runs tab and press Compare."), this);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    // Wraps rather than widening the tab: unwrapped, this sentence made the Compare page (and so
    // the main window) wider than a 1280 px screen.
    m_summary->setWordWrap(true);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 6, 2);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_splitBox);
    bar->addWidget(m_groupBox);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Curves:"), this));
    bar->addWidget(m_curveMode);
    bar->addWidget(m_stepBox);
    bar->addWidget(exportButton);

    m_finalTable = new QTableWidget(this);
    m_finalTable->setObjectName(QStringLiteral("finalMetricsTable"));
    m_diffTable = new QTableWidget(this);
    m_diffTable->setObjectName(QStringLiteral("configDiffTable"));
    for (QTableWidget* table : {m_finalTable, m_diffTable}) {
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->verticalHeader()->setVisible(false);
        table->horizontalHeader()->setStretchLastSection(true);
        table->setAlternatingRowColors(true);
    }
    auto* tables = new QTabWidget(this);
    tables->addTab(m_finalTable, tr("Final metrics"));
    tables->addTab(m_diffTable, tr("Config diff"));

    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_accuracy);
    top->addWidget(m_curves);
    auto* middle = new QSplitter(Qt::Horizontal, this);
    middle->addWidget(m_learned);
    middle->addWidget(m_meta);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(middle);
    split->addWidget(tables);
    split->setSizes({300, 260, 180});
    // Side by side plots start with equal widths (left alone, the long title of the learned-loss
    // plot took most of the row and squeezed the accuracy plot to its minimum).
    top->setSizes({1000, 1000});
    middle->setSizes({1000, 1000});
    for (QSplitter* s : {top, middle, split}) {
        s->setChildrenCollapsible(false);
        s->setHandleWidth(5);
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_splitBox, &QComboBox::activated, this,
            [this](int index) { setAccuracySplit(m_splitBox->itemData(index).toString()); });
    connect(m_groupBox, &QCheckBox::toggled, this, &CompareView::setGroupSeeds);
    connect(m_curveMode, &QComboBox::activated, this,
            [this](int index) { setEffectiveCurves(index == 1); });
    connect(m_stepBox, &QSpinBox::valueChanged, this, [this](int step) { setCurveStep(step); });
    connect(session, &StoreSession::storeChanged, this, [this]() { (void)setRuns({}); });
}

CompareView::~CompareView() = default;

PlotView* CompareView::plot(Plot plot) const {
    switch (plot) {
        case Plot::Accuracy:
            return m_accuracy;
        case Plot::LearnedLoss:
            return m_learned;
        case Plot::MetaLoss:
            return m_meta;
        case Plot::LossCurves:
            return m_curves;
    }
    return nullptr;
}

QCPGraph* CompareView::runGraph(Plot plot, qint64 runId) const {
    return m_graphs.value(static_cast<int>(plot)).runs.value(runId, nullptr);
}

CompareView::BandGraphs CompareView::bandGraphs(Plot plot, int group) const {
    return m_graphs.value(static_cast<int>(plot)).bands.value(group);
}

QString CompareView::accuracyKey() const {
    return m_splitBox->currentData().toString() == QLatin1String("validation")
               ? key(core::keys::kValidationAccuracy)
               : key(core::keys::kTestAccuracy);
}

QString CompareView::keyOf(Plot plot) const {
    switch (plot) {
        case Plot::Accuracy:
            return accuracyKey();
        case Plot::LearnedLoss:
            return key(core::keys::kTrainLoss);
        case Plot::MetaLoss:
            return key(core::keys::kMetaLoss);
        case Plot::LossCurves:
            break;
    }
    return {};
}

void CompareView::clearPlots() {
    for (PlotView* p : {m_accuracy, m_learned, m_meta, m_curves}) {
        p->clearGraphs();
        p->requestReplot();
    }
    m_graphs.clear();
}

storage::Status CompareView::setRuns(const QVector<qint64>& runIds) {
    m_ids.clear();
    m_runs.clear();
    m_configs.clear();
    m_groups.clear();
    m_groupOf.clear();
    m_diff.clear();
    m_series.clear();
    clearPlots();
    m_finalTable->clear();
    m_finalTable->setRowCount(0);
    m_finalTable->setColumnCount(0);
    m_diffTable->clear();
    m_diffTable->setRowCount(0);
    m_diffTable->setColumnCount(0);
    m_summary->setText(tr("Select runs in the Runs tab and press Compare."));
    auto finish = [this](storage::Status status) {
        Q_EMIT runsChanged();
        return status;
    };
    if (runIds.isEmpty()) {
        return finish({});
    }
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr) {
        return finish(
            storage::Error{storage::ErrorCode::InvalidArgument, tr("no run store is open")});
    }
    storage::RunQuery query;
    query.filter.ids = runIds;
    query.withConfig = true;
    auto listed = reader->listRuns(query);
    if (!listed) {
        return finish(listed.takeError());
    }
    QVector<storage::RunRecord> runs;
    for (qint64 id : runIds) {
        const auto it = std::find_if(listed.value().cbegin(), listed.value().cend(),
                                     [id](const storage::RunRecord& r) { return r.id == id; });
        if (it == listed.value().cend()) {
            return finish(
                storage::Error{storage::ErrorCode::NotFound,
                               tr("no run with id %1 in %2").arg(id).arg(reader->path())});
        }
        if (!runs.isEmpty() &&
            std::any_of(runs.cbegin(), runs.cend(), [id](const auto& r) { return r.id == id; })) {
            continue;  // the same run twice
        }
        runs.push_back(*it);
    }
    m_runs = runs;
    for (const auto& r : m_runs) {
        m_ids.push_back(r.id);
        m_configs.push_back(flattenConfigJson(r.configJson));
    }
    // Groups: equal configs but for the trivial keys, in the order their first run was given.
    QHash<QString, int> byKey;
    for (int i = 0; i < m_runs.size(); ++i) {
        const QString groupKey = seedGroupKey(m_configs[i]);
        auto it = byKey.find(groupKey);
        if (it == byKey.end()) {
            it = byKey.insert(groupKey, static_cast<int>(m_groups.size()));
            m_groups.push_back(CompareGroup{groupLabel(m_runs[i].name), {}});
        }
        m_groups[it.value()].runIds.push_back(m_runs[i].id);
        m_groupOf.push_back(it.value());
    }
    m_diff = diffConfigs(m_configs);
    if (storage::Status s = loadSeries(); !s) {
        const QVector<qint64> none;
        m_ids = none;
        m_runs.clear();
        m_groups.clear();
        m_groupOf.clear();
        m_diff.clear();
        return finish(s);
    }
    drawStepPlots();
    drawCurves();
    fillFinalTable();
    fillDiffTable();
    m_summary->setText(tr("%n run(s)", nullptr, static_cast<int>(m_runs.size())) +
                       tr(" in %n experiment(s)", nullptr, static_cast<int>(m_groups.size())));
    return finish({});
}

storage::Status CompareView::loadSeries() {
    storage::RunReader* reader = m_session->reader();
    m_series.clear();
    for (qint64 id : m_ids) {
        RunSeries s;
        for (auto [member, k] : {std::pair{&RunSeries::accuracy, accuracyKey()},
                                 std::pair{&RunSeries::learned, key(core::keys::kTrainLoss)},
                                 std::pair{&RunSeries::meta, key(core::keys::kMetaLoss)}}) {
            auto series = reader->decimatedSeries(id, k, m_maxPoints);
            if (!series) {
                return series.takeError();
            }
            s.*member = std::move(series).value();
        }
        m_series.push_back(std::move(s));
    }
    return {};
}

void CompareView::drawStepPlots() {
    drawStepPlot(Plot::Accuracy, &RunSeries::accuracy, 100.0);
    drawStepPlot(Plot::LearnedLoss, &RunSeries::learned, 1.0);
    drawStepPlot(Plot::MetaLoss, &RunSeries::meta, 1.0);
}

void CompareView::drawStepPlot(Plot which, const storage::MetricSeries RunSeries::*member,
                               double scale) {
    PlotView* p = plot(which);
    PlotGraphs& graphs = m_graphs[static_cast<int>(which)];
    p->clearGraphs();
    graphs = PlotGraphs{};
    auto scaled = [scale](const QVector<double>& values) {
        if (scale == 1.0) {
            return values;
        }
        QVector<double> out(values.size());
        std::transform(values.cbegin(), values.cend(), out.begin(),
                       [scale](double v) { return v * scale; });
        return out;
    };
    for (int g = 0; g < m_groups.size(); ++g) {
        const CompareGroup& group = m_groups[g];
        const bool band = m_groupSeeds && group.runIds.size() > 1;
        if (!band) {
            for (qint64 id : group.runIds) {
                const int i = static_cast<int>(m_ids.indexOf(id));
                const storage::MetricSeries& s = m_series[i].*member;
                QCPGraph* graph = p->addGraph();
                graph->setName(m_runs[i].name);
                graph->addToLegend();
                graph->setPen(QPen(PlotView::seriesColor(m_groupSeeds ? g : i), 1.6));
                if (s.steps.size() <= 60) {  // evaluations: show the points
                    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
                }
                p->setSeries(graph, s.steps, scaled(s.values));
                graphs.runs.insert(id, graph);
            }
            continue;
        }
        QVector<SeriesData> members;
        for (qint64 id : group.runIds) {
            const storage::MetricSeries& s = m_series[m_ids.indexOf(id)].*member;
            members.push_back(SeriesData{s.steps, scaled(s.values)});
        }
        const SeriesBand b = meanStdBand(members);
        QVector<double> upper(b.mean.size());
        QVector<double> lower(b.mean.size());
        for (qsizetype k = 0; k < b.mean.size(); ++k) {
            upper[k] = b.mean[k] + b.std[k];
            lower[k] = b.mean[k] - b.std[k];
        }
        const QColor color = PlotView::seriesColor(g);
        BandGraphs graphsOfBand;
        graphsOfBand.lower = p->addGraph();
        graphsOfBand.lower->setPen(Qt::NoPen);
        graphsOfBand.lower->setName(tr("%1 \u2212 std").arg(group.label));
        graphsOfBand.upper = p->addGraph();
        graphsOfBand.upper->setPen(Qt::NoPen);
        graphsOfBand.upper->setName(tr("%1 + std").arg(group.label));
        QColor fill = color;
        fill.setAlpha(60);
        graphsOfBand.upper->setBrush(fill);
        graphsOfBand.upper->setChannelFillGraph(graphsOfBand.lower);
        graphsOfBand.mean = p->addGraph();
        graphsOfBand.mean->setPen(QPen(color, 2.0));
        graphsOfBand.mean->setName(
            tr("%1 mean \u00b1 std (%n seeds)", nullptr, static_cast<int>(group.runIds.size()))
                .arg(group.label));
        graphsOfBand.mean->addToLegend();
        p->setSeries(graphsOfBand.lower, b.steps, lower);
        p->setSeries(graphsOfBand.upper, b.steps, upper);
        p->setSeries(graphsOfBand.mean, b.steps, b.mean);
        graphs.bands.insert(g, graphsOfBand);
    }
    p->resetView();
}

void CompareView::drawCurves() {
    PlotGraphs& graphs = m_graphs[static_cast<int>(Plot::LossCurves)];
    m_curves->clearGraphs();
    graphs = PlotGraphs{};
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr || m_ids.isEmpty()) {
        m_curves->requestReplot();
        return;
    }
    if (!m_effective) {
        QCPGraph* reference = m_curves->addGraph();
        reference->setName(tr("cross-entropy \u2212log p"));
        reference->addToLegend();
        reference->setPen(QPen(QColor(170, 170, 170), 1.2, Qt::DotLine));
        QVector<double> p;
        QVector<double> ce;
        for (int i = 1; i <= 200; ++i) {
            p.push_back(i / 200.0);
            ce.push_back(-std::log(i / 200.0));
        }
        m_curves->setSeries(reference, p, ce);
    }
    double high = 0;
    for (int i = 0; i < m_ids.size(); ++i) {
        const qint64 id = m_ids[i];
        auto kinds = reader->snapshotKinds(id);
        if (!kinds) {
            core::logger("ui")->warn("compare: {}", kinds.error().toStdString());
            continue;
        }
        const QString kind = curveKind(kinds.value());
        if (kind.isEmpty()) {
            continue;
        }
        auto snapshot = reader->snapshotAtOrBefore(
            id, kind, m_curveStep < 0 ? storage::RunReader::kLastStep : m_curveStep);
        if (!snapshot) {
            continue;  // no snapshot that early, or damaged (logged by the reader's caller)
        }
        std::vector<std::vector<float>> arrays;
        for (const auto& a : snapshot.value().arrays) {
            arrays.emplace_back(a.begin(), a.end());
        }
        auto curves = core::unpackSnapshotCurves(core::phaseFromName(kind.mid(5).toStdString()),
                                                 snapshot.value().step, arrays);
        if (!curves) {
            core::logger("ui")->warn("compare: run {} snapshot at step {}: {}", id,
                                     snapshot.value().step, curves.error());
            continue;
        }
        const core::LossSnapshot& s = curves.value();
        const QColor color = PlotView::seriesColor(i);
        const QVector<double> p(s.p.begin(), s.p.end());
        const QString at = tr(" \u00b7 step %1").arg(s.step);
        auto add = [&](const std::vector<float>& values, const QString& name, Qt::PenStyle style) {
            QCPGraph* graph = m_curves->addGraph();
            graph->setName(name);
            graph->setPen(QPen(color, 1.8, style));
            const QVector<double> v(values.begin(), values.end());
            m_curves->setSeries(graph, p, v);
            for (double x : v) {
                if (std::isfinite(x)) {
                    high = std::max(high, x);
                }
            }
            return graph;
        };
        // One legend entry per run: its solid curve (l(1, p) or e(p)); l(0, p) is dashed in the
        // same colour.
        QCPGraph* main = nullptr;
        if (m_effective && s.effective.size() == s.p.size()) {
            main = add(s.effective, m_runs[i].name + at, Qt::SolidLine);
        } else if (!m_effective) {
            main = add(s.lossY1, m_runs[i].name + at, Qt::SolidLine);
            add(s.lossY0, m_runs[i].name + tr(" l(0,p)"), Qt::DashLine);
        }
        if (main != nullptr) {
            main->addToLegend();
            graphs.runs.insert(id, main);
        }
    }
    m_curves->resetView();
    // -log p runs to 5.3 at the grid's first point; keep the learned curves readable.
    m_curves->xAxis->setRange(0, 1);
    if (high > 0) {
        m_curves->yAxis->setRange(m_curves->yAxis->range().lower, high * 1.1);
    }
    m_curves->requestReplot();
}

void CompareView::fillFinalTable() {
    struct Metric {
        QString title;
        QString key;
        bool percent;
    };
    const QVector<Metric> metrics = {
        {tr("Test acc."), key(core::keys::kTestAccuracy), true},
        {tr("Val. acc."), key(core::keys::kValidationAccuracy), true},
        {tr("Learned loss"), key(core::keys::kTrainLoss), false},
        {tr("Meta-loss"), key(core::keys::kMetaLoss), false},
        {tr("Train CE"), key(core::keys::kTaskLoss), false},
    };
    QStringList headers = {tr("Run"), tr("Seed"), tr("Experiment"), tr("Status"), tr("Steps")};
    for (const Metric& m : metrics) {
        headers << m.title;
    }
    int groupRows = 0;
    for (const CompareGroup& g : m_groups) {
        groupRows += g.runIds.size() > 1 ? 1 : 0;
    }
    m_finalTable->setColumnCount(static_cast<int>(headers.size()));
    m_finalTable->setHorizontalHeaderLabels(headers);
    m_finalTable->setRowCount(static_cast<int>(m_runs.size()) + groupRows);
    auto text = [](double v, bool percent) {
        return percent ? QStringLiteral("%1%").arg(v * 100, 0, 'f', 2) : QString::number(v, 'g', 5);
    };
    auto cell = [this](int row, int column, const QString& text) {
        auto* item = new QTableWidgetItem(text);
        m_finalTable->setItem(row, column, item);
        return item;
    };
    const int firstMetric = 5;
    for (int i = 0; i < m_runs.size(); ++i) {
        const storage::RunRecord& r = m_runs[i];
        cell(i, 0, r.name)->setToolTip(r.uuid);
        cell(i, 1, QString::number(r.seed));
        cell(i, 2, QString::number(m_groupOf[i] + 1))->setToolTip(m_groups[m_groupOf[i]].label);
        cell(i, 3, storage::statusName(r.status))->setToolTip(r.message);
        const auto train = r.latest.constFind(key(core::keys::kTrainLoss));
        cell(i, 4, train == r.latest.cend() ? QString() : QString::number(train->step));
        for (int m = 0; m < metrics.size(); ++m) {
            const auto it = r.latest.constFind(metrics[m].key);
            if (it == r.latest.cend()) {
                cell(i, firstMetric + m, QStringLiteral("\u2014"));
                continue;
            }
            auto* item = cell(i, firstMetric + m, text(it->value, metrics[m].percent));
            item->setData(Qt::UserRole, it->value);
            item->setToolTip(tr("step %1: %2").arg(it->step).arg(exact(it->value)));
        }
    }
    int row = static_cast<int>(m_runs.size());
    QFont bold = m_finalTable->font();
    bold.setBold(true);
    for (int g = 0; g < m_groups.size(); ++g) {
        const CompareGroup& group = m_groups[g];
        if (group.runIds.size() < 2) {
            continue;
        }
        cell(row, 0, tr("%1: mean \u00b1 std").arg(group.label))->setFont(bold);
        cell(row, 1, tr("%n seeds", nullptr, static_cast<int>(group.runIds.size())));
        cell(row, 2, QString::number(g + 1));
        for (int m = 0; m < metrics.size(); ++m) {
            QVector<double> values;
            for (qint64 id : group.runIds) {
                const auto& latest = m_runs[m_ids.indexOf(id)].latest;
                const auto it = latest.constFind(metrics[m].key);
                if (it != latest.cend()) {
                    values.push_back(it->value);
                }
            }
            if (values.isEmpty()) {
                cell(row, firstMetric + m, QStringLiteral("\u2014"));
                continue;
            }
            const MeanStd s = meanStd(values);
            auto* item = cell(row, firstMetric + m,
                              text(s.mean, metrics[m].percent) + QStringLiteral(" \u00b1 ") +
                                  text(s.std, metrics[m].percent));
            item->setData(Qt::UserRole, s.mean);
            item->setData(Qt::UserRole + 1, s.std);
            item->setFont(bold);
            item->setToolTip(tr("mean of %n run(s), sample standard deviation", nullptr, s.n));
        }
        ++row;
    }
    m_finalTable->resizeColumnsToContents();
}

void CompareView::fillDiffTable() {
    QStringList headers = {tr("Key")};
    for (const auto& r : m_runs) {
        headers << r.name;
    }
    m_diffTable->setColumnCount(static_cast<int>(headers.size()));
    m_diffTable->setHorizontalHeaderLabels(headers);
    m_diffTable->setRowCount(static_cast<int>(m_diff.size()));
    const QColor muted = palette().color(QPalette::PlaceholderText);
    for (int row = 0; row < m_diff.size(); ++row) {
        const ConfigDiffRow& d = m_diff[row];
        auto* keyItem = new QTableWidgetItem(d.key);
        keyItem->setData(Qt::UserRole, d.trivial);
        if (d.trivial) {
            QFont italic = keyItem->font();
            italic.setItalic(true);
            keyItem->setFont(italic);
            keyItem->setForeground(muted);
            keyItem->setToolTip(
                tr("differs between repeats of one experiment (not used for grouping)"));
        }
        m_diffTable->setItem(row, 0, keyItem);
        for (int i = 0; i < d.values.size(); ++i) {
            auto* item = new QTableWidgetItem(configValueText(d.values[i]));
            if (d.trivial) {
                item->setForeground(muted);
            }
            m_diffTable->setItem(row, i + 1, item);
        }
    }
    m_diffTable->resizeColumnsToContents();
}

void CompareView::setGroupSeeds(bool on) {
    if (on == m_groupSeeds) {
        return;
    }
    m_groupSeeds = on;
    const QSignalBlocker block(m_groupBox);
    m_groupBox->setChecked(on);
    drawStepPlots();
}

void CompareView::setAccuracySplit(const QString& split) {
    const int index = m_splitBox->findData(split);
    if (index < 0) {
        return;
    }
    m_splitBox->setCurrentIndex(index);
    if (m_ids.isEmpty()) {
        return;
    }
    storage::RunReader* reader = m_session->reader();
    for (int i = 0; i < m_ids.size() && reader != nullptr; ++i) {
        auto series = reader->decimatedSeries(m_ids[i], accuracyKey(), m_maxPoints);
        m_series[i].accuracy = series ? std::move(series).value() : storage::MetricSeries{};
    }
    drawStepPlot(Plot::Accuracy, &RunSeries::accuracy, 100.0);
}

void CompareView::setCurveStep(qint64 step) {
    m_curveStep = step < 0 ? -1 : step;
    const QSignalBlocker block(m_stepBox);
    m_stepBox->setValue(static_cast<int>(std::min<qint64>(m_curveStep, INT_MAX)));
    drawCurves();
}

void CompareView::setEffectiveCurves(bool on) {
    m_effective = on;
    m_curveMode->setCurrentIndex(on ? 1 : 0);
    drawCurves();
}

void CompareView::setMaxPoints(int points) {
    m_maxPoints = std::max(2, points);
}

bool CompareView::exportCsv(Plot which, const QString& path) const {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr) {
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        core::logger("ui")->error("cannot write {}: {}", path.toStdString(),
                                  file.errorString().toStdString());
        return false;
    }
    QTextStream out(&file);
    if (which == Plot::LossCurves) {
        out << "series,run_uuid,kind,step,p,value\n";
        for (int i = 0; i < m_ids.size(); ++i) {
            auto kinds = reader->snapshotKinds(m_ids[i]);
            const QString kind = kinds ? curveKind(kinds.value()) : QString();
            if (kind.isEmpty()) {
                continue;
            }
            auto snapshot = reader->snapshotAtOrBefore(
                m_ids[i], kind, m_curveStep < 0 ? storage::RunReader::kLastStep : m_curveStep);
            if (!snapshot) {
                continue;
            }
            const auto& a = snapshot.value().arrays;
            // {p, l(1,p), l(0,p), slopes..., e(p), e'(p)}: the curves the plot can show.
            const QVector<QPair<int, QString>> columns = {{1, QStringLiteral("l(1,p)")},
                                                          {2, QStringLiteral("l(0,p)")},
                                                          {5, QStringLiteral("e(p)")}};
            for (const auto& [index, name] : columns) {
                if (index >= a.size() || a[index].size() != a[0].size()) {
                    continue;
                }
                const QString series = csvField(m_runs[i].name + QLatin1Char(' ') + name);
                for (qsizetype k = 0; k < a[0].size(); ++k) {
                    out << series << ',' << m_runs[i].uuid << ',' << kind << ','
                        << snapshot.value().step << ','
                        << QString::number(a[0][k], 'g', QLocale::FloatingPointShortest) << ','
                        << QString::number(a[index][k], 'g', QLocale::FloatingPointShortest)
                        << '\n';
                }
            }
        }
    } else {
        const QString k = keyOf(which);
        out << "series,run_uuid,key,step,value\n";
        QVector<SeriesData> full(m_ids.size());
        for (int i = 0; i < m_ids.size(); ++i) {
            auto series = reader->series(m_ids[i], k);  // exact, every stored point
            if (!series) {
                core::logger("ui")->error("export {}: {}", path.toStdString(),
                                          series.error().toStdString());
                return false;
            }
            const QString name = csvField(m_runs[i].name);
            const auto& s = series.value();
            for (qsizetype j = 0; j < s.steps.size(); ++j) {
                out << name << ',' << m_runs[i].uuid << ',' << k << ','
                    << static_cast<qint64>(s.steps[j]) << ',' << exact(s.values[j]) << '\n';
            }
            full[i] = SeriesData{s.steps, s.values};
        }
        for (const CompareGroup& g : m_groups) {
            if (g.runIds.size() < 2) {
                continue;
            }
            QVector<SeriesData> members;
            for (qint64 id : g.runIds) {
                members.push_back(full[m_ids.indexOf(id)]);
            }
            const SeriesBand b = meanStdBand(members);
            const QString mean = csvField(g.label + QStringLiteral(" mean"));
            const QString std = csvField(g.label + QStringLiteral(" std"));
            for (qsizetype j = 0; j < b.steps.size(); ++j) {
                out << mean << ",," << k << ',' << exact(b.steps[j]) << ',' << exact(b.mean[j])
                    << '\n';
            }
            for (qsizetype j = 0; j < b.steps.size(); ++j) {
                out << std << ",," << k << ',' << exact(b.steps[j]) << ',' << exact(b.std[j])
                    << '\n';
            }
        }
    }
    out.flush();
    if (!file.commit()) {
        core::logger("ui")->error("cannot write {}: {}", path.toStdString(),
                                  file.errorString().toStdString());
        return false;
    }
    return true;
}

namespace {

bool writeTable(const QTableWidget* table, const QString& path) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        core::logger("ui")->error("cannot write {}: {}", path.toStdString(),
                                  file.errorString().toStdString());
        return false;
    }
    QTextStream out(&file);
    for (int c = 0; c < table->columnCount(); ++c) {
        out << (c > 0 ? "," : "") << csvField(table->horizontalHeaderItem(c)->text());
    }
    out << '\n';
    for (int r = 0; r < table->rowCount(); ++r) {
        for (int c = 0; c < table->columnCount(); ++c) {
            const QTableWidgetItem* item = table->item(r, c);
            out << (c > 0 ? "," : "") << csvField(item != nullptr ? item->text() : QString());
        }
        out << '\n';
    }
    out.flush();
    return file.commit();
}

}  // namespace

QStringList CompareView::exportAll(const QString& basePath, const QString& kind) {
    QString base = basePath;
    for (const char* suffix : {".png", ".pdf", ".csv"}) {
        if (base.endsWith(QLatin1String(suffix), Qt::CaseInsensitive)) {
            base.chop(4);
        }
    }
    const QVector<QPair<Plot, QString>> plots = {
        {Plot::Accuracy, QStringLiteral("accuracy")},
        {Plot::LearnedLoss, QStringLiteral("learned-loss")},
        {Plot::MetaLoss, QStringLiteral("meta-loss")},
        {Plot::LossCurves, QStringLiteral("loss-curves")}};
    QStringList written;
    for (const auto& [which, name] : plots) {
        const QString path = QStringLiteral("%1-%2.%3").arg(base, name, kind);
        bool ok = false;
        if (kind == QLatin1String("png")) {
            ok = plot(which)->exportPng(path);
        } else if (kind == QLatin1String("pdf")) {
            ok = plot(which)->exportPdf(path);
        } else if (kind == QLatin1String("csv")) {
            ok = exportCsv(which, path);
        }
        if (!ok) {
            return {};
        }
        written << path;
    }
    if (kind == QLatin1String("csv")) {
        for (const auto& [table, name] :
             {std::pair<const QTableWidget*, const char*>{m_finalTable, "final-metrics"},
              std::pair<const QTableWidget*, const char*>{m_diffTable, "config-diff"}}) {
            const QString path = QStringLiteral("%1-%2.csv").arg(base, QLatin1String(name));
            if (!writeTable(table, path)) {
                core::logger("ui")->error("cannot write {}", path.toStdString());
                return {};
            }
            written << path;
        }
    }
    return written;
}

void CompareView::exportWithDialog(const QString& kind) {
    if (m_ids.isEmpty()) {
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the comparison"), exportStartPath(QStringLiteral("compare.%1").arg(kind)),
        tr("Base name (one file per plot) (*.%1)").arg(kind));
    if (path.isEmpty()) {
        return;
    }
    rememberExportPath(path);
    const QStringList written = exportAll(path, kind);
    if (written.isEmpty()) {
        QMessageBox::warning(
            this, tr("Export failed"),
            tr("The comparison could not be written; see the log for the reason."));
        return;
    }
    QMessageBox::information(this, tr("Exported"),
                             tr("Wrote:\n%1").arg(written.join(QLatin1Char('\n'))));
}

}  // namespace lossstudio::ui
