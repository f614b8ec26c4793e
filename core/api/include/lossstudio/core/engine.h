#pragma once

#include <functional>
#include <string>

#include <lossstudio/core/events.h>
#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/run_control.h>

namespace lossstudio::core {

/// What the training engine is built on, as a value (for the About box, run records, warnings).
struct EngineInfo {
    std::string torchVersion;      ///< e.g. "1.13.1"; empty when no engine is linked
    std::string blas;              ///< e.g. "OpenBLAS 0.3.21 (openmp)"
    bool blasIsReference = false;  ///< the unoptimised reference BLAS (about 25x slower)
    bool cudaAvailable = false;
};

/// Runs one experiment synchronously on the calling thread, as core::Trainer::run does: events go
/// to the observer on that thread, every failure ends in the returned Finished.
using RunFunction = std::function<Finished(const RunConfig& config, Observer& observer,
                                           RunControl& control, const std::string& checkpoint)>;

/// The engine as the torch-free modules see it: app/ hands the studio core::libtorchEngine()
/// (lossstudio::engine), so lossstudio::ui never links LibTorch. A default-constructed Engine has
/// no run function: a run started with it fails with a message saying so.
struct Engine {
    RunFunction run;
    EngineInfo info;
};

}  // namespace lossstudio::core
