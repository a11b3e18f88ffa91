#include "client/endpoint.h"

#include <charconv>

namespace nimbus::client {

std::optional<Endpoint> parseEndpoint(const std::string& url) {
  std::string_view rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return std::nullopt;
  }
  rest = rest.substr(0, rest.find('/'));
  Endpoint e;
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(rest);
  } else {
    e.host = std::string(rest.substr(0, colon));
    auto digits = rest.substr(colon + 1);
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    e.port = static_cast<uint16_t>(port);
  }
  if (e.host.empty()) return std::nullopt;
  return e;
}

}  // namespace nimbus::client
