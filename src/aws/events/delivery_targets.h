// Where EventBridge hands events to other services: SQS queues, Lambda functions and SNS topics.
// EventBridge does not know those services; the server wires this interface to them (and tests
// to a stand-in). Event bus targets stay inside EventBridge.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::aws::events {

// How a hand-over ended.
struct TargetResult {
  enum class Status {
    Accepted,  // The target has it durably (an SQS message stored, a Lambda event queued).
    // It never will as things stand (no such queue, function or topic): EventBridge sends such
    // events to the dead-letter queue at once, without retrying.
    NotFound,
    Failed,       // It refused this event (too large, ...): retried as the retry policy says.
    Unavailable,  // Not now (a store failed): retried as the retry policy says.
  };
  Status status = Status::Accepted;
  std::string errorCode;  // e.g. "ResourceNotFoundException", as the DLQ message's ERROR_CODE.
  std::string errorMessage;

  static TargetResult accepted() { return {}; }
  static TargetResult notFound(std::string message) {
    return {Status::NotFound, "ResourceNotFoundException", std::move(message)};
  }
  static TargetResult failed(std::string code, std::string message) {
    return {Status::Failed, std::move(code), std::move(message)};
  }
  static TargetResult unavailable(std::string message) {
    return {Status::Unavailable, "InternalException", std::move(message)};
  }
};

using TargetCallback = std::function<void(TargetResult)>;

// A string message attribute for an SQS message (dead-letter messages carry several).
struct QueueMessageAttribute {
  std::string name;
  std::string value;
};

// One message for an SQS queue.
struct QueueMessage {
  std::string queueArn;
  std::string body;
  std::string messageGroupId;          // FIFO queues: SqsParameters.MessageGroupId.
  std::string messageDeduplicationId;  // FIFO queues: the event's id.
  std::vector<QueueMessageAttribute> attributes;
  std::string senderId;  // The rule's ARN, for logs and the message's SenderId.
};

class EventsDeliveryTargets {
 public:
  virtual ~EventsDeliveryTargets() = default;

  // Each `done` runs once the target holds the event durably, or with why not; it may run on
  // any thread, before or after the call returns.
  virtual void sendToQueue(QueueMessage message, TargetCallback done) = 0;
  // Invokes asynchronously (InvocationType Event); `functionArn` may carry a version or alias.
  virtual void invokeFunction(const std::string& functionArn, std::string payload,
                              TargetCallback done) = 0;
  virtual void publishToTopic(const std::string& topicArn, std::string message,
                              TargetCallback done) = 0;
};

// How rules with a ScheduleExpression fire: the server wires this to its schedule runner.
class RuleSchedules {
 public:
  virtual ~RuleSchedules() = default;

  // Why `expression` ("rate(5 minutes)", "cron(0 12 * * ? *)") cannot be a rule's schedule, or an
  // empty string.
  virtual std::string check(const std::string& expression) = 0;
  // Fires `fire` with each firing's scheduled time (epoch ms) until removed or replaced; a rate
  // counts from `anchorMs` (when the rule was created), as EventBridge counts it, and only times
  // after `sinceMs` (when the rule was last enabled) fire.
  virtual void upsert(const std::string& key, const std::string& expression, int64_t anchorMs,
                      int64_t sinceMs, std::function<void(int64_t scheduledAtMs)> fire) = 0;
  // Forgets `key` for good (the rule was deleted or disabled).
  virtual void remove(const std::string& key) = 0;
  // The next firing's time (epoch ms), when `key` is scheduled.
  virtual std::optional<int64_t> nextFiringMs(const std::string& key) = 0;
};

}  // namespace nimbus::aws::events
