// The dashboard's live feed: server-sent events to every open `GET /_nimbus/events`. Function
// log lines (`event: log`) and finished invocations (`event: invocation`) are published here as
// they happen. Publishing costs one relaxed load when nobody watches; a watcher that stops
// reading is dropped, never waited for.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"

namespace nimbus::observe {

class LiveEvents {
 public:
  // Adds a watcher; it receives events from now on.
  void subscribe(std::shared_ptr<BodyStream> stream);
  bool watched() const { return watchers_.load(std::memory_order_relaxed) > 0; }

  // One event: `json` is its data, already serialized on one line.
  void publish(std::string_view event, std::string_view json);

  // Ends every stream (shutdown).
  void closeAll();

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<BodyStream>> streams_;
  std::atomic<size_t> watchers_{0};
};

// The answer that opens a watcher's stream on `events`.
HttpResponse liveEventsResponse(LiveEvents& events);

}  // namespace nimbus::observe
