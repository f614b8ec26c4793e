#include "lossstudio/ui/loss_heatmap_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <lossstudio/core/phases.h>

#include "lossstudio/ui/plot_view.h"
#include "lossstudio/ui/warning_markers.h"

namespace lossstudio::ui {
namespace {

QCPColorGradient viridis() {
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(68, 1, 84));
    g.setColorStopAt(0.25, QColor(59, 82, 139));
    g.setColorStopAt(0.5, QColor(33, 145, 140));
    g.setColorStopAt(0.75, QColor(94, 201, 98));
    g.setColorStopAt(1.0, QColor(253, 231, 37));
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setNanHandling(QCPColorGradient::nhTransparent);
    return g;
}

/// The values a column shows (empty when the snapshot lacks them).
const QVector<double>& columnValues(const LossCurve& curve, LossHeatmapView::Curve which) {
    switch (which) {
        case LossHeatmapView::Curve::TargetClass:
            return curve.lossY1;
        case LossHeatmapView::Curve::OtherClasses:
            return curve.lossY0;
        case LossHeatmapView::Curve::Effective:
            break;
    }
    return curve.effective;
}

}  // namespace

LossHeatmapView::LossHeatmapView(const RunData* data, QWidget* parent)
    : QWidget(parent), m_data(data) {
    setObjectName(QStringLiteral("lossHeatmapView"));
    m_plot = new PlotView(tr("Learned loss over training"), this);
    m_plot->setObjectName(QStringLiteral("heatmapPlot"));
    m_plot->setLogYAllowed(false);
    m_plot->legend->setVisible(false);
    m_plot->xAxis->setLabel(tr("training step"));
    m_plot->yAxis->setLabel(tr("p, predicted probability"));

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setName(tr("learned loss"));
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setBarWidth(12);
    m_scale->axis()->setTickLabelFont(m_plot->xAxis->tickLabelFont());
    m_scale->axis()->setLabelFont(m_plot->xAxis->labelFont());
    m_map->setColorScale(m_scale);
    m_map->setGradient(viridis());
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    m_marker = new QCPItemStraightLine(m_plot);
    m_marker->setPen(QPen(QColor(255, 255, 255, 200), 1.2, Qt::DashLine));
    m_marker->setVisible(false);
    m_marker->setSelectable(false);
    m_markers = new WarningMarkers(m_plot, data);
    m_markers->setHalo(true);  // visible on every colour of the map

    m_curveBox = new QComboBox(this);
    m_curveBox->setObjectName(QStringLiteral("heatmapCurve"));
    m_curveBox->addItem(tr("l(1, p): target"));
    m_curveBox->addItem(tr("l(0, p): others"));
    m_curveBox->addItem(tr("e(p): effective"));
    m_curveBox->setItemData(2,
                            tr("The loss of one sample whose target class has probability p "
                               "(the net shape of l(1, \u00b7) and l(0, \u00b7))"),
                            Qt::ToolTipRole);
    m_colourBox = new QComboBox(this);
    m_colourBox->setObjectName(QStringLiteral("heatmapColouring"));
    m_colourBox->addItem(tr("colour: value"));
    m_colourBox->addItem(tr("colour: log"));
    m_colourBox->addItem(tr("colour: shape"));
    m_colourBox->setItemData(2,
                             tr("Each step's curve scaled to [0, 1]: shows how the shape changes "
                                "while the loss's scale grows"),
                             Qt::ToolTipRole);
    m_colourBox->setItemData(1, tr("Logarithmic colours; values \u2264 0 are left blank"),
                             Qt::ToolTipRole);

    for (QComboBox* box : {m_curveBox, m_colourBox}) {
        // The map may sit in a narrow column: the boxes shrink rather than widen it.
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(10);
    }
    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(4, 0, 4, 0);
    controls->addWidget(m_curveBox);
    controls->addWidget(m_colourBox);
    controls->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_plot, 1);
    layout->addLayout(controls);

    connect(m_curveBox, &QComboBox::currentIndexChanged, this, [this]() { rebuild(); });
    connect(m_colourBox, &QComboBox::activated, this, [this]() { m_colouringChosen = true; });
    connect(m_colourBox, &QComboBox::currentIndexChanged, this, [this]() { rebuild(); });
    connect(m_plot, &PlotView::viewReset, this, [this]() { rebuild(); });
    rebuild();
}

