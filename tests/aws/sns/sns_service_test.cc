// The SNS service over a real SQLite store, with a stand-in for the services it delivers to
// (SQS is built elsewhere): what each subscription receives, what is durable, what survives a
// restart, and the errors SNS gives.
#include "aws/sns/sns_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::aws::sns {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

class CapturingSink : public http::Responder::Sink {
 public:
  void respond(HttpResponse&& response) override { promise.set_value(std::move(response)); }
  void abandon() override { promise.set_value(HttpResponse{0, {}, "(abandoned)"}); }
  std::promise<HttpResponse> promise;
};

// Records every hand-over and answers with the status a test chooses.
class FakeTargets : public SnsDeliveryTargets {
 public:
  void sendToQueue(QueueDelivery delivery, DeliveryCallback done) override {
    DeliveryResult::Status status;
    {
      std::lock_guard lock(mutex);
      queued.push_back(std::move(delivery));
      status = queueStatus;
    }
    done(DeliveryResult{status, status == DeliveryResult::Status::Accepted ? "" : "refused"});
  }
  void invokeFunction(const std::string& functionArn, std::string eventJson, const std::string&,
                      DeliveryCallback done) override {
    {
      std::lock_guard lock(mutex);
      invoked.emplace_back(functionArn, std::move(eventJson));
    }
    done(DeliveryResult::accepted());
  }

  std::mutex mutex;
  std::vector<QueueDelivery> queued;
  std::vector<std::pair<std::string, std::string>> invoked;
  DeliveryResult::Status queueStatus = DeliveryResult::Status::Accepted;
};

std::string encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// The text of the first <tag>...</tag> in `xml`.
std::string xmlValue(const std::string& xml, const std::string& tag) {
  auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return "";
  open += tag.size() + 2;
  return xml.substr(open, xml.find("</" + tag + ">", open) - open);
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class SnsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-sns-test-" + newUuid());
    open();
  }
  void TearDown() override {
    close();
    fs::remove_all(dir_);
  }

  void open() {
    std::string error;
    store_ = store::openSqliteStore(dir_ / "nimbus.db", error);
    ASSERT_TRUE(store_) << error;
    sns_ = std::make_unique<SnsService>(*store_, targets_, SnsSettings{});
    EXPECT_TRUE(sns_->load().empty());
  }
  void close() {
    sns_.reset();
    if (store_) store_->stop();
    store_.reset();
  }
  void restart() {
    close();
    open();
  }

  HttpResponse call(const std::string& action, const Params& params) {
    std::string form = "Action=" + action + "&Version=2010-03-31";
    for (const auto& [k, v] : params) form += "&" + encode(k) + "=" + encode(v);
    HttpRequest request{
        "POST", "/",         {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
        form,   "127.0.0.1", "HTTP/1.1"};
    auto sink = std::make_shared<CapturingSink>();
    auto answer = sink->promise.get_future();
    sns_->handle(std::move(request), RequestIdentity{}, http::Responder(sink));
    if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << action << " was not answered";
      return {};
    }
    return answer.get();
  }

  // Calls and expects success; returns the body.
  std::string ok(const std::string& action, const Params& params) {
    auto r = call(action, params);
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    return r.body;
  }

  std::string createTopic(const std::string& name, const Params& extra = {}) {
    Params p{{"Name", name}};
    p.insert(p.end(), extra.begin(), extra.end());
    return xmlValue(ok("CreateTopic", p), "TopicArn");
  }

  std::string subscribe(const std::string& topic, const std::string& protocol,
                        const std::string& endpoint, const Params& attributes = {}) {
    Params p{{"TopicArn", topic}, {"Protocol", protocol}, {"Endpoint", endpoint}};
    int i = 0;
    for (const auto& [k, v] : attributes) {
      ++i;
      p.emplace_back("Attributes.entry." + std::to_string(i) + ".key", k);
      p.emplace_back("Attributes.entry." + std::to_string(i) + ".value", v);
    }
    return xmlValue(ok("Subscribe", p), "SubscriptionArn");
  }

  static Params attribute(int n, const std::string& name, const std::string& type,
                          const std::string& value) {
    std::string e = "MessageAttributes.entry." + std::to_string(n) + ".";
    return {{e + "Name", name}, {e + "Value.DataType", type}, {e + "Value.StringValue", value}};
  }

  std::vector<QueueDelivery> queued() {
    std::lock_guard lock(targets_.mutex);
    return targets_.queued;
  }

  fs::path dir_;
  FakeTargets targets_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SnsService> sns_;
};

