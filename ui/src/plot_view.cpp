#include "lossstudio/ui/plot_view.h"

#include <QFile>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextStream>
#include <algorithm>
#include <cmath>

#include <lossstudio/core/logging.h>

#include "lossstudio/ui/export_folder.h"

namespace lossstudio::ui {
namespace {

QString csvField(const QString& text) {
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
        text.contains(QLatin1Char('\n'))) {
        QString quoted = text;
        quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    }
    return text;
}

QString fileStem(QString title) {
    title = title.toLower();
    title.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    while (title.endsWith(QLatin1Char('-'))) {
        title.chop(1);
    }
    return title.isEmpty() ? QStringLiteral("plot") : title;
}

}  // namespace

/// QCPAxisTickerLog labels powers of ten; over less than two decades that leaves one label or
/// none, so there it labels 1-2-5 steps (0.2, 0.5, 1, 2, ...) instead. The axis stays logarithmic.
class ReadableLogTicker final : public QCPAxisTickerLog {
protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
        m_dense = range.lower > 0 && range.upper > range.lower && range.upper / range.lower < 100;
        if (!m_dense) {
            return QCPAxisTickerLog::createTickVector(tickStep, range);
        }
        QVector<double> ticks;
        const double mantissas[] = {1.0, 2.0, 5.0};
        for (int exponent = static_cast<int>(std::floor(std::log10(range.lower))) - 1;
             exponent <= static_cast<int>(std::ceil(std::log10(range.upper))); ++exponent) {
            for (double m : mantissas) {
                ticks.push_back(m * std::pow(10.0, exponent));
            }
        }
        return ticks;
    }
    int getSubTickCount(double tickStep) override {
        return m_dense ? 0 : QCPAxisTickerLog::getSubTickCount(tickStep);
    }

private:
    bool m_dense = false;
};

QSharedPointer<QCPAxisTicker> PlotView::logTicker() {
    return QSharedPointer<QCPAxisTicker>(new ReadableLogTicker);
}

PlotView::PlotView(const QString& title, QWidget* parent)
    : QCustomPlot(parent), m_titleText(title) {
    setObjectName(fileStem(title));
    setMinimumSize(220, 160);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setNoAntialiasingOnDrag(true);
    setPlottingHint(QCP::phCacheLabels, true);
    // Wide pens on long zigzag polylines are stroked as one path by Qt (slow, ~100 ms for a noisy
    // 100,000-step series); fast polylines draw them segment by segment.
    setPlottingHint(QCP::phFastPolylines, true);
    setAntialiasedElements(QCP::aePlottables);

    const QFont base = font();
    QFont titleFont = base;
    titleFont.setBold(true);
    QFont axisFont = base;
    QFont tickFont = base;
    tickFont.setPointSizeF(base.pointSizeF() * 0.9);
    for (QCPAxis* axis : {xAxis, yAxis}) {
        axis->setLabelFont(axisFont);
        axis->setTickLabelFont(tickFont);
        axis->setBasePen(QPen(QColor(90, 90, 90)));
        axis->setTickPen(QPen(QColor(90, 90, 90)));
        axis->setSubTickPen(QPen(QColor(140, 140, 140)));
        axis->setLabelColor(QColor(50, 50, 50));
        axis->setTickLabelColor(QColor(60, 60, 60));
        axis->grid()->setPen(QPen(QColor(225, 225, 225), 0, Qt::SolidLine));
        axis->grid()->setSubGridVisible(false);
    }

    // Above the axes: the title, and under it a one-line legend (so it never covers a curve).
    plotLayout()->insertRow(0);
    auto* header = new QCPLayoutGrid;
    plotLayout()->addElement(0, 0, header);
    plotLayout()->setRowStretchFactor(0, 0.001);
    plotLayout()->setRowSpacing(0);
    header->setMargins(QMargins(4, 2, 4, 0));
    header->setRowSpacing(0);
    m_title = new QCPTextElement(this, title, titleFont);
    m_title->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
    m_title->setMargins(QMargins(4, 2, 4, 0));
    header->addElement(0, 0, m_title);
    legend->setVisible(true);
    axisRect()->insetLayout()->take(legend);
    header->addElement(1, 0, legend);
    header->setRowStretchFactor(0, 0.001);
    header->setRowStretchFactor(1, 0.001);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setWrap(4);  // until the first replot fits it to the width (fitLegendWrap)
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setFont(tickFont);
    legend->setIconSize(20, 8);
    legend->setRowSpacing(0);
    legend->setColumnSpacing(10);
    legend->setMargins(QMargins(4, 0, 4, 0));
    legend->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX);

    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QCustomPlot::customContextMenuRequested, this, &PlotView::showContextMenu);
    connect(this, &QCustomPlot::afterReplot, this, [this]() { ++m_replots; });
    connect(this, &QCustomPlot::beforeReplot, this, [this]() {
        fitLegendWrap();
        // Fewer x ticks on narrow plots, so their labels do not run together.
        xAxis->ticker()->setTickCount(std::clamp((width() - 40) / 55, 3, 6));
    });
    // A left drag pans; a plain click (e.g. on a warning marker) moves nothing and must not stop
    // the views from fitting their axes to new data.
    connect(this, &QCustomPlot::mousePress, this,
            [this](QMouseEvent* event) { m_pressPosition = event->position(); });
    connect(this, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        if ((event->buttons() & Qt::LeftButton) &&
            (event->position() - m_pressPosition).manhattanLength() > 3) {
            m_userMoved = true;
        }
    });
    connect(this, &QCustomPlot::mouseWheel, this, [this]() { m_userMoved = true; });
    connect(this, &QCustomPlot::mouseDoubleClick, this, [this]() { resetView(); });
}

