// Traces across nimbus's services, as AWS X-Ray and OpenTelemetry see them. A request's trace
// context travels in the X-Ray header ("Root=1-5759e988-bd862e3fe1be46a994272793;
// Parent=53995c3f42cd8ad8;Sampled=1"): API Gateway continues a caller's or starts one, Lambda
// gives it to the function (`_X_AMZN_TRACE_ID`), the AWS SDKs send it back on every call, SQS
// keeps it with a message (`AWSTraceHeader`), and the function the message triggers continues
// it. Each hop records a Span; the TraceRecorder keeps recent traces for the dashboard and the
// X-Ray API, and exports spans over OTLP when the OpenTelemetry variables ask for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::observe {

struct TraceContext {
  std::string root;    // "1-5759e988-bd862e3fe1be46a994272793"
  std::string parent;  // 16 hex digits; empty at the start of a trace.
  bool sampled = true;

  // Reads an X-Amzn-Trace-Id / Lambda-Runtime-Trace-Id / AWSTraceHeader value; nullopt when it
  // has no valid Root. Unknown fields (Lineage, Self) are ignored.
  static std::optional<TraceContext> parse(std::string_view header);
  // A new trace: a new root (epoch seconds and 96 random bits), no parent, sampled.
  static TraceContext start();
  // The same trace with `spanId` as the parent of what follows.
  TraceContext child(std::string_view spanId) const;
  // "Root=...;Parent=...;Sampled=1" (no Parent field when there is none).
  std::string header() const;
};

// A new span id: 16 random hex digits.
std::string newSpanId();

struct Span {
  std::string traceRoot;  // TraceContext::root.
  std::string spanId;     // 16 hex digits.
  std::string parentId;   // 16 hex digits; empty for a trace's first span.
  std::string name;       // "GET /items/{id}", "my-service-dev-hello", "SQS.SendMessage".
  // OpenTelemetry's kinds: "server", "client", "producer", "consumer", "internal".
  std::string kind = "internal";
  // What X-Ray calls the segment's origin: "AWS::ApiGateway::Stage", "AWS::Lambda::Function",
  // "AWS::SQS::Queue", "AWS::SNS::Topic", ... (empty for spans from PutTraceSegments that have
  // none).
  std::string origin;
  int64_t startNs = 0;  // Unix epoch nanoseconds.
  int64_t endNs = 0;
  bool error = false;
  std::vector<std::pair<std::string, std::string>> attributes;  // "faas.name" -> "fn", ...
};

}  // namespace nimbus::observe
