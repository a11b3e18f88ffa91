#include "observe/otlp.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "http/server.h"
#include "observe/otlp_exporter.h"
#include "observe/trace_recorder.h"

namespace nimbus::observe {
namespace {

using json = nlohmann::json;

// One decoded protobuf field: a varint or fixed64 number, or length-delimited bytes.
struct Field {
  uint32_t number = 0;
  uint32_t wireType = 0;
  uint64_t value = 0;
  std::string bytes;
};

// Decodes one message's fields; fails the test on malformed input.
std::vector<Field> decode(std::string_view in) {
  std::vector<Field> fields;
  size_t pos = 0;
  auto varint = [&]() -> uint64_t {
    uint64_t v = 0;
    for (int shift = 0; pos < in.size(); shift += 7) {
      auto byte = static_cast<uint8_t>(in[pos++]);
      v |= uint64_t{byte & 0x7Fu} << shift;
      if (!(byte & 0x80)) return v;
    }
    ADD_FAILURE() << "truncated varint";
    return v;
  };
  while (pos < in.size()) {
    uint64_t tag = varint();
    Field f;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wireType = static_cast<uint32_t>(tag & 7);
    if (f.wireType == 0) {
      f.value = varint();
    } else if (f.wireType == 1) {
      if (pos + 8 > in.size()) {
        ADD_FAILURE() << "truncated fixed64";
        break;
      }
      for (int i = 0; i < 8; ++i) f.value |= uint64_t{static_cast<uint8_t>(in[pos + i])} << (8 * i);
      pos += 8;
    } else if (f.wireType == 2) {
      uint64_t length = varint();
      if (pos + length > in.size()) {
        ADD_FAILURE() << "truncated bytes";
        break;
      }
      f.bytes = std::string(in.substr(pos, length));
      pos += length;
    } else {
      ADD_FAILURE() << "unexpected wire type " << f.wireType;
      break;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<Field> all(const std::vector<Field>& fields, uint32_t number) {
  std::vector<Field> out;
  for (const auto& f : fields) {
    if (f.number == number) out.push_back(f);
  }
  return out;
}

Field one(const std::vector<Field>& fields, uint32_t number) {
  auto found = all(fields, number);
  EXPECT_EQ(found.size(), 1u) << "field " << number;
  return found.empty() ? Field{} : found[0];
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kHex[(static_cast<uint8_t>(c) >> 4) & 0xF]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 0xF]);
  }
  return out;
}

// KeyValue list (string values) to a map.
std::map<std::string, std::string> attributes(const std::vector<Field>& fields, uint32_t number) {
  std::map<std::string, std::string> out;
  for (const auto& kv : all(fields, number)) {
    auto parts = decode(kv.bytes);
    auto any = decode(one(parts, 2).bytes);
    out[one(parts, 1).bytes] = one(any, 1).bytes;  // AnyValue.string_value
  }
  return out;
}

Span sampleSpan() {
  Span span;
  span.traceRoot = "1-5759e988-bd862e3fe1be46a994272793";
  span.spanId = "53995c3f42cd8ad8";
  span.parentId = "0123456789abcdef";
  span.name = "my-service-dev-hello";
  span.kind = "server";
  span.origin = "AWS::Lambda::Function";
  span.startNs = 1'700'000'000'123'456'789;
  span.endNs = 1'700'000'000'223'456'789;
  span.error = true;
  span.attributes = {{"faas.name", "my-service-dev-hello"}, {"faas.coldstart", "true"}};
  return span;
}

// The spans of an encoded request, each as its decoded fields; checks the envelope on the way.
std::vector<std::vector<Field>> spansOf(const std::string& body,
                                        std::map<std::string, std::string>* resource = nullptr) {
  auto request = decode(body);
  auto resourceSpans = decode(one(request, 1).bytes);  // ExportTraceServiceRequest.resource_spans
  auto resourceMessage = decode(one(resourceSpans, 1).bytes);  // ResourceSpans.resource
  if (resource) *resource = attributes(resourceMessage, 1);    // Resource.attributes
  auto scopeSpans = decode(one(resourceSpans, 2).bytes);       // ResourceSpans.scope_spans
  auto scope = decode(one(scopeSpans, 1).bytes);               // ScopeSpans.scope
  EXPECT_EQ(one(scope, 1).bytes, "nimbus");
  std::vector<std::vector<Field>> spans;
  for (const auto& s : all(scopeSpans, 2)) spans.push_back(decode(s.bytes));  // ScopeSpans.spans
  return spans;
}

TEST(OtlpTest, MapsXRayRootsToTraceIds) {
  EXPECT_EQ(otlpTraceId("1-5759e988-bd862e3fe1be46a994272793"), "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(otlpTraceId("5759e988bd862e3fe1be46a994272793"), "");
  EXPECT_EQ(otlpSpanKind("server"), 2);
  EXPECT_EQ(otlpSpanKind("client"), 3);
  EXPECT_EQ(otlpSpanKind("producer"), 4);
  EXPECT_EQ(otlpSpanKind("consumer"), 5);
  EXPECT_EQ(otlpSpanKind("internal"), 1);
  EXPECT_EQ(otlpSpanKind("whatever"), 1);
}

TEST(OtlpTest, EncodesASpanAsProtobuf) {
  OtlpResource resource{{{"service.name", "shop"}, {"deployment.environment", "dev"}}};
  std::map<std::string, std::string> resourceAttributes;
  auto spans = spansOf(encodeOtlpProtobuf({sampleSpan()}, resource), &resourceAttributes);
  EXPECT_EQ(resourceAttributes, (std::map<std::string, std::string>{
                                    {"service.name", "shop"}, {"deployment.environment", "dev"}}));
  ASSERT_EQ(spans.size(), 1u);
  const auto& span = spans[0];
  EXPECT_EQ(hex(one(span, 1).bytes), "5759e988bd862e3fe1be46a994272793");  // trace_id
  EXPECT_EQ(hex(one(span, 2).bytes), "53995c3f42cd8ad8");                  // span_id
  EXPECT_EQ(hex(one(span, 4).bytes), "0123456789abcdef");                  // parent_span_id
  EXPECT_EQ(one(span, 5).bytes, "my-service-dev-hello");                   // name
  EXPECT_EQ(one(span, 6).wireType, 0u);
  EXPECT_EQ(one(span, 6).value, 2u);  // kind: SERVER
  EXPECT_EQ(one(span, 7).wireType, 1u);
  EXPECT_EQ(one(span, 7).value, 1'700'000'000'123'456'789u);  // start_time_unix_nano, fixed64
  EXPECT_EQ(one(span, 8).wireType, 1u);
  EXPECT_EQ(one(span, 8).value, 1'700'000'000'223'456'789u);
  EXPECT_EQ(attributes(span, 9),
            (std::map<std::string, std::string>{{"faas.name", "my-service-dev-hello"},
                                                {"faas.coldstart", "true"},
                                                {"nimbus.origin", "AWS::Lambda::Function"}}));
  auto status = decode(one(span, 15).bytes);
  EXPECT_EQ(one(status, 3).value, 2u);  // code: ERROR
}

TEST(OtlpTest, LeavesTheStatusUnsetAndTheParentOutWhenThereIsNone) {
  Span span = sampleSpan();
  span.error = false;
  span.parentId.clear();
  span.kind = "consumer";
  Span broken = sampleSpan();
  broken.spanId = "not-hex";
  auto spans = spansOf(encodeOtlpProtobuf({span, broken}, OtlpResource{}));
  ASSERT_EQ(spans.size(), 1u);  // The malformed one is left out.
  EXPECT_TRUE(all(spans[0], 4).empty());
  EXPECT_TRUE(all(spans[0], 15).empty());
  EXPECT_EQ(one(spans[0], 6).value, 5u);
}

TEST(OtlpTest, EncodesTheJsonMapping) {
  OtlpResource resource{{{"service.name", "nimbus"}}};
  json body = json::parse(encodeOtlpJson({sampleSpan()}, resource));
  const json& rs = body["resourceSpans"][0];
  EXPECT_EQ(rs["resource"]["attributes"][0],
            (json{{"key", "service.name"}, {"value", {{"stringValue", "nimbus"}}}}));
  const json& ss = rs["scopeSpans"][0];
  EXPECT_EQ(ss["scope"]["name"], "nimbus");
  const json& span = ss["spans"][0];
  EXPECT_EQ(span["traceId"], "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(span["spanId"], "53995c3f42cd8ad8");
  EXPECT_EQ(span["parentSpanId"], "0123456789abcdef");
  EXPECT_EQ(span["name"], "my-service-dev-hello");
  EXPECT_EQ(span["kind"], 2);
  EXPECT_EQ(span["startTimeUnixNano"], "1700000000123456789");
  EXPECT_EQ(span["endTimeUnixNano"], "1700000000223456789");
  EXPECT_EQ(span["status"], (json{{"code", 2}}));
  EXPECT_EQ(span["attributes"][1],
            (json{{"key", "faas.name"}, {"value", {{"stringValue", "my-service-dev-hello"}}}}));
}

// A fake environment for the OTEL_* variables.
struct FakeEnvironment {
  std::map<std::string, std::string> values;
  EnvironmentLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = values.find(name);
      return it == values.end() ? nullptr : it->second.c_str();
    };
  }
};

TEST(OtlpConfigTest, ReadsTheStandardVariables) {
  std::string warning;
  FakeEnvironment env;
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_EQ(warning, "");

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-team = shop"},
                {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "X-Team=traces"},
                {"OTEL_SERVICE_NAME", "shop"},
                {"OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,deployment.environment=d%2Cev"}};
  auto config = OtlpConfig::fromEnvironment(env.lookup(), warning);
  ASSERT_TRUE(config) << warning;
  EXPECT_EQ(config->endpoint, "http://collector:4318/v1/traces");
  EXPECT_EQ(config->host, "collector");
  EXPECT_EQ(config->port, 4318);
  EXPECT_EQ(config->target, "/v1/traces");
  EXPECT_EQ(config->protocol, OtlpProtocol::kProtobuf);
  ASSERT_EQ(config->headers.size(), 2u);
  EXPECT_EQ(config->headers[0].name, "api-key");
  EXPECT_EQ(config->headers[0].value, "a b");
  EXPECT_EQ(config->headers[1].name, "X-Team");
  EXPECT_EQ(config->headers[1].value, "traces");
  EXPECT_EQ(config->resource.attributes,
            (std::vector<std::pair<std::string, std::string>>{{"service.name", "shop"},
                                                              {"deployment.environment", "d,ev"}}));

