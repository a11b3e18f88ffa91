// Where schedules deliver: Lambda functions (asynchronous invocation), SQS queues (SendMessage)
// and SNS topics (Publish). The scheduler does not know those services; the server connects this
// interface to them (and tests to a stand-in). EventBridge rules' schedules may use it as well.
#pragma once

#include <functional>
#include <string>

namespace nimbus::aws::scheduler {

// How a hand-over ended: "" once the target holds the payload durably (a queued Lambda event,
// a stored SQS message, a published SNS message), otherwise why not.
using TargetDone = std::function<void(std::string error)>;

class ScheduleTargets {
 public:
  virtual ~ScheduleTargets() = default;

  // Invokes the function (ARN, possibly qualified) with InvocationType Event and `payload` as
  // its event. Lambda then retries as it retries any asynchronous event.
  virtual void invokeFunction(const std::string& functionArn, std::string payload,
                              TargetDone done) = 0;
  // Sends one message to the queue (ARN); `messageGroupId` for FIFO queues, else empty.
  virtual void sendMessage(const std::string& queueArn, std::string body,
                           std::string messageGroupId, TargetDone done) = 0;
  // Publishes one message to the topic (ARN).
  virtual void publish(const std::string& topicArn, std::string message, TargetDone done) = 0;
};

}  // namespace nimbus::aws::scheduler
