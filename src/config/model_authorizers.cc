// API Gateway authorizers in serverless.yml, read as the Serverless Framework v3 reads them:
// `provider.httpApi.authorizers` (jwt and request types) with the `authorizer` of httpApi events,
// and the `authorizer` of http events (REST Lambda authorizers, TOKEN and REQUEST).

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <span>

#include "config/model_builder.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// Whether `source` names a request value the API kind takes as an identity source.
bool validIdentitySource(std::string_view source, bool rest) {
  static constexpr std::string_view kRest[] = {"method.request.header.",
                                               "method.request.querystring.", "stageVariables."};
  static constexpr std::string_view kHttp[] = {"$request.header.", "$request.querystring.",
                                               "$stageVariables."};
  for (std::string_view prefix :
       rest ? std::span<const std::string_view>(kRest) : std::span<const std::string_view>(kHttp)) {
    if (source.starts_with(prefix) && source.size() > prefix.size()) return true;
  }
  return false;
}

}  // namespace

bool ModelBuilder::authorizerFunctionArn(const Entry& entry, const std::string& arn,
                                         LambdaAuthorizerConfig& authorizer) {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 7 || parts.size() > 8 || parts[0] != "arn" || parts[2] != "lambda" ||
      parts[5] != "function" || parts[6].empty()) {
    error(entry.where, entry.path,
          fmt::format("'{}' is not a Lambda function ARN "
                      "(arn:aws:lambda:REGION:ACCOUNT:function:NAME)",
                      arn));
    return false;
  }
  authorizer.functionName = parts[6];
  if (parts.size() == 8) authorizer.qualifier = parts[7];
  return true;
}

