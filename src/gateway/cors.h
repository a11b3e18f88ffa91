// CORS as API Gateway does it for each API kind.
//
// HTTP API (`provider.httpApi.cors`): the API's CorsConfiguration. API Gateway answers preflight
// requests itself and adds the configured headers to integration responses when the request's
// Origin is allowed, ignoring CORS headers the function sets.
//
// REST (`cors` on `http` events): the Serverless Framework adds an OPTIONS method with a MOCK
// integration to every resource that has a CORS setting; it answers 200 with fixed headers.
// Responses of the Lambda proxy integration pass unchanged: the function sets its own
// Access-Control-Allow-Origin.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {

// A preflight request as both API kinds recognise it: OPTIONS with an Origin and an
// Access-Control-Request-Method header.
bool isCorsPreflight(const HttpRequest& request);

// An HTTP API's CorsConfiguration, as the Framework compiles `provider.httpApi.cors`.
struct HttpApiCors {
  std::vector<std::string> allowOrigins;  // Exact origins, or "*" for any.
  std::vector<std::string> allowHeaders;
  std::vector<std::string> allowMethods;
  std::vector<std::string> exposeHeaders;
  bool allowCredentials = false;
  std::optional<int> maxAge;  // Seconds.
};

// The Access-Control-Allow-Origin value for a request Origin: "*" when any origin is allowed
// (and credentials are not), the origin itself when listed, empty when it is not allowed (or
// the request has no Origin). Origins compare exactly.
std::string_view httpApiAllowedOrigin(const HttpApiCors& cors, std::string_view origin);

// API Gateway's own answer to an HTTP API preflight: 204 with allow-origin, allow-credentials,
// allow-methods, allow-headers and max-age when the Origin is allowed, and without CORS headers
// when it is not.
HttpResponse httpApiPreflightResponse(const HttpApiCors& cors, std::string_view origin,
                                      const ResponseIds& ids);

// Applies the configuration to an integration's response: CORS headers the function set are
// removed, and allow-origin, allow-credentials and expose-headers are added when `origin` is
// allowed.
void applyHttpApiCors(const HttpApiCors& cors, std::string_view origin, HttpResponse& response);

// One `http` event's `cors:` as written (`true` gives the Framework's defaults).
struct RestCorsSetting {
  std::string method;                 // The event's method, upper case ("GET", "ANY").
  std::optional<std::string> origin;  // `origin` (may hold a comma-separated list).
  std::vector<std::string> origins;   // `origins`.
  std::optional<std::vector<std::string>> headers;  // Absent: the Framework's default list.
  std::vector<std::string> methods;                 // `methods` (object form).
  bool objectForm = false;
  bool allowCredentials = false;
  std::optional<int> maxAge;
  std::string cacheControl;
};

// The OPTIONS mock of one REST resource: the `cors` settings of every event on its path merged
// as the Framework merges them.
struct RestCors {
  std::string allowOrigin;  // The static Access-Control-Allow-Origin.
  // With an `origins` list, a request Origin matching one of these (the Framework's wildcard
  // form: '*' is one or more characters) is echoed instead.
  std::vector<std::string> originPatterns;
  std::string allowHeaders;  // Joined with ','.
  std::string allowMethods;  // Joined with ','; ANY spelled out.
  bool allowCredentials = false;
  std::optional<int> maxAge;
  std::string cacheControl;
};

// Merges the settings of the events on one path, in file order.
RestCors compileRestCors(const std::vector<RestCorsSetting>& settings);

// The Framework's MOCK answer to OPTIONS on a resource with CORS: 200, empty body, content-type
// application/json, the Access-Control-* headers, Cache-Control when set, and REST's id headers.
HttpResponse restPreflightResponse(const RestCors& cors, const HttpRequest& request,
                                   const ResponseIds& ids);

// The Framework's origin wildcard ("https://*.example.com"): '.' literal, the first '*' one or
// more characters, the whole origin matched.
bool matchesOriginPattern(std::string_view pattern, std::string_view origin);

}  // namespace nimbus::gateway
