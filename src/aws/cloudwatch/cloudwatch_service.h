// Amazon CloudWatch metrics on the AWS endpoint: PutMetricData, GetMetricStatistics,
// GetMetricData (with a subset of metric math, see metric_math.h) and ListMetrics, in all three
// of CloudWatch's wire protocols (protocol.h). Datapoints are aggregated in memory per metric,
// unit and bucket (MetricStore) and written to `<dataDir>/metrics.db` in batches by a background
// thread (MetricDatabase), so that they survive a restart. nimbus's own services publish their
// AWS/... metrics through putServiceMetric, and alarms read through recentStatistics.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch/metric_database.h"
#include "aws/cloudwatch/metric_store.h"
#include "aws/cloudwatch/metric_types.h"
#include "aws/cloudwatch/wire_value.h"
#include "aws/request_identity.h"
#include "core/http_message.h"
#include "core/result.h"
#include "http/server.h"

namespace nimbus::aws::cloudwatch {

class AlarmService;

struct CloudWatchSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  // Where metrics.db lives; empty keeps datapoints in memory only.
  std::string dataDir;
  // How often the background writer commits a batch of changed buckets.
  int64_t flushIntervalMs = 1000;
  // The wall clock in epoch milliseconds; tests pass their own.
  std::function<int64_t()> nowMs;
};

class CloudWatchService {
 public:
  explicit CloudWatchService(CloudWatchSettings settings);
  ~CloudWatchService();
  CloudWatchService(const CloudWatchService&) = delete;
  CloudWatchService& operator=(const CloudWatchService&) = delete;

  // Opens metrics.db, reads the kept datapoints and starts the background writer. Returns
  // warnings (an unreadable database leaves the service in memory only, and says so).
  std::vector<std::string> load();
  // Writes what is not yet written and stops the writer. Safe to call more than once.
  void stop();

  // Answers one request on the AWS endpoint, in whichever protocol it speaks. Answers before
  // returning (the work is in memory).
  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // Records one value of a metric nimbus publishes itself (namespace "AWS/Lambda",
  // "AWS/ApiGateway", "AWS/SQS", ...), at standard (60 s) resolution. Cheap enough for hot
  // paths: one short lock and an update of the metric's current bucket in memory; no I/O, and
  // no allocation once the metric and its bucket exist. `timestampMs` 0 means now.
  void putServiceMetric(std::string_view ns, std::string_view name,
                        const std::vector<Dimension>& dimensions, double value,
                        std::string_view unit, int64_t timestampMs = 0);

  // Statistic `statistic` ("Average", "Sum", "p99", ...) of one metric over the last `periods`
  // whole periods of `periodSec` seconds ending at or before `endMs` (0: now), oldest first;
  // nullopt for a period without data. With `unit`, only data put in that unit. What an alarm
  // evaluates; an unknown statistic gives an error.
  Result<std::vector<std::optional<double>>> recentStatistics(const MetricIdentity& metric,
                                                              std::string_view statistic,
                                                              int64_t periodSec, int periods,
                                                              int64_t endMs = 0,
                                                              std::string_view unit = {}) const;

  // The in-memory store, for tests and for whoever needs a direct read.
  const MetricStore& store() const { return store_; }
  // The alarm operations are answered by `alarms` (alarm_service.h); null answers them as
  // unknown. Set before requests arrive.
  void setAlarms(AlarmService* alarms) { alarms_ = alarms; }

  // Writes the pending batch now (tests use it instead of waiting for the writer).
  std::string flush();

 private:
  int64_t now() const;
  Result<WireValue> dispatch(const std::string& operation, const nlohmann::json& input,
                             size_t bodyBytes);
  Result<WireValue> putMetricData(const nlohmann::json& input, size_t bodyBytes);
  Result<WireValue> getMetricStatistics(const nlohmann::json& input);
  Result<WireValue> getMetricData(const nlohmann::json& input);
  Result<WireValue> listMetrics(const nlohmann::json& input);

  CloudWatchSettings settings_;
  MetricStore store_;
  std::unique_ptr<MetricDatabase> database_;  // Null when memory only.
  AlarmService* alarms_ = nullptr;
};

}  // namespace nimbus::aws::cloudwatch
