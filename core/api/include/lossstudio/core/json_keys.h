#pragma once

#include <string>

#include <lossstudio/core/result.h>

namespace lossstudio::core {

/// Checks that `text` is JSON whose objects name no key twice: JSON parsers keep a repeated key's
/// last value and silently drop the first (a repeated "data" group would lose its dataset). The
/// error names the first repeat by its dotted path ("config key 'data.name' appears twice ...")
/// or says why the text is not JSON. parseRunConfig checks this itself; the studio's config
/// loader, which reads with Qt's JSON, calls it first.
Status checkJsonKeys(const std::string& text);

/// The config a config file holds: a preset file ({"title": ..., "description": ...,
/// "config": {...}}, as resources/presets/ are) wraps it, any other file is the config itself.
/// The whole file is checked first (checkJsonKeys), so a repeat inside a preset is refused too.
Result<std::string> configTextOf(const std::string& fileText);

}  // namespace lossstudio::core
