#include "lambda/sqs_poller.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/base64.h"
#include "core/json_writer.h"
#include "lambda/invoker.h"
#include "lambda/queue_source.h"

namespace nimbus::lambda {

namespace {

// Lambda's long poll, and how long a loop rests after its function was throttled or missing,
// or its queue could not be read.
constexpr auto kLongPoll = std::chrono::seconds(20);
constexpr auto kBackOff = std::chrono::seconds(1);
constexpr int kDefaultPollers = 5;

// Which messages a successful invocation leaves in the queue. With ReportBatchItemFailures the
// response names them; a response that cannot be read that way fails the whole batch, as
// Lambda treats it.
std::set<std::string> failedItems(const std::string& response,
                                  const std::vector<QueueMessage>& batch) {
  std::set<std::string> all;
  for (const auto& m : batch) all.insert(m.messageId);
  auto json = nlohmann::json::parse(response, nullptr, false);
  if (json.is_discarded()) return all;
  if (json.is_null() || (json.is_object() && !json.contains("batchItemFailures"))) return {};
  if (!json.is_object() || !json["batchItemFailures"].is_array()) return all;
  std::set<std::string> failed;
  for (const auto& item : json["batchItemFailures"]) {
    auto id = item.is_object() ? item.find("itemIdentifier") : item.end();
    if (id == item.end() || !id->is_string() || !all.contains(id->get<std::string>())) {
      return all;
    }
    failed.insert(id->get<std::string>());
  }
  return failed;
}

}  // namespace

std::string buildSqsEvent(const std::vector<QueueMessage>& messages, const std::string& queueArn,
                          const std::string& region) {
  std::string event;
  JsonWriter w(event);
  w.beginObject().key("Records").beginArray();
  for (const auto& m : messages) {
    w.beginObject()
        .field("messageId", m.messageId)
        .field("receiptHandle", m.receiptHandle)
        .field("body", m.body);
    w.key("attributes").beginObject();
    for (const auto& [name, value] : m.attributes) w.field(name, value);
    w.endObject();
    w.key("messageAttributes").beginObject();
    for (const auto& a : m.messageAttributes) {
      w.key(a.name).beginObject();
      if (a.binary) {
        w.field("binaryValue", base64Encode(a.value));
      } else {
        w.field("stringValue", a.value);
      }
      w.key("stringListValues").beginArray().endArray();
      w.key("binaryListValues").beginArray().endArray();
      w.field("dataType", a.dataType).endObject();
    }
    w.endObject();
    w.field("md5OfBody", m.md5OfBody);
    if (!m.md5OfMessageAttributes.empty()) {
      w.field("md5OfMessageAttributes", m.md5OfMessageAttributes);
    }
    w.field("eventSource", "aws:sqs").field("eventSourceARN", queueArn).field("awsRegion", region);
    w.endObject();
  }
  w.endArray().endObject();
  return event;
}

struct SqsPollerState : std::enable_shared_from_this<SqsPollerState> {
  SqsPollerState(boost::asio::io_context& io, LambdaService& lambda, QueueSource& queues,
                 EventSourceMapping mapping, std::string region)
      : io(io),
        lambda(lambda),
        queues(queues),
        mapping(std::move(mapping)),
        region(std::move(region)) {}

  boost::asio::io_context& io;
  LambdaService& lambda;
  QueueSource& queues;
  const EventSourceMapping mapping;
  const std::string region;

  std::mutex mutex;
  bool stopped = false;     // Guarded by mutex.
  std::string lastProblem;  // Guarded by mutex: printed once, not on every retry.

  bool isStopped() {
    std::lock_guard lock(mutex);
    return stopped;
  }

  void report(const std::string& problem) {
    {
      std::lock_guard lock(mutex);
      if (problem == lastProblem) return;
      lastProblem = problem;
    }
    if (problem.empty()) return;
    std::fprintf(stderr, "event source %s -> %s: %s\n", mapping.eventSourceArn.c_str(),
                 mapping.functionName.c_str(), problem.c_str());
    std::fflush(stderr);
  }

  // One loop: gather a batch, invoke, settle, again.
  void poll() {
    if (isStopped()) return;
    auto batch = std::make_shared<std::vector<QueueMessage>>();
    gather(batch, std::chrono::steady_clock::time_point{});
  }

