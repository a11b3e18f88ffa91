#include "aws/xray/xray_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "observe/trace_recorder.h"

namespace nimbus::aws::xray {
namespace {

using json = nlohmann::json;

constexpr const char* kRoot = "1-5759e988-bd862e3fe1be46a994272793";
constexpr double kStart = 1700000000.5;  // Epoch seconds.

HttpRequest post(std::string target, const json& body) {
  HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = body.dump();
  return request;
}

std::string header(const HttpResponse& response, std::string_view name) {
  const HttpHeader* h = findHeader(response.headers, name);
  return h ? h->value : std::string();
}

// A function's segment with one nested subsegment (a DynamoDB call that answered an error), as
// the X-Ray SDKs send it.
json handlerSegment() {
  return json{{"trace_id", kRoot},
              {"id", "70de5b6f19ff9a0a"},
              {"parent_id", "53995c3f42cd8ad8"},
              {"name", "my-service-dev-hello"},
              {"origin", "AWS::Lambda::Function"},
              {"start_time", kStart + 0.010},
              {"end_time", kStart + 0.210},
              {"http",
               {{"request", {{"method", "GET"}, {"url", "https://example.com/hello"}}},
                {"response", {{"status", 200}}}}},
              {"annotations", {{"customer", "c-42"}}},
              {"subsegments",
               json::array({{{"id", "0123456789abcdef"},
                             {"name", "DynamoDB"},
                             {"namespace", "aws"},
                             {"start_time", kStart + 0.050},
                             {"end_time", kStart + 0.090},
                             {"error", true},
                             {"aws", {{"operation", "GetItem"}, {"table_name", "items"}}}}})}};
}

class XRayServiceTest : public ::testing::Test {
 protected:
  json call(const std::string& target, const json& body, int expectStatus = 200) {
    HttpResponse response = service_.answer(post(target, body));
    EXPECT_EQ(response.status, expectStatus) << response.body;
    EXPECT_FALSE(header(response, "x-amzn-RequestId").empty());
    return json::parse(response.body);
  }

  observe::TraceRecorder recorder_;
  XRayService service_{recorder_};
};

TEST_F(XRayServiceTest, SegmentsRoundTripThroughSummariesAndBatchGetTraces) {
  // nimbus's own API Gateway span is the parent of the function's segment.
  observe::Span gateway;
  gateway.traceRoot = kRoot;
  gateway.spanId = "53995c3f42cd8ad8";
  gateway.name = "GET /hello";
  gateway.kind = "server";
  gateway.origin = "AWS::ApiGateway::Stage";
  gateway.startNs = 1700000000'500000000;
  gateway.endNs = 1700000000'800000000;
  gateway.attributes = {{"http.request.method", "GET"}, {"http.response.status", "200"}};
  recorder_.record(gateway);

  json independent{
      {"trace_id", kRoot},         {"id", "00000000000000aa"}, {"parent_id", "70de5b6f19ff9a0a"},
      {"type", "subsegment"},      {"name", "render"},         {"start_time", kStart + 0.100},
      {"end_time", kStart + 0.150}};
  json put =
      call("/TraceSegments",
           {{"TraceSegmentDocuments",
             json::array({handlerSegment().dump(), independent.dump(),
                          json{{"trace_id", kRoot}, {"name", "x"}, {"start_time", kStart}}.dump(),
                          "not json"})}});
  ASSERT_EQ(put["UnprocessedTraceSegments"].size(), 2u) << put.dump();
  EXPECT_EQ(put["UnprocessedTraceSegments"][0]["ErrorCode"], "MissingId");
  EXPECT_EQ(put["UnprocessedTraceSegments"][0]["Message"], "Invalid segment. ErrorCode: MissingId");
  EXPECT_EQ(put["UnprocessedTraceSegments"][1]["ErrorCode"], "InvalidDocument");

  // The subsegment became a child span of the segment, in the same trace as nimbus's span.
  auto spans = recorder_.trace(kRoot);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[1].name, "my-service-dev-hello");
  EXPECT_EQ(spans[1].parentId, "53995c3f42cd8ad8");
  EXPECT_EQ(spans[1].kind, "server");
  EXPECT_EQ(spans[2].name, "DynamoDB");
  EXPECT_EQ(spans[2].parentId, "70de5b6f19ff9a0a");
  EXPECT_EQ(spans[2].kind, "client");
  EXPECT_TRUE(spans[2].error);
  EXPECT_NE(std::find(spans[2].attributes.begin(), spans[2].attributes.end(),
                      std::pair<std::string, std::string>{"aws.operation", "GetItem"}),
            spans[2].attributes.end());

