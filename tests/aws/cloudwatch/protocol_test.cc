// The wire codecs: query parameters unflattened, CBOR and JSON written as the SDKs read them.
#include "aws/cloudwatch/protocol.h"

#include <gtest/gtest.h>

#include "aws/cloudwatch/cbor_reader.h"
#include "aws/cloudwatch/wire_value.h"

namespace nimbus::aws::cloudwatch {
namespace {

using nlohmann::json;

TEST(QueryParameters, UnflattenIntoListsAndStructures) {
  json tree = unflattenQuery({{"Namespace", "App"},
                              {"MetricData.member.2.MetricName", "B"},
                              {"MetricData.member.1.MetricName", "A"},
                              {"MetricData.member.1.Dimensions.member.1.Name", "d"},
                              {"MetricData.member.1.Values.member.3", "3"},
                              {"MetricData.member.1.Values.member.1", "1"},
                              {"MetricData.member.1.StatisticValues.Sum", "9"}});
  EXPECT_EQ(tree, json::parse(R"({"Namespace":"App","MetricData":[
      {"MetricName":"A","Dimensions":[{"Name":"d"}],"Values":["1","3"],
       "StatisticValues":{"Sum":"9"}},
      {"MetricName":"B"}]})"));
}

TEST(WireValue, CborTimestampsAreTagOne) {
  WireValue v = WireValue::structure()
                    .set("T", WireValue::timestamp(1'700'000'000'000))
                    .set("F", WireValue::timestamp(1'700'000'000'500))
                    .set("L", WireValue::list().push(WireValue::number(1.5)))
                    .set("M", WireValue::map().set("p99", WireValue::integer(-3)));
  std::string cbor = toCbor(v);
  // 0xc1 (tag 1), 0x1a (32-bit unsigned) 1700000000.
  EXPECT_NE(cbor.find(std::string("\xc1\x1a\x65\x53\xf1\x00", 6)), std::string::npos);
  // A fractional second is a float64 under the tag.
  EXPECT_NE(cbor.find("\xc1\xfb"), std::string::npos);
  json back = readCbor(cbor).value_or(json());
  EXPECT_EQ(back["T"], 1700000000);
  EXPECT_EQ(back["F"], 1700000000.5);
  EXPECT_EQ(back["L"], json({1.5}));
  EXPECT_EQ(back["M"]["p99"], -3);
  EXPECT_EQ(toJson(v), R"({"T":1700000000,"F":1700000000.5,"L":[1.5],"M":{"p99":-3}})");
  std::string xml;
  appendXmlMembers(xml, v);
  EXPECT_EQ(xml,
            "<T>2023-11-14T22:13:20Z</T><F>2023-11-14T22:13:20.500Z</F><L><member>1.5</member></L>"
            "<M><entry><key>p99</key><value>-3</value></entry></M>");
}

TEST(Protocol, DetectsEachProtocol) {
  HttpRequest cbor{"POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                   {},     "",
                   "",     "HTTP/1.1"};
  EXPECT_EQ(detectProtocol(cbor), Protocol::Cbor);
  HttpRequest target{"POST", "/", {{"x-amz-target", "GraniteServiceVersion20100801.ListMetrics"}},
                     "{}",   "",  "HTTP/1.1"};
  EXPECT_EQ(detectProtocol(target), Protocol::Json);
  HttpRequest query{"POST", "/", {}, "Action=ListMetrics", "", "HTTP/1.1"};
  EXPECT_EQ(detectProtocol(query), Protocol::Query);
  auto read = readRequest(query, Protocol::Query);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->operation, "ListMetrics");
  HttpRequest none{"POST", "/", {}, "Version=2010-08-01", "", "HTTP/1.1"};
  auto missing = readRequest(none, Protocol::Query);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "MissingAction");
}

TEST(CborReader, ReadsWhatClientsSend) {
  // {"a": 1(1.5), "b": [_ -2, 0.5 (half), true], "c": (_ "x" "y"), "d": h'01'}
  std::string bytes(
      "\xa4\x61\x61\xc1\xfb\x3f\xf8\x00\x00\x00\x00\x00\x00"
      "\x61\x62\x9f\x21\xf9\x38\x00\xf5\xff"
      "\x61\x63\x7f\x61\x78\x61\x79\xff\x61\x64\x41\x01",
      34);
  auto j = readCbor(bytes);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["a"], 1.5);
  EXPECT_EQ((*j)["b"], json({-2, 0.5, true}));
  EXPECT_EQ((*j)["c"], "xy");
  EXPECT_TRUE((*j)["d"].is_binary());
  EXPECT_FALSE(readCbor(bytes.substr(0, 20)).has_value());
  EXPECT_FALSE(readCbor(bytes + std::string(1, '\0')).has_value());
  EXPECT_FALSE(readCbor(std::string(100, '\x81')).has_value());  // Nested too deep.
}

}  // namespace
}  // namespace nimbus::aws::cloudwatch
