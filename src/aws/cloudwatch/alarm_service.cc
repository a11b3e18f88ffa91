#include "aws/cloudwatch/alarm_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/cloudwatch/alarm_evaluation.h"
#include "aws/cloudwatch/input.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::cloudwatch {

namespace {

using json = nlohmann::json;

constexpr const char* kAlarmRecord = "cloudwatch.alarm";
constexpr size_t kHistoryPerAlarm = 100;
// Alarms of 10 and 30 seconds are evaluated every 10 seconds, the others every minute.
constexpr int64_t kTickMs = 10'000;

ServiceError notFound(const std::string& name) {
  return {"ResourceNotFound", fmt::format("Alarm {} not found", name), 404};
}

std::vector<std::string> names(const json& in, std::string_view member) {
  std::vector<std::string> out;
  if (auto items = input::list(input::member(in, member))) {
    for (const auto* item : *items) {
      if (auto text = input::text(item)) out.push_back(*text);
    }
  }
  return out;
}

Result<size_t> maxRecords(const json& in) {
  auto given = input::number(input::member(in, "MaxRecords"));
  if (!given) return size_t{50};
  if (*given < 1 || *given > 100) {
    return ServiceError{"InvalidParameterValue",
                        "The parameter MaxRecords must be between 1 and 100.", 400};
  }
  return static_cast<size_t>(*given);
}

}  // namespace

AlarmService::AlarmService(boost::asio::io_context& io, store::Store& store,
                           StatisticsSource statistics, AlarmNotifier& notifier,
                           AlarmSettings settings)
    : timer_(io),
      store_(store),
      statistics_(std::move(statistics)),
      notifier_(notifier),
      settings_(std::move(settings)) {}

int64_t AlarmService::now() const {
  return settings_.nowMs ? settings_.nowMs() : nowMs();
}

std::vector<std::string> AlarmService::load() {
  std::vector<std::string> warnings;
  std::lock_guard lock(mutex_);
  for (const auto& record : store_.records(kAlarmRecord)) {
    auto alarm = alarmFromJson(record.value);
    if (!alarm) {
      warnings.push_back("alarm record " + record.key + " could not be read; it is skipped");
      continue;
    }
    alarms_[alarm->name] = std::move(*alarm);
  }
  return warnings;
}

void AlarmService::start() {
  scheduleTick();
}

void AlarmService::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  timer_.cancel();
}

void AlarmService::scheduleTick() {
  // On the next 10-second boundary of the wall clock, as periods are aligned to it.
  int64_t wall = now();
  int64_t next = (wall / kTickMs + 1) * kTickMs;
  timer_.expires_after(std::chrono::milliseconds(next - wall));
  timer_.async_wait([this, next](boost::system::error_code ec) {
    if (ec) return;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
    }
    evaluateDue(next);
    scheduleTick();
  });
}

bool AlarmService::handles(const std::string& operation) {
  static const std::set<std::string> kOperations = {
      "PutMetricAlarm", "DescribeAlarms", "DescribeAlarmsForMetric", "DescribeAlarmHistory",
      "SetAlarmState",  "DeleteAlarms",   "EnableAlarmActions",      "DisableAlarmActions"};
  return kOperations.contains(operation);
}

bool AlarmService::hasNoOutput(const std::string& operation) {
  return operation == "PutMetricAlarm" || operation == "SetAlarmState" ||
         operation == "DeleteAlarms" || operation == "EnableAlarmActions" ||
         operation == "DisableAlarmActions";
}

Result<WireValue> AlarmService::dispatch(const std::string& operation, const json& input) {
  if (operation == "PutMetricAlarm") return putMetricAlarm(input);
  if (operation == "DescribeAlarms") return describeAlarms(input, false);
  if (operation == "DescribeAlarmsForMetric") return describeAlarms(input, true);
  if (operation == "DescribeAlarmHistory") return describeAlarmHistory(input);
  if (operation == "SetAlarmState") return setAlarmState(input);
  if (operation == "DeleteAlarms") return deleteAlarms(input);
  if (operation == "EnableAlarmActions") return setActionsEnabled(input, true);
  if (operation == "DisableAlarmActions") return setActionsEnabled(input, false);
  return ServiceError{"InvalidAction", "The action " + operation + " is not valid", 400};
}

