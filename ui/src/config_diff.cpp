#include "lossstudio/ui/config_diff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSet>
#include <optional>

#include <lossstudio/core/run_config.h>

namespace lossstudio::ui {
namespace {

void flattenInto(const QJsonObject& object, const QString& prefix, FlatConfig& out) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
        if (it.value().isObject()) {
            flattenInto(it.value().toObject(), key, out);
        } else {
            out.insert(key, it.value());
        }
    }
}

}  // namespace

FlatConfig flattenConfig(const QJsonObject& object) {
    FlatConfig out;
    flattenInto(object, QString(), out);
    return out;
}

FlatConfig flattenConfigJson(const QString& json) {
    QString text = json;
    if (auto config = core::parseRunConfig(json.toStdString())) {
        text = QString::fromStdString(core::toJson(config.value(), -1));
    }
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
    return document.isObject() ? flattenConfig(document.object()) : FlatConfig{};
}

bool configKeyMatters(const FlatConfig& config, const QString& key) {
    const auto value = [&config](const char* k) {
        return config.value(QLatin1String(k)).toString();
    };
    const auto under = [&key](const char* prefix) { return key.startsWith(QLatin1String(prefix)); };
    const QString method = value("method");
    if (under("loss.") || under("meta.") || under("collapse.")) {
        return method == QLatin1String("adalfl") || method == QLatin1String("ml3");
    }
    if (under("taylorglo.")) {
        return method == QLatin1String("taylorglo");
    }
    if (key == QLatin1String("optimizer.momentum") || key == QLatin1String("optimizer.nesterov")) {
        return value("optimizer.name") == QLatin1String("sgd");
    }
    if (key == QLatin1String("optimizer.beta1") || key == QLatin1String("optimizer.beta2") ||
        key == QLatin1String("optimizer.eps")) {
        return value("optimizer.name") == QLatin1String("adam");
    }
    if (under("data.csv_")) {
        return value("data.name") == QLatin1String("csv");
    }
    if (under("data.synthetic_")) {
        return value("data.name") == QLatin1String("synthetic");
    }
    if (key == QLatin1String("model.hidden")) {
        return value("model.name") == QLatin1String("mlp");
    }
    return true;
}

bool isTrivialConfigKey(const QString& key) {
    return key == QLatin1String("name") || key == QLatin1String("seed");
}

QVector<ConfigDiffRow> diffConfigs(const QVector<FlatConfig>& configs) {
    QSet<QString> keys;
    for (const FlatConfig& c : configs) {
        for (auto it = c.begin(); it != c.end(); ++it) {
            keys.insert(it.key());
        }
    }
    QStringList sorted(keys.begin(), keys.end());
    sorted.sort();
    QVector<ConfigDiffRow> out;
    for (const QString& key : sorted) {
        ConfigDiffRow row;
        row.key = key;
        row.trivial = isTrivialConfigKey(key);
        bool differs = false;
        std::optional<QJsonValue> first;  // of the configs the key matters to
        for (const FlatConfig& c : configs) {
            if (!configKeyMatters(c, key)) {
                row.values.push_back(QJsonValue(QJsonValue::Undefined));
                continue;
            }
            const auto it = c.constFind(key);
            row.values.push_back(it == c.cend() ? QJsonValue(QJsonValue::Undefined) : *it);
            if (!first) {
                first = row.values.last();
            } else if (row.values.last() != *first) {
                differs = true;
            }
        }
        if (differs) {
            out.push_back(std::move(row));
        }
    }
    return out;
}

QString seedGroupKey(const FlatConfig& config) {
    QJsonObject object;
    for (auto it = config.begin(); it != config.end(); ++it) {
        if (!isTrivialConfigKey(it.key())) {
            object.insert(it.key(), it.value());
        }
    }
    // QJsonObject keeps its keys sorted: equal configs give equal text.
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString configValueText(const QJsonValue& value) {
    switch (value.type()) {
        case QJsonValue::Undefined:
            return QStringLiteral("\u2014");
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Bool:
            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        case QJsonValue::Double:
            return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
        case QJsonValue::String:
            return value.toString();
        case QJsonValue::Array:
            return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        case QJsonValue::Object:
            return QString::fromUtf8(
                QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

}  // namespace lossstudio::ui
