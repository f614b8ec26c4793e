#include "lossstudio/core/torch_info.h"

#include <fstream>
#include <string>

#include <dlfcn.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace lossstudio::core {
namespace {

/// The file the dynamic loader mapped for the system BLAS (libblas.so.3 after alternatives).
std::string mappedBlasPath() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos) {
            continue;
        }
        const std::string path = line.substr(slash);
        if (path.find("libblas.so") != std::string::npos ||
            path.find("libopenblas") != std::string::npos ||
            path.find("libmkl") != std::string::npos) {
            return path;
        }
    }
    return {};
}

}  // namespace

std::string torchVersion() { return TORCH_VERSION; }

std::string blasDescription() {
    using ConfigFn = char* (*)();
    using ParallelFn = int (*)();
    if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        std::string text = config();
        if (auto parallel = reinterpret_cast<ParallelFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
            const int mode = parallel();
            text += mode == 2 ? " (openmp)" : mode == 1 ? " (pthreads)" : " (sequential)";
        }
        return text;
    }
    const std::string path = mappedBlasPath();
    if (path.find("mkl") != std::string::npos) {
        return "Intel MKL (" + path + ")";
    }
    if (path.empty()) {
        return "unknown BLAS";
    }
    return "reference BLAS (slow; install libopenblas0-openmp): " + path;
}

bool blasIsReference() {
    return blasDescription().rfind("reference", 0) == 0;
}

bool cudaAvailable() { return torch::cuda::is_available(); }

EngineInfo engineInfo() {
    EngineInfo info;
    info.torchVersion = torchVersion();
    info.blas = blasDescription();
    info.blasIsReference = blasIsReference();
    info.cudaAvailable = cudaAvailable();
    return info;
}

}  // namespace lossstudio::core
