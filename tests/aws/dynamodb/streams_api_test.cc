// The DynamoDB Streams API through DynamoDbService::handle, as a client sends it, over a real
// SQLite store in a temporary directory: stream listing and description, every shard iterator
// type, records in order with the images their view type asks for, and the errors DynamoDB
// Streams answers (unknown streams and shards, bad iterators, expired iterators, trimmed data).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/dynamodb/engine.h"
#include "core/base64.h"
#include "service_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using nlohmann::json;
using service_test::kArnPrefix;
using Answer = service_test::ServiceAnswer;

class StreamsTest : public service_test::ServiceTest {
 protected:
  StreamsTest() : ServiceTest("nimbus-streams-") {}

  Answer dynamo(std::string_view operation, const json& request) {
    return r().call(operation, request);
  }
  Answer streams(std::string_view operation, const json& request) {
    return r().callStreams(operation, request);
  }
  json ok(Answer a) {
    EXPECT_EQ(a.status, 200) << a.body.dump();
    return a.body;
  }

  // A table keyed by `p` (and `s` when `sorted`) with a stream of `viewType`.
  std::string createTable(const std::string& name, const std::string& viewType,
                          bool sorted = false) {
    json keys = {{{"AttributeName", "p"}, {"KeyType", "HASH"}}};
    json definitions = {{{"AttributeName", "p"}, {"AttributeType", "S"}}};
    if (sorted) {
      keys.push_back({{"AttributeName", "s"}, {"KeyType", "RANGE"}});
      definitions.push_back({{"AttributeName", "s"}, {"AttributeType", "N"}});
    }
    json created = ok(
        dynamo("CreateTable",
               {{"TableName", name},
                {"KeySchema", keys},
                {"AttributeDefinitions", definitions},
                {"BillingMode", "PAY_PER_REQUEST"},
                {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", viewType}}}}));
    return created["TableDescription"].value("LatestStreamArn", "");
  }

  void put(const std::string& table, const json& item) {
    ok(dynamo("PutItem", {{"TableName", table}, {"Item", item}}));
  }

  std::string shardId(const std::string& arn) {
    json d = ok(streams("DescribeStream", {{"StreamArn", arn}}));
    return d["StreamDescription"]["Shards"][0]["ShardId"];
  }

  std::string iterator(const std::string& arn, const std::string& type,
                       const std::string& sequence = "") {
    json request = {{"StreamArn", arn}, {"ShardId", shardId(arn)}, {"ShardIteratorType", type}};
    if (!sequence.empty()) request["SequenceNumber"] = sequence;
    return ok(streams("GetShardIterator", request))["ShardIterator"];
  }
};

TEST_F(StreamsTest, ListStreamsNamesEveryTableWithAStream) {
  std::string a = createTable("alpha", "KEYS_ONLY");
  std::string b = createTable("beta", "NEW_IMAGE");
  ok(dynamo("CreateTable",
            {{"TableName", "plain"},
             {"KeySchema", {{{"AttributeName", "p"}, {"KeyType", "HASH"}}}},
             {"AttributeDefinitions", {{{"AttributeName", "p"}, {"AttributeType", "S"}}}},
             {"BillingMode", "PAY_PER_REQUEST"}}));
  ASSERT_EQ(a.rfind(std::string(kArnPrefix) + "alpha/stream/", 0), 0u) << a;

  json all = ok(streams("ListStreams", json::object()));
  ASSERT_EQ(all["Streams"].size(), 2u);
  EXPECT_EQ(all["Streams"][0]["StreamArn"], a);
  EXPECT_EQ(all["Streams"][0]["TableName"], "alpha");
  EXPECT_EQ(all["Streams"][0]["StreamLabel"], a.substr(a.rfind('/') + 1));
  EXPECT_EQ(all["Streams"][1]["StreamArn"], b);
  EXPECT_FALSE(all.contains("LastEvaluatedStreamArn"));

  json one = ok(streams("ListStreams", {{"TableName", "beta"}}));
  ASSERT_EQ(one["Streams"].size(), 1u);
  EXPECT_EQ(one["Streams"][0]["StreamArn"], b);
  EXPECT_TRUE(ok(streams("ListStreams", {{"TableName", "plain"}}))["Streams"].empty());

  json page = ok(streams("ListStreams", {{"Limit", 1}}));
  ASSERT_EQ(page["Streams"].size(), 1u);
  EXPECT_EQ(page["LastEvaluatedStreamArn"], a);
  json rest = ok(streams("ListStreams", {{"Limit", 1}, {"ExclusiveStartStreamArn", a}}));
  ASSERT_EQ(rest["Streams"].size(), 1u);
  EXPECT_EQ(rest["Streams"][0]["StreamArn"], b);
  EXPECT_FALSE(rest.contains("LastEvaluatedStreamArn"));

  Answer missing = streams("ListStreams", {{"TableName", "nope"}});
  EXPECT_EQ(missing.code(), "ResourceNotFoundException");
  Answer badLimit = streams("ListStreams", {{"Limit", 0}});
  EXPECT_EQ(badLimit.code(), "ValidationException");
  EXPECT_EQ(badLimit.message(),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
}

TEST_F(StreamsTest, DescribeStreamGivesTheStreamAndItsOneShard) {
  std::string arn = createTable("orders", "NEW_AND_OLD_IMAGES", true);
  json d = ok(streams("DescribeStream", {{"StreamArn", arn}}))["StreamDescription"];
  EXPECT_EQ(d["StreamArn"], arn);
  EXPECT_EQ(d["StreamStatus"], "ENABLED");
  EXPECT_EQ(d["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(d["TableName"], "orders");
  EXPECT_EQ(d["StreamLabel"], arn.substr(arn.rfind('/') + 1));
  EXPECT_TRUE(d["CreationRequestDateTime"].is_number());
  EXPECT_EQ(d["KeySchema"], json::parse(R"([{"AttributeName":"p","KeyType":"HASH"},
                            {"AttributeName":"s","KeyType":"RANGE"}])"));
  ASSERT_EQ(d["Shards"].size(), 1u);
  std::string shard = d["Shards"][0]["ShardId"];
  EXPECT_EQ(shard.rfind("shardId-", 0), 0u);
  EXPECT_EQ(shard.size(), 8u + 20 + 1 + 8);
  EXPECT_EQ(
      d["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"].get<std::string>().size(),
      21u);
  EXPECT_FALSE(d["Shards"][0]["SequenceNumberRange"].contains("EndingSequenceNumber"));

  // serverless.yml's placeholder label names the table's current stream.
  json placeholder = ok(streams(
      "DescribeStream", {{"StreamArn", std::string(kArnPrefix) + "orders/stream/nimbus-latest"}}));
  EXPECT_EQ(placeholder["StreamDescription"]["StreamArn"], arn);

  Answer unknown =
      streams("DescribeStream",
              {{"StreamArn", std::string(kArnPrefix) + "orders/stream/2001-01-01T00:00:00.000"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.code(), "ResourceNotFoundException");
  EXPECT_EQ(unknown.message(), "Requested resource not found: Stream: " + std::string(kArnPrefix) +
                                   "orders/stream/2001-01-01T00:00:00.000 not found");
  EXPECT_EQ(streams("DescribeStream", {{"StreamArn", std::string(kArnPrefix) +
                                                         "missing/stream/2001-01-01T00:00:00.000"}})
                .code(),
            "ResourceNotFoundException");
  EXPECT_EQ(streams("DescribeStream", json::object()).code(), "ValidationException");
  EXPECT_EQ(streams("DescribeStream", {{"StreamArn", "short"}}).code(), "ValidationException");
}

TEST_F(StreamsTest, RecordsComeInOrderWithTheImagesOfTheViewType) {
  std::string arn = createTable("items", "NEW_AND_OLD_IMAGES");
  std::string horizon = iterator(arn, "TRIM_HORIZON");
  put("items", {{"p", {{"S", "a"}}}, {"n", {{"N", "1"}}}});
  put("items", {{"p", {{"S", "a"}}}, {"n", {{"N", "2"}}}});
  ok(dynamo("DeleteItem", {{"TableName", "items"}, {"Key", {{"p", {{"S", "a"}}}}}}));

  json read = ok(streams("GetRecords", {{"ShardIterator", horizon}}));
  ASSERT_EQ(read["Records"].size(), 3u);
  const json& insert = read["Records"][0];
  const json& modify = read["Records"][1];
  const json& remove = read["Records"][2];
  EXPECT_EQ(insert["eventName"], "INSERT");
  EXPECT_EQ(modify["eventName"], "MODIFY");
  EXPECT_EQ(remove["eventName"], "REMOVE");
  for (const auto& r : read["Records"]) {
    EXPECT_EQ(r["eventSource"], "aws:dynamodb");
    EXPECT_EQ(r["eventVersion"], "1.1");
    EXPECT_EQ(r["awsRegion"], "us-east-1");
    EXPECT_EQ(r["dynamodb"]["Keys"], json::parse(R"({"p":{"S":"a"}})"));
    EXPECT_EQ(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    // GetRecords' records have no eventSourceARN: Lambda's event adds it.
    EXPECT_FALSE(r.contains("eventSourceARN"));
  }
  EXPECT_FALSE(insert["dynamodb"].contains("OldImage"));
  EXPECT_EQ(insert["dynamodb"]["NewImage"]["n"], json::parse(R"({"N":"1"})"));
  EXPECT_EQ(modify["dynamodb"]["OldImage"]["n"], json::parse(R"({"N":"1"})"));
  EXPECT_EQ(modify["dynamodb"]["NewImage"]["n"], json::parse(R"({"N":"2"})"));
  EXPECT_EQ(remove["dynamodb"]["OldImage"]["n"], json::parse(R"({"N":"2"})"));
  EXPECT_FALSE(remove["dynamodb"].contains("NewImage"));
  std::string s0 = insert["dynamodb"]["SequenceNumber"], s1 = modify["dynamodb"]["SequenceNumber"],
              s2 = remove["dynamodb"]["SequenceNumber"];
  EXPECT_LT(s0, s1);
  EXPECT_LT(s1, s2);

  // The next iterator reads what comes after, and nothing before it does.
  std::string next = read["NextShardIterator"];
  json empty = ok(streams("GetRecords", {{"ShardIterator", next}}));
  EXPECT_TRUE(empty["Records"].empty());
  ASSERT_TRUE(empty.contains("NextShardIterator"));
  put("items", {{"p", {{"S", "b"}}}});
  json later = ok(streams("GetRecords", {{"ShardIterator", empty["NextShardIterator"]}}));
  ASSERT_EQ(later["Records"].size(), 1u);
  EXPECT_EQ(later["Records"][0]["dynamodb"]["Keys"]["p"]["S"], "b");

  // Every iterator type, and Limit.
  json at = ok(streams("GetRecords",
                       {{"ShardIterator", iterator(arn, "AT_SEQUENCE_NUMBER", s1)}, {"Limit", 1}}));
  ASSERT_EQ(at["Records"].size(), 1u);
  EXPECT_EQ(at["Records"][0]["eventName"], "MODIFY");
  json after =
      ok(streams("GetRecords", {{"ShardIterator", iterator(arn, "AFTER_SEQUENCE_NUMBER", s1)}}));
  ASSERT_EQ(after["Records"].size(), 2u);
  EXPECT_EQ(after["Records"][0]["eventName"], "REMOVE");
  std::string latest = iterator(arn, "LATEST");
  EXPECT_TRUE(ok(streams("GetRecords", {{"ShardIterator", latest}}))["Records"].empty());
  put("items", {{"p", {{"S", "c"}}}});
  json newest = ok(streams("GetRecords", {{"ShardIterator", latest}}));
  ASSERT_EQ(newest["Records"].size(), 1u);
  EXPECT_EQ(newest["Records"][0]["dynamodb"]["Keys"]["p"]["S"], "c");
}

TEST_F(StreamsTest, ViewTypesDecideTheImages) {
  std::string keysOnly = createTable("kkk", "KEYS_ONLY");
  std::string newImage = createTable("nnn", "NEW_IMAGE");
  std::string oldImage = createTable("ooo", "OLD_IMAGE");
  for (const char* table : {"kkk", "nnn", "ooo"}) {
    put(table, {{"p", {{"S", "x"}}}, {"v", {{"S", "1"}}}});
    put(table, {{"p", {{"S", "x"}}}, {"v", {{"S", "2"}}}});
  }
  auto records = [&](const std::string& arn) {
    return ok(streams("GetRecords", {{"ShardIterator", iterator(arn, "TRIM_HORIZON")}}))["Records"];
  };
  json k = records(keysOnly), n = records(newImage), o = records(oldImage);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_FALSE(k[1]["dynamodb"].contains("NewImage"));
  EXPECT_FALSE(k[1]["dynamodb"].contains("OldImage"));
  EXPECT_EQ(n[1]["dynamodb"]["NewImage"]["v"]["S"], "2");
  EXPECT_FALSE(n[1]["dynamodb"].contains("OldImage"));
  EXPECT_EQ(o[1]["dynamodb"]["OldImage"]["v"]["S"], "1");
  EXPECT_FALSE(o[1]["dynamodb"].contains("NewImage"));
  EXPECT_FALSE(o[0]["dynamodb"].contains("OldImage"));
}

TEST_F(StreamsTest, IteratorErrorsAreDynamoDbStreams) {
  std::string arn = createTable("ttt", "KEYS_ONLY");
  std::string shard = shardId(arn);
  auto shardIterator = [&](json request) { return streams("GetShardIterator", request); };

  Answer type = shardIterator({{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "X"}});
  EXPECT_EQ(type.code(), "ValidationException");
  EXPECT_NE(type.message().find("Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, "
                                "LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"),
            std::string::npos);
  EXPECT_EQ(shardIterator({{"StreamArn", arn},
                           {"ShardId", "shardId-00000000000000000000-00000000"},
                           {"ShardIteratorType", "LATEST"}})
                .code(),
            "ResourceNotFoundException");
  EXPECT_EQ(
      shardIterator(
          {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "AT_SEQUENCE_NUMBER"}})
          .code(),
      "ValidationException");
  EXPECT_EQ(shardIterator({{"StreamArn", arn}, {"ShardIteratorType", "LATEST"}}).message(),
            "1 validation error detected: Value null at 'shardId' failed to satisfy constraint: "
            "Member must not be null");
  // A sequence number past the shard's last record.
  EXPECT_EQ(shardIterator({{"StreamArn", arn},
                           {"ShardId", shard},
                           {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                           {"SequenceNumber", "100000000000000000099"}})
                .code(),
            "ValidationException");

  EXPECT_EQ(streams("GetRecords", {{"ShardIterator", "garbage"}}).code(), "ValidationException");
  EXPECT_EQ(streams("GetRecords", json::object()).code(), "ValidationException");
  std::string it = iterator(arn, "LATEST");
  Answer limit = streams("GetRecords", {{"ShardIterator", it}, {"Limit", 1001}});
  EXPECT_EQ(limit.code(), "ValidationException");
  EXPECT_EQ(limit.message(),
            "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000");

  // An iterator made more than 15 minutes ago has expired. (Its opaque part names when it was
  // made; this test rewrites that time.)
  size_t bar = it.find("|1|");
  auto opaque = base64Decode(it.substr(bar + 3));
  ASSERT_TRUE(opaque);
  std::string old = opaque->substr(0, opaque->rfind('|') + 1) + "1000";
  Answer expired =
      streams("GetRecords", {{"ShardIterator", it.substr(0, bar + 3) + base64Encode(old)}});
  EXPECT_EQ(expired.code(), "ExpiredIteratorException");

  // A deleted table's iterators name a stream that is gone.
  ok(dynamo("DeleteTable", {{"TableName", "ttt"}}));
  EXPECT_EQ(streams("GetRecords", {{"ShardIterator", it}}).code(), "ResourceNotFoundException");
}

TEST_F(StreamsTest, ADisabledStreamIsAClosedShard) {
  std::string arn = createTable("ttt", "NEW_IMAGE");
  put("ttt", {{"p", {{"S", "a"}}}});
  std::string horizon = iterator(arn, "TRIM_HORIZON");
  ok(dynamo("UpdateTable",
            {{"TableName", "ttt"}, {"StreamSpecification", {{"StreamEnabled", false}}}}));
  put("ttt", {{"p", {{"S", "b"}}}});  // Not recorded: the stream is off.

  json d = ok(streams("DescribeStream", {{"StreamArn", arn}}))["StreamDescription"];
  EXPECT_EQ(d["StreamStatus"], "DISABLED");
  json range = d["Shards"][0]["SequenceNumberRange"];
  EXPECT_EQ(range["StartingSequenceNumber"], range["EndingSequenceNumber"]);

  json read = ok(streams("GetRecords", {{"ShardIterator", horizon}}));
  ASSERT_EQ(read["Records"].size(), 1u);
  // The shard is read to its end: no next iterator.
  EXPECT_FALSE(read.contains("NextShardIterator"));

  // Turned on again, the table has a new stream; the old one is no longer served.
  json updated = ok(dynamo(
      "UpdateTable",
      {{"TableName", "ttt"},
       {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}}));
  std::string fresh = updated["TableDescription"]["LatestStreamArn"];
  EXPECT_NE(fresh, arn);
  put("ttt", {{"p", {{"S", "c"}}}});
  json records = ok(streams("GetRecords", {{"ShardIterator", iterator(fresh, "TRIM_HORIZON")}}));
  ASSERT_EQ(records["Records"].size(), 1u);
  EXPECT_EQ(records["Records"][0]["dynamodb"]["Keys"]["p"]["S"], "c");
}

TEST_F(StreamsTest, RecordsPastTheRetentionAreTrimmed) {
  std::string arn = createTable("ttt", "KEYS_ONLY");
  put("ttt", {{"p", {{"S", "a"}}}});
  std::string horizon = iterator(arn, "TRIM_HORIZON");
  json first = ok(streams("GetRecords", {{"ShardIterator", horizon}, {"Limit", 1}}));
  std::string sequence = first["Records"][0]["dynamodb"]["SequenceNumber"];

  // A day and an hour later, the record is gone.
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  r().service().engine().trimStreams(now + 25LL * 3600 * 1000);
  EXPECT_EQ(streams("GetRecords", {{"ShardIterator", horizon}}).code(),
            "TrimmedDataAccessException");
  EXPECT_EQ(streams("GetShardIterator", {{"StreamArn", arn},
                                         {"ShardId", shardId(arn)},
                                         {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                                         {"SequenceNumber", sequence}})
                .code(),
            "TrimmedDataAccessException");
  // TRIM_HORIZON starts at the oldest record still there.
  put("ttt", {{"p", {{"S", "b"}}}});
  json read = ok(streams("GetRecords", {{"ShardIterator", iterator(arn, "TRIM_HORIZON")}}));
  ASSERT_EQ(read["Records"].size(), 1u);
  EXPECT_EQ(read["Records"][0]["dynamodb"]["Keys"]["p"]["S"], "b");
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
