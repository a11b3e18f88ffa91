// The traces nimbus has seen lately, in memory: every Span recorded by the gateway, Lambda, the
// AWS services and X-Ray's PutTraceSegments lands here, grouped by trace root, for the dashboard
// and X-Ray's GetTraceSummaries / BatchGetTraces. Recording is made for the request path: a short
// lock and a move into a bounded queue; a worker thread files the spans and hands them to the
// exporter (OTLP), so no I/O or formatting happens on the caller's thread. Memory is bounded:
// the oldest traces are dropped first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "observe/trace.h"

namespace nimbus::observe {

// True for an X-Ray trace id, "1-5759e988-bd862e3fe1be46a994272793".
bool isValidTraceRoot(std::string_view root);
// True for 16 hex digits (a span id, an X-Ray segment id).
bool isValidSpanId(std::string_view id);

// Where recorded spans go besides memory: an OTLP exporter, or a stand-in in tests. Called on
// the recorder's worker thread with spans in batches; it must not block for long (queue and
// return).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual void enqueue(std::vector<Span> spans) = 0;
  // Sends what is queued and stops; called once.
  virtual void stop() = 0;
};

// One trace, as a list shows it.
struct TraceSummary {
  std::string root;
  std::string name;        // The first span's: the one without a parent, else the earliest.
  std::string origin;      // The first span's origin ("AWS::ApiGateway::Stage"), may be empty.
  int64_t startNs = 0;     // The earliest span's start.
  int64_t durationNs = 0;  // From the earliest start to the latest end.
  size_t spanCount = 0;
  bool error = false;  // Any span has error set.
  // The distinct origins of its spans, in the order they were first seen.
  std::vector<std::string> services;
};

struct TraceRecorderLimits {
  size_t maxTraces = 1000;          // Traces kept; the oldest (first seen) goes first.
  size_t maxSpans = 50000;          // Spans kept over all traces.
  size_t maxSpansPerTrace = 10000;  // Further spans of a trace this large are dropped.
  size_t maxQueued = 65536;         // Spans waiting for the worker; record() drops beyond this.
};

class TraceRecorder {
 public:
  // Starts the worker thread. `exporter` (may be null) receives every recorded span too.
  explicit TraceRecorder(TraceRecorderLimits limits = {},
                         std::unique_ptr<SpanExporter> exporter = nullptr);
  // Calls stop().
  ~TraceRecorder();
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // Queues `span`; never blocks on I/O. A span whose id is already in its trace replaces it (an
  // X-Ray segment sent first in progress, then complete). Dropped (and counted) when the queue
  // is full or after stop().
  void record(Span span);

  // Up to `limit` traces that started at or after `sinceNs`, newest first.
  std::vector<TraceSummary> recent(size_t limit, int64_t sinceNs = 0) const;
  // The spans of one trace in start order; empty when it is unknown (or dropped).
  std::vector<Span> trace(std::string_view root) const;

  // Files what is queued, stops the worker and then the exporter, which sends what it holds.
  // Later record() calls are dropped. Idempotent.
  void stop();

  // Spans record() dropped because the queue was full or the recorder stopped.
  uint64_t droppedSpans() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct StoredTrace {
    std::vector<Span> spans;
    int64_t startNs = 0;
    int64_t endNs = 0;
  };

  void run();
  // Takes the queue and files it; the caller holds storeMutex_.
  void drainLocked() const;
  void fileLocked(Span&& span) const;
  void evictLocked() const;
  static TraceSummary summarize(const std::string& root, const StoredTrace& trace);

  const TraceRecorderLimits limits_;
  std::unique_ptr<SpanExporter> exporter_;

  mutable std::mutex
      queueMutex_;  // Guards queue_, stopping_; taken after storeMutex_ when both are.
  std::condition_variable wake_;
  mutable std::vector<Span> queue_;
  bool stopping_ = false;

  // Readers file the queue themselves so that a span is visible as soon as record() returns;
  // hence mutable. Guards the members below, and the exporter's enqueue calls.
  mutable std::mutex storeMutex_;
  mutable std::unordered_map<std::string, StoredTrace> traces_;
  mutable std::deque<std::string> order_;  // Roots by first sighting, oldest at the front.
  mutable size_t spanCount_ = 0;

  mutable std::atomic<uint64_t> dropped_{0};
  std::mutex stopMutex_;
  bool stopped_ = false;
  std::thread worker_;
};

}  // namespace nimbus::observe
