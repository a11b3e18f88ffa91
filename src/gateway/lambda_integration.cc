// API Gateway's non-proxy Lambda integration: request and response mapping templates, and the
// selection of an integration response by the function's error message.
#include "gateway/lambda_integration.h"

#include <fmt/format.h>

#include <cctype>
#include <map>

#include "core/base64.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "core/url.h"
#include "gateway/http_text.h"

namespace nimbus::gateway {

namespace {

using vtl::Value;

bool sameMediaType(std::string_view a, std::string_view b) {
  return iequals(detail::mediaTypeEssence(a), detail::mediaTypeEssence(b));
}

// API Gateway's own answers (gateway responses render {"message":...} without a space; a
// failed integration answers as REST's other integration failures).
HttpResponse gatewayAnswer(int status, std::string_view message, std::string_view errorType,
                           const ResponseIds& ids) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"message\":";
  appendJsonString(response.body, message);
  response.body += "}";
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back({"x-amzn-ErrorType", std::string(errorType)});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

// $input: the body a template maps (the request's, or the function's answer) and the
// request's parameters.
class Input : public vtl::HostObject {
 public:
  Input(std::string body, const MappingContext& mapping) : body_(std::move(body)), m_(mapping) {}

  // Set when a template asked for the body as JSON and it is not JSON.
  bool unparsableJson = false;

  std::optional<Value> property(std::string_view name) override {
    if (name == "body") return Value::of(body_);
    return std::nullopt;
  }

  std::optional<Value> call(std::string_view name, std::vector<Value>& args,
                            std::string& error) override {
    std::string arg = args.empty() ? std::string() : vtl::toText(args[0]);
    if (name == "params") {
      if (args.empty()) return m_.params;
      // A path parameter, else a query string parameter, else a header (any case).
      for (const char* where : {"path", "querystring"}) {
        if (const Value* map = m_.params.find(where)) {
          if (const Value* v = map->find(arg)) return *v;
        }
      }
      if (const Value* headers = m_.params.find("header")) {
        for (const auto& [k, v] : *headers->map) {
          if (iequals(k, arg)) return v;
        }
      }
      return Value::of(std::string());
    }
    if (name == "json" || name == "path") {
      const Value* root = document();
      if (!root) {
        if (name == "path") return Value::of(body_);  // A body that is not JSON, as it is.
        unparsableJson = true;
        error = "Could not parse request body into json: the body is not valid JSON";
        return std::nullopt;
      }
      auto found = detail::jsonPath(*root, arg);
      if (!found) {
        error = fmt::format("Invalid JSONPath '{}'", arg);
        return std::nullopt;
      }
      if (name == "path") return found;
      return Value::of(vtl::toJson(*found));
    }
    return std::nullopt;
  }

 private:
  // The body as JSON, parsed on first use; an empty body is an empty object.
  const Value* document() {
    if (!parsed_) {
      parsed_ = true;
      doc_ = body_.empty() ? std::optional<Value>(Value::ofMap()) : vtl::parseJson(body_);
    }
    return doc_ ? &*doc_ : nullptr;
  }

  std::string body_;
  const MappingContext& m_;
  bool parsed_ = false;
  std::optional<Value> doc_;
};

// $util.
class Util : public vtl::HostObject {
 public:
  std::optional<Value> property(std::string_view) override { return std::nullopt; }

