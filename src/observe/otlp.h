// Spans in OpenTelemetry's wire format (OTLP/HTTP): an ExportTraceServiceRequest, as protobuf
// (opentelemetry-proto's collector/trace/v1, trace/v1, common/v1 and resource/v1 messages,
// encoded by hand: the few messages nimbus writes do not justify a protobuf dependency) or as
// OTLP's JSON mapping. X-Ray roots become OTLP trace ids the way OpenTelemetry's X-Ray propagator
// maps them: "1-5759e988-bd862e3fe1be46a994272793" -> "5759e988bd862e3fe1be46a994272793".
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "observe/trace.h"

namespace nimbus::observe {

// A getenv-like lookup: the variable's value, or nullptr when unset.
using EnvironmentLookup = std::function<const char*(const char*)>;

// Who produced the spans: OTLP's Resource, string attributes only.
struct OtlpResource {
  std::vector<std::pair<std::string, std::string>> attributes;

  // service.name from OTEL_SERVICE_NAME, else from OTEL_RESOURCE_ATTRIBUTES, else "nimbus"; then
  // the other OTEL_RESOURCE_ATTRIBUTES pairs ("k=v,k2=v2", values percent-decoded).
  static OtlpResource fromEnvironment(const EnvironmentLookup& getenv);
};

// The 32 hex digits of an X-Ray root's time and random parts; "" when `root` is not a root.
std::string otlpTraceId(std::string_view root);

// OTLP's SpanKind: "internal" 1, "server" 2, "client" 3, "producer" 4, "consumer" 5 (anything
// else is internal).
int otlpSpanKind(std::string_view kind);

// The request body for POST /v1/traces with Content-Type application/x-protobuf. Spans whose
// root or ids are malformed are left out (OTLP receivers reject invalid ids).
std::string encodeOtlpProtobuf(const std::vector<Span>& spans, const OtlpResource& resource);

// The same request in OTLP's JSON mapping (Content-Type application/json).
std::string encodeOtlpJson(const std::vector<Span>& spans, const OtlpResource& resource);

}  // namespace nimbus::observe
