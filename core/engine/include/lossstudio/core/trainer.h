#pragma once

#include <string>

#include <lossstudio/core/engine.h>
#include <lossstudio/core/events.h>
#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/run_control.h>

namespace lossstudio::core {

/// The training engine's facade. Torch stays behind it.
class Trainer final {
public:
    /// Runs one experiment synchronously on the calling thread (normally a worker thread), sending
    /// events to `observer` on this thread. Never throws: every failure ends in a Finished event
    /// (and the returned value) with status Failed or Diverged and a message. `checkpoint`, if not
    /// empty, holds CheckpointSaved::data of an earlier run of the same config to resume from.
    static Finished run(const RunConfig& config, Observer& observer, RunControl& control,
                        const std::string& checkpoint = {});

    /// The step and phase a checkpoint resumes at, or an Error if the bytes are not a checkpoint.
    static Result<std::string> describeCheckpoint(const std::string& checkpoint);
};

/// This engine as the torch-free modules take it: Trainer::run and engineInfo() (torch_info.h).
Engine libtorchEngine();

}  // namespace lossstudio::core
