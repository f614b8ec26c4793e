#include "lossstudio/ui/live_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/phases.h>

#include "lossstudio/ui/loss_curve_view.h"
#include "lossstudio/ui/loss_heatmap_view.h"
#include "lossstudio/ui/metric_plot.h"
#include "lossstudio/ui/plot_view.h"
#include "lossstudio/ui/warning_markers.h"

namespace lossstudio::ui {
namespace {

constexpr double kDefaultSmoothing = 0.9;
/// Where the gradient-size ratio's floor sits, relative to the collapse threshold.
constexpr double kRatioFloorOfThreshold = 0.01;

QString key(const char* k) {
    return QString::fromLatin1(k);
}

}  // namespace

LiveView::LiveView(const RunData* data, QWidget* parent) : QWidget(parent), m_data(data) {
    setObjectName(QStringLiteral("liveView"));
    m_curves = new LossCurveView(data, this);
    m_heatmap = new LossHeatmapView(data, this);
    m_accuracy = new MetricPlot(
        tr("Accuracy"), tr("accuracy (%)"),
        {{key(core::keys::kTrainAccuracy), tr("train batch"), true, 100.0},
         {key(core::keys::kValidationAccuracy), tr("validation"), false, 100.0},
         {key(core::keys::kTestAccuracy), tr("test"), false, 100.0}},
        data, this,
        {{key(core::keys::kSearchError), tr("candidate validation error"), true, 100.0},
         {key(core::keys::kSearchBestError), tr("best so far"), false, 100.0}});
    m_accuracy->setObjectName(QStringLiteral("accuracyPlot"));
    m_accuracy->setEmptyYRange(0, 100);  // its unit is %
    m_losses = new MetricPlot(tr("Learned loss and meta-loss"), tr("loss (nats)"),
                              {{key(core::keys::kTrainLoss), tr("learned loss"), true, 1.0},
                               {key(core::keys::kMetaLoss), tr("meta-loss"), true, 1.0},
                               {key(core::keys::kTaskLoss), tr("train CE"), true, 1.0}},
                              data, this,
                              {{key(core::keys::kSearchSigma), tr("CMA-ES \u03c3"), false, 1.0}});
    m_losses->setObjectName(QStringLiteral("lossesPlot"));
    m_gradients = new MetricPlot(tr("Gradients"), tr("L2 norm"),
                                 {{key(core::keys::kGradNorm), tr("model gradient"), true, 1.0},
                                  {key(core::keys::kMetaGradNorm), tr("meta-gradient"), true, 1.0}},
                                 data, this);
    m_gradients->setObjectName(QStringLiteral("gradientPlot"));
    // The learned loss's step size relative to cross-entropy's: a collapse drives it to zero.
    m_ratio = new MetricPlot(
        tr("Learned-loss step size"), tr("ratio"),
        {{key(core::keys::kLossGradRatio), tr("learned / cross-entropy gradient size"), true, 1.0}},
        data, this);
    m_ratio->setObjectName(QStringLiteral("ratioPlot"));
    m_ratio->setToolTip(
        tr("||dM/dlogits|| / ||dCE/dlogits|| on the same batch: how much larger (or smaller) a "
           "step the learned loss takes than cross-entropy would. Being under the collapse "
           "threshold in most (collapse.fraction) of the last collapse.window steps while "
           "validation accuracy does not improve raises a collapse warning."));
    // Norms, ratios and losses span decades (and a learned loss can sit far above the
    // cross-entropy).
    m_gradients->setLogY(true);
    m_ratio->setLogY(true);
    m_losses->setLogY(true);

    // Controls for the step plots.
    m_phaseBox = new QComboBox(this);
    m_phaseBox->setObjectName(QStringLiteral("phaseBox"));
    m_phaseBox->addItem(tr("Training"), static_cast<int>(core::Phase::Online));
    m_phaseBox->addItem(tr("Phase A (offline init)"), static_cast<int>(core::Phase::OfflineInit));
    m_phaseBox->addItem(tr("TaylorGLO search"), static_cast<int>(core::Phase::Search));
    m_phaseBox->setToolTip(
        tr("Which phase the step plots and the heat map show; they follow the "
           "run's phase until you pick one"));
    m_smoothSlider = new QSlider(Qt::Horizontal, this);
    m_smoothSlider->setObjectName(QStringLiteral("smoothingSlider"));
    m_smoothSlider->setRange(0, 999);
    m_smoothSlider->setMaximumWidth(160);
    m_smoothSpin = new QDoubleSpinBox(this);
    m_smoothSpin->setObjectName(QStringLiteral("smoothingSpin"));
    m_smoothSpin->setRange(0.0, 0.999);
    m_smoothSpin->setDecimals(3);
    m_smoothSpin->setSingleStep(0.05);
    const QString smoothTip =
        tr("Exponential moving average of the per-step curves (debiased); the "
           "raw curve stays faint behind. 0: raw only");
    m_smoothSlider->setToolTip(smoothTip);
    m_smoothSpin->setToolTip(smoothTip);
    auto* hint = new QLabel(tr("drag: pan \u00b7 wheel: zoom \u00b7 double-click: reset \u00b7 "
                               "right-click: export, log axis"),
                            this);
    QPalette muted = hint->palette();
    muted.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    hint->setPalette(muted);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 6, 2);
    bar->addWidget(new QLabel(tr("Step plots:"), this));
    bar->addWidget(m_phaseBox);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Smoothing"), this));
    bar->addWidget(m_smoothSlider);
    bar->addWidget(m_smoothSpin);
    bar->addStretch(1);
    bar->addWidget(hint);

