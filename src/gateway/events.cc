// Event builders for the Lambda proxy integration (payload 2.0 and 1.0).
#include <charconv>
#include <cstring>
#include <random>

#include "core/base64.h"
#include "core/json_writer.h"
#include "gateway/http_text.h"
#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {

namespace {

// True when none of the 8 bytes in `w` needs attention: no byte >= 0x80, < 0x20, '"' or '\\'.
// (Bit tricks from "Bit Twiddling Hacks"; a false alarm only sends the chunk to the slow loop.)
inline bool plainChunk(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  uint64_t control = (w - kOnes * 0x20) & ~w;
  uint64_t quote = w ^ (kOnes * '"');
  quote = (quote - kOnes) & ~quote;
  uint64_t backslash = w ^ (kOnes * '\\');
  backslash = (backslash - kOnes) & ~backslash;
  return ((w | control | quote | backslash) & kHigh) == 0;
}

// Appends `s` as a JSON string literal, byte-identical to core's appendJsonString. ASCII text,
// nearly every header, path and JSON body, is scanned 8 bytes at a time and copied in runs
// between escapes; a string with any non-ASCII byte goes through core's escaper, which also
// validates UTF-8.
void appendJsonText(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t mark = out.size();
  out.push_back('"');
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (plainChunk(w)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      out.resize(mark);
      appendJsonString(out, s);
      return;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + start, i - start);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    start = ++i;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

// A JSON writer for events: JsonWriter's interface without its allocation (nesting is tracked
// in a bit set; events nest four levels deep) and with appendJsonText's bulk copies.
class EventWriter {
 public:
  explicit EventWriter(std::string& out) : out_(out) {}

  EventWriter& beginObject() { return open('{'); }
  EventWriter& endObject() { return close('}'); }
  EventWriter& beginArray() { return open('['); }
  EventWriter& endArray() { return close(']'); }
  EventWriter& key(std::string_view k) {
    separate();
    appendJsonText(out_, k);
    out_.push_back(':');
    afterKey_ = true;
    return *this;
  }
  EventWriter& string(std::string_view v) {
    value();
    appendJsonText(out_, v);
    return *this;
  }
  EventWriter& number(int64_t v) {
    value();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
    return *this;
  }
  EventWriter& boolean(bool v) {
    value();
    out_.append(v ? "true" : "false");
    return *this;
  }
  EventWriter& null() {
    value();
    out_.append("null");
    return *this;
  }
  EventWriter& raw(std::string_view json) {  // Already-serialized JSON as one value.
    value();
    out_.append(json);
    return *this;
  }
  EventWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  EventWriter& field(std::string_view k, const char* v) { return key(k).string(v); }
  EventWriter& field(std::string_view k, bool v) { return key(k).boolean(v); }

 private:
  EventWriter& open(char c) {
    value();
    out_.push_back(c);
    ++depth_;
    hasValue_ &= ~(uint64_t{1} << depth_);
    return *this;
  }
  EventWriter& close(char c) {
    out_.push_back(c);
    --depth_;
    return *this;
  }
  void value() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    separate();
  }
  void separate() {
    if (depth_ == 0) return;
    uint64_t bit = uint64_t{1} << depth_;
    if (hasValue_ & bit) out_.push_back(',');
    hasValue_ |= bit;
  }

  std::string& out_;
  uint64_t hasValue_ = 0;  // Bit d: the container at depth d already holds a value.
  int depth_ = 0;
  bool afterKey_ = false;
};

using detail::appendLowerAscii;
using detail::appendPercentDecoded;
using detail::needsDecoding;
using detail::splitTarget;

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (iequals(name, n)) return true;
  }
  return false;
}

// Calls fn(firstIndex) once per distinct header name (compared case-insensitively), in order of
// first appearance, skipping names for which skip(name) is true. Header counts are small, so a
// quadratic scan beats building a map.
template <typename Skip, typename Fn>
void forEachHeaderName(const std::vector<HttpHeader>& headers, Skip&& skip, Fn&& fn) {
  for (size_t i = 0; i < headers.size(); ++i) {
    if (skip(headers[i].name)) continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = iequals(headers[j].name, headers[i].name);
    if (!seen) fn(i);
  }
}

std::string_view domainPrefixOf(std::string_view domain) {
  size_t dot = domain.find('.');
  if (dot != std::string_view::npos) return domain.substr(0, dot);
  return domain.substr(0, domain.find(':'));
}