  // The signal's own endpoint is used as given; its own protocol wins.
  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:1/"},
                {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://[::1]:9999/custom/path"},
                {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}};
  config = OtlpConfig::fromEnvironment(env.lookup(), warning);
  ASSERT_TRUE(config) << warning;
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 9999);
  EXPECT_EQ(config->target, "/custom/path");
  EXPECT_EQ(config->protocol, OtlpProtocol::kJson);
  EXPECT_EQ(config->resource.attributes,
            (std::vector<std::pair<std::string, std::string>>{{"service.name", "nimbus"}}));

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost/"}};
  config = OtlpConfig::fromEnvironment(env.lookup(), warning);
  ASSERT_TRUE(config) << warning;
  EXPECT_EQ(config->port, 80);
  EXPECT_EQ(config->target, "/v1/traces");
}

TEST(OtlpConfigTest, SaysWhyItDoesNotExport) {
  std::string warning;
  FakeEnvironment env;
  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"},
                {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}};
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_NE(warning.find("gRPC is not supported"), std::string::npos) << warning;

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"}};
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_NE(warning.find("https"), std::string::npos) << warning;

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                {"OTEL_TRACES_EXPORTER", "none"}};
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_EQ(warning, "");

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                {"OTEL_SDK_DISABLED", "TRUE"}};
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_EQ(warning, "");

  env.values = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:notaport"}};
  EXPECT_FALSE(OtlpConfig::fromEnvironment(env.lookup(), warning));
  EXPECT_NE(warning.find("collector:notaport"), std::string::npos) << warning;
}

