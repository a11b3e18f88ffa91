// The durable firing engine behind schedules: EventBridge Scheduler's schedules and, reusable,
// EventBridge rules with a ScheduleExpression. Each key holds one schedule; the runner fires each
// of its scheduled times once, on an asio steady_timer (no thread sleeps).
//
// Once, across restarts: before a firing is handed to its FireFn, the scheduled time is written
// to the store as the key's last firing (a record of the runner's kind), and firings at or
// before it never happen again. A crash between that write and the hand-off loses the firing
// rather than repeating it.
//
// Missed firings: when nimbus was down (or a key is upserted with firings already due), only the
// most recent due firing is delivered, once, and only if it is younger than the key's maximum
// event age (EventBridge Scheduler's RetryPolicy.MaximumEventAgeInSeconds, 24 hours by default);
// older ones are dropped. docs/scheduler.md says why.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/scheduler/schedule_expression.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::aws::scheduler {

// When a key fires.
struct RunnerSchedule {
  explicit RunnerSchedule(ScheduleExpression e) : expression(std::move(e)) {}

  ScheduleExpression expression;
  // rate(): firings at anchorMs + k * period (k >= 0). EventBridge counts a rate from when the
  // rule or schedule was created, or from the schedule's StartDate.
  int64_t anchorMs = 0;
  // Firings before this instant do not count (the creation or last update of the schedule); a
  // key that has never fired starts here.
  int64_t sinceMs = 0;
  // StartDate and EndDate: no firing outside [notBeforeMs, notAfterMs].
  int64_t notBeforeMs = std::numeric_limits<int64_t>::min();
  int64_t notAfterMs = std::numeric_limits<int64_t>::max();
  // FlexibleTimeWindow: each firing happens at a random moment within this many milliseconds
  // after its scheduled time (0: at the scheduled time).
  int64_t flexibleWindowMs = 0;
  // A firing missed while nimbus was down is delivered if it is at most this old (0: never).
  int64_t maxMissedAgeMs = 24 * 3600 * 1000LL;
};

class ScheduleRunner {
 public:
  // Called with the scheduled time of each firing (epoch ms; not the moment within a flexible
  // window), on an I/O thread, after that time is durable as fired. It must not block.
  using FireFn = std::function<void(int64_t scheduledMs)>;
  // Called once a key's last firing has been handed off and no firing remains (an at() that
  // fired, a schedule past its end date), on an I/O thread.
  using CompleteFn = std::function<void()>;
  // Milliseconds since the epoch by the wall clock (tests pass their own).
  using Clock = std::function<int64_t()>;

  // `recordKind` names the store records holding each key's last firing ("scheduler.fired");
  // one kind per runner. `io` and `store` must outlive the runner.
  ScheduleRunner(boost::asio::io_context& io, store::Store& store, std::string recordKind,
                 Clock clock = {});
  ~ScheduleRunner();
  ScheduleRunner(const ScheduleRunner&) = delete;
  ScheduleRunner& operator=(const ScheduleRunner&) = delete;

  // Reads the last firings from the store and arms every key upserted so far.
  void start();
  // Cancels every timer; firings already handed off are not recalled. Idempotent.
  void stop();

  // Adds or replaces the schedule of `key` (its last firing is kept: an updated schedule does
  // not fire again for a time it already fired).
  void upsert(const std::string& key, RunnerSchedule schedule, FireFn fire,
              CompleteFn complete = {});
  // The short form: a rate counted from `anchorMs`, firings from `anchorMs` on.
  void upsert(const std::string& key, ScheduleExpression expression, int64_t anchorMs, FireFn fire);
  // Forgets `key` and deletes its last-firing record. Unknown keys are ignored.
  void remove(const std::string& key);

  // The next scheduled time of `key` (nullopt when unknown, complete, or not started).
  std::optional<int64_t> nextFireMs(const std::string& key) const;
  std::vector<std::string> keys() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace nimbus::aws::scheduler
