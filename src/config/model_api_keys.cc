// API keys and usage plans: `provider.apiGateway.apiKeys`, `provider.apiGateway.usagePlan` and
// `private` on events, read as the Serverless Framework v3 reads them (its config schema, and
// how it compiles them into AWS::ApiGateway::ApiKey, UsagePlan and UsagePlanKey resources).

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "config/model_builder.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// API Gateway takes key values of 20 to 128 characters.
constexpr size_t kMinKeyValue = 20;
constexpr size_t kMaxKeyValue = 128;
constexpr double kMaxInteger = 2147483647;  // The API's limits are 32-bit integers.

bool isKeyProperty(const std::string& key) {
  return key == "name" || key == "value" || key == "description" || key == "customerId" ||
         key == "enabled";
}

std::string where(const SourceLocation& location) {
  return fmt::format("{}:{}", location.file, location.line);
}

}  // namespace

bool ModelBuilder::privateRoute(const Entry& entry, HttpEvent::Kind kind) {
  if (!entry.node) return false;
  if (kind == HttpEvent::Kind::HttpApi) {
    // The Framework's schema has no `private` for httpApi events: HTTP APIs have no API keys.
    warn(entry.where, fmt::format("{} is ignored: HTTP APIs (httpApi events) have no API keys; "
                                  "use an http event for a route that requires one",
                                  entry.path));
    return false;
  }
  return booleanSetting(entry).value_or(false);
}

std::optional<UsagePlanConfig> ModelBuilder::usagePlan(const Entry& entry,
                                                       const std::string& name) {
  UsagePlanConfig plan;
  plan.name = name;
  plan.where = entry.where;
  plan.path = entry.path;
  Node& node = *entry.node;
  if (node.kind == Node::Kind::Null) return plan;
  if (node.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping (quota, throttle), got {}", node.kindName()));
    return std::nullopt;
  }
  bool ok = true;
  if (Entry quota = get(node, "quota", entry.path); quota.node) {
    if (quota.node->kind != Node::Kind::Map) {
      error(
          quota.where, quota.path,
          fmt::format("must be a mapping (limit, offset, period), got {}", quota.node->kindName()));
      ok = false;
    } else {
      UsagePlanConfig::Quota q;
      Entry limit = get(*quota.node, "limit", quota.path);
      if (!limit.node) {
        if (!limit.failed) error(quota.where, limit.path, "is required (requests per period)");
        ok = false;
      } else if (auto v = numberSetting(limit, 0, kMaxInteger, true)) {
        q.limit = static_cast<int64_t>(*v);
      } else {
        ok = false;
      }
      if (Entry offset = get(*quota.node, "offset", quota.path); offset.node) {
        if (auto v = numberSetting(offset, 0, kMaxInteger, true)) {
          q.offset = static_cast<int64_t>(*v);
        } else {
          ok = false;
        }
      } else if (offset.failed) {
        ok = false;
      }
      Entry period = get(*quota.node, "period", quota.path);
      if (!period.node) {
        if (!period.failed) error(quota.where, period.path, "is required: DAY, WEEK or MONTH");
        ok = false;
      } else if (auto v = stringSetting(period);
                 v && (*v == "DAY" || *v == "WEEK" || *v == "MONTH")) {
        q.period = *v;
      } else {
        if (v)
          error(period.where, period.path, fmt::format("must be DAY, WEEK or MONTH, got '{}'", *v));
        ok = false;
      }
      warnUnsupportedKeys(*quota.node, quota.path, {"limit", "offset", "period"});
      plan.quota = q;
    }
  } else if (quota.failed) {
    ok = false;
  }
  if (Entry throttle = get(node, "throttle", entry.path); throttle.node) {
    if (throttle.node->kind != Node::Kind::Map) {
      error(throttle.where, throttle.path,
            fmt::format("must be a mapping (burstLimit, rateLimit), got {}",
                        throttle.node->kindName()));
      ok = false;
    } else {
      std::optional<double> burst, rate;
      Entry burstEntry = get(*throttle.node, "burstLimit", throttle.path);
      Entry rateEntry = get(*throttle.node, "rateLimit", throttle.path);
      if (burstEntry.node) {
        burst = numberSetting(burstEntry, 0, kMaxInteger, true);
        ok = ok && burst;
      }
      if (rateEntry.node) {
        rate = numberSetting(rateEntry, 0, kMaxInteger, true);
        ok = ok && rate;
      }
      ok = ok && !burstEntry.failed && !rateEntry.failed;
      if (burst && rate) {
        plan.throttle =
            UsagePlanConfig::Throttle{static_cast<int64_t>(*burst), static_cast<int64_t>(*rate)};
      } else if (burst || rate) {
        warn(throttle.where,
             fmt::format("{}: a usage plan's throttle needs both burstLimit and rateLimit; "
                         "without both nimbus does not throttle the plan's keys",
                         throttle.path));
      }
      warnUnsupportedKeys(*throttle.node, throttle.path, {"burstLimit", "rateLimit"});
    }
  } else if (throttle.failed) {
    ok = false;
  }
  warnUnsupportedKeys(node, entry.path, {"quota", "throttle"});
  if (!ok) return std::nullopt;
  return plan;
}