std::string_view portOf(const RequestContextInfo& info) {
  std::string_view d = info.domainName;
  size_t colon = d.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < d.size() &&
      d.find_first_not_of("0123456789", colon + 1) == std::string_view::npos) {
    return d.substr(colon + 1);
  }
  return info.forwardedProto == "https" ? "443" : "80";
}

// X-Forwarded-For as API Gateway forwards it: what the client sent, then the client's address.
std::string forwardedFor(const HttpRequest& request) {
  std::string out;
  for (const auto& h : request.headers) {
    if (!iequals(h.name, "x-forwarded-for")) continue;
    if (!out.empty()) out.append(", ");
    out.append(h.value);
  }
  if (!request.sourceIp.empty()) {
    if (!out.empty()) out.append(", ");
    out.append(request.sourceIp);
  }
  return out;
}

struct QueryParameter {
  std::string name;
  std::string value;
};

std::vector<QueryParameter> parseQuery(std::string_view query) {
  std::vector<QueryParameter> params;
  detail::forEachQueryParameter(query, [&](std::string_view name, std::string_view value) {
    params.push_back({std::string(name), std::string(value)});
  });
  return params;
}

// Calls fn(firstIndex) once per distinct parameter name, in order of first appearance.
template <typename Fn>
void forEachParameterName(const std::vector<QueryParameter>& params, Fn&& fn) {
  for (size_t i = 0; i < params.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = params[j].name == params[i].name;
    if (!seen) fn(i);
  }
}

void writeStringMap(EventWriter& w, const std::vector<std::pair<std::string, std::string>>& map) {
  w.beginObject();
  for (const auto& [k, v] : map) w.field(k, v);
  w.endObject();
}

}  // namespace

std::string newGatewayRequestId() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  uint64_t a = gen();
  uint64_t b = gen();
  char bytes[11];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(a >> (i * 8));
  for (int i = 0; i < 3; ++i) bytes[8 + i] = static_cast<char>(b >> (i * 8));
  // 11 bytes make 15 base64 characters and one '=', like "LV7fzho-PHcEJPw="; AWS uses the
  // URL-safe alphabet.
  std::string id = base64Encode(std::string_view(bytes, sizeof bytes));
  for (char& c : id) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// Payload format 2.0

std::string buildHttpApiEvent(const HttpRequest& request, const RouteMatch& match,
                              const RequestContextInfo& info) {
  std::string out;
  out.reserve(1024 + request.body.size() * 4 / 3);
  appendHttpApiEvent(out, request, match, info);
  return out;
}

