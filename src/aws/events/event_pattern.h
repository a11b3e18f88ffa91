// EventBridge event patterns: compiled once (PutRule, TestEventPattern, a serverless.yml
// `pattern`), then matched against events. The language is EventBridge's: exact values (strings,
// numbers, null, booleans), prefix and suffix (each also with equals-ignore-case), equals-ignore-
// case, wildcard, anything-but (values, lists, prefix, suffix, equals-ignore-case, wildcard),
// numeric ranges, exists, cidr (IPv4 and IPv6), $or, nested objects, and arrays in events (a field
// matches when any element does). Bad patterns are refused with the service's own reasons.
//
// Many rules are matched together through a PatternIndex: the event is read once, only along the
// paths some rule names; rules that name exact strings are found by the event's values at those
// paths, and only they and the rules without exact strings are checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/pattern_compiler.h"

namespace nimbus::aws::events {

class EventPattern {
 public:
  // The pattern, or the InvalidEventPatternException message ("Event pattern is not valid.
  // Reason: ...").
  using CompileResult = std::variant<std::shared_ptr<const EventPattern>, std::string>;
  static CompileResult compile(std::string_view json);

  explicit EventPattern(std::vector<PatternBranch> branches);
  ~EventPattern();

  // Whether `eventJson` (an event envelope, a JSON object) matches. For one-off checks
  // (TestEventPattern); a PatternIndex matches many patterns faster.
  bool matches(std::string_view eventJson) const;

  const std::vector<PatternBranch>& branches() const { return branches_; }

 private:
  std::vector<PatternBranch> branches_;  // $or alternatives: any one matching is enough.
};

// Patterns matched together. Immutable once built, so any thread may match through it.
class PatternIndex {
 public:
  explicit PatternIndex(std::vector<std::shared_ptr<const EventPattern>> patterns);
  ~PatternIndex();
  PatternIndex(const PatternIndex&) = delete;
  PatternIndex& operator=(const PatternIndex&) = delete;

  size_t size() const { return patterns_.size(); }

  // Appends to `matched` the positions (in the constructor's vector) of the patterns the event
  // matches, in ascending order. Returns false, matching nothing, when `eventJson` is not a JSON
  // object.
  bool match(std::string_view eventJson, std::vector<size_t>& matched) const;

  struct Paths;

 private:
  std::vector<std::shared_ptr<const EventPattern>> patterns_;
  std::unique_ptr<Paths> paths_;
};

}  // namespace nimbus::aws::events
