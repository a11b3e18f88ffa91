// The API Gateway settings of serverless.yml: what protects the functions behind the gateway.
// Read as the Serverless Framework v3 reads them (provider.apiGateway.resourcePolicy,
// provider.httpApi.cors, `cors` on http events) and, for throttling, which the Framework has no
// setting for, as the serverless-api-gateway-throttling plugin reads them.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config/model_builder.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// The headers the Framework allows when a cors setting lists none (both API kinds).
const std::vector<std::string>& defaultCorsHeaders() {
  static const std::vector<std::string> headers = {
      "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
      "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};
  return headers;
}

void addOnce(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

std::optional<double> ModelBuilder::numberSetting(const Entry& entry, double min, double max,
                                                  bool whole) {
  const Node& node = *entry.node;
  double value = 0;
  bool numeric = false;
  if (node.kind == Node::Kind::Number) {
    value = node.number;
    numeric = true;
  } else if (node.kind == Node::Kind::String && !node.text.empty()) {
    // Schema validation coerces "5" (from ${opt:...}, say) to a number.
    char* end = nullptr;
    value = std::strtod(node.text.c_str(), &end);
    numeric = end == node.text.c_str() + node.text.size();
  }
  if (!numeric || std::isnan(value) || (whole && value != std::floor(value)) || value < min ||
      value > max) {
    error(entry.where, entry.path,
          fmt::format("must be a {} from {} to {}, got {}", whole ? "whole number" : "number",
                      formatNumber(min), formatNumber(max),
                      node.kind == Node::Kind::String   ? "'" + node.text + "'"
                      : node.kind == Node::Kind::Number ? formatNumber(node.number)
                                                        : node.kindName()));
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> ModelBuilder::policyValues(const Entry& entry) {
  Node& node = *entry.node;
  if (node.kind == Node::Kind::Seq) {
    for (size_t i = 0; i < node.children.size(); ++i) {
      Node& item = node.children[i];
      std::string path = itemPath(entry.path, i);
      if (!resolver_.resolveShallow(item, path)) return std::nullopt;
      // `!Sub execute-api:/${Stage}/*` and the like.
      if (isIntrinsic(item) && !evaluateInPlace(item, entry.where, path)) return std::nullopt;
    }
  }
  return stringListSetting(entry);
}

ModelBuilder::Entry ModelBuilder::apiGatewaySetting(Node& provider, Node* apiGateway,
                                                    const std::string& key) {
  if (apiGateway) {
    Entry entry = get(*apiGateway, key, "provider.apiGateway");
    if (entry.node || entry.failed) return entry;
  }
  // Framework v2 read apiKeys, usagePlan and resourcePolicy from `provider` as well, the
  // `provider.apiGateway` one winning (deprecation AWS_API_GATEWAY_SPECIFIC_KEYS); v2 projects
  // still carry them there.
  Entry legacy = get(provider, key, "provider");
  if (legacy.node && legacy.node->kind != Node::Kind::Null) {
    warn(legacy.where,
         fmt::format("{} is the Serverless Framework v2 place for this setting (v3 reads "
                     "provider.apiGateway.{}); nimbus reads it there as v2 did",
                     legacy.path, key));
  }
  return legacy;
}

void ModelBuilder::buildGatewaySettings(ProjectConfig& project) {
  Entry provider = get(root_, "provider", "");
  if (provider.node && provider.node->kind == Node::Kind::Map) {
    Entry apiGateway = get(*provider.node, "apiGateway", "provider");
    Node* apiGatewayMap = nullptr;
    if (apiGateway.node && apiGateway.node->kind != Node::Kind::Null) {
      if (apiGateway.node->kind != Node::Kind::Map) {
        error(apiGateway.where, apiGateway.path,
              fmt::format("must be a mapping (resourcePolicy, ...), got {}",
                          apiGateway.node->kindName()));
      } else {
        apiGatewayMap = apiGateway.node;
        buildBinaryMediaTypes(project, get(*apiGateway.node, "binaryMediaTypes", apiGateway.path));
        warnUnsupportedKeys(
            *apiGateway.node, apiGateway.path,
            {"resourcePolicy", "apiKeys", "usagePlan", "apiKeySourceType", "binaryMediaTypes"});
      }
    }
    if (!apiGateway.failed && (!apiGateway.node || apiGatewayMap)) {
      buildResourcePolicy(project,
                          apiGatewaySetting(*provider.node, apiGatewayMap, "resourcePolicy"));
      buildApiKeys(project, *provider.node, apiGatewayMap);
    }
    Entry httpApi = get(*provider.node, "httpApi", "provider");
    if (httpApi.node && httpApi.node->kind != Node::Kind::Null) {
      if (httpApi.node->kind != Node::Kind::Map) {
        error(httpApi.where, httpApi.path,
              fmt::format("must be a mapping (cors, ...), got {}", httpApi.node->kindName()));
      } else {
        buildHttpApiCors(project, get(*httpApi.node, "cors", httpApi.path));
        buildHttpApiAuthorizers(project, get(*httpApi.node, "authorizers", httpApi.path));
        if (auto v2 = httpApiPayloadV2(get(*httpApi.node, "payload", httpApi.path))) {
          project.httpApiPayloadV2 = *v2;
        }
        warnUnsupportedKeys(*httpApi.node, httpApi.path, {"cors", "authorizers", "payload"});
      }
    }
  }
  buildApigwBinaryPlugin(project);
  checkRouteAuthorizers(project);
  checkPrivateRoutes(project);
  buildStageThrottle(project);
  // The plugin does nothing at all without the stage settings.
  if (!project.throttle) {
    for (const auto& function : project.functions) {
      for (const auto& event : function.httpEvents) {
        if (!event.throttling) continue;
        warn(event.throttling->where,
             fmt::format("functions.{}: throttling is ignored without "
                         "custom.apiGatewayThrottling (as the serverless-api-gateway-throttling "
                         "plugin ignores it)",
                         function.key));
      }
    }
  }
}

void ModelBuilder::buildBinaryMediaTypes(ProjectConfig& project, const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  auto types = stringListSetting(entry);
  if (!types) return;
  for (const auto& type : *types) {
    // API Gateway takes media types as type/subtype, either part possibly '*'.
    auto slash = type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == type.size() ||
        type.find('/', slash + 1) != std::string::npos) {
      error(entry.where, entry.path,
            fmt::format("'{}' is not a media type (type/subtype, e.g. image/png, image/* or */*)",
                        type));
      continue;
    }
    addOnce(project.binaryMediaTypes, type);
  }
}

// The serverless-apigw-binary plugin sets the REST API's binaryMediaTypes from
// custom.apigwBinary.types after each deployment; nimbus plays that part itself.
void ModelBuilder::buildApigwBinaryPlugin(ProjectConfig& project) {
  Entry custom = get(root_, "custom", "");
  if (!custom.node || custom.node->kind != Node::Kind::Map) return;
  Entry entry = get(*custom.node, "apigwBinary", "custom");
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  if (entry.node->kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping (types: [...]), got {}", entry.node->kindName()));
    return;
  }
  buildBinaryMediaTypes(project, get(*entry.node, "types", entry.path));
  warnUnsupportedKeys(*entry.node, entry.path, {"types"});
}

void ModelBuilder::buildStageThrottle(ProjectConfig& project) {
  Entry custom = get(root_, "custom", "");
  if (!custom.node || custom.node->kind != Node::Kind::Map) return;
  Entry entry = get(*custom.node, "apiGatewayThrottling", "custom");
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  if (entry.node->kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping (maxRequestsPerSecond, maxConcurrentRequests), got {}",
                      entry.node->kindName()));
    return;
  }
  ThrottleConfig throttle;
  throttle.where = entry.where;
  // The plugin takes a missing or 0 value as its default (`value || default`).
  if (Entry rate = get(*entry.node, "maxRequestsPerSecond", entry.path); rate.node) {
    if (auto v = numberSetting(rate, 0, 1e9, false); v && *v > 0)
      throttle.maxRequestsPerSecond = *v;
  }
  if (Entry burst = get(*entry.node, "maxConcurrentRequests", entry.path); burst.node) {
    if (auto v = numberSetting(burst, 0, 1e9, true); v && *v > 0) {
      throttle.maxConcurrentRequests = static_cast<int64_t>(*v);
    }
  }
  warnUnsupportedKeys(*entry.node, entry.path, {"maxRequestsPerSecond", "maxConcurrentRequests"});
  project.throttle = throttle;
}

std::optional<RouteThrottleConfig> ModelBuilder::routeThrottle(const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return std::nullopt;
  if (entry.node->kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping (maxRequestsPerSecond, maxConcurrentRequests, "
                      "disabled), got {}",
                      entry.node->kindName()));
    return std::nullopt;
  }
  RouteThrottleConfig throttle;
  throttle.where = entry.where;
  if (Entry rate = get(*entry.node, "maxRequestsPerSecond", entry.path); rate.node) {
    throttle.maxRequestsPerSecond = numberSetting(rate, 0, 1e9, false);
  }
  if (Entry burst = get(*entry.node, "maxConcurrentRequests", entry.path); burst.node) {
    if (auto v = numberSetting(burst, 0, 1e9, true)) {
      throttle.maxConcurrentRequests = static_cast<int64_t>(*v);
    }
  }
  if (Entry disabled = get(*entry.node, "disabled", entry.path); disabled.node) {
    throttle.disabled = booleanSetting(disabled).value_or(false);
  }
  warnUnsupportedKeys(*entry.node, entry.path,
                      {"maxRequestsPerSecond", "maxConcurrentRequests", "disabled"});
  return throttle;
}