void appendHttpApiEvent(std::string& out, const HttpRequest& request, const RouteMatch& match,
                        const RequestContextInfo& info) {
  auto [rawPath, rawQuery] = splitTarget(request.target);
  // HTTP APIs deliver the path decoded, in rawPath as in requestContext.http.path.
  std::string decodedPath;
  std::string_view path = rawPath;
  if (needsDecoding(path, false)) {
    appendPercentDecoded(decodedPath, path, false);
    path = decodedPath;
  }
  if (path.empty()) path = "/";

  const HttpHeader* contentType = findHeader(request.headers, "content-type");
  const HttpHeader* userAgent = findHeader(request.headers, "user-agent");
  bool base64Body =
      !request.body.empty() && !(contentType && detail::isHttpApiTextMediaType(contentType->value));

  EventWriter w(out);
  w.beginObject();
  w.field("version", "2.0");
  w.field("routeKey", match.routeKey);
  w.field("rawPath", path);
  w.field("rawQueryString", rawQuery);

  // All Cookie headers become the cookies array, one entry per cookie, and leave headers.
  bool hasCookies = false;
  for (const auto& h : request.headers) {
    if (iequals(h.name, "cookie")) {
      std::string_view rest = h.value;
      while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view cookie = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        while (!cookie.empty() && cookie.front() == ' ') cookie.remove_prefix(1);
        while (!cookie.empty() && cookie.back() == ' ') cookie.remove_suffix(1);
        if (cookie.empty()) continue;
        if (!hasCookies) {
          w.key("cookies").beginArray();
          hasCookies = true;
        }
        w.string(cookie);
      }
    }
  }
  if (hasCookies) w.endArray();

  // Headers: lower-case names, repeated names joined with ",". API Gateway sets content-length
  // (even "0" without a body), x-forwarded-* and x-amzn-trace-id itself.
  bool replaceTrace = !info.traceId.empty();
  auto skip = [&](std::string_view name) {
    return isOneOf(name, {"cookie", "connection", "content-length", "x-forwarded-for",
                          "x-forwarded-port", "x-forwarded-proto"}) ||
           (replaceTrace && iequals(name, "x-amzn-trace-id"));
  };
  std::string scratch;
  w.key("headers").beginObject();
  forEachHeaderName(request.headers, skip, [&](size_t first) {
    scratch.clear();
    appendLowerAscii(scratch, request.headers[first].name);
    w.key(scratch);
    scratch.clear();
    for (size_t j = first; j < request.headers.size(); ++j) {
      if (!iequals(request.headers[j].name, request.headers[first].name)) continue;
      if (j != first) scratch.push_back(',');
      scratch.append(request.headers[j].value);
    }
    w.string(scratch);
  });
  w.field("content-length", std::to_string(request.body.size()));
  if (replaceTrace) w.field("x-amzn-trace-id", info.traceId);
  std::string xff = forwardedFor(request);
  if (!xff.empty()) w.field("x-forwarded-for", xff);
  w.field("x-forwarded-port", portOf(info));
  w.field("x-forwarded-proto", info.forwardedProto);
  w.endObject();

  // Query parameters, decoded; a repeated name's values joined with ",".
  if (!rawQuery.empty()) {
    std::vector<QueryParameter> params = parseQuery(rawQuery);
    if (!params.empty()) {
      w.key("queryStringParameters").beginObject();
      forEachParameterName(params, [&](size_t first) {
        scratch.clear();
        for (size_t j = first; j < params.size(); ++j) {
          if (params[j].name != params[first].name) continue;
          if (j != first) scratch.push_back(',');
          scratch.append(params[j].value);
        }
        w.field(params[first].name, scratch);
      });
      w.endObject();
    }
  }

  if (!match.pathParameters.empty()) {
    w.key("pathParameters");
    writeStringMap(w, match.pathParameters);
  }

  w.key("requestContext").beginObject();
  w.field("accountId", info.accountId);
  w.field("apiId", info.apiId);
  if (!info.authorizer.empty()) w.key("authorizer").raw(info.authorizer);
  w.field("domainName", info.domainName);
  w.field("domainPrefix", domainPrefixOf(info.domainName));
  w.key("http").beginObject();
  w.field("method", request.method);
  w.field("path", path);
  w.field("protocol", request.protocol);
  w.field("sourceIp", request.sourceIp);
  w.field("userAgent", userAgent ? std::string_view(userAgent->value) : std::string_view{});
  w.endObject();
  w.field("requestId", info.requestId);
  w.field("routeKey", match.routeKey);
  w.field("stage", "$default");
  w.field("time", apiGatewayTime(info.time));
  w.key("timeEpoch").number(epochMillis(info.time));
  w.endObject();

  if (!info.stageVariables.empty()) {
    w.key("stageVariables");
    writeStringMap(w, info.stageVariables);
  }
  if (!request.body.empty()) {
    if (base64Body) {
      w.field("body", base64Encode(request.body));
    } else {
      w.field("body", request.body);
    }
  }
  w.field("isBase64Encoded", base64Body);
  w.endObject();
}

// ---------------------------------------------------------------------------------------------
// Payload format 1.0 (REST, and HTTP API routes whose integration is 1.0)

