// The regular expressions of CloudWatch Logs filter patterns (`%...%` in terms, JSON values and
// space-delimited fields). CloudWatch accepts a restricted syntax: letters, digits, the symbols
// : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \ * + . — no groups, no spaces, no
// multi-byte characters (characters it cannot take are written as `\xNN`). Without groups a small
// backtracking matcher runs it ten times faster than std::regex; an expression with no operator
// is a substring search.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus::observe {

struct RegexProgram;  // The compiled branches (filter_regex.cc).

class FilterRegex {
 public:
  // An InvalidParameterException with CloudWatch's message for what CloudWatch refuses.
  static Result<FilterRegex> compile(std::string_view body);
  // Whether the expression matches anywhere in `text`.
  bool search(std::string_view text) const;
  // Text every match contains; empty when nothing is certain.
  const std::string& requiredLiteral() const { return certain_; }

 private:
  std::string certain_;
  std::shared_ptr<const RegexProgram> program_;  // Null for a plain literal.
};

}  // namespace nimbus::observe
