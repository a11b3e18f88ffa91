#include "aws/pattern_compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "aws/pattern_json.h"

namespace nimbus::aws {

namespace {

using Condition = PatternCondition;
using Leaf = PatternLeaf;
using Branch = PatternBranch;
using Kind = PatternCondition::Kind;
using Glob = PatternCondition::Glob;
using Value = PatternValue;

constexpr size_t kSourceSnippet = 500;

bool startsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool endsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequalsAscii(s.substr(0, p.size()), p);
}

bool endsWithIgnoreCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequalsAscii(s.substr(s.size() - p.size()), p);
}

// `*` matches any run of characters, possibly empty; the segments between stars must appear in
// order. Greedy leftmost placement of each middle segment is enough for stars alone.
bool globMatches(const Glob& g, std::string_view s) {
  const auto& seg = g.segments;
  if (!g.leadingStar && !g.trailingStar && seg.size() == 1) return s == seg[0];
  size_t first = 0;
  size_t last = seg.size();
  if (!g.leadingStar) {
    if (!startsWith(s, seg[0])) return false;
    s.remove_prefix(seg[0].size());
    first = 1;
  }
  if (!g.trailingStar && last > first) {
    if (!endsWith(s, seg[last - 1])) return false;
    s.remove_suffix(seg[last - 1].size());
    --last;
  }
  for (size_t i = first; i < last; ++i) {
    auto at = s.find(seg[i]);
    if (at == std::string_view::npos) return false;
    s.remove_prefix(at + seg[i].size());
  }
  return true;
}

bool matchesValue(const Condition& c, const Value& v) {
  using T = Value::Type;
  switch (c.kind) {
    case Kind::ExactString:
      return v.type == T::String && v.text == c.text;
    case Kind::ExactNumber:
      return v.type == T::Number && numbersEqual(v.number, c.number);
    case Kind::ExactBool:
      return v.type == T::Bool && v.boolean == c.flag;
    case Kind::ExactNull:
      return v.type == T::Null;
    case Kind::Prefix:
      return v.type == T::String && startsWith(v.text, c.text);
    case Kind::PrefixIgnoreCase:
      return v.type == T::String && startsWithIgnoreCase(v.text, c.text);
    case Kind::Suffix:
      return v.type == T::String && endsWith(v.text, c.text);
    case Kind::SuffixIgnoreCase:
      return v.type == T::String && endsWithIgnoreCase(v.text, c.text);
    case Kind::EqualsIgnoreCase:
      return v.type == T::String && iequalsAscii(v.text, c.text);
    case Kind::Wildcard:
      return v.type == T::String && globMatches(c.globs.front(), v.text);
    case Kind::AnythingButStrings:
      return v.type != T::String ||
             std::find(c.strings.begin(), c.strings.end(), v.text) == c.strings.end();
    case Kind::AnythingButNumbers:
      return v.type != T::Number || std::none_of(c.numbers.begin(), c.numbers.end(), [&](double n) {
               return numbersEqual(n, v.number);
             });
    case Kind::AnythingButPrefix:
      return v.type != T::String || std::none_of(c.strings.begin(), c.strings.end(),
                                                 [&](auto& p) { return startsWith(v.text, p); });
    case Kind::AnythingButSuffix:
      return v.type != T::String || std::none_of(c.strings.begin(), c.strings.end(),
                                                 [&](auto& p) { return endsWith(v.text, p); });
    case Kind::AnythingButIgnoreCase:
      return v.type != T::String || std::none_of(c.strings.begin(), c.strings.end(),
                                                 [&](auto& p) { return iequalsAscii(v.text, p); });
    case Kind::AnythingButWildcard:
      return v.type != T::String || std::none_of(c.globs.begin(), c.globs.end(),
                                                 [&](auto& g) { return globMatches(g, v.text); });
    case Kind::Numeric: {
      if (v.type != T::Number) return false;
      if (c.hasLower) {
        int cmp = compareNumbers(v.number, c.lower);
        if (cmp < 0 || (cmp == 0 && c.lowerOpen)) return false;
      }
      if (c.hasUpper) {
        int cmp = compareNumbers(v.number, c.upper);
        if (cmp > 0 || (cmp == 0 && c.upperOpen)) return false;
      }
      return true;
    }
    case Kind::Cidr:
      return v.type == T::String && c.cidr.contains(v.text);
    case Kind::Exists:
      break;  // Decided by whether there are values at all.
  }
  return false;
}

