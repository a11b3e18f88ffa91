// The `integration`, `request` and `response` settings of http events, read as the Serverless
// Framework v3 compiles them into an API Gateway method's integration: `lambda` is the
// non-proxy type AWS, with the Framework's default request templates (application/json and
// application/x-www-form-urlencoded), passthrough NEVER, and its default status codes, whose
// patterns select a response by the function's error message ("[404] Not found" answers 404).

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "config/model_builder.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// The event the Framework's default templates give the function: the body, the method, the
// authorizer's principal, the stage, Cognito's `sub`, the authorizer context, the headers,
// query string, path parameters, identity and stage variables (each a map of strings), and the
// resource path. `$fields` prints the map `$map` as JSON strings.
constexpr std::string_view kCommonTemplate = R"vtl(#define($fields)
{#foreach($name in $map.keySet())
#set($n = $util.escapeJavaScript($name))
#set($text = $util.escapeJavaScript($map.get($name)).replaceAll("\\'", "'"))
"$n": "$text"#if($foreach.hasNext), #end
#end}
#end
{
  "body": $body,
  "method": "$context.httpMethod",
  "principalId": "$context.authorizer.principalId",
  "stage": "$context.stage",
  "cognitoPoolClaims": {"sub": "$context.authorizer.claims.sub"},
#set($map = $context.authorizer)
  "enhancedAuthContext": $fields,
#set($map = $input.params().header)
  "headers": $fields,
#set($map = $input.params().querystring)
  "query": $fields,
#set($map = $input.params().path)
  "path": $fields,
#set($map = $context.identity)
  "identity": $fields,
#set($map = $stageVariables)
  "stageVariables": $fields,
  "requestPath": "$context.resourcePath"
}
)vtl";

// A JSON request's body is the parsed document.
constexpr std::string_view kJsonBody = "#set($body = $input.json('$'))\n";

// A form's body is an object of its fields, URL-decoded (the values' \' undone, the keys' not,
// as the Framework's template leaves them).
constexpr std::string_view kFormBody = R"vtl(#define($body)
{#foreach($pair in $input.path('$').split('&'))
#set($parts = $pair.split('='))
#if($parts.size() >= 1)
#set($key = $util.escapeJavaScript($util.urlDecode($parts[0])))
#if($parts.size() >= 2)
#set($value = $util.escapeJavaScript($util.urlDecode($parts[1])).replaceAll("\\'", "'"))
#else
#set($value = '')
#end
"$key": "$value"#if($foreach.hasNext), #end
#end
#end}
#end
)vtl";

struct DefaultStatus {
  const char* code;
  const char* pattern;
};

// The Framework's status codes when `response` names none: 200 for results, the others for
// errors whose message holds "[404]" and the like, 500 also for a crashed process and 504 for a
// timeout.
constexpr DefaultStatus kDefaultStatusCodes[] = {
    {"200", ""},
    {"400", R"([\s\S]*\[400\][\s\S]*)"},
    {"401", R"([\s\S]*\[401\][\s\S]*)"},
    {"403", R"([\s\S]*\[403\][\s\S]*)"},
    {"404", R"([\s\S]*\[404\][\s\S]*)"},
    {"422", R"([\s\S]*\[422\][\s\S]*)"},
    {"500", R"([\s\S]*(Process\s?exited\s?before\s?completing\s?request|\[500\])[\s\S]*)"},
    {"502", R"([\s\S]*\[502\][\s\S]*)"},
    {"504", R"(([\s\S]*\[504\][\s\S]*)|(.*Task timed out after \d+\.\d+ seconds$))"},
};

void setTemplate(std::vector<std::pair<std::string, std::string>>& templates,
                 const std::string& type, std::optional<std::string> text) {
  auto it = std::find_if(templates.begin(), templates.end(),
                         [&](const auto& t) { return t.first == type; });
  if (!text) {
    if (it != templates.end()) templates.erase(it);
  } else if (it != templates.end()) {
    it->second = std::move(*text);
  } else {
    templates.emplace_back(type, std::move(*text));
  }
}

