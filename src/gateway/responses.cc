// Response mapping for the Lambda proxy integration, and API Gateway's own error answers.
#include <simdjson.h>

#include <charconv>
#include <optional>

#include "core/base64.h"
#include "gateway/http_text.h"
#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// One parser per thread: its buffers grow to the largest payload seen and are then reused, so
// mapping a response allocates nothing for parsing.
simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

struct ErrorAnswer {
  int status;
  std::string_view body;
  std::string_view errorType;  // REST x-amzn-ErrorType.
};

// HTTP API answers use compact JSON. REST answers differ by origin: gateway responses
// (MissingAuthenticationToken, Throttled, RequestTooLarge) render the default template
// {"message":$context.error.messageString} without a space, while Lambda integration failures
// answer {"message": "Internal server error"} with one, as AWS's Lambda guide shows.
ErrorAnswer httpApiAnswer(GatewayError error) {
  switch (error) {
    case GatewayError::NoRoute:
      return {404, R"({"message":"Not Found"})", {}};
    case GatewayError::IntegrationTimeout:
      return {503, R"({"message":"Service Unavailable"})", {}};
    case GatewayError::RequestTooLarge:
      return {413, R"({"message":"Request Entity Too Large"})", {}};
    case GatewayError::Throttled:
      return {429, R"({"message":"Too Many Requests"})", {}};
    case GatewayError::FunctionError:
    case GatewayError::MalformedResponse:
    case GatewayError::ResponseTooLarge:
    case GatewayError::LambdaThrottled:
    case GatewayError::EventTooLarge:
    case GatewayError::InternalError:
      break;
  }
  return {500, R"({"message":"Internal Server Error"})", {}};
}

ErrorAnswer restAnswer(GatewayError error) {
  switch (error) {
    case GatewayError::NoRoute:
      // REST answers an unknown path or method like a missing IAM signature.
      return {403, R"({"message":"Missing Authentication Token"})",
              "MissingAuthenticationTokenException"};
    case GatewayError::FunctionError:
    case GatewayError::MalformedResponse:
    case GatewayError::ResponseTooLarge:
      // The function ran but failed or answered garbage: 502.
      return {502, R"({"message": "Internal server error"})", "InternalServerErrorException"};
    case GatewayError::IntegrationTimeout:
      return {504, R"({"message": "Endpoint request timed out"})", "InternalServerErrorException"};
    case GatewayError::RequestTooLarge:
      return {413, R"({"message":"Request Too Long"})", "RequestTooLargeException"};
    case GatewayError::Throttled:
      return {429, R"({"message":"Too Many Requests"})", "TooManyRequestsException"};
    case GatewayError::LambdaThrottled:
    case GatewayError::EventTooLarge:
    case GatewayError::InternalError:
      break;
  }
  // Lambda's Invoke API refused the call (throttled, event too large): 500.
  return {500, R"({"message": "Internal server error"})", "InternalServerErrorException"};
}

void addRestIds(HttpResponse& response, const ResponseIds& ids) {
  response.headers.push_back({"x-amzn-RequestId", std::string(ids.requestId)});
  if (!ids.extendedRequestId.empty()) {
    response.headers.push_back({"x-amz-apigw-id", std::string(ids.extendedRequestId)});
  }
  if (!ids.traceId.empty()) {
    response.headers.push_back({"X-Amzn-Trace-Id", std::string(ids.traceId)});
  }
}

// statusCode as API Gateway accepts it: an integer, or a string holding one.
std::optional<int> parseStatus(element value) {
  int64_t code = 0;
  switch (value.type()) {
    case element_type::INT64:
      code = value.get_int64().value_unsafe();
      break;
    case element_type::UINT64:
      return std::nullopt;  // Out of range either way.
    case element_type::DOUBLE: {
      double d = value.get_double().value_unsafe();
      if (d != static_cast<double>(static_cast<int64_t>(d))) return std::nullopt;
      code = static_cast<int64_t>(d);
      break;
    }
    case element_type::STRING: {
      std::string_view s = value.get_string().value_unsafe();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
      if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
      break;
    }
    default:
      return std::nullopt;
  }
  if (code < 100 || code > 599) return std::nullopt;
  return static_cast<int>(code);
}

// A scalar header value as text: strings as they are, booleans and numbers as JSON writes them.
std::optional<std::string> scalarText(element value, bool allowNumbers) {
  switch (value.type()) {
    case element_type::STRING:
      return std::string(value.get_string().value_unsafe());
    case element_type::BOOL:
      return std::string(value.get_bool().value_unsafe() ? "true" : "false");
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      if (!allowNumbers) return std::nullopt;
      return simdjson::minify(value);
    default:
      return std::nullopt;
  }
}

// Named copies: iterating a temporary simdjson_result's value would dangle.
simdjson::dom::object asObject(element e) {
  simdjson::dom::object o = e.get_object().value_unsafe();  // Callers checked the type.
  return o;
}

