// Lambda event filtering (an event source mapping's FilterCriteria): each filter's Pattern is
// matched against each record as Lambda reads it (for a DynamoDB stream, the record with
// eventName, dynamodb.Keys, dynamodb.NewImage, ...), and only records that some filter matches
// reach the function; the others count as processed.
//
// Patterns have EventBridge's syntax, which is not SNS's filter policies': fields nest to any
// depth with no limit on their number, and each leaf is a list of matchers: exact strings,
// numbers, true/false, null, "" (empty), {"prefix"}, {"suffix"}, {"equals-ignore-case"},
// {"anything-but": value, list or {"prefix"}/{"suffix"}}, {"numeric": [op, n, op, n]},
// {"exists": true|false}; "$or" takes a list of alternative patterns.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nimbus::lambda {

class EventFilter {
 public:
  struct Node;

  // Compiles one Pattern; on failure, Lambda's InvalidParameterValueException message.
  static std::variant<EventFilter, std::string> compile(std::string_view pattern);

  // Whether the record (a JSON object) matches.
  bool matches(const nlohmann::json& record) const;

 private:
  explicit EventFilter(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

// A mapping's filters: a record passes when any filter matches it, or when there is none.
class EventFilters {
 public:
  EventFilters() = default;
  // Compiles every pattern; the first refusal wins.
  static std::variant<EventFilters, std::string> compile(const std::vector<std::string>& patterns);

  bool empty() const { return filters_.empty(); }
  bool matches(const nlohmann::json& record) const;
  // Parses `recordJson` and matches it; a record that is not JSON matches no filter.
  bool matches(std::string_view recordJson) const;

 private:
  std::vector<EventFilter> filters_;
};

}  // namespace nimbus::lambda