// Parses a wildcard value as EventBridge does: `*` is the wildcard, `\*` and `\\` are literal,
// two stars in a row and any other backslash are refused. Positions count the quote that
// EventBridge puts before the value.
std::string parseGlob(const std::string& text, Glob& out) {
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '*') {
      if (i + 1 < text.size() && text[i + 1] == '*') {
        return fmt::format("Consecutive wildcard characters at pos {}", i + 1);
      }
      if (i == 0) out.leadingStar = true;
      if (i + 1 == text.size()) out.trailingStar = true;
      if (i != 0) out.segments.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (ch == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
        current += text[++i];
        continue;
      }
      return fmt::format("Invalid escape character at pos {}", i + 1);
    }
    current += ch;
  }
  if (!out.trailingStar) out.segments.push_back(std::move(current));
  if (out.segments.empty()) out.segments.emplace_back();
  return "";
}

// ---- Compiling -------------------------------------------------------------------------------

// Reads a pattern token by token, as EventBridge's rule compiler does, so that a refusal names
// the same reason and position.
class Compiler {
 public:
  Compiler(std::string_view source, PatternDialect dialect, size_t maxBranches,
           std::string_view tooComplex)
      : source_(source),
        reader_(source),
        eventBridge_(dialect == PatternDialect::EventBridge),
        maxBranches_(maxBranches),
        tooComplex_(tooComplex) {}

  std::optional<std::string> error;

  bool run(std::vector<Branch>& branches) {
    if (reader_.next() != PolicyToken::StartObject) return barf("Filter is not an object");
    std::vector<std::string> path;
    return parseObject(branches, path, false);
  }

 private:
  bool barf(const std::string& message) {
    if (error) return false;
    std::string truncated;
    if (source_.size() > kSourceSnippet) {
      truncated = fmt::format("[truncated {} chars]", source_.size() - kSourceSnippet);
    }
    error =
        fmt::format("{}\n at [Source: (String)\"{}\"{}; line: {}, column: {}]", message,
                    source_.substr(0, kSourceSnippet), truncated, reader_.line(), reader_.column());
    return false;
  }

  // A refusal of a value read whole, with no position.
  bool refuse(const std::string& message) {
    if (!error) error = message;
    return false;
  }

  static bool isReservedInOr(const std::string& name) {
    return name == "prefix" || name == "suffix" || name == "anything-but" || name == "numeric" ||
           name == "exists" || name == "cidr" || name == "equals-ignore-case" || name == "exact" ||
           name == "wildcard";
  }

  bool parseObject(std::vector<Branch>& branches, std::vector<std::string>& path, bool insideOr) {
    bool fieldsPresent = false;
    while (reader_.next() != PolicyToken::EndObject) {
      if (reader_.current() != PolicyToken::FieldName) return barf("Unexpected token");
      fieldsPresent = true;
      std::string name = reader_.text();
      if (name == "$or") {
        if (!parseOr(branches, path)) return false;
        continue;
      }
      if (insideOr && isReservedInOr(name)) {
        return barf(name + " is Ruler reserved fieldName which cannot be used inside $or.");
      }
      switch (reader_.next()) {
        case PolicyToken::StartObject:
          path.push_back(name);
          if (!parseObject(branches, path, insideOr)) return false;
          path.pop_back();
          break;
        case PolicyToken::StartArray: {
          path.push_back(name);
          bool ok = writeLeaf(branches, path);
          path.pop_back();
          if (!ok) return false;
          break;
        }
        default:
          return barf(fmt::format("\"{}\" must be an object or an array", name));
      }
    }
    if (!fieldsPresent) return barf("Empty objects are not allowed");
    return true;
  }

