#include "store_location.h"

#include <QDir>

#include <lossstudio/core/paths.h>
#include <lossstudio/storage/store.h>

namespace lossstudio::app {

QString defaultStorePath() {
    return QDir(QString::fromStdString(core::dataDirectory()))
        .filePath(QString::fromLatin1(storage::kDefaultStoreFileName));
}

QString storePath(const QString& dbOption) {
    return dbOption.isEmpty() ? defaultStorePath() : dbOption;
}

}  // namespace lossstudio::app
