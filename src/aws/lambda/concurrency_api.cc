// PutFunctionConcurrency, GetFunctionConcurrency and DeleteFunctionConcurrency: a function's
// reserved concurrency, carved out of the account's limit.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "core/json_writer.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

namespace {

// Lambda keeps this much of the account's limit for functions without a reservation.
constexpr int kMinimumUnreserved = 100;

std::string reservedBody(std::optional<int> reserved) {
  std::string body;
  JsonWriter w(body);
  w.beginObject();
  if (reserved) w.field("ReservedConcurrentExecutions", *reserved);
  w.endObject();
  return body;
}

}  // namespace

int LambdaApi::minimumUnreserved() const {
  // An account limit under Lambda's minimum (nimbus serve --concurrency-limit 10) keeps all of
  // it unreserved, as the minimum would.
  return std::min(kMinimumUnreserved, settings_.accountConcurrencyLimit);
}

void LambdaApi::functionConcurrency(Call& call, const std::string& method, HttpRequest&& request) {
  auto current = registry_.function(call.functionName);
  if (!current) return call.fail(functionNotFound(settings_, call.functionName, ""));
  if (method == "GET")
    return call.send(
        restJsonResponse(200, reservedBody(current->reservedConcurrency), call.requestId));

  std::optional<int> reserved;
  if (method == "PUT") {
    nlohmann::json body;
    if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
    if (auto e = readBoundedInt(body, "ReservedConcurrentExecutions",
                                "reservedConcurrentExecutions", 0, 2147483647, reserved)) {
      return call.fail(*e);
    }
    if (!reserved) return call.fail(missing("reservedConcurrentExecutions"));
    int others = registry_.reservedTotal(call.functionName);
    if (settings_.accountConcurrencyLimit - others - *reserved < minimumUnreserved()) {
      return call.fail(ApiError{
          400, "InvalidParameterValueException",
          fmt::format("Specified ReservedConcurrentExecutions for function decreases account's "
                      "UnreservedConcurrentExecution below its minimum value of [{}].",
                      minimumUnreserved())});
    }
  }
  registry_.setReservedConcurrency(
      call.functionName, reserved, [this, call, reserved, method](lambda::RegistryResult&& result) {
        if (result.status != lambda::RegistryStatus::Ok) {
          return call.fail(registryRefusal(result, settings_, call.functionName));
        }
        if (method == "DELETE") return call.send(restJsonResponse(204, "", call.requestId));
        call.send(restJsonResponse(200, reservedBody(reserved), call.requestId));
      });
}

}  // namespace nimbus::aws