  void later(std::chrono::milliseconds delay) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, delay);
    timer->async_wait(
        [self = shared_from_this(), timer](boost::system::error_code) { self->poll(); });
  }

  // Receives until the batch is full, or the batching window that opened with its first
  // message has passed (no window: the first receive's messages are the batch).
  void gather(std::shared_ptr<std::vector<QueueMessage>> batch,
              std::chrono::steady_clock::time_point windowEnd) {
    auto visibility = queues.visibilityTimeout(mapping.eventSourceArn);
    if (!visibility) {
      report("the queue does not exist; polling again every second");
      return later(kBackOff);
    }
    int room = mapping.batchSize - static_cast<int>(batch->size());
    std::chrono::milliseconds wait = kLongPoll;
    if (!batch->empty()) {
      wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          windowEnd - std::chrono::steady_clock::now());
      if (room <= 0 || wait.count() <= 0) return invoke(batch);
    }
    queues.receive(
        mapping.eventSourceArn, std::min(room, 10), *visibility, wait,
        [self = shared_from_this(), batch, windowEnd](std::vector<QueueMessage> messages,
                                                      std::string error) mutable {
          boost::asio::post(self->io, [self, batch, windowEnd, messages = std::move(messages),
                                       error = std::move(error)]() mutable {
            // Stopped meanwhile: what was received becomes visible again after its timeout.
            if (self->isStopped()) return;
            if (!error.empty()) {
              self->report("receiving failed: " + error);
              if (!batch->empty()) return self->invoke(batch);
              return self->later(kBackOff);
            }
            if (batch->empty() && messages.empty()) return self->poll();
            if (batch->empty()) {
              windowEnd = std::chrono::steady_clock::now() +
                          std::chrono::seconds(self->mapping.maximumBatchingWindowSeconds);
            }
            for (auto& m : messages) batch->push_back(std::move(m));
            if (self->mapping.maximumBatchingWindowSeconds == 0) return self->invoke(batch);
            self->gather(batch, windowEnd);
          });
        });
  }

  void invoke(std::shared_ptr<std::vector<QueueMessage>> batch) {
    InvokeRequest request;
    request.functionName = mapping.functionName;
    request.payload = buildSqsEvent(*batch, mapping.eventSourceArn, region);
    // The invocation continues the trace of the batch's first message that carries one.
    for (const auto& m : *batch) {
      for (const auto& [name, value] : m.attributes) {
        if (name == "AWSTraceHeader" && request.traceHeader.empty()) request.traceHeader = value;
      }
    }
    lambda.invoke(std::move(request), [self = shared_from_this(), batch](InvokeResult&& result) {
      self->settle(*batch, result);
    });
  }

  void settle(const std::vector<QueueMessage>& batch, const InvokeResult& result) {
    switch (result.status) {
      case InvokeStatus::Ok:
        break;
      case InvokeStatus::FunctionError:
        // The whole batch stays: it returns after the visibility timeout.
        return poll();
      case InvokeStatus::Throttled:
      case InvokeStatus::ServiceError:
        return later(kBackOff);
      case InvokeStatus::NotFound:
        report("the function does not exist");
        return later(kBackOff);
      case InvokeStatus::RequestTooLarge:
        report("a batch is over the 6 MB invocation limit; lower the batch size");
        return later(kBackOff);
    }
    report("");
    std::set<std::string> failed;
    if (mapping.reportBatchItemFailures) failed = failedItems(result.payload, batch);
    std::vector<std::string> done;
    for (const auto& m : batch) {
      if (!failed.contains(m.messageId)) done.push_back(m.receiptHandle);
    }
    if (done.empty()) return poll();
    queues.deleteMessages(mapping.eventSourceArn, std::move(done),
                          [self = shared_from_this()](std::string error) {
                            if (!error.empty()) self->report("deleting a batch failed: " + error);
                            boost::asio::post(self->io, [self] { self->poll(); });
                          });
  }
};

SqsPoller::SqsPoller(boost::asio::io_context& io, LambdaService& lambda, QueueSource& queues,
                     EventSourceMapping mapping, std::string region)
    : state_(std::make_shared<SqsPollerState>(io, lambda, queues, std::move(mapping),
                                              std::move(region))) {}

SqsPoller::~SqsPoller() {
  stop();
}

void SqsPoller::start() {
  int loops =
      std::min(kDefaultPollers, state_->mapping.maximumConcurrency.value_or(kDefaultPollers));
  for (int i = 0; i < loops; ++i) {
    boost::asio::post(state_->io, [state = state_] { state->poll(); });
  }
}

void SqsPoller::stop() {
  std::lock_guard lock(state_->mutex);
  state_->stopped = true;
}

const EventSourceMapping& SqsPoller::mapping() const {
  return state_->mapping;
}

}  // namespace nimbus::lambda
