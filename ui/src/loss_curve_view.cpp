#include "lossstudio/ui/loss_curve_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

#include <lossstudio/core/phases.h>

#include "lossstudio/ui/plot_view.h"

namespace lossstudio::ui {
namespace {

/// The effective plot's y range spans at least this fraction of cross-entropy's effective loss
/// over p in [0.1, 1] (r ln 10): a learned loss a hundred times flatter than cross-entropy (its
/// gradient a hundredth, near collapse) then looks nearly flat instead of being blown up into a
/// shape the model hardly feels.
constexpr double kMinimumSpanOfCrossEntropy = 0.25;
/// e(p) whose span over the grid is at most this fraction of its size (at least 1) is flat.
constexpr double kFlatTolerance = 1e-6;

/// l(0, q) on the snapshot's uniform p-grid, linearly interpolated.
double interpolate(const QVector<double>& p, const QVector<double>& values, double q) {
    const qsizetype n = p.size();
    if (n == 0) {
        return 0;
    }
    if (q <= p.front()) {
        return values.front();
    }
    if (q >= p.back()) {
        return values.back();
    }
    const auto it = std::upper_bound(p.begin(), p.end(), q);
    const qsizetype hi = it - p.begin();
    const qsizetype lo = hi - 1;
    const double t = (q - p[lo]) / (p[hi] - p[lo]);
    return values[lo] + t * (values[hi] - values[lo]);
}

/// How far the loss of a snapshot has been learned, which decides whether its minimum may be read
/// as what the loss has learned.
enum class Learned { Untrained, Learning, Learned };

/// Phase A's and the search's snapshots show a loss still being learned (Phase A's last one is
/// the loss the run goes on with); the final phase's show the learned loss, except a loss nothing
/// trained: AdaLFL's at online step 0 without Phase A, ML3's frozen loss without Phase A.
Learned learnedAt(const core::RunConfig& config, core::Phase phase, qint64 step) {
    const bool phaseA = config.meta.initSteps > 0;
    switch (phase) {
        case core::Phase::Setup:
            return Learned::Untrained;
        case core::Phase::OfflineInit:
            return step == 0                       ? Learned::Untrained
                   : step >= config.meta.initSteps ? Learned::Learned
                                                   : Learned::Learning;
        case core::Phase::Search:
            return Learned::Learning;
        case core::Phase::Online:
            return phaseA || step > 0 ? Learned::Learned : Learned::Untrained;
        case core::Phase::Training:
            return config.method == "ml3" && !phaseA ? Learned::Untrained : Learned::Learned;
    }
    return Learned::Learned;
}

/// The finite range of a graph's points: false when it has none.
bool valueRange(const QCPGraph* graph, double& low, double& high) {
    bool have = false;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        if (!std::isfinite(it->value)) {
            continue;
        }
        low = have ? std::min(low, it->value) : it->value;
        high = have ? std::max(high, it->value) : it->value;
        have = true;
    }
    return have;
}

}  // namespace

