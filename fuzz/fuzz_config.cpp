// libFuzzer target: the run config parser, complete (the CLI) and per value (the studio's editor),
// and for an accepted config, its JSON round trip.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <lossstudio/core/run_config.h>

#include "fuzz_support.h"

using namespace lossstudio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (const bool complete : {true, false}) {
        const auto parsed =
            complete ? core::parseRunConfig(text) : core::parseRunConfigValues(text);
        if (!parsed.ok()) {
            fuzz::expectClearError(parsed.error(), "");
            continue;
        }
        // What was accepted writes back to JSON that parses to the same config.
        const auto again = core::parseRunConfigValues(core::toJson(parsed.value(), 0));
        if (!again.ok() || core::toJson(again.value(), 0) != core::toJson(parsed.value(), 0)) {
            std::abort();
        }
    }
    return 0;
}
