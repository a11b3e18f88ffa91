// SQS inside nimbus: queues and their messages, durable in the store, with SQS's delivery rules.
// The SQS API on the AWS endpoint (sqs_api.h) is one client of this face; Lambda's event-source
// pollers, SNS deliveries to queues and asynchronous invocations' destinations and dead-letter
// queues are the others.
//
// Threads and durability. Every member may be called from any thread and returns at once: none
// blocks or touches the disk. Queue state lives in memory (one lock per queue); each operation
// that changes it hands its changes to the store's group-commit writer, and its callback runs
// only once they are committed (fsync'd), so an acknowledged send survives kill -9, an
// acknowledged delete never comes back, and an in-flight message stays invisible across a
// restart until its visibility timeout. Callbacks are always posted to the io_context given at
// construction, never run on the caller's stack or on the store's writer thread.
//
// Queues are named by name; queueName() turns the forms clients use (URL, ARN, name) into one.
// A Lambda event-source poller, for one:
//
//   std::string queue = SqsService::queueName(eventSourceArn);
//   auto id = sqs.watch(queue, [=] { pollOnce(); });   // also fires at once if messages wait
//   void pollOnce() {
//     sqs.receive(queue, {.maxMessages = 10, .waitTimeSeconds = 0}, [=](auto result) {
//       ...invoke the function with the batch, then deleteMessages() the handles it processed
//     });
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sqs/message.h"
#include "aws/sqs/queue_config.h"
#include "aws/sqs/queue_engine.h"
#include "aws/sqs/sqs_error.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::aws::sqs {

struct SqsSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
};

// A message to send. Attributes may come in any order.
struct OutgoingMessage {
  std::string body;
  MessageAttributes attributes;
  MessageAttributes systemAttributes;  // SQS accepts AWSTraceHeader (String) only.
  std::string groupId;                 // MessageGroupId: required by FIFO queues.
  std::string dedupId;                 // MessageDeduplicationId (FIFO only).
  std::optional<int> delaySeconds;     // 0-900; the queue's DelaySeconds when absent.
  std::string senderId;                // The SenderId attribute; empty: the account id.
};

// What SendMessage answers for one message.
struct SentMessage {
  std::string messageId;
  std::string md5OfBody;
  std::string md5OfAttributes;        // Empty without attributes.
  std::string md5OfSystemAttributes;  // Empty without system attributes.
  std::string sequenceNumber;         // FIFO queues only.
};

// A received message: its content, the handle to delete it or change its visibility with, and
// the system attributes that change from receive to receive.
struct Delivery {
  MessageContentPtr content;
  std::string receiptHandle;
  int receiveCount = 0;
  int64_t firstReceiveAtMs = 0;
};

struct ReceiveOptions {
  int maxMessages = 1;                   // 1-10.
  std::optional<int> visibilityTimeout;  // Seconds; the queue's VisibilityTimeout when absent.
  // Long polling: 0-20 seconds to wait for a message when none is there; the queue's
  // ReceiveMessageWaitTimeSeconds when absent. A waiting receive is answered as soon as a
  // message becomes available (a send, or a visibility timeout or delay running out).
  std::optional<int> waitTimeSeconds;
};

// A queue's definition and message counts at one moment.
struct QueueSnapshot {
  QueueConfig config;
  QueueCounts counts;
  std::string arn;
};

class SqsService {
 public:
  using Done = std::function<void(std::optional<SqsError>)>;
  using EntryErrors = std::vector<std::optional<SqsError>>;

  // `store` and `io` must outlive the service.
  SqsService(boost::asio::io_context& io, store::Store& store, SqsSettings settings);
  ~SqsService();
  SqsService(const SqsService&) = delete;
  SqsService& operator=(const SqsService&) = delete;

  // Reads the queues and messages the store holds (at start-up, before serving). Returns
  // warnings about anything it could not read.
  std::vector<std::string> load();
  // Answers every waiting receive with no messages and refuses later calls. Idempotent.
  void stop();

  const SqsSettings& settings() const { return settings_; }

  // Where the AWS/SQS counters go (NumberOfMessagesSent, SentMessageSize,
  // NumberOfMessagesReceived, NumberOfEmptyReceives, NumberOfMessagesDeleted), by queue name.
  // Set before the service is used; called outside the queues' locks.
  using MetricSink = std::function<void(const std::string& queue, std::string_view metric,
                                        double value, std::string_view unit)>;
  void setMetricSink(MetricSink sink) { metricSink_ = std::move(sink); }
  std::string queueArn(std::string_view name) const;
  // The queue name in a QueueUrl (any host, with or without /queue/{region}/ before the
  // account), an ARN, or a bare name.
  static std::string queueName(std::string_view urlArnOrName);

  // --- Queues ------------------------------------------------------------------------------
  // CreateQueue: creates the queue, or answers with the existing one when every given attribute
  // matches it (QueueNameExists otherwise).
  void createQueue(const std::string& name, const std::map<std::string, std::string>& attributes,
                   const std::map<std::string, std::string>& tags, Done done);
  void deleteQueue(const std::string& name, Done done);
  bool hasQueue(std::string_view name) const;
  // Names of the queues whose name starts with `prefix`, sorted.
  std::vector<std::string> listQueues(std::string_view prefix) const;
  Result<QueueSnapshot> describeQueue(std::string_view name) const;
  void setQueueAttributes(const std::string& name,
                          const std::map<std::string, std::string>& attributes, Done done);
  void tagQueue(const std::string& name, const std::map<std::string, std::string>& tags, Done done);
  void untagQueue(const std::string& name, const std::vector<std::string>& keys, Done done);
  // Deletes every message in the queue.
  void purgeQueue(const std::string& name, Done done);

  // --- Messages ----------------------------------------------------------------------------
  // Sends up to ten messages in one durable write. `done` gets one result per message, in order
  // (a message SQS would refuse fails alone), or the error that refused them all.
  void send(const std::string& name, std::vector<OutgoingMessage> messages,
            std::function<void(Result<std::vector<Result<SentMessage>>>)> done);
  // Receives up to options.maxMessages messages, waiting up to the wait time for the first.
  void receive(const std::string& name, ReceiveOptions options,
               std::function<void(Result<std::vector<Delivery>>)> done);
  // Deletes by receipt handle, one result per handle. A handle of a message that is gone, or
  // that has been received again since, succeeds without deleting (as SQS does).
  void deleteMessages(const std::string& name, std::vector<std::string> receiptHandles,
                      std::function<void(Result<EntryErrors>)> done);
  // Makes in-flight messages visible `seconds` (0-43200) from now, one result per handle.
  void changeVisibility(const std::string& name,
                        std::vector<std::pair<std::string, int>> handlesAndSeconds,
                        std::function<void(Result<EntryErrors>)> done);

  // --- Notification ------------------------------------------------------------------------
  // Calls `onReceivable` (posted to the io_context) whenever the queue may have messages to
  // receive: after a send, when a delay or visibility timeout runs out, and at once if it has
  // some now. A poller then calls receive(); a call that finds nothing is harmless. Returns 0
  // when there is no such queue.
  uint64_t watch(const std::string& name, std::function<void()> onReceivable);
  void unwatch(const std::string& name, uint64_t watchId);

  struct Queue;  // One queue's state, lock and waiters (private to sqs_service.cc).
  struct Shared;

 private:
  std::shared_ptr<Queue> find(std::string_view name) const;

  SqsSettings settings_;
  std::shared_ptr<Shared> shared_;
  MetricSink metricSink_;
};

}  // namespace nimbus::aws::sqs
