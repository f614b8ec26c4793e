#include "lossstudio/ui/loss_curve_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "lossstudio/ui/plot_view.h"

namespace lossstudio::ui {
namespace {

QString phaseText(core::Phase phase) {
    switch (phase) {
        case core::Phase::OfflineInit:
            return LossCurveView::tr("Phase A");
        case core::Phase::Online:
            return LossCurveView::tr("online");
        case core::Phase::Training:
            return LossCurveView::tr("training");
        case core::Phase::Search:
            return LossCurveView::tr("search");
        case core::Phase::Setup:
            break;
    }
    return LossCurveView::tr("setup");
}

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

}  // namespace

LossCurveView::LossCurveView(const RunData* data, QWidget* parent) : QWidget(parent), m_data(data) {
    setObjectName(QStringLiteral("lossCurveView"));
    m_plot = new PlotView(tr("Learned loss"), this);
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    m_plot->xAxis->setLabel(tr("p, predicted probability of the class"));
    m_plot->yAxis->setLabel(tr("loss"));
    m_plot->xAxis->setRange(0, 1);

    m_reference = m_plot->addGraph();
    m_reference->setName(tr("cross-entropy \u2212log p"));
    m_reference->setPen(QPen(QColor(150, 150, 150), 1.4, Qt::DashLine));
    m_y1 = m_plot->addGraph();
    m_y1->setName(tr("l(1, p), target class"));
    m_y1->setPen(QPen(PlotView::seriesColor(0), 2.2));
    m_y0 = m_plot->addGraph();
    m_y0->setName(tr("l(0, p), other classes"));
    m_y0->setPen(QPen(PlotView::seriesColor(1), 2.2));
    updateReference();

    m_play = new QToolButton(this);
    m_play->setObjectName(QStringLiteral("playButton"));
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_play->setToolTip(tr("Play every snapshot from the start"));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("snapshotSlider"));
    m_slider->setRange(0, 0);
    m_slider->setEnabled(false);
    m_slider->setToolTip(
        tr("Snapshots of the learned loss through the run; at the right end the "
           "view follows the newest"));
    m_label = new QLabel(tr("no snapshot yet"), this);
    m_label->setObjectName(QStringLiteral("snapshotLabel"));
    m_label->setMinimumWidth(m_label->fontMetrics().horizontalAdvance(
        QStringLiteral("Phase A step 00000 \u00b7 100/100 (live)")));
    m_slider->setMinimumWidth(100);
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("lossMode"));
    m_mode->addItem(tr("l(1,p), l(0,p)"));
    m_mode->addItem(tr("effective loss"));
    m_mode->setItemData(0,
                        tr("The learned loss for the target class (y = 1) and for the other "
                           "classes (y = 0)"),
                        Qt::ToolTipRole);
    m_mode->setItemData(
        1,
        tr("The loss of one sample whose target class has probability p and the "
           "rest is spread evenly: (1/C)[l(1,p) + (C\u22121) l(0,(1\u2212p)/(C\u22121))]; only "
           "differences of l drive training, this shows their net shape"),
        Qt::ToolTipRole);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(4, 0, 4, 0);
    controls->addWidget(m_play);
    controls->addWidget(m_slider, 1);
    controls->addWidget(m_label);
    controls->addWidget(m_mode);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_plot, 1);
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
    connect(m_mode, &QComboBox::currentIndexChanged, this,
            [this](int index) { setMode(index == 1 ? Mode::Effective : Mode::Curves); });
    connect(m_plot, &PlotView::viewReset, this, [this]() { fitY(); });
    connect(m_plot, &PlotView::logYChanged, this, [this]() { showSnapshot(m_index); });
}

LossCurveView::~LossCurveView() = default;

void LossCurveView::setMode(Mode mode) {
    const int index = mode == Mode::Effective ? 1 : 0;
    if (m_mode->currentIndex() != index) {
        m_mode->setCurrentIndex(index);  // comes back here through the signal
        return;
    }
    m_y0->setVisible(mode == Mode::Curves);
    if (mode == Mode::Curves) {
        m_y0->addToLegend();
        m_y1->setName(tr("l(1, p), target class"));
    } else {
        m_y0->removeFromLegend();
        m_y1->setName(tr("effective loss of a sample"));
    }
    updateReference();
    showSnapshot(m_index);
}

void LossCurveView::updateReference() {
    const bool effective = m_mode != nullptr && m_mode->currentIndex() == 1;
    const int classes = m_data->classes() > 1 ? m_data->classes() : 10;
    QVector<double> p;
    QVector<double> ce;
    for (int i = 1; i <= 200; ++i) {
        const double x = i / 200.0;
        p.push_back(x);
        ce.push_back(effective ? -std::log(x) / classes : -std::log(x));
    }
    m_reference->setName(effective ? tr("cross-entropy \u2212log(p)/C")
                                   : tr("cross-entropy \u2212log p"));
    m_plot->setSeries(m_reference, p, ce);
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
    m_label->setText(tr("no snapshot yet"));
    updateReference();
    m_plot->requestReplot();
}

void LossCurveView::onDataChanged(const RunDataChange& change) {
    if (change.status) {
        updateReference();  // the class count arrives with the run's start
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
    if (m_mode->currentIndex() == 1 && curve.effective.size() == curve.p.size()) {
        m_plot->setSeries(m_y1, curve.p, curve.effective);  // the engine's (knows the reduction)
        m_y0->data()->clear();
    } else if (m_mode->currentIndex() == 1) {
        // Older snapshots without it: the mean-over-classes formula.
        const int c = std::max(2, curve.classes > 1       ? curve.classes
                                  : m_data->classes() > 1 ? m_data->classes()
                                                          : 10);
        QVector<double> effective(curve.p.size());
        for (qsizetype i = 0; i < curve.p.size(); ++i) {
            const double rest = (1.0 - curve.p[i]) / (c - 1);
            effective[i] =
                (curve.lossY1[i] + (c - 1) * interpolate(curve.p, curve.lossY0, rest)) / c;
        }
        m_plot->setSeries(m_y1, curve.p, effective);
        m_y0->data()->clear();
    } else {
        m_plot->setSeries(m_y1, curve.p, curve.lossY1);
        m_plot->setSeries(m_y0, curve.p, curve.lossY0);
    }
    const int count = static_cast<int>(snapshots.size());
    m_label->setText(tr("%1 step %2 \u00b7 %3/%4%5")
                         .arg(phaseText(curve.phase))
                         .arg(curve.step)
                         .arg(index + 1)
                         .arg(count)
                         .arg(m_following ? tr(" (live)") : QString()));
    if (!m_plot->userMovedView()) {
        fitY();
    }
    m_plot->requestReplot();
    Q_EMIT snapshotShown(curve.phase, curve.step);
}

void LossCurveView::fitY() {
    m_plot->xAxis->setRange(0, 1);
    bool have = false;
    double low = 0;
    double high = 0;
    for (QCPGraph* g : {m_y1, m_y0}) {
        if (!g->visible()) {
            continue;
        }
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            if (!std::isfinite(it->value)) {
                continue;
            }
            low = have ? std::min(low, it->value) : it->value;
            high = have ? std::max(high, it->value) : it->value;
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

}  // namespace lossstudio::ui
