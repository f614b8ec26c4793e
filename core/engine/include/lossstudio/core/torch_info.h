#pragma once

#include <string>

#include <lossstudio/core/engine.h>

namespace lossstudio::core {

/// The LibTorch version the engine was built against, e.g. "1.13.1".
std::string torchVersion();
/// The BLAS library LibTorch is using in this process, e.g. "OpenBLAS 0.3.21 (openmp)", or
/// "reference BLAS (slow)". Thread-safe.
std::string blasDescription();
/// True when the BLAS in use is the unoptimised reference implementation.
bool blasIsReference();
/// Whether LibTorch reports a usable CUDA device.
bool cudaAvailable();
/// All of the above as one value.
EngineInfo engineInfo();

}  // namespace lossstudio::core