simdjson::dom::array asArray(element e) {
  simdjson::dom::array a = e.get_array().value_unsafe();
  return a;
}

bool hasHeader(const std::vector<HttpHeader>& headers, std::string_view name) {
  return findHeader(headers, name) != nullptr;
}

}  // namespace

void addResponseIds(ApiKind kind, HttpResponse& response, const ResponseIds& ids) {
  if (kind == ApiKind::Http) {
    response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
  } else {
    addRestIds(response, ids);
  }
}

HttpResponse errorResponse(ApiKind kind, GatewayError error, const ResponseIds& ids) {
  HttpResponse response;
  if (kind == ApiKind::Http) {
    ErrorAnswer a = httpApiAnswer(error);
    response.status = a.status;
    response.body = a.body;
    response.headers.push_back({"content-type", "application/json"});
    response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
    return response;
  }
  ErrorAnswer a = restAnswer(error);
  response.status = a.status;
  response.body = a.body;
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back({"x-amzn-ErrorType", std::string(a.errorType)});
  addRestIds(response, ids);
  return response;
}

HttpResponse mapHttpApiResponse(std::string_view functionPayload, const ResponseIds& ids) {
  auto malformed = [&] {
    return errorResponse(ApiKind::Http, GatewayError::MalformedResponse, ids);
  };
  element root;
  if (threadParser().parse(functionPayload.data(), functionPayload.size()).get(root)) {
    return malformed();
  }

  HttpResponse response;
  element statusField;
  bool structured =
      root.is_object() && asObject(root)["statusCode"].get(statusField) == simdjson::SUCCESS;
  if (!structured) {
    // Payload 2.0 inference: any valid JSON without statusCode is a 200 JSON body; a JSON
    // string's value is the body itself ("Hello" -> Hello), anything else is sent as returned.
    response.status = 200;
    response.headers.push_back({"content-type", "application/json"});
    response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
    if (root.is_string()) {
      response.body = root.get_string().value_unsafe();
    } else {
      response.body = functionPayload;
    }
    return response;
  }

  std::optional<int> status = parseStatus(statusField);
  if (!status) return malformed();
  response.status = *status;

  std::string_view body;
  bool base64 = false;
  element cookies;
  bool hasCookies = false;
  for (auto field : asObject(root)) {
    std::string_view key = field.key;
    element value = field.value;
    if (key == "headers") {
      if (value.is_null()) continue;
      if (!value.is_object()) return malformed();
      for (auto header : asObject(value)) {
        if (header.value.is_null()) continue;
        std::optional<std::string> text = scalarText(header.value, true);
        if (!text) return malformed();
        response.headers.push_back({std::string(header.key), std::move(*text)});
      }
    } else if (key == "cookies") {
      if (value.is_null()) continue;
      if (!value.is_array()) return malformed();
      for (element c : asArray(value)) {
        if (!c.is_string()) return malformed();
      }
      cookies = value;
      hasCookies = true;
    } else if (key == "body") {
      if (value.is_null()) continue;
      if (!value.is_string()) return malformed();
      body = value.get_string().value_unsafe();
    } else if (key == "isBase64Encoded") {
      if (value.is_null()) continue;
      if (!value.is_bool()) return malformed();
      base64 = value.get_bool().value_unsafe();
    }
    // statusCode is handled above; multiValueHeaders and unknown fields are ignored, as the 2.0
    // response format defines neither.
  }
  if (hasCookies) {
    for (element c : asArray(cookies)) {
      response.headers.push_back({"set-cookie", std::string(c.get_string().value_unsafe())});
    }
  }
  if (base64) {
    std::optional<std::string> decoded = base64Decode(body);
    if (!decoded) return malformed();
    response.body = std::move(*decoded);
  } else {
    response.body = body;
  }
  if (!hasHeader(response.headers, "content-type")) {
    response.headers.push_back({"content-type", "text/plain; charset=utf-8"});
  }
  response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
  return response;
}

