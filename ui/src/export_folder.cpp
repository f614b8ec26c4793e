#include "lossstudio/ui/export_folder.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace lossstudio::ui {
namespace {

QString& lastFolder() {
    static QString folder;
    return folder;
}

}  // namespace

QString exportStartPath(const QString& fileName) {
    QString folder = lastFolder();
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    }
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = QDir::homePath();
    }
    return QDir(folder).filePath(fileName);
}

void rememberExportPath(const QString& path) {
    if (!path.isEmpty()) {
        lastFolder() = QFileInfo(path).absolutePath();
    }
}

}  // namespace lossstudio::ui
