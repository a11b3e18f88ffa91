// How nimbus's services reach one another. Each service names what it needs as an interface of
// its own (Lambda's QueueSource, StreamSource and DestinationSender, SNS's SnsDeliveryTargets);
// these adapters connect those interfaces to the services that serve them, so that no service
// includes another.
#pragma once

#include <memory>

#include "aws/cloudwatch/alarm_service.h"
#include "aws/events/delivery_targets.h"
#include "aws/s3/event_targets.h"
#include "aws/scheduler/schedule_targets.h"
#include "aws/sns/delivery_targets.h"
#include "lambda/async_invoker.h"
#include "lambda/queue_source.h"
#include "lambda/stream_source.h"

namespace nimbus::aws::sqs {
class SqsService;
}
namespace nimbus::aws::sns {
class SnsService;
}
namespace nimbus::aws::dynamodb {
class Engine;
}
namespace nimbus::lambda {
class FunctionRegistry;
}
namespace nimbus::aws::scheduler {
class ScheduleRunner;
}
namespace nimbus::aws::events {
class EventsService;
}

namespace nimbus::server {

// SQS event source mappings poll nimbus's SQS queues.
class SqsQueueSource : public lambda::QueueSource {
 public:
  explicit SqsQueueSource(aws::sqs::SqsService& sqs) : sqs_(sqs) {}

  void receive(const std::string& queueArn, int maxMessages, std::chrono::seconds visibilityTimeout,
               std::chrono::milliseconds wait, lambda::ReceiveCallback done) override;
  void deleteMessages(const std::string& queueArn, std::vector<std::string> receiptHandles,
                      lambda::QueueDoneCallback done) override;
  std::optional<std::chrono::seconds> visibilityTimeout(const std::string& queueArn) override;

 private:
  aws::sqs::SqsService& sqs_;
};

// Stream event source mappings read nimbus's DynamoDB streams. Becomes the engine's stream
// listener: a write that adds stream records signals the mappings watching that table's stream.
class DynamoDbStreamSource : public lambda::StreamSource {
 public:
  explicit DynamoDbStreamSource(aws::dynamodb::Engine& engine);
  ~DynamoDbStreamSource() override;
  DynamoDbStreamSource(const DynamoDbStreamSource&) = delete;
  DynamoDbStreamSource& operator=(const DynamoDbStreamSource&) = delete;

  bool exists(const std::string& streamArn) override;
  lambda::StreamReadResult read(const std::string& streamArn, int64_t from,
                                size_t maxRecords) override;
  void watch(const std::string& streamArn, std::function<bool()> wake) override;

 private:
  struct Watchers;  // Shared with the engine's listener, which may outlive this object briefly.
  aws::dynamodb::Engine& engine_;
  std::shared_ptr<Watchers> watchers_;
};

// SNS delivers to SQS queues and, through the durable asynchronous queue, to functions.
class SnsTargets : public aws::sns::SnsDeliveryTargets {
 public:
  SnsTargets(aws::sqs::SqsService& sqs, lambda::AsyncInvoker& async) : sqs_(sqs), async_(async) {}

  void sendToQueue(aws::sns::QueueDelivery delivery, aws::sns::DeliveryCallback done) override;
  void invokeFunction(const std::string& functionArn, std::string eventJson,
                      const std::string& traceHeader, aws::sns::DeliveryCallback done) override;

 private:
  aws::sqs::SqsService& sqs_;
  lambda::AsyncInvoker& async_;
};

// Schedules deliver to functions through the durable asynchronous queue, to SQS queues and to SNS
// topics.
class SchedulerTargets : public aws::scheduler::ScheduleTargets {
 public:
  SchedulerTargets(aws::sqs::SqsService& sqs, aws::sns::SnsService& sns,
                   lambda::AsyncInvoker& async)
      : sqs_(sqs), sns_(sns), async_(async) {}

