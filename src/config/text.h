// Small text helpers the configuration readers share.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::config {

// ASCII case conversions (YAML keys, methods, enum-like settings are ASCII).
std::string upper(std::string text);
std::string lower(std::string text);

// `text` without leading and trailing whitespace.
std::string trim(std::string_view text);

}  // namespace nimbus::config
