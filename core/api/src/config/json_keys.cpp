#include "config/json_keys.h"

#include <set>
#include <vector>

#include "lossstudio/core/json_keys.h"

namespace lossstudio::core {
namespace config {

Status parseJsonOnce(const std::string& text, nlohmann::ordered_json& out) {
    using json = nlohmann::ordered_json;
    struct Open {
        std::set<std::string> keys;
        std::string current;
    };
    std::vector<Open> open;
    std::string repeated;
    const json::parser_callback_t noteKeys = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
            open.emplace_back();
        } else if (event == json::parse_event_t::object_end && !open.empty()) {
            open.pop_back();
        } else if (event == json::parse_event_t::key && !open.empty()) {
            open.back().current = parsed.get<std::string>();
            if (!open.back().keys.insert(open.back().current).second && repeated.empty()) {
                for (const Open& level : open) {
                    repeated += (repeated.empty() ? "" : ".") + level.current;
                }
            }
        }
        return true;
    };
    try {
        out = json::parse(text, noteKeys);
    } catch (const json::exception& e) {  // parse errors, and numbers too large for a double
        return Error{std::string("config is not valid JSON: ") + e.what()};
    }
    if (!repeated.empty()) {
        return Error{"config key '" + repeated +
                         "' appears twice in one object; JSON keeps only the last, so give it once",
                     repeated};
    }
    return {};
}

}  // namespace config

Status checkJsonKeys(const std::string& text) {
    nlohmann::ordered_json ignored;
    return config::parseJsonOnce(text, ignored);
}

Result<std::string> configTextOf(const std::string& fileText) {
    nlohmann::ordered_json document;
    if (Status s = config::parseJsonOnce(fileText, document); !s) {
        return s.failure();
    }
    if (document.is_object() && document.contains("title") && document.contains("config") &&
        document["config"].is_object()) {
        return document["config"].dump();
    }
    return fileText;
}

}  // namespace lossstudio::core
