// The client side of a running nimbus's AWS APIs, shared by the commands: the Lambda API
// (REST-JSON, 2015-03-31) and JSON 1.1 services such as CloudWatch Logs. Requests carry a
// SigV4-shaped Authorization header whose credential scope names the service (the AWS endpoint
// routes by it), and errors are read as AWS spells them.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/endpoint.h"
#include "core/http_message.h"

namespace nimbus::client {

struct ApiResponse {
  bool reached = false;  // False: nothing answered (see transportError).
  std::string transportError;
  int status = 0;
  HttpResponse http;
  nlohmann::json json;    // The body parsed, when it is JSON; else null.
  std::string errorType;  // x-amzn-ErrorType without its ":detail" suffix, when status >= 300.
  std::string message;    // The error's message ("message" or "Message"), else the body.

  bool ok() const { return reached && status >= 200 && status < 300; }
  // "ResourceNotFoundException: Function not found: ...", or what kept the request from
  // being answered.
  std::string errorText() const;
};

class ApiClient {
 public:
  // `service` is the SigV4 name the requests are scoped to: "lambda", "logs", ...
  ApiClient(Endpoint endpoint, std::string url, std::string region, std::string service = "lambda");

  // Sends one request. `target` is the path (and query) as sent; `body`, when given, goes as
  // application/json.
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<nlohmann::json>& body = std::nullopt,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // The same with a raw body and extra headers (Invoke).
  ApiResponse send(HttpRequest request, std::chrono::milliseconds timeout) const;
  // One operation of a JSON 1.1 service: `target` is the X-Amz-Target ("Logs_20140328.X").
  ApiResponse callJson11(const std::string& target, const nlohmann::json& body,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  const std::string& url() const { return url_; }
  const std::string& region() const { return region_; }

 private:
  Endpoint endpoint_;
  std::string url_;
  std::string region_;
  std::string service_;
};

// Percent-encodes a path segment (a function name or ARN) as the AWS SDKs do.
std::string uriEncode(std::string_view s);

// What to tell a person when a request got no answer: connection refused means no nimbus there.
std::string unreachableText(const std::string& url, const std::string& transportError);

// "arn:aws:lambda:{region}:000000000000:function:{name}".
std::string functionArn(const std::string& region, const std::string& name);

}  // namespace nimbus::client