Result<WireValue> AlarmService::putMetricAlarm(const json& input) {
  int64_t t = now();
  auto alarm = readAlarm(input, settings_.region, settings_.accountId, t);
  if (!alarm) return alarm.takeError();
  std::lock_guard lock(mutex_);
  auto it = alarms_.find(alarm->name);
  if (it != alarms_.end()) {
    // An update keeps the alarm's state and history; CloudWatch re-evaluates it soon after.
    alarm->state = it->second.state;
    alarm->stateReason = it->second.stateReason;
    alarm->stateReasonData = it->second.stateReasonData;
    alarm->stateUpdatedMs = it->second.stateUpdatedMs;
    alarm->history = std::move(it->second.history);
  }
  json data{{"type", "Update"}, {"version", "1.0"}};
  addHistoryLocked(
      *alarm, "ConfigurationUpdate",
      fmt::format("Alarm \"{}\" {}", alarm->name, it == alarms_.end() ? "created" : "updated"),
      data.dump(), t);
  persistLocked(*alarm);
  alarms_[alarm->name] = std::move(*alarm);
  return WireValue::structure();
}

Result<WireValue> AlarmService::describeAlarms(const json& in, bool forMetric) {
  auto limit = maxRecords(in);
  if (!limit) return limit.takeError();
  std::vector<std::string> wanted = names(in, "AlarmNames");
  std::string prefix = input::text(input::member(in, "AlarmNamePrefix")).value_or("");
  std::string state = input::text(input::member(in, "StateValue")).value_or("");
  std::string actionPrefix = input::text(input::member(in, "ActionPrefix")).value_or("");
  std::string after = input::text(input::member(in, "NextToken")).value_or("");
  MetricIdentity metric;
  std::string statistic, unit;
  std::optional<double> period;
  if (forMetric) {
    metric.ns = input::text(input::member(in, "Namespace")).value_or("");
    metric.name = input::text(input::member(in, "MetricName")).value_or("");
    if (auto dims = input::list(input::member(in, "Dimensions"))) {
      for (const auto* d : *dims) {
        metric.dimensions.push_back({input::text(input::member(*d, "Name")).value_or(""),
                                     input::text(input::member(*d, "Value")).value_or("")});
      }
    }
    metric.dimensions = sortedDimensions(std::move(metric.dimensions));
    statistic = input::text(input::member(in, "Statistic"))
                    .value_or(input::text(input::member(in, "ExtendedStatistic")).value_or(""));
    unit = input::text(input::member(in, "Unit")).value_or("");
    period = input::number(input::member(in, "Period"));
  }
  std::lock_guard lock(mutex_);
  WireValue list = WireValue::list();
  std::string last;
  size_t count = 0;
  bool more = false;
  for (const auto& [name, a] : alarms_) {
    if (!after.empty() && name <= after) continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    if (!name.starts_with(prefix)) continue;
    if (!state.empty() && a.state != state) continue;
    if (!actionPrefix.empty()) {
      bool any = false;
      for (const auto* actions : {&a.okActions, &a.alarmActions, &a.insufficientDataActions}) {
        for (const auto& arn : *actions) any = any || arn.starts_with(actionPrefix);
      }
      if (!any) continue;
    }
    if (forMetric) {
      if (a.metric.ns != metric.ns || a.metric.name != metric.name ||
          a.metric.dimensions != metric.dimensions) {
        continue;
      }
      if (!statistic.empty() && a.statistic != statistic) continue;
      if (!unit.empty() && a.unit != unit) continue;
      if (period && a.periodSec != static_cast<int64_t>(*period)) continue;
    }
    if (!forMetric && count == *limit) {
      more = true;
      break;
    }
    list.push(alarmWire(a));
    last = name;
    ++count;
  }
  WireValue out = WireValue::structure();
  out.set("MetricAlarms", std::move(list));
  if (!forMetric) {
    out.set("CompositeAlarms", WireValue::list());
    if (more) out.set("NextToken", WireValue::string(last));
  }
  return out;
}

