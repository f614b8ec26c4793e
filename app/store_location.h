#pragma once

#include <QString>
#include <optional>

#include <lossstudio/core/result.h>

namespace lossstudio::app {

/// Where runs are stored unless --db says otherwise: <XDG data dir>/lossstudio/runs.sqlite
/// (core::dataDirectory(), which creates the folder). Thread-safe.
QString defaultStorePath();

/// The store a --db option names: its value, or the default store without the option. An
/// empty value is an error (it once meant the default store without a word), for lossstudio,
/// lossstudio-cli run and runs alike.
core::Result<QString> storePath(const std::optional<QString>& dbOption);

}  // namespace lossstudio::app
