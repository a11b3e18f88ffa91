// One S3 request as the operations see it: which bucket and key it addresses (path-style
// "/bucket/key" or virtual-hosted "bucket.s3.host/key"), its decoded query parameters, and how
// it is answered (XML bodies, S3's error document, the request id headers, CORS headers).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "core/result.h"
#include "core/xml_text.h"
#include "http/server.h"

namespace nimbus::aws::s3 {

struct S3Request {
  HttpRequest http;
  http::Responder responder;
  std::string requestId;
  std::string bucket;  // Empty for the service (ListBuckets).
  std::string key;     // Decoded; empty when the request addresses the bucket.
  std::string path;    // The request path, undecoded, without the query.
  std::map<std::string, std::string> query;  // Decoded parameters (subresources have "").
  // CORS headers to add to the answer, decided once the bucket is known.
  std::vector<HttpHeader> corsHeaders;

  bool has(std::string_view parameter) const { return query.count(std::string(parameter)) > 0; }
  std::string param(std::string_view parameter) const;
  const std::string* header(std::string_view name) const;
  std::string headerOr(std::string_view name, std::string_view fallback = {}) const;
  bool isHead() const { return http.method == "HEAD"; }
  // The resource S3 names in errors: "/bucket/key" or "/bucket".
  std::string resource() const;
};

using RequestPtr = std::shared_ptr<S3Request>;

// Splits a request into bucket and key. Virtual-hosted style is recognised by a Host of the
// form "{bucket}.s3.{anything}", "{bucket}.s3-{region}.{anything}" or "{bucket}.localhost";
// an IP address, "localhost" or any other host name means path style.
RequestPtr parseS3Request(HttpRequest&& http, http::Responder responder);

// An S3 error as a ServiceError (code, message, HTTP status).
ServiceError s3Error(std::string code, std::string message, int status);
ServiceError noSuchBucket(std::string_view bucket);
ServiceError noSuchKey();
ServiceError invalidArgument(std::string message);
ServiceError malformedXml();

// Sends `response` with the request id headers and the request's CORS headers.
void answer(S3Request& request, HttpResponse response);
// Sends an XML document (the declaration is added).
void answerXml(S3Request& request, std::string xml, int status = 200);
// Sends S3's error document; `extra` are additional child elements, already XML.
void fail(S3Request& request, const ServiceError& error, std::string_view extra = {});

// "2026-12-07T10:00:00.000Z", as S3 writes times in XML.
std::string xmlTime(int64_t epochMs);
// "Mon, 07 Dec 2026 10:00:00 GMT", as S3 writes Last-Modified.
std::string httpTime(int64_t epochMs);
// Parses an HTTP date (IMF-fixdate, RFC 850 or asctime); nullopt when it is none of those.
std::optional<int64_t> parseHttpTime(std::string_view text);

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

}  // namespace nimbus::aws::s3