// A collector on a loopback port: keeps each request for the test.
class FakeCollector {
 public:
  FakeCollector() {
    server_ = std::make_unique<http::HttpServer>(
        io_, [this](HttpRequest&& request, http::Responder responder) {
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(request));
          }
          arrived_.notify_all();
          responder.send(HttpResponse{200, {{"Content-Type", "application/x-protobuf"}}, ""});
        });
    std::string error;
    port_ = server_->listen("127.0.0.1", 0, error);
    EXPECT_NE(port_, 0) << error;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeCollector() {
    server_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  // The requests so far once there are at least `count` (or after 30 s).
  std::vector<HttpRequest> waitFor(size_t count) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(30), [&] { return requests_.size() >= count; });
    std::vector<HttpRequest> out;
    for (const auto& r : requests_) {
      out.push_back(HttpRequest{r.method, r.target, r.headers, r.body, r.sourceIp, r.protocol, {}});
    }
    return out;
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<HttpRequest> requests_;
};

TEST(OtlpExporterTest, PostsRecordedSpansToTheCollector) {
  FakeCollector collector;
  FakeEnvironment env;
  env.values = {
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port())},
      {"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20t0ken"},
      {"OTEL_SERVICE_NAME", "shop"}};
  std::string warning;
  auto config = OtlpConfig::fromEnvironment(env.lookup(), warning);
  ASSERT_TRUE(config) << warning;
  config->maxBatch = 2;
  auto exporter = std::make_unique<OtlpExporter>(*config);
  OtlpExporter* exporterView = exporter.get();
  TraceRecorder recorder({}, std::move(exporter));

  Span first = sampleSpan();
  Span second = sampleSpan();
  second.spanId = "00000000000000b2";
  second.name = "second";
  Span third = sampleSpan();
  third.spanId = "00000000000000c3";
  third.name = "third";
  recorder.record(first);
  recorder.record(second);
  recorder.record(third);
  recorder.stop();  // Sends the partial batch too.
  EXPECT_EQ(exporterView->exportedSpans(), 3u) << exporterView->lastError();
  EXPECT_EQ(exporterView->failedSpans(), 0u);

  auto requests = collector.waitFor(2);
  ASSERT_EQ(requests.size(), 2u);  // Batches of two.
  std::vector<std::string> names;
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/v1/traces");
    const HttpHeader* type = findHeader(request.headers, "Content-Type");
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(type->value, "application/x-protobuf");
    const HttpHeader* auth = findHeader(request.headers, "authorization");
    ASSERT_NE(auth, nullptr);
    EXPECT_EQ(auth->value, "Bearer t0ken");
    std::map<std::string, std::string> resource;
    for (const auto& span : spansOf(request.body, &resource)) {
      names.push_back(one(span, 5).bytes);
      EXPECT_EQ(hex(one(span, 1).bytes), "5759e988bd862e3fe1be46a994272793");
    }
    EXPECT_EQ(resource["service.name"], "shop");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"my-service-dev-hello", "second", "third"}));
}

