#include "lossstudio/ui/metric_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/phases.h>

#include "lossstudio/ui/warning_markers.h"

namespace lossstudio::ui {

MetricPlot::MetricPlot(const QString& title, const QString& yLabel, QVector<MetricSpec> specs,
                       const RunData* data, QWidget* parent, QVector<MetricSpec> searchSpecs)
    : PlotView(title, parent),
      m_data(data),
      m_thresholdValue(std::numeric_limits<double>::quiet_NaN()) {
    m_markers = new WarningMarkers(this, data);
    xAxis->setLabel(tr("training step"));
    yAxis->setLabel(yLabel);
    // All raw curves first, then the smoothed ones, so every smoothed curve draws on top.
    int colorIndex = 0;
    const int searchFrom = static_cast<int>(specs.size());
    specs += searchSpecs;
    for (const MetricSpec& spec : specs) {
        Series s;
        s.spec = spec;
        s.search = colorIndex >= searchFrom;
        const QColor color = seriesColor(s.search ? colorIndex - searchFrom : colorIndex);
        ++colorIndex;
        s.raw = addGraph();
        s.raw->setName(spec.label);
        s.raw->setPen(QPen(color, 1.6));
        if (!spec.smoothed) {
            s.raw->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 4.5));
        }
        m_series.push_back(s);
    }
    for (Series& s : m_series) {
        if (s.spec.smoothed) {
            s.smooth = addGraph();
            s.smooth->setName(s.spec.label);
            s.smooth->setPen(QPen(s.raw->pen().color(), 1.8));
        }
    }
    connect(this, &PlotView::logYChanged, this, [this]() { rebuild(); });
    connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [this]() { spanThreshold(); });
    rebuild();
}

MetricPlot::~MetricPlot() = default;

bool MetricPlot::inView(const Series& series) const {
    return series.search == (m_phase == core::Phase::Search);
}

QString MetricPlot::fullKey(const MetricSpec& spec) const {
    return m_phase == core::Phase::OfflineInit ? QLatin1String(core::keys::kInitPrefix) + spec.key
                                               : spec.key;
}

void MetricPlot::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.999);
    if (weight == m_smoothing) {
        return;
    }
    m_smoothing = weight;
    rebuild();
}

void MetricPlot::setPhase(core::Phase phase) {
    if (phase == core::Phase::Training) {
        phase = core::Phase::Online;  // one "training" view for both training phases
    }
    if (phase == m_phase) {
        return;
    }
    m_phase = phase;
    m_markers->setPhase(phase);
    rebuild();
}

QCPGraph* MetricPlot::rawGraph(const QString& key) const {
    for (const Series& s : m_series) {
        if (s.spec.key == key) {
            return s.raw;
        }
    }
    return nullptr;
}

QCPGraph* MetricPlot::smoothedGraph(const QString& key) const {
    for (const Series& s : m_series) {
        if (s.spec.key == key) {
            return s.smooth;
        }
    }
    return nullptr;
}

QCPGraph* MetricPlot::floorGraph(const QString& key) const {
    for (const Series& s : m_series) {
        if (s.spec.key == key) {
            return s.floor;
        }
    }
    return nullptr;
}

void MetricPlot::setLogFloor(const QString& key, double floor, const QString& label) {
    for (Series& s : m_series) {
        if (s.spec.key != key) {
            continue;
        }
        if (!(floor > 0)) {
            if (s.floor != nullptr) {
                removeGraph(s.floor);
                s.floor = nullptr;
            }
            s.floorValue = 0;
        } else {
            if (s.floor == nullptr) {
                s.floor = addGraph();
                s.floor->setSelectable(QCP::stNone);
                // Thick and flat: cheap to stroke however long (see the raw pen in rebuild).
                s.floor->setPen(QPen((s.smooth != nullptr ? s.smooth : s.raw)->pen().color(), 4.0,
                                     Qt::SolidLine, Qt::FlatCap));
            }
            s.floorValue = floor;
            s.floor->setName(label);
        }
        rebuild();
        return;
    }
}

bool MetricPlot::floorActive(const Series& series) const {
    return series.floor != nullptr && logY();
}