LossHeatmapView::~LossHeatmapView() = default;

void LossHeatmapView::setCurve(Curve curve) {
    m_curveBox->setCurrentIndex(curve == Curve::TargetClass    ? 0
                                : curve == Curve::OtherClasses ? 1
                                                               : 2);
}

void LossHeatmapView::setColouring(Colouring colouring) {
    m_colouringChosen = true;
    m_colourBox->setCurrentIndex(colouring == Colouring::Value      ? 0
                                 : colouring == Colouring::LogValue ? 1
                                                                    : 2);
}

void LossHeatmapView::setPhase(core::Phase phase) {
    if (phase == core::Phase::Training) {
        phase = core::Phase::Online;
    }
    if (phase == m_phase) {
        return;
    }
    m_phase = phase;
    m_marker->setVisible(false);
    m_markers->setPhase(phase);
    rebuild();
}

bool LossHeatmapView::shows(core::Phase phase) const {
    if (m_phase == core::Phase::OfflineInit || m_phase == core::Phase::Search) {
        return phase == m_phase;
    }
    return phase == core::Phase::Online || phase == core::Phase::Training;
}

void LossHeatmapView::markSnapshot(core::Phase phase, qint64 step) {
    const bool visible = shows(phase) && m_columns > 0;
    m_marker->setVisible(visible);
    if (visible) {
        m_marker->point1->setCoords(static_cast<double>(step), 0);
        m_marker->point2->setCoords(static_cast<double>(step), 1);
    }
    m_plot->requestReplot();
}

void LossHeatmapView::onCleared() {
    m_marker->setVisible(false);
    m_markers->refresh();
    rebuild();
}

void LossHeatmapView::onDataChanged(const RunDataChange& change) {
    if (change.marks) {
        m_markers->refresh();
        m_plot->requestReplot();
    }
    if (change.firstNewSnapshot < 0) {
        return;
    }
    const auto& snapshots = m_data->snapshots();
    for (qsizetype i = change.firstNewSnapshot; i < snapshots.size(); ++i) {
        if (shows(snapshots[i].phase)) {
            rebuild();
            return;
        }
    }
}

