// Where SNS hands messages to other services: SQS queues and Lambda functions. SNS does not know
// those services; the server wires this interface to them (and tests to a stand-in).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "aws/sns/filter_policy.h"

namespace nimbus::aws::sns {

// How a hand-over ended.
struct DeliveryResult {
  enum class Status {
    Accepted,     // The target has it durably (an SQS message stored, a Lambda event queued).
    Rejected,     // It never will: no such queue or function, a message it refuses...
    Unavailable,  // Not now (its store failed): the publisher should be told to try again.
  };
  Status status = Status::Accepted;
  std::string detail;  // Why, when not accepted.

  static DeliveryResult accepted() { return {}; }
  static DeliveryResult rejected(std::string why) { return {Status::Rejected, std::move(why)}; }
  static DeliveryResult unavailable(std::string why) {
    return {Status::Unavailable, std::move(why)};
  }
};

using DeliveryCallback = std::function<void(DeliveryResult)>;

// One message for an SQS queue.
struct QueueDelivery {
  std::string queueArn;  // arn:aws:sqs:{region}:{account}:{queue}
  std::string body;      // The notification JSON, or the raw message with RawMessageDelivery.
  // With RawMessageDelivery, the published message's attributes become the SQS message's
  // attributes (same names, types and values); otherwise they travel inside the body.
  std::vector<MessageAttribute> messageAttributes;
  std::string messageGroupId;          // FIFO topics (and standard ones when given).
  std::string messageDeduplicationId;  // FIFO topics.
  // Where it came from, for the SQS message's SenderId and for logs.
  std::string topicArn;
  std::string subscriptionArn;
  std::string messageId;
  std::string traceHeader;  // The publisher's X-Ray header; empty when none.
};

class SnsDeliveryTargets {
 public:
  virtual ~SnsDeliveryTargets() = default;

  // Sends one message to a queue. `done` runs once the queue holds it durably, or with why not;
  // it may run on any thread, before or after sendToQueue returns.
  virtual void sendToQueue(QueueDelivery delivery, DeliveryCallback done) = 0;

  // Invokes a function asynchronously (InvocationType Event) with an SNS event. `functionArn`
  // is the subscription's endpoint, possibly with a version or alias. `done` runs once the event
  // is accepted durably (Lambda then retries it as it retries any asynchronous event).
  // `traceHeader` is the publisher's X-Ray header (empty when none): the function continues it.
  virtual void invokeFunction(const std::string& functionArn, std::string eventJson,
                              const std::string& traceHeader, DeliveryCallback done) = 0;
};

}  // namespace nimbus::aws::sns
