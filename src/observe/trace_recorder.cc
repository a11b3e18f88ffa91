#include "observe/trace_recorder.h"

#include <algorithm>

namespace nimbus::observe {

TraceRecorder::TraceRecorder(TraceRecorderLimits limits, std::unique_ptr<SpanExporter> exporter)
    : limits_(limits), exporter_(std::move(exporter)) {
  worker_ = std::thread([this] { run(); });
}

TraceRecorder::~TraceRecorder() {
  stop();
}

void TraceRecorder::record(Span span) {
  bool wasEmpty;
  {
    std::lock_guard lock(queueMutex_);
    if (stopping_ || queue_.size() >= limits_.maxQueued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    wasEmpty = queue_.empty();
    queue_.push_back(std::move(span));
  }
  // The worker sleeps only on an empty queue, so only the first span of a batch wakes it.
  if (wasEmpty) wake_.notify_one();
}

void TraceRecorder::run() {
  for (;;) {
    {
      std::unique_lock lock(queueMutex_);
      wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (stopping_ && queue_.empty()) return;
    }
    std::lock_guard store(storeMutex_);
    drainLocked();
  }
}

void TraceRecorder::stop() {
  std::lock_guard stopLock(stopMutex_);
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(queueMutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
  {
    std::lock_guard store(storeMutex_);
    drainLocked();
  }
  if (exporter_) exporter_->stop();
}

void TraceRecorder::drainLocked() const {
  std::vector<Span> batch;
  {
    std::lock_guard lock(queueMutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return;
  if (exporter_) exporter_->enqueue(batch);
  for (auto& span : batch) fileLocked(std::move(span));
  evictLocked();
}

void TraceRecorder::fileLocked(Span&& span) const {
  auto [it, inserted] = traces_.try_emplace(span.traceRoot);
  StoredTrace& trace = it->second;
  if (inserted) order_.push_back(span.traceRoot);
  int64_t end = std::max(span.endNs, span.startNs);
  auto same = std::find_if(trace.spans.begin(), trace.spans.end(),
                           [&](const Span& s) { return s.spanId == span.spanId; });
  const Span* kept;
  if (same != trace.spans.end()) {
    *same = std::move(span);
    kept = &*same;
  } else {
    if (trace.spans.size() >= limits_.maxSpansPerTrace) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    trace.spans.push_back(std::move(span));
    ++spanCount_;
    kept = &trace.spans.back();
  }
  if (trace.spans.size() == 1 || kept->startNs < trace.startNs) trace.startNs = kept->startNs;
  trace.endNs = std::max(trace.endNs, end);
}

void TraceRecorder::evictLocked() const {
  while (!order_.empty() && (traces_.size() > limits_.maxTraces || spanCount_ > limits_.maxSpans)) {
    auto it = traces_.find(order_.front());
    if (it != traces_.end()) {
      spanCount_ -= it->second.spans.size();
      traces_.erase(it);
    }
    order_.pop_front();
  }
}

TraceSummary TraceRecorder::summarize(const std::string& root, const StoredTrace& trace) {
  TraceSummary summary;
  summary.root = root;
  summary.startNs = trace.startNs;
  summary.durationNs = std::max<int64_t>(0, trace.endNs - trace.startNs);
  summary.spanCount = trace.spans.size();
  const Span* first = nullptr;
  for (const auto& span : trace.spans) {
    bool isRoot = span.parentId.empty();
    bool firstIsRoot = first && first->parentId.empty();
    if (!first || (isRoot && !firstIsRoot) ||
        (isRoot == firstIsRoot && span.startNs < first->startNs)) {
      first = &span;
    }
    summary.error = summary.error || span.error;
    if (!span.origin.empty() && std::find(summary.services.begin(), summary.services.end(),
                                          span.origin) == summary.services.end()) {
      summary.services.push_back(span.origin);
    }
  }
  if (first) {
    summary.name = first->name;
    summary.origin = first->origin;
  }
  return summary;
}

std::vector<TraceSummary> TraceRecorder::recent(size_t limit, int64_t sinceNs) const {
  std::lock_guard store(storeMutex_);
  drainLocked();
  std::vector<const std::pair<const std::string, StoredTrace>*> matches;
  matches.reserve(traces_.size());
  for (const auto& entry : traces_) {
    if (entry.second.startNs >= sinceNs) matches.push_back(&entry);
  }
  auto newer = [](const auto* a, const auto* b) {
    if (a->second.startNs != b->second.startNs) return a->second.startNs > b->second.startNs;
    return a->first > b->first;
  };
  size_t count = std::min(limit, matches.size());
  std::partial_sort(matches.begin(), matches.begin() + static_cast<ptrdiff_t>(count), matches.end(),
                    newer);
  std::vector<TraceSummary> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i)
    out.push_back(summarize(matches[i]->first, matches[i]->second));
  return out;
}

std::vector<Span> TraceRecorder::trace(std::string_view root) const {
  std::lock_guard store(storeMutex_);
  drainLocked();
  auto it = traces_.find(std::string(root));
  if (it == traces_.end()) return {};
  std::vector<Span> spans = it->second.spans;
  std::stable_sort(spans.begin(), spans.end(),
                   [](const Span& a, const Span& b) { return a.startNs < b.startNs; });
  return spans;
}

}  // namespace nimbus::observe
