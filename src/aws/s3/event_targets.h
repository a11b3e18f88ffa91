// Where S3 sends its event notifications: SQS queues, SNS topics and Lambda functions. S3 does not
// know those services; the server wires this interface to them.
#pragma once

#include <functional>
#include <string>

namespace nimbus::aws::s3 {

// Runs with an empty string once the target holds the event durably (an SQS message stored, an
// SNS publish handed to its subscribers, a Lambda event queued), or with why not. It may run on
// any thread, before or after the call returns.
using TargetDone = std::function<void(std::string error)>;

class S3EventTargets {
 public:
  virtual ~S3EventTargets() = default;
  virtual void sendToQueue(const std::string& queueArn, std::string body, TargetDone done) = 0;
  virtual void publishToTopic(const std::string& topicArn, std::string message, std::string subject,
                              TargetDone done) = 0;
  // An asynchronous invocation (InvocationType Event): Lambda retries it as any other.
  virtual void invokeFunction(const std::string& functionArn, std::string event,
                              TargetDone done) = 0;
  // An event from source "aws.s3" ("Object Created", "Object Deleted") on the default bus of
  // EventBridge, which routes it to the rules that match.
  virtual void putEventBridgeEvent(std::string detailType, std::string detailJson,
                                   std::string bucketArn, TargetDone done) = 0;
  // Whether the target exists now: S3 refuses a notification configuration whose destination
  // it cannot reach ("Unable to validate the following destination configurations").
  virtual bool targetExists(const std::string& arn) = 0;
};

}  // namespace nimbus::aws::s3
