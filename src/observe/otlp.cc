#include "observe/otlp.h"

#include <algorithm>
#include <cstdint>

#include "core/json_writer.h"
#include "core/url.h"
#include "observe/trace_recorder.h"

namespace nimbus::observe {

namespace {

// Field numbers from opentelemetry-proto.
namespace field {
constexpr uint32_t kRequestResourceSpans = 1;   // ExportTraceServiceRequest.resource_spans
constexpr uint32_t kResourceSpansResource = 1;  // ResourceSpans.resource
constexpr uint32_t kResourceSpansScopeSpans = 2;
constexpr uint32_t kResourceAttributes = 1;  // Resource.attributes
constexpr uint32_t kScopeSpansScope = 1;     // ScopeSpans.scope
constexpr uint32_t kScopeSpansSpans = 2;
constexpr uint32_t kScopeName = 1;  // InstrumentationScope.name
constexpr uint32_t kScopeVersion = 2;
constexpr uint32_t kSpanTraceId = 1;  // Span.trace_id (bytes)
constexpr uint32_t kSpanSpanId = 2;
constexpr uint32_t kSpanParentSpanId = 4;
constexpr uint32_t kSpanName = 5;
constexpr uint32_t kSpanKind = 6;
constexpr uint32_t kSpanStartTime = 7;  // fixed64
constexpr uint32_t kSpanEndTime = 8;    // fixed64
constexpr uint32_t kSpanAttributes = 9;
constexpr uint32_t kSpanStatus = 15;
constexpr uint32_t kStatusMessage = 2;  // Status.message
constexpr uint32_t kStatusCode = 3;
constexpr uint32_t kKeyValueKey = 1;  // KeyValue.key
constexpr uint32_t kKeyValueValue = 2;
constexpr uint32_t kAnyValueString = 1;  // AnyValue.string_value
}  // namespace field

constexpr int kStatusError = 2;
constexpr std::string_view kScope = "nimbus";
constexpr std::string_view kScopeVersionText = "1";
// Where a span's X-Ray origin travels in OTLP, which has no such field.
constexpr std::string_view kOriginAttribute = "nimbus.origin";

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void putTag(std::string& out, uint32_t number, WireType type) {
  putVarint(out, (uint64_t{number} << 3) | type);
}

void putBytes(std::string& out, uint32_t number, std::string_view bytes) {
  putTag(out, number, kLengthDelimited);
  putVarint(out, bytes.size());
  out.append(bytes);
}

void putUint(std::string& out, uint32_t number, uint64_t v) {
  putTag(out, number, kVarint);
  putVarint(out, v);
}

void putFixed64(std::string& out, uint32_t number, uint64_t v) {
  putTag(out, number, kFixed64);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex digits to bytes; "" when the text is not hex of even length.
std::string hexBytes(std::string_view hex) {
  if (hex.size() % 2 != 0) return {};
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hexValue(hex[2 * i]);
    int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return {};
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string lowerHex(std::string_view hex) {
  std::string out(hex);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string keyValue(std::string_view key, std::string_view value) {
  std::string any;
  putBytes(any, field::kAnyValueString, value);
  std::string kv;
  putBytes(kv, field::kKeyValueKey, key);
  putBytes(kv, field::kKeyValueValue, any);
  return kv;
}

bool exportable(const Span& span) {
  return isValidTraceRoot(span.traceRoot) && isValidSpanId(span.spanId) &&
         (span.parentId.empty() || isValidSpanId(span.parentId));
}

std::string spanMessage(const Span& span) {
  std::string out;
  putBytes(out, field::kSpanTraceId, hexBytes(otlpTraceId(span.traceRoot)));
  putBytes(out, field::kSpanSpanId, hexBytes(span.spanId));
  if (!span.parentId.empty()) putBytes(out, field::kSpanParentSpanId, hexBytes(span.parentId));
  putBytes(out, field::kSpanName, span.name);
  putUint(out, field::kSpanKind, static_cast<uint64_t>(otlpSpanKind(span.kind)));
  putFixed64(out, field::kSpanStartTime, static_cast<uint64_t>(span.startNs));
  putFixed64(out, field::kSpanEndTime, static_cast<uint64_t>(std::max(span.endNs, span.startNs)));
  if (!span.origin.empty()) {
    putBytes(out, field::kSpanAttributes, keyValue(kOriginAttribute, span.origin));
  }
  for (const auto& [k, v] : span.attributes) putBytes(out, field::kSpanAttributes, keyValue(k, v));
  // OpenTelemetry leaves a span's status unset unless it failed: OK is for an application to
  // assert, not for a recorder to assume.
  if (span.error) {
    std::string status;
    putUint(status, field::kStatusCode, kStatusError);
    putBytes(out, field::kSpanStatus, status);
  }
  return out;
}

void jsonAttributes(JsonWriter& w, const std::vector<std::pair<std::string, std::string>>& attrs,
                    std::string_view origin = {}) {
  w.key("attributes").beginArray();
  auto one = [&](std::string_view k, std::string_view v) {
    w.beginObject().field("key", k).key("value").beginObject().field("stringValue", v);
    w.endObject().endObject();
  };
  if (!origin.empty()) one(kOriginAttribute, origin);
  for (const auto& [k, v] : attrs) one(k, v);
  w.endArray();
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

OtlpResource OtlpResource::fromEnvironment(const EnvironmentLookup& getenv) {
  std::string serviceName;
  std::vector<std::pair<std::string, std::string>> others;
  if (const char* given = getenv("OTEL_RESOURCE_ATTRIBUTES")) {
    std::string_view rest = given;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view pair = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;  // The specification says to skip bad pairs.
      std::string key = percentDecode(trimmed(pair.substr(0, eq)));
      std::string value = percentDecode(trimmed(pair.substr(eq + 1)));
      if (key.empty()) continue;
      if (key == "service.name") {
        serviceName = value;
      } else {
        others.emplace_back(std::move(key), std::move(value));
      }
    }
  }
  if (const char* name = getenv("OTEL_SERVICE_NAME"); name && *name) serviceName = name;
  if (serviceName.empty()) serviceName = "nimbus";
  OtlpResource resource;
  resource.attributes.emplace_back("service.name", std::move(serviceName));
  for (auto& kv : others) resource.attributes.push_back(std::move(kv));
  return resource;
}

std::string otlpTraceId(std::string_view root) {
  if (!isValidTraceRoot(root)) return {};
  return lowerHex(std::string(root.substr(2, 8)) + std::string(root.substr(11)));
}

int otlpSpanKind(std::string_view kind) {
  if (kind == "server") return 2;
  if (kind == "client") return 3;
  if (kind == "producer") return 4;
  if (kind == "consumer") return 5;
  return 1;
}

std::string encodeOtlpProtobuf(const std::vector<Span>& spans, const OtlpResource& resource) {
  std::string resourceMessage;
  for (const auto& [k, v] : resource.attributes) {
    putBytes(resourceMessage, field::kResourceAttributes, keyValue(k, v));
  }
  std::string scope;
  putBytes(scope, field::kScopeName, kScope);
  putBytes(scope, field::kScopeVersion, kScopeVersionText);
  std::string scopeSpans;
  putBytes(scopeSpans, field::kScopeSpansScope, scope);
  for (const auto& span : spans) {
    if (exportable(span)) putBytes(scopeSpans, field::kScopeSpansSpans, spanMessage(span));
  }
  std::string resourceSpans;
  putBytes(resourceSpans, field::kResourceSpansResource, resourceMessage);
  putBytes(resourceSpans, field::kResourceSpansScopeSpans, scopeSpans);
  std::string request;
  putBytes(request, field::kRequestResourceSpans, resourceSpans);
  return request;
}

std::string encodeOtlpJson(const std::vector<Span>& spans, const OtlpResource& resource) {
  std::string out;
  JsonWriter w(out);
  w.beginObject().key("resourceSpans").beginArray().beginObject();
  w.key("resource").beginObject();
  jsonAttributes(w, resource.attributes);
  w.endObject();
  w.key("scopeSpans").beginArray().beginObject();
  w.key("scope").beginObject().field("name", kScope).field("version", kScopeVersionText);
  w.endObject();
  w.key("spans").beginArray();
  for (const auto& span : spans) {
    if (!exportable(span)) continue;
    w.beginObject();
    w.field("traceId", otlpTraceId(span.traceRoot));
    w.field("spanId", lowerHex(span.spanId));
    if (!span.parentId.empty()) w.field("parentSpanId", lowerHex(span.parentId));
    w.field("name", span.name);
    w.field("kind", otlpSpanKind(span.kind));
    // OTLP/JSON carries 64-bit integers as decimal strings.
    w.field("startTimeUnixNano", std::to_string(span.startNs));
    w.field("endTimeUnixNano", std::to_string(std::max(span.endNs, span.startNs)));
    jsonAttributes(w, span.attributes, span.origin);
    w.key("status").beginObject();
    if (span.error) w.field("code", kStatusError);
    w.endObject();
    w.endObject();
  }
  w.endArray().endObject().endArray().endObject().endArray().endObject();
  return out;
}

}  // namespace nimbus::observe
