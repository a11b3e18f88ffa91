// An event source mapping: a queue whose messages Lambda polls and hands to a function in
// batches. SQS is the source nimbus serves; serverless.yml `sqs` events and the Lambda API's
// CreateEventSourceMapping both make them.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "lambda/function_spec.h"

namespace nimbus::lambda {

struct EventSourceMapping {
  std::string uuid;
  std::string eventSourceArn;  // arn:aws:sqs:{region}:{account}:{queue}
  std::string functionName;
  int batchSize = 10;                    // 1-10000; over 10 needs a batching window.
  int maximumBatchingWindowSeconds = 0;  // 0-300
  bool reportBatchItemFailures = false;  // FunctionResponseTypes: [ReportBatchItemFailures]
  bool enabled = true;
  std::optional<int> maximumConcurrency;  // ScalingConfig.MaximumConcurrency, 2-1000
  FunctionOrigin origin = FunctionOrigin::Api;
  std::chrono::system_clock::time_point lastModified{};

  // Whether a poller for `other` polls exactly as one for this mapping does.
  bool samePolling(const EventSourceMapping& other) const {
    return uuid == other.uuid && eventSourceArn == other.eventSourceArn &&
           functionName == other.functionName && batchSize == other.batchSize &&
           maximumBatchingWindowSeconds == other.maximumBatchingWindowSeconds &&
           reportBatchItemFailures == other.reportBatchItemFailures && enabled == other.enabled &&
           maximumConcurrency == other.maximumConcurrency;
  }
};

// The store's JSON form of API-created mappings.
std::string encodeEventSourceMapping(const EventSourceMapping& mapping);
std::optional<EventSourceMapping> decodeEventSourceMapping(const std::string& value);

}  // namespace nimbus::lambda
