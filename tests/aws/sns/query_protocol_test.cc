// The query protocol as SNS clients send it (flattened maps and lists, form-encoded) and the XML
// SNS answers with; the checks Publish applies to message attributes.
#include "aws/sns/query_protocol.h"

#include <gtest/gtest.h>

#include "aws/sns/messages.h"

namespace nimbus::aws::sns {
namespace {

TEST(QueryParams, ReadsAFormBodyAndAQueryString) {
  HttpRequest post{"POST",
                   "/",
                   {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                   "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&"
                   "Message=hello+world%21&Version=2010-03-31",
                   "",
                   "HTTP/1.1"};
  auto p = QueryParams::fromRequest(post);
  EXPECT_EQ(p.get("Action"), "Publish");
  EXPECT_EQ(p.get("TopicArn"), "arn:aws:sns:us-east-1:000000000000:t");
  EXPECT_EQ(p.get("Message"), "hello world!");
  EXPECT_FALSE(p.has("Subject"));
  EXPECT_EQ(p.get("Subject"), "");

  HttpRequest get{"GET", "/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:0:t&Token=ab",
                  {},    "",
                  "",    "HTTP/1.1"};
  auto g = QueryParams::fromRequest(get);
  EXPECT_EQ(g.get("Action"), "ConfirmSubscription");
  EXPECT_EQ(g.get("TopicArn"), "arn:aws:sns:us-east-1:0:t");
  EXPECT_EQ(g.get("Token"), "ab");
}

TEST(QueryParams, FlattenedMapsAndListsComeInIndexOrder) {
  auto p = QueryParams::parse(
      "Attributes.entry.2.key=FifoTopic&Attributes.entry.2.value=true&"
      "Attributes.entry.10.key=DisplayName&Attributes.entry.10.value=Ten&"
      "Attributes.entry.1.key=ContentBasedDeduplication&Attributes.entry.1.value=false&"
      "Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=env&"
      "Tags.member.2.Value=dev&TagKeys.member.1=a&TagKeys.member.2=b");
  auto attributes = p.stringMap("Attributes");
  ASSERT_EQ(attributes.size(), 3u);
  EXPECT_EQ(attributes[0],
            (std::pair<std::string, std::string>{"ContentBasedDeduplication", "false"}));
  EXPECT_EQ(attributes[1].first, "FifoTopic");
  EXPECT_EQ(attributes[2].first, "DisplayName") << "10 comes after 2";
  auto tags = p.elements("Tags", "member");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].get("Key"), "team");
  EXPECT_EQ(tags[1].get("Value"), "dev");
  auto keys = p.elements("TagKeys", "member");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].get(""), "a");
  EXPECT_EQ(keys[1].get(""), "b");
  EXPECT_TRUE(p.elements("Missing", "member").empty());
}

TEST(QueryParams, MessageAttributesOfAPublishAndOfBatchEntries) {
  auto p = QueryParams::parse(
      "MessageAttributes.entry.1.Name=store&MessageAttributes.entry.1.Value.DataType=String&"
      "MessageAttributes.entry.1.Value.StringValue=example_corp&"
      "MessageAttributes.entry.2.Name=price&MessageAttributes.entry.2.Value.DataType=Number&"
      "MessageAttributes.entry.2.Value.StringValue=10.5&"
      "MessageAttributes.entry.3.Name=blob&MessageAttributes.entry.3.Value.DataType=Binary&"
      "MessageAttributes.entry.3.Value.BinaryValue=AQID&"
      "MessageAttributes.entry.4.Name=list&MessageAttributes.entry.4.Value.DataType=String.Array&"
      "MessageAttributes.entry.4.Value.StringValue=%5B%22a%22%2C1%5D");
  std::vector<MessageAttribute> attributes;
  ASSERT_FALSE(readMessageAttributes(p, "MessageAttributes", "messageAttributes", attributes));
  ASSERT_EQ(attributes.size(), 4u);
  // In name order.
  EXPECT_EQ(attributes[0].name, "blob");
  EXPECT_EQ(attributes[0].binaryValue, std::string("\x01\x02\x03"));
  EXPECT_EQ(attributes[1].name, "list");
  EXPECT_EQ(attributes[1].stringValue, R"(["a",1])");
  EXPECT_EQ(attributes[2].name, "price");
  EXPECT_EQ(attributes[2].dataType, "Number");
  EXPECT_EQ(attributes[3].stringValue, "example_corp");

  auto batch = QueryParams::parse(
      "PublishBatchRequestEntries.member.1.Id=one&PublishBatchRequestEntries.member.1.Message=m1&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=a&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType=String&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.StringValue=x&"
      "PublishBatchRequestEntries.member.2.Id=two&PublishBatchRequestEntries.member.2.Message=m2");
  auto entries = batch.elements("PublishBatchRequestEntries", "member");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].get("Id"), "one");
  EXPECT_EQ(entries[1].get("Message"), "m2");
  ASSERT_FALSE(readMessageAttributes(entries[0], "MessageAttributes", "x", attributes));
  ASSERT_EQ(attributes.size(), 1u);
  EXPECT_EQ(attributes[0].stringValue, "x");
}

