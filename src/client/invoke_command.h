// `nimbus invoke`: invokes a function on a running nimbus through its Lambda API, prints the
// result (and, with --log, the end of the invocation's log), and exits 0, 1 (the function or
// the server failed) or 2 (bad usage or configuration).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::client {

struct InvokeOptions {
  std::string function;             // Short name from serverless.yml, or a deployed name or ARN.
  std::optional<std::string> data;  // Event JSON.
  std::optional<std::filesystem::path> path;  // File holding the event JSON.
  std::string type = "RequestResponse";
  std::string qualifier;
  bool log = false;
  std::string endpoint = "http://127.0.0.1:4566";
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
};

int runInvoke(const InvokeOptions& options);

}  // namespace nimbus::client