Result<WireValue> AlarmService::describeAlarmHistory(const json& in) {
  auto limit = maxRecords(in);
  if (!limit) return limit.takeError();
  std::string name = input::text(input::member(in, "AlarmName")).value_or("");
  std::string type = input::text(input::member(in, "HistoryItemType")).value_or("");
  auto start = input::timestampMs(input::member(in, "StartDate"));
  auto end = input::timestampMs(input::member(in, "EndDate"));
  bool ascending = input::text(input::member(in, "ScanBy")).value_or("TimestampDescending") ==
                   "TimestampAscending";
  size_t skip = 0;
  if (auto token = input::text(input::member(in, "NextToken"))) {
    if (token->empty() || token->find_first_not_of("0123456789") != std::string::npos) {
      return ServiceError{"InvalidNextToken", "The service cannot read the NextToken.", 400};
    }
    skip = std::stoull(*token);
  }
  struct Item {
    const MetricAlarm* alarm;
    const AlarmHistoryItem* item;
  };
  std::lock_guard lock(mutex_);
  std::vector<Item> items;
  for (const auto& [n, a] : alarms_) {
    if (!name.empty() && n != name) continue;
    for (const auto& h : a.history) {
      if (!type.empty() && h.type != type) continue;
      if (start && h.timestampMs < *start) continue;
      if (end && h.timestampMs > *end) continue;
      items.push_back({&a, &h});
    }
  }
  std::stable_sort(items.begin(), items.end(), [&](const Item& x, const Item& y) {
    return ascending ? x.item->timestampMs < y.item->timestampMs
                     : x.item->timestampMs > y.item->timestampMs;
  });
  WireValue list = WireValue::list();
  for (size_t i = skip; i < items.size() && i < skip + *limit; ++i) {
    WireValue w = WireValue::structure();
    w.set("AlarmName", WireValue::string(items[i].alarm->name));
    w.set("AlarmType", WireValue::string("MetricAlarm"));
    w.set("Timestamp", WireValue::timestamp(items[i].item->timestampMs));
    w.set("HistoryItemType", WireValue::string(items[i].item->type));
    w.set("HistorySummary", WireValue::string(items[i].item->summary));
    w.set("HistoryData", WireValue::string(items[i].item->data));
    list.push(std::move(w));
  }
  WireValue out = WireValue::structure();
  out.set("AlarmHistoryItems", std::move(list));
  if (skip + *limit < items.size())
    out.set("NextToken", WireValue::string(std::to_string(skip + *limit)));
  return out;
}

Result<WireValue> AlarmService::setAlarmState(const json& in) {
  auto name = input::text(input::member(in, "AlarmName"));
  if (!name) return ServiceError{"MissingParameter", "The parameter AlarmName is required.", 400};
  auto state = input::text(input::member(in, "StateValue"));
  if (!state || (*state != "OK" && *state != "ALARM" && *state != "INSUFFICIENT_DATA")) {
    return ServiceError{"InvalidParameterValue",
                        "The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.",
                        400};
  }
  auto reason = input::text(input::member(in, "StateReason"));
  if (!reason)
    return ServiceError{"MissingParameter", "The parameter StateReason is required.", 400};
  std::string reasonData = input::text(input::member(in, "StateReasonData")).value_or("");
  if (!reasonData.empty() && !json::accept(reasonData)) {
    return ServiceError{"InvalidFormat", "The parameter StateReasonData is not valid JSON.", 400};
  }
  std::lock_guard lock(mutex_);
  auto it = alarms_.find(*name);
  if (it == alarms_.end()) return notFound(*name);
  // Set even when the state is the same: CloudWatch then records and notifies nothing.
  if (it->second.state != *state) {
    transitionLocked(it->second, *state, *reason, reasonData, now());
  }
  return WireValue::structure();
}

Result<WireValue> AlarmService::deleteAlarms(const json& in) {
  std::vector<std::string> list = names(in, "AlarmNames");
  std::lock_guard lock(mutex_);
  for (const auto& n : list) {
    if (!alarms_.contains(n)) return notFound(n);
  }
  for (const auto& n : list) {
    alarms_.erase(n);
    store_.deleteRecord(kAlarmRecord, n, [](std::string) {});
  }
  return WireValue::structure();
}

Result<WireValue> AlarmService::setActionsEnabled(const json& in, bool enabled) {
  std::lock_guard lock(mutex_);
  for (const auto& n : names(in, "AlarmNames")) {
    auto it = alarms_.find(n);
    if (it == alarms_.end()) continue;
    it->second.actionsEnabled = enabled;
    persistLocked(it->second);
  }
  return WireValue::structure();
}

void AlarmService::evaluateDue(int64_t nowMs) {
  std::lock_guard lock(mutex_);
  for (auto& [name, alarm] : alarms_) {
    // Judged once per period, when one has just ended (minute alarms on the minute).
    int64_t cadenceMs = std::min<int64_t>(alarm.periodSec, 60) * 1000;
    if (nowMs % cadenceMs >= kTickMs) continue;
    int64_t periodMs = alarm.periodSec * 1000;
    int64_t endMs = nowMs / periodMs * periodMs;
    auto points = statistics_(alarm.metric, alarm.statistic, alarm.periodSec,
                              alarm.evaluationPeriods, endMs, alarm.unit);
    if (!points) continue;
    auto decision = evaluateAlarm(alarm, *points, endMs, nowMs);
    if (!decision || decision->state == alarm.state) continue;
    transitionLocked(alarm, decision->state, decision->reason, decision->reasonData, nowMs);
  }
}

