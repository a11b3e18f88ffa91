#include "aws/cloudwatch/metric_types.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace nimbus::aws::cloudwatch {

std::optional<Statistic> parsePercentile(std::string_view text) {
  if (text.size() < 2 || text[0] != 'p') return std::nullopt;
  std::string_view number = text.substr(1);
  // pNN or pNN.NNNNNNNNNN (up to ten decimals), or p100, as CloudWatch writes percentiles.
  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  if (whole.empty() || whole.size() > 3) return std::nullopt;
  if (dot != std::string_view::npos) {
    std::string_view fraction = number.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 10) return std::nullopt;
  }
  for (char c : number) {
    if (c != '.' && (c < '0' || c > '9')) return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  if (value < 0 || value > 100) return std::nullopt;
  Statistic s;
  s.kind = Statistic::Kind::Percentile;
  s.percentile = value;
  s.name = std::string(text);
  return s;
}

std::optional<Statistic> parseStatistic(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, Statistic::Kind>, 5> kSimple = {{
      {"SampleCount", Statistic::Kind::SampleCount},
      {"Average", Statistic::Kind::Average},
      {"Sum", Statistic::Kind::Sum},
      {"Minimum", Statistic::Kind::Minimum},
      {"Maximum", Statistic::Kind::Maximum},
  }};
  for (const auto& [name, kind] : kSimple) {
    if (text == name) {
      Statistic s;
      s.kind = kind;
      s.name = std::string(text);
      return s;
    }
  }
  return parsePercentile(text);
}

bool isStandardUnit(std::string_view unit) {
  static constexpr std::array<std::string_view, 27> kUnits = {"Seconds",
                                                              "Microseconds",
                                                              "Milliseconds",
                                                              "Bytes",
                                                              "Kilobytes",
                                                              "Megabytes",
                                                              "Gigabytes",
                                                              "Terabytes",
                                                              "Bits",
                                                              "Kilobits",
                                                              "Megabits",
                                                              "Gigabits",
                                                              "Terabits",
                                                              "Percent",
                                                              "Count",
                                                              "Bytes/Second",
                                                              "Kilobytes/Second",
                                                              "Megabytes/Second",
                                                              "Gigabytes/Second",
                                                              "Terabytes/Second",
                                                              "Bits/Second",
                                                              "Kilobits/Second",
                                                              "Megabits/Second",
                                                              "Gigabits/Second",
                                                              "Terabits/Second",
                                                              "Count/Second",
                                                              "None"};
  return std::find(kUnits.begin(), kUnits.end(), unit) != kUnits.end();
}

std::vector<Dimension> sortedDimensions(std::vector<Dimension> dims) {
  std::stable_sort(dims.begin(), dims.end(),
                   [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
  return dims;
}

}  // namespace nimbus::aws::cloudwatch
