// `nimbus rollback`: points an alias of a function on a running nimbus back to a published
// version at once (UpdateAlias with that version and no weighted routing), so that every
// invocation through the alias runs it from the next request on. Exits 0, 1 (no such function,
// version or alias, or the server could not be reached) or 2 (bad usage or configuration).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::client {

struct RollbackOptions {
  std::string function;  // Short name from serverless.yml, or a deployed name or ARN.
  std::string version;   // A published version number.
  std::string alias = "live";
  std::string endpoint = "http://127.0.0.1:4566";
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
};

int runRollback(const RollbackOptions& options);

}  // namespace nimbus::client
