#pragma once

// Settings added to RunConfig after runs were already recorded and checkpointed. A run started
// before a setting existed behaved as the setting's *legacy* value says (collapse.max_restores:
// no cap); configHash leaves such a setting out while it holds that value, so a checkpoint written
// by an earlier version still matches its config, and the engine resumes such a run with the
// legacy values: it goes on exactly as it was started.

#include <string>

#include "lossstudio/core/run_config.h"

namespace lossstudio::core {

/// collapse.max_restores as it was before the setting: restores were never capped.
constexpr std::int64_t kLegacyMaxRestores = 1000000000000000;  // the field's maximum, 1e15

/// `config` with every late setting at its legacy value.
RunConfig withLegacyValues(const RunConfig& config);

/// The late settings `config` does not hold at their legacy values, as "key = value" text for a
/// message ("collapse.max_restores = 3"); empty when there are none.
std::string lateSettingsChanged(const RunConfig& config);

}  // namespace lossstudio::core
