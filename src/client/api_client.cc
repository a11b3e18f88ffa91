#include "client/api_client.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "http/client.h"

namespace nimbus::client {

namespace {

// "20261128T093000Z": the request time, as SigV4 writes it.
std::string amzDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[20];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

}  // namespace

std::string ApiResponse::errorText() const {
  if (!reached) return transportError;
  std::string type = errorType.empty() ? fmt::format("HTTP {}", status) : errorType;
  return message.empty() ? type : fmt::format("{}: {}", type, message);
}

ApiClient::ApiClient(Endpoint endpoint, std::string url, std::string region, std::string service)
    : endpoint_(std::move(endpoint)),
      url_(std::move(url)),
      region_(std::move(region)),
      service_(std::move(service)) {}

ApiResponse ApiClient::callJson11(const std::string& target, const nlohmann::json& body,
                                  std::chrono::milliseconds timeout) const {
  HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
  request.headers.push_back({"X-Amz-Target", target});
  request.body = body.dump();
  return send(std::move(request), timeout);
}

ApiResponse ApiClient::call(const std::string& method, const std::string& target,
                            const std::optional<nlohmann::json>& body,
                            std::chrono::milliseconds timeout) const {
  HttpRequest request;
  request.method = method;
  request.target = target;
  if (body) {
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = body->dump();
  }
  return send(std::move(request), timeout);
}

ApiResponse ApiClient::send(HttpRequest request, std::chrono::milliseconds timeout) const {
  // Signatures are not checked by nimbus; the scope (region and service) routes the request.
  std::string date = amzDate();
  request.headers.push_back({"X-Amz-Date", date});
  request.headers.push_back(
      {"Authorization", fmt::format("AWS4-HMAC-SHA256 Credential=test/{}/{}/{}/aws4_request, "
                                    "SignedHeaders=host;x-amz-date, Signature=0",
                                    date.substr(0, 8), region_, service_)});
  ApiResponse response;
  auto result = http::sendRequest(endpoint_.host, endpoint_.port, request, timeout);
  if (!result.ok) {
    response.transportError = unreachableText(url_, result.error);
    return response;
  }
  response.reached = true;
  response.http = std::move(result.response);
  response.status = response.http.status;
  response.json = nlohmann::json::parse(response.http.body, nullptr, false);
  if (response.json.is_discarded()) response.json = nullptr;
  if (response.status >= 300) {
    if (const HttpHeader* type = findHeader(response.http.headers, "x-amzn-ErrorType")) {
      response.errorType = type->value.substr(0, type->value.find(':'));
    }
    if (response.json.is_object()) {
      for (const char* field : {"message", "Message"}) {
        if (auto it = response.json.find(field); it != response.json.end() && it->is_string()) {
          response.message = it->get<std::string>();
          break;
        }
      }
      if (response.errorType.empty()) {
        if (auto it = response.json.find("__type"); it != response.json.end() && it->is_string())
          response.errorType = it->get<std::string>();
      }
    } else {
      response.message = response.http.body;
    }
  }
  return response;
}

std::string uriEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string unreachableText(const std::string& url, const std::string& transportError) {
  if (transportError.find("refused") != std::string::npos) {
    return fmt::format(
        "cannot reach nimbus at {}: connection refused, so nimbus is not running there (start "
        "it with `nimbus serve`, or pass the --endpoint of a running one)",
        url);
  }
  return fmt::format("cannot reach nimbus at {}: {} (is `nimbus serve` running?)", url,
                     transportError);
}

std::string functionArn(const std::string& region, const std::string& name) {
  return fmt::format("arn:aws:lambda:{}:000000000000:function:{}", region, name);
}

}  // namespace nimbus::client