void LossHeatmapView::rebuild() {
    // Columns on a regular step grid (the snapshot interval); a column without its own snapshot
    // (an irregular last step) repeats the one before it.
    const Curve which = m_curveBox->currentIndex() == 0   ? Curve::TargetClass
                        : m_curveBox->currentIndex() == 1 ? Curve::OtherClasses
                                                          : Curve::Effective;
    QVector<const LossCurve*> columns;
    for (const LossCurve& curve : m_data->snapshots()) {
        if (shows(curve.phase) && !curve.p.isEmpty()) {
            columns.push_back(&curve);
        }
    }
    if (!m_colouringChosen) {
        // Until the user picks one: log colours when no value is negative (a softplus output,
        // whose zeros are float underflow; the learned loss spans decades, and linear colours
        // show only its largest corner).
        bool nonNegative = !columns.isEmpty();
        bool anyPositive = false;
        for (const LossCurve* curve : columns) {
            for (double v : columnValues(*curve, which)) {
                nonNegative = nonNegative && v >= 0;
                anyPositive = anyPositive || v > 0;
            }
        }
        const bool positive = nonNegative && anyPositive;
        const QSignalBlocker block(m_colourBox);
        m_colourBox->setCurrentIndex(positive ? 1 : 0);
    }
    const int colouring = m_colourBox->currentIndex();
    const QString curveName = which == Curve::TargetClass    ? tr("l(1, p)")
                              : which == Curve::OtherClasses ? tr("l(0, p)")
                                                             : tr("e(p)");
    m_scale->axis()->setLabel(colouring == 2 ? tr("%1 scaled per step").arg(curveName) : curveName);
    m_plot->xAxis->setLabel(m_phase == core::Phase::OfflineInit ? tr("Phase A meta step")
                            : m_phase == core::Phase::Search    ? tr("search candidate")
                                                                : tr("training step"));
    m_columns = static_cast<int>(columns.size());
    if (columns.isEmpty()) {
        m_map->data()->clear();
        m_plot->xAxis->setRange(0, std::max<double>(1, m_data->config().steps));
        m_plot->yAxis->setRange(0, 1);
        m_plot->requestReplot();
        return;
    }
    const int points = static_cast<int>(columns.front()->p.size());
    const double first = static_cast<double>(columns.front()->step);
    const double last = static_cast<double>(columns.back()->step);
    // The snapshot interval: the most frequent gap (the last snapshot may come early).
    std::map<qint64, int> gaps;
    for (qsizetype i = 1; i < columns.size(); ++i) {
        const qint64 gap = columns[i]->step - columns[i - 1]->step;
        if (gap > 0) {
            ++gaps[gap];
        }
    }
    double interval = last - first;
    int most = 0;
    for (const auto& [gap, count] : gaps) {
        if (count > most) {
            most = count;
            interval = static_cast<double>(gap);
        }
    }
    if (interval <= 0) {
        interval = 1;
    }
    const int cells = std::max(2, static_cast<int>(std::lround((last - first) / interval)) + 1);
    auto* data = m_map->data();
    data->setSize(cells, points);
    const double p0 = columns.front()->p.front();
    const double p1 = columns.front()->p.back();
    data->setRange(QCPRange(first, first + interval * (cells - 1)), QCPRange(p0, p1));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // Log colours: zeros (softplus underflow) sit at a floor six decades under the largest value
    // rather than vanishing; negative values have no colour.
    double floor = 0;
    if (colouring == 1) {
        double smallest = std::numeric_limits<double>::infinity();
        double largest = 0;
        for (const LossCurve* curve : columns) {
            for (double v : columnValues(*curve, which)) {
                if (v > 0 && std::isfinite(v)) {
                    smallest = std::min(smallest, v);
                    largest = std::max(largest, v);
                }
            }
        }
        floor = largest > 0 ? std::max(smallest, largest * 1e-6) : 0;
    }
    qsizetype next = 0;
    const LossCurve* current = columns.front();
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < cells; ++k) {
        const double step = first + interval * k;
        while (next < columns.size() &&
               static_cast<double>(columns[next]->step) < step + interval / 2) {
            current = columns[next++];
        }
        const QVector<double>& values = columnValues(*current, which);
        double colLow = 0;
        double colHigh = 1;
        if (colouring == 2 && !values.isEmpty()) {
            colLow = *std::min_element(values.begin(), values.end());
            colHigh = *std::max_element(values.begin(), values.end());
        }
        for (int v = static_cast<int>(values.size()); v < points; ++v) {
            data->setCell(k, v, nan);  // a snapshot without these values (stored before e(p))
        }
        for (int v = 0; v < points && v < values.size(); ++v) {
            double z = values[v];
            if (colouring == 1) {
                z = z >= 0 && floor > 0 ? std::max(z, floor) : nan;
            } else if (colouring == 2) {
                z = colHigh > colLow ? (z - colLow) / (colHigh - colLow) : 0.0;
            }
            if (std::isfinite(z)) {
                low = std::min(low, z);
                high = std::max(high, z);
            }
            data->setCell(k, v, std::isfinite(z) ? z : nan);
        }
    }
    if (colouring == 1) {
        m_scale->setDataScaleType(QCPAxis::stLogarithmic);
        m_scale->axis()->setTicker(PlotView::logTicker());
        m_scale->axis()->setNumberFormat(QStringLiteral("gb"));
        m_scale->axis()->setNumberPrecision(3);
    } else {
        m_scale->setDataScaleType(QCPAxis::stLinear);
        m_scale->axis()->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        m_scale->axis()->setNumberFormat(QStringLiteral("gb"));
        m_scale->axis()->setNumberPrecision(6);
    }
    if (!std::isfinite(low)) {
        low = colouring == 1 ? 0.1 : 0;
        high = colouring == 1 ? 1 : 1;
    }
    if (high <= low) {
        high = colouring == 1 ? low * 10 : low + 1;
    }
    m_map->setDataRange(QCPRange(low, high));
    if (!m_plot->userMovedView()) {
        const auto& config = m_data->config();
        const double total = static_cast<double>(core::phaseSteps(config, m_phase));
        const double halfCell = interval / 2;
        m_plot->xAxis->setRange(first - halfCell, std::max(total, last) + halfCell);
        m_plot->yAxis->setRange(p0, p1);
    }
    m_plot->requestReplot();
}

}  // namespace lossstudio::ui
