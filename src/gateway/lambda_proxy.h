// The Lambda proxy integration of API Gateway, as pure functions: the event a request becomes
// (HTTP API payload 2.0, REST payload 1.0), the HTTP response a function's answer becomes, and the
// answers API Gateway gives on its own when something fails. No sockets and no invocation here:
// the HTTP server and the invoker call these.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"
#include "core/time_format.h"
#include "gateway/routes.h"

namespace nimbus::gateway {

// Limits that decide which error applies; the caller enforces them.
inline constexpr size_t kApiPayloadLimit = 10 * 1024 * 1024;        // Request body, both API kinds.
inline constexpr size_t kLambdaSyncPayloadLimit = 6 * 1024 * 1024;  // Event and response JSON.
inline constexpr int kHttpApiTimeoutSeconds = 30;                   // HTTP API integration timeout.
inline constexpr int kRestTimeoutSeconds = 29;  // REST default integration timeout.

// Per-request values API Gateway puts into events and response headers.
struct RequestContextInfo {
  std::string apiId;              // 10 lower-case alphanumerics, per API.
  std::string stage = "dev";      // REST stage; HTTP API events always report "$default".
  std::string requestId;          // HTTP API: newGatewayRequestId(); REST: a UUID.
  std::string extendedRequestId;  // REST only: newGatewayRequestId().
  std::string accountId = "000000000000";
  std::string domainName;    // The Host header, or "127.0.0.1:3000" without one.
  std::string deploymentId;  // REST only: 6 lower-case alphanumerics.
  std::string traceId;       // "Root=1-...": sent to the function as X-Amzn-Trace-Id when set.
  std::string forwardedProto = "http";  // X-Forwarded-Proto the function sees.
  WallTime time;
  std::vector<std::pair<std::string, std::string>> stageVariables;
  // The JSON value of requestContext.authorizer: a JWT authorizer's claims and scopes (see
  // authorizeJwt()) or a Lambda authorizer's context (see authorizerContextJson()); omitted when
  // empty.
  std::string authorizer;
  // REST: the API key of a method that requires one, and its id (requestContext.identity's
  // apiKey and apiKeyId); omitted when empty.
  std::string apiKey, apiKeyId;
};

// API Gateway's short request id form ("LV7fzho-PHcEJPw="), used by HTTP API requestId and
// apigw-requestid, and by REST extendedRequestId and x-amz-apigw-id.
std::string newGatewayRequestId();

// The ids API Gateway writes into response headers.
struct ResponseIds {
  std::string_view requestId;          // HTTP API apigw-requestid; REST x-amzn-RequestId.
  std::string_view extendedRequestId;  // REST x-amz-apigw-id.
  std::string_view traceId;            // REST X-Amzn-Trace-Id (omitted when empty).
};

inline ResponseIds responseIds(const RequestContextInfo& info) {
  return {info.requestId, info.extendedRequestId, info.traceId};
}

// Adds the id headers API Gateway puts on every response it sends: HTTP API apigw-requestid;
// REST x-amzn-RequestId, x-amz-apigw-id and X-Amzn-Trace-Id (each when set).
void addResponseIds(ApiKind kind, HttpResponse& response, const ResponseIds& ids);

// Payload format 2.0 event for an HTTP API route, as JSON text. Header names are lower-cased and
// repeated headers joined with commas; Cookie headers move to `cookies`; repeated query
// parameters are joined with commas. `cookies`, `queryStringParameters`, `pathParameters`,
// `stageVariables` and `body` are omitted when empty. The body is base64-encoded unless its
// Content-Type is text (see detail::isHttpApiTextMediaType). rawPath and requestContext.http.path
// are the decoded path; rawQueryString stays as sent.
std::string buildHttpApiEvent(const HttpRequest& request, const RouteMatch& match,
                              const RequestContextInfo& info);
void appendHttpApiEvent(std::string& out, const HttpRequest& request, const RouteMatch& match,
                        const RequestContextInfo& info);

// Payload format 1.0 event for a REST route, as JSON text. `request.target` is the target as
// received, with its "/{stage}" prefix. Headers keep their case, single-value maps keep the last
// value of a repeated name, and absent maps are null. The body is null when empty and
// base64-encoded when its Content-Type matches `binaryMediaTypes`.
std::string buildRestEvent(const HttpRequest& request, const RouteMatch& match,
                           const RequestContextInfo& info,
                           const std::vector<std::string>& binaryMediaTypes);
void appendRestEvent(std::string& out, const HttpRequest& request, const RouteMatch& match,
                     const RequestContextInfo& info,
                     const std::vector<std::string>& binaryMediaTypes);

// Payload format 1.0 event for an HTTP API route whose integration has PayloadFormatVersion 1.0
// (provider.httpApi.payload '1.0'), as JSON text: the REST event's fields and rules (single- and
// multi-value maps, null for absent ones) with "version": "1.0", the path as the HTTP API
// serves it (decoded, no stage), `resource` and requestContext.resourcePath the route's path
// ("$default" for the catch-all), requestContext.resourceId the route key, stage "$default",
// extendedRequestId the request id and no deploymentId. requestContext.authorizer holds the JWT
// claims and scopes, or a Lambda authorizer's context, without 2.0's "jwt"/"lambda" level.
// Content-Length is sent as for 2.0, and
// the body is base64-encoded unless its Content-Type is text (detail::isHttpApiTextMediaType).
std::string buildHttpApiV1Event(const HttpRequest& request, const RouteMatch& match,
                                const RequestContextInfo& info);
void appendHttpApiV1Event(std::string& out, const HttpRequest& request, const RouteMatch& match,
                          const RequestContextInfo& info);

// Why API Gateway answers by itself instead of with the function's response.
enum class GatewayError {
  NoRoute,             // No route matches the method and path.
  FunctionError,       // The function failed: unhandled error, crash, out of memory, its timeout.
  MalformedResponse,   // The function's answer is not a valid proxy response.
  ResponseTooLarge,    // The function's answer exceeded Lambda's 6 MB (a function error on AWS).
  IntegrationTimeout,  // No answer within 30 s (HTTP API) or 29 s (REST).
  LambdaThrottled,     // Lambda refused the invocation: concurrency limit reached.
  EventTooLarge,       // Lambda refused the invocation: the event exceeds 6 MB.
  InternalError,       // API Gateway failed itself (e.g. a base64 body it could not decode).
  RequestTooLarge,     // The request body exceeds API Gateway's 10 MB.
  Throttled,           // API Gateway's own rate limit.
};

// The answer API Gateway sends for `error`, byte-exact: status, JSON body, Content-Type and the
// headers each API kind adds (HTTP API: apigw-requestid; REST: x-amzn-RequestId,
// x-amzn-ErrorType, x-amz-apigw-id, X-Amzn-Trace-Id). Date, Content-Length and Connection are the
// HTTP server's.
HttpResponse errorResponse(ApiKind kind, GatewayError error, const ResponseIds& ids);

// Maps a function's payload-2.0 answer to the client response.
//  - A JSON object with "statusCode" is a structured response: statusCode (integer, or a string
//    of one, 100..599), headers (string, number or boolean values), cookies (array of strings,
//    each a Set-Cookie header), body (string), isBase64Encoded (boolean). Without a content-type
//    header, API Gateway sends "text/plain; charset=utf-8". multiValueHeaders is ignored.
//  - Any other valid JSON is inferred: status 200, content-type application/json, and as body
//    the string's value when the answer is a JSON string, else the JSON text as returned.
//  - Anything else (invalid JSON, a wrong field type, bad base64) is MalformedResponse.
HttpResponse mapHttpApiResponse(std::string_view functionPayload, const ResponseIds& ids);

// Maps a function's payload-1.0 (REST) answer to the client response. It must be a JSON object
// with only statusCode (integer or a string of one; default 200), headers (string or boolean
// values; null drops the header), multiValueHeaders (arrays), body (string or null) and
// isBase64Encoded (boolean); anything else is MalformedResponse (502). headers and
// multiValueHeaders merge, values from multiValueHeaders first, a pair present in both once.
// Without a Content-Type, API Gateway sends application/json. A base64 body is decoded only when
// the client's first Accept type matches `binaryMediaTypes`; otherwise it is sent as the base64
// text, as AWS does.
HttpResponse mapRestResponse(std::string_view functionPayload, const ResponseIds& ids,
                             std::string_view acceptHeader,
                             const std::vector<std::string>& binaryMediaTypes);

// Maps the answer of an HTTP API route's payload-1.0 integration. The 1.0 format has no
// inference: the answer must be a JSON object with statusCode (required; integer or a string of
// one) and only headers, multiValueHeaders, body and isBase64Encoded beside it, typed as for
// REST and merged as for REST. A base64 body is always decoded. Without a Content-Type, the
// answer is sent as application/json. Anything else, a bare object or a function's error
// object included, is MalformedResponse: HTTP API's 500 {"message":"Internal Server Error"}.
HttpResponse mapHttpApiV1Response(std::string_view functionPayload, const ResponseIds& ids);

}  // namespace nimbus::gateway
