#include "observe/live_events.h"

namespace nimbus::observe {

void LiveEvents::subscribe(std::shared_ptr<BodyStream> stream) {
  // A comment line first, so that the client sees the stream open at once.
  if (!stream->write(": nimbus live events\n\n")) return;
  std::lock_guard lock(mutex_);
  streams_.push_back(std::move(stream));
  watchers_.store(streams_.size(), std::memory_order_relaxed);
}

void LiveEvents::publish(std::string_view event, std::string_view json) {
  if (!watched()) return;
  std::string piece;
  piece.reserve(event.size() + json.size() + 16);
  piece.append("event: ").append(event).append("\ndata: ").append(json).append("\n\n");
  std::lock_guard lock(mutex_);
  std::erase_if(streams_, [&](const std::shared_ptr<BodyStream>& s) { return !s->write(piece); });
  watchers_.store(streams_.size(), std::memory_order_relaxed);
}

void LiveEvents::closeAll() {
  std::lock_guard lock(mutex_);
  for (auto& s : streams_) s->close();
  streams_.clear();
  watchers_.store(0, std::memory_order_relaxed);
}

HttpResponse liveEventsResponse(LiveEvents& events) {
  HttpResponse response;
  response.headers = {{"Content-Type", "text/event-stream"},
                      {"Cache-Control", "no-cache"},
                      {"X-Accel-Buffering", "no"}};
  response.openStream = [&events](std::shared_ptr<BodyStream> stream) {
    events.subscribe(std::move(stream));
  };
  return response;
}

}  // namespace nimbus::observe
