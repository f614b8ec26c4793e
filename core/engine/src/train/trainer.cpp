#include "lossstudio/core/trainer.h"

#include <mutex>
#include <sstream>

#include <c10/util/Exception.h>
#include <torch/serialize/input-archive.h>

#include "lossstudio/core/memory.h"
#include "lossstudio/core/torch_info.h"
#include "train/engine.h"
#include "train/loss_shape.h"
#include "train/testing_hooks.h"

namespace lossstudio::core {

namespace train::testing {
namespace {
std::mutex g_injectionMutex;
Fault g_fault = Fault::None;
Phase g_injectPhase = Phase::Setup;
std::int64_t g_injectStep = -1;
int g_injectTimes = 0;
float g_flatLossThreshold = kFlatLossBelow;
}  // namespace

void inject(Fault fault, Phase phase, std::int64_t step, int times) {
    std::lock_guard<std::mutex> lock(g_injectionMutex);
    g_fault = fault;
    g_injectPhase = phase;
    g_injectStep = step;
    g_injectTimes = times;
}

void clearInjections() {
    inject(Fault::None, Phase::Setup, -1, 0);
    setFlatLossThreshold(kFlatLossBelow);
}

void setFlatLossThreshold(float threshold) {
    std::lock_guard<std::mutex> lock(g_injectionMutex);
    g_flatLossThreshold = threshold;
}

float flatLossThreshold() {
    std::lock_guard<std::mutex> lock(g_injectionMutex);
    return g_flatLossThreshold;
}

Fault faultBefore(Phase phase, std::int64_t step) {
    std::lock_guard<std::mutex> lock(g_injectionMutex);
    const bool hit =
        phase == g_injectPhase && step >= g_injectStep && step < g_injectStep + g_injectTimes;
    return hit ? g_fault : Fault::None;
}
}  // namespace train::testing

Finished Trainer::run(const RunConfig& config, Observer& observer, RunControl& control,
                      const std::string& checkpoint) {
    configureAllocator();  // before the run's first tensor: the step stays free of page faults
    if (Status valid = validate(config); !valid) {
        Finished f;
        f.status = RunStatus::Failed;
        f.message = valid.error();
        observer.onFinished(f);
        return f;
    }
    RunConfig named = config;
    if (named.name.empty()) {
        named.name = defaultRunName(config);
    }
    train::Engine engine(named, observer, control);
    return engine.run(checkpoint);
}

Result<std::string> Trainer::describeCheckpoint(const std::string& checkpoint) {
    try {
        torch::serialize::InputArchive archive;
        std::istringstream in(checkpoint);
        archive.load_from(in);
        c10::IValue phase;
        c10::IValue step;
        archive.read("phase", phase);
        archive.read("step", step);
        return std::string(phaseName(static_cast<Phase>(phase.toInt()))) + " step " +
               std::to_string(step.toInt());
    } catch (const c10::Error& e) {
        return Error{std::string("not a LossStudio checkpoint: ") + e.what_without_backtrace()};
    }
}

Engine libtorchEngine() {
    configureAllocator();
    Engine engine;
    engine.run = [](const RunConfig& config, Observer& observer, RunControl& control,
                    const std::string& checkpoint) {
        return Trainer::run(config, observer, control, checkpoint);
    };
    engine.info = engineInfo();
    return engine;
}

}  // namespace lossstudio::core
