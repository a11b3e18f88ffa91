// Percent-decoding for URL paths and query strings.
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// Appends `in` percent-decoded to `out`. Malformed escapes ("%zz", a trailing "%") are kept
// literally rather than rejected, so a decoded value never loses bytes. With `plusAsSpace`,
// '+' becomes ' ' (form encoding, as API Gateway decodes query strings).
void appendPercentDecoded(std::string& out, std::string_view in, bool plusAsSpace);

// True when `in` contains something appendPercentDecoded would change.
bool needsDecoding(std::string_view in, bool plusAsSpace);

// Calls fn(name, value) for each "name=value" pair of a raw query string, both decoded with
// '+' as space. Empty pairs ("a=1&&b=2") are skipped; "flag" without '=' has the value "".
template <typename Fn>
void forEachQueryParameter(std::string_view query, Fn&& fn) {
  std::string name;
  std::string value;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    name.clear();
    value.clear();
    appendPercentDecoded(name, pair.substr(0, eq), true);
    if (eq != std::string_view::npos) appendPercentDecoded(value, pair.substr(eq + 1), true);
    fn(std::string_view(name), std::string_view(value));
  }
}

// `in` percent-decoded (see appendPercentDecoded).
std::string percentDecode(std::string_view in, bool plusAsSpace = false);

// The decoded value of parameter `name` in a raw query string ("a=1&b=x%20y"), or "" if absent.
std::string queryParameter(std::string_view query, std::string_view name);

}  // namespace nimbus
