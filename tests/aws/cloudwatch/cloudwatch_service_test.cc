// The CloudWatch metrics API through CloudWatchService::handle, in each of its three wire
// protocols (awsQuery, JSON 1.0, Smithy RPC v2 CBOR): answers and errors as CloudWatch gives
// them, and datapoints that survive a restart.
#include "aws/cloudwatch/cloudwatch_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "cloudwatch_test_support.h"
#include "core/ids.h"

namespace nimbus::aws::cloudwatch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace testing;

// 2026-12-08T12:00:00Z, the tests' "now".
constexpr int64_t kNowMs = 1'796'731'200'000;

class CloudWatchServiceTest : public ::testing::Test {
 protected:
  CloudWatchSettings settings(std::string dataDir = "") {
    CloudWatchSettings s;
    s.dataDir = std::move(dataDir);
    s.nowMs = [this] { return now; };
    return s;
  }

  int64_t now = kNowMs;
  CloudWatchService service{settings()};
};

TEST_F(CloudWatchServiceTest, QueryProtocolPutsAndReadsStatistics) {
  auto put = call(service, queryRequest("PutMetricData",
                                        {{"Namespace", "App"},
                                         {"MetricData.member.1.MetricName", "Latency"},
                                         {"MetricData.member.1.Dimensions.member.1.Name", "Route"},
                                         {"MetricData.member.1.Dimensions.member.1.Value", "/a"},
                                         {"MetricData.member.1.Timestamp", "2026-12-08T11:50:10Z"},
                                         {"MetricData.member.1.Value", "10"},
                                         {"MetricData.member.1.Unit", "Milliseconds"},
                                         {"MetricData.member.2.MetricName", "Latency"},
                                         {"MetricData.member.2.Dimensions.member.1.Name", "Route"},
                                         {"MetricData.member.2.Dimensions.member.1.Value", "/a"},
                                         {"MetricData.member.2.Timestamp", "2026-12-08T11:50:40Z"},
                                         {"MetricData.member.2.Values.member.1", "20"},
                                         {"MetricData.member.2.Values.member.2", "30"},
                                         {"MetricData.member.2.Counts.member.1", "1"},
                                         {"MetricData.member.2.Counts.member.2", "2"},
                                         {"MetricData.member.2.Unit", "Milliseconds"}}));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(header(put, "Content-Type"), "text/xml");
  EXPECT_NE(put.body.find("<PutMetricDataResponse "
                          "xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
                          "<ResponseMetadata><RequestId>"),
            std::string::npos)
      << put.body;
  EXPECT_EQ(put.body.find("PutMetricDataResult"), std::string::npos);

  auto get =
      call(service, queryRequest("GetMetricStatistics", {{"Namespace", "App"},
                                                         {"MetricName", "Latency"},
                                                         {"Dimensions.member.1.Name", "Route"},
                                                         {"Dimensions.member.1.Value", "/a"},
                                                         {"StartTime", "2026-12-08T11:00:00Z"},
                                                         {"EndTime", "2026-12-08T12:00:00Z"},
                                                         {"Period", "300"},
                                                         {"Statistics.member.1", "Average"},
                                                         {"Statistics.member.2", "SampleCount"},
                                                         {"Statistics.member.3", "Maximum"},
                                                         {"ExtendedStatistics.member.1", "p50"}}));
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_NE(get.body.find("<GetMetricStatisticsResult><Label>Latency</Label><Datapoints><member>"
                          "<Timestamp>2026-12-08T11:50:00Z</Timestamp>"
                          "<SampleCount>4</SampleCount><Average>22.5</Average>"
                          "<Maximum>30</Maximum><Unit>Milliseconds</Unit>"
                          "<ExtendedStatistics><entry><key>p50</key><value>"),
            std::string::npos)
      << get.body;
  double p50 = std::stod(xmlValue(get.body, "value"));
  EXPECT_NEAR(p50, 20, 0.2);
}

