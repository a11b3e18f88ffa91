// A small blocking HTTP/1.1 client for the command line and tests (never on the serving path).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/http_message.h"

namespace nimbus::http {

struct ClientResult {
  bool ok = false;
  std::string error;  // Set when !ok: connection refused, timeout, protocol error.
  HttpResponse response;
};

// Sends `request` (method, target, headers, body) to host:port and waits for the answer.
ClientResult sendRequest(const std::string& host, uint16_t port, const HttpRequest& request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace nimbus::http
