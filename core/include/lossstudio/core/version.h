#pragma once

#include <string>

namespace lossstudio::core {

/// The application version (from CMake's project()).
std::string appVersion();
/// The LibTorch version core was built against, e.g. "1.13.1".
std::string torchVersion();
/// The BLAS library LibTorch is using in this process, e.g. "OpenBLAS 0.3.21 (openmp)", or
/// "reference BLAS (slow)". Thread-safe.
std::string blasDescription();
/// True when the BLAS in use is the unoptimised reference implementation.
bool blasIsReference();
/// Whether LibTorch reports a usable CUDA device.
bool cudaAvailable();
/// Number of logical CPU cores.
int hardwareThreads();

}  // namespace lossstudio::core