TEST_F(CloudWatchServiceTest, QueryProtocolErrorsAreCloudWatchs) {
  auto reserved =
      call(service, queryRequest("PutMetricData", {{"Namespace", "AWS/Lambda"},
                                                   {"MetricData.member.1.MetricName", "M"},
                                                   {"MetricData.member.1.Value", "1"}}));
  EXPECT_EQ(reserved.status, 400);
  EXPECT_EQ(xmlValue(reserved.body, "Type"), "Sender");
  EXPECT_EQ(xmlValue(reserved.body, "Code"), "InvalidParameterValue");
  EXPECT_EQ(xmlValue(reserved.body, "Message"),
            "The value AWS/ for parameter Namespace is invalid.");
  EXPECT_NE(reserved.body.find("<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/"
                               "2010-08-01/\">"),
            std::string::npos);

  auto missing =
      call(service, queryRequest("PutMetricData", {{"MetricData.member.1.MetricName", "M"},
                                                   {"MetricData.member.1.Value", "1"}}));
  EXPECT_EQ(xmlValue(missing.body, "Code"), "MissingParameter");
  EXPECT_EQ(xmlValue(missing.body, "Message"), "The parameter Namespace is required.");

  auto noName = call(service, queryRequest("PutMetricData", {{"Namespace", "App"},
                                                             {"MetricData.member.1.Value", "1"}}));
  EXPECT_EQ(xmlValue(noName.body, "Message"),
            "The parameter MetricData.member.1.MetricName is required.");

  auto both = call(service, queryRequest("PutMetricData",
                                         {{"Namespace", "App"},
                                          {"MetricData.member.1.MetricName", "M"},
                                          {"MetricData.member.1.Value", "1"},
                                          {"MetricData.member.1.StatisticValues.SampleCount", "1"},
                                          {"MetricData.member.1.StatisticValues.Sum", "1"},
                                          {"MetricData.member.1.StatisticValues.Minimum", "1"},
                                          {"MetricData.member.1.StatisticValues.Maximum", "1"}}));
  EXPECT_EQ(xmlValue(both.body, "Code"), "InvalidParameterCombination");
  EXPECT_EQ(xmlValue(both.body, "Message"),
            "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues "
            "are mutually exclusive and you have specified both.");

  auto resolution = call(
      service, queryRequest("PutMetricData", {{"Namespace", "App"},
                                              {"MetricData.member.1.MetricName", "M"},
                                              {"MetricData.member.1.Value", "1"},
                                              {"MetricData.member.1.StorageResolution", "5"}}));
  EXPECT_EQ(xmlValue(resolution.body, "Message"),
            "The value 5 for parameter MetricData.member.1.StorageResolution is invalid.");

  auto nan = call(service, queryRequest("PutMetricData", {{"Namespace", "App"},
                                                          {"MetricData.member.1.MetricName", "M"},
                                                          {"MetricData.member.1.Value", "NaN"}}));
  EXPECT_EQ(xmlValue(nan.body, "Code"), "InvalidParameterValue");

  Params many = {{"Namespace", "App"}};
  for (int i = 1; i <= 1001; ++i) {
    many.emplace_back(fmt::format("MetricData.member.{}.MetricName", i), "M");
    many.emplace_back(fmt::format("MetricData.member.{}.Value", i), "1");
  }
  auto tooMany = call(service, queryRequest("PutMetricData", many));
  EXPECT_EQ(xmlValue(tooMany.body, "Code"), "InvalidParameterValue");
  EXPECT_EQ(xmlValue(tooMany.body, "Message"),
            "The collection MetricData must not have a size greater than 1000.");

  Params dims = {{"Namespace", "App"},
                 {"MetricData.member.1.MetricName", "M"},
                 {"MetricData.member.1.Value", "1"}};
  for (int i = 1; i <= 31; ++i) {
    dims.emplace_back(fmt::format("MetricData.member.1.Dimensions.member.{}.Name", i),
                      fmt::format("d{}", i));
    dims.emplace_back(fmt::format("MetricData.member.1.Dimensions.member.{}.Value", i), "v");
  }
  auto tooManyDims = call(service, queryRequest("PutMetricData", dims));
  EXPECT_EQ(xmlValue(tooManyDims.body, "Message"),
            "The collection MetricData.member.1.Dimensions must not have a size greater than 30.");

  auto old = call(
      service,
      queryRequest("PutMetricData", {{"Namespace", "App"},
                                     {"MetricData.member.1.MetricName", "M"},
                                     {"MetricData.member.1.Value", "1"},
                                     {"MetricData.member.1.Timestamp", "2026-11-01T00:00:00Z"}}));
  EXPECT_EQ(xmlValue(old.body, "Code"), "InvalidParameterValue");

  auto span =
      call(service, queryRequest("GetMetricStatistics", {{"Namespace", "App"},
                                                         {"MetricName", "M"},
                                                         {"StartTime", "2026-12-07T11:59:00Z"},
                                                         {"EndTime", "2026-12-08T12:00:00Z"},
                                                         {"Period", "60"},
                                                         {"Statistics.member.1", "Sum"}}));
  EXPECT_EQ(xmlValue(span.body, "Code"), "InvalidParameterCombination");
  EXPECT_EQ(xmlValue(span.body, "Message"),
            "You have requested up to 1,441 datapoints, which exceeds the limit of 1,440. You may "
            "reduce the datapoints requested by increasing Period, or decreasing the time range.");

  auto period =
      call(service, queryRequest("GetMetricStatistics", {{"Namespace", "App"},
                                                         {"MetricName", "M"},
                                                         {"StartTime", "2026-12-08T11:00:00Z"},
                                                         {"EndTime", "2026-12-08T12:00:00Z"},
                                                         {"Period", "90"},
                                                         {"Statistics.member.1", "Sum"}}));
  EXPECT_EQ(xmlValue(period.body, "Code"), "InvalidParameterValue");

  auto unknown = call(service, queryRequest("DescribeNothing", {}));
  EXPECT_EQ(xmlValue(unknown.body, "Code"), "InvalidAction");
}

