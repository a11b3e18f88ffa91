// An SQS message's content as nimbus keeps it: body, message attributes, system attributes and
// the digests SQS answers with, plus the byte encoding the store holds the attributes in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::aws::sqs {

// One message attribute (or message system attribute). `dataType` is "String", "Number",
// "Binary" or one of those followed by a custom part ("String.json", "Number.float").
struct MessageAttribute {
  std::string name;
  std::string dataType;
  std::string value;  // StringValue, or BinaryValue's raw bytes.

  // Binary attributes carry BinaryValue; String and Number ones carry StringValue.
  bool binary() const { return std::string_view(dataType).substr(0, 6) == "Binary"; }
  bool operator==(const MessageAttribute&) const = default;
};

// Kept sorted by name, the order SQS digests them in.
using MessageAttributes = std::vector<MessageAttribute>;

// Lower-case hex MD5 of `bytes`: MD5OfMessageBody / MD5OfBody.
std::string md5Hex(std::string_view bytes);

// MD5OfMessageAttributes (and MD5OfMessageSystemAttributes) as SQS computes it: over the
// attributes sorted by name, each as its name, data type, a transport byte (1 for string values,
// 2 for binary) and its value, every string preceded by its length as a 4-byte big-endian
// integer. Empty for no attributes (SQS then sends no digest).
std::string md5OfAttributes(const MessageAttributes& attributes);

// Sorts by name; returns false when two attributes share a name.
bool sortAttributes(MessageAttributes& attributes);

// Everything about a message that never changes after it is sent. Shared between the queue and
// the answers that carry it; a copy is made when a move to a dead-letter queue marks its source.
struct MessageContent {
  std::string messageId;
  std::string body;
  std::string md5OfBody;
  MessageAttributes attributes;
  std::string md5OfAttributes;  // Empty when there are no attributes.
  // Sent with the message (today SQS accepts only AWSTraceHeader).
  MessageAttributes systemAttributes;
  std::string md5OfSystemAttributes;
  std::string senderId;
  std::string groupId;              // MessageGroupId; empty when none.
  std::string dedupId;              // MessageDeduplicationId (FIFO); empty when none.
  std::string sequenceNumber;       // FIFO queues only.
  std::string deadLetterSourceArn;  // The queue it was moved from, once in a dead-letter queue.
  int64_t sentAtMs = 0;

  // Bytes counted against MaximumMessageSize: the body plus each attribute's name, type and value.
  size_t size() const;
  // Fills md5OfBody, md5OfAttributes and md5OfSystemAttributes.
  void computeDigests();
};

using MessageContentPtr = std::shared_ptr<const MessageContent>;

// The store's encoding of the parts of MessageContent that have no column of their own
// (attributes, system attributes, sender, sequence number, dead-letter source).
std::string encodeAttributes(const MessageContent& content);
// Reads what encodeAttributes wrote into `content`; false when the bytes are not such an encoding.
bool decodeAttributes(std::string_view bytes, MessageContent& content);

}  // namespace nimbus::aws::sqs