  json summaries = call("/TraceSummaries", {{"StartTime", kStart - 60}, {"EndTime", kStart + 60}});
  ASSERT_EQ(summaries["TraceSummaries"].size(), 1u) << summaries.dump();
  const json& summary = summaries["TraceSummaries"][0];
  EXPECT_EQ(summary["Id"], kRoot);
  EXPECT_NEAR(summary["Duration"].get<double>(), 0.3, 1e-6);
  EXPECT_NEAR(summary["ResponseTime"].get<double>(), 0.3, 1e-6);  // The entry point's.
  EXPECT_NEAR(summary["StartTime"].get<double>(), kStart, 1e-6);
  EXPECT_EQ(summary["HasError"], true);
  EXPECT_EQ(summary["HasFault"], false);
  EXPECT_EQ(summary["EntryPoint"]["Name"], "GET /hello");
  EXPECT_EQ(summary["EntryPoint"]["Type"], "AWS::ApiGateway::Stage");
  EXPECT_EQ(summary["Http"]["HttpMethod"], "GET");
  EXPECT_EQ(summary["Http"]["HttpStatus"], 200);
  ASSERT_EQ(summary["ServiceIds"].size(), 2u);
  EXPECT_EQ(summary["ServiceIds"][1]["Name"], "my-service-dev-hello");
  EXPECT_EQ(summary["ServiceIds"][1]["Type"], "AWS::Lambda::Function");
  EXPECT_EQ(summaries["TracesProcessedCount"], 1);

  json none = call("/TraceSummaries", {{"StartTime", kStart + 60}, {"EndTime", kStart + 120}});
  EXPECT_TRUE(none["TraceSummaries"].empty());

  const std::string unknown = "1-5759e988-000000000000000000000000";
  json got = call("/Traces", {{"TraceIds", {kRoot, unknown}}});
  EXPECT_EQ(got["UnprocessedTraceIds"], json::array({unknown}));
  ASSERT_EQ(got["Traces"].size(), 1u);
  const json& trace = got["Traces"][0];
  EXPECT_EQ(trace["Id"], kRoot);
  EXPECT_NEAR(trace["Duration"].get<double>(), 0.3, 1e-6);
  ASSERT_EQ(trace["Segments"].size(), 2u) << trace.dump();
  json gatewayDoc = json::parse(trace["Segments"][0]["Document"].get<std::string>());
  EXPECT_EQ(trace["Segments"][0]["Id"], "53995c3f42cd8ad8");
  EXPECT_EQ(gatewayDoc["name"], "GET /hello");
  EXPECT_EQ(gatewayDoc["origin"], "AWS::ApiGateway::Stage");
  EXPECT_EQ(gatewayDoc["http"]["response"]["status"], 200);
  EXPECT_FALSE(gatewayDoc.contains("parent_id"));

