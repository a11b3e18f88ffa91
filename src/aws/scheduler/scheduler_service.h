// Amazon EventBridge Scheduler on the AWS endpoint (REST-JSON, SigV4 service "scheduler"):
// CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule, ListSchedules and the schedule
// group operations. Schedules and groups are store records, committed before the API answers;
// enabled schedules fire through a ScheduleRunner (once per scheduled time, across restarts) and
// deliver through ScheduleTargets. docs/scheduler.md is the reference.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/request_identity.h"
#include "aws/scheduler/schedule_model.h"
#include "aws/scheduler/schedule_targets.h"
#include "core/http_message.h"
#include "http/server.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::aws::scheduler {

class SchedulerService {
 public:
  // `io`, `store` and `targets` must outlive the service.
  SchedulerService(boost::asio::io_context& io, store::Store& store, ScheduleTargets& targets,
                   SchedulerLocation where);
  ~SchedulerService();
  SchedulerService(const SchedulerService&) = delete;
  SchedulerService& operator=(const SchedulerService&) = delete;

  // Reads the groups and schedules kept in the store; returns warnings for unreadable records.
  std::vector<std::string> load();
  // Starts firing (missed firings are handled now, see ScheduleRunner).
  void start();
  // Stops firing; deliveries already handed off go on.
  void stop();

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // Each schedule with its next firing, for `nimbus info`.
  struct ScheduleInfo {
    std::string arn;
    std::string expression;
    std::string state;
    std::optional<int64_t> nextFireMs;
  };
  std::vector<ScheduleInfo> schedules() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace nimbus::aws::scheduler