namespace {

// An HTTP API's requestContext.authorizer in the 1.0 format: the JWT claims and scopes, or the
// Lambda authorizer's context, sit directly under it, where 2.0 nests them under "jwt" or
// "lambda" (the form RequestContextInfo::authorizer holds).
std::string_view httpApiV1Authorizer(std::string_view json) {
  for (std::string_view wrapper :
       {std::string_view(R"({"jwt":)"), std::string_view(R"({"lambda":)")}) {
    if (json.size() > wrapper.size() && json.substr(0, wrapper.size()) == wrapper &&
        json.back() == '}') {
      return json.substr(wrapper.size(), json.size() - wrapper.size() - 1);
    }
  }
  return json;
}

// Where the two APIs' 1.0 events differ.
struct V1Shape {
  bool httpApi = false;
  // REST: the API's binary media types decide a base64 body. HTTP APIs use their text rule.
  const std::vector<std::string>* binaryMediaTypes = nullptr;
};

void appendV1Event(std::string& out, const HttpRequest& request, const RouteMatch& match,
                   const RequestContextInfo& info, const V1Shape& shape) {
  auto [targetPath, rawQuery] = splitTarget(request.target);
  // REST: the path after "/{stage}", and requestContext.path with it. HTTP APIs serve the
  // $default stage at the root, so both are the request's path, decoded as for 2.0.
  std::string_view path;
  std::string contextPath;
  std::string decodedPath;
  if (shape.httpApi) {
    path = targetPath;
    if (needsDecoding(path, false)) {
      appendPercentDecoded(decodedPath, path, false);
      path = decodedPath;
    }
    if (path.empty()) path = "/";
    contextPath = path;
  } else {
    RestPath restPath = splitRestPath(targetPath, info.stage);
    path = restPath.path;  // A view into the target (or a literal), which outlives the event.
    contextPath.reserve(1 + info.stage.size() + restPath.afterStage.size());
    contextPath.push_back('/');
    contextPath.append(info.stage);
    contextPath.append(restPath.afterStage);
  }

  const HttpHeader* contentType = findHeader(request.headers, "content-type");
  const HttpHeader* userAgent = findHeader(request.headers, "user-agent");
  bool base64Body =
      !request.body.empty() &&
      (shape.httpApi ? !(contentType && detail::isHttpApiTextMediaType(contentType->value))
                     : contentType && detail::matchesBinaryMediaTypes(contentType->value,
                                                                      *shape.binaryMediaTypes));

  EventWriter w(out);
  w.beginObject();
  if (shape.httpApi) w.field("version", "1.0");
  w.field("resource", match.resourcePath);
  w.field("path", path);
  w.field("httpMethod", request.method);

  // Headers keep the client's case, except the few the front end rewrites: CloudFront before
  // REST APIs normalizes Authorization and User-Agent; HTTP APIs send Host and User-Agent in
  // that case, as a recorded 1.0 event of an HTTP API shows, and set Content-Length themselves
  // as they do for 2.0.
  bool replaceTrace = !info.traceId.empty();
  auto skip = [&](std::string_view name) {
    return isOneOf(name, {"connection", "content-length", "x-forwarded-for", "x-forwarded-port",
                          "x-forwarded-proto"}) ||
           (replaceTrace && iequals(name, "x-amzn-trace-id"));
  };
  auto headerKey = [&](std::string_view name) -> std::string_view {
    if (iequals(name, "user-agent")) return "User-Agent";
    if (shape.httpApi) {
      if (iequals(name, "host")) return "Host";
    } else if (iequals(name, "authorization")) {
      return "Authorization";
    }
    return name;
  };
  std::string xff = forwardedFor(request);
  std::string_view port = portOf(info);
  std::string contentLength = shape.httpApi ? std::to_string(request.body.size()) : std::string();
  auto writeAdded = [&](bool multi) {
    auto add = [&](std::string_view k, std::string_view v) {
      w.key(k);
      if (multi) {
        w.beginArray().string(v).endArray();
      } else {
        w.string(v);
      }
    };
    if (shape.httpApi) add("Content-Length", contentLength);
    if (replaceTrace) add("X-Amzn-Trace-Id", info.traceId);
    if (!xff.empty()) add("X-Forwarded-For", xff);
    add("X-Forwarded-Port", port);
    add("X-Forwarded-Proto", info.forwardedProto);
  };

  w.key("headers").beginObject();
  forEachHeaderName(request.headers, skip, [&](size_t first) {
    const std::string& name = request.headers[first].name;
    const std::string* last = &request.headers[first].value;
    for (size_t j = first + 1; j < request.headers.size(); ++j) {
      if (iequals(request.headers[j].name, name)) last = &request.headers[j].value;
    }
    w.field(headerKey(name), *last);  // A repeated name keeps its last value.
  });
  writeAdded(false);
  w.endObject();

  w.key("multiValueHeaders").beginObject();
  forEachHeaderName(request.headers, skip, [&](size_t first) {
    const std::string& name = request.headers[first].name;
    w.key(headerKey(name)).beginArray();
    for (size_t j = first; j < request.headers.size(); ++j) {
      if (iequals(request.headers[j].name, name)) w.string(request.headers[j].value);
    }
    w.endArray();
  });
  writeAdded(true);
  w.endObject();

  std::vector<QueryParameter> params = parseQuery(rawQuery);
  if (params.empty()) {
    w.key("queryStringParameters").null();
    w.key("multiValueQueryStringParameters").null();
  } else {
    w.key("queryStringParameters").beginObject();
    forEachParameterName(params, [&](size_t first) {
      const std::string* last = &params[first].value;
      for (size_t j = first + 1; j < params.size(); ++j) {
        if (params[j].name == params[first].name) last = &params[j].value;
      }
      w.field(params[first].name, *last);  // The last value of a repeated name, as AWS.
    });
    w.endObject();
    w.key("multiValueQueryStringParameters").beginObject();
    forEachParameterName(params, [&](size_t first) {
      w.key(params[first].name).beginArray();
      for (size_t j = first; j < params.size(); ++j) {
        if (params[j].name == params[first].name) w.string(params[j].value);
      }
      w.endArray();
    });
    w.endObject();
  }

  w.key("pathParameters");
  if (match.pathParameters.empty()) {
    w.null();
  } else {
    writeStringMap(w, match.pathParameters);
  }
  w.key("stageVariables");
  if (info.stageVariables.empty()) {
    w.null();
  } else {
    writeStringMap(w, info.stageVariables);
  }

  // Without IAM or Cognito authorization every identity field but these two is null; a REST
  // method that requires an API key adds it and its id.
  auto writeIdentity = [&] {
    w.key("identity").beginObject();
    for (std::string_view k :
         {"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller"}) {
      w.key(k).null();
    }
    if (!shape.httpApi && !info.apiKey.empty()) {
      w.field("apiKey", info.apiKey).field("apiKeyId", info.apiKeyId);
    }
    w.field("sourceIp", request.sourceIp);
    for (std::string_view k : {"principalOrgId", "accessKey", "cognitoAuthenticationType",
                               "cognitoAuthenticationProvider", "userArn"}) {
      w.key(k).null();
    }
    w.key("userAgent");
    if (userAgent) {
      w.string(userAgent->value);
    } else {
      w.null();
    }
    w.key("user").null();
    w.endObject();
  };

  w.key("requestContext").beginObject();
  if (shape.httpApi) {
    // The HTTP API's 1.0 context: no deploymentId; the request id serves as extendedRequestId,
    // the route key as resourceId, and the stage is always $default.
    w.field("accountId", info.accountId);
    w.field("apiId", info.apiId);
    if (!info.authorizer.empty()) w.key("authorizer").raw(httpApiV1Authorizer(info.authorizer));
    w.field("domainName", info.domainName);
    w.field("domainPrefix", domainPrefixOf(info.domainName));
    w.field("extendedRequestId", info.requestId);
    w.field("httpMethod", request.method);
    writeIdentity();
    w.field("path", contextPath);
    w.field("protocol", request.protocol);
    w.field("requestId", info.requestId);
    w.field("requestTime", apiGatewayTime(info.time));
    w.key("requestTimeEpoch").number(epochMillis(info.time));
    w.field("resourceId", match.routeKey);
    w.field("resourcePath", match.resourcePath);
    w.field("stage", "$default");
  } else {
    w.field("resourceId", match.resourceId);
    w.field("resourcePath", match.resourcePath);
    if (!info.authorizer.empty()) w.key("authorizer").raw(info.authorizer);
    w.field("httpMethod", request.method);
    w.field("extendedRequestId", info.extendedRequestId);
    w.field("requestTime", apiGatewayTime(info.time));
    w.field("path", contextPath);
    w.field("accountId", info.accountId);
    w.field("protocol", request.protocol);
    w.field("stage", info.stage);
    w.field("domainPrefix", domainPrefixOf(info.domainName));
    w.key("requestTimeEpoch").number(epochMillis(info.time));
    w.field("requestId", info.requestId);
    writeIdentity();
    w.field("domainName", info.domainName);
    w.field("deploymentId", info.deploymentId);
    w.field("apiId", info.apiId);
  }
  w.endObject();

  w.key("body");
  if (request.body.empty()) {
    w.null();
  } else if (base64Body) {
    w.string(base64Encode(request.body));
  } else {
    w.string(request.body);
  }
  w.field("isBase64Encoded", base64Body);
  w.endObject();
}

}  // namespace

std::string buildRestEvent(const HttpRequest& request, const RouteMatch& match,
                           const RequestContextInfo& info,
                           const std::vector<std::string>& binaryMediaTypes) {
  std::string out;
  out.reserve(2048 + request.body.size() * 4 / 3);
  appendRestEvent(out, request, match, info, binaryMediaTypes);
  return out;
}

void appendRestEvent(std::string& out, const HttpRequest& request, const RouteMatch& match,
                     const RequestContextInfo& info,
                     const std::vector<std::string>& binaryMediaTypes) {
  appendV1Event(out, request, match, info, V1Shape{false, &binaryMediaTypes});
}

std::string buildHttpApiV1Event(const HttpRequest& request, const RouteMatch& match,
                                const RequestContextInfo& info) {
  std::string out;
  out.reserve(2048 + request.body.size() * 4 / 3);
  appendHttpApiV1Event(out, request, match, info);
  return out;
}

void appendHttpApiV1Event(std::string& out, const HttpRequest& request, const RouteMatch& match,
                          const RequestContextInfo& info) {
  appendV1Event(out, request, match, info, V1Shape{true, nullptr});
}

}  // namespace nimbus::gateway
