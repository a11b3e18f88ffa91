// Percent-decoding for URL paths and query strings.
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// Decodes %XX escapes; a malformed escape is kept as it is. With `plusAsSpace`, '+' is ' '
// (form encoding, as query strings use it).
std::string percentDecode(std::string_view in, bool plusAsSpace = false);

// The decoded value of parameter `name` in a raw query string ("a=1&b=x%20y"), or "" if absent.
std::string queryParameter(std::string_view query, std::string_view name);

}  // namespace nimbus