std::optional<RestCorsConfig> ModelBuilder::restCors(const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return std::nullopt;
  RestCorsConfig cors;
  cors.where = entry.where;
  Node& node = *entry.node;
  if (node.kind == Node::Kind::Bool) {
    if (!node.boolean) return std::nullopt;
    return cors;
  }
  if (node.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be true or a mapping (origin, origins, headers, methods, "
                      "allowCredentials, maxAge, cacheControl), got {}",
                      node.kindName()));
    return std::nullopt;
  }
  cors.objectForm = true;
  if (Entry origin = get(node, "origin", entry.path); origin.node)
    cors.origin = stringSetting(origin);
  if (Entry origins = get(node, "origins", entry.path); origins.node) {
    cors.origins = stringListSetting(origins).value_or(std::vector<std::string>{});
  }
  if (Entry headers = get(node, "headers", entry.path); headers.node) {
    cors.headers = stringListSetting(headers);
  }
  if (Entry methods = get(node, "methods", entry.path); methods.node) {
    for (auto& method : stringListSetting(methods).value_or(std::vector<std::string>{})) {
      cors.methods.push_back(upper(method));
    }
  }
  if (Entry credentials = get(node, "allowCredentials", entry.path); credentials.node) {
    cors.allowCredentials = booleanSetting(credentials).value_or(false);
  }
  if (Entry maxAge = get(node, "maxAge", entry.path); maxAge.node) {
    if (auto v = numberSetting(maxAge, 1, 2147483647, true)) cors.maxAge = static_cast<int>(*v);
  }
  if (Entry cacheControl = get(node, "cacheControl", entry.path); cacheControl.node) {
    cors.cacheControl = stringSetting(cacheControl).value_or("");
  }
  warnUnsupportedKeys(
      node, entry.path,
      {"origin", "origins", "headers", "methods", "allowCredentials", "maxAge", "cacheControl"});
  return cors;
}

