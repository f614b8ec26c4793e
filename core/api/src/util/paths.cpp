#include "lossstudio/core/paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace lossstudio::core {

std::string dataDirectory() {
    namespace fs = std::filesystem;
    fs::path base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && xdg[0] == '/') {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
        base = fs::path(home) / ".local" / "share";
    } else {
        base = fs::temp_directory_path();
    }
    const fs::path dir = base / "lossstudio";
    std::error_code ec;
    fs::create_directories(dir, ec);  // reported by whoever then fails to write there
    return dir.string();
}

std::string defaultFashionMnistDirectory() {
    if (const char* env = std::getenv("LOSSSTUDIO_FASHION_MNIST"); env != nullptr && env[0] != '\0') {
        return env;
    }
    return "/usr/share/datasets/fashion-mnist";
}

}  // namespace lossstudio::core
