// Sends recorded spans to an OpenTelemetry collector over OTLP/HTTP, configured the standard way
// (the OTEL_* environment variables). A background thread batches spans (up to 512 a request, at
// least once a second) and POSTs them with the blocking HTTP client; the recorder's hand-off only
// appends to a bounded queue, dropping and counting spans when the collector falls behind.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/http_message.h"
#include "observe/otlp.h"
#include "observe/trace_recorder.h"

namespace nimbus::observe {

enum class OtlpProtocol { kProtobuf, kJson };

struct OtlpConfig {
  std::string endpoint;  // "http://127.0.0.1:4318/v1/traces", as configured.
  std::string host;      // "127.0.0.1"; an IPv6 address without its brackets.
  uint16_t port = 80;
  std::string target = "/v1/traces";  // Path and query.
  OtlpProtocol protocol = OtlpProtocol::kProtobuf;
  std::vector<HttpHeader> headers;  // OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, decoded.
  OtlpResource resource;
  std::chrono::milliseconds timeout{10000};  // OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT.
  size_t maxBatch = 512;
  std::chrono::milliseconds interval{1000};  // A partial batch waits no longer than this.
  size_t maxQueued = 2048;

  // The exporter the environment asks for, or nullopt when it asks for none: no endpoint set,
  // OTEL_TRACES_EXPORTER=none, OTEL_SDK_DISABLED=true, or a setting nimbus cannot honour (grpc,
  // https), which `warning` then explains for the caller to print. `warning` is cleared first.
  static std::optional<OtlpConfig> fromEnvironment(const EnvironmentLookup& getenv,
                                                   std::string& warning);
};

class OtlpExporter : public SpanExporter {
 public:
  // Starts the sending thread.
  explicit OtlpExporter(OtlpConfig config);
  ~OtlpExporter() override;
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // Queues the spans; those beyond maxQueued are dropped and counted. Never blocks on I/O.
  void enqueue(std::vector<Span> spans) override;
  // Sends everything queued (one request per batch), then ends the thread. Idempotent.
  void stop() override;

  const OtlpConfig& config() const { return config_; }
  uint64_t exportedSpans() const { return exported_.load(std::memory_order_relaxed); }
  uint64_t droppedSpans() const { return dropped_.load(std::memory_order_relaxed); }
  // Spans in requests that failed (connection error or a non-2xx answer); not retried.
  uint64_t failedSpans() const { return failed_.load(std::memory_order_relaxed); }
  // The last failure, for the operator ("connection refused", "HTTP 400: ...").
  std::string lastError() const;

 private:
  void run();
  void send(const std::vector<Span>& batch);

  const OtlpConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Span> queue_;
  bool stopping_ = false;
  std::string lastError_;
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_{0};
  std::mutex stopMutex_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace nimbus::observe
