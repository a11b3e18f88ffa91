// An event source mapping: a queue or stream whose messages or records Lambda polls and hands
// to a function in batches. SQS queues and DynamoDB streams are the sources nimbus serves;
// serverless.yml `sqs` and `stream` events and the Lambda API's CreateEventSourceMapping all make
// them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lambda/function_spec.h"

namespace nimbus::lambda {

// The settings only stream sources have (Kinesis and DynamoDB Streams in Lambda's API).
struct StreamMappingSettings {
  std::string startingPosition = "TRIM_HORIZON";  // TRIM_HORIZON or LATEST
  int maximumRetryAttempts = -1;                  // -1: until the record expires; else 0-10000.
  int maximumRecordAgeSeconds = -1;               // -1: no limit; else 60-604800.
  bool bisectBatchOnFunctionError = false;
  int parallelizationFactor = 1;     // 1-10; nimbus keeps one batch in flight per shard.
  std::string onFailureDestination;  // DestinationConfig.OnFailure: an SQS queue or SNS topic.

  bool operator==(const StreamMappingSettings&) const = default;
};

struct EventSourceMapping {
  std::string uuid;
  // arn:aws:sqs:{region}:{account}:{queue} or
  // arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}
  std::string eventSourceArn;
  std::string functionName;
  int batchSize = 10;                    // 1-10000; over 10 needs a batching window (SQS).
  int maximumBatchingWindowSeconds = 0;  // 0-300
  bool reportBatchItemFailures = false;  // FunctionResponseTypes: [ReportBatchItemFailures]
  bool enabled = true;
  std::optional<int> maximumConcurrency;        // ScalingConfig.MaximumConcurrency, 2-1000 (SQS)
  std::optional<StreamMappingSettings> stream;  // Set exactly for stream sources.
  std::vector<std::string> filterPatterns;      // FilterCriteria.Filters[].Pattern
  FunctionOrigin origin = FunctionOrigin::Api;
  std::chrono::system_clock::time_point lastModified{};

  bool isStream() const { return stream.has_value(); }

  // Whether a poller for `other` polls exactly as one for this mapping does.
  bool samePolling(const EventSourceMapping& other) const {
    return uuid == other.uuid && eventSourceArn == other.eventSourceArn &&
           functionName == other.functionName && batchSize == other.batchSize &&
           maximumBatchingWindowSeconds == other.maximumBatchingWindowSeconds &&
           reportBatchItemFailures == other.reportBatchItemFailures && enabled == other.enabled &&
           maximumConcurrency == other.maximumConcurrency && stream == other.stream &&
           filterPatterns == other.filterPatterns;
  }
};

// Whether an event source ARN names a DynamoDB stream.
inline bool isDynamoDbStreamArn(const std::string& arn) {
  return arn.rfind("arn:aws:dynamodb:", 0) == 0 && arn.find("/stream/") != std::string::npos;
}

// The store's JSON form of API-created mappings.
std::string encodeEventSourceMapping(const EventSourceMapping& mapping);
std::optional<EventSourceMapping> decodeEventSourceMapping(const std::string& value);

}  // namespace nimbus::lambda