PlotView::~PlotView() = default;

QColor PlotView::seriesColor(int index) {
    static const QColor colors[] = {
        QColor(0, 114, 178),    // blue
        QColor(213, 94, 0),     // vermillion
        QColor(0, 158, 115),    // bluish green
        QColor(204, 121, 167),  // reddish purple
        QColor(230, 159, 0),    // orange
        QColor(86, 180, 233),   // sky blue
        QColor(120, 120, 120),  // grey
    };
    return colors[static_cast<std::size_t>(index) % (sizeof colors / sizeof colors[0])];
}

void PlotView::fitLegendWrap() {
    // As many legend entries a row as fit the plot's width (side-by-side plots are narrow).
    if (!legend->visible() || width() <= 0) {
        return;
    }
    QVector<int> widths;  // (the grid's cell count includes empty cells of the last row)
    for (int i = 0; i < legend->elementCount(); ++i) {
        if (const QCPAbstractLegendItem* item = legend->item(i)) {
            widths.push_back(item->minimumOuterSizeHint().width());
        }
    }
    const int count = static_cast<int>(widths.size());
    if (count == 0) {
        return;
    }
    const int available = width() - 20;  // the header's and the legend's margins
    int wrap = count;
    for (; wrap > 1; --wrap) {
        // The legend is a grid: a column is as wide as its widest entry in any row.
        int used = legend->columnSpacing() * (wrap - 1);
        for (int column = 0; column < wrap; ++column) {
            int widest = 0;
            for (int i = column; i < count; i += wrap) {
                widest = std::max(widest, widths[i]);
            }
            used += widest;
        }
        if (used <= available) {
            break;
        }
    }
    if (wrap != legend->wrap()) {
        legend->setWrap(wrap);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, /*rearrange=*/true);
    }
}

void PlotView::requestReplot() {
    if (!isVisible()) {
        m_dirty = true;
        return;
    }
    m_dirty = false;
    replot(QCustomPlot::rpQueuedReplot);
}

void PlotView::showEvent(QShowEvent* event) {
    QCustomPlot::showEvent(event);
    if (m_dirty) {
        requestReplot();
    }
}

void PlotView::resetView() {
    m_userMoved = false;
    fitAxes();
    Q_EMIT viewReset();
    requestReplot();
}

void PlotView::fitAxes() {
    if (m_fitter) {
        m_fitter();
        return;
    }
    rescaleAxes(/*onlyVisiblePlottables=*/true);
}

void PlotView::setLogY(bool on) {
    if (on == m_logY) {
        return;
    }
    m_logY = on;
    if (on) {
        yAxis->setScaleType(QCPAxis::stLogarithmic);
        yAxis->setTicker(logTicker());
        yAxis->setNumberFormat(QStringLiteral("gb"));  // 0.3, 1, 10, 1·10^4
        yAxis->setNumberPrecision(3);
        yAxis->grid()->setSubGridVisible(true);
        yAxis->grid()->setSubGridPen(QPen(QColor(240, 240, 240)));
    } else {
        yAxis->setScaleType(QCPAxis::stLinear);
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        yAxis->setNumberFormat(QStringLiteral("gb"));
        yAxis->setNumberPrecision(6);
        yAxis->grid()->setSubGridVisible(false);
    }
    Q_EMIT logYChanged(on);  // views re-set their data (filtered for the log axis) and refit
    if (!m_userMoved) {
        fitAxes();
    }
    requestReplot();
}

void PlotView::setSeries(QCPGraph* graph, const QVector<double>& keys,
                         const QVector<double>& values) {
    graph->data()->clear();
    appendSeries(graph, keys, values);
}