LossCurveView::LossCurveView(const RunData* data, QWidget* parent) : QWidget(parent), m_data(data) {
    setObjectName(QStringLiteral("lossCurveView"));

    // The raw curves: their scale.
    m_plot = new PlotView(tr("Learned loss"), this);
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    m_plot->xAxis->setLabel(tr("p, predicted probability"));  // fits Replay's narrower plot
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->xAxis->setRange(0, 1);
    // The references first: drawn under the learned loss.
    m_reference = m_plot->addGraph();
    m_reference->setName(tr("CE \u2212log p"));
    m_reference->setPen(QPen(QColor(150, 150, 150), 1.4, Qt::DashLine));
    m_y1 = m_plot->addGraph();
    m_y1->setName(tr("l(1, p) target"));
    m_y1->setPen(QPen(PlotView::seriesColor(0), 2.2));
    m_y0 = m_plot->addGraph();
    m_y0->setName(tr("l(0, p) others"));
    m_y0->setPen(QPen(PlotView::seriesColor(1), 2.2));
    m_reference->removeFromLegend();
    m_reference->addToLegend();  // ...but named after them
    m_plot->setAxisFitter([this]() { fitY(); });

    // The effective loss: the shape the model feels.
    m_effPlot = new PlotView(tr("Effective loss of a sample"), this);
    m_effPlot->setObjectName(QStringLiteral("effectivePlot"));
    m_effPlot->xAxis->setLabel(tr("p, probability of the target class"));
    m_effPlot->xAxis->setRange(0, 1);
    m_effReference = m_effPlot->addGraph();
    m_effReference->setPen(QPen(QColor(150, 150, 150), 1.4, Qt::DashLine));
    m_effective = m_effPlot->addGraph();
    m_effective->setPen(QPen(PlotView::seriesColor(2), 2.2));
    m_effReference->removeFromLegend();
    m_effReference->addToLegend();
    m_argmin = m_effPlot->addGraph();
    m_argmin->setName(tr("minimum"));
    const QColor minColor(40, 40, 40);
    m_argmin->setLineStyle(QCPGraph::lsNone);
    m_argmin->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(minColor, 1.2), QBrush(minColor), 9));
    m_argminLine = new QCPItemLine(m_effPlot);
    m_argminLine->setSelectable(false);
    m_argminLine->setPen(QPen(minColor, 1.0, Qt::DotLine));
    m_argminLine->start->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_argminLine->setVisible(false);
    m_effPlot->setAxisFitter([this]() { fitEffectiveY(); });

    m_plots = new QSplitter(Qt::Horizontal, this);
    m_plots->addWidget(m_plot);
    m_plots->addWidget(m_effPlot);
    m_plots->setChildrenCollapsible(false);
    m_plots->setHandleWidth(5);

    m_play = new QToolButton(this);
    m_play->setObjectName(QStringLiteral("playButton"));
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_play->setToolTip(tr("Play every snapshot from the start"));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("snapshotSlider"));
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    m_slider->setToolTip(
        tr("Snapshots of the learned loss through the run (both plots); at the right end the "
           "view follows the newest"));
    m_label = new QLabel(tr("no snapshot yet"), this);
    m_label->setObjectName(QStringLiteral("snapshotLabel"));
    m_label->setMinimumWidth(m_label->fontMetrics().horizontalAdvance(
        QStringLiteral("Phase A step 00000 \u00b7 100/100 (live)")));
    m_slider->setMinimumWidth(100);
    m_scaleBox = new QComboBox(this);
    m_scaleBox->setObjectName(QStringLiteral("effectiveScale"));
    m_scaleBox->addItem(tr("e(p) \u2212 min e"));
    m_scaleBox->addItem(tr("e(p)"));
    m_scaleBox->setToolTip(
        tr("The effective loss e(p) = r[l(1,p) + (C\u22121) l(0,(1\u2212p)/(C\u22121))] "
           "(r = 1/C for the mean over classes): the loss of a sample whose target class has "
           "probability p. Only differences of l drive training; this is their net shape."));
    m_scaleBox->setItemData(0,
                            tr("Shifted so its minimum is 0: the shape stays readable however "
                               "large the raw losses grow"),
                            Qt::ToolTipRole);
    m_scaleBox->setItemData(1, tr("The values as they are"), Qt::ToolTipRole);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(4, 0, 4, 0);
    controls->addWidget(m_play);
    controls->addWidget(m_slider, 1);
    controls->addWidget(m_label);
    controls->addWidget(m_scaleBox);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_plots, 1);
    layout->addLayout(controls);

    m_playTimer.setInterval(120);
    connect(&m_playTimer, &QTimer::timeout, this, [this]() {
        const int last = static_cast<int>(m_data->snapshots().size()) - 1;
        if (m_index >= last) {
            stopPlaying();
            return;
        }
        setCurrentIndex(m_index + 1);
    });
    connect(m_play, &QToolButton::clicked, this, [this]() {
        if (isPlaying()) {
            stopPlaying();
        } else {
            play();
        }
    });
    connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
        if (!m_settingSlider) {
            setCurrentIndex(value);
        }
    });
    connect(m_scaleBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        setEffectiveScale(index == 1 ? EffectiveScale::Value : EffectiveScale::FromMinimum);
    });
    for (PlotView* plot : {m_plot, m_effPlot}) {
        connect(plot, &PlotView::logYChanged, this, [this]() { showSnapshot(m_index); });
    }
    setEffectiveScale(EffectiveScale::FromMinimum);
    updateReferences(nullptr);
    fitEffectiveY();
}

