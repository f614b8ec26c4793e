#include "store_location.h"

#include <QDir>

#include <lossstudio/core/paths.h>
#include <lossstudio/storage/store.h>

namespace lossstudio::app {

QString defaultStorePath() {
    return QDir(QString::fromStdString(core::dataDirectory()))
        .filePath(QString::fromLatin1(storage::kDefaultStoreFileName));
}

core::Result<QString> storePath(const std::optional<QString>& dbOption) {
    if (!dbOption) {
        return defaultStorePath();
    }
    if (dbOption->trimmed().isEmpty()) {
        return core::Error{
            "--db was given an empty path: name the store file, or leave --db out for the "
            "default store"};
    }
    return *dbOption;
}

}  // namespace lossstudio::app
