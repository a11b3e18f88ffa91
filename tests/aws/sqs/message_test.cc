// The digests SQS answers with, checked against values published by AWS and its SDKs' tests,
// and the store encoding of attributes.
#include "aws/sqs/message.h"

#include <gtest/gtest.h>

#include "aws/sqs/message_checks.h"

namespace nimbus::aws::sqs {
namespace {

TEST(SqsDigest, BodyIsThePlainMd5) {
  // The example in the SQS developer guide.
  EXPECT_EQ(md5Hex("This is a test message"), "fafb00f5732ab283681e124bf8747ed1");
}

TEST(SqsDigest, OneNumberAttribute) {
  EXPECT_EQ(md5OfAttributes({{"timestamp", "Number", "1493147359900"}}),
            "235c5c510d26fb653d073faed50ae77c");
}

TEST(SqsDigest, OneStringAttribute) {
  EXPECT_EQ(md5OfAttributes({{"SellerName", "String", "Example Store"}}),
            "cd28f3b68aeee4b2eac9c66f2f694b58");
}

TEST(SqsDigest, AttributesAreDigestedInNameOrder) {
  // As the AWS SDK for Go v2's tests give it; the input order must not matter.
  MessageAttributes unsorted = {{"ordinal", "Number", "1"}, {"category", "String", "test"}};
  EXPECT_EQ(md5OfAttributes(unsorted), "d21ae90c49061e927f57df5f5d72be1f");
  ASSERT_TRUE(sortAttributes(unsorted));
  EXPECT_EQ(unsorted[0].name, "category");
  EXPECT_EQ(md5OfAttributes(unsorted), "d21ae90c49061e927f57df5f5d72be1f");
}

TEST(SqsDigest, BinaryValuesUseTransportTypeTwo) {
  MessageAttributes attributes = {{"bin", "Binary", std::string("\x00\x01\xff", 3)},
                                  {"s", "String.custom", "x"}};
  EXPECT_TRUE(attributes[0].binary());
  EXPECT_FALSE(attributes[1].binary());
  // Computed independently from the algorithm in the SQS developer guide.
  EXPECT_EQ(md5OfAttributes(attributes), "f16584bc42f65c02a530331bb34de6a6");
  // The same value as a string gives another digest.
  attributes[0].dataType = "String";
  EXPECT_NE(md5OfAttributes(attributes), "f16584bc42f65c02a530331bb34de6a6");
}

TEST(SqsDigest, NoAttributesNoDigest) {
  EXPECT_EQ(md5OfAttributes({}), "");
  MessageAttributes twice = {{"a", "String", "1"}, {"a", "String", "2"}};
  EXPECT_FALSE(sortAttributes(twice));
}

TEST(SqsMessage, AttributesSurviveTheStoreEncoding) {
  MessageContent c;
  c.attributes = {{"a", "String", "x"}, {"b", "Binary", std::string("\0\1", 2)}};
  c.systemAttributes = {{"AWSTraceHeader", "String", "Root=1-abc"}};
  c.senderId = "000000000000";
  c.sequenceNumber = "00000000000000000042";
  c.deadLetterSourceArn = "arn:aws:sqs:us-east-1:000000000000:src";
  std::string bytes = encodeAttributes(c);
  MessageContent back;
  ASSERT_TRUE(decodeAttributes(bytes, back));
  EXPECT_EQ(back.attributes, c.attributes);
  EXPECT_EQ(back.systemAttributes, c.systemAttributes);
  EXPECT_EQ(back.senderId, c.senderId);
  EXPECT_EQ(back.sequenceNumber, c.sequenceNumber);
  EXPECT_EQ(back.deadLetterSourceArn, c.deadLetterSourceArn);
  EXPECT_FALSE(decodeAttributes(bytes.substr(0, bytes.size() - 1), back));
  EXPECT_FALSE(decodeAttributes("", back));
}

TEST(SqsMessage, SizeCountsBodyAndAttributes) {
  MessageContent c;
  c.body = "12345";
  c.attributes = {{"ab", "String", "xyz"}};
  EXPECT_EQ(c.size(), 5u + 2 + 6 + 3);
}

TEST(SqsMessageChecks, AllowedCharacters) {
  EXPECT_TRUE(allowedMessageText("plain text\t\r\n"));
  EXPECT_TRUE(allowedMessageText("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(allowedMessageText(std::string("nul\0", 4)));
  EXPECT_FALSE(allowedMessageText("bell\x07"));
  EXPECT_FALSE(allowedMessageText("\xff"));
  EXPECT_FALSE(allowedMessageText("\xc0\x80"));      // Overlong NUL.
  EXPECT_FALSE(allowedMessageText("\xef\xbf\xbe"));  // U+FFFE.
  EXPECT_FALSE(allowedMessageText("\xed\xa0\x80"));  // A surrogate.
}

TEST(SqsMessageChecks, FifoNeedsGroupAndDeduplication) {
  QueueConfig fifo = defaultQueueConfig("q.fifo", true, 0);
  OutgoingMessage m;
  m.body = "x";
  auto error = checkOutgoingMessage(m, fifo);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kMissingParameter);
  m.groupId = "g";
  error = checkOutgoingMessage(m, fifo);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kInvalidParameterValue);
  m.dedupId = "d";
  EXPECT_FALSE(checkOutgoingMessage(m, fifo));
  m.delaySeconds = 5;
  EXPECT_TRUE(checkOutgoingMessage(m, fifo));

  QueueConfig standard = defaultQueueConfig("q", false, 0);
  OutgoingMessage s;
  s.body = "x";
  s.dedupId = "d";
  EXPECT_TRUE(checkOutgoingMessage(s, standard));
}

TEST(SqsMessageChecks, SizeLimitIsTheQueuesMaximumMessageSize) {
  QueueConfig q = defaultQueueConfig("q", false, 0);
  ASSERT_FALSE(applyAttributes(q, {{"MaximumMessageSize", "1024"}}, false));
  OutgoingMessage m;
  m.body = std::string(1020, 'x');
  m.attributes = {{"ab", "String", "c"}};  // 1020 + 2 + 6 + 1 = 1029 > 1024.
  auto error = checkOutgoingMessage(m, q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message,
            "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
  m.attributes.clear();
  EXPECT_FALSE(checkOutgoingMessage(m, q));
}

TEST(SqsMessageChecks, AttributeRules) {
  QueueConfig q = defaultQueueConfig("q", false, 0);
  auto check = [&](MessageAttribute a) {
    OutgoingMessage m;
    m.body = "x";
    m.attributes = {std::move(a)};
    return checkOutgoingMessage(m, q).has_value();
  };
  EXPECT_FALSE(check({"ok.name-1_x", "String", "v"}));
  EXPECT_FALSE(check({"n", "Number.float", "-1.5e3"}));
  EXPECT_FALSE(check({"b", "Binary.gz", std::string("\0", 1)}));
  EXPECT_TRUE(check({"n", "Number", "abc"}));
  EXPECT_TRUE(check({"t", "Text", "v"}));
  EXPECT_TRUE(check({"AWS.x", "String", "v"}));
  EXPECT_TRUE(check({".x", "String", "v"}));
  EXPECT_TRUE(check({"x", "String", ""}));
  EXPECT_TRUE(check({"x", "", "v"}));
  OutgoingMessage many;
  many.body = "x";
  for (int i = 0; i < 11; ++i) many.attributes.push_back({"a" + std::to_string(i), "String", "v"});
  EXPECT_TRUE(checkOutgoingMessage(many, q));
}

}  // namespace
}  // namespace nimbus::aws::sqs