TEST(OtlpExporterTest, SendsJsonAndCountsFailures) {
  FakeCollector collector;
  OtlpConfig config;
  config.host = "127.0.0.1";
  config.port = collector.port();
  config.endpoint = "http://127.0.0.1/v1/traces";
  config.protocol = OtlpProtocol::kJson;
  {
    OtlpExporter exporter(config);
    exporter.enqueue({sampleSpan()});
    exporter.stop();
    EXPECT_EQ(exporter.exportedSpans(), 1u);
  }
  auto requests = collector.waitFor(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(findHeader(requests[0].headers, "Content-Type")->value, "application/json");
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"], "53995c3f42cd8ad8");

  // Nothing listens on port 1: the batch fails, is counted, and stop() still returns.
  config.port = 1;
  config.maxQueued = 2;
  OtlpExporter broken(config);
  broken.enqueue({sampleSpan(), sampleSpan(), sampleSpan()});
  broken.stop();
  EXPECT_EQ(broken.droppedSpans(), 1u);
  EXPECT_EQ(broken.failedSpans(), 2u);
  EXPECT_NE(broken.lastError(), "");
}

TEST(OtlpExporterTest, SendsAPartialBatchWhenItsIntervalEnds) {
  FakeCollector collector;
  OtlpConfig config;
  config.host = "127.0.0.1";
  config.port = collector.port();
  config.interval = std::chrono::milliseconds(20);
  OtlpExporter exporter(config);
  exporter.enqueue({sampleSpan()});
  // No stop(): the one-span batch goes out on its own once the interval has passed.
  auto requests = collector.waitFor(1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(spansOf(requests[0].body).size(), 1u);
  exporter.stop();
}

}  // namespace
}  // namespace nimbus::observe