LossCurveView::~LossCurveView() = default;

QList<PlotView*> LossCurveView::plots() const {
    return {m_plot, m_effPlot};
}

QString LossCurveView::argminText() const {
    return m_argminText;
}

void LossCurveView::setLive(bool live) {
    m_live = live;
    showSnapshot(m_index);
}

void LossCurveView::setMode(Mode mode) {
    m_mode = mode;
    m_plot->setVisible(mode == Mode::Curves);
}

void LossCurveView::setEffectiveScale(EffectiveScale scale) {
    m_scale = scale;
    const int index = scale == EffectiveScale::Value ? 1 : 0;
    if (m_scaleBox->currentIndex() != index) {
        const QSignalBlocker block(m_scaleBox);
        m_scaleBox->setCurrentIndex(index);
    }
    const bool shifted = scale == EffectiveScale::FromMinimum;
    // (Until a snapshot shows the minimum, which then names the shift.)
    m_effPlot->yAxis->setLabel(shifted ? tr("e(p) \u2212 min e") : tr("e(p)"));
    m_effective->setName(shifted ? tr("e(p) \u2212 min e") : tr("e(p)"));
    if (m_index >= 0) {
        showSnapshot(m_index);
    } else {
        fitEffectiveY();
        m_effPlot->requestReplot();
    }
}

int LossCurveView::classesOf(const LossCurve* curve) const {
    if (curve != nullptr && curve->classes > 1) {
        return curve->classes;
    }
    return m_data->classes() > 1 ? m_data->classes() : 10;
}

double LossCurveView::reductionFactor(int classes) const {
    return m_data->config().loss.reduction == "sum" ? 1.0 : 1.0 / classes;
}

void LossCurveView::updateReferences(const LossCurve* curve) {
    const int classes = classesOf(curve);
    const double r = reductionFactor(classes);
    const bool first = m_reference->data()->isEmpty();
    if (!first && r == m_referenceFactor) {
        return;
    }
    m_referenceFactor = r;
    QVector<double> p;
    QVector<double> ce;
    QVector<double> effective;
    for (int i = 1; i <= 200; ++i) {
        const double x = i / 200.0;
        p.push_back(x);
        ce.push_back(-std::log(x));
        // Cross-entropy's own effective loss: l(1, p) = -log p, l(0, .) = 0.
        effective.push_back(-r * std::log(x));
    }
    m_plot->setSeries(m_reference, p, ce);
    m_effPlot->setSeries(m_effReference, p, effective);
    m_effReference->setName(r == 1.0 ? tr("CE \u2212log p")
                                     : tr("CE \u2212log(p)/%1").arg(classes));
}

void LossCurveView::onCleared() {
    stopPlaying();
    m_index = -1;
    m_following = true;
    m_settingSlider = true;
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    m_settingSlider = false;
    m_y1->data()->clear();
    m_y0->data()->clear();
    clearEffective();
    m_label->setText(tr("no snapshot yet"));
    updateReferences(nullptr);
    fitY();
    fitEffectiveY();
    m_plot->requestReplot();
    m_effPlot->requestReplot();
}

void LossCurveView::onDataChanged(const RunDataChange& change) {
    if (change.status && m_index < 0) {
        updateReferences(nullptr);  // the class count arrives with the run's start
        m_plot->requestReplot();
        m_effPlot->requestReplot();
    }
    if (change.firstNewSnapshot < 0) {
        return;
    }
    const int count = static_cast<int>(m_data->snapshots().size());
    m_settingSlider = true;
    m_slider->setRange(0, std::max(0, count - 1));
    m_slider->setEnabled(count > 1);
    m_settingSlider = false;
    if (m_following && !isPlaying()) {
        setCurrentIndex(count - 1);
    } else {
        showSnapshot(m_index);  // refresh the label's count
    }
}

void LossCurveView::setCurrentIndex(int index) {
    const int count = static_cast<int>(m_data->snapshots().size());
    if (count == 0) {
        return;
    }
    index = std::clamp(index, 0, count - 1);
    m_following = index == count - 1;
    m_settingSlider = true;
    m_slider->setValue(index);
    m_settingSlider = false;
    showSnapshot(index);
}

