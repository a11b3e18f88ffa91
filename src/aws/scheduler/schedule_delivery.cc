#include "aws/scheduler/schedule_delivery.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "core/time_format.h"

namespace nimbus::aws::scheduler {

namespace asio = boost::asio;

namespace {

void replaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// "2026-12-07T10:00:00Z": the scheduled time as Scheduler's context attribute gives it.
std::string scheduledTimeText(int64_t ms) {
  std::string iso = isoTimeMillis(WallTime(std::chrono::milliseconds(ms)));
  return iso.substr(0, 19) + "Z";
}

struct Attempt : std::enable_shared_from_this<Attempt> {
  Attempt(asio::io_context& i, ScheduleTargets& t, Firing f)
      : io(i), targets(t), firing(std::move(f)) {}

  asio::io_context& io;
  ScheduleTargets& targets;
  Firing firing;
  int number = 0;
  std::unique_ptr<asio::steady_timer> timer;

  void run() {
    ++number;
    std::string payload = firingPayload(firing, number);
    const std::string& arn = firing.target.arn;
    TargetDone done = [self = shared_from_this()](std::string error) {
      if (!error.empty()) self->failed(error);
    };
    if (arn.rfind("arn:aws:lambda:", 0) == 0) {
      targets.invokeFunction(arn, std::move(payload), std::move(done));
    } else if (arn.rfind("arn:aws:sqs:", 0) == 0) {
      targets.sendMessage(arn, std::move(payload), firing.target.messageGroupId, std::move(done));
    } else if (arn.rfind("arn:aws:sns:", 0) == 0) {
      targets.publish(arn, std::move(payload), std::move(done));
    } else {
      giveUp("nimbus delivers schedules to Lambda functions, SQS queues and SNS topics only");
    }
  }

  void failed(const std::string& error) {
    const int64_t age = nowMs() - firing.scheduledMs;
    const bool retriesLeft = number <= firing.target.maximumRetryAttempts;
    const int64_t delayMs = std::min<int64_t>(60'000, 1000LL << std::min(number - 1, 6));
    if (!retriesLeft || age + delayMs > firing.target.maximumEventAgeInSeconds * 1000LL) {
      return giveUp(error);
    }
    timer = std::make_unique<asio::steady_timer>(io, std::chrono::milliseconds(delayMs));
    timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->run();
    });
  }

  void giveUp(const std::string& error) {
    fmt::print(stderr, "warning: schedule {}: the firing of {} did not reach {}: {}\n",
               firing.scheduleArn, scheduledTimeText(firing.scheduledMs), firing.target.arn, error);
    std::fflush(stderr);
    if (firing.target.deadLetterArn.empty()) return;
    targets.sendMessage(firing.target.deadLetterArn, firingPayload(firing, number), "",
                        [arn = firing.scheduleArn](std::string e) {
                          if (e.empty()) return;
                          fmt::print(stderr, "warning: schedule {}: dead-letter queue: {}\n", arn,
                                     e);
                        });
  }
};

}  // namespace

std::string firingPayload(const Firing& firing, int attempt) {
  if (!firing.target.input) return "{}";
  std::string payload = *firing.target.input;
  replaceAll(payload, "<aws.scheduler.schedule-arn>", firing.scheduleArn);
  replaceAll(payload, "<aws.scheduler.scheduled-time>", scheduledTimeText(firing.scheduledMs));
  replaceAll(payload, "<aws.scheduler.execution-id>", firing.executionId);
  replaceAll(payload, "<aws.scheduler.attempt-number>", std::to_string(attempt));
  return payload;
}

void deliverFiring(asio::io_context& io, ScheduleTargets& targets, Firing firing) {
  std::make_shared<Attempt>(io, targets, std::move(firing))->run();
}

}  // namespace nimbus::aws::scheduler