void PlotView::appendSeries(QCPGraph* graph, const QVector<double>& keys,
                            const QVector<double>& values) {
    if (!m_logY) {
        graph->addData(keys, values, /*alreadySorted=*/true);
        return;
    }
    QVector<double> k;
    QVector<double> v;
    k.reserve(keys.size());
    v.reserve(values.size());
    for (qsizetype i = 0; i < keys.size() && i < values.size(); ++i) {
        if (std::isfinite(values[i]) && values[i] > 0) {
            k.push_back(keys[i]);
            v.push_back(values[i]);
        }
    }
    graph->addData(k, v, /*alreadySorted=*/true);
}

bool PlotView::exportPng(const QString& path) {
    if (!savePng(path, 0, 0, /*scale=*/2.0)) {
        core::logger("ui")->error("cannot write {}", path.toStdString());
        return false;
    }
    return true;
}

bool PlotView::exportPdf(const QString& path) {
    if (!savePdf(path, 0, 0, QCP::epNoCosmetic, QStringLiteral("LossStudio"), m_titleText)) {
        core::logger("ui")->error("cannot write {}", path.toStdString());
        return false;
    }
    return true;
}

QString PlotView::csvSeriesName(const QCPGraph* graph) const {
    return graph->name();
}

bool PlotView::exportCsv(const QString& path) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        core::logger("ui")->error("cannot write {}: {}", path.toStdString(),
                                  file.errorString().toStdString());
        return false;
    }
    QTextStream out(&file);
    out.setRealNumberPrecision(10);
    const QString xName = xAxis->label().isEmpty() ? QStringLiteral("x") : xAxis->label();
    const QString yName = yAxis->label().isEmpty() ? QStringLiteral("y") : yAxis->label();
    bool headerWritten = false;
    for (int i = 0; i < graphCount(); ++i) {
        const QCPGraph* g = graph(i);
        if (!headerWritten) {
            out << "series," << csvField(xName) << ',' << csvField(yName) << '\n';
            headerWritten = true;
        }
        const QString name = csvField(csvSeriesName(g));
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            if (std::isnan(it->value)) {
                continue;  // a gap between segments (QCustomPlot breaks lines at NaN), no data
            }
            out << name << ',' << it->key << ',' << it->value << '\n';
        }
    }
    for (int i = 0; i < plottableCount(); ++i) {
        // QCustomPlot has no const accessor for plottables.
        const auto* map =
            qobject_cast<const QCPColorMap*>(const_cast<PlotView*>(this)->plottable(i));
        if (map == nullptr) {
            continue;
        }
        QCPColorMapData* data = map->data();
        const QString zName = map->colorScale() != nullptr && !map->colorScale()->label().isEmpty()
                                  ? map->colorScale()->label()
                                  : QStringLiteral("z");
        out << csvField(xName) << ',' << csvField(yName) << ',' << csvField(zName) << '\n';
        for (int k = 0; k < data->keySize(); ++k) {
            for (int v = 0; v < data->valueSize(); ++v) {
                double key = 0;
                double value = 0;
                data->cellToCoord(k, v, &key, &value);
                out << key << ',' << value << ',' << data->cell(k, v) << '\n';
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

void PlotView::showContextMenu(const QPoint& position) {
    QMenu menu(this);
    menu.addAction(tr("Export image as PNG\u2026"), this,
                   [this]() { exportWithDialog(QStringLiteral("png")); });
    menu.addAction(tr("Export as PDF\u2026"), this,
                   [this]() { exportWithDialog(QStringLiteral("pdf")); });
    menu.addAction(tr("Export data as CSV\u2026"), this,
                   [this]() { exportWithDialog(QStringLiteral("csv")); });
    menu.addSeparator();
    if (m_logYAllowed) {
        QAction* log = menu.addAction(tr("Logarithmic y axis"));
        log->setCheckable(true);
        log->setChecked(m_logY);
        connect(log, &QAction::toggled, this, &PlotView::setLogY);
    }
    menu.addAction(tr("Reset view (double-click)"), this, &PlotView::resetView);
    menu.exec(mapToGlobal(position));
}

void PlotView::exportWithDialog(const QString& kind) {
    const QString filter = kind == QLatin1String("png")   ? tr("PNG image (*.png)")
                           : kind == QLatin1String("pdf") ? tr("PDF document (*.pdf)")
                                                          : tr("CSV table (*.csv)");
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export %1").arg(m_titleText),
        exportStartPath(fileStem(m_titleText) + QLatin1Char('.') + kind), filter);
    if (path.isEmpty()) {
        return;
    }
    rememberExportPath(path);
    if (!path.endsWith(QLatin1Char('.') + kind, Qt::CaseInsensitive)) {
        path += QLatin1Char('.') + kind;
    }
    const bool ok = kind == QLatin1String("png")   ? exportPng(path)
                    : kind == QLatin1String("pdf") ? exportPdf(path)
                                                   : exportCsv(path);
    if (!ok) {
        QMessageBox::warning(this, tr("Export failed"),
                             tr("%1 could not be written; see the log for the reason.").arg(path));
    }
}

}  // namespace lossstudio::ui
