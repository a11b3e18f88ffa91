// `nimbus serve`: loads the project, starts the gateway, the AWS endpoint and the Lambda core,
// deploys, reloads on change and stops cleanly on SIGINT/SIGTERM.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::server {

struct ServeOptions {
  std::filesystem::path configFile = "serverless.yml";
  // When false and configFile does not exist, nimbus serves no project: only the AWS endpoint,
  // with the functions created through it (`nimbus deploy`, the Lambda API).
  bool configRequired = true;
  std::string version;  // nimbus's version, for /_nimbus/info.
  std::optional<std::string> stage;
  std::optional<std::string> region;
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
  uint16_t awsPort = 4566;
  std::filesystem::path dataDir;  // Empty: ".nimbus" beside serverless.yml.
  std::chrono::milliseconds idleTimeout = std::chrono::minutes(10);
  int concurrencyLimit = 1000;
  bool watch = true;
  // Base of the asynchronous retry backoff (Lambda: one minute, then two).
  std::chrono::milliseconds asyncRetryDelay = std::chrono::minutes(1);
  size_t maxAsyncPayloadBytes = 1024 * 1024;
  size_t maxSyncPayloadBytes = 6 * 1024 * 1024;  // Each way, as Lambda's 6 MB.
  unsigned ioThreads = 0;                        // 0: one per core.
};

// Runs until SIGINT or SIGTERM. Returns the process exit code (0, 1 at run time, 2 for bad
// configuration), having printed why.
int serve(const ServeOptions& options);

}  // namespace nimbus::server
