#include "client/glob.h"

#include <fmt/format.h>

namespace nimbus::client {

namespace {

// The index of the bracket closing the one at `open` (same kind), skipping escapes and nested
// pairs; npos when there is none.
size_t matchingClose(std::string_view s, size_t open, char openChar, char closeChar) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == openChar) ++depth;
    if (s[i] == closeChar && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Splits at `separator` where no bracket of the given kind is open.
std::vector<std::string> splitTopLevel(std::string_view s, char separator, char openChar,
                                       char closeChar) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      parts.back() += s.substr(i, 2);
      ++i;
      continue;
    }
    if (c == openChar) ++depth;
    if (c == closeChar) --depth;
    if (c == separator && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

bool parseInt(std::string_view s, long& out) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  long value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || value > 1'000'000) return false;
    value = value * 10 + (s[i] - '0');
  }
  out = s[0] == '-' ? -value : value;
  return true;
}

// {1..5}, {01..10}, {1..10..2}, {a..e}: the values of a range; empty when `body` is none.
std::vector<std::string> rangeValues(std::string_view body) {
  std::vector<std::string> values;
  auto dots = body.find("..");
  if (dots == std::string_view::npos) return values;
  std::string_view from = body.substr(0, dots);
  std::string_view rest = body.substr(dots + 2);
  std::string_view to = rest;
  long step = 1;
  if (auto more = rest.find(".."); more != std::string_view::npos) {
    to = rest.substr(0, more);
    if (!parseInt(rest.substr(more + 2), step) || step == 0) return values;
    if (step < 0) step = -step;
  }
  long a = 0, b = 0;
  if (parseInt(from, a) && parseInt(to, b)) {
    auto padded = [](std::string_view s) {
      std::string_view digits = s[0] == '-' ? s.substr(1) : s;
      return digits.size() > 1 && digits[0] == '0';
    };
    size_t width = (padded(from) || padded(to)) ? std::max(from.size(), to.size()) : 0;
    if ((b > a ? b - a : a - b) / step > 10000) return values;
    for (long v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) {
      std::string text = std::to_string(v < 0 ? -v : v);
      size_t digits = width > 0 ? width - (v < 0 ? 1 : 0) : 0;
      if (text.size() < digits) text.insert(0, digits - text.size(), '0');
      values.push_back((v < 0 ? "-" : "") + text);
    }
    return values;
  }
  auto isLetter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (from.size() == 1 && to.size() == 1 && isLetter(from[0]) && isLetter(to[0])) {
    char x = from[0], y = to[0];
    for (int c = x; x <= y ? c <= y : c >= y; c += x <= y ? step : -step) {
      values.emplace_back(1, static_cast<char>(c));
    }
  }
  return values;
}

bool expandInto(const std::string& pattern, std::vector<std::string>& out, size_t limit) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] != '{') continue;
    size_t close = matchingClose(pattern, i, '{', '}');
    if (close == std::string::npos)
      return expandInto(pattern.substr(0, i) + "\\{" + pattern.substr(i + 1), out, limit);
    std::string_view body = std::string_view(pattern).substr(i + 1, close - i - 1);
    std::vector<std::string> alternatives = splitTopLevel(body, ',', '{', '}');
    if (alternatives.size() < 2) alternatives = rangeValues(body);
    if (alternatives.empty()) continue;  // "{a}" stays as written; look inside it.
    std::string prefix = pattern.substr(0, i);
    std::string suffix = pattern.substr(close + 1);
    for (const auto& alternative : alternatives) {
      if (!expandInto(prefix + alternative + suffix, out, limit)) return false;
    }
    return true;
  }
  if (out.size() >= limit) return false;
  out.push_back(pattern);
  return true;
}

bool isRegexSpecial(char c) {
  return std::string_view(".^$|()[]{}+*?\\").find(c) != std::string_view::npos;
}

void appendLiteral(std::string& out, char c) {
  if (isRegexSpecial(c)) out += '\\';
  out += c;
}

