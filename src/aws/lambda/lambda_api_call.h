// Private to the Lambda API's implementation files: one request being answered, and the
// answers they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/lambda/function_configuration.h"
#include "aws/lambda/function_request.h"
#include "aws/lambda/lambda_api.h"
#include "aws/rest_json.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

struct LambdaApi::Call {
  std::string requestId;
  // Shared: answers often come from another thread's callback.
  std::shared_ptr<http::Responder> responder;
  std::string functionName;  // Bare name from the path, when the operation names one.
  std::string qualifier;     // From the path's ARN or the Qualifier parameter; may be empty.
  std::string query;         // The query string, without '?'.

  void send(HttpResponse&& response) const { responder->send(std::move(response)); }
  void fail(const ApiError& e) const {
    responder->send(restJsonError(e.status, e.code, e.message, requestId));
  }
};

// Lambda's 404 for a function (or qualified version) it does not have.
ApiError functionNotFound(const LambdaApiSettings& settings, const std::string& name,
                          const std::string& qualifier);

// The answer to a registry change that did not happen.
ApiError registryRefusal(const lambda::RegistryResult& result, const LambdaApiSettings& settings,
                         const std::string& name);

// A 200 (or `status`) answer carrying the function's configuration (FunctionArn qualified with
// `arnQualifier` when it is not empty).
HttpResponse configurationResponse(int status, const lambda::FunctionSpec& spec,
                                   FunctionPhase phase, const std::string& requestId,
                                   std::string_view arnQualifier = {});

}  // namespace nimbus::aws