namespace {

// A payload-1.0 answer read: status (absent when the answer has none), the merged headers, and
// the body as returned.
struct V1Answer {
  std::optional<int> status;
  std::vector<HttpHeader> headers;
  bool contentTypeNamed = false;  // Named in headers or multiValueHeaders, even with null.
  std::string_view body;
  bool base64 = false;
};

// Reads an answer in the 1.0 format, which both API kinds validate alike; nullopt when it is
// not one. The views point into the thread's parser, valid until the next parse.
std::optional<V1Answer> readV1Answer(std::string_view functionPayload) {
  element root;
  if (threadParser().parse(functionPayload.data(), functionPayload.size()).get(root)) {
    return std::nullopt;
  }
  // 1.0 infers nothing: the answer must be an object with only the proxy fields. An error
  // object ({"errorMessage": ...}) fails here too.
  if (!root.is_object()) return std::nullopt;

  V1Answer answer;
  element headers;
  element multiValueHeaders;
  bool hasHeaders = false;
  bool hasMultiValueHeaders = false;
  for (auto field : asObject(root)) {
    std::string_view key = field.key;
    element value = field.value;
    if (key == "statusCode") {
      if (value.is_null()) continue;
      answer.status = parseStatus(value);
      if (!answer.status) return std::nullopt;
    } else if (key == "headers") {
      if (value.is_null()) continue;
      if (!value.is_object()) return std::nullopt;
      for (auto header : asObject(value)) {
        auto t = header.value.type();
        if (t != element_type::STRING && t != element_type::BOOL && t != element_type::NULL_VALUE) {
          return std::nullopt;
        }
      }
      headers = value;
      hasHeaders = true;
    } else if (key == "multiValueHeaders") {
      if (value.is_null()) continue;
      if (!value.is_object()) return std::nullopt;
      for (auto header : asObject(value)) {
        if (header.value.is_null()) continue;
        if (!header.value.is_array()) return std::nullopt;
        for (element v : asArray(header.value)) {
          if (!v.is_string() && !v.is_bool()) return std::nullopt;
        }
      }
      multiValueHeaders = value;
      hasMultiValueHeaders = true;
    } else if (key == "body") {
      if (value.is_null()) continue;
      if (!value.is_string()) return std::nullopt;
      answer.body = value.get_string().value_unsafe();
    } else if (key == "isBase64Encoded") {
      if (value.is_null()) continue;
      if (!value.is_bool()) return std::nullopt;
      answer.base64 = value.get_bool().value_unsafe();
    } else {
      return std::nullopt;
    }
  }

  // Merge: multiValueHeaders first, then each headers value unless the same pair is already
  // there ("only the values from multiValueHeaders will appear in the merged list").
  if (hasMultiValueHeaders) {
    for (auto header : asObject(multiValueHeaders)) {
      if (iequals(header.key, "content-type")) answer.contentTypeNamed = true;
      if (header.value.is_null()) continue;
      for (element v : asArray(header.value)) {
        answer.headers.push_back({std::string(header.key), *scalarText(v, false)});
      }
    }
  }
  if (hasHeaders) {
    size_t multiCount = answer.headers.size();
    for (auto header : asObject(headers)) {
      // A null value names the header without sending it; a null Content-Type also keeps API
      // Gateway from adding its application/json default.
      if (iequals(header.key, "content-type")) answer.contentTypeNamed = true;
      if (header.value.is_null()) continue;
      std::string text = *scalarText(header.value, false);
      bool duplicate = false;
      for (size_t i = 0; i < multiCount && !duplicate; ++i) {
        duplicate = iequals(answer.headers[i].name, header.key) && answer.headers[i].value == text;
      }
      if (!duplicate) answer.headers.push_back({std::string(header.key), std::move(text)});
    }
  }
  return answer;
}

}  // namespace

HttpResponse mapRestResponse(std::string_view functionPayload, const ResponseIds& ids,
                             std::string_view acceptHeader,
                             const std::vector<std::string>& binaryMediaTypes) {
  std::optional<V1Answer> answer = readV1Answer(functionPayload);
  if (!answer) return errorResponse(ApiKind::Rest, GatewayError::MalformedResponse, ids);

  HttpResponse response;
  response.status = answer->status.value_or(200);  // REST defaults a missing statusCode.
  response.headers = std::move(answer->headers);
  if (!answer->contentTypeNamed) response.headers.push_back({"Content-Type", "application/json"});
  addRestIds(response, ids);

  // REST decodes a base64 body only when the client's first Accept type is a binary media type;
  // otherwise the client receives the base64 text.
  if (answer->base64 && !answer->body.empty() &&
      detail::matchesBinaryMediaTypes(detail::firstAcceptedMediaType(acceptHeader),
                                      binaryMediaTypes)) {
    std::optional<std::string> decoded = base64Decode(answer->body);
    if (!decoded) return errorResponse(ApiKind::Rest, GatewayError::InternalError, ids);
    response.body = std::move(*decoded);
  } else {
    response.body = answer->body;
  }
  return response;
}

HttpResponse mapHttpApiV1Response(std::string_view functionPayload, const ResponseIds& ids) {
  auto malformed = [&] {
    return errorResponse(ApiKind::Http, GatewayError::MalformedResponse, ids);
  };
  std::optional<V1Answer> answer = readV1Answer(functionPayload);
  // Unlike REST, an HTTP API 1.0 integration has no default status: without statusCode the
  // answer is malformed.
  if (!answer || !answer->status) return malformed();

  HttpResponse response;
  response.status = *answer->status;
  response.headers = std::move(answer->headers);
  if (answer->base64) {
    // HTTP APIs have no binary media types: a base64 body is always decoded.
    std::optional<std::string> decoded = base64Decode(answer->body);
    if (!decoded) return malformed();
    response.body = std::move(*decoded);
  } else {
    response.body = answer->body;
  }
  if (!answer->contentTypeNamed) response.headers.push_back({"content-type", "application/json"});
  response.headers.push_back({"apigw-requestid", std::string(ids.requestId)});
  return response;
}

}  // namespace nimbus::gateway
