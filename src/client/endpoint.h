// Where a running nimbus's AWS endpoint is, as the commands that drive it take it (--endpoint).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nimbus::client {

struct Endpoint {
  std::string host;
  uint16_t port = 4566;
};

// Parses "http://host:port" (the scheme and port are optional). nullopt when malformed or
// when the scheme is not http.
std::optional<Endpoint> parseEndpoint(const std::string& url);

}  // namespace nimbus::client
