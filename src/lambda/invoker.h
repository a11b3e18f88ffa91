// The Lambda core's face: deploy function specs, invoke them synchronously, stop everything.
// Invocations run on execution environments (one process each, speaking the Runtime API) that
// are started on demand, reused while warm, scaled out under concurrent load and reaped when
// idle. Callers never block: results arrive through a callback, on an I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lambda/function_spec.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::observe {
class FunctionMetrics;
class LogStore;
class TraceRecorder;
}  // namespace nimbus::observe

namespace nimbus::lambda {

struct InvokeRequest {
  std::string functionName;
  std::string payload;
  std::string clientContext;    // Lambda-Runtime-Client-Context (base64 JSON), optional.
  std::string cognitoIdentity;  // Lambda-Runtime-Cognito-Identity, optional.
  // Return the end of the invocation's log with the result (Invoke's LogType: Tail). The
  // caller is then answered after the REPORT line rather than before it.
  bool tailLog = false;
  // Empty or "$LATEST", a version ("3") or an alias ("live"), as the caller named it. An alias
  // runs one of its versions, chosen by its routing weights.
  std::string qualifier;
  // The invocation's request id; empty for a new one. An asynchronous event keeps the id its
  // 202 answer gave through every attempt, as Lambda does (context.awsRequestId tells retries
  // from new events).
  std::string requestId;
  // The caller's X-Ray trace header (an Invoke's X-Amzn-Trace-Id, an SQS message's
  // AWSTraceHeader, API Gateway's): the invocation continues that trace; empty starts one.
  std::string traceHeader;
};

enum class InvokeStatus {
  Ok,             // The function returned; `payload` is its response.
  FunctionError,  // The function failed (X-Amz-Function-Error: Unhandled); `payload` is the error.
  Throttled,      // Over the concurrency limit (TooManyRequestsException).
  NotFound,       // No such function (ResourceNotFoundException).
  RequestTooLarge,  // Payload over the synchronous limit (RequestTooLargeException).
  ServiceError,     // nimbus could not run it at all (ServiceException).
};

struct InvokeResult {
  InvokeStatus status = InvokeStatus::ServiceError;
  std::string requestId;
  std::string payload;
  std::string errorType;  // For FunctionError: "Runtime.ExitError", "Sandbox.Timedout", ...
  std::string executedVersion = "$LATEST";
  std::string logTail;  // With tailLog: the last 4 KB of the invocation's log lines.
  // For Throttled: Lambda's Reason, ReservedFunctionConcurrentInvocationLimitExceeded (the
  // function's reservation is used up) or ConcurrentInvocationLimitExceeded (the account's
  // unreserved concurrency is).
  std::string throttleReason;
};

// A function's concurrency at one moment.
struct ConcurrencyFigures {
  std::optional<int> reserved;
  int inflight = 0;
  uint64_t throttles = 0;  // Since nimbus started.
};

using InvokeCallback = std::function<void(InvokeResult&&)>;

struct LambdaOptions {
  std::filesystem::path runtimesDir;
  std::string awsEndpointUrl;  // AWS_ENDPOINT_URL inside environments.
  int accountConcurrencyLimit = 1000;
  std::chrono::milliseconds idleTimeout = std::chrono::minutes(10);
  // Lambda's synchronous payload limits (6 MB each way).
  size_t maxRequestBytes = 6 * 1024 * 1024;
  size_t maxResponseBytes = 6 * 1024 * 1024;
  // The init phase may take this long before the environment is abandoned (Lambda: 10 s).
  std::chrono::milliseconds initTimeout = std::chrono::seconds(10);
};

struct ServiceContext;

class LambdaService {
 public:
  LambdaService(boost::asio::io_context& io, observe::LogStore& logs, LambdaOptions options);
  ~LambdaService();
  LambdaService(const LambdaService&) = delete;
  LambdaService& operator=(const LambdaService&) = delete;

  // Replaces the set of deployed function versions ($LATEST and published ones, each with its
  // own pool of environments). Versions whose spec is unchanged keep their warm environments;
  // changed or removed ones retire theirs after in-flight work finishes.
  void deploy(std::vector<FunctionSpec> functions);
  // Replaces the aliases invocations may name. Changing an alias's routing moves traffic
  // between versions without touching their environments.
  void setAliases(std::vector<FunctionAlias> aliases);

  // AWS_ENDPOINT_URL for environments started from now on: the AWS endpoint's URL once it
  // listens, when its port was chosen then. Call before the io_context runs.
  void setAwsEndpointUrl(std::string url);

  void invoke(InvokeRequest request, InvokeCallback done);

  // Stops every environment; in-flight invocations fail. Idempotent.
  void stop();

  // How memory limits are enforced on this machine, for the serve log.
  std::string memoryEnforcement() const;
  // Warnings for runtimes whose installed interpreter differs from the named version.
  std::string runtimeWarning(const std::string& runtime) const;

  // The deployed function versions' specs ($LATEST and published versions), and one by name
  // and version.
  std::vector<FunctionSpec> functions() const;
  std::optional<FunctionSpec> function(const std::string& name,
                                       const std::string& version = "$LATEST") const;

  // Invocations, errors, throttles and durations per function, for /_nimbus/metrics and
  // CloudWatch's AWS/Lambda metrics.
  observe::FunctionMetrics& metrics();
  // Where invocations' spans go; null (the default) records none. Set before invocations run.
  void setTraceRecorder(observe::TraceRecorder* traces);

  // Counters for tests and `nimbus info`, per function version.
  size_t environmentCount(const std::string& functionName,
                          const std::string& version = "$LATEST") const;
  size_t coldStarts(const std::string& functionName, const std::string& version = "$LATEST") const;
  ConcurrencyFigures concurrency(const std::string& functionName) const;
  // Provisioned concurrency of one version ("$LATEST" for nimbus serve's own functions): that
  // many environments initialized ahead and kept; 0 removes it. Kept across redeploys.
  void setProvisionedConcurrency(const std::string& functionName, const std::string& version,
                                 int count);
  struct ProvisionedFigures {
    int requested = 0;
    int available = 0;
    int failed = 0;
    int busy = 0;  // Provisioned environments running an invocation now.
  };
  std::optional<ProvisionedFigures> provisionedConcurrency(const std::string& functionName,
                                                           const std::string& version) const;
  // The account's limit less every reservation: what functions without one share.
  int unreservedConcurrency() const;
  int accountConcurrencyLimit() const { return accountLimit_; }

 private:
  std::shared_ptr<ServiceContext> context_;
  int accountLimit_;
};

}  // namespace nimbus::lambda
