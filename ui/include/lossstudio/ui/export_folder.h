#pragma once

#include <QString>

namespace lossstudio::ui {

/// Where an export's save dialog starts: `fileName` in the folder of the last export of this
/// process (rememberExportPath), else in the user's Documents folder (else home), never in the
/// process's working directory. GUI thread.
QString exportStartPath(const QString& fileName);
/// Notes the folder of `path` (a file just chosen in an export dialog) for the next export.
void rememberExportPath(const QString& path);

}  // namespace lossstudio::ui