std::optional<ApiKeyConfig> ModelBuilder::apiKey(Node& item, const SourceLocation& at,
                                                 const std::string& path, const std::string& plan) {
  ApiKeyConfig key;
  key.plan = plan;
  key.where = at;
  key.path = path;
  if (item.kind == Node::Kind::String) {
    key.name = item.text;
    if (key.name.empty()) {
      error(at, path, "an API key's name cannot be empty");
      return std::nullopt;
    }
    return key;
  }
  if (item.kind != Node::Kind::Map) {
    error(at, path,
          fmt::format("must be a key name or a mapping (name, value, description, customerId, "
                      "enabled), got {}",
                      item.kindName()));
    return std::nullopt;
  }
  bool ok = true;
  Entry name = get(item, "name", path);
  if (!name.node) {
    if (!name.failed) error(at, name.path, "is required (the API key's name)");
    ok = false;
  } else if (auto v = stringSetting(name); v && !v->empty()) {
    key.name = *v;
  } else {
    if (v) error(name.where, name.path, "cannot be empty");
    ok = false;
  }
  if (Entry value = get(item, "value", path); value.node) {
    if (auto v = stringSetting(value)) {
      if (v->size() < kMinKeyValue || v->size() > kMaxKeyValue) {
        // API Gateway refuses such a value (CreateApiKey: BadRequestException).
        error(value.where, value.path,
              fmt::format("an API key value must be {} to {} characters long, got {}", kMinKeyValue,
                          kMaxKeyValue, v->size()));
        ok = false;
      } else {
        key.value = *v;
      }
    } else {
      ok = false;
    }
  } else if (value.failed) {
    ok = false;
  }
  if (Entry description = get(item, "description", path); description.node) {
    key.description = stringSetting(description).value_or("");
  }
  if (Entry customerId = get(item, "customerId", path); customerId.node) {
    key.customerId = stringSetting(customerId).value_or("");
  }
  if (Entry enabled = get(item, "enabled", path); enabled.node) {
    if (auto v = booleanSetting(enabled)) key.enabled = *v;
  }
  warnUnsupportedKeys(item, path, {"name", "value", "description", "customerId", "enabled"});
  if (!ok) return std::nullopt;
  return key;
}

