// A queue's definition: its name, its attributes as CreateQueue and SetQueueAttributes check and
// keep them, and its tags; plus the JSON the store keeps it as.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sqs/sqs_error.h"

namespace nimbus::aws::sqs {

// SQS's limits that are not per queue.
inline constexpr int kMaxMessageSizeLimit = 1048576;  // 1 MiB, body plus attributes.
inline constexpr int kMaxVisibilityTimeout = 43200;   // 12 hours.
inline constexpr int kMaxDelaySeconds = 900;
inline constexpr int kMaxWaitTimeSeconds = 20;
inline constexpr int kMaxBatchEntries = 10;
inline constexpr int kMaxMessageAttributes = 10;
inline constexpr size_t kMaxTags = 50;

struct RedrivePolicy {
  std::string deadLetterTargetArn;
  int maxReceiveCount = 0;
};

struct QueueConfig {
  int64_t id = 0;  // The store's id, never reused.
  std::string name;
  bool fifo = false;
  // Every settable attribute with its value as GetQueueAttributes answers it, defaults included
  // (VisibilityTimeout, DelaySeconds, RedrivePolicy when set, Policy verbatim, ...).
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> tags;
  int64_t createdAtS = 0;
  int64_t lastModifiedAtS = 0;

  // Typed views of `attributes`, kept in step by applyAttributes().
  int visibilityTimeout = 30;
  int delaySeconds = 0;
  int maximumMessageSize = kMaxMessageSizeLimit;
  int messageRetentionPeriod = 345600;  // 4 days.
  int receiveMessageWaitTimeSeconds = 0;
  bool contentBasedDeduplication = false;
  bool dedupPerGroup = false;  // DeduplicationScope messageGroup.
  std::optional<RedrivePolicy> redrivePolicy;
};

// Whether `name` is a valid queue name: 1-80 of [A-Za-z0-9_-], with ".fifo" at the end exactly
// when `fifo` (the suffix counts toward the 80).
std::optional<SqsError> checkQueueName(std::string_view name, bool fifo);

// A new queue's definition with SQS's defaults, before its attributes are applied.
QueueConfig defaultQueueConfig(std::string name, bool fifo, int64_t nowS);

// Checks `given` as CreateQueue (`creating`) or SetQueueAttributes does, and on success merges
// them into `config`. Nothing is changed when an error is returned.
std::optional<SqsError> applyAttributes(QueueConfig& config,
                                        const std::map<std::string, std::string>& given,
                                        bool creating);

// The attribute names GetQueueAttributes accepts (including "All" and the read-only ones).
bool isQueueAttributeName(std::string_view name);

// The store's JSON form of a definition (id and name are the store's own columns).
std::string encodeDefinition(const QueueConfig& config);
bool decodeDefinition(std::string_view json, QueueConfig& config);

}  // namespace nimbus::aws::sqs