  json doc = json::parse(trace["Segments"][1]["Document"].get<std::string>());
  EXPECT_EQ(doc["id"], "70de5b6f19ff9a0a");
  EXPECT_EQ(doc["trace_id"], kRoot);
  EXPECT_EQ(doc["parent_id"], "53995c3f42cd8ad8");
  EXPECT_EQ(doc["name"], "my-service-dev-hello");
  EXPECT_EQ(doc["origin"], "AWS::Lambda::Function");
  EXPECT_NEAR(doc["start_time"].get<double>(), kStart + 0.010, 1e-6);
  EXPECT_NEAR(doc["end_time"].get<double>(), kStart + 0.210, 1e-6);
  EXPECT_EQ(doc["http"]["request"]["method"], "GET");
  EXPECT_EQ(doc["http"]["response"]["status"], 200);
  EXPECT_EQ(doc["annotations"]["customer"], "c-42");
  // Both subsegments are nested in their segment: the one sent inside it and the one sent alone.
  ASSERT_EQ(doc["subsegments"].size(), 2u) << doc.dump();
  const json& dynamo = doc["subsegments"][0];
  EXPECT_EQ(dynamo["id"], "0123456789abcdef");
  EXPECT_EQ(dynamo["name"], "DynamoDB");
  EXPECT_EQ(dynamo["namespace"], "aws");
  EXPECT_EQ(dynamo["error"], true);
  EXPECT_EQ(dynamo["aws"]["operation"], "GetItem");
  EXPECT_EQ(dynamo["aws"]["table_name"], "items");
  EXPECT_EQ(doc["subsegments"][1]["name"], "render");
}

TEST_F(XRayServiceTest, AnInProgressSegmentIsReplacedWhenItCompletes) {
  json open{{"trace_id", kRoot},
            {"id", "70de5b6f19ff9a0a"},
            {"name", "job"},
            {"start_time", kStart},
            {"in_progress", true}};
  call("/TraceSegments", {{"TraceSegmentDocuments", {open.dump()}}});
  json got = call("/Traces", {{"TraceIds", {kRoot}}});
  json doc = json::parse(got["Traces"][0]["Segments"][0]["Document"].get<std::string>());
  EXPECT_EQ(doc["in_progress"], true);
  EXPECT_FALSE(doc.contains("end_time"));

  json done = open;
  done.erase("in_progress");
  done["end_time"] = kStart + 2;
  done["fault"] = true;
  call("/TraceSegments", {{"TraceSegmentDocuments", {done.dump()}}});
  got = call("/Traces", {{"TraceIds", {kRoot}}});
  ASSERT_EQ(got["Traces"][0]["Segments"].size(), 1u);
  doc = json::parse(got["Traces"][0]["Segments"][0]["Document"].get<std::string>());
  EXPECT_FALSE(doc.contains("in_progress"));
  EXPECT_EQ(doc["fault"], true);
  json summaries = call("/TraceSummaries", {{"StartTime", kStart - 1}, {"EndTime", kStart + 1}});
  ASSERT_EQ(summaries["TraceSummaries"].size(), 1u);
  EXPECT_EQ(summaries["TraceSummaries"][0]["HasFault"], true);
  EXPECT_EQ(summaries["TraceSummaries"][0]["HasError"], false);
  EXPECT_NEAR(summaries["TraceSummaries"][0]["Duration"].get<double>(), 2.0, 1e-6);
}

TEST_F(XRayServiceTest, RejectsInvalidSegmentsWithXRaysErrorCodes) {
  auto codeFor = [&](const json& document) {
    json put = call("/TraceSegments", {{"TraceSegmentDocuments", {document.dump()}}});
    return put["UnprocessedTraceSegments"].empty()
               ? std::string()
               : put["UnprocessedTraceSegments"][0]["ErrorCode"].get<std::string>();
  };
  json good{{"trace_id", kRoot},
            {"id", "70de5b6f19ff9a0a"},
            {"name", "ok"},
            {"start_time", kStart},
            {"end_time", kStart + 1}};
  EXPECT_EQ(codeFor(good), "");
  auto without = [&](const char* key) {
    json d = good;
    d.erase(key);
    return d;
  };
  auto with = [&](const char* key, json value) {
    json d = good;
    d[key] = std::move(value);
    return d;
  };
  EXPECT_EQ(codeFor(without("trace_id")), "MissingTraceId");
  EXPECT_EQ(codeFor(with("trace_id", "1-abc")), "InvalidTraceId");
  EXPECT_EQ(codeFor(without("id")), "MissingId");
  EXPECT_EQ(codeFor(with("id", "xyz")), "InvalidId");
  EXPECT_EQ(codeFor(without("name")), "MissingName");
  EXPECT_EQ(codeFor(with("name", std::string(201, 'n'))), "InvalidName");
  EXPECT_EQ(codeFor(without("start_time")), "MissingStartTime");
  EXPECT_EQ(codeFor(without("end_time")), "MissingEndTime");
  EXPECT_EQ(codeFor(with("in_progress", "yes")), "");  // Not true: end_time counts.
  EXPECT_EQ(codeFor(with("type", "subsegment")), "MissingParentId");
  json badChild = with("subsegments", json::array({{{"id", "0123456789abcdef"}}}));
  json put = call("/TraceSegments", {{"TraceSegmentDocuments", {badChild.dump()}}});
  ASSERT_EQ(put["UnprocessedTraceSegments"].size(), 1u);
  EXPECT_EQ(put["UnprocessedTraceSegments"][0]["Id"], "70de5b6f19ff9a0a");
  EXPECT_EQ(put["UnprocessedTraceSegments"][0]["Message"],
            "Invalid subsegment. ErrorCode: MissingName");
}

TEST_F(XRayServiceTest, AnswersBadRequestsAsXRayDoes) {
  HttpResponse response = service_.answer(post("/TraceSummaries", {{"EndTime", kStart}}));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(header(response, "x-amzn-ErrorType"), "InvalidRequestException");
  EXPECT_TRUE(json::parse(response.body).contains("Message"));

  response = service_.answer(post("/TraceSummaries", {{"StartTime", kStart}, {"EndTime", 1}}));
  EXPECT_EQ(response.status, 400);
  response = service_.answer(post("/TraceSegments", json::object()));
  EXPECT_EQ(response.status, 400);
  response = service_.answer(post("/Traces", {{"TraceIds", 5}}));
  EXPECT_EQ(response.status, 400);

  HttpRequest garbage = post("/Traces", {});
  garbage.body = "{not json";
  EXPECT_EQ(service_.answer(garbage).status, 400);
  response = service_.answer(post("/SamplingRules", json::object()));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(header(response, "x-amzn-ErrorType"), "UnknownOperationException");
}

// Collects what handle() sends.
class CapturingSink : public http::Responder::Sink {
 public:
  explicit CapturingSink(HttpResponse& out) : out_(out) {}
  void respond(HttpResponse&& response) override { out_ = std::move(response); }
  void abandon() override {}

 private:
  HttpResponse& out_;
};

TEST_F(XRayServiceTest, HandleAnswersThroughTheResponder) {
  HttpResponse answered;
  answered.status = 0;
  service_.handle(post("/Traces", {{"TraceIds", json::array()}}), RequestIdentity{"xray", "", ""},
                  http::Responder(std::make_shared<CapturingSink>(answered)));
  EXPECT_EQ(answered.status, 200);
  EXPECT_EQ(json::parse(answered.body)["Traces"], json::array());
}

}  // namespace
}  // namespace nimbus::aws::xray
