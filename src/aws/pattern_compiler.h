// The pattern language SNS filter policies and EventBridge event patterns share (AWS matches both
// with the same engine): a JSON object whose leaves are arrays of conditions, compiled into
// $or-expanded branches of leaves; and whether one condition holds for one value. EventBridge
// accepts a few more operators than SNS (exact, wildcard, prefix and suffix with
// equals-ignore-case, anything-but with suffix, equals-ignore-case, wildcard and lists); the
// dialect says which. Refusals carry the engine's reason and, where it reports one, its position.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/pattern_values.h"

namespace nimbus::aws {

enum class PatternDialect { SnsFilterPolicy, EventBridge };

struct PatternCondition {
  enum class Kind {
    ExactString,
    ExactNumber,
    ExactBool,
    ExactNull,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    EqualsIgnoreCase,
    Wildcard,
    AnythingButStrings,
    AnythingButNumbers,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButIgnoreCase,
    AnythingButWildcard,
    Numeric,
    Exists,
    Cidr,
  };
  // Wildcard values: the literal text between the stars, and whether one starts or ends it.
  struct Glob {
    std::vector<std::string> segments;
    bool leadingStar = false;
    bool trailingStar = false;
  };

  Kind kind = Kind::ExactString;
  std::string text;
  double number = 0;
  bool flag = false;                 // ExactBool's value, Exists's value.
  std::vector<std::string> strings;  // Anything-but values, prefixes and suffixes.
  std::vector<double> numbers;
  std::vector<Glob> globs;  // Wildcard (one) and AnythingButWildcard.
  // Numeric: bounds present, and whether each excludes its value.
  bool hasLower = false;
  bool lowerOpen = false;
  double lower = 0;
  bool hasUpper = false;
  bool upperOpen = false;
  double upper = 0;
  CidrBlock cidr;
};

struct PatternLeaf {
  std::vector<std::string> path;             // Keys from the root (an attribute's name for SNS).
  std::vector<PatternCondition> conditions;  // Any one matching is enough.
};

using PatternBranch = std::vector<PatternLeaf>;  // Every leaf must match.

// Why a pattern was refused: the engine's reason, with " at [Source: ...; line: L, column: C]"
// when it names a position.
struct PatternError {
  std::string message;
};

// Compiles `json` (already checked to be well-formed JSON) into its $or alternatives, each a
// branch of leaves. `maxBranches` stops $or expansion (refused with `tooComplex`).
std::optional<PatternError> compilePattern(std::string_view json, PatternDialect dialect,
                                           size_t maxBranches, std::string_view tooComplex,
                                           std::vector<PatternBranch>& branches);

// A value found in a message or event at a leaf's path. Strings are views: whatever holds the
// text must outlive the match.
struct PatternValue {
  enum class Type : unsigned char { String, Number, Bool, Null } type = Type::String;
  bool boolean = false;
  double number = 0;
  std::string_view text;
};

// Whether `condition` holds for `value`. Exists is not decided here: it depends on whether the
// path holds values at all, which each service defines.
bool conditionMatches(const PatternCondition& condition, const PatternValue& value);

}  // namespace nimbus::aws