  std::optional<Value> call(std::string_view name, std::vector<Value>& args,
                            std::string& error) override {
    if (args.empty()) return std::nullopt;
    if (args[0].isNull()) return Value::null();
    std::string arg = vtl::toText(args[0]);
    if (name == "escapeJavaScript") return Value::of(detail::escapeJavaScript(arg));
    if (name == "urlDecode") return Value::of(percentDecode(arg, true));
    if (name == "urlEncode") {
      // Java's URLEncoder: letters, digits and ".-*_" stay, space is '+'.
      std::string out;
      for (unsigned char c : arg) {
        if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') {
          out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
          out.push_back('+');
        } else {
          out += fmt::format("%{:02X}", c);
        }
      }
      return Value::of(std::move(out));
    }
    if (name == "base64Encode") return Value::of(base64Encode(arg));
    if (name == "base64Decode") {
      auto decoded = base64Decode(arg);
      return decoded ? Value::of(std::move(*decoded)) : Value::null();
    }
    if (name == "parseJson") {
      auto parsed = vtl::parseJson(arg);
      if (!parsed) error = "Unable to parse the string as JSON ($util.parseJson)";
      return parsed;
    }
    return std::nullopt;
  }
};

vtl::Value stringMap(const std::vector<std::pair<std::string, std::string>>& entries) {
  Value map = Value::ofMap();
  for (const auto& [k, v] : entries) map.put(k, Value::of(v));
  return map;
}

void renderScope(std::map<std::string, Value>& vars, std::shared_ptr<Input> input,
                 const MappingContext& m) {
  vars["input"] = Value::ofHost(std::move(input));
  vars["util"] = Value::ofHost(std::make_shared<Util>());
  vars["context"] = m.context;
  vars["stageVariables"] = m.stageVariables;
}

// The value of a header mapping expression: 'literal', integration.response.body or one of its
// JSON fields. Lambda answers carry no headers, so integration.response.header.X maps nothing.
std::optional<std::string> headerValue(std::string_view expression, std::string_view payload) {
  if (expression.size() >= 2 && expression.front() == '\'' && expression.back() == '\'') {
    return std::string(expression.substr(1, expression.size() - 2));
  }
  constexpr std::string_view body = "integration.response.body";
  if (expression == body) return std::string(payload);
  if (expression.starts_with(body) && expression[body.size()] == '.') {
    auto doc = vtl::parseJson(payload);
    if (!doc) return std::nullopt;
    auto v = detail::jsonPath(*doc, "$" + std::string(expression.substr(body.size())));
    if (!v || v->isNull()) return std::nullopt;
    return v->kind == Value::Kind::String ? v->text : vtl::toJson(*v);
  }
  return std::nullopt;
}

}  // namespace

namespace detail {

std::string escapeJavaScript(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto unit = [&](uint32_t u) { out += fmt::format("\\u{:04X}", u); };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
           (s[i + 3] & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
      len = 2;
    }
    i += len;
    if (cp > 0xFFFF) {  // Java escapes each UTF-16 unit of a surrogate pair.
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
      continue;
    }
    if (cp > 0x7F) {
      unit(cp);
      continue;
    }
    switch (cp) {
      case '\b':
        out += "\\b";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\'':
      case '"':
      case '\\':
      case '/':
        out.push_back('\\');
        out.push_back(static_cast<char>(cp));
        break;
      default:
        if (cp < 0x20) {
          unit(cp);
        } else {
          out.push_back(static_cast<char>(cp));
        }
    }
  }
  return out;
}

std::optional<Value> jsonPath(const Value& root, std::string_view path) {
  if (path.empty() || path[0] != '$') return std::nullopt;
  std::vector<Value> current{root};
  size_t i = 1;
  bool spread = false;  // After [*] the result is a list.
  while (i < path.size()) {
    std::vector<Value> next;
    if (path[i] == '.') {
      size_t start = ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      std::string key(path.substr(start, i - start));
      if (key.empty()) return std::nullopt;
      for (const auto& v : current) {
        if (key == "*" && v.kind == Value::Kind::Map) {
          for (const auto& [k, item] : *v.map) next.push_back(item);
          spread = true;
        } else if (const Value* found = v.find(key)) {
          next.push_back(*found);
        }
      }
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inside = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"')) {
        std::string key(inside.substr(1, inside.size() - 2));
        for (const auto& v : current) {
          if (const Value* found = v.find(key)) next.push_back(*found);
        }
      } else if (inside == "*") {
        spread = true;
        for (const auto& v : current) {
          if (v.kind == Value::Kind::List) next.insert(next.end(), v.list->begin(), v.list->end());
          if (v.kind == Value::Kind::Map) {
            for (const auto& [k, item] : *v.map) next.push_back(item);
          }
        }
      } else {
        char* end = nullptr;
        std::string text(inside);
        long index = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
        for (const auto& v : current) {
          if (v.kind != Value::Kind::List) continue;
          long at = index < 0 ? index + static_cast<long>(v.list->size()) : index;
          if (at >= 0 && static_cast<size_t>(at) < v.list->size()) next.push_back((*v.list)[at]);
        }
      }
    } else {
      return std::nullopt;
    }
    current = std::move(next);
  }
  if (spread) return Value::ofList(std::move(current));
  if (current.empty()) return Value::null();
  return current[0];
}

}  // namespace detail

