#include "lossstudio/ui/config_io.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QSaveFile>

namespace lossstudio::ui {

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
            items.push_back(QString::number(item.toInteger()));  // IntList is the only list
        }
        return items.join(QStringLiteral(", "));
    }
    return QString::fromStdString(value.value());
}

}  // namespace lossstudio::ui