// The Framework writes the value into the HTTP API integration's PayloadFormatVersion, which API
// Gateway accepts only as "1.0" or "2.0"; an unquoted 1.0 is the YAML number 1 and fails there
// too.
std::optional<bool> ModelBuilder::httpApiPayloadV2(const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return std::nullopt;
  auto value = stringSetting(entry);
  if (!value) return std::nullopt;
  if (*value != "1.0" && *value != "2.0") {
    error(entry.where, entry.path,
          fmt::format("must be '1.0' or '2.0' (quoted), got '{}'", *value));
    return std::nullopt;
  }
  return *value == "2.0";
}

void ModelBuilder::buildHttpApiCors(ProjectConfig& project, const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node& node = *entry.node;
  HttpApiCorsConfig cors;
  cors.where = entry.where;
  bool fillMethods = false;
  if (node.kind == Node::Kind::Bool) {
    if (!node.boolean) return;
    cors.allowedOrigins = {"*"};
    cors.allowedHeaders = defaultCorsHeaders();
    fillMethods = true;
  } else if (node.kind == Node::Kind::Map) {
    cors.allowedOrigins = {"*"};
    cors.allowedHeaders = defaultCorsHeaders();
    if (Entry e = get(node, "allowedOrigins", entry.path); e.node) {
      if (auto v = stringListSetting(e)) cors.allowedOrigins = *v;
    }
    if (Entry e = get(node, "allowedHeaders", entry.path); e.node) {
      if (auto v = stringListSetting(e)) cors.allowedHeaders = *v;
    }
    if (Entry e = get(node, "allowedMethods", entry.path); e.node) {
      if (auto v = stringListSetting(e)) cors.allowedMethods = *v;
    } else {
      fillMethods = true;
    }
    if (Entry e = get(node, "allowCredentials", entry.path); e.node) {
      cors.allowCredentials = booleanSetting(e).value_or(false);
    }
    if (Entry e = get(node, "exposedResponseHeaders", entry.path); e.node) {
      if (auto v = stringListSetting(e)) cors.exposedResponseHeaders = *v;
    }
    if (Entry e = get(node, "maxAge", entry.path); e.node) {
      if (auto v = numberSetting(e, 0, 86400, true)) cors.maxAge = static_cast<int>(*v);
    }
    warnUnsupportedKeys(node, entry.path,
                        {"allowedOrigins", "allowedHeaders", "allowedMethods", "allowCredentials",
                         "exposedResponseHeaders", "maxAge"});
  } else {
    error(entry.where, entry.path,
          fmt::format("must be true or a mapping (allowedOrigins, allowedHeaders, "
                      "allowedMethods, allowCredentials, exposedResponseHeaders, maxAge), got {}",
                      node.kindName()));
    return;
  }
  if (fillMethods) {
    // As the Framework fills them: OPTIONS, then the method of every httpApi route in file
    // order, ANY (and the '*' route) standing for every method.
    cors.allowedMethods = {"OPTIONS"};
    for (const auto& function : project.functions) {
      for (const auto& event : function.httpEvents) {
        if (event.kind != HttpEvent::Kind::HttpApi) continue;
        if (event.method == "ANY") {
          for (const char* m : {"GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE"}) {
            addOnce(cors.allowedMethods, m);
          }
        } else {
          addOnce(cors.allowedMethods, event.method);
        }
      }
    }
  }
  project.httpApiCors = std::move(cors);
}