    // Left, the learned loss: its curves and effective loss (one slider) over its heat map and
    // its step size relative to cross-entropy (both against the step). Right, training.
    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(m_heatmap);
    lower->addWidget(m_ratio);
    lower->setSizes({280, 280});
    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_curves);
    left->addWidget(lower);
    left->setStretchFactor(0, 1);
    left->setStretchFactor(1, 1);
    left->setSizes({300, 300});
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_accuracy);
    right->addWidget(m_losses);
    right->addWidget(m_gradients);
    right->setSizes({200, 200, 200});
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({600, 400});
    for (QSplitter* s : {lower, left, right, split}) {
        s->setChildrenCollapsible(false);
        s->setHandleWidth(5);
    }

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(data, &RunData::changed, this, &LiveView::onDataChanged);
    connect(data, &RunData::cleared, this, &LiveView::onCleared);
    connect(m_curves, &LossCurveView::snapshotShown, m_heatmap, &LossHeatmapView::markSnapshot);
    for (MetricPlot* plot : stepPlots()) {
        connect(plot->warningMarkers(), &WarningMarkers::warningClicked, this,
                &LiveView::showWarning);
    }
    connect(m_heatmap->warningMarkers(), &WarningMarkers::warningClicked, this,
            &LiveView::showWarning);
    connect(m_phaseBox, &QComboBox::activated, this, [this](int index) {
        showPhase(static_cast<core::Phase>(m_phaseBox->itemData(index).toInt()));
    });
    connect(m_smoothSlider, &QSlider::valueChanged, this,
            [this](int value) { setSmoothing(value / 1000.0); });
    connect(m_smoothSpin, &QDoubleSpinBox::valueChanged, this,
            [this](double value) { setSmoothing(value); });
    setSmoothing(kDefaultSmoothing);
    applyConfig();
}

LiveView::~LiveView() = default;

QList<PlotView*> LiveView::plots() const {
    return {m_curves->plot(),
            m_curves->effectivePlot(),
            m_heatmap->plot(),
            m_accuracy,
            m_losses,
            m_gradients,
            m_ratio};
}

QList<MetricPlot*> LiveView::stepPlots() const {
    return {m_accuracy, m_losses, m_gradients, m_ratio};
}

bool LiveView::showWarning(const RunMark& warning) {
    return m_curves->showStep(warning.phase, warning.step);
}

void LiveView::applyConfig() {
    const double threshold = m_data->config().collapse.threshold;
    if (m_ratio->thresholdValue() == threshold) {
        return;
    }
    const QString ratio = key(core::keys::kLossGradRatio);
    m_ratio->setThreshold(ratio, threshold, tr("collapse threshold %1").arg(threshold));
    // A collapsed loss's ratio is 0, which the log axis cannot draw: without a floor the curve
    // would simply end where the collapse begins. Two decades under the threshold (or under the
    // default one when detection is off) the ratio is collapsed whatever its exact value.
    const double floor =
        (threshold > 0 ? threshold : core::CollapseConfig{}.threshold) * kRatioFloorOfThreshold;
    m_ratio->setLogFloor(ratio, floor, tr("ratio \u2264 %1 (0 included)").arg(floor, 0, 'g', 3));
}

void LiveView::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.999);
    const QSignalBlocker blockSlider(m_smoothSlider);
    const QSignalBlocker blockSpin(m_smoothSpin);
    m_smoothSlider->setValue(static_cast<int>(std::lround(weight * 1000)));
    m_smoothSpin->setValue(weight);
    for (MetricPlot* plot : stepPlots()) {
        plot->setSmoothing(weight);
    }
}

double LiveView::smoothing() const {
    return m_accuracy->smoothing();
}

void LiveView::showPhase(core::Phase phase) {
    m_followPhase = false;
    applyPhase(phase);
}

void LiveView::applyPhase(core::Phase phase) {
    m_phase = phase == core::Phase::OfflineInit || phase == core::Phase::Search
                  ? phase
                  : core::Phase::Online;
    m_phaseBox->setCurrentIndex(m_phaseBox->findData(static_cast<int>(m_phase)));
    for (MetricPlot* plot : stepPlots()) {
        plot->setPhase(m_phase);
    }
    m_heatmap->setPhase(m_phase);
    const auto& snapshots = m_data->snapshots();
    if (m_curves->currentIndex() >= 0 && m_curves->currentIndex() < snapshots.size()) {
        const LossCurve& shown = snapshots[m_curves->currentIndex()];
        m_heatmap->markSnapshot(shown.phase, shown.step);
    }
}

void LiveView::onDataChanged(const RunDataChange& change) {
    if (change.status) {
        applyConfig();  // RunStarted brings the config
    }
    if (m_followPhase && change.marks && m_data->phase() != core::Phase::Setup) {
        const core::Phase now =
            m_data->phase() == core::Phase::Training ? core::Phase::Online : m_data->phase();
        if (now != m_phase) {
            applyPhase(now);
        }
    }
    m_curves->onDataChanged(change);
    m_heatmap->onDataChanged(change);
    for (MetricPlot* plot : stepPlots()) {
        plot->onDataChanged(change);
    }
}

void LiveView::onCleared() {
    m_followPhase = true;
    applyConfig();
    applyPhase(core::firstPhase(m_data->config()));
    m_curves->onCleared();
    m_heatmap->onCleared();
    for (MetricPlot* plot : stepPlots()) {
        plot->rebuild();
    }
}

void LiveView::replotNow() {
    for (PlotView* plot : plots()) {
        plot->replot(QCustomPlot::rpImmediateRefresh);
    }
}

}  // namespace lossstudio::ui
