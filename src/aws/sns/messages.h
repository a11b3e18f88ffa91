// What SNS sends: the notification JSON that SQS (without raw delivery) and HTTP(S) subscribers
// receive, Lambda's SNS event, the subscription and unsubscribe confirmations, and the checks
// Publish applies to message attributes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sns/filter_policy.h"
#include "aws/sns/query_protocol.h"

namespace nimbus::aws::sns {

// A published message, as every subscription of its topic receives it.
struct PublishedMessage {
  std::string messageId;
  std::string topicArn;
  std::optional<std::string> subject;
  std::string message;  // The default message.
  // MessageStructure json: the message for each protocol that has its own ("sqs", "lambda", ...).
  std::map<std::string, std::string> perProtocol;
  std::vector<MessageAttribute> attributes;  // In name order.
  std::string timestamp;                     // "2026-01-02T03:04:05.678Z"
  bool fifo = false;
  std::string messageGroupId;
  std::string messageDeduplicationId;
  std::string sequenceNumber;  // FIFO topics only.
  std::string signatureVersion = "1";
  // The publisher's X-Ray trace header, kept with what SQS subscribers receive (AWSTraceHeader).
  std::string traceHeader;

  const std::string& messageFor(std::string_view protocol) const;
};

// The links SNS puts in what it sends, on nimbus's AWS endpoint (`endpoint` is its base URL,
// "http://127.0.0.1:4566"): a GET on them confirms or cancels a subscription, as on AWS.
std::string subscribeUrl(std::string_view endpoint, std::string_view topicArn,
                         std::string_view token);
std::string unsubscribeUrl(std::string_view endpoint, std::string_view subscriptionArn);
std::string signingCertUrl(std::string_view endpoint);

// {"Type":"Notification","MessageId":...,"TopicArn":...,"Subject"?,"Message":...,"Timestamp":...,
//  "SignatureVersion","Signature","SigningCertURL","UnsubscribeURL","MessageAttributes"?}. FIFO
// topics add "SequenceNumber" and, as on AWS, carry no signature.
std::string notificationJson(const PublishedMessage& m, std::string_view body,
                             std::string_view subscriptionArn, std::string_view endpoint);

// {"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","EventSubscriptionArn":...,
//  "Sns":{"Type","MessageId","TopicArn","Subject" (null when none),"Message","Timestamp",
//  "SignatureVersion","Signature","SigningCertUrl","UnsubscribeUrl","MessageAttributes"}}]}
std::string lambdaEventJson(const PublishedMessage& m, std::string_view body,
                            std::string_view subscriptionArn, std::string_view endpoint);

struct ConfirmationMessage {
  std::string type;  // "SubscriptionConfirmation" or "UnsubscribeConfirmation"
  std::string messageId;
  std::string topicArn;
  std::string subscriptionArn;
  std::string token;
  std::string timestamp;
  std::string signatureVersion = "1";
};
std::string confirmationJson(const ConfirmationMessage& m, std::string_view endpoint);

// A refusal of a request in SNS's terms.
struct SnsError {
  int status = 400;
  std::string code;  // "InvalidParameter", "ParameterValueInvalid", "NotFound", ...
  std::string message;
};

inline SnsError invalidParameter(std::string message) {
  return SnsError{400, "InvalidParameter", std::move(message)};
}

// Reads "{prefix}.entry.N.Name" / ".Value.DataType" / ".Value.StringValue" / ".Value.BinaryValue"
// and checks them as Publish does. `fieldPath` names the attributes in validation messages
// ("messageAttributes", "publishBatchRequestEntries.1.member.messageAttributes").
std::optional<SnsError> readMessageAttributes(const QueryParams& params, std::string_view prefix,
                                              std::string_view fieldPath,
                                              std::vector<MessageAttribute>& out);

// What counts towards SNS's 256 KB message limit: the message plus each attribute's name, type
// and value.
size_t publishedSize(std::string_view message, const std::vector<MessageAttribute>& attributes);

}  // namespace nimbus::aws::sns
