#include "aws/lambda/lambda_api.h"

#include <fmt/format.h>

#include <algorithm>

#include "aws/lambda/function_configuration.h"
#include "aws/rest_json.h"
#include "core/base64.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/async_invoker.h"
#include "lambda/invoker.h"

namespace nimbus::aws {

namespace {

// FunctionName may be a name, a full ARN or a partial ARN ("000000000000:function:name"), each
// with an optional ":qualifier". Returns the bare name and sets `qualifier`.
std::string functionNameOf(const std::string& raw, std::string& qualifier) {
  std::string s = raw;
  if (s.rfind("arn:", 0) == 0) {
    // arn:aws:lambda:region:account:function:name[:qualifier]
    auto fn = s.find(":function:");
    if (fn != std::string::npos) s = s.substr(fn + 10);
  } else if (auto fn = s.find(":function:"); fn != std::string::npos) {
    s = s.substr(fn + 10);
  }
  if (auto colon = s.find(':'); colon != std::string::npos) {
    qualifier = s.substr(colon + 1);
    s = s.substr(0, colon);
  }
  return s;
}

std::vector<std::string_view> pathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

// Lambda's 404 for a function (or qualified version) it does not have.
HttpResponse functionNotFound(const LambdaApiSettings& settings, const std::string& name,
                              const std::string& qualifier, const std::string& requestId) {
  std::string arn =
      fmt::format("arn:aws:lambda:{}:{}:function:{}", settings.region, settings.accountId, name);
  if (!qualifier.empty()) arn += ":" + qualifier;
  return restJsonError(404, "ResourceNotFoundException", "Function not found: " + arn, requestId);
}

}  // namespace

LambdaApi::LambdaApi(lambda::LambdaService& lambda, lambda::AsyncInvoker* async,
                     LambdaApiSettings settings)
    : lambda_(lambda), async_(async), settings_(std::move(settings)) {}

void LambdaApi::handle(HttpRequest&& request, const RequestIdentity& identity,
                       http::Responder responder) {
  (void)identity;
  std::string requestId = newUuid();
  std::string_view target = request.target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  auto segments = pathSegments(target);
  const std::string& method = request.method;
  // /2016-08-19/account-settings
  if (segments.size() == 2 && segments[0] == "2016-08-19" && segments[1] == "account-settings" &&
      method == "GET") {
    auto functions = lambda_.functions();
    std::string body;
    JsonWriter w(body);
    w.beginObject().key("AccountLimit").beginObject();
    w.field("TotalCodeSize", int64_t{80530636800})
        .field("CodeSizeUnzipped", int64_t{262144000})
        .field("CodeSizeZipped", int64_t{52428800})
        .field("ConcurrentExecutions", settings_.accountConcurrencyLimit)
        .field("UnreservedConcurrentExecutions", settings_.accountConcurrencyLimit)
        .endObject();
    w.key("AccountUsage").beginObject().field("TotalCodeSize", int64_t{0});
    w.field("FunctionCount", static_cast<int64_t>(functions.size())).endObject().endObject();
    responder.send(restJsonResponse(200, std::move(body), requestId));
    return;
  }

  if (segments.size() >= 2 && segments[0] == "2015-03-31" && segments[1] == "functions") {
    // ListFunctions: GET /2015-03-31/functions/
    if (segments.size() == 2 && method == "GET") {
      auto functions = lambda_.functions();
      std::string body;
      JsonWriter w(body);
      w.beginObject().key("Functions").beginArray();
      for (const auto& spec : functions) writeFunctionConfiguration(w, spec);
      w.endArray().endObject();
      responder.send(restJsonResponse(200, std::move(body), requestId));
      return;
    }
    std::string qualifier = queryParameter(query, "Qualifier");
    std::string name = functionNameOf(percentDecode(segments[2]), qualifier);
    if (!qualifier.empty() && qualifier != "$LATEST") {
      // Versions and aliases arrive with that work; until then only $LATEST exists.
      responder.send(functionNotFound(settings_, name, qualifier, requestId));
      return;
    }
    if (segments.size() == 4 && segments[3] == "invocations" && method == "POST") {
      invoke(std::move(request), name, query, std::move(responder), requestId);
      return;
    }
    auto spec = lambda_.function(name);
    if (segments.size() == 3 && method == "GET") {
      if (!spec) return responder.send(functionNotFound(settings_, name, "", requestId));
      std::string body;
      JsonWriter w(body);
      w.beginObject().key("Configuration");
      writeFunctionConfiguration(w, *spec);
      w.key("Code").beginObject().field("RepositoryType", "S3");
      w.field("Location", fmt::format("file://{}", spec->codeDirectory.string())).endObject();
      w.key("Tags").beginObject().endObject().endObject();
      responder.send(restJsonResponse(200, std::move(body), requestId));
      return;
    }
    if (segments.size() == 4 && segments[3] == "configuration" && method == "GET") {
      if (!spec) return responder.send(functionNotFound(settings_, name, "", requestId));
      std::string body;
      JsonWriter w(body);
      writeFunctionConfiguration(w, *spec);
      responder.send(restJsonResponse(200, std::move(body), requestId));
      return;
    }
  }
  responder.send(restJsonError(
      404, "UnknownOperationException",
      fmt::format("This Lambda operation is not available in nimbus yet: {} {}", method, target),
      requestId));
}

void LambdaApi::invoke(HttpRequest&& request, const std::string& functionName,
                       std::string_view query, http::Responder responder,
                       const std::string& requestId) {
  (void)query;
  std::string invocationType = "RequestResponse";
  if (const HttpHeader* h = findHeader(request.headers, "X-Amz-Invocation-Type")) {
    invocationType = h->value;
  }
  bool tail = false;
  if (const HttpHeader* h = findHeader(request.headers, "X-Amz-Log-Type")) {
    tail = h->value == "Tail";
  }
  if (invocationType != "RequestResponse" && invocationType != "DryRun" &&
      invocationType != "Event") {
    responder.send(restJsonError(
        400, "InvalidParameterValueException",
        fmt::format(
            "1 validation error detected: Value '{}' at 'invocationType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
            invocationType),
        requestId));
    return;
  }
  auto spec = lambda_.function(functionName);
  if (!spec) {
    // Invoke names the qualified ARN it looked for.
    responder.send(functionNotFound(settings_, functionName, "$LATEST", requestId));
    return;
  }
  if (invocationType == "DryRun") {
    responder.send(restJsonResponse(204, "", requestId));
    return;
  }
  if (invocationType == "Event") {
    if (!async_) {
      responder.send(restJsonError(400, "InvalidParameterValueException",
                                   "InvocationType Event is not available", requestId));
      return;
    }
    if (request.body.size() > settings_.maxAsyncPayloadBytes) {
      responder.send(restJsonError(
          413, "RequestTooLargeException",
          fmt::format("{} byte payload is too large for the Event invocation type (limit {} bytes)",
                      request.body.size(), settings_.maxAsyncPayloadBytes),
          requestId));
      return;
    }
    // 202 only once the event is durable: an acknowledged event is never lost.
    auto shared = std::make_shared<http::Responder>(std::move(responder));
    async_->accept(functionName, std::move(request.body),
                   [shared](const std::string& eventId, const std::string& error) {
                     if (!error.empty()) {
                       shared->send(restJsonError(500, "ServiceException",
                                                  "the event could not be stored: " + error,
                                                  eventId, "Service"));
                       return;
                     }
                     shared->send(restJsonResponse(202, "", eventId));
                   });
    return;
  }
  lambda::InvokeRequest invoke;
  invoke.functionName = functionName;
  invoke.payload = request.body.empty() ? std::string() : std::move(request.body);
  invoke.tailLog = tail;
  if (const HttpHeader* h = findHeader(request.headers, "X-Amz-Client-Context")) {
    if (auto decoded = base64Decode(h->value)) invoke.clientContext = *decoded;
  }
  size_t size = invoke.payload.size();
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  lambda_.invoke(std::move(invoke), [shared, requestId, size, functionName,
                                     settings = settings_](lambda::InvokeResult&& result) {
    switch (result.status) {
      case lambda::InvokeStatus::Ok:
      case lambda::InvokeStatus::FunctionError: {
        HttpResponse r;
        r.status = 200;
        r.headers.push_back({"Content-Type", "application/json"});
        r.headers.push_back({"x-amzn-RequestId", result.requestId});
        r.headers.push_back({"X-Amz-Executed-Version", result.executedVersion});
        if (result.status == lambda::InvokeStatus::FunctionError) {
          r.headers.push_back({"X-Amz-Function-Error", "Unhandled"});
        }
        if (!result.logTail.empty()) {
          r.headers.push_back({"X-Amz-Log-Result", base64Encode(result.logTail)});
        }
        r.body = std::move(result.payload);
        shared->send(std::move(r));
        return;
      }
      case lambda::InvokeStatus::Throttled: {
        std::string body;
        JsonWriter(body)
            .beginObject()
            .field("Reason", "ConcurrentInvocationLimitExceeded")
            .field("Type", "User")
            .field("message", "Rate Exceeded.")
            .endObject();
        HttpResponse r = restJsonResponse(429, std::move(body), requestId);
        r.headers.push_back({"x-amzn-ErrorType", "TooManyRequestsException"});
        shared->send(std::move(r));
        return;
      }
      case lambda::InvokeStatus::RequestTooLarge:
        shared->send(restJsonError(
            413, "RequestTooLargeException",
            fmt::format("{} byte payload is too large for the RequestResponse invocation type "
                        "(limit 6291456 bytes)",
                        size),
            requestId));
        return;
      case lambda::InvokeStatus::NotFound:
        shared->send(functionNotFound(settings, functionName, "$LATEST", requestId));
        return;
      case lambda::InvokeStatus::ServiceError:
        shared->send(restJsonError(500, "ServiceException", "nimbus could not run the function",
                                   requestId, "Service"));
        return;
    }
  });
}

}  // namespace nimbus::aws