void MetricPlot::rebuild() {
    const bool smoothing = m_smoothing > 0;
    xAxis->setLabel(m_phase == core::Phase::OfflineInit ? tr("Phase A meta step")
                    : m_phase == core::Phase::Search    ? tr("search candidate")
                                                        : tr("training step"));
    for (Series& s : m_series) {
        s.raw->data()->clear();
        if (s.floor != nullptr) {
            s.floor->data()->clear();
            s.floor->setVisible(floorActive(s) && inView(s));
            s.floor->removeFromLegend();
        }
        s.atFloor = false;
        s.consumed = 0;
        s.ema = 0;
        s.emaCount = 0;
        s.haveRange = false;
        s.raw->setVisible(inView(s));
        if (s.smooth != nullptr) {
            s.smooth->data()->clear();
            s.smooth->setVisible(smoothing && inView(s));
            // The raw curve behind the EMA is a light tint, opaque and one pixel wide: a
            // translucent or wide pen makes Qt stroke the whole zigzag polyline as a path, which
            // costs ~100x more for a noisy 100,000-step series (bench_gui_latency).
            const QColor color = s.smooth->pen().color();
            const QColor tint =
                QColor::fromRgbF(1 - 0.3 * (1 - color.redF()), 1 - 0.3 * (1 - color.greenF()),
                                 1 - 0.3 * (1 - color.blueF()));
            s.raw->setPen(QPen(smoothing ? tint : color, 0));
        }
        if (inView(s)) {
            appendNew(s);
        }
    }
    // The legend names, in spec order, the curve that carries each series.
    legend->clearItems();
    for (Series& s : m_series) {
        if (inView(s)) {
            (smoothing && s.smooth != nullptr ? s.smooth : s.raw)->addToLegend();
        }
    }
    for (Series& s : m_series) {
        updateFloorLegend(s);
    }
    m_markers->refresh();
    updateThreshold();
    fitIfFollowing();
    requestReplot();
}

void MetricPlot::setThreshold(const QString& key, double value, const QString& label) {
    if (m_threshold == nullptr) {
        m_threshold = addGraph();
        m_threshold->setSelectable(QCP::stNone);
        m_threshold->setPen(
            QPen(WarningMarkers::color(WarningMarkers::Kind::Collapse), 1.4, Qt::DashDotLine));
        m_threshold->removeFromLegend();
    }
    m_thresholdKey = key;
    m_thresholdValue = value;
    m_threshold->setName(label);
    updateThreshold();
    fitIfFollowing();
    requestReplot();
}

bool MetricPlot::thresholdShown() const {
    if (m_threshold == nullptr || !std::isfinite(m_thresholdValue) ||
        (logY() && m_thresholdValue <= 0)) {
        return false;
    }
    for (const Series& s : m_series) {
        if (s.spec.key == m_thresholdKey) {
            return inView(s) && !s.raw->data()->isEmpty();
        }
    }
    return false;
}

void MetricPlot::updateThreshold() {
    if (m_threshold == nullptr) {
        return;
    }
    const bool shown = thresholdShown();
    m_threshold->setVisible(shown);
    if (shown) {
        if (!legend->hasItemWithPlottable(m_threshold)) {
            m_threshold->addToLegend();
        }
        spanThreshold();
    } else {
        m_threshold->removeFromLegend();
        m_threshold->data()->clear();  // nothing stale in a CSV export
    }
}

void MetricPlot::spanThreshold() {
    // Two points at the edges of what is visible: the line always crosses the whole plot.
    if (m_threshold == nullptr || !m_threshold->visible()) {
        return;
    }
    const QCPRange range = xAxis->range();
    m_threshold->setData({range.lower, range.upper}, {m_thresholdValue, m_thresholdValue},
                         /*alreadySorted=*/true);
}

void MetricPlot::onDataChanged(const RunDataChange& change) {
    bool any = false;
    for (Series& s : m_series) {
        if (inView(s) && change.keys.contains(fullKey(s.spec))) {
            appendNew(s);
            any = true;
        }
    }
    if (change.marks) {
        m_markers->refresh();
        any = true;
    }
    if (any) {
        updateThreshold();
    }
    if (any || change.status) {
        fitIfFollowing();
        requestReplot();
    }
}

