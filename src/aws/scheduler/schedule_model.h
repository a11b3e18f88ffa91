// EventBridge Scheduler's resources as nimbus keeps them: schedules and schedule groups, their
// store records, their API shapes (GetSchedule, ListSchedules, GetScheduleGroup) and the checks
// CreateSchedule and UpdateSchedule make on a request body.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace nimbus::aws::scheduler {

inline constexpr std::string_view kScheduleRecord = "scheduler.schedule";  // key: group/name
inline constexpr std::string_view kGroupRecord = "scheduler.group";        // key: name
inline constexpr std::string_view kFiredRecord = "scheduler.fired";        // key: group/name
inline constexpr std::string_view kDefaultGroup = "default";

struct ScheduleTarget {
  std::string arn;
  std::string roleArn;
  std::optional<std::string> input;
  int maximumEventAgeInSeconds = 86400;  // RetryPolicy's defaults.
  int maximumRetryAttempts = 185;
  std::string deadLetterArn;
  std::string messageGroupId;  // SqsParameters.MessageGroupId
};

struct Schedule {
  std::string name;
  std::string groupName = std::string(kDefaultGroup);
  std::string description;
  std::string expression;
  std::string timezone;  // As given; empty means UTC.
  std::string state = "ENABLED";
  std::optional<int64_t> startDateMs;
  std::optional<int64_t> endDateMs;
  std::string flexibleMode = "OFF";
  int maximumWindowInMinutes = 0;
  std::string actionAfterCompletion = "NONE";
  std::string kmsKeyArn;
  ScheduleTarget target;
  int64_t creationDateMs = 0;
  int64_t lastModificationDateMs = 0;

  std::string key() const { return groupName + "/" + name; }
  bool enabled() const { return state == "ENABLED"; }
};

struct ScheduleGroup {
  std::string name;
  int64_t creationDateMs = 0;
  int64_t lastModificationDateMs = 0;
  std::vector<std::pair<std::string, std::string>> tags;
};

// Where the service lives, for ARNs.
struct SchedulerLocation {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";

  std::string scheduleArn(const Schedule& s) const;
  std::string groupArn(std::string_view group) const;
};

// A ValidationException with Scheduler's wording for a member that breaks its constraint.
ServiceError validationError(std::string message);

// Names of schedules and groups: 1-64 of [0-9a-zA-Z-_.].
bool validResourceName(std::string_view name);

// Reads a CreateSchedule or UpdateSchedule body into `out` (whose name and group are set), as
// Scheduler checks it: required members, lengths and enums, the expression in its time zone, the
// flexible window, the retry policy's bounds, a Lambda target's Input being JSON.
Status readScheduleRequest(const nlohmann::json& body, Schedule& out);

// The stored forms.
std::string scheduleRecord(const Schedule& s);
std::optional<Schedule> parseScheduleRecord(std::string_view json);
std::string groupRecord(const ScheduleGroup& g);
std::optional<ScheduleGroup> parseGroupRecord(std::string_view json);

// GetSchedule's answer, ListSchedules' summary, GetScheduleGroup's answer (and its summary).
nlohmann::json scheduleJson(const Schedule& s, const SchedulerLocation& where);
nlohmann::json scheduleSummaryJson(const Schedule& s, const SchedulerLocation& where);
nlohmann::json groupJson(const ScheduleGroup& g, const SchedulerLocation& where);

}  // namespace nimbus::aws::scheduler
