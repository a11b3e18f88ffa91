#include "lambda/async_invoker.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/ids.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "lambda/function_registry.h"
#include "observe/function_metrics.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

// Polling interval for events whose backoff has passed; new events are run at once.
constexpr auto kPumpInterval = std::chrono::milliseconds(100);

}  // namespace

struct AsyncContext : std::enable_shared_from_this<AsyncContext> {
  AsyncContext(boost::asio::io_context& io, LambdaService& lambda, FunctionRegistry& registry,
               store::Store& store, AsyncOptions options)
      : io(io),
        lambda(lambda),
        registry(registry),
        store(store),
        options(std::move(options)),
        timer(io) {}

  void schedulePump() {
    timer.expires_after(kPumpInterval);
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->pump();
        self->schedulePump();
      }
    });
  }

  // Leases what is due (up to the in-flight cap) and runs it.
  void pump() {
    size_t room;
    {
      std::lock_guard lock(mutex);
      if (stopped || inFlight >= options.maxInFlight) return;
      room = options.maxInFlight - inFlight;
    }
    auto events = store.leaseDueAsyncEvents(nowMs(), room);
    for (auto& event : events) run(std::move(event));
  }

  void run(store::AsyncEvent event) {
    {
      std::lock_guard lock(mutex);
      ++inFlight;
    }
    auto spec = registry.function(event.functionName);
    auto maximumAge = spec ? std::chrono::seconds(spec->asyncConfig().eventAgeSeconds())
                           : options.maximumEventAge;
    auto age = std::chrono::milliseconds(nowMs() - event.receivedAtMs);
    lambda.metrics().recordFunctionMetric(event.functionName, "AsyncEventAge",
                                          static_cast<double>(age.count()), "Milliseconds");
    if (age > maximumAge) {
      InvokeResult expired;
      expired.status = InvokeStatus::FunctionError;
      giveUp(event, spec, expired, "EventAgeExceeded",
             fmt::format("dropped: older than MaximumEventAgeInSeconds ({} s)",
                         std::chrono::duration_cast<std::chrono::seconds>(maximumAge).count()));
      return;
    }
    InvokeRequest request;
    request.functionName = event.functionName;
    // Events stored before versions existed carry no qualifier: $LATEST.
    request.qualifier = event.qualifier == "$LATEST" ? std::string() : event.qualifier;
    request.payload = event.payload;
    request.requestId = event.id;
    request.traceHeader = event.traceHeader;
    lambda.invoke(std::move(request),
                  [self = shared_from_this(), event = std::move(event)](
                      InvokeResult&& result) mutable { self->onResult(std::move(event), result); });
  }

  void onResult(store::AsyncEvent event, const InvokeResult& result) {
    auto spec = registry.function(event.functionName);
    switch (result.status) {
      case InvokeStatus::Ok: {
        std::vector<Delivery> deliveries;
        if (spec && !spec->asyncConfig().onSuccess.empty()) {
          deliveries.push_back(
              {spec->asyncConfig().onSuccess,
               invocationRecord(event, *spec, result, "Success", event.attempts + 1),
               {}});
        }
        deliverThenFinish(event, std::move(deliveries), "");
        return;
      }
      case InvokeStatus::NotFound:
        finish(event, "dropped: the function no longer exists");
        return;
      case InvokeStatus::Throttled:
      case InvokeStatus::ServiceError:
        // Lambda keeps throttled and failed-to-start events and tries them again later; the
        // attempt does not count against MaximumRetryAttempts.
        reschedule(event, event.attempts, options.throttleDelay);
        return;
      case InvokeStatus::RequestTooLarge:
        finish(event, "dropped: payload over the synchronous limit");
        return;
      case InvokeStatus::FunctionError: {
        int attempts = event.attempts + 1;
        int maximumRetries =
            spec ? spec->asyncConfig().retryAttempts() : options.maximumRetryAttempts;
        if (attempts > maximumRetries) {
          event.attempts = attempts;
          giveUp(event, spec, result, "RetriesExhausted",
                 fmt::format("dropped after {} attempts: {}", attempts, result.errorType));
          return;
        }
        // One minute before the first retry, two before the second.
        reschedule(event, attempts, options.retryBaseDelay * attempts);
        return;
      }
    }
  }

  // The event failed for good: its record goes to the onFailure destination, and the event
  // itself to the dead-letter queue, when the function has them (Lambda sends to both).
  void giveUp(const store::AsyncEvent& event, const std::optional<FunctionSpec>& spec,
              const InvokeResult& result, const char* condition, const std::string& why) {
    std::vector<Delivery> deliveries;
    if (spec && !spec->asyncConfig().onFailure.empty()) {
      deliveries.push_back({spec->asyncConfig().onFailure,
                            invocationRecord(event, *spec, result, condition, event.attempts),
                            {}});
    }
    if (spec && !spec->deadLetterTargetArn.empty()) {
      // Lambda's dead-letter message: the event as it was sent, with why it failed in
      // message attributes.
      std::string message = result.payload;
      if (auto error = nlohmann::json::parse(result.payload, nullptr, false);
          error.is_object() && error.contains("errorMessage") &&
          error["errorMessage"].is_string()) {
        message = error["errorMessage"].get<std::string>();
      }
      deliveries.push_back({spec->deadLetterTargetArn,
                            event.payload,
                            {{"RequestID", "String", event.id},
                             {"ErrorCode", "Number", "200"},
                             {"ErrorMessage", "String", message.empty() ? why : message}}});
    }
    deliverThenFinish(event, std::move(deliveries), why);
  }

  struct Delivery {
    std::string targetArn;
    std::string body;
    std::vector<DestinationAttribute> attributes;
  };

  // Hands each delivery to its target's durable path, then completes the event: a record or
  // dead letter is never lost to a crash between the two. A delivery that fails is reported
  // and dropped, as Lambda drops it.
  void deliverThenFinish(const store::AsyncEvent& event, std::vector<Delivery> deliveries,
                         std::string why) {
    if (deliveries.empty()) return finish(event, why);
    auto remaining = std::make_shared<std::atomic<size_t>>(deliveries.size());
    auto self = shared_from_this();
    for (auto& d : deliveries) {
      std::string target = d.targetArn;
      // The dead-letter queue is the one delivery whose message attributes say why.
      bool deadLetter = !d.attributes.empty();
      auto done = [self, event, why, remaining, target, deadLetter](const std::string& error) {
        if (!error.empty()) {
          self->lambda.metrics().recordFunctionMetric(
              event.functionName, deadLetter ? "DeadLetterErrors" : "DestinationDeliveryFailures",
              1, "Count");
          std::fprintf(stderr, "async event %s for %s: delivery to %s failed: %s\n",
                       event.id.c_str(), event.functionName.c_str(), target.c_str(), error.c_str());
        }
        if (remaining->fetch_sub(1) == 1) self->finish(event, why);
      };
      if (d.targetArn.rfind("arn:aws:lambda:", 0) == 0) {
        auto target = parseFunctionReference(d.targetArn);
        accept(target.name, target.qualifier, std::move(d.body),
               [done](const std::string&, const std::string& error) { done(error); });
      } else if (sender) {
        sender(d.targetArn, std::move(d.body), std::move(d.attributes), done);
      } else {
        done("no service serves this target");
      }
    }
  }

  // Lambda's invocation record, as destinations receive it.
  std::string invocationRecord(const store::AsyncEvent& event, const FunctionSpec& spec,
                               const InvokeResult& result, const char* condition, int invokeCount) {
    std::string record;
    JsonWriter w(record);
    w.beginObject()
        .field("version", "1.0")
        .field("timestamp", isoTimeMillis(std::chrono::system_clock::now()));
    w.key("requestContext")
        .beginObject()
        .field("requestId", event.id)
        .field("functionArn", spec.arn() + ":" + event.qualifier)
        .field("condition", condition)
        .field("approximateInvokeCount", invokeCount)
        .endObject();
    w.key("requestPayload");
    rawOrString(w, event.payload);
    w.key("responseContext")
        .beginObject()
        .field("statusCode", 200)
        .field("executedVersion", result.executedVersion);
    if (result.status != InvokeStatus::Ok) w.field("functionError", "Unhandled");
    w.endObject();
    w.key("responsePayload");
    if (result.payload.empty())
      w.null();
    else
      rawOrString(w, result.payload);
    w.endObject();
    return record;
  }

  // A payload that is JSON goes in as JSON, anything else as a string.
  static void rawOrString(JsonWriter& w, const std::string& payload) {
    if (nlohmann::json::accept(payload))
      w.raw(payload);
    else
      w.string(payload);
  }

  void accept(const std::string& functionName, const std::string& qualifier, std::string payload,
              std::function<void(const std::string&, const std::string&)> accepted,
              std::string traceHeader = {});

  void finish(const store::AsyncEvent& event, const std::string& why) {
    if (why.starts_with("dropped")) {
      lambda.metrics().recordFunctionMetric(event.functionName, "AsyncEventsDropped", 1, "Count");
    }
    if (!why.empty()) {
      std::fprintf(stderr, "async event %s for %s %s\n", event.id.c_str(),
                   event.functionName.c_str(), why.c_str());
      std::fflush(stderr);
    }
    store.completeAsyncEvent(event.id,
                             [self = shared_from_this()](const std::string&) { self->released(); });
  }

  void reschedule(const store::AsyncEvent& event, int attempts, std::chrono::milliseconds delay) {
    store.rescheduleAsyncEvent(
        event.id, attempts, nowMs() + delay.count(),
        [self = shared_from_this()](const std::string&) { self->released(); });
  }

  // An event left this process's hands; there is room for another.
  void released() {
    {
      std::lock_guard lock(mutex);
      --inFlight;
    }
    // The store's writer thread runs this: the pump belongs on the event loop.
    boost::asio::post(io, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->pump();
    });
  }

  boost::asio::io_context& io;
  DestinationSender sender;  // Set before start(); SQS and SNS targets.
  LambdaService& lambda;
  FunctionRegistry& registry;
  store::Store& store;
  AsyncOptions options;
  boost::asio::steady_timer timer;
  std::mutex mutex;
  size_t inFlight = 0;
  bool stopped = false;
};

