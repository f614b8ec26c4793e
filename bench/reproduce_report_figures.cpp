#include "reproduce_report_figures.h"

#include <QDir>
#include <QFile>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/ui/compare_view.h>
#include <lossstudio/ui/plot_view.h>
#include <lossstudio/ui/run_data.h>

namespace lossstudio::bench {
namespace {

using storage::Error;
using storage::ErrorCode;

Error ioError(const QString& message) {
    return Error{ErrorCode::Io, message};
}

/// The colour of a cell: its index in the grid, so a method has one colour in every figure.
QColor cellColor(const GridSpec& spec, const QString& cell) {
    return ui::PlotView::seriesColor(static_cast<int>(spec.cells.indexOf(cell)));
}

void styleLike(QCPAxis* axis, const QCPAxis* like) {
    axis->setLabelFont(like->labelFont());
    axis->setTickLabelFont(like->tickLabelFont());
    axis->setBasePen(like->basePen());
    axis->setTickPen(like->tickPen());
    axis->setSubTickPen(like->subTickPen());
    axis->setLabelColor(like->labelColor());
    axis->setTickLabelColor(like->tickLabelColor());
    axis->grid()->setPen(like->grid()->pen());
    axis->grid()->setSubGridVisible(false);
}

/// Pads [lo, hi] by 5% (or to a unit span when flat) and sets it.
void setPaddedRange(QCPAxis* axis, double lo, double hi) {
    if (!(lo <= hi)) {
        axis->rescale();
        return;
    }
    const double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    axis->setRange(lo - pad, hi + pad);
}

storage::Status save(ui::PlotView& plot, const QString& path) {
    plot.replot();  // lays out the legend for the plot's width first
    if (!plot.savePng(path, kFigureWidth, kFigureHeight, /*scale=*/1.0)) {
        return ioError(QStringLiteral("cannot write %1").arg(path));
    }
    return storage::Status::success();
}

/// How many of `model`'s finished runs have (withCurve) or lack a test curve (a row carried from
/// a format-1 summary has none).
int finishedRuns(const GridRuns& runs, const QString& model, bool withCurve) {
    return static_cast<int>(
        std::count_if(runs.rows.cbegin(), runs.rows.cend(), [&](const RunRow& r) {
            return r.model == model && r.status == QLatin1String("finished") &&
                   r.curveSteps.isEmpty() != withCurve;
        }));
}

/// Test accuracy (percent) of every finished run of each cell of `model`, as mean ± std bands,
/// from the rows' test curves (so carried rows are drawn too).
storage::Result<std::optional<Figure>> accuracyFigure(const GridSpec& spec, const GridRuns& runs,
                                                      const QString& model, const QString& outDir) {
    ui::PlotView plot(QStringLiteral("%1: test accuracy, mean ± std over seeds")
                          .arg(spec.name == QLatin1String("ablation")
                                   ? modelLabel(model) + QStringLiteral(" (AdaLFL ablation)")
                                   : modelLabel(model)));
    plot.resize(kFigureWidth, kFigureHeight);
    plot.xAxis->setLabel(QStringLiteral("training step"));
    plot.yAxis->setLabel(QStringLiteral("test accuracy (%)"));
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double lastStep = 0;
    int drawn = 0;
    for (const QString& cell : spec.cells) {
        QVector<ui::SeriesData> members;
        for (const RunRow& r : runs.rows) {
            if (r.model != model || r.cell != cell || r.status != QLatin1String("finished")) {
                continue;
            }
            ui::SeriesData data{r.curveSteps, r.curveValues};
            for (double& v : data.values) {
                v *= 100.0;
            }
            if (!data.steps.isEmpty()) {
                members << data;
            }
        }
        if (members.isEmpty()) {
            continue;
        }
        const ui::SeriesBand b = ui::meanStdBand(members);
        QVector<double> upper(b.mean.size());
        QVector<double> lower(b.mean.size());
        for (qsizetype k = 0; k < b.mean.size(); ++k) {
            upper[k] = b.mean[k] + b.std[k];
            lower[k] = b.mean[k] - b.std[k];
            // The step-0 evaluation (an untrained model, ~10%) would flatten every curve.
            if (k > 0) {
                lo = std::min(lo, lower[k]);
                hi = std::max(hi, upper[k]);
            }
            lastStep = std::max(lastStep, b.steps[k]);
        }
        const QColor color = cellColor(spec, cell);
        QCPGraph* lowerGraph = plot.addGraph();
        lowerGraph->setPen(Qt::NoPen);
        lowerGraph->removeFromLegend();
        QCPGraph* upperGraph = plot.addGraph();
        upperGraph->setPen(Qt::NoPen);
        QColor fill = color;
        fill.setAlpha(50);
        upperGraph->setBrush(fill);
        upperGraph->setChannelFillGraph(lowerGraph);
        upperGraph->removeFromLegend();
        QCPGraph* meanGraph = plot.addGraph();
        QPen pen(color, 2.0);
        if (cell.endsWith(QLatin1String("-restore"))) {
            pen.setStyle(Qt::DashLine);  // the ablation's restore cells (often on top of another)
        }
        meanGraph->setPen(pen);
        meanGraph->setName(
            QStringLiteral("%1 (n = %2)").arg(cellLabel(spec.name, cell)).arg(members.size()));
        plot.setSeries(lowerGraph, b.steps, lower);
        plot.setSeries(upperGraph, b.steps, upper);
        plot.setSeries(meanGraph, b.steps, b.mean);
        ++drawn;
    }
    if (drawn == 0) {
        return std::optional<Figure>();
    }
    plot.xAxis->setRange(0, lastStep > 0 ? lastStep : 1);
    setPaddedRange(plot.yAxis, lo, hi);
    const QString file = QStringLiteral("%1-accuracy-%2.png").arg(spec.name, model);
    const auto saved = save(plot, QDir(outDir).filePath(file));
    if (!saved) {
        return saved.takeError();
    }
    const QString caption =
        spec.name == QLatin1String("ablation")
            ? QStringLiteral(
                  "%1, AdaLFL ablation: test accuracy against the training step, mean ± one "
                  "sample std over the finished seeds of each output / recovery cell (n in the "
                  "legend); the y axis starts above the untrained step-0 accuracy.")
                  .arg(modelLabel(model))
            : QStringLiteral(
                  "%1: test accuracy against the training step, mean ± one sample std over "
                  "the finished seeds of each method (n in the legend). For ML3 and TaylorGLO "
                  "this is the final training phase with their learned loss, for AdaLFL the "
                  "online phase after its offline initialisation; the y axis starts above the "
                  "untrained step-0 accuracy.")
                  .arg(modelLabel(model));
    const int uncurved = finishedRuns(runs, model, /*withCurve=*/false);
    return std::optional<Figure>(Figure{
        file,
        uncurved == 0
            ? caption
            : caption + QStringLiteral(" Not drawn: %1 finished %2 of an earlier summary "
                                       "that kept no curve (counted in the tables).")
                            .arg(uncurved)
                            .arg(uncurved == 1 ? QStringLiteral("run") : QStringLiteral("runs"))});
}

/// A learned loss's final curves as drawn.
struct LossCurves {
    QString label;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QVector<double> p;
    QVector<double> l1;
    QVector<double> l0;
    QVector<double> effective;  ///< empty when the snapshot predates the effective loss
};

QVector<double> toDoubles(const std::vector<float>& v) {
    return QVector<double>(v.begin(), v.end());
}

/// Seed 0's final learned loss of ML3 / TaylorGLO / AdaLFL against cross-entropy, in three panels:
/// l(1, p), l(0, p) and the effective loss e(p) - min e.
storage::Result<std::optional<Figure>> lossFigure(storage::RunReader& reader, const GridSpec& spec,
                                                  const GridRuns& runs, const QString& model,
                                                  const QString& outDir) {
    QVector<LossCurves> curves;
    for (const QString& cell : spec.cells) {
        if (cell == spec.baseline) {
            continue;
        }
        const QString name = QStringLiteral("%1/%2/%3/seed0").arg(spec.name, model, cell);
        const auto row = std::find_if(runs.rows.cbegin(), runs.rows.cend(),
                                      [&](const RunRow& r) { return r.name == name; });
        if (row == runs.rows.cend() || !runs.ids.contains(name) ||
            (row->status != QLatin1String("finished") &&
             row->status != QLatin1String("diverged"))) {
            continue;  // not run, not done, or carried (its snapshots are in another store)
        }
        const qint64 id = runs.ids.value(name);
        auto kinds = reader.snapshotKinds(id);
        if (!kinds) {
            return kinds.takeError();
        }
        // The loss the model ended with: AdaLFL's online one, else the (frozen) training loss.
        QString kind;
        for (const char* k : {"loss/online", "loss/training"}) {
            if (kinds.value().contains(QLatin1String(k))) {
                kind = QLatin1String(k);
                break;
            }
        }
        if (kind.isEmpty()) {
            continue;
        }
        auto snapshot = reader.snapshotAtOrBefore(id, kind, storage::RunReader::kLastStep);
        if (!snapshot) {
            return snapshot.takeError();
        }
        std::vector<std::vector<float>> arrays;
        for (const QVector<float>& a : snapshot.value().arrays) {
            arrays.emplace_back(a.cbegin(), a.cend());
        }
        const QString phase = kind.section(QLatin1Char('/'), 1);
        const auto unpacked = core::unpackSnapshotCurves(core::phaseFromName(phase.toStdString()),
                                                         snapshot.value().step, arrays);
        if (!unpacked) {
            return Error{ErrorCode::Damaged,
                         QStringLiteral("run %1's %2 snapshot: %3")
                             .arg(name, kind, QString::fromStdString(unpacked.error()))};
        }
        const core::LossSnapshot& s = unpacked.value();
        LossCurves c;
        c.label = QStringLiteral("%1 (%2, step %3)")
                      .arg(methodLabel(cell), phase)
                      .arg(snapshot.value().step);
        c.color = cellColor(spec, cell);
        c.p = toDoubles(s.p);
        c.l1 = toDoubles(s.lossY1);
        c.l0 = toDoubles(s.lossY0);
        c.effective = toDoubles(s.effective);
        curves << c;
    }
    if (curves.isEmpty()) {
        return std::optional<Figure>();
    }
    // Cross-entropy as the engine snapshots it: l(1, p) = -log max(p, 1e-7), l(0, p) = 0, and
    // (summed over classes) the effective loss -log p.
    LossCurves ce;
    ce.label = QStringLiteral("Cross-entropy (−log p)");
    ce.color = QColor(40, 40, 40);
    ce.style = Qt::DashLine;
    ce.p = curves.first().p;
    for (double p : ce.p) {
        ce.l1 << -std::log(std::max(p, 1e-7));
        ce.l0 << 0.0;
    }
    ce.effective = ce.l1;
    curves.prepend(ce);

    ui::PlotView plot(QStringLiteral("%1: final learned loss of seed 0 against cross-entropy")
                          .arg(modelLabel(model)));
    plot.resize(kFigureWidth, kFigureHeight);
    // Three panels side by side under the title and legend: the plot's axis rect and two more.
    QCPAxisRect* first = plot.axisRect();
    plot.plotLayout()->take(first);
    auto* panels = new QCPLayoutGrid;
    plot.plotLayout()->addElement(1, 0, panels);
    panels->addElement(0, 0, first);
    QVector<QCPAxisRect*> rects{first};
    for (int i = 1; i < 3; ++i) {
        auto* rect = new QCPAxisRect(&plot);
        panels->addElement(0, i, rect);
        styleLike(rect->axis(QCPAxis::atBottom), plot.xAxis);
        styleLike(rect->axis(QCPAxis::atLeft), plot.yAxis);
        rects << rect;
    }
    const QStringList yLabels{QStringLiteral("l(1, p): loss of the target class"),
                              QStringLiteral("l(0, p): loss of a non-target class"),
                              QStringLiteral("e(p) − min e: effective loss")};
    for (int i = 0; i < 3; ++i) {
        QCPAxis* x = rects[i]->axis(QCPAxis::atBottom);
        QCPAxis* y = rects[i]->axis(QCPAxis::atLeft);
        x->setLabel(QStringLiteral("p"));
        y->setLabel(yLabels[i]);
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        for (const LossCurves& c : curves) {
            QVector<double> values = i == 0 ? c.l1 : i == 1 ? c.l0 : c.effective;
            if (values.isEmpty()) {
                continue;
            }
            if (i == 2) {
                const double min = *std::min_element(values.cbegin(), values.cend());
                for (double& v : values) {
                    v -= min;
                }
            }
            QCPGraph* g = plot.addGraph(x, y);
            QPen pen(c.color, 2.0);
            pen.setStyle(c.style);
            g->setPen(pen);
            g->setName(c.label);
            if (i > 0) {
                g->removeFromLegend();
            }
            plot.setSeries(g, c.p, values);
            for (double v : values) {
                if (std::isfinite(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            }
        }
        x->setRange(0, 1);
        setPaddedRange(y, lo, hi);
    }
    const QString file = QStringLiteral("%1-loss-%2.png").arg(spec.name, model);
    const auto saved = save(plot, QDir(outDir).filePath(file));
    if (!saved) {
        return saved.takeError();
    }
    return std::optional<Figure>(Figure{
        file, QStringLiteral(
                  "%1: the learned loss seed 0 ended with (AdaLFL: its last online snapshot; "
                  "ML3: the loss learned offline that it trained with; TaylorGLO: the best loss "
                  "of its reduced search) against cross-entropy (dashed): l(1, p), l(0, p) and "
                  "the effective loss e(p) − min e. Learned losses live on scales of their own; "
                  "training follows their slopes, in particular the gap between l(1, p) and "
                  "l(0, p).")
                  .arg(modelLabel(model))});
}

/// True when one of `model`'s seed-0 runs is carried: its snapshots are not in this store.
bool seedZeroCarried(const GridRuns& runs, const QString& model) {
    return std::any_of(runs.rows.cbegin(), runs.rows.cend(), [&](const RunRow& r) {
        return r.model == model && r.seed == 0 && r.carried;
    });
}

}  // namespace

storage::Result<QVector<Figure>> writeFigures(storage::RunReader& reader, const GridSpec& spec,
                                              const GridRuns& runs, const QString& outDir,
                                              const QVector<Figure>& previous) {
    QDir dir(outDir);
    // The previous report's figure `file`, when it is still on disk.
    auto kept = [&](const QString& file) -> std::optional<Figure> {
        for (const Figure& f : previous) {
            if (f.file == file && dir.exists(file)) {
                return f;
            }
        }
        return std::nullopt;
    };
    QVector<Figure> figures;
    for (const QString& model : spec.models) {
        const QString accuracyFile = QStringLiteral("%1-accuracy-%2.png").arg(spec.name, model);
        // Drawn from the runs that have curves; kept as it was when none has (it shows more).
        const bool noCurves = finishedRuns(runs, model, /*withCurve=*/true) == 0 &&
                              finishedRuns(runs, model, /*withCurve=*/false) > 0;
        const auto keptAccuracy = noCurves ? kept(accuracyFile) : std::nullopt;
        if (keptAccuracy) {
            figures << *keptAccuracy;
        } else {
            auto accuracy = accuracyFigure(spec, runs, model, outDir);
            if (!accuracy) {
                return accuracy.takeError();
            }
            if (accuracy.value()) {
                figures << *accuracy.value();
            }
        }
        if (!spec.baseline.isEmpty()) {
            const QString lossFile = QStringLiteral("%1-loss-%2.png").arg(spec.name, model);
            const auto keptLoss = seedZeroCarried(runs, model) ? kept(lossFile) : std::nullopt;
            if (keptLoss) {
                figures << *keptLoss;
                continue;
            }
            auto loss = lossFigure(reader, spec, runs, model, outDir);
            if (!loss) {
                return loss.takeError();
            }
            if (loss.value()) {
                figures << *loss.value();
            }
        }
    }
    // Older figures this report neither drew nor kept.
    for (const QString& old :
         dir.entryList({spec.name + QStringLiteral("-*.png")}, QDir::Files, QDir::Name)) {
        const bool listed = std::any_of(figures.cbegin(), figures.cend(),
                                        [&](const Figure& f) { return f.file == old; });
        if (!listed && !dir.remove(old)) {
            return ioError(
                QStringLiteral("cannot remove the old figure %1").arg(dir.filePath(old)));
        }
    }
    return figures;
}

}  // namespace lossstudio::bench