void MetricPlot::appendNew(Series& s) {
    const SeriesData& source = m_data->series(fullKey(s.spec));
    const qsizetype n = source.steps.size();
    if (s.consumed >= n) {
        return;
    }
    const qsizetype count = n - s.consumed;
    QVector<double> keys(count);
    QVector<double> raw(count);
    QVector<double> smooth;
    const bool smoothing = s.smooth != nullptr && m_smoothing > 0;
    if (smoothing) {
        smooth.resize(count);
    }
    const double w = m_smoothing;
    const bool floored = floorActive(s);
    QVector<double> floorKeys;
    QVector<double> floorValues;
    for (qsizetype i = 0; i < count; ++i) {
        const double value = source.values[s.consumed + i] * s.spec.scale;
        keys[i] = source.steps[s.consumed + i];
        raw[i] = value;
        // What the smoothed curve and the y range see: on a log axis with a floor, no value
        // under it (a zero would drag the EMA down without end, decades below the data).
        double shown = value;
        if (floored) {
            if (value <= s.floorValue) {
                floorKeys.push_back(keys[i]);
                floorValues.push_back(s.floorValue);
                s.atFloor = true;
                shown = s.floorValue;
            } else if (s.atFloor) {
                // A gap: the stretches at the floor are separate segments.
                floorKeys.push_back(keys[i]);
                floorValues.push_back(std::numeric_limits<double>::quiet_NaN());
                s.atFloor = false;
            }
        }
        if (smoothing) {
            // Debiased EMA: the first points are not pulled towards zero.
            s.ema = w * s.ema + (1.0 - w) * shown;
            ++s.emaCount;
            smooth[i] = s.ema / (1.0 - std::pow(w, static_cast<double>(s.emaCount)));
            includeInRange(s, smooth[i]);
        } else {
            includeInRange(s, shown);
        }
    }
    appendSeries(s.raw, keys, raw);
    if (smoothing) {
        appendSeries(s.smooth, keys, smooth);
    }
    if (!floorKeys.isEmpty()) {
        // Not through appendSeries: the NaN gaps must stay.
        s.floor->addData(floorKeys, floorValues, /*alreadySorted=*/true);
        updateFloorLegend(s);
    }
    s.consumed = n;
}

bool MetricPlot::floorShown(const Series& s) const {
    if (!floorActive(s) || !inView(s)) {
        return false;
    }
    for (auto it = s.floor->data()->constBegin(); it != s.floor->data()->constEnd(); ++it) {
        if (std::isfinite(it->value)) {
            return true;
        }
    }
    return false;
}

void MetricPlot::updateFloorLegend(Series& s) {
    if (s.floor == nullptr) {
        return;
    }
    const bool shown = floorShown(s);
    if (shown && !legend->hasItemWithPlottable(s.floor)) {
        s.floor->addToLegend();
    } else if (!shown) {
        s.floor->removeFromLegend();
    }
}

void MetricPlot::includeInRange(Series& s, double value) {
    if (!std::isfinite(value) || (logY() && value <= 0)) {
        return;
    }
    if (!s.haveRange) {
        s.low = s.high = value;
        s.haveRange = true;
    } else {
        s.low = std::min(s.low, value);
        s.high = std::max(s.high, value);
    }
}

void MetricPlot::fitIfFollowing() {
    if (!userMovedView()) {
        fitAxes();
    }
}

void MetricPlot::setEmptyYRange(double lower, double upper) {
    m_emptyRange = QCPRange(lower, upper);
    fitAxes();
    requestReplot();
}

void MetricPlot::fitAxes() {
    // x: the whole phase, so the curves grow towards the right edge as the run goes on.
    const auto& config = m_data->config();
    double last = static_cast<double>(core::phaseSteps(config, m_phase));
    for (const Series& s : m_series) {
        if (inView(s) && !s.raw->data()->isEmpty()) {
            last = std::max(last, (s.raw->data()->constEnd() - 1)->key);
        }
    }
    xAxis->setRange(0, std::max(1.0, last));
    // y: what the curves carrying the series span (the faint raw noise may leave the frame).
    bool have = false;
    double low = 0;
    double high = 0;
    for (const Series& s : m_series) {
        if (inView(s) && s.haveRange) {
            low = have ? std::min(low, s.low) : s.low;
            high = have ? std::max(high, s.high) : s.high;
            have = true;
        }
    }
    for (const Series& s : m_series) {
        if (have && floorShown(s)) {
            low = std::min(low, s.floorValue);  // the segments at the floor stay in view
        }
    }
    if (have && thresholdShown()) {
        // The threshold stays in view: how far the series is from it is the point of the line.
        low = std::min(low, m_thresholdValue);
        high = std::max(high, m_thresholdValue);
    }
    if (!have) {
        yAxis->setRange(logY() ? QCPRange(0.1, 10) : m_emptyRange);
        return;
    }
    if (logY()) {
        const double lo = low / 1.25;
        const double hi = high * 1.25;
        yAxis->setRange(lo, hi > lo ? hi : lo * 10);
    } else {
        const double pad =
            high > low ? 0.06 * (high - low) : std::max(1e-3, 0.05 * std::fabs(high));
        yAxis->setRange(low - pad, high + pad);
    }
}

QString MetricPlot::csvSeriesName(const QCPGraph* graph) const {
    if (graph == m_threshold) {
        return graph->name();
    }
    for (const Series& s : m_series) {
        if (graph == s.raw) {
            return fullKey(s.spec);
        }
        if (graph == s.floor) {
            return fullKey(s.spec) + QStringLiteral(" <= %1").arg(s.floorValue);
        }
        if (graph == s.smooth) {
            return fullKey(s.spec) + QStringLiteral(" (EMA %1)").arg(m_smoothing);
        }
    }
    return graph->name();
}

}  // namespace lossstudio::ui