TEST_F(CloudWatchServiceTest, JsonProtocolPutsAndQueriesWithMetricMath) {
  double t1 = static_cast<double>(kNowMs - 600'000) / 1000;  // 11:50:00
  json put = {
      {"Namespace", "Shop"},
      {"MetricData",
       {{{"MetricName", "Orders"},
         {"Timestamp", t1 + 5},
         {"Values", {1, 2}},
         {"Counts", {3, 1}},
         {"Unit", "Count"},
         {"StorageResolution", 1}},
        {{"MetricName", "Orders"}, {"Timestamp", t1 + 65}, {"Value", 4}, {"Unit", "Count"}}}}};
  auto answer = call(service, jsonRequest("PutMetricData", put));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(header(answer, "Content-Type"), "application/x-amz-json-1.0");

  json query = {{"StartTime", t1},
                {"EndTime", t1 + 600},
                {"ScanBy", "TimestampAscending"},
                {"MetricDataQueries",
                 {{{"Id", "m1"},
                   {"MetricStat",
                    {{"Metric", {{"Namespace", "Shop"}, {"MetricName", "Orders"}}},
                     {"Period", 60},
                     {"Stat", "Sum"}}},
                   {"ReturnData", false}},
                  {{"Id", "e1"}, {"Expression", "m1 * 2 + 1"}, {"Label", "Doubled"}},
                  {{"Id", "e2"}, {"Expression", "SUM([m1, e1])"}}}}};
  auto data = call(service, jsonRequest("GetMetricData", query));
  ASSERT_EQ(data.status, 200) << data.body;
  json body = json::parse(data.body);
  ASSERT_EQ(body["MetricDataResults"].size(), 2u) << data.body;
  const json& e1 = body["MetricDataResults"][0];
  EXPECT_EQ(e1["Id"], "e1");
  EXPECT_EQ(e1["Label"], "Doubled");
  EXPECT_EQ(e1["StatusCode"], "Complete");
  EXPECT_EQ(e1["Timestamps"], json({t1, t1 + 60}));
  EXPECT_EQ(e1["Values"], json({11.0, 9.0}));  // Sums 5 and 4.
  EXPECT_EQ(body["MetricDataResults"][1]["Values"], json({16.0, 13.0}));
  EXPECT_FALSE(body.contains("NextToken"));

  // Pages of one datapoint, newest first.
  query["MaxDatapoints"] = 1;
  query.erase("ScanBy");
  query["MetricDataQueries"][1].erase("Label");
  auto page = json::parse(call(service, jsonRequest("GetMetricData", query)).body);
  EXPECT_EQ(page["MetricDataResults"][0]["Timestamps"], json({t1 + 60}));
  EXPECT_EQ(page["MetricDataResults"][0]["Label"], "e1");
  EXPECT_EQ(page["MetricDataResults"][0]["StatusCode"], "PartialData");
  ASSERT_TRUE(page.contains("NextToken"));
  query["NextToken"] = page["NextToken"];
  auto next = json::parse(call(service, jsonRequest("GetMetricData", query)).body);
  EXPECT_EQ(next["MetricDataResults"][0]["Timestamps"], json({t1}));
}

TEST_F(CloudWatchServiceTest, JsonProtocolErrorsAreQueryCompatible) {
  auto answer = call(service, jsonRequest("PutMetricData",
                                          {{"Namespace", "AWS/EC2"},
                                           {"MetricData", {{{"MetricName", "M"}, {"Value", 1}}}}}));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(header(answer, "x-amzn-query-error"), "InvalidParameterValue;Sender");
  json body = json::parse(answer.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(body["message"], "The value AWS/ for parameter Namespace is invalid.");

  auto missing = call(service, jsonRequest("GetMetricStatistics", {{"Namespace", "App"}}));
  EXPECT_EQ(header(missing, "x-amzn-query-error"), "MissingParameter;Sender");
  EXPECT_EQ(json::parse(missing.body)["__type"],
            "com.amazonaws.cloudwatch#MissingRequiredParameterException");

  auto unknown = call(service, jsonRequest("Nothing", json::object()));
  EXPECT_EQ(json::parse(unknown.body)["__type"],
            "com.amazonaws.cloudwatch#UnknownOperationException");

  HttpRequest broken = jsonRequest("ListMetrics", json::object());
  broken.body = "{not json";
  auto bad = call(service, std::move(broken));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["__type"], "com.amazonaws.cloudwatch#SerializationException");

  auto math = call(
      service, jsonRequest("GetMetricData",
                           {{"StartTime", 1796730000},
                            {"EndTime", 1796731200},
                            {"MetricDataQueries", {{{"Id", "e1"}, {"Expression", "m9 + 1"}}}}}));
  EXPECT_EQ(math.status, 400);
  EXPECT_NE(json::parse(math.body)["message"].get<std::string>().find("Error in expression e1"),
            std::string::npos);
}

TEST_F(CloudWatchServiceTest, JsonProtocolTakesGzipBodies) {
  json put = {{"Namespace", "App"}, {"MetricData", {{{"MetricName", "Zipped"}, {"Value", 7}}}}};
  HttpRequest request = jsonRequest("PutMetricData", put);
  request.body = gzip(request.body);
  request.headers.push_back({"Content-Encoding", "gzip"});
  auto answer = call(service, std::move(request));
  ASSERT_EQ(answer.status, 200) << answer.body;
  auto list = json::parse(call(service, jsonRequest("ListMetrics", json::object())).body);
  ASSERT_EQ(list["Metrics"].size(), 1u);
  EXPECT_EQ(list["Metrics"][0]["MetricName"], "Zipped");
}

TEST_F(CloudWatchServiceTest, PayloadsAboveOneMegabyteAreRefused) {
  json datum = {{"MetricName", "M"}, {"Value", 1}, {"Dimensions", json::array()}};
  for (int i = 0; i < 30; ++i) {
    datum["Dimensions"].push_back(
        {{"Name", fmt::format("d{}", i)}, {"Value", std::string(1000, 'v')}});
  }
  json put = {{"Namespace", "App"}, {"MetricData", json::array()}};
  for (int i = 0; i < 40; ++i) put["MetricData"].push_back(datum);
  auto answer = call(service, jsonRequest("PutMetricData", put));
  EXPECT_EQ(answer.status, 413);
  EXPECT_EQ(header(answer, "x-amzn-query-error"), "RequestEntityTooLarge;Sender");
}

TEST_F(CloudWatchServiceTest, CborProtocolPutsReadsAndLists) {
  int64_t t = kNowMs - 120'000;  // 11:58:00
  WireValue dims = WireValue::list().push(WireValue::structure()
                                              .set("Name", WireValue::string("FunctionName"))
                                              .set("Value", WireValue::string("api")));
  WireValue datum = WireValue::structure()
                        .set("MetricName", WireValue::string("Duration"))
                        .set("Dimensions", dims)
                        .set("Timestamp", WireValue::timestamp(t + 1500))
                        .set("StatisticValues", WireValue::structure()
                                                    .set("SampleCount", WireValue::number(4))
                                                    .set("Sum", WireValue::number(40))
                                                    .set("Minimum", WireValue::number(5))
                                                    .set("Maximum", WireValue::number(15)))
                        .set("Unit", WireValue::string("Milliseconds"));
  WireValue put = WireValue::structure()
                      .set("Namespace", WireValue::string("Custom/Fn"))
                      .set("MetricData", WireValue::list().push(datum));
  auto answer = call(service, cborRequest("PutMetricData", put));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(header(answer, "smithy-protocol"), "rpc-v2-cbor");
  EXPECT_EQ(header(answer, "Content-Type"), "application/cbor");

  WireValue get = WireValue::structure()
                      .set("Namespace", WireValue::string("Custom/Fn"))
                      .set("MetricName", WireValue::string("Duration"))
                      .set("Dimensions", dims)
                      .set("StartTime", WireValue::timestamp(kNowMs - 3'600'000))
                      .set("EndTime", WireValue::timestamp(kNowMs))
                      .set("Period", WireValue::integer(60))
                      .set("Statistics", WireValue::list()
                                             .push(WireValue::string("Average"))
                                             .push(WireValue::string("Minimum")))
                      .set("ExtendedStatistics", WireValue::list().push(WireValue::string("p90")));
  auto stats = call(service, cborRequest("GetMetricStatistics", get));
  ASSERT_EQ(stats.status, 200);
  // The datapoint's Timestamp is tag 1 (0xc1) around epoch seconds.
  EXPECT_NE(stats.body.find("\xc1\x1a"), std::string::npos);
  json body = decodeCbor(stats.body);
  ASSERT_EQ(body["Datapoints"].size(), 1u) << body.dump();
  const json& point = body["Datapoints"][0];
  EXPECT_EQ(point["Timestamp"], t / 1000);
  EXPECT_EQ(point["Average"], 10.0);
  EXPECT_EQ(point["Minimum"], 5.0);
  EXPECT_EQ(point["Unit"], "Milliseconds");
  // A statistic set whose values spread gives no percentiles.
  EXPECT_TRUE(point["ExtendedStatistics"].empty());

  WireValue list = WireValue::structure()
                       .set("Namespace", WireValue::string("Custom/Fn"))
                       .set("Dimensions", WireValue::list().push(WireValue::structure().set(
                                              "Name", WireValue::string("FunctionName"))))
                       .set("RecentlyActive", WireValue::string("PT3H"));
  json metrics = decodeCbor(call(service, cborRequest("ListMetrics", list)).body);
  ASSERT_EQ(metrics["Metrics"].size(), 1u);
  EXPECT_EQ(metrics["Metrics"][0],
            json({{"Namespace", "Custom/Fn"},
                  {"MetricName", "Duration"},
                  {"Dimensions", {{{"Name", "FunctionName"}, {"Value", "api"}}}}}));

  // Four hours later the metric is no longer recently active, but still listed.
  now += 4 * 3'600'000;
  EXPECT_TRUE(decodeCbor(call(service, cborRequest("ListMetrics", list)).body)["Metrics"].empty());
  WireValue all = WireValue::structure();
  EXPECT_EQ(decodeCbor(call(service, cborRequest("ListMetrics", all)).body)["Metrics"].size(), 1u);
}

TEST_F(CloudWatchServiceTest, CborProtocolErrors) {
  WireValue put = WireValue::structure().set(
      "MetricData",
      WireValue::list().push(WireValue::structure().set("MetricName", WireValue::string("M"))));
  auto answer = call(service, cborRequest("PutMetricData", put));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(header(answer, "smithy-protocol"), "rpc-v2-cbor");
  EXPECT_EQ(header(answer, "x-amzn-query-error"), "MissingParameter;Sender");
  json body = decodeCbor(answer.body);
  EXPECT_EQ(body["__type"], "com.amazonaws.cloudwatch#MissingRequiredParameterException");
  EXPECT_EQ(body["message"], "The parameter Namespace is required.");

  HttpRequest garbage = cborRequest("ListMetrics", WireValue::structure());
  garbage.body = "\xff\x00";
  auto bad = call(service, std::move(garbage));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(decodeCbor(bad.body)["__type"], "com.amazonaws.cloudwatch#SerializationException");
}

TEST_F(CloudWatchServiceTest, ServiceMetricsAndRecentStatistics) {
  std::vector<Dimension> dims = {{"FunctionName", "svc-dev-api"}};
  for (int i = 1; i <= 10; ++i) {
    service.putServiceMetric("AWS/Lambda", "Duration", dims, i * 10.0, "Milliseconds",
                             kNowMs - 90'000);
  }
  service.putServiceMetric("AWS/Lambda", "Duration", dims, 500, "Milliseconds", kNowMs - 30'000);
  MetricIdentity metric{"AWS/Lambda", "Duration", dims};
  auto average = service.recentStatistics(metric, "Average", 60, 3);
  ASSERT_TRUE(average.ok());
  ASSERT_EQ(average->size(), 3u);
  EXPECT_FALSE((*average)[0].has_value());
  EXPECT_EQ((*average)[1], 55.0);
  EXPECT_EQ((*average)[2], 500.0);
  auto p90 = service.recentStatistics(metric, "p90", 120, 1);
  ASSERT_TRUE(p90.ok());
  EXPECT_NEAR(*(*p90)[0], 100, 1.0);
  EXPECT_FALSE(service.recentStatistics(metric, "Median", 60, 1).ok());

  // The AWS/ namespace is readable through the API, though PutMetricData refuses it.
  auto get = call(
      service, jsonRequest("GetMetricStatistics",
                           {{"Namespace", "AWS/Lambda"},
                            {"MetricName", "Duration"},
                            {"Dimensions", {{{"Name", "FunctionName"}, {"Value", "svc-dev-api"}}}},
                            {"StartTime", (kNowMs - 600'000) / 1000},
                            {"EndTime", kNowMs / 1000},
                            {"Period", 600},
                            {"Statistics", {"Sum", "Maximum"}}}));
  json body = json::parse(get.body);
  ASSERT_EQ(body["Datapoints"].size(), 1u) << get.body;
  EXPECT_EQ(body["Datapoints"][0]["Sum"], 1050.0);
  EXPECT_EQ(body["Datapoints"][0]["Maximum"], 500.0);
}

TEST_F(CloudWatchServiceTest, DatapointsSurviveARestart) {
  fs::path dir = fs::temp_directory_path() / ("nimbus-cw-" + newUuid());
  {
    CloudWatchService first(settings(dir.string()));
    EXPECT_TRUE(first.load().empty());
    auto put =
        call(first, queryRequest("PutMetricData", {{"Namespace", "App"},
                                                   {"MetricData.member.1.MetricName", "Hits"},
                                                   {"MetricData.member.1.Value", "3"},
                                                   {"MetricData.member.1.Unit", "Count"},
                                                   {"MetricData.member.2.MetricName", "Hits"},
                                                   {"MetricData.member.2.Value", "5"},
                                                   {"MetricData.member.2.Unit", "Count"}}));
    ASSERT_EQ(put.status, 200) << put.body;
    first.putServiceMetric("AWS/SQS", "NumberOfMessagesSent", {{"QueueName", "jobs"}}, 1, "Count");
    first.stop();
  }
  EXPECT_TRUE(fs::exists(dir / "metrics.db"));
  CloudWatchService second(settings(dir.string()));
  EXPECT_TRUE(second.load().empty());
  auto get =
      call(second, queryRequest("GetMetricStatistics", {{"Namespace", "App"},
                                                        {"MetricName", "Hits"},
                                                        {"StartTime", "2026-12-08T11:00:00Z"},
                                                        {"EndTime", "2026-12-08T12:01:00Z"},
                                                        {"Period", "3600"},
                                                        {"Statistics.member.1", "Sum"},
                                                        {"Statistics.member.2", "SampleCount"},
                                                        {"ExtendedStatistics.member.1", "p100"}}));
  EXPECT_EQ(xmlValue(get.body, "Sum"), "8") << get.body;
  EXPECT_EQ(xmlValue(get.body, "SampleCount"), "2");
  EXPECT_EQ(xmlValue(get.body, "value"), "5");
  auto list = call(second, queryRequest("ListMetrics", {}));
  EXPECT_EQ(count(list.body, "<MetricName>"), 2) << list.body;
  second.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nimbus::aws::cloudwatch
