#include "observe/emf.h"

#include <nlohmann/json.hpp>

namespace nimbus::observe {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxDimensionsPerSet = 30;
constexpr size_t kMaxMetricsPerDirective = 100;
constexpr size_t kMaxValuesPerMetric = 100;

// The JSON part of a line: the whole line, or what follows the runtime's three tab-separated
// fields.
std::string_view jsonPart(std::string_view line) {
  size_t start = line.find_first_not_of(" \t");
  if (start != std::string_view::npos && line[start] == '{') return line.substr(start);
  size_t from = 0;
  for (int field = 0; field < 3; ++field) {
    size_t tab = line.find('\t', from);
    if (tab == std::string_view::npos) return {};
    from = tab + 1;
  }
  std::string_view rest = line.substr(from);
  return !rest.empty() && rest.front() == '{' ? rest : std::string_view();
}

std::string dimensionValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

bool mayBeEmf(std::string_view line) {
  return line.find("\"_aws\"") != std::string_view::npos &&
         line.find("CloudWatchMetrics") != std::string_view::npos;
}

std::vector<EmfMetric> parseEmf(std::string_view line, std::string* error) {
  std::vector<EmfMetric> out;
  auto fail = [&](const char* why) {
    if (error) *error = why;
    out.clear();
    return out;
  };
  if (!mayBeEmf(line)) return out;
  std::string_view text = jsonPart(line);
  if (text.empty()) return fail("the line is not a JSON object");
  json root = json::parse(text, nullptr, false);
  if (!root.is_object()) return fail("the line is not a JSON object");
  const json& aws = root["_aws"];
  if (!aws.is_object() || !aws.contains("Timestamp") || !aws["Timestamp"].is_number()) {
    return fail("_aws.Timestamp is missing");
  }
  int64_t timestamp = aws["Timestamp"].get<int64_t>();
  const json& directives = aws["CloudWatchMetrics"];
  if (!directives.is_array()) return fail("_aws.CloudWatchMetrics is not an array");
  for (const auto& d : directives) {
    if (!d.is_object() || !d.contains("Namespace") || !d["Namespace"].is_string() ||
        !d.contains("Metrics") || !d["Metrics"].is_array() || !d.contains("Dimensions") ||
        !d["Dimensions"].is_array()) {
      return fail("a CloudWatchMetrics directive lacks Namespace, Dimensions or Metrics");
    }
    if (d["Metrics"].size() > kMaxMetricsPerDirective) return fail("more than 100 metrics");
    // Each dimension set makes its own metric; no set at all makes one without dimensions.
    std::vector<std::vector<std::pair<std::string, std::string>>> sets;
    for (const auto& set : d["Dimensions"]) {
      if (!set.is_array() || set.size() > kMaxDimensionsPerSet) {
        return fail("a dimension set is not an array of at most 30 names");
      }
      std::vector<std::pair<std::string, std::string>> dims;
      for (const auto& key : set) {
        if (!key.is_string() || !root.contains(key.get<std::string>())) {
          return fail("a dimension names a member the event does not have");
        }
        dims.emplace_back(key.get<std::string>(), dimensionValue(root[key.get<std::string>()]));
      }
      sets.push_back(std::move(dims));
    }
    if (sets.empty()) sets.emplace_back();
    for (const auto& m : d["Metrics"]) {
      if (!m.is_object() || !m.contains("Name") || !m["Name"].is_string()) {
        return fail("a metric has no Name");
      }
      std::string name = m["Name"].get<std::string>();
      auto member = root.find(name);
      if (member == root.end()) continue;  // Declared but not given: nothing to record.
      std::vector<double> values;
      if (member->is_number()) {
        values.push_back(member->get<double>());
      } else if (member->is_array() && member->size() <= kMaxValuesPerMetric) {
        for (const auto& v : *member) {
          if (!v.is_number()) return fail("a metric value is not a number");
          values.push_back(v.get<double>());
        }
      } else {
        return fail("a metric value is not a number or an array of at most 100 numbers");
      }
      for (const auto& dims : sets) {
        EmfMetric metric;
        metric.ns = d["Namespace"].get<std::string>();
        metric.name = name;
        metric.dimensions = dims;
        metric.values = values;
        if (m.contains("Unit") && m["Unit"].is_string()) metric.unit = m["Unit"].get<std::string>();
        if (m.contains("StorageResolution") && m["StorageResolution"].is_number_integer()) {
          metric.storageResolution = m["StorageResolution"].get<int>() == 1 ? 1 : 60;
        }
        metric.timestampMs = timestamp;
        out.push_back(std::move(metric));
      }
    }
  }
  return out;
}

}  // namespace nimbus::observe