  void invokeFunction(const std::string& functionArn, std::string payload,
                      aws::scheduler::TargetDone done) override;
  void sendMessage(const std::string& queueArn, std::string body, std::string messageGroupId,
                   aws::scheduler::TargetDone done) override;
  void publish(const std::string& topicArn, std::string message,
               aws::scheduler::TargetDone done) override;

 private:
  aws::sqs::SqsService& sqs_;
  aws::sns::SnsService& sns_;
  lambda::AsyncInvoker& async_;
};

// S3 event notifications reach SQS queues, SNS topics, EventBridge's default bus and, through the
// durable asynchronous queue, functions.
class S3Targets : public aws::s3::S3EventTargets {
 public:
  S3Targets(aws::sqs::SqsService& sqs, aws::sns::SnsService& sns, lambda::AsyncInvoker& async,
            aws::events::EventsService& events)
      : sqs_(sqs), sns_(sns), async_(async), events_(events) {}

  void sendToQueue(const std::string& queueArn, std::string body,
                   aws::s3::TargetDone done) override;
  void publishToTopic(const std::string& topicArn, std::string message, std::string subject,
                      aws::s3::TargetDone done) override;
  void invokeFunction(const std::string& functionArn, std::string event,
                      aws::s3::TargetDone done) override;
  void putEventBridgeEvent(std::string detailType, std::string detailJson, std::string bucketArn,
                           aws::s3::TargetDone done) override;
  bool targetExists(const std::string& arn) override;

 private:
  aws::sqs::SqsService& sqs_;
  aws::sns::SnsService& sns_;
  lambda::AsyncInvoker& async_;
  aws::events::EventsService& events_;
};

// EventBridge delivers rules' events to SQS queues, SNS topics and, through the durable
// asynchronous queue, to functions (which must exist when the event is handed over, as
// EventBridge's invocation requires).
class EventsTargets : public aws::events::EventsDeliveryTargets {
 public:
  EventsTargets(aws::sqs::SqsService& sqs, aws::sns::SnsService& sns, lambda::AsyncInvoker& async,
                lambda::FunctionRegistry& registry)
      : sqs_(sqs), sns_(sns), async_(async), registry_(registry) {}

  void sendToQueue(aws::events::QueueMessage message, aws::events::TargetCallback done) override;
  void invokeFunction(const std::string& functionArn, std::string payload,
                      aws::events::TargetCallback done) override;
  void publishToTopic(const std::string& topicArn, std::string message,
                      aws::events::TargetCallback done) override;

 private:
  aws::sqs::SqsService& sqs_;
  aws::sns::SnsService& sns_;
  lambda::AsyncInvoker& async_;
  lambda::FunctionRegistry& registry_;
};

// Scheduled EventBridge rules fire through a ScheduleRunner, as Scheduler's schedules do: once
// per scheduled time, across restarts (the runner keeps each rule's last firing in the store).
class RuleScheduleRunner : public aws::events::RuleSchedules {
 public:
  explicit RuleScheduleRunner(aws::scheduler::ScheduleRunner& runner) : runner_(runner) {}

  std::string check(const std::string& expression) override;
  void upsert(const std::string& key, const std::string& expression, int64_t anchorMs,
              int64_t sinceMs, std::function<void(int64_t)> fire) override;
  void remove(const std::string& key) override;
  std::optional<int64_t> nextFiringMs(const std::string& key) override;

 private:
  aws::scheduler::ScheduleRunner& runner_;
};

// CloudWatch alarms' notifications: SNS Publish with the alarm's subject. A topic that no longer
// exists is noted on stderr, as CloudWatch records a failed action.
class AlarmTopics : public aws::cloudwatch::AlarmNotifier {
 public:
  explicit AlarmTopics(aws::sns::SnsService& sns) : sns_(sns) {}

  void notify(const std::string& topicArn, const std::string& subject,
              const std::string& message) override;

 private:
  aws::sns::SnsService& sns_;
};

// Asynchronous invocations' destinations and dead-letter targets that are SQS queues or SNS
// topics.
lambda::DestinationSender destinationSender(aws::sqs::SqsService& sqs, aws::sns::SnsService& sns);

}  // namespace nimbus::server