void ModelBuilder::buildResourcePolicy(ProjectConfig& project, const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node& list = *entry.node;
  if (list.kind != Node::Kind::Seq) {
    error(entry.where, entry.path,
          fmt::format("must be a list of policy statements (Effect, Principal, Action, "
                      "Resource, Condition), got {}",
                      list.kindName()));
    return;
  }
  for (size_t i = 0; i < list.children.size(); ++i) {
    Node& item = list.children[i];
    std::string path = itemPath(entry.path, i);
    if (!resolver_.resolveShallow(item, path)) continue;
    SourceLocation where = item.where.line > 0 ? item.where : entry.where;
    if (item.kind != Node::Kind::Map) {
      error(where, path,
            fmt::format("must be a policy statement mapping, got {}", item.kindName()));
      continue;
    }
    PolicyStatementConfig statement;
    statement.where = where;
    statement.path = path;
    bool ok = true;

    Entry effect = get(item, "Effect", path);
    if (!effect.node) {
      if (!effect.failed) error(where, effect.path, "is required: Allow or Deny");
      ok = false;
    } else if (auto value = stringSetting(effect);
               !value || (*value != "Allow" && *value != "Deny")) {
      if (value)
        error(effect.where, effect.path, fmt::format("must be Allow or Deny, got '{}'", *value));
      ok = false;
    } else {
      statement.allow = *value == "Allow";
    }

    // Principal: "*", {AWS: "*"} or {AWS: [...]}; other principal types never name an
    // unsigned caller.
    Entry principal = get(item, "Principal", path);
    Entry notPrincipal = get(item, "NotPrincipal", path);
    Entry& who = principal.node ? principal : notPrincipal;
    statement.notPrincipal = !principal.node && notPrincipal.node;
    if (!who.node) {
      if (!who.failed) error(where, principal.path, "is required (\"*\" for any caller)");
      ok = false;
    } else if (who.node->kind == Node::Kind::Map) {
      if (Entry aws = get(*who.node, "AWS", who.path); aws.node) {
        if (auto values = policyValues(aws)) statement.principals = *values;
      }
    } else if (auto values = policyValues(who)) {
      statement.principals = *values;
    } else {
      ok = false;
    }

    auto readList = [&](const char* key, const char* notKey, std::vector<std::string>& values,
                        bool& negated, const char* what) {
      Entry positive = get(item, key, path);
      Entry negative = get(item, notKey, path);
      if (positive.node && negative.node) {
        error(negative.where, negative.path, fmt::format("cannot be given with {}", key));
        ok = false;
        return;
      }
      Entry& e = positive.node ? positive : negative;
      negated = !positive.node && negative.node;
      if (!e.node) {
        if (!positive.failed && !negative.failed) {
          error(where, positive.path, fmt::format("is required ({})", what));
        }
        ok = false;
        return;
      }
      if (auto list = policyValues(e)) {
        values = *list;
      } else {
        ok = false;
      }
    };
    readList("Action", "NotAction", statement.actions, statement.notAction, "execute-api:Invoke");
    readList("Resource", "NotResource", statement.resources, statement.notResource,
             "execute-api:/STAGE/METHOD/PATH or an ARN");

    if (Entry condition = get(item, "Condition", path); condition.node) {
      if (condition.node->kind != Node::Kind::Map) {
        error(condition.where, condition.path,
              fmt::format("must be a mapping of operators (IpAddress, NotIpAddress, ...), got {}",
                          condition.node->kindName()));
        ok = false;
      } else {
        Node& operators = *condition.node;
        for (size_t o = 0; o < operators.keys.size(); ++o) {
          Entry op = get(operators, operators.keys[o], condition.path);
          if (!op.node) {
            ok = false;
            continue;
          }
          if (op.node->kind != Node::Kind::Map) {
            error(op.where, op.path,
                  fmt::format("must be a mapping of condition keys (aws:SourceIp, ...), got {}",
                              op.node->kindName()));
            ok = false;
            continue;
          }
          for (size_t k = 0; k < op.node->keys.size(); ++k) {
            Entry key = get(*op.node, op.node->keys[k], op.path);
            if (!key.node) {
              ok = false;
              continue;
            }
            auto values = policyValues(key);
            if (!values) {
              ok = false;
              continue;
            }
            statement.conditions.push_back(
                {operators.keys[o], op.node->keys[k], *values, key.where, key.path});
          }
        }
      }
    }
    warnUnsupportedKeys(item, path,
                        {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                         "Resource", "NotResource", "Condition"});
    if (ok) project.resourcePolicy.push_back(std::move(statement));
  }
}

}  // namespace nimbus::config
