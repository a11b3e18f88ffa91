#include "aws/xray/xray_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/ids.h"
#include "core/time_format.h"
#include "observe/trace_recorder.h"

namespace nimbus::aws::xray {

using json = nlohmann::json;
using observe::Span;

namespace {

// Where X-Ray's own fields live among a span's attributes.
constexpr std::string_view kType = "xray.type";  // "subsegment" for subsegments.
constexpr std::string_view kNamespace = "xray.namespace";
constexpr std::string_view kError = "xray.error";
constexpr std::string_view kFault = "xray.fault";
constexpr std::string_view kThrottle = "xray.throttle";
constexpr std::string_view kInProgress = "xray.in_progress";
// Segment fields that are objects, kept flattened to dotted attribute keys.
constexpr std::array<std::string_view, 7> kObjectFields = {
    "http", "aws", "annotations", "metadata", "sql", "service", "cause"};
// Attributes of nimbus's own spans go to this metadata namespace of their documents.
constexpr std::string_view kMetadataNamespace = "nimbus";
// Deeper values are kept as JSON text; deeper subsegments are refused.
constexpr int kMaxFlattenDepth = 8;
constexpr int kMaxSubsegmentDepth = 32;
constexpr size_t kMaxNameLength = 200;

bool isObjectField(std::string_view name) {
  return std::find(kObjectFields.begin(), kObjectFields.end(), name) != kObjectFields.end();
}

std::string_view attribute(const Span& span, std::string_view key) {
  for (const auto& [k, v] : span.attributes) {
    if (k == key) return v;
  }
  return {};
}

bool flag(const Span& span, std::string_view key) {
  return attribute(span, key) == "true";
}

bool isSubsegment(const Span& span) {
  return attribute(span, kType) == "subsegment";
}

// Epoch seconds, as X-Ray writes times, to nanoseconds.
int64_t toNs(double seconds) {
  // Beyond ±9e9 s (year 2255) nanoseconds overflow int64; such times are clamped, not wrapped.
  if (!(seconds > -9e9)) seconds = seconds != seconds ? 0 : -9e9;
  if (seconds > 9e9) seconds = 9e9;
  return static_cast<int64_t>(std::llround(seconds * 1e9));
}

double toSeconds(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

void flatten(const json& value, const std::string& prefix, int depth,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object() && depth < kMaxFlattenDepth) {
    for (const auto& [k, v] : value.items()) flatten(v, prefix + "." + k, depth + 1, out);
  } else if (value.is_string()) {
    out.emplace_back(prefix, value.get<std::string>());
  } else {
    out.emplace_back(prefix, value.dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

// Flattened text back to a JSON value: numbers, booleans and arrays were written as JSON.
json leafValue(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_number() || parsed.is_boolean() || parsed.is_array() || parsed.is_object()) {
    return parsed;
  }
  return text;
}

// Puts `value` at the dotted `path` inside `doc`, making objects on the way.
void unflatten(json& doc, std::string_view path, json value) {
  json* at = &doc;
  for (;;) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!at->is_object()) return;  // A leaf is already there; keep the first.
    if (dot == std::string_view::npos) {
      (*at)[key] = std::move(value);
      return;
    }
    at = &(*at)[key];
    if (at->is_null()) *at = json::object();
    path.remove_prefix(dot + 1);
  }
}

ServiceError rejection(bool subsegment, std::string_view code) {
  return {std::string(code),
          fmt::format("Invalid {}. ErrorCode: {}", subsegment ? "subsegment" : "segment", code),
          400};
}

bool isHexId(const json& id) {
  return id.is_string() && observe::isValidSpanId(id.get<std::string>());
}

// Checks one (sub)segment and appends its span, then its subsegments' spans.
Status addSpans(const json& doc, const std::string& root, const std::string& parent,
                bool subsegment, int depth, std::vector<Span>& out) {
  if (!doc.is_object()) return rejection(subsegment, "InvalidDocument");
  if (depth > kMaxSubsegmentDepth) return rejection(subsegment, "TooManySubsegmentLevels");
  if (!doc.contains("id")) return rejection(subsegment, "MissingId");
  if (!isHexId(doc["id"])) return rejection(subsegment, "InvalidId");
  if (!doc.contains("name")) return rejection(subsegment, "MissingName");
  const json& name = doc["name"];
  if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
      name.get_ref<const std::string&>().size() > kMaxNameLength) {
    return rejection(subsegment, "InvalidName");
  }
  if (!doc.contains("start_time")) return rejection(subsegment, "MissingStartTime");
  if (!doc["start_time"].is_number()) return rejection(subsegment, "InvalidStartTime");
  bool inProgress = doc.contains("in_progress") && doc["in_progress"] == true;
  if (!inProgress) {
    if (!doc.contains("end_time")) return rejection(subsegment, "MissingEndTime");
    if (!doc["end_time"].is_number()) return rejection(subsegment, "InvalidEndTime");
  }

