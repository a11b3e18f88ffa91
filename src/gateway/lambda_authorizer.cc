#include "gateway/lambda_authorizer.h"

#include <simdjson.h>

#include <span>

#include "core/json_writer.h"
#include "core/url.h"

namespace nimbus::gateway {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

simdjson::dom::parser& authorizerParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Writes the fields of the proxy event `event` but its body, after the fields already written.
bool copyEventWithoutBody(JsonWriter& w, std::string_view event) {
  element root;
  if (authorizerParser().parse(event.data(), event.size()).get(root)) return false;
  object fields;
  if (root.get(fields)) return false;
  for (auto field : fields) {
    if (field.key == "body" || field.key == "isBase64Encoded") continue;
    w.key(field.key).raw(simdjson::minify(field.value));
  }
  return true;
}

// A policyDocument's statement as ResourcePolicy compiles it. Statements carry no Principal: they
// are about the caller the authorizer identified.
std::optional<PolicyStatementSpec> statementOf(element statement) {
  object fields;
  if (statement.get(fields)) return std::nullopt;
  PolicyStatementSpec spec;
  spec.principals = {"*"};
  auto strings = [](element value, std::vector<std::string>& out) {
    if (std::string_view s; !value.get(s)) {
      out.emplace_back(s);
      return true;
    }
    simdjson::dom::array list;
    if (value.get(list)) return false;
    for (element item : list) {
      std::string_view s;
      if (item.get(s)) return false;
      out.emplace_back(s);
    }
    return true;
  };
  bool hasEffect = false, hasAction = false, hasResource = false;
  for (auto field : fields) {
    std::string_view key = field.key;
    if (iequals(key, "Effect")) {
      std::string_view effect;
      if (field.value.get(effect)) return std::nullopt;
      if (iequals(effect, "Allow")) {
        spec.allow = true;
      } else if (iequals(effect, "Deny")) {
        spec.allow = false;
      } else {
        return std::nullopt;
      }
      hasEffect = true;
    } else if (iequals(key, "Action") || iequals(key, "NotAction")) {
      spec.notAction = iequals(key, "NotAction");
      if (!strings(field.value, spec.actions)) return std::nullopt;
      hasAction = true;
    } else if (iequals(key, "Resource") || iequals(key, "NotResource")) {
      spec.notResource = iequals(key, "NotResource");
      if (!strings(field.value, spec.resources)) return std::nullopt;
      hasResource = true;
    } else if (iequals(key, "Condition")) {
      object operators;
      if (field.value.is_null()) continue;
      if (field.value.get(operators)) return std::nullopt;
      for (auto op : operators) {
        object keys;
        if (op.value.get(keys)) return std::nullopt;
        for (auto k : keys) {
          PolicyStatementSpec::Condition condition;
          condition.op = std::string(op.key);
          condition.key = std::string(k.key);
          // Values other than strings (numbers, booleans) keep their JSON text.
          if (!strings(k.value, condition.values)) condition.values = {simdjson::minify(k.value)};
          spec.conditions.push_back(std::move(condition));
        }
      }
    }
  }
  if (!hasEffect || !hasAction || !hasResource) return std::nullopt;
  return spec;
}

// The `context` map: string, number and boolean values only, as API Gateway requires; anything
// else (an object or an array) makes the answer invalid.
std::optional<std::string> contextOf(object answer) {
  element context;
  if (answer["context"].get(context) || context.is_null()) return std::string("{}");
  object fields;
  if (context.get(fields)) return std::nullopt;
  for (auto field : fields) {
    element_type type = field.value.type();
    if (type == element_type::OBJECT || type == element_type::ARRAY) return std::nullopt;
  }
  return simdjson::minify(context);
}

}  // namespace

