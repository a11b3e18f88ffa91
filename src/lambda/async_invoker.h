// Asynchronous invocations (Lambda's InvocationType Event): each event is written durably to the
// store before it is acknowledged, then run through the Lambda core with Lambda's retry policy.
// Events survive a crash: after a restart everything acknowledged and unfinished runs again
// (at-least-once, as on Lambda).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lambda/invoker.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::lambda {

class FunctionRegistry;

struct AsyncOptions {
  // Lambda's asynchronous payload limit (1 MB since 2025; 256 KB before).
  size_t maxPayloadBytes = 1024 * 1024;
  // MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600) defaults.
  int maximumRetryAttempts = 2;
  std::chrono::seconds maximumEventAge = std::chrono::hours(6);
  // Lambda waits about one minute before the first retry and two before the second.
  std::chrono::milliseconds retryBaseDelay = std::chrono::minutes(1);
  // How long a throttled event waits before it is tried again (not counted as an attempt).
  std::chrono::milliseconds throttleDelay = std::chrono::seconds(1);
  // How many events may be running at once.
  size_t maxInFlight = 64;
};

struct AsyncContext;

struct DestinationAttribute {
  std::string name;
  std::string dataType;  // "String" or "Number"
  std::string value;
};

// Delivers a message to an SQS queue or SNS topic ARN: an invocation record for a destination,
// or a failed event for a dead-letter queue. `done` gets an empty error once the message is
// durable in the target service.
using DestinationSender = std::function<void(const std::string& targetArn, std::string body,
                                             std::vector<DestinationAttribute> attributes,
                                             std::function<void(const std::string& error)> done)>;

class AsyncInvoker {
 public:
  // Functions' async settings (EventInvokeConfig, dead-letter target) are read from
  // `registry` when each event runs, so changes apply to events already queued.
  AsyncInvoker(boost::asio::io_context& io, LambdaService& lambda, FunctionRegistry& registry,
               store::Store& store, AsyncOptions options);
  ~AsyncInvoker();
  AsyncInvoker(const AsyncInvoker&) = delete;
  AsyncInvoker& operator=(const AsyncInvoker&) = delete;

  // Accepts an event for `functionName`. `accepted` runs once it is durable, with the request id
  // and an empty error, or with the error (the caller must then not acknowledge it).
  void accept(const std::string& functionName, std::string payload,
              std::function<void(const std::string& requestId, const std::string& error)> accepted);
  // The same for the version or alias `qualifier` names ("$LATEST", "3", "live"); an alias's
  // version is chosen when the event runs, by the routing in force then. `traceHeader` is the
  // sender's X-Ray header: each attempt continues its trace.
  void accept(const std::string& functionName, const std::string& qualifier, std::string payload,
              std::function<void(const std::string& requestId, const std::string& error)> accepted,
              std::string traceHeader = {});

  // Where records and dead letters for SQS and SNS targets go. Call before start().
  void setDestinationSender(DestinationSender sender);

  // Starts running due events, including those left from before a restart.
  void start();
  // Stops taking new work; running invocations are left to the Lambda core's own stop.
  void stop();

  size_t pending() const;

 private:
  std::shared_ptr<AsyncContext> context_;
};

}  // namespace nimbus::lambda
