#include "lossstudio/ui/warning_markers.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <cmath>

#include <lossstudio/core/phases.h>
#include <lossstudio/ui/qcp.h>

namespace lossstudio::ui {
namespace {

constexpr double kHitPixels = 5.0;  ///< how far from a line a click or hover still hits it
const QString kLayer = QStringLiteral("markers");

/// A point at step `x` and at `ratio` of the axis rectangle's height (0: top), whatever the y
/// axis's scale (a log axis has no 0).
void place(QCPItemPosition* position, double x, double ratio) {
    position->setTypeX(QCPItemPosition::ptPlotCoords);
    position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    position->setCoords(x, ratio);
}

}  // namespace

WarningMarkers::Kind WarningMarkers::kindOf(const QString& code) {
    if (code == QLatin1String("divergence")) {
        return Kind::Divergence;
    }
    if (code == QLatin1String("collapse")) {
        return Kind::Collapse;
    }
    return Kind::Other;
}

QColor WarningMarkers::color(Kind kind) {
    switch (kind) {
        case Kind::Divergence:
            return QColor(200, 30, 30);  // red: the run blew up
        case Kind::Collapse:
            return QColor(150, 50, 170);  // purple: the learned loss went flat
        case Kind::Other:
            break;
    }
    return QColor(178, 106, 0);  // amber, as the status bar's warning count
}

WarningMarkers::WarningMarkers(QCustomPlot* plot, const RunData* data)
    : QObject(plot), m_plot(plot), m_data(data) {
    if (m_plot->layer(kLayer) == nullptr) {
        m_plot->addLayer(kLayer, m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    }
    m_plot->setMouseTracking(true);  // hover: pointing-hand cursor over a marker
    m_plot->installEventFilter(this);
    connect(m_plot, &QCustomPlot::mousePress, this, &WarningMarkers::onPress);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &WarningMarkers::onRelease);
    connect(m_plot, &QCustomPlot::mouseMove, this, &WarningMarkers::onMove);
}

WarningMarkers::~WarningMarkers() = default;

void WarningMarkers::setPhase(core::Phase phase) {
    if (phase == core::Phase::Training) {
        phase = core::Phase::Online;
    }
    if (phase == m_phase) {
        return;
    }
    m_phase = phase;
    refresh();
}

void WarningMarkers::setHalo(bool on) {
    if (on != m_halo) {
        m_halo = on;
        refresh();
    }
}

bool WarningMarkers::shows(core::Phase phase) const {
    if (m_phase == core::Phase::OfflineInit || m_phase == core::Phase::Search) {
        return phase == m_phase;
    }
    return phase == core::Phase::Online || phase == core::Phase::Training;
}

void WarningMarkers::clearItems() {
    for (const Marker& m : m_markers) {
        m_plot->removeItem(m.line);
    }
    for (QCPItemLine* halo : m_halos) {
        m_plot->removeItem(halo);
    }
    for (QCPItemText* head : m_heads) {
        m_plot->removeItem(head);
    }
    m_markers.clear();
    m_halos.clear();
    m_heads.clear();
    m_pressed = -1;
}

void WarningMarkers::refresh() {
    clearItems();
    QCPLayer* layer = m_plot->layer(kLayer);
    for (const RunMark& mark : m_data->warnings()) {
        if (!shows(mark.phase)) {
            continue;
        }
        const Kind kind = kindOf(mark.code);
        const QColor color = WarningMarkers::color(kind);
        const double x = static_cast<double>(mark.step);
        if (m_halo) {
            auto* halo = new QCPItemLine(m_plot);
            halo->setLayer(layer);
            halo->setSelectable(false);
            halo->setPen(QPen(QColor(255, 255, 255, 220), 4.0));
            place(halo->start, x, 0);
            place(halo->end, x, 1);
            m_halos.push_back(halo);
        }
        auto* line = new QCPItemLine(m_plot);
        line->setLayer(layer);
        line->setSelectable(false);  // hits are ours (markerAt), not QCustomPlot's selection
        line->setPen(QPen(color, 1.6,
                          kind == Kind::Divergence ? Qt::SolidLine
                          : kind == Kind::Collapse ? Qt::DashLine
                                                   : Qt::DotLine));
        place(line->start, x, 0);
        place(line->end, x, 1);
        // A small head at the top so a marker stands out from the curves and the grid.
        auto* head = new QCPItemText(m_plot);
        head->setLayer(layer);
        head->setSelectable(false);
        head->setText(QStringLiteral("\u25bc"));
        head->setColor(color);
        QFont font = m_plot->font();
        font.setPointSizeF(font.pointSizeF() * 0.8);
        head->setFont(font);
        head->setPadding(QMargins(0, 0, 0, 0));
        head->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
        place(head->position, x, 0);
        m_heads.push_back(head);

        Marker marker;
        marker.mark = mark;
        marker.kind = kind;
        marker.line = line;
        marker.toolTip =
            tr("%1 at %2 step %3\n%4\nClick to show the learned loss of this step")
                .arg(mark.code, QString::fromStdString(core::phaseShortTitle(mark.phase)))
                .arg(mark.step)
                .arg(mark.text);
        m_markers.push_back(marker);
    }
}

int WarningMarkers::markerAt(const QPointF& position) const {
    QCPAxisRect* rect = m_plot->axisRect();
    if (rect == nullptr || !QRectF(rect->rect()).adjusted(-1, -1, 1, 1).contains(position)) {
        return -1;
    }
    int best = -1;
    double bestDistance = kHitPixels;
    for (int i = 0; i < m_markers.size(); ++i) {
        const double pixel =
            m_plot->xAxis->coordToPixel(static_cast<double>(m_markers[i].mark.step));
        const double distance = std::fabs(pixel - position.x());
        if (distance <= bestDistance) {
            best = i;
            bestDistance = distance;
        }
    }
    return best;
}

void WarningMarkers::onPress(QMouseEvent* event) {
    m_pressed = event->button() == Qt::LeftButton ? markerAt(event->position()) : -1;
    m_pressPosition = event->position();
}

void WarningMarkers::onRelease(QMouseEvent* event) {
    const int pressed = m_pressed;
    m_pressed = -1;
    if (pressed < 0 || event->button() != Qt::LeftButton ||
        (event->position() - m_pressPosition).manhattanLength() > 3) {
        return;  // not a click (a drag that started on a marker pans as usual)
    }
    if (markerAt(event->position()) == pressed) {
        Q_EMIT warningClicked(m_markers[pressed].mark);
    }
}

void WarningMarkers::onMove(QMouseEvent* event) {
    const bool over = event->buttons() == Qt::NoButton && markerAt(event->position()) >= 0;
    if (over == m_hovering) {
        return;
    }
    m_hovering = over;
    if (over) {
        m_plot->setCursor(Qt::PointingHandCursor);
    } else {
        m_plot->unsetCursor();
    }
}

bool WarningMarkers::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot && event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int index = markerAt(help->pos());
        if (index >= 0) {
            QToolTip::showText(help->globalPos(), m_markers[index].toolTip, m_plot);
            return true;
        }
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace lossstudio::ui
