#include "lossstudio/core/version.h"

#include <thread>

#include "lossstudio_build_info.h"

namespace lossstudio::core {

std::string appVersion() {
    return LOSSSTUDIO_VERSION_STRING;
}

int hardwareThreads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace lossstudio::core