std::variant<LambdaIntegration, std::string> LambdaIntegration::compile(
    const LambdaIntegrationSource& src) {
  LambdaIntegration out;
  out.passthrough = src.passthrough;
  auto parse = [](const std::string& text, const std::string& what,
                  std::string& problem) -> std::shared_ptr<const vtl::Template> {
    std::string error;
    auto t = vtl::Template::parse(text, error);
    if (!t) {
      problem = fmt::format("{}: {}", what, error);
      return nullptr;
    }
    return std::make_shared<const vtl::Template>(std::move(*t));
  };
  std::string problem;
  for (const auto& [type, text] : src.requestTemplates) {
    auto t = parse(text, "request template " + type, problem);
    if (!t) return problem;
    out.requestTemplates.emplace_back(type, std::move(t));
  }
  for (const auto& r : src.responses) {
    Response response;
    int status = std::atoi(r.statusCode.c_str());
    if (status < 100 || status > 599) {
      return fmt::format("status code '{}' is not an HTTP status", r.statusCode);
    }
    response.statusCode = status;
    if (!r.selectionPattern.empty()) {
      try {
        response.pattern.emplace(r.selectionPattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return fmt::format("status code {}: pattern '{}' is not a valid regular expression",
                           r.statusCode, r.selectionPattern);
      }
    }
    response.headers = r.headers;
    for (const auto& [type, text] : r.templates) {
      auto t =
          parse(text, fmt::format("status code {}: response template {}", status, type), problem);
      if (!t) return problem;
      response.templates.emplace_back(type, std::move(t));
    }
    out.responses.push_back(std::move(response));
  }
  return out;
}

MappingContext mappingContext(const HttpRequest& request, const RouteMatch& match,
                              const RequestContextInfo& info) {
  MappingContext m;
  auto [targetPath, rawQuery] = detail::splitTarget(request.target);
  RestPath restPath = splitRestPath(targetPath, info.stage);

  // Headers as the method request has them: the last value of a repeated name.
  Value headers = Value::ofMap();
  for (const auto& h : request.headers) {
    if (iequals(h.name, "connection") || iequals(h.name, "content-length")) continue;
    bool replaced = false;
    for (auto& [k, v] : *headers.map) {
      if (iequals(k, h.name)) {
        v = Value::of(h.value);
        replaced = true;
      }
    }
    if (!replaced) headers.put(h.name, Value::of(h.value));
  }
  Value query = Value::ofMap();
  detail::forEachQueryParameter(rawQuery, [&](std::string_view name, std::string_view value) {
    query.put(std::string(name), Value::of(std::string(value)));
  });
  m.params = Value::ofMap({{"path", stringMap(match.pathParameters)},
                           {"querystring", std::move(query)},
                           {"header", std::move(headers)}});
  m.stageVariables = stringMap(info.stageVariables);

  const HttpHeader* userAgent = findHeader(request.headers, "user-agent");
  // Absent identity values are empty strings in templates, as API Gateway renders them.
  Value identity = Value::ofMap({{"accountId", Value::of("")},
                                 {"apiKey", Value::of(info.apiKey)},
                                 {"apiKeyId", Value::of(info.apiKeyId)},
                                 {"caller", Value::of("")},
                                 {"cognitoAuthenticationProvider", Value::of("")},
                                 {"cognitoAuthenticationType", Value::of("")},
                                 {"cognitoIdentityId", Value::of("")},
                                 {"cognitoIdentityPoolId", Value::of("")},
                                 {"principalOrgId", Value::of("")},
                                 {"sourceIp", Value::of(request.sourceIp)},
                                 {"user", Value::of("")},
                                 {"userAgent", Value::of(userAgent ? userAgent->value : "")},
                                 {"userArn", Value::of("")}});
  Value authorizer = Value::ofMap();
  if (!info.authorizer.empty()) {
    if (auto parsed = vtl::parseJson(info.authorizer); parsed && parsed->kind == Value::Kind::Map) {
      authorizer = std::move(*parsed);
    }
  }
  std::string path = "/" + info.stage + std::string(restPath.afterStage);
  m.context = Value::ofMap(
      {{"accountId", Value::of(info.accountId)},
       {"apiId", Value::of(info.apiId)},
       {"authorizer", std::move(authorizer)},
       {"domainName", Value::of(info.domainName)},
       {"domainPrefix",
        Value::of(std::string(info.domainName.substr(0, info.domainName.find_first_of(".:"))))},
       {"extendedRequestId", Value::of(info.extendedRequestId)},
       {"httpMethod", Value::of(request.method)},
       {"identity", std::move(identity)},
       {"path", Value::of(std::move(path))},
       {"protocol", Value::of(request.protocol)},
       {"requestId", Value::of(info.requestId)},
       {"requestTime", Value::of(apiGatewayTime(info.time))},
       {"requestTimeEpoch", Value::of(static_cast<double>(epochMillis(info.time)), true)},
       {"resourceId", Value::of(std::string(match.resourceId))},
       {"resourcePath", Value::of(std::string(match.resourcePath))},
       {"stage", Value::of(info.stage)}});
  return m;
}

IntegrationRequest integrationRequest(const LambdaIntegration& integration,
                                      const HttpRequest& request, const MappingContext& mapping,
                                      const ResponseIds& ids) {
  IntegrationRequest out;
  // Without a Content-Type, API Gateway takes the body for application/json.
  const HttpHeader* contentType = findHeader(request.headers, "content-type");
  std::string_view type = contentType ? std::string_view(contentType->value) : "application/json";
  const vtl::Template* chosen = nullptr;
  for (const auto& [key, t] : integration.requestTemplates) {
    if (sameMediaType(key, type)) {
      chosen = t.get();
      break;
    }
  }
  if (!chosen) {
    bool passes = integration.passthrough == PassthroughBehavior::WhenNoMatch ||
                  (integration.passthrough == PassthroughBehavior::WhenNoTemplates &&
                   integration.requestTemplates.empty());
    if (!passes) {
      out.refusal =
          gatewayAnswer(415, "Unsupported Media Type", "UnsupportedMediaTypeException", ids);
      return out;
    }
    out.payload = request.body;
  } else {
    auto input = std::make_shared<Input>(request.body, mapping);
    std::map<std::string, Value> vars;
    renderScope(vars, input, mapping);
    auto result = chosen->render(std::move(vars));
    if (!result.ok) {
      out.refusal = input->unparsableJson
                        ? gatewayAnswer(400, result.error, "BadRequestException", ids)
                        : errorResponse(ApiKind::Rest, GatewayError::InternalError, ids);
      return out;
    }
    out.payload = std::move(result.output);
  }
  // Lambda takes only JSON events (InvalidRequestContentException), which API Gateway answers
  // as an integration failure.
  if (!vtl::parseJson(*out.payload)) {
    out.payload.reset();
    out.refusal = errorResponse(ApiKind::Rest, GatewayError::InternalError, ids);
  }
  return out;
}

HttpResponse integrationResponse(const LambdaIntegration& integration, bool functionError,
                                 std::string_view payload, std::string_view accept,
                                 const MappingContext& mapping, const ResponseIds& ids) {
  const LambdaIntegration::Response* chosen = nullptr;
  if (functionError) {
    std::string message;
    if (auto doc = vtl::parseJson(payload)) {
      if (const Value* m = doc->find("errorMessage")) message = vtl::toText(*m);
    }
    for (const auto& r : integration.responses) {
      if (r.pattern && std::regex_match(message, *r.pattern)) {
        chosen = &r;
        break;
      }
    }
  }
  if (!chosen) {
    for (const auto& r : integration.responses) {
      if (!r.pattern) {
        chosen = &r;
        break;
      }
    }
  }
  if (!chosen) return errorResponse(ApiKind::Rest, GatewayError::InternalError, ids);

  HttpResponse response;
  response.status = chosen->statusCode;
  std::string contentType = "application/json";
  if (chosen->templates.empty()) {
    response.body = payload;
  } else {
    const auto* t = &chosen->templates.front();
    std::string_view wanted = detail::firstAcceptedMediaType(accept);
    bool exact = false;
    for (const auto& entry : chosen->templates) {
      if (!wanted.empty() && sameMediaType(entry.first, wanted)) {
        t = &entry;
        exact = true;
        break;
      }
    }
    if (!exact) {
      for (const auto& entry : chosen->templates) {
        if (sameMediaType(entry.first, "application/json")) t = &entry;
      }
    }
    contentType = t->first;
    std::map<std::string, Value> vars;
    renderScope(vars, std::make_shared<Input>(std::string(payload), mapping), mapping);
    auto result = t->second->render(std::move(vars));
    if (!result.ok) return errorResponse(ApiKind::Rest, GatewayError::InternalError, ids);
    response.body = std::move(result.output);
  }
  bool contentTypeMapped = false;
  for (const auto& [name, expression] : chosen->headers) {
    auto value = headerValue(expression, payload);
    if (!value) continue;
    contentTypeMapped = contentTypeMapped || iequals(name, "content-type");
    response.headers.push_back({name, std::move(*value)});
  }
  if (!contentTypeMapped) response.headers.push_back({"Content-Type", contentType});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

}  // namespace nimbus::gateway
