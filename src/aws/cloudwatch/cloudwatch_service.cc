#include "aws/cloudwatch/cloudwatch_service.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "aws/cloudwatch/alarm_service.h"
#include "aws/cloudwatch/protocol.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::cloudwatch {

CloudWatchService::CloudWatchService(CloudWatchSettings settings) : settings_(std::move(settings)) {
  if (!settings_.nowMs) settings_.nowMs = [] { return nimbus::nowMs(); };
}

CloudWatchService::~CloudWatchService() {
  stop();
}

int64_t CloudWatchService::now() const {
  return settings_.nowMs();
}

std::vector<std::string> CloudWatchService::load() {
  std::vector<std::string> warnings;
  if (settings_.dataDir.empty() || database_) return warnings;
  auto database = std::make_unique<MetricDatabase>();
  std::filesystem::path file = std::filesystem::path(settings_.dataDir) / "metrics.db";
  if (std::string error = database->open(file); !error.empty()) {
    warnings.push_back(
        fmt::format("cloudwatch: {} cannot be opened ({}); metrics are kept in memory only",
                    file.string(), error));
    return warnings;
  }
  warnings = database->load(store_);
  // Data that aged while nimbus was down is coarsened at once, as it would have been.
  store_.coarsen(now());
  database->startWriter(store_, settings_.flushIntervalMs, settings_.nowMs);
  database_ = std::move(database);
  return warnings;
}

void CloudWatchService::stop() {
  if (database_) database_->stopWriter();
}

std::string CloudWatchService::flush() {
  return database_ ? database_->flush(store_) : std::string();
}

void CloudWatchService::handle(HttpRequest&& request, const RequestIdentity& /*identity*/,
                               http::Responder responder) {
  std::string requestId = newUuid();
  Protocol protocol = detectProtocol(request);
  auto wire = readRequest(request, protocol);
  if (!wire) {
    responder.send(writeError(protocol, wire.error(), requestId));
    return;
  }
  auto result = dispatch(wire->operation, wire->input, wire->bodyBytes);
  if (!result) {
    ServiceError error = result.takeError();
    // JSON and RPC v2 clients know an unknown operation by this name, query clients by
    // InvalidAction.
    if (error.code == "InvalidAction" && protocol != Protocol::Query) {
      error.code = "UnknownOperationException";
    }
    responder.send(writeError(protocol, error, requestId));
    return;
  }
  bool hasOutput =
      wire->operation != "PutMetricData" && !AlarmService::hasNoOutput(wire->operation);
  responder.send(writeAnswer(protocol, wire->operation, hasOutput ? &*result : nullptr, requestId));
}

Result<WireValue> CloudWatchService::dispatch(const std::string& operation,
                                              const nlohmann::json& input, size_t bodyBytes) {
  if (operation == "PutMetricData") return putMetricData(input, bodyBytes);
  if (operation == "GetMetricStatistics") return getMetricStatistics(input);
  if (operation == "GetMetricData") return getMetricData(input);
  if (operation == "ListMetrics") return listMetrics(input);
  if (alarms_ && AlarmService::handles(operation)) return alarms_->dispatch(operation, input);
  return ServiceError{"InvalidAction",
                      fmt::format("The action {} is not valid for this web service.", operation),
                      400};
}

void CloudWatchService::putServiceMetric(std::string_view ns, std::string_view name,
                                         const std::vector<Dimension>& dimensions, double value,
                                         std::string_view unit, int64_t timestampMs) {
  int64_t nowMs = now();
  store_.putValue(ns, name, dimensions, value, unit.empty() ? "None" : unit,
                  timestampMs == 0 ? nowMs : timestampMs, nowMs);
}

Result<std::vector<std::optional<double>>> CloudWatchService::recentStatistics(
    const MetricIdentity& metric, std::string_view statistic, int64_t periodSec, int periods,
    int64_t endMs, std::string_view unit) const {
  auto stat = parseStatistic(statistic);
  if (!stat) {
    return ServiceError{"InvalidParameterValue",
                        fmt::format("The value {} for parameter Statistic is invalid.", statistic),
                        400};
  }
  if (periodSec <= 0 || periods <= 0) {
    return ServiceError{"InvalidParameterValue", "The period and count must be positive.", 400};
  }
  int64_t periodMs = periodSec * 1000;
  int64_t end = (endMs == 0 ? now() : endMs) / periodMs * periodMs;
  int64_t start = end - periods * periodMs;
  std::vector<std::optional<double>> out(static_cast<size_t>(periods));
  for (const auto& p : store_.aggregate(metric, start, end, periodSec, unit, false)) {
    int64_t index = (p.startMs - start) / periodMs;
    if (index >= 0 && index < periods)
      out[static_cast<size_t>(index)] = p.aggregate.statistic(*stat);
  }
  return out;
}

}  // namespace nimbus::aws::cloudwatch
