// What SNS sends, against the shapes AWS produces: Lambda's SNS event (compared with the sample
// event in the conformance set), the notification JSON and the confirmations.
#include "aws/sns/messages.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nimbus::aws::sns {
namespace {

using nlohmann::json;

json readConformance(const std::string& name) {
  std::ifstream in(std::string(NIMBUS_CONFORMANCE_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// Same keys at every level and the same JSON type for every value.
void expectSameShape(const json& expected, const json& actual, const std::string& path) {
  ASSERT_EQ(expected.type_name(), actual.type_name()) << path;
  if (expected.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      ASSERT_TRUE(actual.contains(it.key())) << path << "." << it.key() << " is missing";
      expectSameShape(it.value(), actual[it.key()], path + "." + it.key());
    }
    for (auto it = actual.begin(); it != actual.end(); ++it) {
      EXPECT_TRUE(expected.contains(it.key())) << path << "." << it.key() << " is extra";
    }
  } else if (expected.is_array() && !expected.empty() && !actual.empty()) {
    expectSameShape(expected[0], actual[0], path + "[0]");
  }
}

PublishedMessage sample() {
  PublishedMessage m;
  m.messageId = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
  m.topicArn = "arn:aws:sns:us-east-1:000000000000:orders";
  m.subject = "TestInvoke";
  m.message = "Hello from SNS!";
  m.timestamp = "2015-06-03T17:43:27.123Z";
  m.attributes = {{"Test", "String", "TestString", ""}, {"TestBinary", "Binary", "", "\x01\x02"}};
  return m;
}

const char* kSubscription = "arn:aws:sns:us-east-1:000000000000:orders:0b3c7b5e-1c3e-4b8b-9f1e";
const char* kEndpoint = "http://127.0.0.1:4566";

TEST(LambdaEvent, HasTheShapeOfTheConformanceSample) {
  auto m = sample();
  json event = json::parse(lambdaEventJson(m, m.message, kSubscription, kEndpoint));
  expectSameShape(readConformance("sns-event.json"), event, "event");
  const json& record = event["Records"][0];
  EXPECT_EQ(record["EventSource"], "aws:sns");
  EXPECT_EQ(record["EventVersion"], "1.0");
  EXPECT_EQ(record["EventSubscriptionArn"], kSubscription);
  const json& sns = record["Sns"];
  EXPECT_EQ(sns["Type"], "Notification");
  EXPECT_EQ(sns["Message"], "Hello from SNS!");
  EXPECT_EQ(sns["Subject"], "TestInvoke");
  EXPECT_EQ(sns["SignatureVersion"], "1");
  EXPECT_EQ(sns["MessageAttributes"]["Test"], (json{{"Type", "String"}, {"Value", "TestString"}}));
  EXPECT_EQ(sns["MessageAttributes"]["TestBinary"]["Value"], "AQI=");
  EXPECT_EQ(sns["UnsubscribeUrl"],
            std::string(kEndpoint) + "/?Action=Unsubscribe&SubscriptionArn=" + kSubscription);
}

TEST(LambdaEvent, SubjectIsNullAndAttributesEmptyWhenThereAreNone) {
  auto m = sample();
  m.subject.reset();
  m.attributes.clear();
  json sns = json::parse(lambdaEventJson(m, "body", kSubscription, kEndpoint))["Records"][0]["Sns"];
  EXPECT_TRUE(sns["Subject"].is_null());
  EXPECT_EQ(sns["MessageAttributes"], json::object());
  EXPECT_EQ(sns["Message"], "body");
}

TEST(NotificationJson, FieldsInSnsOrder) {
  auto m = sample();
  std::string text = notificationJson(m, m.message, kSubscription, kEndpoint);
  json n = json::parse(text);
  // The order SNS writes them in (nlohmann sorts, so read the order from the text).
  size_t last = 0;
  size_t count = 0;
  for (const char* key :
       {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
        "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"}) {
    auto at = text.find(std::string("\"") + key + "\":");
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GE(at, last) << key << " is out of order";
    last = at;
    ++count;
  }
  EXPECT_EQ(n.size(), count);
  EXPECT_EQ(n["Type"], "Notification");
  EXPECT_EQ(n["MessageAttributes"]["Test"]["Value"], "TestString");

  m.subject.reset();
  m.attributes.clear();
  json bare = json::parse(notificationJson(m, "x", kSubscription, kEndpoint));
  EXPECT_FALSE(bare.contains("Subject"));
  EXPECT_FALSE(bare.contains("MessageAttributes"));
}

TEST(NotificationJson, FifoTopicsCarryASequenceNumberAndNoSignature) {
  auto m = sample();
  m.fifo = true;
  m.subject.reset();
  m.attributes.clear();
  m.sequenceNumber = "10000000000000000001";
  json n = json::parse(notificationJson(m, "Test", kSubscription, kEndpoint));
  EXPECT_EQ(n["SequenceNumber"], "10000000000000000001");
  EXPECT_FALSE(n.contains("Signature"));
  EXPECT_EQ(n.size(),
            7u);  // Type, MessageId, SequenceNumber, TopicArn, Message, Timestamp, UnsubscribeURL
}

TEST(Confirmation, CarriesTheTokenAndTheSubscribeUrl) {
  ConfirmationMessage c;
  c.type = "SubscriptionConfirmation";
  c.messageId = "id";
  c.topicArn = "arn:aws:sns:us-east-1:000000000000:orders";
  c.subscriptionArn = kSubscription;
  c.token = "abc123";
  c.timestamp = "2026-01-01T00:00:00.000Z";
  json j = json::parse(confirmationJson(c, kEndpoint));
  EXPECT_EQ(j["Type"], "SubscriptionConfirmation");
  EXPECT_EQ(j["Token"], "abc123");
  EXPECT_EQ(j["SubscribeURL"], std::string(kEndpoint) +
                                   "/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:"
                                   "000000000000:orders&Token=abc123");
  EXPECT_EQ(j["Message"],
            "You have chosen to subscribe to the topic arn:aws:sns:us-east-1:000000000000:orders.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message.");
  for (const char* key :
       {"MessageId", "TopicArn", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

}  // namespace
}  // namespace nimbus::aws::sns