  Span span;
  span.traceRoot = root;
  span.spanId = doc["id"].get<std::string>();
  span.parentId = parent;
  span.name = name.get<std::string>();
  span.startNs = toNs(doc["start_time"].get<double>());
  span.endNs = inProgress ? 0 : toNs(doc["end_time"].get<double>());
  if (doc.contains("origin") && doc["origin"].is_string())
    span.origin = doc["origin"].get<std::string>();
  std::string ns = doc.contains("namespace") && doc["namespace"].is_string()
                       ? doc["namespace"].get<std::string>()
                       : std::string();
  span.kind = !subsegment ? "server" : (ns == "aws" || ns == "remote") ? "client" : "internal";
  auto isTrue = [&](const char* key) { return doc.contains(key) && doc[key] == true; };
  bool error = isTrue("error"), fault = isTrue("fault"), throttle = isTrue("throttle");
  span.error = error || fault || throttle;
  if (subsegment) span.attributes.emplace_back(kType, "subsegment");
  if (!ns.empty()) span.attributes.emplace_back(kNamespace, ns);
  if (error) span.attributes.emplace_back(kError, "true");
  if (fault) span.attributes.emplace_back(kFault, "true");
  if (throttle) span.attributes.emplace_back(kThrottle, "true");
  if (inProgress) span.attributes.emplace_back(kInProgress, "true");
  for (std::string_view field : kObjectFields) {
    auto it = doc.find(std::string(field));
    if (it != doc.end() && !it->is_null()) flatten(*it, std::string(field), 1, span.attributes);
  }
  if (doc.contains("user") && doc["user"].is_string()) {
    span.attributes.emplace_back("user", doc["user"].get<std::string>());
  }
  std::string id = span.spanId;
  out.push_back(std::move(span));

