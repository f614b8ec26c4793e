#include "reproduce_summary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>

namespace lossstudio::bench {
namespace {

constexpr int kFormat = 2;        // of the summary JSON this build writes
constexpr int kOldestFormat = 1;  // format 1: no test curves, carried flags or same_as

const QString kReproduce = QStringLiteral("reproduce");
const QString kAblation = QStringLiteral("ablation");

// --- JSON writing (by hand, for a fixed key order and one record a line) -----------------------

QString jsonString(const QString& s) {
    QString out = QStringLiteral("\"");
    for (const QChar c : s) {
        switch (c.unicode()) {
            case '"':
                out += QLatin1String("\\\"");
                break;
            case '\\':
                out += QLatin1String("\\\\");
                break;
            case '\n':
                out += QLatin1String("\\n");
                break;
            case '\t':
                out += QLatin1String("\\t");
                break;
            default:
                if (c.unicode() < 0x20) {
                    out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
                } else {
                    out += c;
                }
        }
    }
    return out + QLatin1Char('"');
}

QString jsonNumber(std::optional<double> v, int decimals) {
    if (!v || !std::isfinite(*v)) {
        return QStringLiteral("null");
    }
    double r = std::round(*v * std::pow(10.0, decimals)) / std::pow(10.0, decimals);
    if (r == 0) {
        r = 0;  // no "-0.00"
    }
    return QString::number(r, 'f', decimals);
}

QString field(const char* key, const QString& jsonValue) {
    return jsonString(QLatin1String(key)) + QStringLiteral(": ") + jsonValue;
}

/// [[step, accuracy], ...] of a run's test curve, accuracies to 6 decimals.
QString curveJson(const RunRow& r) {
    QStringList points;
    const qsizetype n = std::min(r.curveSteps.size(), r.curveValues.size());
    for (qsizetype k = 0; k < n; ++k) {
        points << QStringLiteral("[%1, %2]")
                      .arg(jsonNumber(r.curveSteps[k], 0), jsonNumber(r.curveValues[k], 6));
    }
    return QLatin1Char('[') + points.join(QStringLiteral(", ")) + QLatin1Char(']');
}

std::optional<double> optionalNumber(const QJsonValue& v) {
    if (!v.isDouble()) {
        return std::nullopt;
    }
    return v.toDouble();
}

// --- merging rows ------------------------------------------------------------------------------

/// Finished or diverged: a result, which a row from elsewhere never replaces.
bool isDone(const RunRow& r) {
    return r.status == QLatin1String("finished") || r.status == QLatin1String("diverged");
}

/// Puts `row` into `rows`: appended when no row has its name, in place of one that is not done,
/// not at all beside one that is.
void placeUnlessDone(QVector<RunRow>& rows, const RunRow& row) {
    const auto same =
        std::find_if(rows.begin(), rows.end(), [&](const RunRow& r) { return r.name == row.name; });
    if (same == rows.end()) {
        rows << row;
    } else if (!isDone(*same)) {
        *same = row;
    }
}

// --- text --------------------------------------------------------------------------------------

QString fixed(double v, int decimals) {
    double r = std::round(v * std::pow(10.0, decimals)) / std::pow(10.0, decimals);
    if (r == 0) {
        r = 0;
    }
    return QString::number(r, 'f', decimals);
}

QString plural(int n, const QString& one, const QString& many) {
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

QString joinAnd(const QStringList& items) {
    if (items.size() <= 1) {
        return items.join(QString());
    }
    return items.mid(0, items.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" and ") +
           items.last();
}

const CellSummary* findCell(const GridSummary& s, const QString& model, const QString& cell) {
    for (const CellSummary& c : s.cells) {
        if (c.model == model && c.cell == cell) {
            return &c;
        }
    }
    return nullptr;
}

/// "15.93 ± 0.14 (n = 5)", "15.93 (n = 1)", or what there is instead of a mean.
QString meanCell(const CellSummary& c, std::optional<double> mean, std::optional<double> std) {
    if (c.runs == 0) {
        return QStringLiteral("not run");
    }
    QStringList notes;
    if (c.diverged > 0) {
        notes << QStringLiteral("%1 diverged").arg(c.diverged);
    }
    if (c.incomplete > 0) {
        notes << QStringLiteral("%1 not finished yet").arg(c.incomplete);
    }
    if (c.collapsedRuns > 0) {
        notes << QStringLiteral("%1 with a collapse warning").arg(c.collapsedRuns);
    }
    QString text;
    if (!mean) {
        text = QStringLiteral("no finished run");
    } else if (std) {
        text = QStringLiteral("%1 ± %2 (n = %3)").arg(fixed(*mean, 2), fixed(*std, 2)).arg(c.n);
    } else {
        text = QStringLiteral("%1 (n = %2)").arg(fixed(*mean, 2)).arg(c.n);
    }
    return notes.isEmpty() ? text : text + QStringLiteral("; ") + notes.join(QStringLiteral(", "));
}

QString wallCell(const CellSummary& c) {
    if (c.runs == 0) {
        return QStringLiteral("not run");
    }
    if (!c.wallMean) {
        return QStringLiteral("no finished run");
    }
    QString text = QStringLiteral("%1 s").arg(fixed(*c.wallMean, 1));
    if (c.wallRatio) {
        text += QStringLiteral(" (%1×)").arg(fixed(*c.wallRatio, 2));
    }
    return text;
}

QString protocolText(const GridSummary& s) {
    if (s.protocol.isEmpty()) {
        return {};
    }
    QStringList parts;
    for (auto it = s.protocol.cbegin(); it != s.protocol.cend(); ++it) {
        parts << QStringLiteral("`%1` %2").arg(it.key(), it.value().join(QStringLiteral(" / ")));
    }
    return QStringLiteral("Recorded in the %1 grid's stored run configs: %2.")
        .arg(s.grid, parts.join(QStringLiteral("; ")));
}

QString coverageText(const GridSpec& spec, const GridSummary& s) {
    int finished = 0;
    int diverged = 0;
    int carried = 0;
    int shared = 0;
    QStringList incomplete;
    for (const RunRow& r : s.runs) {
        carried += r.carried ? 1 : 0;
        shared += r.sameAs.isEmpty() ? 0 : 1;
        if (r.status == QLatin1String("finished")) {
            ++finished;
        } else if (r.status == QLatin1String("diverged")) {
            ++diverged;
        } else {
            incomplete << QStringLiteral("`%1` (%2)").arg(r.name, r.status);
        }
    }
    const int perModel = static_cast<int>(spec.cells.size()) * spec.seeds;
    QStringList byModel;
    QStringList partial;
    QStringList notRun;
    for (const QString& model : spec.models) {
        int done = 0;
        QStringList emptyCells;
        for (const QString& cell : spec.cells) {
            const CellSummary* c = findCell(s, model, cell);
            const int n = c != nullptr ? c->finished + c->diverged : 0;
            done += n;
            if (c == nullptr || c->runs == 0) {
                emptyCells << cellLabel(s.grid, cell);
            }
        }
        byModel << QStringLiteral("%1 %2/%3").arg(modelLabel(model)).arg(done).arg(perModel);
        if (done < perModel) {
            partial << modelLabel(model);
        }
        if (emptyCells.size() == spec.cells.size()) {
            notRun << QStringLiteral("%1 (all cells)").arg(modelLabel(model));
        } else if (!emptyCells.isEmpty()) {
            notRun << QStringLiteral("%1: %2").arg(modelLabel(model),
                                                   emptyCells.join(QStringLiteral(", ")));
        }
    }
    QString text = QStringLiteral("**%1 grid:** %2 of the grid's %3 runs finished")
                       .arg(s.grid.left(1).toUpper() + s.grid.mid(1))
                       .arg(finished)
                       .arg(s.expectedRuns);
    text += diverged > 0 ? QStringLiteral(", %1 diverged").arg(diverged) : QString();
    text += QStringLiteral(" (finished or diverged per model: %1).")
                .arg(byModel.join(QStringLiteral(", ")));
    if (carried > 0) {
        text += QStringLiteral(
                    " %1 of them come from the committed summary of an earlier store (the grid "
                    "is computed a slice at a time; `\"carried\": true` in the summary JSON)%2.")
                    .arg(carried)
                    .arg(carried < finished + diverged
                             ? QStringLiteral(", the others from the store this report read")
                             : QString());
    }
    if (shared > 0) {
        text += QStringLiteral(
                    " %1 of them %2 the %3 grid's %4 %5 of the same configuration and seed "
                    "(`same_as` in the summary JSON), counted here as the %6 cell.")
                    .arg(shared)
                    .arg(shared == 1 ? QStringLiteral("is") : QStringLiteral("are"))
                    .arg(spec.sharedFromGrid, methodLabel(spec.sharedFromCell),
                         shared == 1 ? QStringLiteral("run") : QStringLiteral("runs"),
                         cellLabel(spec.name, spec.sharedCell));
    }
    if (!incomplete.isEmpty()) {
        text += QStringLiteral(" Still running or incomplete: %1.")
                    .arg(incomplete.join(QStringLiteral(", ")));
    }
    if (!notRun.isEmpty()) {
        text += QStringLiteral(" Not run yet: %1.").arg(notRun.join(QStringLiteral("; ")));
    }
    if (partial.isEmpty()) {
        text += QStringLiteral(" Every cell has all %1 seeds.").arg(spec.seeds);
    } else {
        text += QStringLiteral(
                    " The %1 %2 incomplete: a cell with n < %3 is not yet comparable with a "
                    "complete one, and \"not run\" cells have no result at all.")
                    .arg(joinAnd(partial), partial.size() == 1 ? QStringLiteral("slice is")
                                                               : QStringLiteral("slices are"))
                    .arg(spec.seeds);
    }
    return text;
}

/// The run of model x cell x seed in `s`, or nullptr.
const RunRow* findRun(const GridSummary& s, const QString& model, const QString& cell, int seed) {
    for (const RunRow& r : s.runs) {
        if (r.model == model && r.cell == cell && r.seed == seed) {
            return &r;
        }
    }
    return nullptr;
}

/// A run's final test accuracy in percent when the means count it (finished, with a test
/// accuracy): the one rule summarize() and the per-seed tables share; nullopt otherwise.
std::optional<double> countedAccuracy(const RunRow* r) {
    if (r == nullptr || r->status != QLatin1String("finished") || !r->testAccuracy) {
        return std::nullopt;
    }
    return 100.0 * *r->testAccuracy;
}

/// The median (the mean of the middle two for an even count); nullopt for none.
std::optional<double> median(QVector<double> values) {
    if (values.isEmpty()) {
        return std::nullopt;
    }
    std::sort(values.begin(), values.end());
    const int mid = static_cast<int>(values.size()) / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

/// The final test error (or accuracy) of each model x cell x seed, with the median over the
/// cell's counted runs: a mean ± std over five seeds hides whether one seed or all of them moved
/// it. Rows only for models with a run. A run with a collapse warning is marked "‡"; a run the
/// means do not count shows its status.
QStringList perSeedTable(const GridSpec& spec, const GridSummary& s, bool error) {
    QStringList header{QStringLiteral("Model"), QStringLiteral("Cell")};
    QStringList rule{QStringLiteral("---"), QStringLiteral("---")};
    for (int seed = 0; seed < spec.seeds; ++seed) {
        header << QStringLiteral("seed %1").arg(seed);
        rule << QStringLiteral("---:");
    }
    header << QStringLiteral("median");
    rule << QStringLiteral("---:");
    QStringList out{QStringLiteral("| %1 |").arg(header.join(QStringLiteral(" | "))),
                    QStringLiteral("| %1 |").arg(rule.join(QStringLiteral(" | ")))};
    for (const QString& model : spec.models) {
        const bool any = std::any_of(s.runs.begin(), s.runs.end(),
                                     [&](const RunRow& r) { return r.model == model; });
        if (!any) {
            continue;
        }
        for (const QString& cell : spec.cells) {
            QStringList row{modelLabel(model), cellLabel(spec.name, cell)};
            QVector<double> counted;
            for (int seed = 0; seed < spec.seeds; ++seed) {
                const RunRow* r = findRun(s, model, cell, seed);
                const std::optional<double> accuracy = countedAccuracy(r);
                if (accuracy) {
                    const double v = error ? 100.0 - *accuracy : *accuracy;
                    counted << v;
                    row << fixed(v, 2) + (r->collapses > 0 ? QStringLiteral(" ‡") : QString());
                } else {
                    row << (r == nullptr ? QStringLiteral("–") : r->status);
                }
            }
            const std::optional<double> m = median(counted);
            row << (m ? fixed(*m, 2) : QStringLiteral("–"));
            out << QStringLiteral("| %1 |").arg(row.join(QStringLiteral(" | ")));
        }
    }
    return out;
}

/// Two cells of one model compared seed by seed: the final test accuracies (percent) each cell's
/// means count, and over the seeds both counted, how many had cell a's accuracy higher.
struct PairedSeeds {
    QVector<double> a;
    QVector<double> b;
    int paired = 0;
    int aHigher = 0;
};

PairedSeeds pairedSeeds(const GridSpec& spec, const GridSummary& s, const QString& model,
                        const QString& cellA, const QString& cellB) {
    PairedSeeds out;
    for (int seed = 0; seed < spec.seeds; ++seed) {
        const auto x = countedAccuracy(findRun(s, model, cellA, seed));
        const auto y = countedAccuracy(findRun(s, model, cellB, seed));
        if (x) {
            out.a << *x;
        }
        if (y) {
            out.b << *y;
        }
        if (x && y) {
            ++out.paired;
            out.aHigher += *x > *y ? 1 : 0;
        }
    }
    return out;
}

/// "median 11.05% against 12.84%; AdaLFL's error was lower on 4 of the 5 seeds both finished"
/// for the candidate and baseline cells of one model; empty when they share no counted seed.
QString seedBySeed(const GridSpec& spec, const GridSummary& s, const QString& model,
                   const QString& cand) {
    const PairedSeeds p = pairedSeeds(spec, s, model, spec.candidate, spec.baseline);
    if (p.paired == 0) {
        return QString();
    }
    // Errors are 100 - accuracy, so their medians are 100 - the accuracies' medians.
    return QStringLiteral("seed by seed, median test error %1% against %2%; %3's error was lower "
                          "on %4 of the %5 both finished")
        .arg(fixed(100.0 - *median(p.a), 2), fixed(100.0 - *median(p.b), 2), cand)
        .arg(p.aHigher)
        .arg(plural(p.paired, QStringLiteral("seed"), QStringLiteral("seeds")));
}

/// sqrt(a^2 + b^2) of two cells' sample stds over seeds: the spread of the difference between one
/// run of each, the (conservative) yardstick a difference of means is judged against here. None
/// when either cell has fewer than two seeds.
std::optional<double> combinedStd(const std::optional<double>& a, const std::optional<double>& b) {
    if (!a || !b) {
        return std::nullopt;
    }
    return std::sqrt(*a * *a + *b * *b);
}

/// Plain statements of where the candidate's mean test error beat the baseline's.
QStringList statements(const GridSpec& spec, const GridSummary& s) {
    QStringList out;
    // In a sentence: "cross-entropy", not "Cross-entropy".
    auto inSentence = [](const QString& cell) {
        return cell == QLatin1String("cross-entropy") ? cell : methodLabel(cell);
    };
    const QString cand = inSentence(spec.candidate);
    const QString base = inSentence(spec.baseline);
    for (const QString& model : spec.models) {
        const CellSummary* a = findCell(s, model, spec.candidate);
        const CellSummary* b = findCell(s, model, spec.baseline);
        if (a == nullptr || b == nullptr || !a->testErrorMean || !b->testErrorMean) {
            QStringList missing;
            if (a == nullptr || !a->testErrorMean) {
                missing << cand;
            }
            if (b == nullptr || !b->testErrorMean) {
                missing << base;
            }
            out << QStringLiteral("- **%1**: no comparison yet (%2 without a finished run).")
                       .arg(modelLabel(model), joinAnd(missing));
            continue;
        }
        const double diff = *a->testErrorMean - *b->testErrorMean;  // > 0: candidate worse
        const QString verdict = diff < 0 ? QStringLiteral("**%1 beat %2**").arg(cand, base)
                                : diff > 0
                                    ? QStringLiteral("**%1 did not beat %2**").arg(cand, base)
                                    : QStringLiteral("**%1 and %2 tied**").arg(cand, base);
        QString text =
            QStringLiteral("- **%1**: %2: mean test error %3% (n = %4) against %5% (n = %6)")
                .arg(modelLabel(model), verdict, fixed(*a->testErrorMean, 2))
                .arg(a->n)
                .arg(fixed(*b->testErrorMean, 2))
                .arg(b->n);
        if (diff != 0) {
            text += QStringLiteral(", %1 by %2 points")
                        .arg(diff < 0 ? QStringLiteral("lower") : QStringLiteral("higher"),
                             fixed(std::abs(diff), 2));
        }
        if (const auto combined = combinedStd(a->testErrorStd, b->testErrorStd)) {
            text += std::abs(diff) > *combined
                        ? QStringLiteral("; the difference exceeds the combined std (%1 points)")
                              .arg(fixed(*combined, 2))
                        : QStringLiteral(
                              "; the difference is within the combined std (%1 points), so "
                              "it is not distinguishable from seed noise")
                              .arg(fixed(*combined, 2));
        } else {
            text += QStringLiteral("; no std to compare with (fewer than two finished seeds)");
        }
        if (const QString seeds = seedBySeed(spec, s, model, cand); !seeds.isEmpty()) {
            text += QStringLiteral("; ") + seeds;
        }
        if (a->collapsedRuns > 0) {
            text += QStringLiteral(". %1 of %2's %3 warned of a collapsed loss")
                        .arg(a->collapsedRuns)
                        .arg(cand)
                        .arg(plural(a->runs, QStringLiteral("run"), QStringLiteral("runs")));
        }
        if (a->diverged > 0) {
            text += QStringLiteral(". %1 of %2's runs diverged (not averaged)")
                        .arg(a->diverged)
                        .arg(cand);
        }
        out << text + QLatin1Char('.');
    }
    return out;
}

/// The ablation's two questions per model, in sentences: does the output activation `none` beat
/// softplus (both warn-only), and what does `restore` change for each output.
QStringList ablationStatements(const GridSpec& spec, const GridSummary& s) {
    QStringList out;
    auto described = [](const CellSummary& c) {
        QString text = QStringLiteral("%1% (n = %2").arg(fixed(*c.testAccuracyMean, 2)).arg(c.n);
        if (c.collapsedRuns > 0) {
            text +=
                QStringLiteral(", %1 of %2 warned of a collapse").arg(c.collapsedRuns).arg(c.runs);
        }
        if (c.diverged > 0) {
            text += QStringLiteral(", %1 diverged and not averaged").arg(c.diverged);
        }
        return text + QLatin1Char(')');
    };
    auto usable = [](const CellSummary* c) { return c != nullptr && c->testAccuracyMean; };
    for (const QString& model : spec.models) {
        const CellSummary* soft = findCell(s, model, QStringLiteral("softplus-none"));
        const CellSummary* none = findCell(s, model, QStringLiteral("none-none"));
        if (!usable(soft) || !usable(none)) {
            out << QStringLiteral(
                       "- **%1**: no comparison of the outputs yet (softplus and none "
                       "each need a finished warn-only run).")
                       .arg(modelLabel(model));
            continue;
        }
        const double diff = *none->testAccuracyMean - *soft->testAccuracyMean;
        QString text = QStringLiteral("- **%1**: output none %2 against softplus %3")
                           .arg(modelLabel(model), described(*none), described(*soft));
        if (diff != 0) {
            text += QStringLiteral(", none %1 by %2 points")
                        .arg(diff > 0 ? QStringLiteral("higher") : QStringLiteral("lower"),
                             fixed(std::abs(diff), 2));
        }
        if (const auto combined = combinedStd(none->testAccuracyStd, soft->testAccuracyStd)) {
            text += std::abs(diff) > *combined
                        ? QStringLiteral(" (more than the combined std, %1 points)")
                              .arg(fixed(*combined, 2))
                        : QStringLiteral(
                              " (within the combined std, %1 points: not "
                              "distinguishable from seed noise)")
                              .arg(fixed(*combined, 2));
        } else {
            text += QStringLiteral(" (fewer than two seeds: no std to judge it by)");
        }
        const PairedSeeds p = pairedSeeds(spec, s, model, QStringLiteral("none-none"),
                                          QStringLiteral("softplus-none"));
        if (p.paired > 0) {
            text += QStringLiteral("; seed by seed, median %1% against %2%, none higher on %3 of "
                                   "the %4 both finished")
                        .arg(fixed(*median(p.a), 2), fixed(*median(p.b), 2))
                        .arg(p.aHigher)
                        .arg(plural(p.paired, QStringLiteral("seed"), QStringLiteral("seeds")));
        }
        QStringList restores;
        for (const QString& output : {QStringLiteral("softplus"), QStringLiteral("none")}) {
            const CellSummary* warn = output == QLatin1String("softplus") ? soft : none;
            const CellSummary* restore = findCell(s, model, output + QStringLiteral("-restore"));
            if (usable(restore)) {
                restores << QStringLiteral("%1 %2 (warn only %3)")
                                .arg(output, described(*restore),
                                     fixed(*warn->testAccuracyMean, 2));
            }
        }
        if (!restores.isEmpty()) {
            text += QStringLiteral("; with restore: ") + restores.join(QStringLiteral(", "));
        }
        out << text + QLatin1Char('.');
    }
    return out;
}

/// What the ablation says about `loss.output`'s default, from the warn-only cells (softplus-none
/// and none-none) once every model has all its seeds there; until then, that it has not decided.
/// Fewer collapses with the higher mean on every model favour none.
/// The default itself is code (core's RunConfig), changed by a commit, never by a report.
QString outputDecision(const GridSpec& spec, const GridSummary& s) {
    const QString softplus = QStringLiteral("softplus-none");
    const QString none = QStringLiteral("none-none");
    const QString current = QStringLiteral(
        "`loss.output` defaults to auto: none for AdaLFL, softplus for ML3 (part of ML3's "
        "design); stored runs keep the value they recorded.");
    for (const QString& model : spec.models) {
        for (const QString& cell : {softplus, none}) {
            const CellSummary* c = findCell(s, model, cell);
            if (c == nullptr || c->n + c->diverged < spec.seeds) {
                return current +
                       QStringLiteral(" Whether to change that is decided once every model has "
                                      "all %1 seeds of output softplus and none (warn only).")
                           .arg(spec.seeds);
            }
        }
    }
    int meanHigher = 0;
    int medianHigher = 0;
    int beyondNoise = 0;
    int paired = 0;
    int pairedHigher = 0;
    int collapsedNone = 0;
    int collapsedSoftplus = 0;
    int runsNone = 0;
    int runsSoftplus = 0;
    for (const QString& model : spec.models) {
        const CellSummary* a = findCell(s, model, none);
        const CellSummary* b = findCell(s, model, softplus);
        const PairedSeeds p = pairedSeeds(spec, s, model, none, softplus);
        paired += p.paired;
        pairedHigher += p.aHigher;
        collapsedNone += a->collapsedRuns;
        collapsedSoftplus += b->collapsedRuns;
        runsNone += a->runs;
        runsSoftplus += b->runs;
        if (!a->testAccuracyMean || !b->testAccuracyMean || p.a.isEmpty() || p.b.isEmpty()) {
            continue;
        }
        const double diff = *a->testAccuracyMean - *b->testAccuracyMean;
        meanHigher += diff > 0 ? 1 : 0;
        medianHigher += *median(p.a) > *median(p.b) ? 1 : 0;
        const auto combined = combinedStd(a->testAccuracyStd, b->testAccuracyStd);
        beyondNoise += diff > 0 && combined && diff > *combined ? 1 : 0;
    }
    const int models = static_cast<int>(spec.models.size());
    QString text =
        QStringLiteral("**The default, decided:** with all %1 seeds of both outputs on every model "
                       "(warn only), output none had the higher mean accuracy on %2 of %3 models "
                       "and the higher median on %4 of %3, was higher on %5 of the %6 seeds both "
                       "finished, and warned of a collapse in %7 of %8 runs against softplus's %9 "
                       "of %10. ")
            .arg(spec.seeds)
            .arg(meanHigher)
            .arg(models)
            .arg(medianHigher)
            .arg(pairedHigher)
            .arg(paired)
            .arg(collapsedNone)
            .arg(runsNone)
            .arg(collapsedSoftplus)
            .arg(runsSoftplus);
    // The question is whether the default collapses, not whether a lead beats a std that the
    // collapses themselves inflate: fewer collapses and the higher mean on every model decide.
    if (meanHigher == models && collapsedNone < collapsedSoftplus) {
        return text +
               QStringLiteral(
                   "The evidence favours none: it collapsed less and had the higher "
                   "mean on every model (its lead exceeds the combined std on %1 of "
                   "%2; a std inflated by the collapses being compared is no argument "
                   "for softplus). ")
                   .arg(beyondNoise)
                   .arg(models) +
               current;
    }
    if (meanHigher == models && medianHigher == models && beyondNoise > 0) {
        return text +
               QStringLiteral(
                   "Its lead exceeds the seed noise (the combined std) on %1 of %2 models: "
                   "the evidence favours none. ")
                   .arg(beyondNoise)
                   .arg(models) +
               current;
    }
    return text +
           QStringLiteral(
               "Output none did not do better on every model, so this ablation alone "
               "does not support the default: ") +
           current;
}

QString publishedText(const GridSummary* reproduce) {
    QStringList ours;
    if (reproduce != nullptr) {
        const QStringList models = gridSpec(kReproduce)->models;  // (no dangling temporary)
        for (const QString& model : models) {
            const CellSummary* c = findCell(*reproduce, model, QStringLiteral("cross-entropy"));
            if (c != nullptr && c->testAccuracyMean) {
                ours << QStringLiteral("%1 %2% (n = %3)")
                            .arg(modelLabel(model), fixed(*c->testAccuracyMean, 2))
                            .arg(c->n);
            }
        }
    }
    QString text = QStringLiteral(
        "The Fashion-MNIST benchmark (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747; the "
        "benchmark table at github.com/zalandoresearch/fashion-mnist) reports roughly 84% test "
        "accuracy for logistic regression and roughly 87-88% for multilayer perceptrons trained "
        "with scikit-learn; small convolutional networks listed there reach roughly 89-91%. "
        "These are approximate reference points from different training setups (other "
        "optimisers and epoch counts, all 60,000 training images, where this protocol holds "
        "6,000 out for validation and trains 10,000 SGD steps of 128, about 24 epochs).");
    if (!ours.isEmpty()) {
        text += QStringLiteral(" Cross-entropy here reaches a mean final test accuracy of %1.")
                    .arg(joinAnd(ours));
    } else {
        text += QStringLiteral(" No cross-entropy run of the reproduce grid has finished yet.");
    }
    return text;
}

}  // namespace

QStringList gridNames() {
    return {kReproduce, kAblation};
}

std::optional<GridSpec> gridSpec(const QString& grid) {
    GridSpec s;
    s.name = grid;
    if (grid == kReproduce) {
        s.models = {QStringLiteral("logistic"), QStringLiteral("lenet5"), QStringLiteral("mlp")};
        s.cells = {QStringLiteral("cross-entropy"), QStringLiteral("ml3"),
                   QStringLiteral("taylorglo"), QStringLiteral("adalfl")};
        s.baseline = QStringLiteral("cross-entropy");
        s.candidate = QStringLiteral("adalfl");
        return s;
    }
    if (grid == kAblation) {
        s.models = {QStringLiteral("logistic"), QStringLiteral("mlp")};
        s.cells = {QStringLiteral("softplus-none"), QStringLiteral("softplus-restore"),
                   QStringLiteral("none-none"), QStringLiteral("none-restore")};
        s.sharedCell = QStringLiteral("softplus-none");
        s.sharedFromGrid = kReproduce;
        s.sharedFromCell = QStringLiteral("adalfl");
        return s;
    }
    return std::nullopt;
}

std::optional<RunName> parseRunName(const QString& name) {
    static const QRegularExpression pattern(
        QStringLiteral("^([a-z]+)/([a-z0-9]+)/([a-z0-9-]+)/seed([0-9]{1,9})$"));
    const auto m = pattern.match(name);
    if (!m.hasMatch()) {
        return std::nullopt;
    }
    const auto spec = gridSpec(m.captured(1));
    if (!spec || !spec->models.contains(m.captured(2)) || !spec->cells.contains(m.captured(3))) {
        return std::nullopt;
    }
    return RunName{m.captured(1), m.captured(2), m.captured(3), m.captured(4).toInt()};
}

bool isCollapseWarning(const QString& kind, const QString& code, const QString& message) {
    return kind == QLatin1String("warning") &&
           (code == QLatin1String("collapse") || message.contains(QLatin1String("collapsed")));
}

MeanStd meanSampleStd(const QVector<double>& values) {
    MeanStd m;
    m.n = static_cast<int>(values.size());
    if (m.n == 0) {
        return m;
    }
    double sum = 0;
    for (double v : values) {
        sum += v;
    }
    const double mean = sum / m.n;
    m.mean = mean;
    if (m.n >= 2) {
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        m.std = std::sqrt(squares / (m.n - 1));
    }
    return m;
}

QVector<RunRow> carryForward(const QVector<RunRow>& store, const QVector<RunRow>& earlier) {
    QVector<RunRow> out = store;
    for (const RunRow& old : earlier) {
        if (isDone(old)) {
            RunRow carried = old;
            carried.carried = true;
            placeUnlessDone(out, carried);
        }
    }
    return out;
}

QVector<RunRow> addSharedRuns(const GridSpec& spec, const QVector<RunRow>& rows,
                              const QVector<RunRow>& sharedRows) {
    if (spec.sharedCell.isEmpty()) {
        return rows;
    }
    QVector<RunRow> out = rows;
    for (const RunRow& shared : sharedRows) {
        if (shared.cell != spec.sharedFromCell || !spec.models.contains(shared.model) ||
            !isDone(shared) || !shared.name.startsWith(spec.sharedFromGrid + QLatin1Char('/'))) {
            continue;
        }
        RunRow row = shared;
        row.name = QStringLiteral("%1/%2/%3/seed%4")
                       .arg(spec.name, shared.model, spec.sharedCell)
                       .arg(shared.seed);
        row.cell = spec.sharedCell;
        row.sameAs = shared.name;
        placeUnlessDone(out, row);
    }
    return out;
}

QMap<QString, QStringList> mergeProtocols(const QMap<QString, QStringList>& a,
                                          const QMap<QString, QStringList>& b) {
    QMap<QString, QStringList> out = a;
    for (auto it = b.cbegin(); it != b.cend(); ++it) {
        QStringList& values = out[it.key()];
        for (const QString& v : it.value()) {
            if (!values.contains(v)) {
                values << v;
            }
        }
        std::sort(values.begin(), values.end());
    }
    return out;
}

GridSummary summarize(const GridSpec& spec, QVector<RunRow> runs) {
    GridSummary s;
    s.grid = spec.name;
    s.expectedRuns = static_cast<int>(spec.models.size() * spec.cells.size()) * spec.seeds;
    runs.erase(std::remove_if(runs.begin(), runs.end(),
                              [&](const RunRow& r) {
                                  return !spec.models.contains(r.model) ||
                                         !spec.cells.contains(r.cell);
                              }),
               runs.end());
    std::sort(runs.begin(), runs.end(), [&](const RunRow& a, const RunRow& b) {
        const auto ka = std::make_tuple(spec.models.indexOf(a.model), spec.cells.indexOf(a.cell),
                                        a.seed, a.name);
        const auto kb = std::make_tuple(spec.models.indexOf(b.model), spec.cells.indexOf(b.cell),
                                        b.seed, b.name);
        return ka < kb;
    });
    s.runs = runs;
    for (const QString& model : spec.models) {
        for (const QString& cell : spec.cells) {
            CellSummary c;
            c.model = model;
            c.cell = cell;
            QVector<double> errors;
            QVector<double> accuracies;
            QVector<double> walls;
            for (const RunRow& r : runs) {
                if (r.model != model || r.cell != cell) {
                    continue;
                }
                ++c.runs;
                c.collapses += r.collapses;
                c.collapsedRuns += r.collapses > 0 ? 1 : 0;
                if (r.status == QLatin1String("finished")) {
                    ++c.finished;
                    if (const auto accuracy = countedAccuracy(&r)) {
                        errors << 100.0 - *accuracy;
                        accuracies << *accuracy;
                        walls << r.wallSeconds;
                    }
                } else if (r.status == QLatin1String("diverged")) {
                    ++c.diverged;
                } else {
                    ++c.incomplete;
                }
            }
            const MeanStd e = meanSampleStd(errors);
            const MeanStd a = meanSampleStd(accuracies);
            c.n = e.n;
            c.testErrorMean = e.mean;
            c.testErrorStd = e.std;
            c.testAccuracyMean = a.mean;
            c.testAccuracyStd = a.std;
            c.wallMean = meanSampleStd(walls).mean;
            s.cells << c;
        }
    }
    if (!spec.baseline.isEmpty()) {
        for (CellSummary& c : s.cells) {
            const CellSummary* base = findCell(s, c.model, spec.baseline);
            if (c.wallMean && base != nullptr && base->wallMean && *base->wallMean > 0) {
                c.wallRatio = *c.wallMean / *base->wallMean;
            }
        }
    }
    return s;
}

QByteArray summaryJson(const GridSummary& s) {
    QStringList lines;
    lines << QStringLiteral("{");
    lines << QStringLiteral("  ") + field("grid", jsonString(s.grid)) + QLatin1Char(',');
    lines << QStringLiteral("  ") + field("format", QString::number(kFormat)) + QLatin1Char(',');
    lines << QStringLiteral("  ") + field("expected_runs", QString::number(s.expectedRuns)) +
                 QLatin1Char(',');
    lines << QStringLiteral("  \"protocol\": {");
    for (auto it = s.protocol.cbegin(); it != s.protocol.cend(); ++it) {
        QStringList values;
        for (const QString& v : it.value()) {
            values << jsonString(v);
        }
        lines << QStringLiteral("    %1: [%2]%3")
                     .arg(jsonString(it.key()), values.join(QStringLiteral(", ")),
                          std::next(it) == s.protocol.cend() ? QString() : QStringLiteral(","));
    }
    lines << QStringLiteral("  },");
    lines << QStringLiteral("  \"cells\": [");
    for (qsizetype i = 0; i < s.cells.size(); ++i) {
        const CellSummary& c = s.cells[i];
        const QStringList fields{
            field("model", jsonString(c.model)),
            field("cell", jsonString(c.cell)),
            field("runs", QString::number(c.runs)),
            field("finished", QString::number(c.finished)),
            field("n", QString::number(c.n)),
            field("diverged", QString::number(c.diverged)),
            field("incomplete", QString::number(c.incomplete)),
            field("test_error_mean", jsonNumber(c.testErrorMean, 4)),
            field("test_error_std", jsonNumber(c.testErrorStd, 4)),
            field("test_accuracy_mean", jsonNumber(c.testAccuracyMean, 4)),
            field("test_accuracy_std", jsonNumber(c.testAccuracyStd, 4)),
            field("wall_s_mean", jsonNumber(c.wallMean, 2)),
            field("wall_ratio", jsonNumber(c.wallRatio, 4)),
            field("collapsed_runs", QString::number(c.collapsedRuns)),
            field("collapses", QString::number(c.collapses)),
        };
        lines << QStringLiteral("    {%1}%2")
                     .arg(fields.join(QStringLiteral(", ")),
                          i + 1 < s.cells.size() ? QStringLiteral(",") : QString());
    }
    lines << QStringLiteral("  ],");
    lines << QStringLiteral("  \"runs\": [");
    for (qsizetype i = 0; i < s.runs.size(); ++i) {
        const RunRow& r = s.runs[i];
        const QStringList fields{
            field("name", jsonString(r.name)),
            field("model", jsonString(r.model)),
            field("cell", jsonString(r.cell)),
            field("seed", QString::number(r.seed)),
            field("status", jsonString(r.status)),
            field("test_accuracy", jsonNumber(r.testAccuracy, 6)),
            field("validation_accuracy", jsonNumber(r.validationAccuracy, 6)),
            field("wall_s", jsonNumber(r.wallSeconds, 2)),
            field("steps", QString::number(r.steps)),
            field("collapses", QString::number(r.collapses)),
            field("warnings", QString::number(r.warnings)),
            field("carried", r.carried ? QStringLiteral("true") : QStringLiteral("false")),
            field("same_as", jsonString(r.sameAs)),
            field("test_curve", curveJson(r)),
        };
        lines << QStringLiteral("    {%1}%2")
                     .arg(fields.join(QStringLiteral(", ")),
                          i + 1 < s.runs.size() ? QStringLiteral(",") : QString());
    }
    lines << QStringLiteral("  ],");
    lines << QStringLiteral("  \"figures\": [");
    for (qsizetype i = 0; i < s.figures.size(); ++i) {
        const Figure& f = s.figures[i];
        lines << QStringLiteral("    {%1, %2}%3")
                     .arg(field("file", jsonString(f.file)),
                          field("caption", jsonString(f.caption)),
                          i + 1 < s.figures.size() ? QStringLiteral(",") : QString());
    }
    lines << QStringLiteral("  ]");
    lines << QStringLiteral("}");
    return (lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8();
}

std::optional<GridSummary> parseSummaryJson(const QByteArray& json, QString* error) {
    auto fail = [error](const QString& message) -> std::optional<GridSummary> {
        if (error != nullptr) {
            *error = message;
        }
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        return fail(QStringLiteral("not a JSON object: %1").arg(parseError.errorString()));
    }
    const QJsonObject o = doc.object();
    const int format = o.value(QLatin1String("format")).toInt();
    if (format < kOldestFormat || format > kFormat) {
        return fail(QStringLiteral("summary format %1, this build reads %2 to %3")
                        .arg(format)
                        .arg(kOldestFormat)
                        .arg(kFormat));
    }
    GridSummary s;
    s.grid = o.value(QLatin1String("grid")).toString();
    if (!gridSpec(s.grid)) {
        return fail(QStringLiteral("unknown grid '%1'").arg(s.grid));
    }
    s.expectedRuns = o.value(QLatin1String("expected_runs")).toInt();
    const QJsonObject protocol = o.value(QLatin1String("protocol")).toObject();
    for (auto it = protocol.begin(); it != protocol.end(); ++it) {
        QStringList values;
        for (const QJsonValue& v : it.value().toArray()) {
            values << v.toString();
        }
        s.protocol.insert(it.key(), values);
    }
    for (const QJsonValue& v : o.value(QLatin1String("cells")).toArray()) {
        const QJsonObject c = v.toObject();
        CellSummary cell;
        cell.model = c.value(QLatin1String("model")).toString();
        cell.cell = c.value(QLatin1String("cell")).toString();
        cell.runs = c.value(QLatin1String("runs")).toInt();
        cell.finished = c.value(QLatin1String("finished")).toInt();
        cell.n = c.value(QLatin1String("n")).toInt();
        cell.diverged = c.value(QLatin1String("diverged")).toInt();
        cell.incomplete = c.value(QLatin1String("incomplete")).toInt();
        cell.testErrorMean = optionalNumber(c.value(QLatin1String("test_error_mean")));
        cell.testErrorStd = optionalNumber(c.value(QLatin1String("test_error_std")));
        cell.testAccuracyMean = optionalNumber(c.value(QLatin1String("test_accuracy_mean")));
        cell.testAccuracyStd = optionalNumber(c.value(QLatin1String("test_accuracy_std")));
        cell.wallMean = optionalNumber(c.value(QLatin1String("wall_s_mean")));
        cell.wallRatio = optionalNumber(c.value(QLatin1String("wall_ratio")));
        cell.collapsedRuns = c.value(QLatin1String("collapsed_runs")).toInt();
        cell.collapses = c.value(QLatin1String("collapses")).toInt();
        s.cells << cell;
    }
    for (const QJsonValue& v : o.value(QLatin1String("runs")).toArray()) {
        const QJsonObject r = v.toObject();
        RunRow row;
        row.name = r.value(QLatin1String("name")).toString();
        row.model = r.value(QLatin1String("model")).toString();
        row.cell = r.value(QLatin1String("cell")).toString();
        row.seed = r.value(QLatin1String("seed")).toInt();
        row.status = r.value(QLatin1String("status")).toString();
        row.testAccuracy = optionalNumber(r.value(QLatin1String("test_accuracy")));
        row.validationAccuracy = optionalNumber(r.value(QLatin1String("validation_accuracy")));
        row.wallSeconds = r.value(QLatin1String("wall_s")).toDouble();
        row.steps = static_cast<qint64>(r.value(QLatin1String("steps")).toDouble());
        row.collapses = r.value(QLatin1String("collapses")).toInt();
        row.warnings = r.value(QLatin1String("warnings")).toInt();
        row.carried = r.value(QLatin1String("carried")).toBool();
        row.sameAs = r.value(QLatin1String("same_as")).toString();
        for (const QJsonValue& point : r.value(QLatin1String("test_curve")).toArray()) {
            const QJsonArray pair = point.toArray();
            if (pair.size() == 2 && pair[0].isDouble() && pair[1].isDouble()) {
                row.curveSteps << pair[0].toDouble();
                row.curveValues << pair[1].toDouble();
            }
        }
        s.runs << row;
    }
    for (const QJsonValue& v : o.value(QLatin1String("figures")).toArray()) {
        const QJsonObject f = v.toObject();
        s.figures << Figure{f.value(QLatin1String("file")).toString(),
                            f.value(QLatin1String("caption")).toString()};
    }
    return s;
}

QString resultsMarkdown(const QVector<GridSummary>& summaries, const QString& figureDir) {
    auto summaryOf = [&](const QString& grid) -> const GridSummary* {
        for (const GridSummary& s : summaries) {
            if (s.grid == grid) {
                return &s;
            }
        }
        return nullptr;
    };
    const GridSummary* reproduce = summaryOf(kReproduce);
    const GridSummary* ablation = summaryOf(kAblation);
    const QString dir = figureDir.isEmpty() ? QString() : figureDir + QLatin1Char('/');
    QStringList md;
    md << QStringLiteral("# Results: AdaLFL against its baselines on Fashion-MNIST") << QString();
    md << QStringLiteral(
              "<!-- Generated by bench_reproduce_report from docs/results/*-summary.json; do not "
              "edit by hand: the next report rewrites this file. -->")
       << QString();
    md << QStringLiteral(
              "Every number and figure below is generated by `bench/reproduce` (issue 7) and its "
              "report tool from the runs it recorded; the committed, compact summaries are "
              "`docs/results/reproduce-summary.json` and `docs/results/ablation-summary.json` "
              "(one row per run with its test-accuracy curve, one per cell). The grid takes "
              "longer than one machine session, so the summaries accumulate: a report reads its "
              "store and keeps every finished run of the previous summary that the store does "
              "not hold (`--store-only` turns that off), and `bench/reproduce` skips the runs "
              "the committed summary already has. To regenerate:")
       << QString();
    md << QStringLiteral("```sh");
    md << QStringLiteral(
        "bench/reproduce --only model=logistic      # one slice of the grid (resumable); also "
        "--only model=lenet5, --only model=mlp");
    md << QStringLiteral(
        "bench/reproduce                            # the whole reproduce grid (hours on 2 "
        "cores)");
    md << QStringLiteral(
        "bench/reproduce --grid ablation            # the issue 8 ablation grid (logistic, mlp)");
    md << QStringLiteral(
        "bench/reproduce --report-only              # only this report, from the store as it "
        "is (add --grid ablation for that grid)");
    md << QStringLiteral(
        "build/bench/bench_reproduce_report --db STORE --grid reproduce|ablation --out "
        "docs/results   # what --report-only runs");
    md << QStringLiteral("```") << QString();
    md << QStringLiteral(
              "The default store is `~/.local/share/lossstudio/reproduce.sqlite` (`--db PATH` "
              "picks another). Each report rewrites its grid's summary and figures and then this "
              "whole file from every summary present, so both grids always read consistently.")
       << QString();

    md << QStringLiteral("## Protocol") << QString();
    md << QStringLiteral(
              "Fashion-MNIST (the `dataset-fashion-mnist` package: 54,000 training / 6,000 "
              "validation / 10,000 test images), the paper's MNIST protocol: SGD with learning "
              "rate 0.01, batch 128, 10,000 steps; ML3 and AdaLFL learn their loss for S_init = "
              "2,500 offline-initialisation steps first (AdaLFL then adapts it online every step, "
              "meta learning rate 1e-3 with Adam). TaylorGLO runs on a reduced budget, stated "
              "here: CMA-ES population 8, 6 generations, 500 partial-training steps a candidate "
              "(24,000 search steps instead of the preset's 500,000), then the full 10,000-step "
              "run with the best loss. One thread per run, seeds 0-4 per cell. Final test error "
              "is 100 (1 − accuracy) of the run's last test evaluation (step 10,000); means are "
              "over finished runs with the sample standard deviation (n − 1); diverged runs are "
              "counted, never averaged. Wall time is the run's own clock at its last step "
              "(training only: data loading excluded, pauses excluded, continued across "
              "resumptions); the ratio is to cross-entropy on the same model.")
       << QString();
    for (const GridSummary* s : {reproduce, ablation}) {
        if (s != nullptr && !s->protocol.isEmpty()) {
            md << protocolText(*s) << QString();
        }
    }

    md << QStringLiteral("## Coverage") << QString();
    for (const QString& grid : gridNames()) {
        const GridSummary* s = summaryOf(grid);
        if (s == nullptr) {
            md << QStringLiteral(
                      "**%1 grid:** no summary yet (`docs/results/%2-summary.json`); run "
                      "`bench/reproduce%3`.")
                      .arg(grid.left(1).toUpper() + grid.mid(1), grid,
                           grid == kReproduce ? QString() : QStringLiteral(" --grid ") + grid)
               << QString();
        } else {
            md << coverageText(*gridSpec(grid), *s) << QString();
        }
    }

    if (reproduce != nullptr) {
        const GridSpec spec = *gridSpec(kReproduce);
        md << QStringLiteral("## Final test error (%), mean ± std over seeds") << QString();
        QStringList header{QStringLiteral("Model")};
        QStringList rule{QStringLiteral("---")};
        for (const QString& cell : spec.cells) {
            header << methodLabel(cell);
            rule << QStringLiteral("---");
        }
        md << QStringLiteral("| %1 |").arg(header.join(QStringLiteral(" | ")));
        md << QStringLiteral("| %1 |").arg(rule.join(QStringLiteral(" | ")));
        for (const QString& model : spec.models) {
            QStringList row{modelLabel(model)};
            for (const QString& cell : spec.cells) {
                const CellSummary* c = findCell(*reproduce, model, cell);
                row << (c != nullptr ? meanCell(*c, c->testErrorMean, c->testErrorStd)
                                     : QStringLiteral("not run"));
            }
            md << QStringLiteral("| %1 |").arg(row.join(QStringLiteral(" | ")));
        }
        md << QString();
        md << QStringLiteral("### Per seed") << QString();
        md << QStringLiteral(
                  "Final test error (%) of each run; ‡ marks a run that warned of a collapsed "
                  "loss, a status stands where the run did not finish, – where it was not run; "
                  "the median is over the finished runs.")
           << QString();
        md << perSeedTable(spec, *reproduce, true) << QString();
        md << QStringLiteral("## Where AdaLFL beat cross-entropy, and where it did not")
           << QString();
        md << statements(spec, *reproduce);
        md << QString();
        md << QStringLiteral("## Wall time per run (mean seconds, ratio to cross-entropy)")
           << QString();
        md << QStringLiteral("| %1 |").arg(header.join(QStringLiteral(" | ")));
        md << QStringLiteral("| %1 |").arg(rule.join(QStringLiteral(" | ")));
        for (const QString& model : spec.models) {
            QStringList row{modelLabel(model)};
            for (const QString& cell : spec.cells) {
                const CellSummary* c = findCell(*reproduce, model, cell);
                row << (c != nullptr ? wallCell(*c) : QStringLiteral("not run"));
            }
            md << QStringLiteral("| %1 |").arg(row.join(QStringLiteral(" | ")));
        }
        md << QString();
        md << QStringLiteral(
                  "Measured with one thread per run on a 2-core machine shared with other work, "
                  "so single numbers are noisy; the ratios are the meaningful part. ML3 and "
                  "AdaLFL include their 2,500 offline-initialisation steps, TaylorGLO its "
                  "reduced search.")
           << QString();
        md << QStringLiteral("## Cross-entropy against published Fashion-MNIST numbers")
           << QString();
        md << publishedText(reproduce) << QString();
        if (!reproduce->figures.isEmpty()) {
            md << QStringLiteral("## Figures (reproduce grid)") << QString();
            for (const Figure& f : reproduce->figures) {
                md << QStringLiteral("![%1](%2%1)").arg(f.file, dir) << QString();
                md << QStringLiteral("*%1*").arg(f.caption) << QString();
            }
        }
    } else {
        md << QStringLiteral("## Cross-entropy against published Fashion-MNIST numbers")
           << QString();
        md << publishedText(nullptr) << QString();
    }

    if (ablation != nullptr) {
        const GridSpec spec = *gridSpec(kAblation);
        md << QStringLiteral("## Ablation (issue 8): loss output and collapse recovery")
           << QString();
        md << QStringLiteral(
                  "AdaLFL with the learned loss's output activation `loss.output` softplus or "
                  "none, and `collapse.recovery` none (warn only) or restore (go back to the "
                  "last healthy loss network, halve the meta learning rate). Final test "
                  "accuracy (%) mean ± std over finished seeds; a collapse is a warning event "
                  "\"learned loss collapsed at step N\": the learned loss's gradient was "
                  "below `collapse.threshold` of cross-entropy's in at least "
                  "`collapse.fraction` of the last `collapse.window` steps while validation "
                  "accuracy set no new best. softplus and none are AdaLFL's defaults, so the "
                  "softplus + none cell is the reproduce grid's AdaLFL cell run for run (same "
                  "preset, same seeds; deterministic): where the ablation has no run of its own "
                  "there, the reproduce grid's is counted and marked `same_as`.")
           << QString();
        md << QStringLiteral(
            "| Model | Output | Recovery | Test accuracy (%) | Runs with a collapse warning | "
            "Collapses | Diverged |");
        md << QStringLiteral("| --- | --- | --- | --- | --- | --- | --- |");
        for (const QString& model : spec.models) {
            for (const QString& cell : spec.cells) {
                const CellSummary* c = findCell(*ablation, model, cell);
                const QString output = cell.section(QLatin1Char('-'), 0, 0);
                const QString recovery = cell.section(QLatin1Char('-'), 1, 1);
                if (c == nullptr || c->runs == 0) {
                    md << QStringLiteral("| %1 | %2 | %3 | not run | – | – | – |")
                              .arg(modelLabel(model), output, recovery);
                    continue;
                }
                md << QStringLiteral("| %1 | %2 | %3 | %4 | %5 of %6 | %7 | %8 |")
                          .arg(modelLabel(model), output, recovery,
                               meanCell(*c, c->testAccuracyMean, c->testAccuracyStd))
                          .arg(c->collapsedRuns)
                          .arg(c->runs)
                          .arg(c->collapses)
                          .arg(c->diverged);
            }
        }
        md << QString();
        md << QStringLiteral("### Per seed") << QString();
        md << QStringLiteral(
                  "Final test accuracy (%) of each run, marked as in the reproduce grid's "
                  "per-seed table.")
           << QString();
        md << perSeedTable(spec, *ablation, false) << QString();
        md << ablationStatements(spec, *ablation) << QString();
        md << outputDecision(spec, *ablation) << QString();
        if (!ablation->figures.isEmpty()) {
            md << QStringLiteral("## Figures (ablation grid)") << QString();
            for (const Figure& f : ablation->figures) {
                md << QStringLiteral("![%1](%2%1)").arg(f.file, dir) << QString();
                md << QStringLiteral("*%1*").arg(f.caption) << QString();
            }
        }
    }
    while (!md.isEmpty() && md.last().isEmpty()) {
        md.removeLast();
    }
    return md.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString methodLabel(const QString& cell) {
    if (cell == QLatin1String("cross-entropy")) {
        return QStringLiteral("Cross-entropy");
    }
    if (cell == QLatin1String("ml3")) {
        return QStringLiteral("ML3");
    }
    if (cell == QLatin1String("taylorglo")) {
        return QStringLiteral("TaylorGLO");
    }
    if (cell == QLatin1String("adalfl")) {
        return QStringLiteral("AdaLFL");
    }
    return cell;
}

QString modelLabel(const QString& model) {
    if (model == QLatin1String("logistic")) {
        return QStringLiteral("Logistic regression");
    }
    if (model == QLatin1String("lenet5")) {
        return QStringLiteral("LeNet-5");
    }
    if (model == QLatin1String("mlp")) {
        return QStringLiteral("MLP");
    }
    return model;
}

QString cellLabel(const QString& grid, const QString& cell) {
    if (grid == kAblation) {
        return QStringLiteral("output %1, recovery %2")
            .arg(cell.section(QLatin1Char('-'), 0, 0), cell.section(QLatin1Char('-'), 1, 1));
    }
    return methodLabel(cell);
}

}  // namespace lossstudio::bench