bool ModelBuilder::authorizerIdentitySources(const Entry& entry, bool rest,
                                             LambdaAuthorizerConfig& authorizer) {
  std::vector<std::string> sources;
  if (rest) {
    // REST takes one comma-separated text.
    auto text = stringSetting(entry);
    if (!text) return false;
    size_t start = 0;
    while (start <= text->size()) {
      size_t comma = text->find(',', start);
      std::string item = trim(std::string_view(*text).substr(
          start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!item.empty()) sources.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    auto list = stringListSetting(entry);
    if (!list) return false;
    sources = *list;
  }
  for (const auto& source : sources) {
    if (!validIdentitySource(source, rest)) {
      error(entry.where, entry.path,
            fmt::format("'{}' is not an identity source nimbus takes: use {}", source,
                        rest ? "method.request.header.NAME, method.request.querystring.NAME or "
                               "stageVariables.NAME"
                             : "$request.header.NAME, $request.querystring.NAME or "
                               "$stageVariables.NAME"));
      return false;
    }
  }
  authorizer.identitySources = std::move(sources);
  return true;
}

void ModelBuilder::buildHttpApiAuthorizers(ProjectConfig& project, const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node& map = *entry.node;
  if (map.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping of authorizer names to settings (identitySource, "
                      "issuerUrl, audience), got {}",
                      map.kindName()));
    return;
  }
  for (const std::string& name : map.keys) {
    Entry item = get(map, name, entry.path);
    if (!item.node) continue;
    if (item.node->kind != Node::Kind::Map) {
      error(item.where, item.path,
            fmt::format("must be a mapping (identitySource, issuerUrl, audience), got {}",
                        item.node->kindName()));
      continue;
    }
    Node& node = *item.node;
    HttpApiAuthorizerConfig authorizer;
    authorizer.name = name;
    authorizer.where = item.where;
    authorizer.path = item.path;
    bool ok = true;
    if (Entry type = get(node, "type", item.path); type.node) {
      auto value = stringSetting(type);
      std::string kind = lower(value.value_or(""));
      if (kind == "request") {
        authorizer.lambda = httpApiLambdaAuthorizer(item);
        // Defined (even if broken), so that routes naming it are not reported twice.
        if (!authorizer.lambda) authorizer.lambda.emplace();
        authorizer.lambda->name = name;
        project.httpApiAuthorizers.push_back(std::move(authorizer));
        continue;
      }
      if (value && kind != "jwt") {
        error(type.where, type.path, fmt::format("must be jwt or request, got '{}'", *value));
        ok = false;
      }
    }
    if (Entry source = get(node, "identitySource", item.path); source.node) {
      // The Framework also takes a list; a JWT authorizer reads one source.
      auto values = stringListSetting(source);
      if (values && values->size() == 1 &&
          ((*values)[0].starts_with("$request.header.") ||
           (*values)[0].starts_with("$request.querystring.")) &&
          (*values)[0].find('.', 9) != std::string::npos && (*values)[0].back() != '.') {
        authorizer.identitySource = (*values)[0];
      } else if (values) {
        error(source.where, source.path,
              "must be one $request.header.NAME or $request.querystring.NAME for a jwt "
              "authorizer");
        ok = false;
      } else {
        ok = false;
      }
    }
    Entry issuer = get(node, "issuerUrl", item.path);
    if (!issuer.node) {
      if (!issuer.failed) {
        error(item.where, issuer.path, "is required for a jwt authorizer (the token issuer)");
      }
      ok = false;
    } else if (auto value = stringSetting(issuer)) {
      if (!value->starts_with("http://") && !value->starts_with("https://")) {
        error(issuer.where, issuer.path,
              fmt::format("must be an http:// or https:// URL, got '{}'", *value));
        ok = false;
      }
      authorizer.issuerUrl = *value;
    } else {
      ok = false;
    }
    Entry audience = get(node, "audience", item.path);
    if (!audience.node) {
      if (!audience.failed) {
        error(item.where, audience.path, "is required for a jwt authorizer (a list of audiences)");
      }
      ok = false;
    } else if (auto values = stringListSetting(audience); values && !values->empty()) {
      authorizer.audience = *values;
    } else {
      if (values) error(audience.where, audience.path, "must list at least one audience");
      ok = false;
    }
    warnUnsupportedKeys(node, item.path,
                        {"type", "name", "identitySource", "issuerUrl", "audience"});
    // Defined (even if broken), so that routes naming it are not reported twice.
    if (!ok) authorizer.issuerUrl.clear();
    project.httpApiAuthorizers.push_back(std::move(authorizer));
  }
}

std::optional<LambdaAuthorizerConfig> ModelBuilder::httpApiLambdaAuthorizer(const Entry& item) {
  Node& node = *item.node;
  LambdaAuthorizerConfig authorizer;
  authorizer.tokenType = false;
  authorizer.resultTtlSeconds = 0;  // An HTTP API caches nothing unless told to.
  authorizer.where = item.where;
  authorizer.path = item.path;
  bool ok = true;
  Entry functionName = get(node, "functionName", item.path);
  Entry functionArn = get(node, "functionArn", item.path);
  if (functionName.node) {
    if (auto value = stringSetting(functionName)) {
      authorizer.functionKey = *value;
    } else {
      ok = false;
    }
  } else if (functionArn.node) {
    auto value = stringSetting(functionArn);
    ok = value && authorizerFunctionArn(functionArn, *value, authorizer);
  } else if (!functionName.failed && !functionArn.failed) {
    error(item.where, item.path,
          "a request authorizer needs functionName (a function of this service) or "
          "functionArn");
    ok = false;
  }
  if (Entry ttl = get(node, "resultTtlInSeconds", item.path); ttl.node) {
    if (auto value = integerSetting(ttl, 0, 3600, "seconds")) {
      authorizer.resultTtlSeconds = *value;
    } else {
      ok = false;
    }
  }
  if (Entry source = get(node, "identitySource", item.path); source.node) {
    ok = authorizerIdentitySources(source, false, authorizer) && ok;
  }
  if (authorizer.resultTtlSeconds > 0 && authorizer.identitySources.empty() && ok) {
    error(item.where, item.path + ".identitySource",
          "is required when resultTtlInSeconds caches answers (API Gateway caches them by "
          "identity)");
    ok = false;
  }
  if (Entry version = get(node, "payloadVersion", item.path); version.node) {
    auto value = stringSetting(version);
    if (value && (*value == "1.0" || *value == "2.0")) {
      authorizer.payloadV2 = *value == "2.0";
    } else {
      if (value)
        error(version.where, version.path, fmt::format("must be '1.0' or '2.0', got '{}'", *value));
      ok = false;
    }
  }
  if (Entry simple = get(node, "enableSimpleResponses", item.path); simple.node) {
    if (auto value = booleanSetting(simple)) {
      authorizer.enableSimpleResponses = *value;
      if (*value && !authorizer.payloadV2) {
        error(simple.where, simple.path, "needs payloadVersion '2.0'");
        ok = false;
      }
    } else {
      ok = false;
    }
  }
  warnUnsupportedKeys(node, item.path,
                      {"type", "name", "functionName", "functionArn", "resultTtlInSeconds",
                       "identitySource", "payloadVersion", "enableSimpleResponses"});
  if (!ok) return std::nullopt;
  return authorizer;
}

std::optional<RouteAuthorizerConfig> ModelBuilder::routeAuthorizer(const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return std::nullopt;
  RouteAuthorizerConfig authorizer;
  authorizer.where = entry.where;
  authorizer.path = entry.path;
  Node& node = *entry.node;
  if (node.kind == Node::Kind::String) {
    authorizer.name = node.text;
  } else if (node.kind == Node::Kind::Map) {
    Entry name = get(node, "name", entry.path);
    if (!name.node) {
      if (!name.failed) error(entry.where, name.path, "is required (an authorizer's name)");
      return std::nullopt;
    }
    auto value = stringSetting(name);
    if (!value) return std::nullopt;
    authorizer.name = *value;
    if (Entry scopes = get(node, "scopes", entry.path); scopes.node) {
      authorizer.scopes = stringListSetting(scopes).value_or(std::vector<std::string>{});
    }
    if (Entry id = get(node, "id", entry.path); id.node) {
      error(id.where, id.path,
            "authorizers made outside serverless.yml (id) cannot be used; define it in "
            "provider.httpApi.authorizers");
      return std::nullopt;
    }
    warnUnsupportedKeys(node, entry.path, {"name", "scopes", "type", "id"});
  } else {
    error(entry.where, entry.path,
          fmt::format("must be an authorizer name or a mapping (name, scopes), got {}",
                      node.kindName()));
    return std::nullopt;
  }
  return authorizer;
}

std::optional<LambdaAuthorizerConfig> ModelBuilder::restAuthorizer(const Entry& entry) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return std::nullopt;
  Node& node = *entry.node;
  LambdaAuthorizerConfig authorizer;
  authorizer.where = entry.where;
  authorizer.path = entry.path;
  auto notEnforced = [&](std::string_view what) {
    warn(entry.where, fmt::format("{}: {} authorizers are not supported; the route is served "
                                  "without authorization",
                                  entry.path, what));
  };
  if (node.kind == Node::Kind::String) {
    if (lower(node.text) == "aws_iam") {
      notEnforced("AWS_IAM");
      return std::nullopt;
    }
    if (node.text.find(':') == std::string::npos) {
      authorizer.name = authorizer.functionKey = node.text;
    } else {
      if (node.text.find(":cognito-idp:") != std::string::npos) {
        notEnforced("Cognito user pool");
        return std::nullopt;
      }
      if (!authorizerFunctionArn(entry, node.text, authorizer)) return std::nullopt;
      authorizer.name = authorizer.functionName;
    }
  } else if (node.kind == Node::Kind::Map) {
    std::string type;
    if (Entry typeEntry = get(node, "type", entry.path); typeEntry.node) {
      auto value = stringSetting(typeEntry);
      if (!value) return std::nullopt;
      type = lower(*value);
      if (type == "aws_iam") {
        notEnforced("AWS_IAM");
        return std::nullopt;
      }
      if (type == "cognito_user_pools") {
        notEnforced("Cognito user pool");
        return std::nullopt;
      }
      if (type != "token" && type != "request") {
        error(
            typeEntry.where, typeEntry.path,
            fmt::format("must be token, request, cognito_user_pools or aws_iam, got '{}'", *value));
        return std::nullopt;
      }
    }
    if (Entry id = get(node, "authorizerId", entry.path); id.node) {
      notEnforced("Existing (authorizerId)");
      return std::nullopt;
    }
    authorizer.tokenType = type != "request";
    Entry arn = get(node, "arn", entry.path);
    Entry name = get(node, "name", entry.path);
    if (arn.failed || name.failed) return std::nullopt;
    if (arn.node) {
      auto value = stringSetting(arn);
      if (!value) return std::nullopt;
      if (value->find(":cognito-idp:") != std::string::npos) {
        notEnforced("Cognito user pool");
        return std::nullopt;
      }
      if (!authorizerFunctionArn(arn, *value, authorizer)) return std::nullopt;
      authorizer.name = authorizer.functionName;
      if (name.node) {
        if (auto n = stringSetting(name)) authorizer.name = *n;
      }
    } else if (name.node) {
      auto value = stringSetting(name);
      if (!value) return std::nullopt;
      authorizer.name = authorizer.functionKey = *value;
    } else {
      error(entry.where, entry.path,
            "needs name (a function of this service) or arn (a Lambda function's ARN)");
      return std::nullopt;
    }
    if (Entry ttl = get(node, "resultTtlInSeconds", entry.path); ttl.node) {
      auto value = integerSetting(ttl, 0, 3600, "seconds");
      if (!value) return std::nullopt;
      authorizer.resultTtlSeconds = *value;
    }
    if (Entry source = get(node, "identitySource", entry.path); source.node) {
      if (!authorizerIdentitySources(source, true, authorizer)) return std::nullopt;
    }
    if (Entry expression = get(node, "identityValidationExpression", entry.path); expression.node) {
      auto value = stringSetting(expression);
      if (!value) return std::nullopt;
      try {
        std::regex check(*value, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        error(expression.where, expression.path,
              fmt::format("'{}' is not a valid regular expression", *value));
        return std::nullopt;
      }
      authorizer.identityValidationExpression = *value;
    }
    if (Entry managed = get(node, "managedExternally", entry.path); managed.node) {
      // Only decides whether the Framework grants API Gateway the right to invoke the function.
      booleanSetting(managed);
    }
    warnUnsupportedKeys(node, entry.path,
                        {"type", "name", "arn", "resultTtlInSeconds", "identitySource",
                         "identityValidationExpression", "managedExternally", "authorizerId"});
  } else {
    error(entry.where, entry.path,
          fmt::format("must be a function name, an ARN or a mapping (name, type, "
                      "identitySource, ...), got {}",
                      node.kindName()));
    return std::nullopt;
  }
  // The Framework's default identity source, which a REQUEST authorizer that caches nothing
  // may do without.
  if (authorizer.identitySources.empty() &&
      (authorizer.tokenType || authorizer.resultTtlSeconds > 0)) {
    authorizer.identitySources = {"method.request.header.Authorization"};
  }
  if (authorizer.tokenType &&
      (authorizer.identitySources.size() != 1 ||
       !authorizer.identitySources[0].starts_with("method.request.header."))) {
    error(entry.where, entry.path + ".identitySource",
          "a token authorizer reads one header: method.request.header.NAME");
    return std::nullopt;
  }
  return authorizer;
}

void ModelBuilder::checkRouteAuthorizers(ProjectConfig& project) {
  auto resolve = [&](LambdaAuthorizerConfig& authorizer) {
    if (authorizer.functionKey.empty()) return;
    auto it = std::find_if(project.functions.begin(), project.functions.end(),
                           [&](const auto& f) { return f.key == authorizer.functionKey; });
    if (it == project.functions.end()) {
      error(authorizer.where, authorizer.path,
            fmt::format("the authorizer function '{}' is not defined in functions",
                        authorizer.functionKey));
      return;
    }
    authorizer.functionName = it->name;
  };
  for (auto& authorizer : project.httpApiAuthorizers) {
    if (authorizer.lambda) resolve(*authorizer.lambda);
  }
  for (auto& function : project.functions) {
    for (auto& event : function.httpEvents) {
      if (event.lambdaAuthorizer) resolve(*event.lambdaAuthorizer);
      if (!event.authorizer) continue;
      // Every httpApi route's authorizer must be one of provider.httpApi.authorizers.
      const auto& all = project.httpApiAuthorizers;
      auto it = std::find_if(all.begin(), all.end(),
                             [&](const auto& a) { return a.name == event.authorizer->name; });
      if (it == all.end()) {
        error(event.authorizer->where, event.authorizer->path,
              fmt::format("authorizer '{}' is not defined in provider.httpApi.authorizers",
                          event.authorizer->name));
      } else if (it->lambda && !event.authorizer->scopes.empty()) {
        warn(event.authorizer->where,
             fmt::format("{}: scopes are ignored: they apply to jwt authorizers only",
                         event.authorizer->path));
      }
    }
  }
}

}  // namespace nimbus::config