  // "$or": [ {...}, {...} ]: every branch so far is combined with each alternative.
  bool parseOr(std::vector<Branch>& branches, std::vector<std::string>& path) {
    std::vector<Branch> before = std::move(branches);
    branches.clear();
    if (reader_.next() != PolicyToken::StartArray) {
      return barf("It must be an Array followed with $or.");
    }
    int alternatives = 0;
    while (reader_.next() != PolicyToken::EndArray) {
      ++alternatives;
      if (reader_.current() != PolicyToken::StartObject) {
        return barf("Only JSON object is allowed in array of $or relationship.");
      }
      std::vector<Branch> alternative = before;
      if (alternative.empty()) alternative.emplace_back();
      if (!parseObject(alternative, path, true)) return false;
      for (auto& b : alternative) branches.push_back(std::move(b));
      if (branches.size() > maxBranches_) return refuse(std::string(tooComplex_));
    }
    if (alternatives < 2) return barf("There must have at least 2 Objects in $or relationship.");
    return true;
  }

  bool writeLeaf(std::vector<Branch>& branches, const std::vector<std::string>& path) {
    Leaf leaf;
    leaf.path = path;
    while (reader_.next() != PolicyToken::EndArray) {
      Condition c;
      switch (reader_.current()) {
        case PolicyToken::StartObject:
          if (!matchExpression(c)) return false;
          break;
        case PolicyToken::String:
          c.kind = Kind::ExactString;
          c.text = reader_.text();
          break;
        case PolicyToken::Number:
          c.kind = Kind::ExactNumber;
          c.number = reader_.number();
          break;
        case PolicyToken::True:
        case PolicyToken::False:
          c.kind = Kind::ExactBool;
          c.flag = reader_.current() == PolicyToken::True;
          break;
        case PolicyToken::Null:
          c.kind = Kind::ExactNull;
          break;
        default:
          return barf("Match value must be String, number, true, false, or null");
      }
      leaf.conditions.push_back(std::move(c));
    }
    if (leaf.conditions.empty()) return barf("Empty arrays are not allowed");
    if (branches.empty()) branches.emplace_back();
    for (auto& branch : branches) {
      auto same = std::find_if(branch.begin(), branch.end(),
                               [&](const Leaf& l) { return l.path == leaf.path; });
      if (same != branch.end()) {
        *same = leaf;  // A repeated key: the last one counts.
      } else {
        branch.push_back(leaf);
      }
    }
    return true;
  }

  bool endOfExpression() {
    if (reader_.next() != PolicyToken::EndObject) {
      return barf("Only one key allowed in match expression");
    }
    return true;
  }

  bool stringOperand(const char* what, Condition& c) {
    if (reader_.next() != PolicyToken::String) {
      return barf(fmt::format("{} match pattern must be a string", what));
    }
    c.text = reader_.text();
    return endOfExpression();
  }

  // {"prefix": {"equals-ignore-case": "..."}} and the same for suffix.
  bool ignoreCaseOperand(const char* what, Kind kind, Condition& c) {
    if (reader_.next() != PolicyToken::FieldName) {
      return barf(fmt::format("{} expression name not found", what));
    }
    std::string op = reader_.text();
    if (op != "equals-ignore-case") {
      std::string lower = what;
      lower[0] = static_cast<char>(std::tolower(lower[0]));
      return barf(fmt::format("Unsupported {} pattern: {}", lower, op));
    }
    if (reader_.next() != PolicyToken::String) {
      return barf("equals-ignore-case match pattern must be a string");
    }
    c.kind = kind;
    c.text = reader_.text();
    return endOfExpression() && endOfExpression();
  }

