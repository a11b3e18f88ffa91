#include "server/service_bridges.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <shared_mutex>

#include "aws/dynamodb/engine.h"
#include "aws/dynamodb/streams.h"
#include "aws/events/events_service.h"
#include "aws/scheduler/schedule_runner.h"
#include "aws/sns/sns_service.h"
#include "aws/sqs/sqs_service.h"
#include "lambda/function_registry.h"

namespace nimbus::server {

namespace {

namespace sqs = aws::sqs;

std::string describe(const sqs::SqsError& e) {
  return std::string(sqs::spellingOf(e.code).jsonType) + ": " + e.message;
}

// Sends one message to the queue `queueArn` names; `done` gets "" once it is stored, or what
// SQS refused.
void sendOneMessage(sqs::SqsService& service, const std::string& queueArn,
                    sqs::OutgoingMessage message, std::function<void(std::string)> done) {
  std::vector<sqs::OutgoingMessage> batch;
  batch.push_back(std::move(message));
  service.send(sqs::SqsService::queueName(queueArn), std::move(batch),
               [done = std::move(done)](sqs::Result<std::vector<sqs::Result<sqs::SentMessage>>> r) {
                 if (!r.ok()) return done(describe(r.error()));
                 const auto& one = r.value().front();
                 done(one.ok() ? "" : describe(one.error()));
               });
}

// Queues an asynchronous invocation of the function (and version or alias) `functionArn` names;
// `done` gets "" once it is stored, or why not.
void invokeAsynchronously(lambda::AsyncInvoker& async, const std::string& functionArn,
                          std::string payload, std::function<void(std::string)> done) {
  auto function = lambda::parseFunctionReference(functionArn);
  async.accept(
      function.name, function.qualifier, std::move(payload),
      [done = std::move(done)](const std::string&, const std::string& error) { done(error); });
}

}  // namespace

void SqsQueueSource::receive(const std::string& queueArn, int maxMessages,
                             std::chrono::seconds visibilityTimeout, std::chrono::milliseconds wait,
                             lambda::ReceiveCallback done) {
  sqs::ReceiveOptions options;
  options.maxMessages = maxMessages;
  options.visibilityTimeout = static_cast<int>(visibilityTimeout.count());
  // SQS long-polls in whole seconds; a shorter batching window rounds up to one.
  options.waitTimeSeconds = static_cast<int>(std::min<int64_t>(20, (wait.count() + 999) / 1000));
  sqs_.receive(sqs::SqsService::queueName(queueArn), options,
               [done = std::move(done)](sqs::Result<std::vector<sqs::Delivery>> result) {
                 if (!result.ok()) return done({}, describe(result.error()));
                 std::vector<lambda::QueueMessage> messages;
                 for (const auto& d : result.value()) {
                   const auto& c = *d.content;
                   lambda::QueueMessage m;
                   m.messageId = c.messageId;
                   m.receiptHandle = d.receiptHandle;
                   m.body = c.body;
                   m.md5OfBody = c.md5OfBody;
                   m.md5OfMessageAttributes = c.md5OfAttributes;
                   m.attributes = {
                       {"ApproximateReceiveCount", std::to_string(d.receiveCount)},
                       {"SentTimestamp", std::to_string(c.sentAtMs)},
                       {"SenderId", c.senderId},
                       {"ApproximateFirstReceiveTimestamp", std::to_string(d.firstReceiveAtMs)}};
                   if (!c.sequenceNumber.empty()) {
                     m.attributes.emplace_back("SequenceNumber", c.sequenceNumber);
                   }
                   if (!c.groupId.empty()) m.attributes.emplace_back("MessageGroupId", c.groupId);
                   if (!c.dedupId.empty()) {
                     m.attributes.emplace_back("MessageDeduplicationId", c.dedupId);
                   }
                   for (const auto& a : c.systemAttributes) {
                     if (a.name == "AWSTraceHeader") m.attributes.emplace_back(a.name, a.value);
                   }
                   for (const auto& a : c.attributes) {
                     m.messageAttributes.push_back({a.name, a.dataType, a.value, a.binary()});
                   }
                   messages.push_back(std::move(m));
                 }
                 done(std::move(messages), "");
               });
}

void SqsQueueSource::deleteMessages(const std::string& queueArn,
                                    std::vector<std::string> receiptHandles,
                                    lambda::QueueDoneCallback done) {
  sqs_.deleteMessages(sqs::SqsService::queueName(queueArn), std::move(receiptHandles),
                      [done = std::move(done)](sqs::Result<sqs::SqsService::EntryErrors> result) {
                        if (!result.ok()) return done(describe(result.error()));
                        for (const auto& e : result.value()) {
                          if (e) return done(describe(*e));
                        }
                        done("");
                      });
}

std::optional<std::chrono::seconds> SqsQueueSource::visibilityTimeout(const std::string& queueArn) {
  auto queue = sqs_.describeQueue(sqs::SqsService::queueName(queueArn));
  if (!queue.ok()) return std::nullopt;
  return std::chrono::seconds(queue.value().config.visibilityTimeout);
}

struct DynamoDbStreamSource::Watchers {
  std::mutex mutex;
  std::multimap<std::string, std::function<bool()>> byTable;
};

DynamoDbStreamSource::DynamoDbStreamSource(aws::dynamodb::Engine& engine)
    : engine_(engine), watchers_(std::make_shared<Watchers>()) {
  // The engine calls this with the table's lock held: the watchers only post a signal.
  engine_.setStreamListener([watchers = watchers_](const std::string& table) {
    std::lock_guard lock(watchers->mutex);
    auto [begin, end] = watchers->byTable.equal_range(table);
    for (auto it = begin; it != end;) {
      it = it->second() ? std::next(it) : watchers->byTable.erase(it);
    }
  });
}

DynamoDbStreamSource::~DynamoDbStreamSource() {
  engine_.setStreamListener(nullptr);
}

bool DynamoDbStreamSource::exists(const std::string& streamArn) {
  return aws::dynamodb::resolveStream(engine_, streamArn).ok();
}

lambda::StreamReadResult DynamoDbStreamSource::read(const std::string& streamArn, int64_t from,
                                                    size_t maxRecords) {
  // Batches stay under Lambda's 6 MB invocation payload.
  constexpr size_t kMaxBatchBytes = 5 * 1024 * 1024;
  lambda::StreamReadResult result;
  auto stream = aws::dynamodb::resolveStream(engine_, streamArn);
  if (!stream) {
    result.error = stream.error().message;
    return result;
  }
  auto read = aws::dynamodb::readStream(*stream->table, from, maxRecords, kMaxBatchBytes);
  result.streamId = stream->arn;
  {
    std::shared_lock lock(stream->table->mutex);
    result.shardId = aws::dynamodb::shardIdOf(stream->table->definition);
  }
  result.first = read.window.first;
  result.next = read.window.next;
  result.open = read.window.open;
  result.records.reserve(read.records.size());
  for (auto& r : read.records) {
    result.records.push_back({r.sequence, aws::dynamodb::sequenceNumberText(r.sequence),
                              r.createdAtMs, std::move(r.json)});
  }
  return result;
}

void DynamoDbStreamSource::watch(const std::string& streamArn, std::function<bool()> wake) {
  auto parts = aws::dynamodb::parseStreamArn(streamArn);
  std::lock_guard lock(watchers_->mutex);
  watchers_->byTable.emplace(parts ? parts->table : std::string(), std::move(wake));
}

void SnsTargets::sendToQueue(aws::sns::QueueDelivery delivery, aws::sns::DeliveryCallback done) {
  std::string name = sqs::SqsService::queueName(delivery.queueArn);
  if (!sqs_.hasQueue(name)) {
    return done(aws::sns::DeliveryResult::rejected("no such queue: " + delivery.queueArn));
  }
  sqs::OutgoingMessage message;
  message.body = std::move(delivery.body);
  for (auto& a : delivery.messageAttributes) {
    // SNS's String.Array has no SQS counterpart: SQS receives the JSON array as a String.
    std::string type = a.dataType == "String.Array" ? "String" : a.dataType;
    bool binary = a.baseType() == "Binary";
    message.attributes.push_back({a.name, type, binary ? a.binaryValue : a.stringValue});
  }
  sqs::sortAttributes(message.attributes);
  message.groupId = std::move(delivery.messageGroupId);
  message.dedupId = std::move(delivery.messageDeduplicationId);
  message.senderId = delivery.topicArn;
  if (!delivery.traceHeader.empty()) {
    message.systemAttributes.push_back({"AWSTraceHeader", "String", delivery.traceHeader});
  }
  std::vector<sqs::OutgoingMessage> batch;
  batch.push_back(std::move(message));
  sqs_.send(name, std::move(batch),
            [done = std::move(done)](sqs::Result<std::vector<sqs::Result<sqs::SentMessage>>> r) {
              if (!r.ok()) {
                bool missing = r.error().code == sqs::ErrorCode::kQueueDoesNotExist;
                return done(missing ? aws::sns::DeliveryResult::rejected(describe(r.error()))
                                    : aws::sns::DeliveryResult::unavailable(describe(r.error())));
              }
              const auto& one = r.value().front();
              done(one.ok() ? aws::sns::DeliveryResult::accepted()
                            : aws::sns::DeliveryResult::rejected(describe(one.error())));
            });
}

void SnsTargets::invokeFunction(const std::string& functionArn, std::string eventJson,
                                const std::string& traceHeader, aws::sns::DeliveryCallback done) {
  auto function = lambda::parseFunctionReference(functionArn);
  async_.accept(
      function.name, function.qualifier, std::move(eventJson),
      [done = std::move(done)](const std::string&, const std::string& error) {
        done(error.empty() ? aws::sns::DeliveryResult::accepted()
                           : aws::sns::DeliveryResult::unavailable(error));
      },
      traceHeader);
}

void SchedulerTargets::invokeFunction(const std::string& functionArn, std::string payload,
                                      aws::scheduler::TargetDone done) {
  invokeAsynchronously(async_, functionArn, std::move(payload), std::move(done));
}

void SchedulerTargets::sendMessage(const std::string& queueArn, std::string body,
                                   std::string messageGroupId, aws::scheduler::TargetDone done) {
  sqs::OutgoingMessage message;
  message.body = std::move(body);
  message.groupId = std::move(messageGroupId);
  sendOneMessage(sqs_, queueArn, std::move(message), std::move(done));
}

void SchedulerTargets::publish(const std::string& topicArn, std::string message,
                               aws::scheduler::TargetDone done) {
  sns_.publishMessage(topicArn, std::move(message), {}, std::move(done));
}

void AlarmTopics::notify(const std::string& topicArn, const std::string& subject,
                         const std::string& message) {
  sns_.publishMessage(
      topicArn, message, {},
      [topicArn](std::string error) {
        if (!error.empty())
          fmt::print(stderr, "warning: alarm action on {}: {}\n", topicArn, error);
      },
      subject);
}

void S3Targets::sendToQueue(const std::string& queueArn, std::string body,
                            aws::s3::TargetDone done) {
  sqs::OutgoingMessage message;
  message.body = std::move(body);
  sendOneMessage(sqs_, queueArn, std::move(message), std::move(done));
}

void S3Targets::publishToTopic(const std::string& topicArn, std::string message, std::string,
                               aws::s3::TargetDone done) {
  sns_.publishMessage(topicArn, std::move(message), {}, std::move(done));
}

void S3Targets::invokeFunction(const std::string& functionArn, std::string event,
                               aws::s3::TargetDone done) {
  invokeAsynchronously(async_, functionArn, std::move(event), std::move(done));
}

void S3Targets::putEventBridgeEvent(std::string detailType, std::string detailJson,
                                    std::string bucketArn, aws::s3::TargetDone done) {
  events_.putServiceEvent("aws.s3", detailType, detailJson, {std::move(bucketArn)},
                          [done = std::move(done)] { done(""); });
}

bool S3Targets::targetExists(const std::string& arn) {
  if (arn.rfind("arn:aws:sqs:", 0) == 0) return sqs_.hasQueue(sqs::SqsService::queueName(arn));
  // Topics and functions are checked when an event is delivered: a function may be deployed
  // after the bucket that notifies it.
  return arn.rfind("arn:aws:sns:", 0) == 0 || arn.rfind("arn:aws:lambda:", 0) == 0;
}

void EventsTargets::sendToQueue(aws::events::QueueMessage delivery,
                                aws::events::TargetCallback done) {
  using aws::events::TargetResult;
  std::string name = sqs::SqsService::queueName(delivery.queueArn);
  if (!sqs_.hasQueue(name)) {
    return done(TargetResult::notFound("Queue does not exist: " + delivery.queueArn));
  }
  bool fifo = name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
  sqs::OutgoingMessage message;
  message.body = std::move(delivery.body);
  for (auto& a : delivery.attributes) {
    message.attributes.push_back({std::move(a.name), "String", std::move(a.value)});
  }
  sqs::sortAttributes(message.attributes);
  if (fifo) {
    message.groupId = std::move(delivery.messageGroupId);
    message.dedupId = std::move(delivery.messageDeduplicationId);
  }
  message.senderId = delivery.senderId;
  std::vector<sqs::OutgoingMessage> batch;
  batch.push_back(std::move(message));
  sqs_.send(name, std::move(batch),
            [done = std::move(done)](sqs::Result<std::vector<sqs::Result<sqs::SentMessage>>> r) {
              if (!r.ok()) {
                bool missing = r.error().code == sqs::ErrorCode::kQueueDoesNotExist;
                return done(missing ? TargetResult::notFound(describe(r.error()))
                                    : TargetResult::unavailable(describe(r.error())));
              }
              const auto& one = r.value().front();
              if (one.ok()) return done(TargetResult::accepted());
              done(TargetResult::failed(std::string(sqs::spellingOf(one.error().code).jsonType),
                                        one.error().message));
            });
}

void EventsTargets::invokeFunction(const std::string& functionArn, std::string payload,
                                   aws::events::TargetCallback done) {
  using aws::events::TargetResult;
  auto function = lambda::parseFunctionReference(functionArn);
  std::string qualifier = function.qualifier.empty() ? "$LATEST" : function.qualifier;
  if (!registry_.resolve(function.name, qualifier)) {
    return done(TargetResult::notFound("Function not found: " + functionArn));
  }
  async_.accept(function.name, qualifier, std::move(payload),
                [done = std::move(done)](const std::string&, const std::string& error) {
                  done(error.empty() ? TargetResult::accepted() : TargetResult::unavailable(error));
                });
}

void EventsTargets::publishToTopic(const std::string& topicArn, std::string message,
                                   aws::events::TargetCallback done) {
  using aws::events::TargetResult;
  sns_.publishMessage(
      topicArn, std::move(message), {}, [done = std::move(done)](const std::string& error) {
        if (error.empty()) return done(TargetResult::accepted());
        bool missing = std::string_view(error).starts_with("Topic does not exist");
        done(missing ? TargetResult::notFound(error) : TargetResult::unavailable(error));
      });
}

std::string RuleScheduleRunner::check(const std::string& expression) {
  using aws::scheduler::ScheduleExpression;
  auto parsed =
      ScheduleExpression::parse(expression, "UTC", aws::scheduler::ScheduleApi::kEventsRule);
  return parsed.ok() ? std::string() : parsed.error().message;
}

void RuleScheduleRunner::upsert(const std::string& key, const std::string& expression,
                                int64_t anchorMs, int64_t sinceMs,
                                std::function<void(int64_t)> fire) {
  using aws::scheduler::ScheduleExpression;
  auto parsed =
      ScheduleExpression::parse(expression, "UTC", aws::scheduler::ScheduleApi::kEventsRule);
  if (!parsed.ok()) return;  // PutRule checked it.
  aws::scheduler::RunnerSchedule schedule(std::move(parsed.value()));
  schedule.anchorMs = anchorMs;
  // Only times after `sinceMs` fire: a rate's first firing is one period after the rule was made.
  schedule.sinceMs = sinceMs + 1;
  runner_.upsert(key, std::move(schedule), std::move(fire));
}

void RuleScheduleRunner::remove(const std::string& key) {
  runner_.remove(key);
}

std::optional<int64_t> RuleScheduleRunner::nextFiringMs(const std::string& key) {
  return runner_.nextFireMs(key);
}

lambda::DestinationSender destinationSender(aws::sqs::SqsService& sqsService,
                                            aws::sns::SnsService& sns) {
  return [&sqsService, &sns](const std::string& arn, std::string body,
                             std::vector<lambda::DestinationAttribute> attributes,
                             std::function<void(const std::string&)> done) {
    if (arn.rfind("arn:aws:sns:", 0) == 0) {
      std::vector<aws::sns::MessageAttribute> snsAttributes;
      for (auto& a : attributes) snsAttributes.push_back({a.name, a.dataType, a.value, {}});
      return sns.publishMessage(arn, std::move(body), std::move(snsAttributes),
                                [done = std::move(done)](std::string error) { done(error); });
    }
    sqs::OutgoingMessage message;
    message.body = std::move(body);
    for (auto& a : attributes) message.attributes.push_back({a.name, a.dataType, a.value});
    sqs::sortAttributes(message.attributes);
    sendOneMessage(sqsService, arn, std::move(message),
                   [done = std::move(done)](std::string error) { done(error); });
  };
}

}  // namespace nimbus::server
