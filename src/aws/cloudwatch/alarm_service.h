// CloudWatch's metric alarms: PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric,
// DescribeAlarmHistory, SetAlarmState, EnableAlarmActions, DisableAlarmActions and DeleteAlarms.
// Every alarm is evaluated on its period (alarms of 10 and 30 seconds every 10 seconds, the
// others every minute), over the period that has just ended; a change of state is recorded in
// its history and, with actions enabled, published to the state's SNS topics with CloudWatch's
// alarm message. Alarms are records in the store and survive restarts. docs/metrics.md is the
// reference.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "aws/cloudwatch/alarm.h"
#include "aws/cloudwatch/wire_value.h"
#include "core/result.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::aws::cloudwatch {

// Where alarm notifications go: an SNS topic's Publish.
class AlarmNotifier {
 public:
  virtual ~AlarmNotifier() = default;
  virtual void notify(const std::string& topicArn, const std::string& subject,
                      const std::string& message) = 0;
};

// The statistic of a metric over its last `periods` periods ending at `endMs`, oldest first
// (CloudWatchService::recentStatistics).
using StatisticsSource = std::function<Result<std::vector<std::optional<double>>>(
    const MetricIdentity& metric, const std::string& statistic, int64_t periodSec, int periods,
    int64_t endMs, const std::string& unit)>;

struct AlarmSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::function<int64_t()> nowMs;  // The wall clock; tests pass their own.
};

class AlarmService {
 public:
  // Everything must outlive the service.
  AlarmService(boost::asio::io_context& io, store::Store& store, StatisticsSource statistics,
               AlarmNotifier& notifier, AlarmSettings settings);

  // Reads the alarms kept in the store; returns warnings for records it cannot read.
  std::vector<std::string> load();
  // Evaluates the alarms on their periods from now on.
  void start();
  void stop();

  // Whether `operation` is one of the alarm operations.
  static bool handles(const std::string& operation);
  // Answers one alarm operation (its output, or the error CloudWatch gives).
  Result<WireValue> dispatch(const std::string& operation, const nlohmann::json& input);
  // Whether the operation answers without an output structure.
  static bool hasNoOutput(const std::string& operation);

  // Evaluates every alarm whose period has just ended at `nowMs` (the timer's tick; tests call
  // it with their own clock).
  void evaluateDue(int64_t nowMs);

  struct Summary {
    std::string name;
    std::string state;
    std::string reason;
    std::string metric;  // "AWS/Lambda Errors FunctionName=fn".
  };
  std::vector<Summary> summaries() const;

 private:
  Result<WireValue> putMetricAlarm(const nlohmann::json& input);
  Result<WireValue> describeAlarms(const nlohmann::json& input, bool forMetric);
  Result<WireValue> describeAlarmHistory(const nlohmann::json& input);
  Result<WireValue> setAlarmState(const nlohmann::json& input);
  Result<WireValue> deleteAlarms(const nlohmann::json& input);
  Result<WireValue> setActionsEnabled(const nlohmann::json& input, bool enabled);

  int64_t now() const;
  // Moves an alarm to a new state: history, notifications, the store. Called with mutex_ held.
  void transitionLocked(MetricAlarm& alarm, std::string state, std::string reason,
                        std::string reasonData, int64_t nowMs);
  void addHistoryLocked(MetricAlarm& alarm, std::string type, std::string summary, std::string data,
                        int64_t nowMs);
  void persistLocked(const MetricAlarm& alarm);
  void notifyLocked(MetricAlarm& alarm, const std::string& oldState, int64_t nowMs);
  void scheduleTick();

  boost::asio::steady_timer timer_;
  store::Store& store_;
  StatisticsSource statistics_;
  AlarmNotifier& notifier_;
  AlarmSettings settings_;
  mutable std::mutex mutex_;
  std::map<std::string, MetricAlarm> alarms_;  // By name.
  bool stopped_ = false;
};

}  // namespace nimbus::aws::cloudwatch