void AlarmService::transitionLocked(MetricAlarm& alarm, std::string state, std::string reason,
                                    std::string reasonData, int64_t nowMs) {
  std::string old = alarm.state;
  alarm.state = std::move(state);
  alarm.stateReason = std::move(reason);
  alarm.stateReasonData = std::move(reasonData);
  alarm.stateUpdatedMs = nowMs;
  json data{{"version", "1.0"},
            {"oldState", {{"stateValue", old}}},
            {"newState", {{"stateValue", alarm.state}, {"stateReason", alarm.stateReason}}}};
  addHistoryLocked(alarm, "StateUpdate",
                   fmt::format("Alarm updated from {} to {}", old, alarm.state), data.dump(),
                   nowMs);
  notifyLocked(alarm, old, nowMs);
  persistLocked(alarm);
}

void AlarmService::addHistoryLocked(MetricAlarm& alarm, std::string type, std::string summary,
                                    std::string data, int64_t nowMs) {
  alarm.history.push_back({nowMs, std::move(type), std::move(summary), std::move(data)});
  if (alarm.history.size() > kHistoryPerAlarm) alarm.history.erase(alarm.history.begin());
}

void AlarmService::persistLocked(const MetricAlarm& alarm) {
  store_.putRecord({kAlarmRecord, alarm.name, alarmToJson(alarm)}, [](std::string) {});
}

// CloudWatch's alarm notification: a JSON document in the message, a subject naming the state,
// the alarm and the region.
void AlarmService::notifyLocked(MetricAlarm& alarm, const std::string& oldState, int64_t nowMs) {
  if (!alarm.actionsEnabled) return;
  const auto& targets = alarm.state == "ALARM" ? alarm.alarmActions
                        : alarm.state == "OK"  ? alarm.okActions
                                               : alarm.insufficientDataActions;
  if (targets.empty()) return;
  json dims = json::array();
  for (const auto& d : alarm.metric.dimensions)
    dims.push_back({{"value", d.value}, {"name", d.name}});
  std::string statistic = alarm.statistic;
  std::transform(statistic.begin(), statistic.end(), statistic.begin(), ::toupper);
  json trigger{{"MetricName", alarm.metric.name},
               {"Namespace", alarm.metric.ns},
               {"StatisticType", alarm.extendedStatistic ? "ExtendedStatistic" : "Statistic"},
               {alarm.extendedStatistic ? "ExtendedStatistic" : "Statistic",
                alarm.extendedStatistic ? alarm.statistic : statistic},
               {"Unit", alarm.unit.empty() ? json(nullptr) : json(alarm.unit)},
               {"Dimensions", dims},
               {"Period", alarm.periodSec},
               {"EvaluationPeriods", alarm.evaluationPeriods},
               {"DatapointsToAlarm", alarm.datapointsToAlarm},
               {"ComparisonOperator", alarm.comparison},
               {"Threshold", alarm.threshold},
               {"TreatMissingData", alarm.treatMissingData},
               {"EvaluateLowSampleCountPercentile", ""}};
  json message{
      {"AlarmName", alarm.name},
      {"AlarmDescription", alarm.description.empty() ? json(nullptr) : json(alarm.description)},
      {"AWSAccountId", settings_.accountId},
      {"AlarmConfigurationUpdatedTimestamp", alarmTimestamp(alarm.configurationUpdatedMs)},
      {"NewStateValue", alarm.state},
      {"NewStateReason", alarm.stateReason},
      {"StateChangeTime", alarmTimestamp(nowMs)},
      {"Region", regionDisplayName(settings_.region)},
      {"AlarmArn", alarm.arn},
      {"OldStateValue", oldState},
      {"OKActions", alarm.okActions},
      {"AlarmActions", alarm.alarmActions},
      {"InsufficientDataActions", alarm.insufficientDataActions},
      {"Trigger", trigger}};
  std::string subject =
      fmt::format("{}: \"{}\" in {}", alarm.state, alarm.name, regionDisplayName(settings_.region));
  // SNS limits a subject to 100 characters.
  if (subject.size() > 100) subject.resize(100);
  std::string text = message.dump();
  for (const auto& arn : targets) {
    if (arn.find(":sns:") == std::string::npos) continue;  // Auto Scaling, EC2, SSM: not here.
    notifier_.notify(arn, subject, text);
  }
  addHistoryLocked(
      alarm, "Action", fmt::format("Successfully executed action {}", targets.front()),
      json{{"actionState", "Succeeded"}, {"notificationResource", targets.front()}}.dump(), nowMs);
}

std::vector<AlarmService::Summary> AlarmService::summaries() const {
  std::lock_guard lock(mutex_);
  std::vector<Summary> out;
  for (const auto& [name, a] : alarms_) {
    std::string metric = a.metric.ns + " " + a.metric.name;
    for (const auto& d : a.metric.dimensions) metric += " " + d.name + "=" + d.value;
    out.push_back({name, a.state, a.stateReason, metric});
  }
  return out;
}

}  // namespace nimbus::aws::cloudwatch
