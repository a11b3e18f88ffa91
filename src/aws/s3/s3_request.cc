#include "aws/s3/s3_request.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "core/ids.h"
#include "core/url.h"

namespace nimbus::aws::s3 {

namespace {

bool isIpAddress(std::string_view host) {
  if (!host.empty() && host.front() == '[') return true;  // IPv6 literal.
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

// The bucket named by a virtual-hosted-style Host, or "".
std::string bucketFromHost(std::string_view host) {
  if (host.front() != '[') host = host.substr(0, host.rfind(':'));
  if (host.empty() || isIpAddress(host) || host == "localhost") return "";
  for (std::string_view marker : {".s3.", ".s3-"}) {
    if (auto at = host.find(marker); at != std::string_view::npos && at > 0) {
      return std::string(host.substr(0, at));
    }
  }
  constexpr std::string_view kLocal = ".localhost";
  if (host.size() > kLocal.size() && host.ends_with(kLocal)) {
    std::string_view bucket = host.substr(0, host.size() - kLocal.size());
    // "bucket.s3.localhost" was handled above; "s3.localhost" alone is the service.
    if (bucket != "s3") return std::string(bucket);
  }
  return "";
}

}  // namespace

std::string S3Request::param(std::string_view parameter) const {
  auto it = query.find(std::string(parameter));
  return it == query.end() ? std::string() : it->second;
}

const std::string* S3Request::header(std::string_view name) const {
  const HttpHeader* h = findHeader(http.headers, name);
  return h ? &h->value : nullptr;
}

std::string S3Request::headerOr(std::string_view name, std::string_view fallback) const {
  const std::string* h = header(name);
  return h ? *h : std::string(fallback);
}

std::string S3Request::resource() const {
  if (bucket.empty()) return "/";
  return key.empty() ? "/" + bucket : "/" + bucket + "/" + key;
}

RequestPtr parseS3Request(HttpRequest&& http, http::Responder responder) {
  auto r = std::make_shared<S3Request>();
  r->responder = std::move(responder);
  r->requestId = randomHex(16);
  for (auto& c : r->requestId) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view target = http.target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  r->path = std::string(target);
  // Query parameters: S3's keys are not form-encoded ('+' stays '+' in subresource values only
  // when clients encode it as %2B, which they do), so the usual decoding applies.
  forEachQueryParameter(query, [&](std::string_view name, std::string_view value) {
    r->query.emplace(std::string(name), std::string(value));
  });
  std::string_view path = target;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const HttpHeader* host = findHeader(http.headers, "Host");
  std::string hostBucket = host && !host->value.empty() ? bucketFromHost(host->value) : "";
  if (!hostBucket.empty()) {
    r->bucket = std::move(hostBucket);
    r->key = percentDecode(path, false);
  } else {
    auto slash = path.find('/');
    r->bucket = percentDecode(path.substr(0, slash), false);
    if (slash != std::string_view::npos) r->key = percentDecode(path.substr(slash + 1), false);
  }
  r->http = std::move(http);
  return r;
}

ServiceError s3Error(std::string code, std::string message, int status) {
  return ServiceError{std::move(code), std::move(message), status};
}

ServiceError noSuchBucket(std::string_view) {
  return s3Error("NoSuchBucket", "The specified bucket does not exist", 404);
}

ServiceError noSuchKey() {
  return s3Error("NoSuchKey", "The specified key does not exist.", 404);
}

ServiceError invalidArgument(std::string message) {
  return s3Error("InvalidArgument", std::move(message), 400);
}

ServiceError malformedXml() {
  return s3Error("MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema",
                 400);
}

void answer(S3Request& request, HttpResponse response) {
  response.headers.push_back({"x-amz-request-id", request.requestId});
  response.headers.push_back({"x-amz-id-2", request.requestId});
  response.headers.push_back({"Server", "AmazonS3"});
  for (const auto& h : request.corsHeaders) response.headers.push_back(h);
  request.responder.send(std::move(response));
}

void answerXml(S3Request& request, std::string xml, int status) {
  HttpResponse response;
  response.status = status;
  response.headers.push_back({"Content-Type", "application/xml"});
  response.body = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                  "\n" +
                  std::move(xml);
  answer(request, std::move(response));
}

void fail(S3Request& request, const ServiceError& error, std::string_view extra) {
  HttpResponse response;
  response.status = error.status;
  if (request.isHead() || error.status == 304) {
    // HEAD answers carry no body; S3 names the error in no header either.
    answer(request, std::move(response));
    return;
  }
  response.headers.push_back({"Content-Type", "application/xml"});
  std::string resource;
  if (error.code == "NoSuchBucket") {
    resource = "<BucketName>" + xmlEscaped(request.bucket) + "</BucketName>";
  } else if (error.code == "NoSuchKey") {
    resource = "<Key>" + xmlEscaped(request.key) + "</Key>";
  } else {
    resource = "<Resource>" + xmlEscaped(request.resource()) + "</Resource>";
  }
  response.body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>{}{}"
      "<RequestId>{}</RequestId><HostId>{}</HostId></Error>",
      xmlEscaped(error.code), xmlEscaped(error.message), resource, extra, request.requestId,
      request.requestId);
  answer(request, std::move(response));
}

std::string xmlTime(int64_t epochMs) {
  std::time_t seconds = epochMs / 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &parts);
  return fmt::format("{}.{:03}Z", buf, epochMs % 1000);
}

std::string httpTime(int64_t epochMs) {
  std::time_t seconds = epochMs / 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return buf;
}

std::optional<int64_t> parseHttpTime(std::string_view text) {
  std::string s(text);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                             "%a %b %d %H:%M:%S %Y", "%Y-%m-%dT%H:%M:%SZ"}) {
    std::tm parts{};
    const char* end = strptime(s.c_str(), format, &parts);
    if (end && *end == '\0') return static_cast<int64_t>(timegm(&parts)) * 1000;
  }
  return std::nullopt;
}

}  // namespace nimbus::aws::s3
