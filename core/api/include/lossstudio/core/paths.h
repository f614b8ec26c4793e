#pragma once

#include <string>

namespace lossstudio::core {

/// The user's data directory for LossStudio: $XDG_DATA_HOME/lossstudio, or
/// ~/.local/share/lossstudio. Created if missing. Thread-safe.
std::string dataDirectory();
/// Where the default Fashion-MNIST files live (the Debian package dataset-fashion-mnist).
std::string defaultFashionMnistDirectory();

}  // namespace lossstudio::core