std::string attributeError(const std::string& form,
                           std::string_view fieldPath = "messageAttributes") {
  std::vector<MessageAttribute> out;
  auto e = readMessageAttributes(QueryParams::parse(form), "MessageAttributes", fieldPath, out);
  return e ? e->code + ": " + e->message : "ok";
}

TEST(MessageAttributeChecks, AreWordedAsSnsWordsThem) {
  const std::string entry = "MessageAttributes.entry.1.";
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.StringValue=x"),
            "ValidationError: 1 validation error detected: Value null at "
            "'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must "
            "not be null");
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.StringValue=x",
                           "publishBatchRequestEntries.1.member.messageAttributes"),
            "ValidationError: 1 validation error detected: Value null at "
            "'publishBatchRequestEntries.1.member.messageAttributes.attr1.member.dataType' failed "
            "to satisfy constraint: Member must not be null");
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.DataType=String&" + entry +
                           "Value.StringValue="),
            "ParameterValueInvalid: The message attribute 'attr1' must contain non-empty message "
            "attribute value for message attribute type 'String'.");
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.DataType=String&" + entry +
                           "Value.BinaryValue=AQID"),
            "ParameterValueInvalid: The message attribute 'attr1' with type 'String' must use "
            "field 'String'.");
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.DataType=Binary&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: The message attribute 'attr1' with type 'Binary' must use "
            "field 'Binary'.");
  EXPECT_EQ(attributeError(entry + "Name=attr1&" + entry + "Value.DataType=Blob&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: The message attribute 'attr1' has an invalid message "
            "attribute type, the set of supported type prefixes is Binary, Number, and String.");
  EXPECT_EQ(attributeError(entry + "Name=a%5Eb&" + entry + "Value.DataType=String&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: Invalid non-alphanumeric character '#x5E' was found in the "
            "message attribute name. Can only include alphanumeric characters, hyphens, "
            "underscores, or dots.");
  EXPECT_EQ(attributeError(entry + "Name=.a&" + entry + "Value.DataType=String&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: Invalid message attribute name starting with character '.' "
            "was found.");
  EXPECT_EQ(attributeError(entry + "Name=a.&" + entry + "Value.DataType=String&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: Invalid message attribute name ending with character '.' "
            "was found.");
  EXPECT_EQ(attributeError(entry + "Name=a..b&" + entry + "Value.DataType=String&" + entry +
                           "Value.StringValue=x"),
            "ParameterValueInvalid: Message attribute name can not have successive '.' "
            "character.");
  EXPECT_EQ(attributeError(entry + "Name=" + std::string(256, 'a') + "&" + entry +
                           "Value.DataType=String&" + entry + "Value.StringValue=x"),
            "ParameterValueInvalid: Length of message attribute name must be less than 256 bytes.");
  EXPECT_EQ(attributeError(entry + "Name=n&" + entry + "Value.DataType=Number&" + entry +
                           "Value.StringValue=ten"),
            "ParameterValueInvalid: Could not cast message attribute 'n' value to number.");
  std::string eleven;
  for (int i = 1; i <= 11; ++i) {
    std::string e = "MessageAttributes.entry." + std::to_string(i) + ".";
    eleven += e + "Name=a" + std::to_string(i) + "&" + e + "Value.DataType=String&" + e +
              "Value.StringValue=x&";
  }
  EXPECT_EQ(attributeError(eleven),
            "ParameterValueInvalid: Number of message attributes [11] exceeds the allowed "
            "maximum [10].");
  EXPECT_EQ(attributeError(entry + "Name=ok&" + entry + "Value.DataType=String.custom&" + entry +
                           "Value.StringValue=x"),
            "ok");
}

TEST(QueryXml, AnswersAndErrorsInSnsNamespace) {
  std::string result;
  XmlWriter(result).element("TopicArn", "arn:aws:sns:us-east-1:000000000000:a<&>\"'");
  auto ok = queryResponse("CreateTopic", result, true, "req-1");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body,
            "<CreateTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
            "<CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:000000000000:a&lt;&amp;&gt;"
            "&quot;&apos;</TopicArn></CreateTopicResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</CreateTopicResponse>");
  auto empty = queryResponse("DeleteTopic", "", false, "req-2");
  EXPECT_EQ(empty.body,
            "<DeleteTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
            "<ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>"
            "</DeleteTopicResponse>");
  auto error = queryError(404, "NotFound", "Topic does not exist", "req-3");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.body,
            "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>"
            "<Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message>"
            "</Error><RequestId>req-3</RequestId></ErrorResponse>");
  EXPECT_NE(queryError(500, "InternalError", "x", "r").body.find("<Type>Receiver</Type>"),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::aws::sns