void ModelBuilder::buildApiKeys(ProjectConfig& project, Node& provider, Node* apiGateway) {
  Entry source;
  if (apiGateway) source = get(*apiGateway, "apiKeySourceType", "provider.apiGateway");
  if (source.node) {
    auto value = stringSetting(source);
    std::string upperValue = upper(value.value_or(""));
    if (value && upperValue == "AUTHORIZER") {
      warn(source.where,
           fmt::format("{}: AUTHORIZER is not supported yet; nimbus reads API keys from the "
                       "x-api-key header (HEADER)",
                       source.path));
    } else if (value && upperValue != "HEADER") {
      error(source.where, source.path,
            fmt::format("must be HEADER or AUTHORIZER, got '{}'", *value));
    }
  }

  // Usage plans: a list of `NAME: {quota, throttle}`, or one mapping (the plan "default").
  Entry plans = apiGatewaySetting(provider, apiGateway, "usagePlan");
  bool planList = false;
  bool plansFailed = plans.failed;
  if (plans.node && plans.node->kind == Node::Kind::Seq) {
    planList = true;
    Node& list = *plans.node;
    for (size_t i = 0; i < list.children.size(); ++i) {
      Node& item = list.children[i];
      std::string path = itemPath(plans.path, i);
      if (!resolver_.resolveShallow(item, path)) {
        plansFailed = true;
        continue;
      }
      SourceLocation at = item.where.line > 0 ? item.where : plans.where;
      if (item.kind != Node::Kind::Map || item.keys.size() != 1) {
        error(at, path,
              "must be a mapping of one usage plan name to its settings (e.g. free: {quota: "
              "{limit: 1000, period: MONTH}})");
        plansFailed = true;
        continue;
      }
      const std::string& name = item.keys[0];
      auto same = std::find_if(project.usagePlans.begin(), project.usagePlans.end(),
                               [&](const auto& p) { return p.name == name; });
      if (same != project.usagePlans.end()) {
        error(item.keyLocations[0], childPath(path, name),
              fmt::format("duplicate usage plan '{}' (also at {})", name, where(same->where)));
        plansFailed = true;
        continue;
      }
      Entry body = get(item, name, path);
      if (!body.node) {
        plansFailed = true;
        continue;
      }
      if (auto plan = usagePlan(body, name)) {
        project.usagePlans.push_back(std::move(*plan));
      } else {
        plansFailed = true;
      }
    }
  } else if (plans.node && plans.node->kind == Node::Kind::Map) {
    if (auto plan = usagePlan(plans, "default")) {
      project.usagePlans.push_back(std::move(*plan));
    } else {
      plansFailed = true;
    }
  } else if (plans.node && plans.node->kind != Node::Kind::Null) {
    error(plans.where, plans.path,
          fmt::format("must be a mapping (quota, throttle) or a list of named usage plans, got {}",
                      plans.node->kindName()));
    plansFailed = true;
  }

  Entry keys = apiGatewaySetting(provider, apiGateway, "apiKeys");
  if (keys.node && keys.node->kind != Node::Kind::Null && keys.node->kind != Node::Kind::Seq) {
    error(keys.where, keys.path,
          fmt::format("must be a list of API keys (names, mappings with name and value, or "
                      "usage plan names with their keys), got {}",
                      keys.node->kindName()));
    return;
  }
  // The Framework makes the plan "default" for keys even without a usagePlan setting.
  bool anyKeys = keys.node && keys.node->kind == Node::Kind::Seq && !keys.node->children.empty();
  bool plansGiven = plans.node && plans.node->kind != Node::Kind::Null;
  if (anyKeys && !plansGiven && !plans.failed) {
    project.usagePlans.push_back({"default", std::nullopt, std::nullopt, keys.where, keys.path});
  }
  if (!anyKeys) return;
  auto hasPlan = [&](const std::string& name) {
    return planList && std::any_of(project.usagePlans.begin(), project.usagePlans.end(),
                                   [&](const auto& p) { return p.name == name; });
  };
  Node& list = *keys.node;
  for (size_t i = 0; i < list.children.size(); ++i) {
    Node& item = list.children[i];
    std::string path = itemPath(keys.path, i);
    if (!resolver_.resolveShallow(item, path)) continue;
    SourceLocation at = item.where.line > 0 ? item.where : keys.where;
    bool group =
        item.kind == Node::Kind::Map && item.keys.size() == 1 && !isKeyProperty(item.keys[0]);
    if (group) {
      // `- free: [key, {name, value}]`: the keys of the usage plan "free".
      const std::string& planName = item.keys[0];
      std::string groupPath = childPath(path, planName);
      if (!hasPlan(planName)) {
        if (!plansFailed) {
          error(item.keyLocations[0], groupPath,
                fmt::format("API key group '{}' has no usage plan of that name: list the plan "
                            "in provider.apiGateway.usagePlan ({})",
                            planName, planList ? "- " + planName + ": {...}" : "as a list"));
        }
        continue;
      }
      Entry members = get(item, planName, path);
      if (!members.node) continue;
      if (members.node->kind != Node::Kind::Seq) {
        error(
            members.where, members.path,
            fmt::format("must be a list of the plan's API keys, got {}", members.node->kindName()));
        continue;
      }
      for (size_t k = 0; k < members.node->children.size(); ++k) {
        Node& member = members.node->children[k];
        std::string memberPath = itemPath(members.path, k);
        if (!resolver_.resolveShallow(member, memberPath)) continue;
        SourceLocation memberAt = member.where.line > 0 ? member.where : members.where;
        if (auto key = apiKey(member, memberAt, memberPath, planName)) {
          project.apiKeys.push_back(std::move(*key));
        }
      }
      continue;
    }
    if (planList) {
      // The Framework attaches such a key to a plan it only makes for the single-mapping form:
      // with a list of plans the deployment fails.
      error(at, path,
            "with a list of usage plans, every API key must be listed under its plan's name "
            "(- PLAN: [key, ...])");
      continue;
    }
    if (auto key = apiKey(item, at, path, "default")) project.apiKeys.push_back(std::move(*key));
  }

  // nimbus keeps a generated value by the key's name; API Gateway refuses a value already used.
  std::map<std::string, const ApiKeyConfig*> names, values;
  for (const auto& key : project.apiKeys) {
    if (auto [it, fresh] = names.emplace(key.name, &key); !fresh) {
      error(key.where, key.path,
            fmt::format("duplicate API key name '{}' (also at {}): a key can be in one usage "
                        "plan of a stage",
                        key.name, where(it->second->where)));
    }
    if (!key.value) continue;
    if (auto [it, fresh] = values.emplace(*key.value, &key); !fresh) {
      error(key.where, key.path,
            fmt::format("API key '{}' has the same value as '{}' ({}); API Gateway refuses a "
                        "value that is already used",
                        key.name, it->second->name, where(it->second->where)));
    }
  }
}

void ModelBuilder::checkPrivateRoutes(const ProjectConfig& project) {
  if (!project.apiKeys.empty()) return;
  for (const auto& function : project.functions) {
    for (const auto& event : function.httpEvents) {
      if (!event.apiKeyRequired) continue;
      warn(event.where,
           fmt::format("functions.{}: the route {} {} is private but provider.apiGateway.apiKeys "
                       "lists no keys, so API Gateway refuses every request to it (403)",
                       function.key, event.method, event.path));
    }
  }
}

}  // namespace nimbus::config
