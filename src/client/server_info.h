// What a running nimbus says about itself at GET {endpoint}/_nimbus/info: its version, its API
// Gateway address, and the HTTP routes of each service it serves, as `serverless info` lists a
// service's endpoints.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/endpoint.h"

namespace nimbus::client {

struct ServedRoute {
  std::string api;  // "httpApi" or "rest".
  std::string method, path, url, function;
};

// An API key of the service's REST API, with its use of its usage plan's quota this period.
struct ServedApiKey {
  std::string name, value, description, plan;
  bool enabled = true;
  std::string quotaPeriod;  // "DAY", "WEEK", "MONTH"; empty when the plan has no quota.
  std::string periodEnd;    // When the period ends (ISO 8601, UTC).
  int64_t quotaLimit = 0, quotaUsed = 0;
};

struct ServedService {
  std::string service, stage, region;
  std::vector<ServedRoute> routes;
  std::vector<ServedApiKey> apiKeys;
};

// One function's concurrency as the server counts it.
struct FunctionFigures {
  std::optional<int> reserved;
  int running = 0;
  int64_t throttles = 0;
  int64_t coldStarts = 0;  // All versions together.
  int64_t environments = 0;
  int provisionedRequested = 0;  // Provisioned environments, all versions together.
  int provisionedAvailable = 0;
};

// Something a service keeps (a bucket, a bus, a rule, a schedule) with a short detail.
struct ServedResource {
  std::string kind, name, detail;
};

struct ServerInfo {
  std::string version;
  std::vector<ServedResource> resources;
  std::string gateway;  // "http://127.0.0.1:3000".
  std::vector<ServedService> services;
  std::map<std::string, FunctionFigures> functions;  // By function name.

  // The entry of that service and stage, or null when nimbus serves another project or stage.
  const ServedService* find(const std::string& service, const std::string& stage) const;
};

struct ServerInfoResult {
  bool reached = false;
  std::string transportError;      // When !reached: already phrased for people.
  std::optional<ServerInfo> info;  // nullopt when the server does not offer it (an older one).
};

ServerInfoResult fetchServerInfo(const Endpoint& endpoint, const std::string& url);

// "endpoints:" and one line per route, "  GET - http://127.0.0.1:3000/items/{id} (fn)", or
// "endpoints: none".
void printEndpoints(const std::vector<ServedRoute>& routes);

// "api keys:" and per key "  name: value - description" as `serverless info` prints them, then
// the key's usage plan and quota use; nothing when there are no keys.
void printApiKeys(const std::vector<ServedApiKey>& keys);

// "buckets:", "rules:", ... and one line per resource of that kind, "  name  (detail)".
void printResources(const std::vector<ServedResource>& resources);

}  // namespace nimbus::client
