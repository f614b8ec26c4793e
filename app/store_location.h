#pragma once

#include <QString>

namespace lossstudio::app {

/// Where runs are stored unless --db says otherwise: <XDG data dir>/lossstudio/runs.sqlite
/// (core::dataDirectory(), which creates the folder). Thread-safe.
QString defaultStorePath();

/// The store named by a --db value, or the default one when it is empty.
QString storePath(const QString& dbOption);

}  // namespace lossstudio::app