// A header value written in `response.headers`: the Framework passes it as the mapping
// expression, so a literal is written in single quotes ("'text/html'").
void addHeaders(std::vector<std::pair<std::string, std::string>>& headers,
                const std::vector<std::pair<std::string, std::string>>& more) {
  for (const auto& [name, value] : more) {
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& h) { return h.first == name; });
    if (it != headers.end()) {
      it->second = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> ModelBuilder::templateMap(
    const Entry& entry, bool allowNull) {
  std::vector<std::pair<std::string, std::string>> out;
  Node& node = *entry.node;
  if (node.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping of content types to templates, got {}", node.kindName()));
    return std::nullopt;
  }
  for (size_t i = 0; i < node.keys.size(); ++i) {
    Entry item = get(node, node.keys[i], entry.path);
    if (!item.node) return std::nullopt;
    if (item.node->kind == Node::Kind::Null && allowNull) {
      out.emplace_back(node.keys[i], std::string(1, '\0'));  // Marks a removed default.
      continue;
    }
    auto text = stringSetting(item);
    if (!text) return std::nullopt;
    out.emplace_back(node.keys[i], *text);
  }
  return out;
}

std::optional<RestIntegrationConfig> ModelBuilder::restIntegration(
    Node& event, const SourceLocation& where, const std::string& path,
    const std::optional<RestCorsConfig>& cors) {
  Entry integration = get(event, "integration", path);
  Entry request = get(event, "request", path);
  Entry response = get(event, "response", path);
  std::string type = "AWS_PROXY";
  if (integration.node) {
    auto value = stringSetting(integration);
    if (!value) return std::nullopt;
    type = upper(*value);
    std::replace(type.begin(), type.end(), '-', '_');
    if (type == "LAMBDA") type = "AWS";
    if (type == "LAMBDA_PROXY") type = "AWS_PROXY";
    if (type != "AWS" && type != "AWS_PROXY") {
      bool known = type == "HTTP" || type == "HTTP_PROXY" || type == "MOCK";
      if (!known) {
        error(integration.where, integration.path,
              fmt::format("'{}' is not an integration type (lambda, lambda-proxy, http, "
                          "http-proxy or mock)",
                          *value));
      } else {
        warn(integration.where,
             fmt::format("{}: the {} integration is not supported yet; nimbus invokes the "
                         "function through the Lambda proxy integration",
                         integration.path, *value));
      }
      return std::nullopt;
    }
  }
  if (type == "AWS_PROXY") {
    // The Framework drops these for the proxy integration, with a warning.
    if (request.node && request.node->kind == Node::Kind::Map) {
      warnUnsupportedKeys(*request.node, request.path, {});
    }
    if (response.node) {
      warn(response.where, fmt::format("{} is ignored: it applies to `integration: lambda`, and "
                                       "the Framework removes it from a lambda-proxy route",
                                       response.path));
    }
    return std::nullopt;
  }

  RestIntegrationConfig config;
  config.where = where;
  config.path = path;
  config.requestTemplates = {
      {"application/json", std::string(kJsonBody) + std::string(kCommonTemplate)},
      {"application/x-www-form-urlencoded", std::string(kFormBody) + std::string(kCommonTemplate)}};
  bool ok = true;
  if (request.node && request.node->kind != Node::Kind::Null) {
    if (request.node->kind != Node::Kind::Map) {
      error(request.where, request.path,
            fmt::format("must be a mapping (template, passThrough, ...), got {}",
                        request.node->kindName()));
      return std::nullopt;
    }
    if (Entry templates = get(*request.node, "template", request.path); templates.node) {
      if (auto map = templateMap(templates, true)) {
        for (auto& [t, text] : *map) {
          setTemplate(
              config.requestTemplates, t,
              text == std::string(1, '\0') ? std::nullopt : std::optional<std::string>(text));
        }
      } else {
        ok = false;
      }
    }
    if (Entry pass = get(*request.node, "passThrough", request.path); pass.node) {
      auto value = stringSetting(pass);
      if (value &&
          (*value == "NEVER" || *value == "WHEN_NO_MATCH" || *value == "WHEN_NO_TEMPLATES")) {
        config.passThrough = *value;
      } else {
        if (value) {
          error(pass.where, pass.path,
                fmt::format("must be NEVER, WHEN_NO_MATCH or WHEN_NO_TEMPLATES, got '{}'", *value));
        }
        ok = false;
      }
    }
    warnUnsupportedKeys(*request.node, request.path, {"template", "passThrough"});
  }

  std::vector<std::pair<std::string, std::string>> commonHeaders;
  if (cors) {
    // The Framework adds the CORS origin to every integration response of the method.
    std::string origin = cors->origin.value_or("*");
    if (!cors->origins.empty()) {
      origin.clear();
      for (const auto& o : cors->origins) origin += (origin.empty() ? "" : ",") + o;
    }
    commonHeaders.emplace_back("Access-Control-Allow-Origin", "'" + origin + "'");
    if (cors->allowCredentials) {
      commonHeaders.emplace_back("Access-Control-Allow-Credentials", "'true'");
    }
  }
  std::optional<std::string> responseTemplate;
  bool statusCodesGiven = false;
  if (response.node && response.node->kind != Node::Kind::Null) {
    if (response.node->kind != Node::Kind::Map) {
      error(response.where, response.path,
            fmt::format("must be a mapping (headers, template, statusCodes), got {}",
                        response.node->kindName()));
      return std::nullopt;
    }
    Node& map = *response.node;
    if (Entry headers = get(map, "headers", response.path); headers.node) {
      if (auto values = templateMap(headers, false)) {
        addHeaders(commonHeaders, *values);
      } else {
        ok = false;
      }
    }
    if (Entry t = get(map, "template", response.path); t.node) {
      responseTemplate = stringSetting(t);
      ok = ok && responseTemplate;
    }
    if (Entry codes = get(map, "statusCodes", response.path); codes.node) {
      statusCodesGiven = true;
      if (codes.node->kind != Node::Kind::Map) {
        error(codes.where, codes.path,
              fmt::format("must be a mapping of status codes to {{pattern, template, headers}}, "
                          "got {}",
                          codes.node->kindName()));
        return std::nullopt;
      }
      for (size_t i = 0; i < codes.node->keys.size(); ++i) {
        const std::string& code = codes.node->keys[i];
        Entry body = get(*codes.node, code, codes.path);
        if (!body.node) {
          ok = false;
          continue;
        }
        int status = std::atoi(code.c_str());
        if (status < 100 || status > 599 || std::to_string(status) != code) {
          error(body.where, body.path, fmt::format("'{}' is not an HTTP status code", code));
          ok = false;
          continue;
        }
        RestIntegrationConfig::StatusCode entry;
        entry.code = code;
        entry.headers = commonHeaders;
        if (responseTemplate) entry.templates.emplace_back("application/json", *responseTemplate);
        if (body.node->kind == Node::Kind::Map) {
          if (Entry pattern = get(*body.node, "pattern", body.path); pattern.node) {
            if (auto v = stringSetting(pattern)) {
              entry.pattern = *v;
            } else {
              ok = false;
            }
          }
          if (Entry t = get(*body.node, "template", body.path); t.node) {
            if (t.node->kind == Node::Kind::Map) {
              if (auto map = templateMap(t, false)) {
                for (auto& [type, text] : *map) setTemplate(entry.templates, type, text);
              } else {
                ok = false;
              }
            } else if (auto text = stringSetting(t)) {
              setTemplate(entry.templates, "application/json", *text);
            } else {
              ok = false;
            }
          }
          if (Entry headers = get(*body.node, "headers", body.path); headers.node) {
            if (auto values = templateMap(headers, false)) {
              addHeaders(entry.headers, *values);
            } else {
              ok = false;
            }
          }
          warnUnsupportedKeys(*body.node, body.path, {"pattern", "template", "headers"});
        } else if (body.node->kind != Node::Kind::Null) {
          error(body.where, body.path,
                fmt::format("must be a mapping (pattern, template, headers), got {}",
                            body.node->kindName()));
          ok = false;
          continue;
        }
        config.statusCodes.push_back(std::move(entry));
      }
    }
    warnUnsupportedKeys(map, response.path, {"headers", "template", "statusCodes"});
  }
  if (!statusCodesGiven) {
    for (const auto& d : kDefaultStatusCodes) {
      RestIntegrationConfig::StatusCode entry;
      entry.code = d.code;
      entry.pattern = d.pattern;
      entry.headers = commonHeaders;
      if (responseTemplate) entry.templates.emplace_back("application/json", *responseTemplate);
      config.statusCodes.push_back(std::move(entry));
    }
  } else if (std::none_of(config.statusCodes.begin(), config.statusCodes.end(),
                          [](const auto& c) { return c.pattern.empty(); })) {
    // The Framework adds the default 200 when no status code is the default one.
    RestIntegrationConfig::StatusCode entry;
    entry.code = "200";
    entry.headers = commonHeaders;
    if (responseTemplate) entry.templates.emplace_back("application/json", *responseTemplate);
    std::erase_if(config.statusCodes, [](const auto& c) { return c.code == "200"; });
    config.statusCodes.push_back(std::move(entry));
  }
  // JavaScript orders an object's integer keys numerically, so the Framework lists the
  // integration responses by status code.
  std::stable_sort(
      config.statusCodes.begin(), config.statusCodes.end(),
      [](const auto& a, const auto& b) { return std::stoi(a.code) < std::stoi(b.code); });
  if (!ok) return std::nullopt;
  return config;
}

}  // namespace nimbus::config
