// `nimbus info`: what a running nimbus serves — its AWS endpoint, the account's concurrency,
// and each function with its configuration — read through its Lambda API.
#pragma once

#include <string>

namespace nimbus::client {

struct InfoOptions {
  std::string endpoint = "http://127.0.0.1:4566";
};

int runInfo(const InfoOptions& options);

}  // namespace nimbus::client
