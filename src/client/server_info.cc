#include "client/server_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "client/api_client.h"
#include "http/client.h"

namespace nimbus::client {

namespace {

std::string text(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const ServedService* ServerInfo::find(const std::string& service, const std::string& stage) const {
  for (const auto& s : services) {
    if (s.service == service && s.stage == stage) return &s;
  }
  return nullptr;
}

ServerInfoResult fetchServerInfo(const Endpoint& endpoint, const std::string& url) {
  ServerInfoResult result;
  // nimbus's own endpoint, not an AWS API: no signature.
  HttpRequest request;
  request.method = "GET";
  request.target = "/_nimbus/info";
  auto answer = http::sendRequest(endpoint.host, endpoint.port, request, std::chrono::seconds(30));
  if (!answer.ok) {
    result.transportError = unreachableText(url, answer.error);
    return result;
  }
  result.reached = true;
  if (answer.response.status != 200) return result;
  auto json = nlohmann::json::parse(answer.response.body, nullptr, false);
  if (!json.is_object()) return result;
  ServerInfo info;
  info.version = text(json, "version");
  info.gateway = text(json, "gateway");
  if (auto services = json.find("services"); services != json.end() && services->is_array()) {
    for (const auto& s : *services) {
      if (!s.is_object()) continue;
      ServedService served{text(s, "service"), text(s, "stage"), text(s, "region"), {}, {}};
      if (auto routes = s.find("routes"); routes != s.end() && routes->is_array()) {
        for (const auto& r : *routes) {
          if (!r.is_object()) continue;
          served.routes.push_back({text(r, "api"), text(r, "method"), text(r, "path"),
                                   text(r, "url"), text(r, "function")});
        }
      }
      if (auto keys = s.find("apiKeys"); keys != s.end() && keys->is_array()) {
        for (const auto& k : *keys) {
          if (!k.is_object()) continue;
          ServedApiKey key;
          key.name = text(k, "name");
          key.value = text(k, "value");
          key.description = text(k, "description");
          key.plan = text(k, "plan");
          key.enabled = k.value("enabled", true);
          if (auto q = k.find("quota"); q != k.end() && q->is_object()) {
            key.quotaPeriod = text(*q, "period");
            key.periodEnd = text(*q, "periodEnd");
            key.quotaLimit = q->value("limit", int64_t{0});
            key.quotaUsed = q->value("used", int64_t{0});
          }
          served.apiKeys.push_back(std::move(key));
        }
      }
      info.services.push_back(std::move(served));
    }
  }
  if (auto kept = json.find("resources"); kept != json.end() && kept->is_array()) {
    for (const auto& r : *kept) {
      if (r.is_object())
        info.resources.push_back({text(r, "kind"), text(r, "name"), text(r, "detail")});
    }
  }
  static const nlohmann::json kNone = nlohmann::json::array();
  auto concurrency = json.find("concurrency");
  const nlohmann::json& functions =
      concurrency != json.end() && concurrency->is_object() && concurrency->contains("functions")
          ? (*concurrency)["functions"]
          : kNone;
  if (functions.is_array()) {
    for (const auto& f : functions) {
      if (!f.is_object()) continue;
      FunctionFigures figures;
      if (auto r = f.find("reserved"); r != f.end() && r->is_number_integer()) {
        figures.reserved = r->get<int>();
      }
      figures.running = f.value("running", 0);
      figures.throttles = f.value("throttles", int64_t{0});
      for (const auto& v : f.value("versions", nlohmann::json::array())) {
        figures.coldStarts += v.value("coldStarts", int64_t{0});
        figures.environments += v.value("environments", int64_t{0});
        if (auto p = v.find("provisioned"); p != v.end() && p->is_object()) {
          figures.provisionedRequested += p->value("requested", 0);
          figures.provisionedAvailable += p->value("available", 0);
        }
      }
      info.functions[text(f, "name")] = figures;
    }
  }
  result.info = std::move(info);
  return result;
}

void printEndpoints(const std::vector<ServedRoute>& routes) {
  if (routes.empty()) {
    fmt::print("endpoints: none\n");
    return;
  }
  fmt::print("endpoints:\n");
  for (const auto& r : routes) {
    fmt::print("  {} - {} ({})\n", r.method, r.url.empty() ? r.path : r.url, r.function);
  }
}

void printApiKeys(const std::vector<ServedApiKey>& keys) {
  if (keys.empty()) return;
  fmt::print("api keys:\n");
  for (const auto& k : keys) {
    fmt::print("  {}: {}{}{}\n", k.name, k.value,
               k.description.empty() ? "" : " - " + k.description, k.enabled ? "" : " (disabled)");
    if (k.plan.empty()) continue;
    if (k.quotaPeriod.empty()) {
      fmt::print("    usage plan {}: no quota\n", k.plan);
    } else {
      std::string period = k.quotaPeriod;
      for (char& c : period) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      fmt::print("    usage plan {}: {} of {} requests used this {} (until {})\n", k.plan,
                 k.quotaUsed, k.quotaLimit, period, k.periodEnd);
    }
  }
}

void printResources(const std::vector<ServedResource>& resources) {
  std::vector<std::string> kinds;
  for (const auto& r : resources) {
    if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) kinds.push_back(r.kind);
  }
  for (const auto& kind : kinds) {
    fmt::print("{}:\n", kind.ends_with("s") ? kind + "es" : kind + "s");
    for (const auto& r : resources) {
      if (r.kind != kind) continue;
      fmt::print("  {}{}\n", r.name, r.detail.empty() ? "" : "  (" + r.detail + ")");
    }
  }
}

}  // namespace nimbus::client