  bool matchExpression(Condition& c) {
    if (reader_.next() != PolicyToken::FieldName) return barf("Match expression name not found");
    std::string type = reader_.text();
    if (type == "exact" && eventBridge_) {
      c.kind = Kind::ExactString;
      return stringOperand("exact", c);
    }
    if (type == "prefix" || type == "suffix") {
      bool prefix = type == "prefix";
      PolicyToken t = reader_.next();
      if (t == PolicyToken::StartObject && eventBridge_) {
        return ignoreCaseOperand(prefix ? "Prefix" : "Suffix",
                                 prefix ? Kind::PrefixIgnoreCase : Kind::SuffixIgnoreCase, c);
      }
      if (t != PolicyToken::String) {
        return barf(fmt::format("{} match pattern must be a string", type));
      }
      c.kind = prefix ? Kind::Prefix : Kind::Suffix;
      c.text = reader_.text();
      return endOfExpression();
    }
    if (type == "equals-ignore-case") {
      c.kind = Kind::EqualsIgnoreCase;
      return stringOperand("equals-ignore-case", c);
    }
    if (type == "wildcard" && eventBridge_) {
      c.kind = Kind::Wildcard;
      if (reader_.next() != PolicyToken::String) {
        return barf("wildcard match pattern must be a string");
      }
      Glob glob;
      if (auto problem = parseGlob(reader_.text(), glob); !problem.empty()) return barf(problem);
      c.globs.push_back(std::move(glob));
      return endOfExpression();
    }
    if (type == "numeric") {
      c.kind = Kind::Numeric;
      if (reader_.next() != PolicyToken::StartArray) {
        return barf("Value of numeric must be an array.");
      }
      if (!numericExpression(c)) return false;
      if (reader_.next() != PolicyToken::EndObject) {
        return barf("Too many elements in numeric expression");
      }
      return true;
    }
    if (type == "anything-but") return anythingBut(c);
    if (type == "exists") {
      c.kind = Kind::Exists;
      PolicyToken t = reader_.next();
      if (t != PolicyToken::True && t != PolicyToken::False) {
        return barf("exists match pattern must be either true or false.");
      }
      c.flag = t == PolicyToken::True;
      return endOfExpression();
    }
    if (type == "cidr") {
      c.kind = Kind::Cidr;
      if (reader_.next() != PolicyToken::String) {
        return barf("prefix match pattern must be a string");
      }
      if (auto problem = parseCidr(reader_.text(), c.cidr); !problem.empty()) {
        return refuse(problem);
      }
      return endOfExpression();
    }
    return barf("Unrecognized match type " + type);
  }

  // {"anything-but": value | [values] | {"prefix" | "suffix" | "equals-ignore-case" |
  // "wildcard": value | [values]}}
  bool anythingBut(Condition& c) {
    PolicyToken t = reader_.next();
    std::optional<Kind> setKind;
    if (t == PolicyToken::StartObject) {
      if (reader_.next() != PolicyToken::FieldName) {
        return barf("Anything-But expression name not found");
      }
      std::string op = reader_.text();
      if (op == "equals-ignore-case" && eventBridge_) {
        setKind = Kind::AnythingButIgnoreCase;
      } else if (op == "prefix") {
        setKind = Kind::AnythingButPrefix;
      } else if (op == "suffix" && eventBridge_) {
        setKind = Kind::AnythingButSuffix;
      } else if (op == "wildcard" && eventBridge_) {
        setKind = Kind::AnythingButWildcard;
      } else {
        return barf("Unsupported anything-but pattern: " + op);
      }
      t = reader_.next();
      // SNS takes one prefix, as a string.
      if (!eventBridge_ && t != PolicyToken::String) {
        return barf("prefix match pattern must be a string");
      }
    }
    if (t != PolicyToken::StartArray && t != PolicyToken::String && t != PolicyToken::Number) {
      return barf("Value of anything-but must be an array or single string/number value.");
    }
    bool ok = setKind ? anythingButSet(c, *setKind, t == PolicyToken::StartArray)
                      : anythingButValues(c, t == PolicyToken::StartArray);
    if (!ok) return false;
    if (reader_.next() != PolicyToken::EndObject) {
      return barf("Too many elements in numeric expression");
    }
    if (setKind && reader_.next() != PolicyToken::EndObject) {
      return barf("Too many elements in numeric expression");
    }
    return true;
  }

  bool anythingButValues(Condition& c, bool list) {
    bool hasString = false;
    bool hasNumber = false;
    auto add = [&]() {
      if (reader_.current() == PolicyToken::String) {
        c.strings.push_back(reader_.text());
        hasString = true;
        return true;
      }
      if (reader_.current() == PolicyToken::Number) {
        c.numbers.push_back(reader_.number());
        hasNumber = true;
        return true;
      }
      return false;
    };
    if (list) {
      while (reader_.next() != PolicyToken::EndArray) {
        if (!add()) return barf("Inside anything but list, start|null|boolean is not supported.");
      }
      if (hasString == hasNumber) {
        return barf(
            "Inside anything but list, either all values are number or string, mixed type is "
            "not supported");
      }
    } else if (!add()) {
      return barf("Inside anything-but list, start|null|boolean is not supported.");
    }
    c.kind = hasNumber ? Kind::AnythingButNumbers : Kind::AnythingButStrings;
    return true;
  }

