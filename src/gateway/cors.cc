#include "gateway/cors.h"

#include <algorithm>

namespace nimbus::gateway {

namespace {

// The headers the Framework allows when `cors` does not list any.
const std::vector<std::string>& defaultRestCorsHeaders() {
  static const std::vector<std::string> headers = {
      "Content-Type",         "X-Amz-Date",       "Authorization",  "X-Api-Key",
      "X-Amz-Security-Token", "X-Amz-User-Agent", "X-Amzn-Trace-Id"};
  return headers;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

// lodash's _.union(first, second): the items of both, first occurrence kept, in order.
std::vector<std::string> unite(const std::vector<std::string>& first,
                               const std::vector<std::string>& second) {
  std::vector<std::string> out;
  for (const auto* list : {&first, &second}) {
    for (const auto& item : *list) {
      if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

bool isCorsPreflight(const HttpRequest& request) {
  return request.method == "OPTIONS" && findHeader(request.headers, "Origin") != nullptr &&
         findHeader(request.headers, "Access-Control-Request-Method") != nullptr;
}

std::string_view httpApiAllowedOrigin(const HttpApiCors& cors, std::string_view origin) {
  if (origin.empty()) return {};
  for (const auto& allowed : cors.allowOrigins) {
    if (allowed == "*") return cors.allowCredentials ? origin : std::string_view("*");
    if (allowed == origin) return origin;
  }
  return {};
}

HttpResponse httpApiPreflightResponse(const HttpApiCors& cors, std::string_view origin,
                                      const ResponseIds& ids) {
  HttpResponse response;
  response.status = 204;
  response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
  std::string_view allowed = httpApiAllowedOrigin(cors, origin);
  if (allowed.empty()) return response;
  response.headers.push_back({"access-control-allow-origin", std::string(allowed)});
  if (cors.allowCredentials)
    response.headers.push_back({"access-control-allow-credentials", "true"});
  if (!cors.allowMethods.empty()) {
    response.headers.push_back({"access-control-allow-methods", join(cors.allowMethods)});
  }
  if (!cors.allowHeaders.empty()) {
    response.headers.push_back({"access-control-allow-headers", join(cors.allowHeaders)});
  }
  if (cors.maxAge) {
    response.headers.push_back({"access-control-max-age", std::to_string(*cors.maxAge)});
  }
  return response;
}

void applyHttpApiCors(const HttpApiCors& cors, std::string_view origin, HttpResponse& response) {
  std::erase_if(response.headers,
                [](const HttpHeader& h) { return startsWithNoCase(h.name, "access-control-"); });
  std::string_view allowed = httpApiAllowedOrigin(cors, origin);
  if (allowed.empty()) return;
  response.headers.push_back({"access-control-allow-origin", std::string(allowed)});
  if (cors.allowCredentials)
    response.headers.push_back({"access-control-allow-credentials", "true"});
  if (!cors.exposeHeaders.empty()) {
    response.headers.push_back({"access-control-expose-headers", join(cors.exposeHeaders)});
  }
}

RestCors compileRestCors(const std::vector<RestCorsSetting>& settings) {
  // The Framework's validate step: each event's settings get defaults, then merge into the
  // path's: headers, methods and origins united (the later event's first), origin and
  // credentials from the last, maxAge and cacheControl from the last that sets them.
  std::vector<std::string> headers, methods, origins;
  std::optional<std::string> origin;
  bool allowCredentials = false;
  std::optional<int> maxAge;
  std::string cacheControl;
  for (const auto& s : settings) {
    std::vector<std::string> eventMethods;
    std::optional<std::string> eventOrigin = std::string("*");
    if (s.objectForm) {
      if (!s.origins.empty()) eventOrigin.reset();
      if (s.origin) eventOrigin = s.origin;
      eventMethods = s.methods;
      if (std::find(eventMethods.begin(), eventMethods.end(), "OPTIONS") == eventMethods.end()) {
        eventMethods.push_back("OPTIONS");
      }
      if (std::find(eventMethods.begin(), eventMethods.end(), s.method) == eventMethods.end()) {
        eventMethods.push_back(s.method);
      }
    } else {
      eventMethods = {"OPTIONS", s.method};
    }
    headers = unite(s.headers.value_or(defaultRestCorsHeaders()), headers);
    methods = unite(eventMethods, methods);
    origins = unite(s.origins, origins);
    origin = eventOrigin;
    allowCredentials = allowCredentials || s.allowCredentials;
    if (s.maxAge) maxAge = s.maxAge;
    if (!s.cacheControl.empty()) cacheControl = s.cacheControl;
  }

  // The compile step: an origin holding commas is a list; with a list, its first entry is the
  // static value and the response template echoes any request Origin that matches one.
  RestCors cors;
  if (origin && origin->find(',') != std::string::npos) {
    origins.clear();
    size_t start = 0;
    while (true) {
      size_t comma = origin->find(',', start);
      origins.push_back(trim(std::string_view(*origin).substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (!origins.empty()) {
    cors.allowOrigin = origins.front();
    cors.originPatterns = origins;
  } else {
    cors.allowOrigin = origin.value_or("undefined");  // What the Framework writes: JS undefined.
  }
  cors.allowHeaders = join(headers);
  std::string allowMethods = join(methods);
  // The Framework replaces the first "ANY" in the joined text.
  if (size_t any = allowMethods.find("ANY"); any != std::string::npos) {
    allowMethods.replace(any, 3, "DELETE,GET,HEAD,PATCH,POST,PUT");
  }
  cors.allowMethods = std::move(allowMethods);
  cors.allowCredentials = allowCredentials;
  cors.maxAge = maxAge;
  cors.cacheControl = std::move(cacheControl);
  return cors;
}

bool matchesOriginPattern(std::string_view pattern, std::string_view origin) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == origin;
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  // '*' becomes ".+": at least one character between prefix and suffix. A second '*' stays a
  // regular-expression quantifier in the Framework's template; here it is literal.
  return origin.size() > prefix.size() + suffix.size() &&
         origin.substr(0, prefix.size()) == prefix &&
         origin.substr(origin.size() - suffix.size()) == suffix;
}

HttpResponse restPreflightResponse(const RestCors& cors, const HttpRequest& request,
                                   const ResponseIds& ids) {
  HttpResponse response;
  response.status = 200;
  std::string allowOrigin = cors.allowOrigin;
  if (!cors.originPatterns.empty()) {
    if (const HttpHeader* origin = findHeader(request.headers, "Origin")) {
      for (const auto& pattern : cors.originPatterns) {
        if (matchesOriginPattern(pattern, origin->value)) {
          allowOrigin = origin->value;
          break;
        }
      }
    }
  }
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back({"Access-Control-Allow-Origin", std::move(allowOrigin)});
  response.headers.push_back({"Access-Control-Allow-Headers", cors.allowHeaders});
  response.headers.push_back({"Access-Control-Allow-Methods", cors.allowMethods});
  if (cors.allowCredentials)
    response.headers.push_back({"Access-Control-Allow-Credentials", "true"});
  if (cors.maxAge) {
    response.headers.push_back({"Access-Control-Max-Age", std::to_string(*cors.maxAge)});
  }
  if (!cors.cacheControl.empty()) response.headers.push_back({"Cache-Control", cors.cacheControl});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

}  // namespace nimbus::gateway
