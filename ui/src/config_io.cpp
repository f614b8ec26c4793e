#include "lossstudio/ui/config_io.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QRegularExpression>
#include <QSaveFile>
#include <cmath>

#include <lossstudio/core/json_keys.h>

namespace lossstudio::ui {
namespace {

const core::ConfigField* findField(const std::string& key) {
    for (const auto& field : core::configFields()) {
        if (field.key == key) {
            return &field;
        }
    }
    return nullptr;
}

/// A JSON value as the text core::setConfigValue parses for a non-string key.
QString valueText(const QJsonValue& value) {
    switch (value.type()) {
        case QJsonValue::Bool:
            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        case QJsonValue::Double: {
            const double d = value.toDouble();
            if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
                return QString::number(static_cast<qint64>(d));
            }
            return QString::number(d, 'g', 17);
        }
        case QJsonValue::Array:
            return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        case QJsonValue::Object:
            return QString::fromUtf8(
                QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        case QJsonValue::String: {
            // Quoted, so a number key given a string is a type error that names the key.
            QJsonArray wrapper{value};
            QString text = QString::fromUtf8(QJsonDocument(wrapper).toJson(QJsonDocument::Compact));
            return text.mid(1, text.size() - 2);
        }
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            return QStringLiteral("null");
    }
    return {};
}

core::Status applyObject(core::RunConfig& config, const QJsonObject& object,
                         const QString& prefix) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix + it.key();
        const std::string stdKey = key.toStdString();
        const core::ConfigField* field = findField(stdKey);
        const QJsonValue value = it.value();
        if (field == nullptr && value.isObject()) {
            if (core::Status s = applyObject(config, value.toObject(), key + QLatin1Char('.'));
                !s) {
                return s;
            }
            continue;
        }
        if (field != nullptr && field->type == core::ConfigType::String) {
            if (!value.isString()) {
                return core::Error{"config key '" + stdKey + "' must be a string, got " +
                                   valueText(value).toStdString()};
            }
            if (core::Status s =
                    core::setConfigValue(config, stdKey, value.toString().toStdString());
                !s) {
                return s;
            }
            continue;
        }
        if (core::Status s = core::setConfigValue(config, stdKey, valueText(value).toStdString());
            !s) {
            return s;
        }
    }
    return {};
}

}  // namespace

core::Status applyConfigObject(core::RunConfig& config, const QJsonObject& object) {
    return applyObject(config, object, QString());
}

core::Status applyConfigJson(core::RunConfig& config, const QByteArray& json) {
    // The engine's parser first: it refuses a repeated key, which Qt's JSON would silently keep
    // the last of, and takes a preset file's config out of its wrapper (as lossstudio-cli does).
    const auto text = core::configTextOf(json.toStdString());
    if (!text.ok()) {
        return core::Error{text.error()};
    }
    QJsonParseError error;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromStdString(text.value()), &error);
    if (error.error != QJsonParseError::NoError) {
        return core::Error{"not valid JSON at offset " + std::to_string(error.offset) + ": " +
                           error.errorString().toStdString()};
    }
    if (!document.isObject()) {
        return core::Error{"a config must be a JSON object"};
    }
    return applyConfigObject(config, document.object());
}

core::Result<core::RunConfig> readConfigFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return core::Error{path.toStdString() + ": cannot read (" +
                           file.errorString().toStdString() + ")"};
    }
    core::RunConfig config;
    if (core::Status s = applyConfigJson(config, file.readAll()); !s) {
        return core::Error{path.toStdString() + ": " + s.error()};
    }
    return config;
}

core::Status writeConfigFile(const QString& path, const core::RunConfig& config) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return core::Error{path.toStdString() + ": cannot write (" +
                           file.errorString().toStdString() + ")"};
    }
    const std::string text = core::toJson(config, 2) + "\n";
    file.write(text.data(), static_cast<qint64>(text.size()));
    if (!file.commit()) {
        return core::Error{path.toStdString() + ": cannot write (" +
                           file.errorString().toStdString() + ")"};
    }
    return {};
}

QString configValueText(const core::RunConfig& config, const std::string& key) {
    const auto value = core::configValue(config, key);
    if (!value.ok()) {
        return {};
    }
    const QByteArray json = QByteArray("[") + QByteArray::fromStdString(value.value()) + "]";
    const QJsonValue parsed = QJsonDocument::fromJson(json).array().at(0);
    if (parsed.isString()) {
        return parsed.toString();
    }
    if (parsed.isArray()) {
        QStringList items;
        for (const QJsonValue item : parsed.toArray()) {
            items.push_back(valueText(item));
        }
        return items.join(QStringLiteral(", "));
    }
    return QString::fromStdString(value.value());
}

QString keyNamedIn(const QString& message) {
    static const QRegularExpression pattern(QStringLiteral("config key '([^']+)'"));
    const auto match = pattern.match(message);
    return match.hasMatch() ? match.captured(1) : QString();
}

}  // namespace lossstudio::ui
