#include "reproduce_report_store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QSet>
#include <algorithm>

namespace lossstudio::bench {
namespace {

const QString kTestAccuracy = QStringLiteral("test/accuracy");
const QString kValidationAccuracy = QStringLiteral("validation/accuracy");
const QString kTrainLoss = QStringLiteral("train/loss");

QJsonValue configValue(const QJsonObject& config, const QString& dottedKey) {
    QJsonValue v = config;
    for (const QString& part : dottedKey.split(QLatin1Char('.'))) {
        v = v.toObject().value(part);
    }
    return v;
}

QString valueText(const QJsonValue& v) {
    if (v.isDouble()) {
        return QString::number(v.toDouble(), 'g', 12);
    }
    if (v.isBool()) {
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    }
    if (v.isString()) {
        return v.toString();
    }
    if (v.isUndefined() || v.isNull()) {
        return {};
    }
    const QJsonDocument doc =
        v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    return QString::fromUtf8(doc.toJson(QJsonDocument::Compact));
}

/// The config keys that define the protocol for a run of `cell` in `grid`.
QStringList protocolKeys(const QString& grid, const QString& cell) {
    QStringList keys{QStringLiteral("data.name"),    QStringLiteral("steps"),
                     QStringLiteral("batch_size"),   QStringLiteral("optimizer.name"),
                     QStringLiteral("optimizer.lr"), QStringLiteral("optimizer.momentum"),
                     QStringLiteral("threads"),      QStringLiteral("eval_interval")};
    const bool adalfl = grid == QLatin1String("ablation") || cell == QLatin1String("adalfl");
    if (adalfl || cell == QLatin1String("ml3")) {
        keys << QStringLiteral("meta.init_steps");
    }
    if (adalfl) {
        keys << QStringLiteral("meta.lr");
    }
    if (cell == QLatin1String("taylorglo")) {
        keys << QStringLiteral("taylorglo.population") << QStringLiteral("taylorglo.generations")
             << QStringLiteral("taylorglo.partial_steps");
    }
    if (adalfl) {
        keys << QStringLiteral("collapse.threshold") << QStringLiteral("collapse.window");
    }
    if (cell == QLatin1String("adalfl")) {
        // What the ablation varies: recorded so that its softplus-none cell can share these runs.
        keys << QStringLiteral("loss.output") << QStringLiteral("collapse.recovery");
    }
    if (grid == QLatin1String("ablation")) {
        // Restores in a row (runs recorded before the setting existed lack it and are skipped).
        keys << QStringLiteral("collapse.max_restores");
    }
    return keys;
}

}  // namespace

storage::Result<GridRuns> readGridRuns(storage::RunReader& reader, const GridSpec& spec) {
    storage::RunQuery query;
    query.filter.text = spec.name + QLatin1Char('/');  // narrows; the name is checked below
    query.sort.field = storage::RunSort::Field::Id;
    query.sort.order = Qt::AscendingOrder;
    query.withConfig = true;
    query.latestKeys = {kTestAccuracy, kValidationAccuracy, kTrainLoss};
    auto listed = reader.listRuns(query);
    if (!listed) {
        return listed.takeError();
    }
    // Ascending ids: a later run of the same name replaces an earlier one.
    QMap<QString, storage::RunRecord> newest;
    QHash<QString, RunName> places;
    for (storage::RunRecord& record : listed.value()) {
        const auto place = parseRunName(record.name);
        if (!place || place->grid != spec.name) {
            continue;
        }
        places.insert(record.name, *place);
        newest.insert(record.name, std::move(record));
    }

    GridRuns out;
    QMap<QString, QSet<QString>> protocol;
    for (const storage::RunRecord& record : newest) {
        const RunName& place = places[record.name];
        RunRow row;
        row.name = record.name;
        row.model = place.model;
        row.cell = place.cell;
        row.seed = place.seed;
        row.status = storage::statusName(record.status);
        if (record.latest.contains(kTestAccuracy)) {
            row.testAccuracy = record.latest.value(kTestAccuracy).value;
        }
        if (record.latest.contains(kValidationAccuracy)) {
            row.validationAccuracy = record.latest.value(kValidationAccuracy).value;
        }
        if (record.latest.contains(kTrainLoss)) {
            row.steps = record.latest.value(kTrainLoss).step;
        }

        auto events = reader.events(record.id);
        if (!events) {
            return events.takeError();
        }
        for (const storage::EventRecord& e : events.value()) {
            if (e.kind == QLatin1String("warning")) {
                ++row.warnings;
            }
            if (isCollapseWarning(e.kind, e.code, e.message)) {
                ++row.collapses;
            }
        }

        // The engine's clock (metric wall_time) continues across resumptions (checkpoints keep
        // it) and leaves out pauses and data loading: its largest value is the run's duration.
        auto rows = reader.metricRows(record.id);
        if (!rows) {
            return rows.takeError();
        }
        for (const storage::MetricRow& m : rows.value()) {
            row.wallSeconds = std::max(row.wallSeconds, m.wallTime);
        }
        // The test curve whole (one point per evaluation: 21 at the protocol's interval).
        auto curve = reader.series(record.id, kTestAccuracy);
        if (!curve) {
            return curve.takeError();
        }
        row.curveSteps = curve.value().steps;
        row.curveValues = curve.value().values;

        const QJsonObject config = QJsonDocument::fromJson(record.configJson.toUtf8()).object();
        for (const QString& key : protocolKeys(spec.name, place.cell)) {
            const QString text = valueText(configValue(config, key));
            if (!text.isEmpty()) {
                protocol[key].insert(text);
            }
        }

        out.ids.insert(record.name, record.id);
        out.rows << row;
    }
    for (auto it = protocol.cbegin(); it != protocol.cend(); ++it) {
        QStringList values(it.value().cbegin(), it.value().cend());
        std::sort(values.begin(), values.end());
        out.protocol.insert(it.key(), values);
    }
    return out;
}

}  // namespace lossstudio::bench