  if (doc.contains("subsegments")) {
    const json& children = doc["subsegments"];
    if (!children.is_array()) return rejection(subsegment, "InvalidSubsegments");
    for (const auto& child : children) {
      auto done = addSpans(child, root, id, true, depth + 1, out);
      if (!done) return done;
    }
  }
  return ok();
}

json documentFor(const Span& span, bool topLevel,
                 const std::unordered_multimap<std::string, const Span*>& nested, int depth) {
  json doc = json::object();
  doc["id"] = span.spanId;
  doc["name"] = span.name;
  doc["start_time"] = toSeconds(span.startNs);
  if (flag(span, kInProgress)) {
    doc["in_progress"] = true;
  } else {
    doc["end_time"] = toSeconds(std::max(span.endNs, span.startNs));
  }
  if (topLevel) {
    doc["trace_id"] = span.traceRoot;
    if (!span.parentId.empty()) doc["parent_id"] = span.parentId;
    if (isSubsegment(span)) doc["type"] = "subsegment";
  }
  if (!span.origin.empty()) doc["origin"] = span.origin;
  bool xrayFlags = flag(span, kError) || flag(span, kFault) || flag(span, kThrottle);
  // nimbus's own failed spans (a function error, a 5XX) are what X-Ray calls faults.
  if (flag(span, kError)) doc["error"] = true;
  if (flag(span, kFault) || (span.error && !xrayFlags)) doc["fault"] = true;
  if (flag(span, kThrottle)) doc["throttle"] = true;
  for (const auto& [key, value] : span.attributes) {
    if (key.starts_with("xray.")) {
      if (key == kNamespace) doc["namespace"] = value;
      continue;
    }
    std::string_view head = std::string_view(key).substr(0, key.find('.'));
    if (key == "user") {
      doc["user"] = value;
    } else if (head != key && isObjectField(head)) {
      unflatten(doc, key, leafValue(value));
    } else {
      doc["metadata"][std::string(kMetadataNamespace)][key] = value;
    }
  }
  if (depth < kMaxSubsegmentDepth) {
    auto [begin, end] = nested.equal_range(span.spanId);
    std::vector<const Span*> children;
    for (auto it = begin; it != end; ++it) children.push_back(it->second);
    std::sort(children.begin(), children.end(),
              [](const Span* a, const Span* b) { return a->startNs < b->startNs; });
    for (const Span* child : children) {
      doc["subsegments"].push_back(documentFor(*child, false, nested, depth + 1));
    }
  }
  return doc;
}

HttpResponse jsonResponse(const json& body, const std::string& requestId) {
  return HttpResponse{200,
                      {{"Content-Type", "application/json"}, {"x-amzn-RequestId", requestId}},
                      body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

// X-Ray's errors carry a "Message" member and the x-amzn-ErrorType header.
HttpResponse errorResponse(int status, std::string_view code, std::string_view message,
                           const std::string& requestId) {
  json body{{"Message", message}};
  return HttpResponse{status,
                      {{"Content-Type", "application/json"},
                       {"x-amzn-RequestId", requestId},
                       {"x-amzn-ErrorType", std::string(code)}},
                      body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

HttpResponse invalid(std::string_view message, const std::string& requestId) {
  return errorResponse(400, "InvalidRequestException", message, requestId);
}

// A timestamp member: epoch seconds, as the SDKs send timestamps in REST-JSON bodies.
std::optional<double> timestamp(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  return std::nullopt;
}

}  // namespace

Result<std::vector<Span>> spansFromSegment(const json& document) {
  std::vector<Span> spans;
  bool independent =
      document.is_object() && document.contains("type") && document["type"] == "subsegment";
  if (!document.is_object()) return rejection(false, "InvalidDocument");
  if (!document.contains("trace_id")) return rejection(independent, "MissingTraceId");
  const json& traceId = document["trace_id"];
  if (!traceId.is_string() || !observe::isValidTraceRoot(traceId.get<std::string>())) {
    return rejection(independent, "InvalidTraceId");
  }
  std::string parent;
  if (document.contains("parent_id")) {
    if (!isHexId(document["parent_id"])) return rejection(independent, "InvalidParentId");
    parent = document["parent_id"].get<std::string>();
  } else if (independent) {
    return rejection(true, "MissingParentId");  // A subsegment sent alone names its segment.
  }
  auto done = addSpans(document, traceId.get<std::string>(), parent, independent, 0, spans);
  if (!done) return done.takeError();
  return spans;
}

std::vector<json> segmentDocuments(const std::vector<Span>& spans) {
  std::set<std::string_view> ids;
  for (const auto& span : spans) ids.insert(span.spanId);
  std::unordered_multimap<std::string, const Span*> nested;
  std::vector<const Span*> segments;
  for (const auto& span : spans) {
    if (isSubsegment(span) && !span.parentId.empty() && ids.count(span.parentId)) {
      nested.emplace(span.parentId, &span);
    } else {
      segments.push_back(&span);
    }
  }
  std::vector<json> out;
  out.reserve(segments.size());
  for (const Span* segment : segments) out.push_back(documentFor(*segment, true, nested, 0));
  return out;
}

XRayService::XRayService(observe::TraceRecorder& recorder, XRaySettings settings)
    : recorder_(recorder), settings_(std::move(settings)) {}

void XRayService::handle(HttpRequest&& request, const RequestIdentity&, http::Responder responder) {
  responder.send(answer(request));
}

HttpResponse XRayService::answer(const HttpRequest& request) {
  std::string requestId = newUuid();
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  using Operation = HttpResponse (XRayService::*)(const json&, const std::string&);
  Operation operation = nullptr;
  if (path == "/TraceSegments") operation = &XRayService::putTraceSegments;
  if (path == "/TraceSummaries") operation = &XRayService::getTraceSummaries;
  if (path == "/Traces") operation = &XRayService::batchGetTraces;
  if (!operation || request.method != "POST") {
    return errorResponse(
        404, "UnknownOperationException",
        fmt::format("{} {} is not an X-Ray operation nimbus has", request.method, path), requestId);
  }
  json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    return errorResponse(400, "SerializationException", "The request body is not a JSON object",
                         requestId);
  }
  return (this->*operation)(body, requestId);
}

HttpResponse XRayService::putTraceSegments(const json& body, const std::string& requestId) {
  auto it = body.find("TraceSegmentDocuments");
  if (it == body.end() || !it->is_array()) {
    return invalid("TraceSegmentDocuments is required and must be a list", requestId);
  }
  json unprocessed = json::array();
  for (const auto& text : *it) {
    json document =
        text.is_string() ? json::parse(text.get<std::string>(), nullptr, false) : json();
    json id = document.is_object() && document.contains("id") && document["id"].is_string()
                  ? document["id"]
                  : json();
    auto spans = spansFromSegment(document);
    if (!spans) {
      json entry{{"ErrorCode", spans.error().code}, {"Message", spans.error().message}};
      if (!id.is_null()) entry["Id"] = id;
      unprocessed.push_back(std::move(entry));
      continue;
    }
    for (auto& span : *spans) recorder_.record(std::move(span));
  }
  return jsonResponse(json{{"UnprocessedTraceSegments", unprocessed}}, requestId);
}

HttpResponse XRayService::getTraceSummaries(const json& body, const std::string& requestId) {
  auto start = timestamp(body, "StartTime");
  auto end = timestamp(body, "EndTime");
  if (!start || !end) {
    return invalid("StartTime and EndTime are required (epoch seconds)", requestId);
  }
  if (*start > *end) return invalid("The StartTime must not be after the EndTime", requestId);
  int64_t fromNs = toNs(*start);
  int64_t toNsLimit = toNs(*end);
  json summaries = json::array();
  auto recent = recorder_.recent(std::numeric_limits<size_t>::max(), fromNs);
  for (const auto& summary : recent) {
    if (summary.startNs > toNsLimit) continue;
    auto spans = recorder_.trace(summary.root);
    if (spans.empty()) continue;  // Dropped since the listing.
    bool hasError = false, hasFault = false, hasThrottle = false;
    const Span* entry = nullptr;
    json services = json::array();
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& span : spans) {
      bool xrayFlags = flag(span, kError) || flag(span, kFault) || flag(span, kThrottle);
      hasError = hasError || flag(span, kError) || flag(span, kThrottle);
      hasFault = hasFault || flag(span, kFault) || (span.error && !xrayFlags);
      hasThrottle = hasThrottle || flag(span, kThrottle);
      if (isSubsegment(span)) continue;
      if (!entry || (span.parentId.empty() && !entry->parentId.empty())) entry = &span;
      if (seen.emplace(span.name, span.origin).second) {
        json service{{"Name", span.name},
                     {"Names", json::array({span.name})},
                     {"AccountId", settings_.accountId}};
        if (!span.origin.empty()) service["Type"] = span.origin;
        services.push_back(std::move(service));
      }
    }
    if (!entry) entry = &spans.front();
    json item{{"Id", summary.root},
              {"StartTime", toSeconds(summary.startNs)},
              {"Duration", toSeconds(summary.durationNs)},
              {"ResponseTime", toSeconds(std::max<int64_t>(0, entry->endNs - entry->startNs))},
              {"HasError", hasError},
              {"HasFault", hasFault},
              {"HasThrottle", hasThrottle},
              {"IsPartial", false},
              {"Annotations", json::object()},
              {"Users", json::array()},
              {"ServiceIds", services},
              {"ResourceARNs", json::array()},
              {"InstanceIds", json::array()},
              {"AvailabilityZones", json::array()},
              {"FaultRootCauses", json::array()},
              {"ErrorRootCauses", json::array()},
              {"ResponseTimeRootCauses", json::array()},
              {"Revision", 1}};
    json entryPoint{{"Name", entry->name},
                    {"Names", json::array({entry->name})},
                    {"AccountId", settings_.accountId}};
    if (!entry->origin.empty()) entryPoint["Type"] = entry->origin;
    item["EntryPoint"] = std::move(entryPoint);
    json http = json::object();
    auto copy = [&](std::string_view from, const char* to, bool number) {
      std::string_view value = attribute(*entry, from);
      if (value.empty()) return;
      if (number) {
        json parsed = leafValue(std::string(value));
        if (parsed.is_number()) http[to] = parsed;
      } else {
        http[to] = value;
      }
    };
    copy("http.request.url", "HttpURL", false);
    copy("http.request.method", "HttpMethod", false);
    copy("http.request.user_agent", "UserAgent", false);
    copy("http.request.client_ip", "ClientIp", false);
    copy("http.response.status", "HttpStatus", true);
    if (!http.empty()) item["Http"] = std::move(http);
    summaries.push_back(std::move(item));
  }
  json answer{{"TraceSummaries", summaries},
              {"ApproximateTime", toSeconds(nowMs() * 1'000'000)},
              {"TracesProcessedCount", summaries.size()}};
  return jsonResponse(answer, requestId);
}

HttpResponse XRayService::batchGetTraces(const json& body, const std::string& requestId) {
  auto it = body.find("TraceIds");
  if (it == body.end() || !it->is_array()) {
    return invalid("TraceIds is required and must be a list", requestId);
  }
  json traces = json::array();
  json unprocessed = json::array();
  for (const auto& id : *it) {
    if (!id.is_string()) return invalid("TraceIds must be a list of strings", requestId);
    std::string root = id.get<std::string>();
    auto spans = recorder_.trace(root);
    if (spans.empty()) {
      unprocessed.push_back(root);
      continue;
    }
    int64_t first = spans.front().startNs, last = 0;
    for (const auto& span : spans) {
      first = std::min(first, span.startNs);
      last = std::max({last, span.endNs, span.startNs});
    }
    json segments = json::array();
    for (const auto& document : segmentDocuments(spans)) {
      segments.push_back(
          {{"Id", document["id"]},
           {"Document", document.dump(-1, ' ', false, json::error_handler_t::replace)}});
    }
    traces.push_back({{"Id", root},
                      {"Duration", toSeconds(last - first)},
                      {"LimitExceeded", false},
                      {"Segments", std::move(segments)}});
  }
  return jsonResponse(json{{"Traces", traces}, {"UnprocessedTraceIds", unprocessed}}, requestId);
}

}  // namespace nimbus::aws::xray