std::optional<IdentitySource> parseIdentitySource(std::string_view text, ApiKind kind) {
  struct Prefix {
    std::string_view text;
    IdentitySource::From from;
  };
  static constexpr Prefix kRest[] = {
      {"method.request.header.", IdentitySource::From::Header},
      {"method.request.querystring.", IdentitySource::From::Query},
      {"stageVariables.", IdentitySource::From::StageVariable},
  };
  static constexpr Prefix kHttp[] = {
      {"$request.header.", IdentitySource::From::Header},
      {"$request.querystring.", IdentitySource::From::Query},
      {"$stageVariables.", IdentitySource::From::StageVariable},
  };
  for (const Prefix& p :
       kind == ApiKind::Rest ? std::span<const Prefix>(kRest) : std::span<const Prefix>(kHttp)) {
    if (text.starts_with(p.text) && text.size() > p.text.size()) {
      return IdentitySource{p.from, std::string(text.substr(p.text.size()))};
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> identityValues(const LambdaAuthorizerSpec& spec,
                                                       const HttpRequest& request,
                                                       const RequestContextInfo& info) {
  std::vector<std::string> values;
  values.reserve(spec.identitySources.size());
  for (const IdentitySource& source : spec.identitySources) {
    std::string value;
    switch (source.from) {
      case IdentitySource::From::Header: {
        // Repeated headers count as one value joined with commas, as HTTP reads them.
        for (const auto& h : request.headers) {
          if (!iequals(h.name, source.name)) continue;
          if (!value.empty()) value += ',';
          value += h.value;
        }
        break;
      }
      case IdentitySource::From::Query:
        if (size_t q = request.target.find('?'); q != std::string::npos) {
          value = queryParameter(std::string_view(request.target).substr(q + 1), source.name);
        }
        break;
      case IdentitySource::From::StageVariable:
        for (const auto& [name, v] : info.stageVariables) {
          if (name == source.name) value = v;
        }
        break;
    }
    if (value.empty()) return std::nullopt;
    values.push_back(std::move(value));
  }
  return values;
}

std::string authorizerCacheKey(const std::vector<std::string>& values) {
  std::string key;
  for (const auto& v : values) {
    key += std::to_string(v.size());
    key += ':';
    key += v;
  }
  return key;
}

std::string tokenAuthorizerEvent(std::string_view token, std::string_view methodArn) {
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  w.field("type", "TOKEN").field("authorizationToken", token).field("methodArn", methodArn);
  w.endObject();
  return out;
}

std::string requestAuthorizerEvent(const LambdaAuthorizerSpec& spec,
                                   std::string_view integrationEvent, std::string_view methodArn,
                                   const std::vector<std::string>& identity) {
  std::string joined;
  for (const auto& v : identity) {
    if (!joined.empty()) joined += ',';
    joined += v;
  }
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  if (spec.kind == ApiKind::Http) {
    w.field("version", spec.payloadV2 ? "2.0" : "1.0");
  }
  w.field("type", "REQUEST");
  if (spec.kind == ApiKind::Http && spec.payloadV2) {
    w.field("routeArn", methodArn);
    w.key("identitySource").beginArray();
    for (const auto& v : identity) w.string(v);
    w.endArray();
  } else {
    w.field("methodArn", methodArn);
    if (spec.kind == ApiKind::Http) {
      w.field("identitySource", joined).field("authorizationToken", joined);
    }
  }
  copyEventWithoutBody(w, integrationEvent);
  w.endObject();
  return out;
}

AuthorizerVerdict parseAuthorizerAnswer(const LambdaAuthorizerSpec& spec, std::string_view payload,
                                        const PolicyScope& scope) {
  AuthorizerVerdict verdict;
  element root;
  object answer;
  if (authorizerParser().parse(payload.data(), payload.size()).get(root) || root.get(answer)) {
    return verdict;
  }
  auto context = contextOf(answer);
  if (!context) return verdict;
  verdict.contextJson = std::move(*context);

  if (spec.kind == ApiKind::Http && spec.payloadV2 && spec.simpleResponses) {
    bool authorized = false;
    if (answer["isAuthorized"].get(authorized)) return verdict;
    verdict.simple = true;
    verdict.isAuthorized = authorized;
    verdict.valid = true;
    return verdict;
  }

  element principal;
  if (!answer["principalId"].get(principal)) {
    std::string_view text;
    if (!principal.get(text)) verdict.principalId = std::string(text);
  }
  object document;
  if (answer["policyDocument"].get(document)) return verdict;
  element statements;
  if (document["Statement"].get(statements)) return verdict;
  std::vector<PolicyStatementSpec> specs;
  simdjson::dom::array list;
  if (!statements.get(list)) {
    for (element s : list) {
      auto statement = statementOf(s);
      if (!statement) return verdict;
      specs.push_back(std::move(*statement));
    }
  } else {
    auto statement = statementOf(statements);
    if (!statement) return verdict;
    specs.push_back(std::move(*statement));
  }
  auto compiled = ResourcePolicy::compile(specs, scope);
  if (auto* policy = std::get_if<ResourcePolicy>(&compiled)) {
    verdict.policy = std::move(*policy);
    verdict.valid = true;
  }
  return verdict;
}

bool isUnauthorizedError(std::string_view errorPayload) {
  element root;
  std::string_view message;
  return !authorizerParser().parse(errorPayload.data(), errorPayload.size()).get(root) &&
         !root["errorMessage"].get(message) && message == "Unauthorized";
}

AuthorizerOutcome decideAuthorizer(const AuthorizerVerdict& verdict, std::string_view methodArn,
                                   std::string_view sourceIp) {
  if (!verdict.valid) return AuthorizerOutcome::Failed;
  if (verdict.simple) {
    return verdict.isAuthorized ? AuthorizerOutcome::Allowed : AuthorizerOutcome::ImplicitDeny;
  }
  switch (verdict.policy->decide(methodArn, sourceIp)) {
    case ResourcePolicy::Decision::Allow:
      return AuthorizerOutcome::Allowed;
    case ResourcePolicy::Decision::ExplicitDeny:
      return AuthorizerOutcome::ExplicitDeny;
    case ResourcePolicy::Decision::ImplicitDeny:
      return AuthorizerOutcome::ImplicitDeny;
  }
  return AuthorizerOutcome::Failed;
}

std::string authorizerContextJson(ApiKind kind, const AuthorizerVerdict& verdict,
                                  int64_t integrationLatencyMs) {
  std::string out;
  if (kind == ApiKind::Http) {
    out = R"({"lambda":)";
    out += verdict.contextJson;
    out += '}';
    return out;
  }
  JsonWriter w(out);
  w.beginObject();
  w.field("principalId", verdict.principalId);
  w.field("integrationLatency", integrationLatencyMs);
  element root;
  object context;
  if (!authorizerParser().parse(verdict.contextJson).get(root) && !root.get(context)) {
    for (auto field : context) {
      if (field.key == "principalId" || field.key == "integrationLatency") continue;
      w.key(field.key).raw(simdjson::minify(field.value));
    }
  }
  w.endObject();
  return out;
}

HttpResponse authorizerRefusal(ApiKind kind, AuthorizerOutcome outcome, const ResponseIds& ids) {
  HttpResponse response;
  if (kind == ApiKind::Http) {
    switch (outcome) {
      case AuthorizerOutcome::Unauthorized:
        response.status = 401;
        response.body = R"({"message":"Unauthorized"})";
        break;
      case AuthorizerOutcome::ExplicitDeny:
      case AuthorizerOutcome::ImplicitDeny:
        response.status = 403;
        response.body = R"({"message":"Forbidden"})";
        break;
      default:
        response.status = 500;
        response.body = R"({"message":"Internal Server Error"})";
        break;
    }
    response.headers.push_back({"content-type", "application/json"});
    addResponseIds(ApiKind::Http, response, ids);
    return response;
  }
  std::string_view errorType;
  switch (outcome) {
    case AuthorizerOutcome::Unauthorized:
      response.status = 401;
      response.body = R"({"message":"Unauthorized"})";
      errorType = "UnauthorizedException";
      break;
    case AuthorizerOutcome::ExplicitDeny:
      response.status = 403;
      response.body =
          R"({"Message":"User is not authorized to access this resource with an explicit deny"})";
      errorType = "AccessDeniedException";
      break;
    case AuthorizerOutcome::ImplicitDeny:
      response.status = 403;
      response.body = R"({"Message":"User is not authorized to access this resource"})";
      errorType = "AccessDeniedException";
      break;
    default:
      response.status = 500;
      response.body = R"({"message":null})";
      errorType = "AuthorizerConfigurationException";
      break;
  }
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back({"x-amzn-ErrorType", std::string(errorType)});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

}  // namespace nimbus::gateway
