// `nimbus logs`: prints a function's log events from a running nimbus (CloudWatch Logs'
// FilterLogEvents on its `/aws/lambda/{function}` group), as `serverless logs` does: from
// --startTime (10 minutes ago by default), through a filter pattern, and with --tail on and on as
// the function writes more. Colour on a terminal. Exits 0, 1 (nothing to show, or the server
// failed) or 2 (bad usage or configuration).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::client {

struct LogsOptions {
  std::string function;  // Short name from serverless.yml, or a deployed name.
  bool tail = false;
  std::optional<std::string> startTime;      // "30m", "2h", "1d", "2026-12-08", ISO time, epoch ms.
  std::string filter;                        // A CloudWatch Logs filter pattern.
  std::chrono::milliseconds interval{1000};  // Between polls while tailing.
  std::string endpoint = "http://127.0.0.1:4566";
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
};

int runLogs(const LogsOptions& options);

// Epoch milliseconds for a --startTime, relative to `nowMs`; nullopt when unreadable.
std::optional<int64_t> parseStartTime(const std::string& text, int64_t nowMs);

}  // namespace nimbus::client
