// The AWS Lambda API (2015-03-31, REST-JSON) on the AWS endpoint, for the functions the Lambda
// core runs: ListFunctions, GetFunction, GetFunctionConfiguration, Invoke (RequestResponse and
// DryRun, LogType Tail) and GetAccountSettings. docs/lambda-api.md lists what is served.
#pragma once

#include <string>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace nimbus::lambda {
class AsyncInvoker;
class LambdaService;
}  // namespace nimbus::lambda

namespace nimbus::aws {

struct LambdaApiSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  int accountConcurrencyLimit = 1000;
  size_t maxAsyncPayloadBytes = 1024 * 1024;
};

class LambdaApi {
 public:
  // `async` takes InvocationType Event; without it such invocations are refused.
  LambdaApi(lambda::LambdaService& lambda, lambda::AsyncInvoker* async, LambdaApiSettings settings);

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

 private:
  void invoke(HttpRequest&& request, const std::string& functionName, std::string_view query,
              http::Responder responder, const std::string& requestId);

  lambda::LambdaService& lambda_;
  lambda::AsyncInvoker* async_;
  LambdaApiSettings settings_;
};

}  // namespace nimbus::aws
