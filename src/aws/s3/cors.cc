// Bucket CORS as S3 applies it: a preflight (OPTIONS on any object URL) is answered from the
// first rule that allows the origin, the method and every requested header; an actual request
// with an Origin gets the matching rule's headers.
#include <fmt/format.h>

#include "aws/s3/s3_impl.h"

namespace nimbus::aws::s3 {

namespace {

// S3's patterns allow one '*' wildcard anywhere ("https://*.example.com", "*").
bool wildcardMatch(std::string_view pattern, std::string_view value, bool ignoreCase) {
  auto equal = [&](std::string_view a, std::string_view b) {
    return ignoreCase ? iequals(a, b) : a == b;
  };
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return equal(pattern, value);
  std::string_view head = pattern.substr(0, star);
  std::string_view tail = pattern.substr(star + 1);
  return value.size() >= head.size() + tail.size() && equal(value.substr(0, head.size()), head) &&
         equal(value.substr(value.size() - tail.size()), tail);
}

std::vector<std::string> splitHeaderList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

bool ruleAllows(const CorsRule& rule, std::string_view origin, std::string_view method,
                const std::vector<std::string>& headers) {
  bool originOk =
      std::any_of(rule.allowedOrigins.begin(), rule.allowedOrigins.end(),
                  [&](const std::string& o) { return wildcardMatch(o, origin, false); });
  bool methodOk = std::any_of(rule.allowedMethods.begin(), rule.allowedMethods.end(),
                              [&](const std::string& m) { return m == method; });
  if (!originOk || !methodOk) return false;
  for (const auto& h : headers) {
    bool allowed = std::any_of(rule.allowedHeaders.begin(), rule.allowedHeaders.end(),
                               [&](const std::string& a) { return wildcardMatch(a, h, true); });
    if (!allowed) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// The headers a matching rule adds to an answer.
std::vector<HttpHeader> ruleHeaders(const CorsRule& rule, std::string_view origin,
                                    std::string_view method,
                                    const std::vector<std::string>& requestedHeaders) {
  bool anyOrigin = std::find(rule.allowedOrigins.begin(), rule.allowedOrigins.end(), "*") !=
                   rule.allowedOrigins.end();
  std::vector<HttpHeader> out;
  out.push_back({"Access-Control-Allow-Origin", anyOrigin ? "*" : std::string(origin)});
  out.push_back({"Access-Control-Allow-Methods", join(rule.allowedMethods, ", ")});
  if (!requestedHeaders.empty()) {
    out.push_back({"Access-Control-Allow-Headers", join(requestedHeaders, ", ")});
  }
  if (!rule.exposeHeaders.empty()) {
    out.push_back({"Access-Control-Expose-Headers", join(rule.exposeHeaders, ", ")});
  }
  if (rule.maxAgeSeconds) {
    out.push_back({"Access-Control-Max-Age", std::to_string(*rule.maxAgeSeconds)});
  }
  if (!anyOrigin) out.push_back({"Access-Control-Allow-Credentials", "true"});
  out.push_back({"Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"});
  (void)method;
  return out;
}

}  // namespace

void answerPreflight(S3Service::Impl& s3, const RequestPtr& r) {
  const std::string* origin = r->header("Origin");
  const std::string* method = r->header("Access-Control-Request-Method");
  if (!origin || !method) {
    return fail(
        *r, s3Error("BadRequest", "Insufficient information. Origin request header needed.", 400));
  }
  std::vector<std::string> headers = splitHeaderList(r->headerOr("Access-Control-Request-Headers"));
  std::vector<HttpHeader> allowed;
  bool hasCors = false;
  bool found = false;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* bucket = s3.findBucket(r->bucket);
    if (!bucket) return fail(*r, noSuchBucket(r->bucket));
    hasCors = bucket->bucket.hasCors && !bucket->bucket.cors.empty();
    for (const auto& rule : bucket->bucket.cors) {
      if (ruleAllows(rule, *origin, *method, headers)) {
        allowed = ruleHeaders(rule, *origin, *method, headers);
        found = true;
        break;
      }
    }
  }
  if (!found) {
    return fail(
        *r,
        s3Error("AccessForbidden",
                hasCors ? "CORSResponse: This CORS request is not allowed. This is "
                          "usually because the evalution of Origin, request method / "
                          "Access-Control-Request-Method or "
                          "Access-Control-Request-Headers are not whitelisted by the "
                          "resource's CORS spec."
                        : "CORSResponse: CORS is not enabled for this bucket.",
                403),
        fmt::format("<Method>{}</Method><ResourceType>OBJECT</ResourceType>", xmlEscaped(*method)));
  }
  r->corsHeaders = std::move(allowed);
  answer(*r, HttpResponse{200, {}, {}});
}

std::vector<HttpHeader> corsHeadersFor(const Bucket& bucket, const S3Request& r) {
  const std::string* origin = r.header("Origin");
  if (!origin || !bucket.hasCors) return {};
  for (const auto& rule : bucket.cors) {
    if (ruleAllows(rule, *origin, r.http.method, {})) {
      auto headers = ruleHeaders(rule, *origin, r.http.method, {});
      std::erase_if(headers,
                    [](const HttpHeader& h) { return iequals(h.name, "Access-Control-Max-Age"); });
      return headers;
    }
  }
  return {};
}

std::string corsConfigurationXml(const Bucket& bucket) {
  std::string rules;
  for (const auto& rule : bucket.cors) {
    rules += "<CORSRule>";
    if (!rule.id.empty()) rules += "<ID>" + xmlEscaped(rule.id) + "</ID>";
    for (const auto& h : rule.allowedHeaders)
      rules += "<AllowedHeader>" + xmlEscaped(h) + "</AllowedHeader>";
    for (const auto& m : rule.allowedMethods)
      rules += "<AllowedMethod>" + xmlEscaped(m) + "</AllowedMethod>";
    for (const auto& o : rule.allowedOrigins)
      rules += "<AllowedOrigin>" + xmlEscaped(o) + "</AllowedOrigin>";
    for (const auto& e : rule.exposeHeaders)
      rules += "<ExposeHeader>" + xmlEscaped(e) + "</ExposeHeader>";
    if (rule.maxAgeSeconds)
      rules += fmt::format("<MaxAgeSeconds>{}</MaxAgeSeconds>", *rule.maxAgeSeconds);
    rules += "</CORSRule>";
  }
  return fmt::format("<CORSConfiguration xmlns=\"{}\">{}</CORSConfiguration>", kS3Namespace, rules);
}

}  // namespace nimbus::aws::s3