AsyncInvoker::AsyncInvoker(boost::asio::io_context& io, LambdaService& lambda,
                           FunctionRegistry& registry, store::Store& store, AsyncOptions options)
    : context_(std::make_shared<AsyncContext>(io, lambda, registry, store, std::move(options))) {}

AsyncInvoker::~AsyncInvoker() {
  stop();
}

void AsyncContext::accept(const std::string& functionName, const std::string& qualifier,
                          std::string payload,
                          std::function<void(const std::string&, const std::string&)> accepted,
                          std::string traceHeader) {
  store::AsyncEvent event;
  event.traceHeader = std::move(traceHeader);
  event.id = newUuid();
  event.functionName = functionName;
  event.qualifier = qualifier.empty() ? std::string("$LATEST") : qualifier;
  event.payload = std::move(payload);
  event.receivedAtMs = nowMs();
  event.notBeforeMs = event.receivedAtMs;
  std::string id = event.id;
  store.enqueueAsyncEvent(std::move(event), [weak = weak_from_this(), id, functionName,
                                             accepted = std::move(accepted)](std::string error) {
    accepted(id, error);
    auto self = weak.lock();
    if (error.empty() && self) {
      self->lambda.metrics().recordFunctionMetric(functionName, "AsyncEventsReceived", 1, "Count");
      boost::asio::post(self->io, [weak] {
        if (auto again = weak.lock()) again->pump();
      });
    }
  });
}

void AsyncInvoker::accept(
    const std::string& functionName, std::string payload,
    std::function<void(const std::string& requestId, const std::string& error)> accepted) {
  context_->accept(functionName, "$LATEST", std::move(payload), std::move(accepted));
}

void AsyncInvoker::accept(
    const std::string& functionName, const std::string& qualifier, std::string payload,
    std::function<void(const std::string& requestId, const std::string& error)> accepted,
    std::string traceHeader) {
  context_->accept(functionName, qualifier, std::move(payload), std::move(accepted),
                   std::move(traceHeader));
}

void AsyncInvoker::setDestinationSender(DestinationSender sender) {
  context_->sender = std::move(sender);
}

void AsyncInvoker::start() {
  boost::asio::post(context_->io, [weak = std::weak_ptr<AsyncContext>(context_)] {
    if (auto self = weak.lock()) self->pump();
  });
  context_->schedulePump();
}

void AsyncInvoker::stop() {
  {
    std::lock_guard lock(context_->mutex);
    context_->stopped = true;
  }
  context_->timer.cancel();
}

size_t AsyncInvoker::pending() const {
  return context_->store.pendingAsyncEvents();
}

}  // namespace nimbus::lambda
