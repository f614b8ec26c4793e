#pragma once

#include <string>

namespace lossstudio::core {

/// The application version (from CMake's project()).
std::string appVersion();
/// Number of logical CPU cores.
int hardwareThreads();

}  // namespace lossstudio::core
