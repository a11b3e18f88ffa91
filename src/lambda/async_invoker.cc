#include "lambda/async_invoker.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <mutex>

#include "core/ids.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

// Polling interval for events whose backoff has passed; new events are run at once.
constexpr auto kPumpInterval = std::chrono::milliseconds(100);

int64_t nowMs() {
  return epochMillis(std::chrono::system_clock::now());
}

}  // namespace

struct AsyncContext : std::enable_shared_from_this<AsyncContext> {
  AsyncContext(boost::asio::io_context& io, LambdaService& lambda, store::Store& store,
               AsyncOptions options)
      : io(io), lambda(lambda), store(store), options(std::move(options)), timer(io) {}

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
    auto age = std::chrono::milliseconds(nowMs() - event.receivedAtMs);
    if (age > options.maximumEventAge) {
      finish(event, fmt::format("dropped: older than MaximumEventAgeInSeconds ({} s)",
                                options.maximumEventAge.count()));
      return;
    }
    InvokeRequest request;
    request.functionName = event.functionName;
    request.payload = event.payload;
    lambda.invoke(std::move(request),
                  [self = shared_from_this(), event = std::move(event)](
                      InvokeResult&& result) mutable { self->onResult(std::move(event), result); });
  }

  void onResult(store::AsyncEvent event, const InvokeResult& result) {
    switch (result.status) {
      case InvokeStatus::Ok:
        finish(event, "");
        return;
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
        if (attempts > options.maximumRetryAttempts) {
          finish(event, fmt::format("dropped after {} attempts: {}", attempts, result.errorType));
          return;
        }
        // One minute before the first retry, two before the second.
        reschedule(event, attempts, options.retryBaseDelay * attempts);
        return;
      }
    }
  }

  void finish(const store::AsyncEvent& event, const std::string& why) {
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
  LambdaService& lambda;
  store::Store& store;
  AsyncOptions options;
  boost::asio::steady_timer timer;
  std::mutex mutex;
  size_t inFlight = 0;
  bool stopped = false;
};

AsyncInvoker::AsyncInvoker(boost::asio::io_context& io, LambdaService& lambda, store::Store& store,
                           AsyncOptions options)
    : context_(std::make_shared<AsyncContext>(io, lambda, store, std::move(options))) {}

AsyncInvoker::~AsyncInvoker() {
  stop();
}

void AsyncInvoker::accept(
    const std::string& functionName, std::string payload,
    std::function<void(const std::string& requestId, const std::string& error)> accepted) {
  store::AsyncEvent event;
  event.id = newUuid();
  event.functionName = functionName;
  event.qualifier = "$LATEST";
  event.payload = std::move(payload);
  event.receivedAtMs = nowMs();
  event.notBeforeMs = event.receivedAtMs;
  std::string id = event.id;
  context_->store.enqueueAsyncEvent(
      std::move(event), [ctx = context_, id, accepted = std::move(accepted)](std::string error) {
        accepted(id, error);
        if (error.empty()) {
          boost::asio::post(ctx->io, [weak = std::weak_ptr<AsyncContext>(ctx)] {
            if (auto self = weak.lock()) self->pump();
          });
        }
      });
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