  bool anythingButSet(Condition& c, Kind kind, bool list) {
    c.kind = kind;
    auto add = [&]() {
      if (reader_.current() != PolicyToken::String) {
        if (kind == Kind::AnythingButIgnoreCase) {
          return barf(
              "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
              "supported.");
        }
        if (kind == Kind::AnythingButWildcard) {
          return barf("wildcard match pattern must be a string");
        }
        return barf("prefix/suffix match pattern must be a string");
      }
      std::string text = reader_.text();
      if ((kind == Kind::AnythingButPrefix || kind == Kind::AnythingButSuffix) && text.empty()) {
        return barf("Null prefix/suffix not allowed");
      }
      if (kind == Kind::AnythingButWildcard) {
        Glob glob;
        if (auto problem = parseGlob(text, glob); !problem.empty()) return barf(problem);
        c.globs.push_back(std::move(glob));
      } else {
        c.strings.push_back(std::move(text));
      }
      return true;
    };
    if (!list) return add();
    while (reader_.next() != PolicyToken::EndArray) {
      if (!add()) return false;
    }
    return true;
  }

  // ["=", n] | [">" or ">=", n (, "<" or "<=", m)] | ["<" or "<=", n]
  bool numericExpression(Condition& c) {
    if (reader_.next() != PolicyToken::String) {
      return barf("Invalid member in numeric match: " + reader_.tokenText());
    }
    std::string op = reader_.text();
    reader_.next();
    auto valueOf = [&](const std::string& name, double& out) {
      if (!reader_.isNumber()) return barf(fmt::format("Value of {} must be numeric", name));
      out = reader_.number();
      return true;
    };
    if (op == "=") {
      double v = 0;
      if (!valueOf("equals", v)) return false;
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many elements in numeric expression");
      }
      c.hasLower = c.hasUpper = true;
      c.lower = c.upper = v;
      return true;
    }
    if (op == ">=" || op == ">") {
      if (!valueOf(op, c.lower)) return false;
      c.hasLower = true;
      c.lowerOpen = op == ">";
      if (reader_.next() == PolicyToken::EndArray) return true;
      if (reader_.current() != PolicyToken::String) {
        return barf("Bad value in numeric range: " + reader_.tokenText());
      }
      std::string top = reader_.text();
      if (top != "<" && top != "<=") return barf("Bad numeric range operator: " + top);
      reader_.next();
      if (!valueOf(top, c.upper)) return false;
      c.hasUpper = true;
      c.upperOpen = top == "<";
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many terms in numeric range expression");
      }
      if (compareNumbers(c.lower, c.upper) >= 0) return barf("Bottom must be less than top");
      return true;
    }
    if (op == "<=" || op == "<") {
      if (!valueOf(op, c.upper)) return false;
      c.hasUpper = true;
      c.upperOpen = op == "<";
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many elements in numeric expression");
      }
      return true;
    }
    return barf("Unrecognized numeric range operator: " + op);
  }

  std::string_view source_;
  PolicyTokenReader reader_;
  bool eventBridge_;  // EventBridge's operators beyond SNS's.
  size_t maxBranches_;
  std::string_view tooComplex_;
};

}  // namespace

std::optional<PatternError> compilePattern(std::string_view json, PatternDialect dialect,
                                           size_t maxBranches, std::string_view tooComplex,
                                           std::vector<PatternBranch>& branches) {
  Compiler compiler(json, dialect, maxBranches, tooComplex);
  if (compiler.run(branches)) return std::nullopt;
  return PatternError{*compiler.error};
}

bool conditionMatches(const PatternCondition& condition, const PatternValue& value) {
  return matchesValue(condition, value);
}

}  // namespace nimbus::aws