// Translates glob text that holds no globstar segment: one path segment, or the inside of an
// extglob (where '/' stands for itself).
void translateSegment(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (i + 1 < s.size()) appendLiteral(out, s[++i]);
      continue;
    }
    if ((c == '@' || c == '!' || c == '+' || c == '*' || c == '?') && i + 1 < s.size() &&
        s[i + 1] == '(') {
      size_t close = matchingClose(s, i + 1, '(', ')');
      if (close != std::string_view::npos) {
        std::string group = "(?:";
        bool first = true;
        for (const auto& alternative :
             splitTopLevel(s.substr(i + 2, close - i - 2), '|', '(', ')')) {
          if (!first) group += '|';
          first = false;
          translateSegment(alternative, group);
        }
        group += ')';
        switch (c) {
          case '@':
            out += group;
            break;
          case '*':
            out += group + "*";
            break;
          case '+':
            out += group + "+";
            break;
          case '?':
            out += group + "?";
            break;
          case '!':
            // Anything within the segment that is not one of the alternatives.
            out += "(?:(?!" + group + "(?:/|$))[^/]*?)";
            break;
        }
        i = close;
        continue;
      }
    }
    if (c == '*') {
      while (i + 1 < s.size() && s[i + 1] == '*') ++i;
      out += "[^/]*";
      continue;
    }
    if (c == '?') {
      out += "[^/]";
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      bool negate = j < s.size() && (s[j] == '!' || s[j] == '^');
      if (negate) ++j;
      size_t bodyStart = j;
      if (j < s.size() && s[j] == ']') ++j;  // A leading ']' is a member.
      while (j < s.size() && s[j] != ']') {
        if (s[j] == '\\') {
          j += 2;
          continue;
        }
        if (s[j] == '[' && j + 1 < s.size() && s[j + 1] == ':') {
          size_t end = s.find(":]", j + 2);
          if (end != std::string_view::npos) {
            j = end + 2;
            continue;
          }
        }
        ++j;
      }
      if (j < s.size()) {
        out += negate ? "[^" : "[";
        for (size_t k = bodyStart; k < j; ++k) {
          if (s[k] == '\\' && k + 1 < s.size()) {
            out += s.substr(k, 2);
            ++k;
          } else if (s[k] == ']' || (s[k] == '[' && (k + 1 >= j || s[k + 1] != ':'))) {
            out += '\\';
            out += s[k];
          } else if (s[k] == '[') {
            size_t end = s.find(":]", k + 2);
            out += s.substr(k, end + 2 - k);
            k = end + 1;
          } else {
            out += s[k];
          }
        }
        out += ']';
        i = j;
        continue;
      }
    }
    appendLiteral(out, c);
  }
}

// Splits a glob into path segments, keeping '/' inside extglob parentheses.
std::vector<std::string> segments(std::string_view glob) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '\\' && i + 1 < glob.size()) {
      parts.back() += glob.substr(i, 2);
      ++i;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (c == '/' && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

}  // namespace

std::optional<std::vector<std::string>> expandBraces(std::string_view pattern, size_t limit) {
  std::vector<std::string> out;
  if (!expandInto(std::string(pattern), out, limit)) return std::nullopt;
  return out;
}

std::string globToRegex(std::string_view glob) {
  while (glob.substr(0, 2) == "./") glob.remove_prefix(2);
  std::vector<std::string> parts;
  for (auto& part : segments(glob)) {
    if (part == "**" && !parts.empty() && parts.back() == "**") continue;
    parts.push_back(std::move(part));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    bool afterGlobstar = i > 0 && parts[i - 1] == "**";
    if (parts[i] == "**") {
      if (parts.size() == 1) {
        out += ".*";
      } else if (i == 0) {
        out += "(?:.*/)?";  // "**/x": x at any depth, the top included.
      } else if (last) {
        out += "(?:/.*)?";  // "a/**": a itself and everything below it.
      } else {
        out += "/(?:.*/)?";  // "a/**/b": a/b, a/x/b, a/x/y/b.
      }
      continue;
    }
    if (i > 0 && !afterGlobstar) out += '/';
    translateSegment(parts[i], out);
  }
  return out;
}

std::optional<Glob> Glob::compile(std::string_view pattern, std::string* problem) {
  Glob glob;
  while (!pattern.empty() && pattern[0] == '!' && pattern.substr(0, 2) != "!(") {
    glob.negated_ = !glob.negated_;
    pattern.remove_prefix(1);
  }
  auto expanded = expandBraces(pattern);
  if (!expanded) {
    if (problem) *problem = "its braces expand to too many patterns";
    return std::nullopt;
  }
  try {
    for (const auto& one : *expanded) {
      std::string_view text = one;
      while (text.substr(0, 2) == "./") text.remove_prefix(2);
      size_t special = text.find_first_of("*?[]{}()!@+\\");
      Alternative alternative;
      alternative.literal = std::string(text.substr(0, special));
      if (special == std::string_view::npos) {
        alternative.kind = Alternative::Kind::Exact;
      } else if (text.substr(special) == "**" && special > 1 && text[special - 1] == '/' &&
                 alternative.literal.find("//") == std::string::npos) {
        alternative.kind = Alternative::Kind::Below;
        alternative.literal.pop_back();
      } else {
        // "dir/**..." also matches "dir" itself: the check may not ask for the slash.
        if (!alternative.literal.empty() && alternative.literal.back() == '/') {
          alternative.literal.pop_back();
        }
        alternative.re =
            std::regex(globToRegex(one), std::regex::ECMAScript | std::regex::optimize);
      }
      glob.alternatives_.push_back(std::move(alternative));
    }
  } catch (const std::regex_error& e) {
    if (problem) *problem = fmt::format("it is not a valid glob ({})", e.what());
    return std::nullopt;
  }
  return glob;
}

bool Glob::matches(std::string_view path) const {
  bool any = false;
  for (const auto& a : alternatives_) {
    switch (a.kind) {
      case Alternative::Kind::Exact:
        any = path == a.literal;
        break;
      case Alternative::Kind::Below:
        any = path.substr(0, a.literal.size()) == a.literal &&
              (path.size() == a.literal.size() || path[a.literal.size()] == '/');
        break;
      case Alternative::Kind::Regex:
        any = path.substr(0, a.literal.size()) == a.literal &&
              std::regex_match(path.begin(), path.end(), a.re);
        break;
    }
    if (any) break;
  }
  return any != negated_;
}

}  // namespace nimbus::client