bool LossCurveView::showStep(core::Phase phase, qint64 step) {
    const int index = m_data->snapshotAtOrBefore(phase, step);
    if (index < 0) {
        return false;
    }
    stopPlaying();
    setCurrentIndex(index);
    return true;
}

void LossCurveView::play() {
    if (m_data->snapshots().isEmpty()) {
        return;
    }
    if (m_index >= static_cast<int>(m_data->snapshots().size()) - 1) {
        setCurrentIndex(0);
    }
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
    m_play->setToolTip(tr("Pause the replay"));
    m_playTimer.start();
}

void LossCurveView::stopPlaying() {
    m_playTimer.stop();
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_play->setToolTip(tr("Play every snapshot from the start"));
}

void LossCurveView::showSnapshot(int index) {
    const auto& snapshots = m_data->snapshots();
    if (index < 0 || index >= snapshots.size()) {
        return;
    }
    m_index = index;
    const LossCurve& curve = snapshots[index];
    m_plot->setSeries(m_y1, curve.p, curve.lossY1);
    m_plot->setSeries(m_y0, curve.p, curve.lossY0);
    updateReferences(&curve);
    showEffective(curve);
    const int count = static_cast<int>(snapshots.size());
    m_label->setText(tr("%1 step %2 \u00b7 %3/%4%5")
                         .arg(QString::fromStdString(core::phaseShortTitle(curve.phase)))
                         .arg(curve.step)
                         .arg(index + 1)
                         .arg(count)
                         .arg(!m_following ? QString()
                              : m_live     ? tr(" (live)")
                                           : tr(" (last)")));
    if (!m_plot->userMovedView()) {
        fitY();
    }
    if (!m_effPlot->userMovedView()) {
        fitEffectiveY();
    }
    m_plot->requestReplot();
    m_effPlot->requestReplot();
    Q_EMIT snapshotShown(curve.phase, curve.step);
}

void LossCurveView::clearEffective() {
    m_effective->data()->clear();
    m_argmin->data()->clear();
    m_argminLine->setVisible(false);
    m_argmin->setName(tr("minimum"));
    m_argminText.clear();
    m_effPlot->yAxis->setLabel(m_scale == EffectiveScale::FromMinimum ? tr("e(p) \u2212 min e")
                                                                      : tr("e(p)"));
}

