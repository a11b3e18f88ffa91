// PutMetricData: reads and checks every datum first, then adds them all, so that a request is
// taken whole or refused whole, as CloudWatch does.
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "aws/cloudwatch/cloudwatch_errors.h"
#include "aws/cloudwatch/cloudwatch_service.h"
#include "aws/cloudwatch/input.h"

namespace nimbus::aws::cloudwatch {

using nlohmann::json;

namespace {

constexpr size_t kMaxPayloadBytes = 1 << 20;  // 1 MB per PutMetricData request.
constexpr size_t kMaxMetricData = 1000;
constexpr size_t kMaxDimensions = 30;
constexpr size_t kMaxValues = 150;
// CloudWatch accepts datapoints up to two weeks old and up to two hours ahead.
constexpr int64_t kMaxAgeMs = 14LL * 86400 * 1000;
constexpr int64_t kMaxAheadMs = 2LL * 3600 * 1000;

std::string numberText(double v) {
  return fmt::format("{}", v);
}

// CloudWatch refuses NaN, infinities, and magnitudes above 2^360 or (other than zero) below
// 2^-260: values its storage cannot represent.
bool acceptableValue(double v) {
  if (!std::isfinite(v)) return false;
  double a = std::fabs(v);
  return a == 0 || (a >= std::ldexp(1.0, -260) && a <= std::ldexp(1.0, 360));
}

Result<double> readValue(const json* value, const std::string& parameter) {
  auto v = input::number(value);
  if (!v) return invalidValue(input::text(value).value_or(value->dump()), parameter);
  if (!acceptableValue(*v)) return invalidValue(numberText(*v), parameter);
  return *v;
}

Status readDimensions(const json& datum, const std::string& path, std::vector<Dimension>& out) {
  std::string parameter = path + ".Dimensions";
  auto dims = input::list(input::member(datum, "Dimensions"));
  if (!dims) return invalidValue("", parameter);
  if (dims->size() > kMaxDimensions) return tooManyItems(parameter, kMaxDimensions);
  std::set<std::string> names;
  for (size_t j = 0; j < dims->size(); ++j) {
    std::string at = fmt::format("{}.member.{}", parameter, j + 1);
    auto name = input::text(input::member(*(*dims)[j], "Name"));
    auto value = input::text(input::member(*(*dims)[j], "Value"));
    if (!name || name->empty()) return missingParameter(at + ".Name");
    if (!value || value->empty()) return missingParameter(at + ".Value");
    if (name->size() > 255 || (*name)[0] == ':') return invalidValue(*name, at + ".Name");
    if (value->size() > 1024) return invalidValue(*value, at + ".Value");
    if (!names.insert(*name).second) {
      return invalidParameter(
          fmt::format("The dimension name {} appears more than once in {}.", *name, parameter));
    }
    out.push_back(Dimension{std::move(*name), std::move(*value)});
  }
  return ok();
}

Status readStatisticSet(const json& set, const std::string& path, StatisticSet& out) {
  double* fields[] = {&out.sampleCount, &out.sum, &out.minimum, &out.maximum};
  const char* names[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
  for (int i = 0; i < 4; ++i) {
    std::string parameter = fmt::format("{}.StatisticValues.{}", path, names[i]);
    const json* member = input::member(set, names[i]);
    if (!member) return missingParameter(parameter);
    auto v = readValue(member, parameter);
    if (!v) return v.takeError();
    *fields[i] = *v;
  }
  if (out.sampleCount <= 0) {
    return invalidValue(numberText(out.sampleCount), path + ".StatisticValues.SampleCount");
  }
  if (out.minimum > out.maximum) {
    return invalidParameter(
        fmt::format("The parameter {0}.StatisticValues.Maximum must be greater than or equal to "
                    "{0}.StatisticValues.Minimum.",
                    path));
  }
  return ok();
}

Result<MetricDatum> readDatum(const json& datum, const std::string& path, int64_t nowMs) {
  MetricDatum out;
  if (!datum.is_object()) return invalidValue("", path);
  auto name = input::text(input::member(datum, "MetricName"));
  if (!name || name->empty()) return missingParameter(path + ".MetricName");
  if (name->size() > 255) return invalidValue(*name, path + ".MetricName");
  out.metricName = std::move(*name);
  if (auto s = readDimensions(datum, path, out.dimensions); !s) return s.takeError();

  out.timestampMs = nowMs;
  if (const json* ts = input::member(datum, "Timestamp")) {
    auto t = input::timestampMs(ts);
    if (!t) return invalidValue(input::text(ts).value_or(ts->dump()), path + ".Timestamp");
    if (*t < nowMs - kMaxAgeMs) {
      return invalidParameter(fmt::format(
          "The parameter {}.Timestamp must specify a time no more than two weeks in the past.",
          path));
    }
    if (*t > nowMs + kMaxAheadMs) {
      return invalidParameter(fmt::format(
          "The parameter {}.Timestamp must specify a time no more than two hours in the future.",
          path));
    }
    out.timestampMs = *t;
  }

  if (const json* unit = input::member(datum, "Unit")) {
    auto u = input::text(unit);
    if (!u || !isStandardUnit(*u)) return invalidValue(u.value_or(unit->dump()), path + ".Unit");
    out.unit = std::move(*u);
  }
  if (const json* resolution = input::member(datum, "StorageResolution")) {
    auto r = input::number(resolution);
    if (!r || (*r != 1 && *r != 60)) {
      return invalidValue(input::text(resolution).value_or(resolution->dump()),
                          path + ".StorageResolution");
    }
    out.storageResolution = static_cast<int>(*r);
  }

  const json* value = input::member(datum, "Value");
  const json* set = input::member(datum, "StatisticValues");
  auto values = input::list(input::member(datum, "Values"));
  auto counts = input::list(input::member(datum, "Counts"));
  if (!values) return invalidValue("", path + ".Values");
  if (!counts) return invalidValue("", path + ".Counts");
  int given = (value ? 1 : 0) + (set ? 1 : 0) + (values->empty() ? 0 : 1);
  if (given > 1) {
    std::string first = value ? path + ".Value" : path + ".StatisticValues";
    std::string second = value && set ? path + ".StatisticValues" : path + ".Values";
    return invalidCombination(
        fmt::format("The parameters {} and {} are mutually exclusive and you have specified both.",
                    first, second));
  }
  if (given == 0) {
    return invalidCombination(fmt::format(
        "At least one of the parameters {0}.Value, {0}.Values or {0}.StatisticValues must be "
        "specified.",
        path));
  }
  if (!counts->empty() && values->empty()) {
    return invalidCombination(fmt::format(
        "The parameter {0}.Counts may only be specified together with {0}.Values.", path));
  }
  if (value) {
    auto v = readValue(value, path + ".Value");
    if (!v) return v.takeError();
    out.values.push_back(*v);
  } else if (set) {
    StatisticSet s;
    if (auto status = readStatisticSet(*set, path, s); !status) return status.takeError();
    out.statisticValues = s;
  } else {
    if (values->size() > kMaxValues) return tooManyItems(path + ".Values", kMaxValues);
    if (!counts->empty() && counts->size() != values->size()) {
      return invalidCombination(
          fmt::format("The parameters {0}.Values and {0}.Counts must be of the same size.", path));
    }
    for (size_t i = 0; i < values->size(); ++i) {
      auto v = readValue((*values)[i], fmt::format("{}.Values.member.{}", path, i + 1));
      if (!v) return v.takeError();
      out.values.push_back(*v);
    }
    for (size_t i = 0; i < counts->size(); ++i) {
      std::string parameter = fmt::format("{}.Counts.member.{}", path, i + 1);
      auto c = readValue((*counts)[i], parameter);
      if (!c) return c.takeError();
      if (*c < 0) return invalidValue(numberText(*c), parameter);
      out.counts.push_back(*c);
    }
  }
  return out;
}

}  // namespace

Result<WireValue> CloudWatchService::putMetricData(const json& in, size_t bodyBytes) {
  if (bodyBytes > kMaxPayloadBytes) {
    return ServiceError{
        "RequestEntityTooLarge",
        fmt::format("Request size {} exceeded {} bytes", bodyBytes, kMaxPayloadBytes), 413};
  }
  auto ns = input::text(input::member(in, "Namespace"));
  if (!ns || ns->empty()) return missingParameter("Namespace");
  // "AWS/" namespaces belong to AWS services; nimbus's own go through putServiceMetric.
  if (ns->starts_with("AWS/")) return invalidValue("AWS/", "Namespace");
  if (ns->size() > 255 || (*ns)[0] == ':') return invalidValue(*ns, "Namespace");

  // Each datum with the parameter path its errors name: MetricData and the MetricData of each
  // EntityMetricData entry (entities themselves are accepted and not kept).
  std::vector<std::pair<const json*, std::string>> data;
  auto metricData = input::list(input::member(in, "MetricData"));
  if (!metricData) return invalidValue("", "MetricData");
  for (size_t i = 0; i < metricData->size(); ++i) {
    data.emplace_back((*metricData)[i], fmt::format("MetricData.member.{}", i + 1));
  }
  auto entities = input::list(input::member(in, "EntityMetricData"));
  if (!entities) return invalidValue("", "EntityMetricData");
  for (size_t e = 0; e < entities->size(); ++e) {
    std::string prefix = fmt::format("EntityMetricData.member.{}.MetricData", e + 1);
    auto inner = input::list(input::member(*(*entities)[e], "MetricData"));
    if (!inner) return invalidValue("", prefix);
    for (size_t i = 0; i < inner->size(); ++i) {
      data.emplace_back((*inner)[i], fmt::format("{}.member.{}", prefix, i + 1));
    }
  }
  if (data.empty()) return missingParameter("MetricData");
  if (data.size() > kMaxMetricData) return tooManyItems("MetricData", kMaxMetricData);

  int64_t nowMs = now();
  std::vector<MetricDatum> datums;
  datums.reserve(data.size());
  for (const auto& [datum, path] : data) {
    auto d = readDatum(*datum, path, nowMs);
    if (!d) return d.takeError();
    datums.push_back(std::move(*d));
  }
  for (const auto& d : datums) store_.put(*ns, d, nowMs);
  return WireValue::structure();
}

}  // namespace nimbus::aws::cloudwatch
