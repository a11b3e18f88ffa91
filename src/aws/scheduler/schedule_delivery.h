// One firing of a schedule on its way to the target: the payload EventBridge Scheduler sends
// (the target's Input with its context attributes filled in), the hand-over through
// ScheduleTargets, retries as the target's RetryPolicy allows, and the dead-letter queue when
// they run out.
#pragma once

#include <cstdint>
#include <string>

#include "aws/scheduler/schedule_model.h"
#include "aws/scheduler/schedule_targets.h"

namespace boost::asio {
class io_context;
}

namespace nimbus::aws::scheduler {

struct Firing {
  std::string scheduleArn;
  ScheduleTarget target;
  int64_t scheduledMs = 0;
  std::string executionId;  // One per firing, the same across its retries.
};

// The target's Input with <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>,
// <aws.scheduler.execution-id> and <aws.scheduler.attempt-number> replaced; "{}" without Input.
std::string firingPayload(const Firing& firing, int attempt);

// Hands `firing` to its target (Lambda, SQS or SNS, told by the ARN). A failed hand-over is
// retried with growing delays (1 s doubling to 60 s) while the attempts stay within
// MaximumRetryAttempts and the firing is younger than MaximumEventAgeInSeconds; then the payload
// goes to the DeadLetterConfig queue if there is one. `io` and `targets` must outlive the
// retries (the server's).
void deliverFiring(boost::asio::io_context& io, ScheduleTargets& targets, Firing firing);

}  // namespace nimbus::aws::scheduler
