#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lambda/queue_source.h"
#include "lambda/sqs_poller.h"

namespace nimbus::lambda {
namespace {

nlohmann::json conformance(const std::string& name) {
  std::ifstream in(std::string(NIMBUS_CONFORMANCE_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

// The SQS event nimbus builds has the members, types and values of the one Lambda sends.
TEST(SqsEvent, MatchesLambdasShape) {
  auto expected = conformance("sqs-event-message-attributes.json")["Records"][0];
  QueueMessage m;
  m.messageId = "MessageID_1";
  m.receiptHandle = "MessageReceiptHandle";
  m.body = "Message Body";
  m.md5OfBody = "fce0ea8dd236ccb3ed9b37dae260836f";
  m.md5OfMessageAttributes = "582c92c5c5b6ac403040a4f3ab3115c9";
  m.attributes = {{"ApproximateReceiveCount", "2"},
                  {"SentTimestamp", "1520621625029"},
                  {"SenderId", "AROAIWPX5BD2BHG722MW4:sender"},
                  {"ApproximateFirstReceiveTimestamp", "1520621634884"}};
  m.messageAttributes = {{"Attribute1", "String", "AttributeValue1", false},
                         {"Attribute2", "Number", "123", false},
                         {"Attribute3", "Binary", "1100", true}};
  auto event = nlohmann::json::parse(
      buildSqsEvent({m}, "arn:aws:sqs:us-west-2:123456789012:SQSQueue", "us-west-2"));
  ASSERT_EQ(event["Records"].size(), 1u);
  auto record = event["Records"][0];
  for (const char* key :
       {"messageId", "receiptHandle", "body", "md5OfBody", "md5OfMessageAttributes",
        "eventSourceARN", "eventSource", "awsRegion", "attributes"}) {
    EXPECT_EQ(record[key], expected[key]) << key;
  }
  EXPECT_EQ(record["messageAttributes"]["Attribute1"], expected["messageAttributes"]["Attribute1"]);
  EXPECT_EQ(record["messageAttributes"]["Attribute2"]["stringValue"], "123");
  EXPECT_EQ(record["messageAttributes"]["Attribute3"]["binaryValue"],
            expected["messageAttributes"]["Attribute3"]["binaryValue"]);
  EXPECT_EQ(record["messageAttributes"]["Attribute3"]["dataType"], "Binary");
}

TEST(SqsEvent, MessagesWithoutAttributesHaveNoAttributeDigest) {
  QueueMessage m;
  m.messageId = "a";
  m.body = "{}";
  auto record = nlohmann::json::parse(
      buildSqsEvent({m, m}, "arn:aws:sqs:us-east-1:0:q", "us-east-1"))["Records"];
  ASSERT_EQ(record.size(), 2u);
  EXPECT_FALSE(record[0].contains("md5OfMessageAttributes"));
  EXPECT_TRUE(record[0]["messageAttributes"].is_object());
}

}  // namespace
}  // namespace nimbus::lambda
