#include "server/live_feed.h"

#include "core/json_writer.h"
#include "core/time_format.h"
#include "server/aws_metrics.h"

namespace nimbus::server {

namespace {

constexpr std::string_view kLambdaGroupPrefix = "/aws/lambda/";

}  // namespace

void LiveFeed::logLine(const observe::LogLine& line) {
  metrics_.logLine(line.text);
  if (!events_.watched()) return;
  std::string_view group = line.group;
  std::string_view function =
      group.starts_with(kLambdaGroupPrefix) ? group.substr(kLambdaGroupPrefix.size()) : group;
  std::string json;
  JsonWriter w(json);
  w.beginObject()
      .field("group", line.group)
      .field("stream", line.stream)
      .field("function", function)
      .field("timestamp", line.timestampMs)
      .field("message", line.text)
      .endObject();
  events_.publish("log", json);
}

void LiveFeed::invocation(const observe::FunctionCounters& function,
                          const observe::InvocationSample& sample) {
  metrics_.invocation(function, sample);
  if (!events_.watched()) return;
  std::string json;
  JsonWriter w(json);
  w.beginObject()
      .field("function", function.name)
      .field("timestamp", nowMs())
      .key("durationMs")
      .number(sample.durationMs)
      .field("error", sample.error)
      .field("coldStart", sample.coldStart)
      .endObject();
  events_.publish("invocation", json);
}

void LiveFeed::throttle(const observe::FunctionCounters& function) {
  metrics_.throttle(function);
}

void LiveFeed::gatewayRequest(const observe::RouteCounters& route, int status, double latencyMs,
                              double integrationMs) {
  metrics_.gatewayRequest(route, status, latencyMs, integrationMs);
}

void LiveFeed::functionMetric(std::string_view function, std::string_view name, double value,
                              std::string_view unit) {
  metrics_.functionMetric(function, name, value, unit);
}

}  // namespace nimbus::server