void LossCurveView::showEffective(const LossCurve& curve) {
    const qsizetype n = curve.p.size();
    const bool fromEngine = curve.effective.size() == n && n > 0;
    QVector<double> values;
    if (fromEngine) {
        values = curve.effective;  // the engine's (it knows the reduction)
    } else if (n > 0 && curve.lossY1.size() == n && curve.lossY0.size() == n) {
        // A snapshot stored before the engine computed e(p): the same formula here.
        const int c = std::max(2, classesOf(&curve));
        const double r = reductionFactor(c);
        values.resize(n);
        for (qsizetype i = 0; i < n; ++i) {
            const double rest = (1.0 - curve.p[i]) / (c - 1);
            values[i] = r * (curve.lossY1[i] + (c - 1) * interpolate(curve.p, curve.lossY0, rest));
        }
    }
    // The first minimum on the grid, as core::LossSnapshot::effectiveArgmin() picks it.
    qsizetype best = -1;
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (std::isfinite(values[i]) && (best < 0 || values[i] < values[best])) {
            best = i;
        }
    }
    if (best < 0) {
        clearEffective();
        return;
    }
    const double argmin = fromEngine ? curve.effectiveArgmin : curve.p[best];
    const double minimum = values[best];
    double maximum = minimum;
    for (double v : values) {
        if (std::isfinite(v)) {
            maximum = std::max(maximum, v);
        }
    }
    // A flat e (a collapsed loss: softplus stuck at 0) has no minimum to speak of; its "argmin"
    // is merely the grid's first point, which must not read as label smoothing.
    const bool flat = maximum - minimum <= kFlatTolerance * std::max(1.0, std::fabs(minimum));
    const bool shifted = m_scale == EffectiveScale::FromMinimum;
    const double shift = shifted ? minimum : 0.0;
    if (shift != 0.0) {
        for (double& v : values) {
            v -= shift;
        }
    }
    m_effPlot->setSeries(m_effective, curve.p, values);
    // The shift is the y axis's label.
    m_effPlot->yAxis->setLabel(!shifted       ? tr("e(p)")
                               : minimum >= 0 ? tr("e(p) \u2212 %1").arg(minimum, 0, 'g', 4)
                                              : tr("e(p) + %1").arg(-minimum, 0, 'g', 4));
    // The minimum's label is its legend entry, above the axes: it never covers a curve.
    if (flat) {
        m_argmin->data()->clear();
        m_argminLine->setVisible(false);
        m_argminText = tr("flat: no minimum (collapsed?)");
        m_argmin->setName(m_argminText);
        return;
    }
    m_effPlot->setSeries(m_argmin, {argmin}, {minimum - shift});
    const bool drawable = !m_effPlot->logY() || minimum - shift > 0;
    m_argminLine->setVisible(drawable);
    if (drawable) {
        m_argminLine->start->setCoords(argmin, 1.0);  // the bottom of the axis rect
        m_argminLine->end->setCoords(argmin, minimum - shift);
    }
    // Where a random or half-learned loss has its minimum says nothing about what it learns.
    const QString where =
        argmin < 1.0 - 1e-6 ? tr("min at p = %1").arg(argmin, 0, 'f', 2) : tr("min at p = 1");
    switch (learnedAt(m_data->config(), curve.phase, curve.step)) {
        case Learned::Untrained:
            m_argminText = tr("untrained loss: %1").arg(where);
            break;
        case Learned::Learning:
            m_argminText = tr("%1 (still learning)").arg(where);
            break;
        case Learned::Learned:
            m_argminText = argmin < 1.0 - 1e-6 ? tr("%1 \u2192 label smoothing").arg(where) : where;
            break;
    }
    m_argmin->setName(m_argminText);
}

void LossCurveView::fitY() {
    m_plot->xAxis->setRange(0, 1);
    bool have = false;
    double low = 0;
    double high = 0;
    for (QCPGraph* g : {m_y1, m_y0}) {
        double l = 0;
        double h = 0;
        if (valueRange(g, l, h)) {
            low = have ? std::min(low, l) : l;
            high = have ? std::max(high, h) : h;
            have = true;
        }
    }
    if (!have) {
        m_plot->yAxis->setRange(m_plot->logY() ? QCPRange(0.01, 10) : QCPRange(0, 5));
        return;
    }
    if (m_plot->logY()) {
        m_plot->yAxis->setRange(low / 1.3, std::max(high * 1.3, low * 10));
        return;
    }
    if (low >= 0) {
        low = 0;  // a loss: keep its floor in view
    }
    const double pad = high > low ? 0.06 * (high - low) : 1.0;
    m_plot->yAxis->setRange(low - (low < 0 ? pad : 0), high + pad);
}

void LossCurveView::fitEffectiveY() {
    // Fitted to e alone: cross-entropy's reference grows without bound near p = 0 and may leave
    // the frame; e's own span (at least a fraction of cross-entropy's, see above) fills it.
    m_effPlot->xAxis->setRange(0, 1);
    const double minimumSpan = kMinimumSpanOfCrossEntropy *
                               (m_referenceFactor > 0 ? m_referenceFactor : 0.1) * std::log(10.0);
    double low = 0;
    double high = 0;
    if (!valueRange(m_effective, low, high)) {
        m_effPlot->yAxis->setRange(m_effPlot->logY() ? QCPRange(0.01, 10)
                                                     : QCPRange(0, 10 * minimumSpan));
        return;
    }
    if (m_effPlot->logY()) {
        m_effPlot->yAxis->setRange(low / 1.3, std::max(high * 1.3, low * 10));
        return;
    }
    if (m_scale == EffectiveScale::Value && low >= 0) {
        low = 0;  // the value as it is: its distance from zero is part of it
    }
    high = std::max(high, low + minimumSpan);
    const double pad = 0.06 * (high - low);
    // Room under the minimum's marker (at 0 when shifted) so the axis does not cut it.
    m_effPlot->yAxis->setRange(low - pad, high + pad);
}

}  // namespace lossstudio::ui
