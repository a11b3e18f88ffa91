// Lambda authorizers, as pure functions: what API Gateway takes from a request as its identity,
// the event it sends the authorizer function (REST TOKEN and REQUEST; HTTP API payload 1.0 and
// 2.0), how it reads the function's answer (an IAM policy with principalId and context, or the
// HTTP API's simple {isAuthorized, context}), and the answers it gives when the caller is
// refused. Invoking the function and caching its answers is the caller's business.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"
#include "gateway/resource_policy.h"

namespace nimbus::gateway {

// One identity source: REST "method.request.header.NAME", "method.request.querystring.NAME",
// "stageVariables.NAME"; HTTP API "$request.header.NAME", "$request.querystring.NAME",
// "$stageVariables.NAME".
struct IdentitySource {
  enum class From { Header, Query, StageVariable };
  From from = From::Header;
  std::string name;
};
// Nullopt for a text that names no source either API kind takes (or one of the other kind).
std::optional<IdentitySource> parseIdentitySource(std::string_view text, ApiKind kind);

struct LambdaAuthorizerSpec {
  std::string name;
  std::string functionName;  // The function that decides, as Invoke names it.
  std::string qualifier;     // A version or alias from the ARN, else empty.
  ApiKind kind = ApiKind::Rest;
  bool tokenType = false;  // REST TOKEN (one header, sent as authorizationToken); else REQUEST.
  std::vector<IdentitySource> identitySources;
  int resultTtlSeconds = 300;  // 0: every request asks the function.
  // REST TOKEN: a token that does not match is refused with 401 without asking the function.
  std::optional<std::regex> tokenPattern;
  bool payloadV2 = true;         // HTTP API: payload format 2.0 (else 1.0).
  bool simpleResponses = false;  // HTTP API 2.0: {isAuthorized, context} answers.
};

// The request's identity source values in order, or nullopt when one is missing or empty (API
// Gateway then answers 401 without asking the function). Header names match without case.
std::optional<std::vector<std::string>> identityValues(const LambdaAuthorizerSpec& spec,
                                                       const HttpRequest& request,
                                                       const RequestContextInfo& info);

// The key a cached answer is stored under: the identity values, joined unambiguously.
std::string authorizerCacheKey(const std::vector<std::string>& values);

// The events sent to the authorizer function.
//  - REST TOKEN: {"type":"TOKEN","authorizationToken":...,"methodArn":...}.
//  - REST REQUEST and HTTP API 1.0: the request's payload-1.0 event without its body, with
//    "type":"REQUEST" and "methodArn" (1.0 also "version", and "identitySource" and
//    "authorizationToken" as the values joined with commas).
//  - HTTP API 2.0: the request's payload-2.0 event without its body, with "version", "type",
//    "routeArn" and "identitySource" (the values as a list).
// `integrationEvent` is the request's proxy event of that payload version, as built for the
// route.
std::string tokenAuthorizerEvent(std::string_view token, std::string_view methodArn);
std::string requestAuthorizerEvent(const LambdaAuthorizerSpec& spec,
                                   std::string_view integrationEvent, std::string_view methodArn,
                                   const std::vector<std::string>& identity);

// The function's answer, read. Invalid answers are refused with 500, as API Gateway refuses
// them (AuthorizerConfigurationException).
struct AuthorizerVerdict {
  bool valid = false;
  bool simple = false;                   // An {isAuthorized} answer.
  bool isAuthorized = false;             // simple only.
  std::optional<ResourcePolicy> policy;  // The policyDocument, when not simple.
  std::string principalId;
  std::string contextJson;  // The `context` object as JSON text; "{}" when absent or null.
};
AuthorizerVerdict parseAuthorizerAnswer(const LambdaAuthorizerSpec& spec, std::string_view payload,
                                        const PolicyScope& scope);

// Whether a function error is the authorizer's "Unauthorized" (its errorMessage exactly that):
// API Gateway's signal for 401. Any other error gives 500.
bool isUnauthorizedError(std::string_view errorPayload);

enum class AuthorizerOutcome { Allowed, Unauthorized, ExplicitDeny, ImplicitDeny, Failed };

// What a verdict (perhaps cached) means for the request to `methodArn`.
AuthorizerOutcome decideAuthorizer(const AuthorizerVerdict& verdict, std::string_view methodArn);

// The value of the integration event's requestContext.authorizer: REST (and HTTP API payload
// 1.0 routes) {"principalId":...,"integrationLatency":N, ...context}; HTTP API 2.0
// {"lambda":{...context}}.
std::string authorizerContextJson(ApiKind kind, const AuthorizerVerdict& verdict,
                                  int64_t integrationLatencyMs);

// API Gateway's answer for a refusal, byte-exact per API kind:
//  - REST: 401 {"message":"Unauthorized"}; 403 {"Message":"User is not authorized to access this
//    resource"} (with " with an explicit deny" for a Deny); 500 {"message": null}
//    (AuthorizerConfigurationException).
//  - HTTP API: 401 {"message":"Unauthorized"}, 403 {"message":"Forbidden"}, 500 {"message":
//    "Internal Server Error"}.
HttpResponse authorizerRefusal(ApiKind kind, AuthorizerOutcome outcome, const ResponseIds& ids);

}  // namespace nimbus::gateway
