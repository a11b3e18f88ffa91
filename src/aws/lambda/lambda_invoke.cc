// Invoke (POST /2015-03-31/functions/{name}/invocations): RequestResponse, Event and DryRun.
#include <fmt/format.h>

#include "aws/lambda/lambda_api_call.h"
#include "core/base64.h"
#include "core/json_writer.h"
#include "lambda/async_invoker.h"
#include "lambda/invoker.h"

namespace nimbus::aws {

namespace {

HttpResponse throttled(const std::string& requestId, const std::string& reason) {
  std::string body;
  JsonWriter(body)
      .beginObject()
      .field("Reason", reason.empty() ? "ConcurrentInvocationLimitExceeded" : reason)
      .field("Type", "User")
      .field("message", "Rate Exceeded.")
      .endObject();
  HttpResponse r = restJsonResponse(429, std::move(body), requestId);
  r.headers.push_back({"x-amzn-ErrorType", "TooManyRequestsException"});
  return r;
}

HttpResponse functionResult(lambda::InvokeResult&& result) {
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
  return r;
}

}  // namespace

void LambdaApi::invoke(Call& call, HttpRequest&& request) {
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
    return call.fail(validationError(invocationType, "invocationType",
                                     "Member must satisfy enum value set: [Event, "
                                     "RequestResponse, DryRun]"));
  }
  // Invoke names the qualified ARN it looked for.
  std::string qualifier = call.qualifier.empty() ? std::string("$LATEST") : call.qualifier;
  if (!registry_.resolve(call.functionName, call.qualifier)) {
    return call.fail(functionNotFound(settings_, call.functionName, qualifier));
  }
  if (invocationType == "DryRun") {
    return call.send(restJsonResponse(204, "", call.requestId));
  }
  if (invocationType == "Event") {
    if (!async_) {
      return call.fail(
          {400, "InvalidParameterValueException", "InvocationType Event is not available"});
    }
    if (request.body.size() > settings_.maxAsyncPayloadBytes) {
      return call.fail({413, "RequestTooLargeException",
                        fmt::format("{} byte payload is too large for the Event invocation type "
                                    "(limit {} bytes)",
                                    request.body.size(), settings_.maxAsyncPayloadBytes)});
    }
    // 202 only once the event is durable: an acknowledged event is never lost.
    if (request.body.empty()) request.body = "{}";
    const HttpHeader* trace = findHeader(request.headers, "X-Amzn-Trace-Id");
    async_->accept(
        call.functionName, qualifier, std::move(request.body),
        [responder = call.responder](const std::string& eventId, const std::string& error) {
          if (!error.empty()) {
            responder->send(restJsonError(500, "ServiceException",
                                          "the event could not be stored: " + error, eventId,
                                          "Service"));
            return;
          }
          responder->send(restJsonResponse(202, "", eventId));
        },
        trace ? trace->value : std::string());
    return;
  }
  lambda::InvokeRequest invoke;
  invoke.functionName = call.functionName;
  invoke.qualifier = call.qualifier;
  // Lambda hands a function `{}` when the caller sent no payload at all.
  invoke.payload = request.body.empty() ? std::string("{}") : std::move(request.body);
  invoke.tailLog = tail;
  if (const HttpHeader* h = findHeader(request.headers, "X-Amz-Client-Context")) {
    if (auto decoded = base64Decode(h->value)) invoke.clientContext = *decoded;
  }
  // A caller inside a trace (a function calling another through the SDK) continues it.
  if (const HttpHeader* h = findHeader(request.headers, "X-Amzn-Trace-Id")) {
    invoke.traceHeader = h->value;
  }
  size_t size = invoke.payload.size();
  lambda_.invoke(std::move(invoke), [call, size, qualifier,
                                     settings = settings_](lambda::InvokeResult&& result) {
    switch (result.status) {
      case lambda::InvokeStatus::Ok:
      case lambda::InvokeStatus::FunctionError:
        return call.send(functionResult(std::move(result)));
      case lambda::InvokeStatus::Throttled:
        return call.send(throttled(call.requestId, result.throttleReason));
      case lambda::InvokeStatus::RequestTooLarge:
        return call.fail({413, "RequestTooLargeException",
                          fmt::format("{} byte payload is too large for the RequestResponse "
                                      "invocation type (limit {} bytes)",
                                      size, settings.maxSyncPayloadBytes)});
      case lambda::InvokeStatus::NotFound:
        return call.fail(functionNotFound(settings, call.functionName, qualifier));
      case lambda::InvokeStatus::ServiceError:
        return call.send(restJsonError(500, "ServiceException", "nimbus could not run the function",
                                       call.requestId, "Service"));
    }
  });
}

}  // namespace nimbus::aws
