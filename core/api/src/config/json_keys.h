#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "lossstudio/core/result.h"

namespace lossstudio::core::config {

/// Parses `text` into `out`, refusing a key repeated in one object (named by its dotted path)
/// and turning every parser exception (syntax, a number too large for a double) into an Error.
Status parseJsonOnce(const std::string& text, nlohmann::ordered_json& out);

}  // namespace lossstudio::core::config
