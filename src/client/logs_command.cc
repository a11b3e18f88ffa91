#include "client/logs_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <set>
#include <thread>

#include "client/api_client.h"
#include "client/command_project.h"
#include "core/time_format.h"

namespace nimbus::client {

namespace {

constexpr const char* kDim = "\033[2m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kReset = "\033[0m";

bool useColour() {
  return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

// "2026-12-08 01:02:03.456 (+00:00)": how `serverless logs` shows an event's time.
std::string eventTime(int64_t epochMs) {
  return fmt::format("{}.{:03} (+00:00)", utcText(epochMs, "%Y-%m-%d %H:%M:%S"), epochMs % 1000);
}

// One event as a line: the runtime's own lines ("<ISO time>\t<request id>\tINFO\t...") keep their
// fields with the time made readable, the platform's START/END/REPORT are dimmed, errors red.
std::string formatEvent(int64_t timestampMs, std::string message, bool colour) {
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  // Records that span lines come with '\r' for their inner breaks.
  for (char& c : message) {
    if (c == '\r') c = '\n';
  }
  bool platform = message.starts_with("START RequestId:") ||
                  message.starts_with("END RequestId:") ||
                  message.starts_with("REPORT RequestId:") || message.starts_with("INIT_START") ||
                  message.starts_with("INIT_REPORT");
  std::string body = message;
  auto tab = message.find('\t');
  bool runtimeLine = tab == 24 && message[10] == 'T' && message[23] == 'Z';
  if (runtimeLine) body = message.substr(tab + 1);
  std::string line = platform ? message : eventTime(timestampMs) + "\t" + body;
  if (!colour) return line;
  if (platform) return kDim + line + kReset;
  if (body.find("\tERROR\t") != std::string::npos || body.find("ERROR") == 37) {
    return kRed + line + kReset;
  }
  if (body.find("\tWARN\t") != std::string::npos) return kYellow + line + kReset;
  return line;
}

}  // namespace

std::optional<int64_t> parseStartTime(const std::string& text, int64_t nowMs) {
  if (text.empty()) return std::nullopt;
  // "30m", "2h", "1d", "45s": that long ago.
  char unit = text.back();
  std::string number = text.substr(0, text.size() - 1);
  if (std::string("smhd").find(unit) != std::string::npos && !number.empty() &&
      number.find_first_not_of("0123456789") == std::string::npos) {
    int64_t n = std::stoll(number);
    int64_t unitMs = unit == 's'   ? 1000
                     : unit == 'm' ? 60'000
                     : unit == 'h' ? 3'600'000
                                   : 86'400'000;
    return nowMs - n * unitMs;
  }
  // Epoch milliseconds.
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() >= 10) {
    return std::stoll(text);
  }
  // "2026-12-08", "2026-12-08T10:00", "2026-12-08T10:00:00Z", "2026-12-08 10:00:00", in UTC.
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d", &year, &month, &day,
                           &hour, &minute, &second);
  if (fields < 3 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int runLogs(const LogsOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  int64_t start = nowMs() - 10 * 60'000;
  if (options.startTime) {
    auto parsed = parseStartTime(*options.startTime, nowMs());
    if (!parsed) {
      fmt::print(stderr,
                 "error: --startTime '{}' is not a time: give 30m, 2h, 1d, a date such as "
                 "2026-12-08, an ISO time or epoch milliseconds\n",
                 *options.startTime);
      return 2;
    }
    start = *parsed;
  }
  auto target = resolveFunctionTarget(options.function, options.configFile, options.stage);
  if (!target) return 2;
  std::string group = "/aws/lambda/" + target->name;
  ApiClient logs(*endpoint, options.endpoint, target->region, "logs");
  bool colour = useColour();

  // Events at the newest timestamp printed so far, so that the next poll (which starts at that
  // timestamp again, to miss nothing written in the same millisecond) skips them.
  std::set<std::string> seenAtNewest;
  int64_t newest = start;
  bool printedAny = false;
  for (;;) {
    std::string token;
    do {
      nlohmann::json request{{"logGroupName", group}, {"startTime", newest}};
      if (!options.filter.empty()) request["filterPattern"] = options.filter;
      if (!token.empty()) request["nextToken"] = token;
      auto r = logs.callJson11("Logs_20140328.FilterLogEvents", request);
      if (!r.ok()) {
        if (r.reached && r.errorType == "ResourceNotFoundException") {
          if (options.tail) break;  // Nothing written yet: the group appears with the first line.
          fmt::print(stderr, "error: {} has no logs yet (no log group {})\n", target->name, group);
          return 1;
        }
        fmt::print(stderr, "error: {}\n", r.errorText());
        return 1;
      }
      for (const auto& event : r.json.value("events", nlohmann::json::array())) {
        int64_t ts = event.value("timestamp", int64_t{0});
        std::string id = event.value("eventId", "");
        if (ts == newest && seenAtNewest.contains(id)) continue;
        if (ts > newest) {
          newest = ts;
          seenAtNewest.clear();
        }
        seenAtNewest.insert(id);
        fmt::print("{}\n", formatEvent(ts, event.value("message", ""), colour));
        printedAny = true;
      }
      std::fflush(stdout);
      token = r.json.value("nextToken", "");
    } while (!token.empty());
    if (!options.tail) break;
    std::this_thread::sleep_for(options.interval);
  }
  if (!printedAny)
    fmt::print(stderr, "no log events for {} since {}\n", target->name, eventTime(start));
  return 0;
}

}  // namespace nimbus::client