const std::string kQueue = "arn:aws:sqs:us-east-1:000000000000:orders-queue";
const std::string kFunction = "arn:aws:lambda:us-east-1:000000000000:function:svc-dev-fn";

TEST_F(SnsServiceTest, TopicsAreIdempotentDurableAndTagged) {
  std::string arn =
      createTopic("orders", {{"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "blue"}});
  EXPECT_EQ(arn, "arn:aws:sns:us-east-1:000000000000:orders");
  EXPECT_EQ(createTopic("orders"), arn);
  auto different = call("CreateTopic", {{"Name", "orders"},
                                        {"Attributes.entry.1.key", "DisplayName"},
                                        {"Attributes.entry.1.value", "Other"}});
  EXPECT_EQ(different.status, 400);
  EXPECT_EQ(xmlValue(different.body, "Message"),
            "Invalid parameter: Attributes Reason: Topic already exists with different "
            "attributes");
  auto otherTags =
      call("CreateTopic",
           {{"Name", "orders"}, {"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"}});
  EXPECT_EQ(xmlValue(otherTags.body, "Message"),
            "Invalid parameter: Tags Reason: Topic already exists with different tags");
  std::string sub = subscribe(arn, "sqs", kQueue);

  restart();
  EXPECT_NE(ok("ListTopics", {}).find("<TopicArn>" + arn + "</TopicArn>"), std::string::npos);
  EXPECT_NE(ok("ListSubscriptions", {}).find(sub), std::string::npos);
  std::string tags = ok("ListTagsForResource", {{"ResourceArn", arn}});
  EXPECT_NE(tags.find("<Key>team</Key><Value>blue</Value>"), std::string::npos) << tags;
  ok("TagResource",
     {{"ResourceArn", arn}, {"Tags.member.1.Key", "env"}, {"Tags.member.1.Value", "dev"}});
  ok("UntagResource", {{"ResourceArn", arn}, {"TagKeys.member.1", "team"}});
  tags = ok("ListTagsForResource", {{"ResourceArn", arn}});
  EXPECT_EQ(count(tags, "<member>"), 1) << tags;
  EXPECT_NE(tags.find("<Key>env</Key>"), std::string::npos);

  ok("DeleteTopic", {{"TopicArn", arn}});
  ok("DeleteTopic", {{"TopicArn", arn}});  // Idempotent.
  restart();
  EXPECT_EQ(ok("ListTopics", {}).find(arn), std::string::npos);
  EXPECT_EQ(ok("ListSubscriptions", {}).find(sub), std::string::npos);
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceArn", arn}}).status, 404);
}

TEST_F(SnsServiceTest, TopicAttributes) {
  std::string arn = createTopic("t");
  std::string attrs = ok("GetTopicAttributes", {{"TopicArn", arn}});
  EXPECT_NE(attrs.find("<key>SubscriptionsConfirmed</key><value>0</value>"), std::string::npos);
  EXPECT_EQ(attrs.find("FifoTopic"), std::string::npos);
  ok("SetTopicAttributes",
     {{"TopicArn", arn}, {"AttributeName", "DisplayName"}, {"AttributeValue", "Orders"}});
  EXPECT_NE(ok("GetTopicAttributes", {{"TopicArn", arn}})
                .find("<key>DisplayName</key><value>Orders</value>"),
            std::string::npos);
  auto fifo = call("SetTopicAttributes",
                   {{"TopicArn", arn}, {"AttributeName", "FifoTopic"}, {"AttributeValue", "true"}});
  EXPECT_EQ(xmlValue(fifo.body, "Message"), "Invalid parameter: AttributeName");
  auto missing = call("GetTopicAttributes", {{"TopicArn", arn + "-nope"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(xmlValue(missing.body, "Code"), "NotFound");
  EXPECT_EQ(xmlValue(missing.body, "Message"), "Topic does not exist");
  auto malformed = call("GetTopicAttributes", {{"TopicArn", "nope"}});
  EXPECT_EQ(xmlValue(malformed.body, "Message"),
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1");
  EXPECT_EQ(xmlValue(call("CreateTopic", {{"Name", "bad name"}}).body, "Message"),
            "Invalid parameter: Topic Name");
  EXPECT_EQ(xmlValue(call("CreateTopic", {{"Name", "x.fifo"}}).body, "Message"),
            "Invalid parameter: Topic Name");
}

TEST_F(SnsServiceTest, SqsSubscribersReceiveTheNotificationJson) {
  std::string topic = createTopic("orders");
  std::string sub = subscribe(topic, "sqs", kQueue);
  EXPECT_EQ(sub.rfind(topic + ":", 0), 0u) << sub;
  Params p{{"TopicArn", topic}, {"Message", "hello"}, {"Subject", "greeting"}};
  for (auto& a : attribute(1, "store", "String", "example_corp")) p.push_back(a);
  std::string id = xmlValue(ok("Publish", p), "MessageId");
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].queueArn, kQueue);
  EXPECT_EQ(q[0].subscriptionArn, sub);
  EXPECT_TRUE(q[0].messageAttributes.empty());
  json body = json::parse(q[0].body);
  EXPECT_EQ(body["Type"], "Notification");
  EXPECT_EQ(body["MessageId"], id);
  EXPECT_EQ(body["TopicArn"], topic);
  EXPECT_EQ(body["Subject"], "greeting");
  EXPECT_EQ(body["Message"], "hello");
  EXPECT_EQ(body["MessageAttributes"]["store"],
            (json{{"Type", "String"}, {"Value", "example_corp"}}));
  EXPECT_EQ(body["UnsubscribeURL"],
            "http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
}

TEST_F(SnsServiceTest, RawDeliveryHandsTheMessageAndItsAttributesToTheQueue) {
  std::string topic = createTopic("raw");
  subscribe(topic, "sqs", kQueue, {{"RawMessageDelivery", "True"}});
  Params p{{"TopicArn", topic}, {"Message", "just this"}};
  for (auto& a : attribute(1, "n", "Number", "42")) p.push_back(a);
  ok("Publish", p);
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].body, "just this");
  ASSERT_EQ(q[0].messageAttributes.size(), 1u);
  EXPECT_EQ(q[0].messageAttributes[0].name, "n");
  EXPECT_EQ(q[0].messageAttributes[0].dataType, "Number");
  EXPECT_EQ(q[0].messageAttributes[0].stringValue, "42");
}

TEST_F(SnsServiceTest, FilterPoliciesDecideWhoReceives) {
  std::string topic = createTopic("filtered");
  std::string cheap = subscribe(topic, "sqs", kQueue + "-cheap",
                                {{"FilterPolicy", R"({"price": [{"numeric": ["<", 100]}]})"}});
  std::string body = subscribe(
      topic, "sqs", kQueue + "-body",
      {{"FilterPolicyScope", "MessageBody"}, {"FilterPolicy", R"({"order": {"kind": ["book"]}})"}});
  Params p{{"TopicArn", topic}, {"Message", R"({"order": {"kind": "book"}})"}};
  for (auto& a : attribute(1, "price", "Number", "250")) p.push_back(a);
  ok("Publish", p);
  auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].subscriptionArn, body);

  Params p2{{"TopicArn", topic}, {"Message", R"({"order": {"kind": "pen"}})"}};
  for (auto& a : attribute(1, "price", "Number", "5")) p2.push_back(a);
  ok("Publish", p2);
  q = queued();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[1].subscriptionArn, cheap);

  // The policy can change; the scope can too, and the policy is checked again for it.
  ok("SetSubscriptionAttributes", {{"SubscriptionArn", cheap},
                                   {"AttributeName", "FilterPolicy"},
                                   {"AttributeValue", R"({"price": [{"numeric": [">", 100]}]})"}});
  ok("Publish", p);
  EXPECT_EQ(queued().size(), 4u);
  auto nested = call("SetSubscriptionAttributes", {{"SubscriptionArn", body},
                                                   {"AttributeName", "FilterPolicyScope"},
                                                   {"AttributeValue", "MessageAttributes"}});
  EXPECT_EQ(xmlValue(nested.body, "Message"),
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested "
            "filter policy");
  std::string attrs = ok("GetSubscriptionAttributes", {{"SubscriptionArn", body}});
  EXPECT_NE(attrs.find("<key>FilterPolicyScope</key><value>MessageBody</value>"),
            std::string::npos);

  // Filter policies survive a restart.
  restart();
  ok("Publish", p2);
  q = queued();
  ASSERT_EQ(q.size(), 4u) << "price 5 no longer passes the changed policy; the body is a pen";
}

TEST_F(SnsServiceTest, FilterPolicyRefusalsAreInvalidParameter) {
  std::string topic = createTopic("t");
  auto r =
      call("Subscribe", {{"TopicArn", topic},
                         {"Protocol", "sqs"},
                         {"Endpoint", kQueue},
                         {"Attributes.entry.1.key", "FilterPolicy"},
                         {"Attributes.entry.1.value", R"({"key":[{"wrong-operator":true}]})"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(xmlValue(r.body, "Code"), "InvalidParameter");
  EXPECT_EQ(xmlValue(r.body, "Message"),
            "Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type "
            "wrong-operator\n at [Source: (String)&quot;{&quot;key&quot;:[{&quot;wrong-operator&"
            "quot;:true}]}&quot;; line: 1, column: 31]");
  std::string sub = subscribe(topic, "sqs", kQueue);
  auto set = call("SetSubscriptionAttributes", {{"SubscriptionArn", sub},
                                                {"AttributeName", "FilterPolicy"},
                                                {"AttributeValue", R"({"a":[]})"}});
  EXPECT_NE(xmlValue(set.body, "Message").find("Invalid parameter: FilterPolicy: Empty arrays"),
            std::string::npos);
  auto raw = call("SetSubscriptionAttributes", {{"SubscriptionArn", sub},
                                                {"AttributeName", "RawMessageDelivery"},
                                                {"AttributeValue", "test-ValUe"}});
  EXPECT_EQ(xmlValue(raw.body, "Message"),
            "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or "
            "false.");
  auto name =
      call("SetSubscriptionAttributes",
           {{"SubscriptionArn", sub}, {"AttributeName", "FakeAttribute"}, {"AttributeValue", "x"}});
  EXPECT_EQ(xmlValue(name.body, "Message"), "Invalid parameter: AttributeName");
  auto redrive = call("SetSubscriptionAttributes",
                      {{"SubscriptionArn", sub},
                       {"AttributeName", "RedrivePolicy"},
                       {"AttributeValue", R"({"deadLetterTargetArn": "fake-arn"})"}});
  EXPECT_EQ(xmlValue(redrive.body, "Message"),
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn");
  ok("SetSubscriptionAttributes",
     {{"SubscriptionArn", sub},
      {"AttributeName", "RedrivePolicy"},
      {"AttributeValue", R"({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"})"}});
}

TEST_F(SnsServiceTest, LambdaSubscribersGetAnSnsEvent) {
  std::string topic = createTopic("events");
  std::string sub = subscribe(topic, "lambda", kFunction);
  ok("Publish", {{"TopicArn", topic}, {"Message", "hi"}});
  std::lock_guard lock(targets_.mutex);
  ASSERT_EQ(targets_.invoked.size(), 1u);
  EXPECT_EQ(targets_.invoked[0].first, kFunction);
  json event = json::parse(targets_.invoked[0].second);
  EXPECT_EQ(event["Records"][0]["EventSubscriptionArn"], sub);
  EXPECT_EQ(event["Records"][0]["Sns"]["Message"], "hi");
  EXPECT_TRUE(event["Records"][0]["Sns"]["Subject"].is_null());
}

TEST_F(SnsServiceTest, MessageStructureJsonPicksEachProtocolsMessage) {
  std::string topic = createTopic("structured");
  subscribe(topic, "sqs", kQueue, {{"RawMessageDelivery", "true"}});
  subscribe(topic, "lambda", kFunction);
  ok("Publish", {{"TopicArn", topic},
                 {"MessageStructure", "json"},
                 {"Message", R"({"default": "for everyone", "sqs": "for queues"})"}});
  EXPECT_EQ(queued().at(0).body, "for queues");
  std::lock_guard lock(targets_.mutex);
  EXPECT_EQ(json::parse(targets_.invoked.at(0).second)["Records"][0]["Sns"]["Message"],
            "for everyone");
}

TEST_F(SnsServiceTest, PublishErrors) {
  std::string topic = createTopic("t");
  auto missing = call("Publish", {{"TopicArn", topic + "x"}, {"Message", "m"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(xmlValue(missing.body, "Code"), "NotFound");
  EXPECT_EQ(xmlValue(call("Publish", {{"TopicArn", topic}}).body, "Message"),
            "Invalid parameter: Empty message");
  EXPECT_EQ(xmlValue(call("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"Subject", ""}}).body,
                     "Message"),
            "Invalid parameter: Subject");
  EXPECT_EQ(
      xmlValue(call("Publish", {{"TopicArn", topic}, {"Message", std::string(256 * 1024 + 1, 'x')}})
                   .body,
               "Message"),
      "Invalid parameter: Message too long");
  EXPECT_EQ(xmlValue(call("Publish", {{"TopicArn", topic},
                                      {"MessageStructure", "json"},
                                      {"Message", R"({"sqs": "x"})"}})
                         .body,
                     "Message"),
            "Invalid parameter: Message Structure - No default entry in JSON message body");
  EXPECT_EQ(
      xmlValue(call("Publish",
                    {{"TopicArn", topic}, {"MessageStructure", "json"}, {"Message", "not json"}})
                   .body,
               "Message"),
      "Invalid parameter: Message Structure - JSON message body failed to parse");
  EXPECT_EQ(
      xmlValue(call("Publish", {{"TopicArn", "arn:aws:sns"}, {"Message", "m"}}).body, "Message"),
      "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 3");
  EXPECT_EQ(xmlValue(call("Publish",
                          {{"TopicArn", topic}, {"Message", "m"}, {"MessageDeduplicationId", "d"}})
                         .body,
                     "Message"),
            "Invalid parameter: MessageDeduplicationId Reason: The request includes "
            "MessageDeduplicationId parameter that is not valid for this topic type");
  // TargetArn may name the topic.
  ok("Publish", {{"TargetArn", topic}, {"Message", "m"}});
  auto unknown = call("Frobnicate", {});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(xmlValue(unknown.body, "Code"), "InvalidAction");
}

TEST_F(SnsServiceTest, FifoTopicsNumberAndDeduplicate) {
  std::string topic = createTopic("orders.fifo", {{"Attributes.entry.1.key", "FifoTopic"},
                                                  {"Attributes.entry.1.value", "true"}});
  subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:000000000000:orders.fifo");
  EXPECT_EQ(xmlValue(call("Publish", {{"TopicArn", topic}, {"Message", "m"}}).body, "Message"),
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
  EXPECT_EQ(
      xmlValue(
          call("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"MessageGroupId", "g"}}).body,
          "Message"),
      "Invalid parameter: The topic should either have ContentBasedDeduplication enabled "
      "or MessageDeduplicationId provided explicitly");
  Params p{{"TopicArn", topic},
           {"Message", "m"},
           {"MessageGroupId", "g"},
           {"MessageDeduplicationId", "d1"}};
  std::string first = ok("Publish", p);
  std::string again = ok("Publish", p);
  EXPECT_EQ(xmlValue(first, "MessageId"), xmlValue(again, "MessageId"));
  EXPECT_EQ(xmlValue(first, "SequenceNumber"), xmlValue(again, "SequenceNumber"));
  EXPECT_EQ(xmlValue(first, "SequenceNumber").size(), 20u);
  p[3].second = "d2";
  std::string second = ok("Publish", p);
  EXPECT_GT(xmlValue(second, "SequenceNumber"), xmlValue(first, "SequenceNumber"));
  auto q = queued();
  ASSERT_EQ(q.size(), 2u) << "a duplicate is accepted but not delivered again";
  EXPECT_EQ(q[0].messageGroupId, "g");
  EXPECT_EQ(q[0].messageDeduplicationId, "d1");
  EXPECT_EQ(json::parse(q[0].body)["SequenceNumber"], xmlValue(first, "SequenceNumber"));

  ok("SetTopicAttributes", {{"TopicArn", topic},
                            {"AttributeName", "ContentBasedDeduplication"},
                            {"AttributeValue", "true"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "same"}, {"MessageGroupId", "g"}});
  ok("Publish", {{"TopicArn", topic}, {"Message", "same"}, {"MessageGroupId", "g"}});
  q = queued();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[2].messageDeduplicationId.size(), 64u) << "the body's SHA-256";

  auto lambda =
      call("Subscribe", {{"TopicArn", topic}, {"Protocol", "lambda"}, {"Endpoint", kFunction}});
  EXPECT_EQ(lambda.status, 400);
  std::string standard = createTopic("standard");
  auto fifoQueue = call("Subscribe", {{"TopicArn", standard},
                                      {"Protocol", "sqs"},
                                      {"Endpoint", "arn:aws:sqs:us-east-1:000000000000:q.fifo"}});
  EXPECT_EQ(xmlValue(fifoQueue.body, "Message"),
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
            "subscribed to standard SNS topics");
}

TEST_F(SnsServiceTest, ATargetThatCannotTakeTheMessageNowFailsThePublish) {
  std::string topic = createTopic("t");
  subscribe(topic, "sqs", kQueue);
  targets_.queueStatus = DeliveryResult::Status::Unavailable;
  auto r = call("Publish", {{"TopicArn", topic}, {"Message", "m"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(xmlValue(r.body, "Code"), "InternalError");
  // One that will never take it does not: SNS has the message (on AWS it would go to the
  // subscription's dead-letter queue).
  targets_.queueStatus = DeliveryResult::Status::Rejected;
  EXPECT_EQ(call("Publish", {{"TopicArn", topic}, {"Message", "m"}}).status, 200);
}

TEST_F(SnsServiceTest, HttpSubscriptionsAreConfirmedAndTheirDeliveriesAreDurable) {
  std::string topic = createTopic("web");
  std::string endpoint = "http://127.0.0.1:9/hook";
  EXPECT_EQ(subscribe(topic, "http", endpoint), "pending confirmation");
  // The confirmation is durable before Subscribe answers.
  auto pending = store_->records(std::string(kHttpDeliveryRecord));
  ASSERT_EQ(pending.size(), 1u);
  json confirmation = json::parse(json::parse(pending[0].value)["body"].get<std::string>());
  EXPECT_EQ(confirmation["Type"], "SubscriptionConfirmation");
  std::string token = confirmation["Token"];
  std::string list = ok("ListSubscriptionsByTopic", {{"TopicArn", topic}});
  EXPECT_EQ(xmlValue(list, "SubscriptionArn"), "PendingConfirmation");
  EXPECT_NE(ok("GetTopicAttributes", {{"TopicArn", topic}})
                .find("<key>SubscriptionsPending</key><value>1</value>"),
            std::string::npos);

  // Pending subscriptions receive nothing.
  ok("Publish", {{"TopicArn", topic}, {"Message", "early"}});
  EXPECT_EQ(store_->records(std::string(kHttpDeliveryRecord)).size(), 1u);

  EXPECT_EQ(xmlValue(call("ConfirmSubscription", {{"TopicArn", topic}, {"Token", "wrong"}}).body,
                     "Message"),
            "Invalid parameter: Token");
  std::string arn = xmlValue(ok("ConfirmSubscription", {{"TopicArn", topic}, {"Token", token}}),
                             "SubscriptionArn");
  EXPECT_EQ(arn.rfind(topic + ":", 0), 0u);
  std::string attrs = ok("GetSubscriptionAttributes", {{"SubscriptionArn", arn}});
  EXPECT_NE(attrs.find("<key>PendingConfirmation</key><value>false</value>"), std::string::npos);
  EXPECT_NE(attrs.find("EffectiveDeliveryPolicy"), std::string::npos);

  ok("Publish", {{"TopicArn", topic}, {"Message", "now"}});
  pending = store_->records(std::string(kHttpDeliveryRecord));
  ASSERT_EQ(pending.size(), 2u);
  bool found = false;
  for (const auto& r : pending) {
    json d = json::parse(r.value);
    if (d["body"].get<std::string>().find("\"Message\":\"now\"") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(d["url"], endpoint);
    bool typed = false;
    for (const auto& h : d["headers"]) {
      typed = typed || (h[0] == "x-amz-sns-message-type" && h[1] == "Notification");
    }
    EXPECT_TRUE(typed);
  }
  EXPECT_TRUE(found);

  // Confirmed subscriptions and their pending deliveries survive a restart.
  restart();
  EXPECT_EQ(xmlValue(ok("ListSubscriptionsByTopic", {{"TopicArn", topic}}), "SubscriptionArn"),
            arn);
  EXPECT_EQ(store_->records(std::string(kHttpDeliveryRecord)).size(), 2u);

  ok("Unsubscribe", {{"SubscriptionArn", arn}});
  ok("Unsubscribe", {{"SubscriptionArn", arn}});  // Idempotent.
  EXPECT_EQ(call("GetSubscriptionAttributes", {{"SubscriptionArn", arn}}).status, 404);
  EXPECT_EQ(xmlValue(call("Unsubscribe", {{"SubscriptionArn", topic}}).body, "Message"),
            "Invalid parameter: SubscriptionId");
}

TEST_F(SnsServiceTest, SubscribeChecksAndIdempotency) {
  std::string topic = createTopic("t");
  EXPECT_EQ(xmlValue(call("Subscribe",
                          {{"TopicArn", topic}, {"Protocol", "test-protocol"}, {"Endpoint", "x"}})
                         .body,
                     "Message"),
            "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol");
  EXPECT_EQ(xmlValue(call("Subscribe", {{"TopicArn", topic},
                                        {"Protocol", "sqs"},
                                        {"Endpoint", "https://sqs.us-east-1.amazonaws.com/0/q"}})
                         .body,
                     "Message"),
            "Invalid parameter: SQS endpoint ARN");
  EXPECT_EQ(xmlValue(call("Subscribe",
                          {{"TopicArn", topic}, {"Protocol", "http"}, {"Endpoint", "ftp://x"}})
                         .body,
                     "Message"),
            "Invalid parameter: Endpoint must match the specified protocol");
  EXPECT_EQ(
      call("Subscribe", {{"TopicArn", topic + "-gone"}, {"Protocol", "sqs"}, {"Endpoint", kQueue}})
          .status,
      404);
  std::string sub = subscribe(topic, "sqs", kQueue, {{"RawMessageDelivery", "true"}});
  EXPECT_EQ(subscribe(topic, "sqs", kQueue), sub);
  EXPECT_EQ(subscribe(topic, "sqs", kQueue, {{"RawMessageDelivery", "true"}}), sub);
  auto different = call("Subscribe", {{"TopicArn", topic},
                                      {"Protocol", "sqs"},
                                      {"Endpoint", kQueue},
                                      {"Attributes.entry.1.key", "RawMessageDelivery"},
                                      {"Attributes.entry.1.value", "false"}});
  EXPECT_EQ(xmlValue(different.body, "Message"),
            "Invalid parameter: Attributes Reason: Subscription already exists with different "
            "attributes");
  EXPECT_EQ(subscribe(topic, "http", "http://127.0.0.1:9/x", {}), "pending confirmation");
  auto withArn = ok("Subscribe", {{"TopicArn", topic},
                                  {"Protocol", "http"},
                                  {"Endpoint", "http://127.0.0.1:9/y"},
                                  {"ReturnSubscriptionArn", "true"}});
  EXPECT_EQ(xmlValue(withArn, "SubscriptionArn").rfind(topic + ":", 0), 0u);
}

TEST_F(SnsServiceTest, PublishBatchReportsEachEntry) {
  std::string topic = createTopic("batch");
  subscribe(topic, "sqs", kQueue);
  std::string e1 = "PublishBatchRequestEntries.member.1.";
  std::string e2 = "PublishBatchRequestEntries.member.2.";
  std::string e3 = "PublishBatchRequestEntries.member.3.";
  std::string body = ok("PublishBatch", {{"TopicArn", topic},
                                         {e1 + "Id", "one"},
                                         {e1 + "Message", "first"},
                                         {e2 + "Id", "two"},
                                         {e2 + "Message", ""},
                                         {e3 + "Id", "three"},
                                         {e3 + "Message", "third"}});
  EXPECT_EQ(count(body, "<member>"), 3) << body;
  auto failed = body.substr(body.find("<Failed>"));
  EXPECT_NE(failed.find("<Id>two</Id><Code>InvalidParameter</Code><Message>Invalid parameter: "
                        "Empty message</Message><SenderFault>true</SenderFault>"),
            std::string::npos)
      << body;
  EXPECT_EQ(queued().size(), 2u);

  auto same = call("PublishBatch", {{"TopicArn", topic},
                                    {e1 + "Id", "x"},
                                    {e1 + "Message", "a"},
                                    {e2 + "Id", "x"},
                                    {e2 + "Message", "b"}});
  EXPECT_EQ(xmlValue(same.body, "Code"), "BatchEntryIdsNotDistinct");
  Params eleven{{"TopicArn", topic}};
  for (int i = 1; i <= 11; ++i) {
    std::string e = "PublishBatchRequestEntries.member." + std::to_string(i) + ".";
    eleven.emplace_back(e + "Id", "id" + std::to_string(i));
    eleven.emplace_back(e + "Message", "m");
  }
  EXPECT_EQ(xmlValue(call("PublishBatch", eleven).body, "Code"), "TooManyEntriesInBatchRequest");
  EXPECT_EQ(xmlValue(call("PublishBatch",
                          {{"TopicArn", topic}, {e1 + "Id", "a.b"}, {e1 + "Message", "m"}})
                         .body,
                     "Message"),
            "The Id of a batch entry in the batch request contains an impermissible character: "
            "a.b");
  EXPECT_EQ(xmlValue(call("PublishBatch", {{"TopicArn", topic}}).body, "Code"),
            "EmptyBatchRequest");
}

TEST_F(SnsServiceTest, ListsArePagedByAHundred) {
  for (int i = 0; i < 105; ++i) createTopic("topic-" + std::to_string(i));
  std::string first = ok("ListTopics", {});
  EXPECT_EQ(count(first, "<member>"), 100);
  std::string token = xmlValue(first, "NextToken");
  ASSERT_FALSE(token.empty());
  std::string second = ok("ListTopics", {{"NextToken", token}});
  EXPECT_EQ(count(second, "<member>"), 5);
  EXPECT_EQ(xmlValue(second, "NextToken"), "");
}

}  // namespace
}  // namespace nimbus::aws::sns
