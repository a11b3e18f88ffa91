// What an SQS event source mapping needs from a queue service. The Lambda core does not know
// SQS; the server adapts nimbus's SQS service to this interface, so that pollers can be tested
// and built on their own.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::lambda {

struct QueueMessageAttribute {
  std::string name;
  std::string dataType;  // "String", "Number", "Binary", or with a custom suffix ("String.x").
  std::string value;     // The string value, or the raw bytes of a binary value.
  bool binary = false;
};

// One received message, with what Lambda's SQS event carries of it.
struct QueueMessage {
  std::string messageId;
  std::string receiptHandle;
  std::string body;
  std::string md5OfBody;
  std::string md5OfMessageAttributes;  // Empty when the message has no attributes.
  // System attributes by SQS's names: ApproximateReceiveCount, SentTimestamp, SenderId,
  // ApproximateFirstReceiveTimestamp, and for FIFO queues SequenceNumber, MessageGroupId,
  // MessageDeduplicationId.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<QueueMessageAttribute> messageAttributes;
};

using ReceiveCallback = std::function<void(std::vector<QueueMessage> messages, std::string error)>;
using QueueDoneCallback = std::function<void(std::string error)>;

class QueueSource {
 public:
  virtual ~QueueSource() = default;

  // Receives up to `maxMessages` (1-10), hiding them for `visibilityTimeout`. When none is
  // visible, waits up to `wait` for one (long polling). `done` may run on any thread; an
  // unknown queue is an error.
  virtual void receive(const std::string& queueArn, int maxMessages,
                       std::chrono::seconds visibilityTimeout, std::chrono::milliseconds wait,
                       ReceiveCallback done) = 0;

  // Deletes the messages (durably) by their receipt handles.
  virtual void deleteMessages(const std::string& queueArn, std::vector<std::string> receiptHandles,
                              QueueDoneCallback done) = 0;

  // The queue's VisibilityTimeout, or nullopt when there is no such queue.
  virtual std::optional<std::chrono::seconds> visibilityTimeout(const std::string& queueArn) = 0;
};

}  // namespace nimbus::lambda
