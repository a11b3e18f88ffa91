// CloudWatch Logs filter patterns, the language FilterLogEvents, metric filters and subscription
// filters share: unstructured terms (`ERROR -DEBUG`, `?WARN ?ERROR`, `"exact phrase"`, `%regex%`),
// JSON patterns (`{ $.level = "error" && $.latency > 500 }`) and space-delimited patterns
// (`[ip, user, ..., status = 4* || status = 5*, bytes > 1000]`). A pattern is parsed once and
// then matched against many events, so parsing does all the work it can up front.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nimbus::observe {

struct CompiledPattern;  // The parsed form; immutable once built (filter_pattern.cc).

class FilterPattern {
 public:
  // Parses a pattern. An empty or all-blank pattern matches every event. A pattern CloudWatch
  // would refuse returns the InvalidParameterException (400) CloudWatch answers with.
  static Result<FilterPattern> parse(std::string_view pattern);

  // Whether one log event's message matches. Thread-safe; allocates nothing for term patterns.
  bool matches(std::string_view message) const;

  bool matchesEverything() const;

  // Byte strings that every matching message contains (case-sensitive), for a cheap prefilter
  // in SQL (`instr(message, ?) > 0`). Conservative: empty when nothing certain can be derived,
  // never a string some matching message lacks.
  const std::vector<std::string>& requiredLiterals() const;

 private:
  explicit FilterPattern(std::shared_ptr<const CompiledPattern> compiled);

  // Shared, so copies are cheap and a pattern can be handed to several query threads.
  std::shared_ptr<const CompiledPattern> compiled_;
};

}  // namespace nimbus::observe
