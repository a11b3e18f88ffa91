#include "observe/filter_pattern.h"

#include <simdjson.h>

#include <bitset>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

#include "observe/filter_regex.h"
#include "observe/filter_syntax.h"

namespace nimbus::observe {
namespace {

using filter::contains;
using filter::invalid;
using filter::invalidCharacters;
using filter::isAlnum;
using filter::kInvalidPattern;

bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// A number as CloudWatch writes one in a pattern or reads one from a field: an optional sign,
// digits with an optional fraction, an optional exponent. Nothing else ("inf", "0x1F", "1,000").
std::optional<double> parseNumber(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    if (s.size() > 1 && (s[1] == '+' || s[1] == '-')) return std::nullopt;
  }
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponentDigits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++exponentDigits;
    if (exponentDigits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);  // from_chars takes no '+'.
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// ---- Values and comparisons (JSON and space-delimited patterns) ----------------------------

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

// A string value with `*` wildcards. CloudWatch honours a `*` only at the start or the end
// ("*Event", "Event*", "*html*"); one in the middle is a literal character ("Ev*ent").
class TextPattern {
 public:
  explicit TextPattern(std::string_view text) {
    anyPrefix_ = !text.empty() && text.front() == '*';
    if (anyPrefix_) text.remove_prefix(1);
    anySuffix_ = !text.empty() && text.back() == '*';
    if (anySuffix_) text.remove_suffix(1);
    if (anyPrefix_ && text.empty()) anySuffix_ = true;  // A lone `*`: any value.
    core_ = std::string(text);
  }
  TextPattern() = default;

  bool matches(std::string_view s) const {
    if (anyPrefix_ && anySuffix_) return contains(s, core_);
    if (anyPrefix_) return s.ends_with(core_);
    if (anySuffix_) return s.starts_with(core_);
    return s == core_;
  }
  bool hasWildcard() const { return anyPrefix_ || anySuffix_; }
  // The part of the value every match contains.
  const std::string& core() const { return core_; }

 private:
  std::string core_;
  bool anyPrefix_ = false;
  bool anySuffix_ = false;
};

struct Value {
  bool isRegex = false;
  FilterRegex regex;
  TextPattern text;
  std::optional<double> number;  // When the value, as written, is a number.
};

// One step of a JSON selector: `.name` or `[index]`.
struct PathStep {
  std::string key;
  size_t index = 0;
  bool isIndex = false;
};

enum class Check { kCompare, kIsNull, kIsTrue, kIsFalse, kNotExists };

struct Comparison {
  std::vector<PathStep> path;  // JSON patterns only.
  Check check = Check::kCompare;
  Op op = Op::kEq;
  Value value;
};

// A boolean tree of comparisons: `a && (b || c)`.
struct Condition {
  enum class Kind { kLeaf, kAnd, kOr };
  Kind kind = Kind::kLeaf;
  std::vector<Condition> operands;
  Comparison leaf;
};

template <typename LeafTest>
bool evaluate(const Condition& condition, const LeafTest& test) {
  switch (condition.kind) {
    case Condition::Kind::kLeaf:
      return test(condition.leaf);
    case Condition::Kind::kAnd:
      for (const Condition& operand : condition.operands) {
        if (!evaluate(operand, test)) return false;
      }
      return true;
    case Condition::Kind::kOr:
      for (const Condition& operand : condition.operands) {
        if (evaluate(operand, test)) return true;
      }
      return false;
  }
  return false;
}

bool applyOrdering(Op op, double actual, double wanted) {
  switch (op) {
    case Op::kEq:
      return actual == wanted;
    case Op::kNe:
      return actual != wanted;
    case Op::kLt:
      return actual < wanted;
    case Op::kLe:
      return actual <= wanted;
    case Op::kGt:
      return actual > wanted;
    case Op::kGe:
      return actual >= wanted;
  }
  return false;
}

// Compares a text value: a space-delimited field, or a JSON string. `textMayBeNumber` lets a
// numeric condition read the text as a number (delimited fields are all text); a JSON string
// stays a string.
bool compareText(const Comparison& c, std::string_view text, bool textMayBeNumber) {
  const Value& v = c.value;
  if (v.isRegex) {
    bool found = v.regex.search(text);
    return c.op == Op::kEq ? found : c.op == Op::kNe ? !found : false;
  }
  if (c.op == Op::kEq || c.op == Op::kNe) {
    bool equal;
    std::optional<double> actual;
    if (v.number && textMayBeNumber && (actual = parseNumber(text))) {
      equal = *actual == *v.number;
    } else {
      equal = v.text.matches(text);
    }
    return c.op == Op::kEq ? equal : !equal;
  }
  if (!textMayBeNumber) return false;
  std::optional<double> actual = parseNumber(text);
  return actual && applyOrdering(c.op, *actual, *v.number);
}

// ---- Lexer for JSON and space-delimited bodies ------------------------------------------------

struct Token {
  enum class Kind { kWord, kString, kRegex, kOp, kAnd, kOr, kOpen, kClose, kComma, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // Words, strings (unescaped) and regex bodies.
  Op op = Op::kEq;
};

// Characters that end a bare word.
bool endsWord(char c) {
  return isBlank(c) || c == '"' || c == '%' || c == '(' || c == ')' || c == ',' || c == '&' ||
         c == '|' || c == '=' || c == '!' || c == '<' || c == '>';
}

Result<std::vector<Token>> lex(std::string_view body) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < body.size() && isBlank(body[i])) ++i;
    Token token;
    if (i == body.size()) {
      tokens.push_back(token);
      return tokens;
    }
    char c = body[i];
    char next = i + 1 < body.size() ? body[i + 1] : '\0';
    if (c == '"') {
      token.kind = Token::Kind::kString;
      ++i;
      while (i < body.size() && body[i] != '"') {
        // Inside quotes a backslash escapes a quote or a backslash; others stay as written.
        if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == '"' || body[i + 1] == '\\')) {
          ++i;
        }
        token.text += body[i++];
      }
      if (i == body.size()) return invalid(kInvalidPattern);
      ++i;
    } else if (c == '%') {
      size_t close = body.find('%', i + 1);
      if (close == std::string_view::npos) return invalid(kInvalidPattern);
      token.kind = Token::Kind::kRegex;
      token.text = std::string(body.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '&' || c == '|') {
      if (next != c) return invalidCharacters(std::string_view(&body[i], 1));
      token.kind = c == '&' ? Token::Kind::kAnd : Token::Kind::kOr;
      i += 2;
    } else if (c == '(' || c == ')' || c == ',') {
      token.kind = c == '('   ? Token::Kind::kOpen
                   : c == ')' ? Token::Kind::kClose
                              : Token::Kind::kComma;
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      token.kind = Token::Kind::kOp;
      bool withEquals = next == '=';
      if (c == '=') {
        token.op = Op::kEq;
        withEquals = false;
      } else if (c == '!') {
        if (!withEquals) return invalid(kInvalidPattern);
        token.op = Op::kNe;
      } else if (c == '<') {
        token.op = withEquals ? Op::kLe : Op::kLt;
      } else {
        token.op = withEquals ? Op::kGe : Op::kGt;
      }
      i += withEquals ? 2 : 1;
    } else {
      token.kind = Token::Kind::kWord;
      size_t start = i;
      while (i < body.size() && !endsWord(body[i])) ++i;
      token.text = std::string(body.substr(start, i - start));
    }
    tokens.push_back(std::move(token));
  }
}

// ---- Condition parser, shared by JSON and space-delimited patterns ----------------------------

enum class Syntax { kJson, kDelimited };

// Characters a value may hold without quotes. CloudWatch wants quotes around anything beyond
// letters and digits, yet its own examples leave `123.123.*`, `4*` and `*.html*` bare.
bool isBareValueChar(char c) {
  static constexpr std::string_view kAllowed = "_-.*+/:";
  return isAlnum(c) || kAllowed.find(c) != std::string_view::npos;
}

// Field names in a space-delimited pattern: `status_code`, `w1`.
bool isFieldNameChar(char c) {
  return isAlnum(c) || c == '_' || c == '-' || c == '.';
}

Result<std::vector<PathStep>> parseSelector(std::string_view word) {
  // `$.eventType`, `$.users[0].id`, `$.coordinates[0][1]`. Property names are letters, digits,
  // '-' and '_'. The error names the selector up to its first bad character, as CloudWatch does
  // for `$."quoted-name"` (it answers "Invalid character(s) in term '$."'").
  std::vector<PathStep> path;
  if (word.empty() || word[0] != '$') return invalidCharacters(word.substr(0, 1));
  size_t i = 1;
  while (i < word.size()) {
    if (word[i] == '.') {
      size_t start = ++i;
      while (i < word.size() && (isAlnum(word[i]) || word[i] == '_' || word[i] == '-')) ++i;
      if (i == start) return invalidCharacters(word.substr(0, std::min(i + 1, word.size())));
      path.push_back(PathStep{std::string(word.substr(start, i - start)), 0, false});
    } else if (word[i] == '[') {
      size_t start = ++i;
      while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
      if (i == start || i == word.size() || word[i] != ']') {
        return invalidCharacters(word.substr(0, std::min(i + 1, word.size())));
      }
      PathStep step;
      step.isIndex = true;
      std::from_chars(word.data() + start, word.data() + i, step.index);
      path.push_back(std::move(step));
      ++i;
    } else {
      return invalidCharacters(word.substr(0, i + 1));
    }
  }
  return path;
}

class ConditionParser {
 public:
  ConditionParser(const std::vector<Token>& tokens, Syntax syntax)
      : tokens_(tokens), syntax_(syntax) {}

  Result<Condition> parseAll() {
    Result<Condition> condition = parseOr();
    if (!condition) return condition;
    if (peek().kind != Token::Kind::kEnd) return invalid(kInvalidPattern);
    return condition;
  }

  // The field every comparison of a space-delimited condition names.
  const std::string& fieldName() const { return fieldName_; }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  Result<Condition> parseOr() { return parseChain(Token::Kind::kOr); }

  // `a && b && c` or `a || b || c`; && binds tighter than ||.
  Result<Condition> parseChain(Token::Kind joiner) {
    Result<Condition> first =
        joiner == Token::Kind::kOr ? parseChain(Token::Kind::kAnd) : parsePrimary();
    if (!first || peek().kind != joiner) return first;
    Condition chain;
    chain.kind = joiner == Token::Kind::kOr ? Condition::Kind::kOr : Condition::Kind::kAnd;
    chain.operands.push_back(std::move(*first));
    while (peek().kind == joiner) {
      take();
      Result<Condition> next =
          joiner == Token::Kind::kOr ? parseChain(Token::Kind::kAnd) : parsePrimary();
      if (!next) return next;
      chain.operands.push_back(std::move(*next));
    }
    return chain;
  }

  Result<Condition> parsePrimary() {
    if (peek().kind == Token::Kind::kOpen) {
      take();
      Result<Condition> inner = parseOr();
      if (!inner) return inner;
      if (take().kind != Token::Kind::kClose) return invalid(kInvalidPattern);
      return inner;
    }
    Result<Comparison> comparison = parseComparison();
    if (!comparison) return comparison.takeError();
    Condition leaf;
    leaf.leaf = std::move(*comparison);
    return leaf;
  }

  Result<Comparison> parseComparison() {
    const Token& subject = take();
    if (subject.kind != Token::Kind::kWord) return invalid(kInvalidPattern);
    Comparison comparison;
    if (syntax_ == Syntax::kJson) {
      if (subject.text.ends_with('.') && peek().kind == Token::Kind::kString) {
        return invalidCharacters(subject.text + "\"");
      }
      Result<std::vector<PathStep>> path = parseSelector(subject.text);
      if (!path) return path.takeError();
      comparison.path = std::move(*path);
      if (peek().kind == Token::Kind::kWord) return parseKeywordCheck(std::move(comparison));
    } else {
      for (char c : subject.text) {
        if (!isFieldNameChar(c)) return invalidCharacters(std::string_view(&c, 1));
      }
      // Every comparison in one field's condition names that field: `status = 4* || status = 5*`.
      if (fieldName_.empty()) {
        fieldName_ = subject.text;
      } else if (fieldName_ != subject.text) {
        return invalid(kInvalidPattern);
      }
    }
    const Token& op = take();
    if (op.kind != Token::Kind::kOp) return invalid(kInvalidPattern);
    comparison.op = op.op;
    Result<Value> value = parseValue(op.op);
    if (!value) return value.takeError();
    comparison.value = std::move(*value);
    return comparison;
  }

  // `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`.
  Result<Comparison> parseKeywordCheck(Comparison comparison) {
    std::string first = take().text;
    const Token& second = take();
    if (second.kind != Token::Kind::kWord) return invalid(kInvalidPattern);
    if (equalsIgnoringCase(first, "IS") && equalsIgnoringCase(second.text, "NULL")) {
      comparison.check = Check::kIsNull;
    } else if (equalsIgnoringCase(first, "IS") && equalsIgnoringCase(second.text, "TRUE")) {
      comparison.check = Check::kIsTrue;
    } else if (equalsIgnoringCase(first, "IS") && equalsIgnoringCase(second.text, "FALSE")) {
      comparison.check = Check::kIsFalse;
    } else if (equalsIgnoringCase(first, "NOT") && equalsIgnoringCase(second.text, "EXISTS")) {
      comparison.check = Check::kNotExists;
    } else {
      return invalid(kInvalidPattern);
    }
    return comparison;
  }

  Result<Value> parseValue(Op op) {
    const Token& token = take();
    Value value;
    bool ordering = op != Op::kEq && op != Op::kNe;
    if (token.kind == Token::Kind::kRegex) {
      if (ordering) return invalid(kInvalidPattern);
      Result<FilterRegex> regex = FilterRegex::compile(token.text);
      if (!regex) return regex.takeError();
      value.isRegex = true;
      value.regex = std::move(*regex);
      return value;
    }
    if (token.kind == Token::Kind::kWord) {
      for (char c : token.text) {
        if (!isBareValueChar(c)) return invalidCharacters(std::string_view(&c, 1));
      }
    } else if (token.kind != Token::Kind::kString) {
      return invalid(kInvalidPattern);  // A missing value: `{ $.a = }`, `[a = , b]`.
    }
    value.text = TextPattern(token.text);
    if (token.kind == Token::Kind::kWord) value.number = parseNumber(token.text);
    if (ordering && !value.number) return invalid(kInvalidPattern);
    return value;
  }

  const std::vector<Token>& tokens_;
  Syntax syntax_;
  size_t pos_ = 0;
  std::string fieldName_;
};

// ---- Unstructured term patterns ---------------------------------------------------------------

struct Term {
  enum class Role { kRequired, kAlternative, kExcluded };
  Role role = Role::kRequired;
  bool isRegex = false;
  std::string literal;
  FilterRegex regex;

  bool foundIn(std::string_view message) const {
    return isRegex ? regex.search(message) : contains(message, literal);
  }
};

// `ERROR "exact phrase" ?alternative -excluded %regex%`. A bare term holds letters, digits and
// underscores only; anything else needs quotes. A term matches anywhere in the message, as a
// substring and case-sensitively: AWS's own example has `ERROR` match "Exiting with ERRORCODE".
Result<std::vector<Term>> parseTerms(std::string_view pattern) {
  std::vector<Term> terms;
  size_t i = 0;
  while (true) {
    while (i < pattern.size() && isBlank(pattern[i])) ++i;
    if (i == pattern.size()) return terms;
    Term term;
    if (pattern[i] == '?' || pattern[i] == '-') {
      term.role = pattern[i] == '?' ? Term::Role::kAlternative : Term::Role::kExcluded;
      // AWS's examples write both `-WARN` and `"ERROR" - "Exiting"`.
      do ++i;
      while (i < pattern.size() && isBlank(pattern[i]));
      if (i == pattern.size()) return invalid(kInvalidPattern);
    }
    char c = pattern[i];
    if (c == '"') {
      ++i;
      while (i < pattern.size() && pattern[i] != '"') {
        if (pattern[i] == '\\' && i + 1 < pattern.size() &&
            (pattern[i + 1] == '"' || pattern[i + 1] == '\\')) {
          ++i;
        }
        term.literal += pattern[i++];
      }
      if (i == pattern.size()) return invalid(kInvalidPattern);
      ++i;
    } else if (c == '%') {
      size_t close = pattern.find('%', i + 1);
      if (close == std::string_view::npos) return invalid(kInvalidPattern);
      Result<FilterRegex> regex = FilterRegex::compile(pattern.substr(i + 1, close - i - 1));
      if (!regex) return regex.takeError();
      term.isRegex = true;
      term.regex = std::move(*regex);
      i = close + 1;
    } else {
      size_t start = i;
      while (i < pattern.size() && !isBlank(pattern[i])) {
        if (!isAlnum(pattern[i]) && pattern[i] != '_') {
          return invalidCharacters(pattern.substr(i, 1));
        }
        ++i;
      }
      term.literal = std::string(pattern.substr(start, i - start));
    }
    if (i < pattern.size() && !isBlank(pattern[i])) {  // `"a"b` or `%a%b`
      return invalidCharacters(pattern.substr(i, 1));
    }
    terms.push_back(std::move(term));
  }
}

// ---- Space-delimited patterns -----------------------------------------------------------------

struct DelimitedField {
  bool isEllipsis = false;  // `...`: any number of fields, none included.
  bool hasCondition = false;
  Condition condition;
};

// Splits a message into fields: runs of blanks separate them, and a field that opens with `[` or
// `"` runs to the matching `]` or `"` however many blanks it holds; the brackets or quotes are
// not part of the value ("GET /index.html HTTP/1.0" is one field).
void splitFields(std::string_view message, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  while (true) {
    while (i < message.size() && isBlank(message[i])) ++i;
    if (i == message.size()) return;
    char open = message[i];
    if (open == '[' || open == '"') {
      size_t close = message.find(open == '[' ? ']' : '"', i + 1);
      if (close != std::string_view::npos) {
        fields.push_back(message.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
    }
    size_t start = i;
    while (i < message.size() && !isBlank(message[i])) ++i;
    fields.push_back(message.substr(start, i - start));
  }
}

// The pattern's field list, split at top-level commas.
Result<std::vector<DelimitedField>> parseDelimited(std::string_view body) {
  Result<std::vector<Token>> tokens = lex(body);
  if (!tokens) return tokens.takeError();
  std::vector<DelimitedField> fields;
  std::vector<Token> group;
  for (Token& token : *tokens) {
    bool endOfField = token.kind == Token::Kind::kComma || token.kind == Token::Kind::kEnd;
    if (!endOfField) {
      group.push_back(std::move(token));
      continue;
    }
    DelimitedField field;
    // An empty field (AWS's example `[..., request=*.html*, status_code=4*,]`) and a bare name
    // both take any one value.
    if (group.size() == 1 && group[0].kind == Token::Kind::kWord && group[0].text == "...") {
      field.isEllipsis = true;
    } else if (group.size() == 1 && group[0].kind == Token::Kind::kWord) {
      for (char c : group[0].text) {
        if (!isFieldNameChar(c)) return invalidCharacters(std::string_view(&c, 1));
      }
    } else if (!group.empty()) {
      group.push_back(Token{});  // kEnd
      ConditionParser parser(group, Syntax::kDelimited);
      Result<Condition> condition = parser.parseAll();
      if (!condition) return condition.takeError();
      field.hasCondition = true;
      field.condition = std::move(*condition);
    }
    // `..., ...` is one `...`.
    if (!(field.isEllipsis && !fields.empty() && fields.back().isEllipsis)) {
      fields.push_back(std::move(field));
    }
    group.clear();
  }
  if (fields.size() == 1 && !fields[0].isEllipsis && !fields[0].hasCondition && body.empty()) {
    return invalid(kInvalidPattern);  // `[]`
  }
  return fields;
}

bool fieldMatches(const DelimitedField& field, std::string_view value) {
  if (!field.hasCondition) return true;
  return evaluate(field.condition,
                  [value](const Comparison& c) { return compareText(c, value, true); });
}

// Glob matching with `...` as the star and each other field as a one-value predicate: on a
// mismatch, retry from the last `...` with one more value swallowed. Linear for one `...`, and
// never worse than fields × values however many there are.
bool matchFields(const std::vector<DelimitedField>& pattern,
                 const std::vector<std::string_view>& values) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t p = 0, v = 0, ellipsis = kNone, resumeAt = 0;
  while (v < values.size()) {
    if (p < pattern.size() && pattern[p].isEllipsis) {
      ellipsis = p++;
      resumeAt = v;
    } else if (p < pattern.size() && fieldMatches(pattern[p], values[v])) {
      ++p;
      ++v;
    } else if (ellipsis != kNone) {
      p = ellipsis + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].isEllipsis) ++p;
  return p == pattern.size();
}

// Literals a message must contain for the fields to match: the fixed part of every `=` string
// value the field's condition cannot do without (an && chain or a single comparison). Fields are
// substrings of the message, so their required text is the message's too. Numbers are left out:
// 200 equals "200.0" and "2e2".
void collectRequiredLiterals(const Condition& condition, std::vector<std::string>& out) {
  if (condition.kind == Condition::Kind::kOr) return;
  if (condition.kind == Condition::Kind::kAnd) {
    for (const Condition& operand : condition.operands) collectRequiredLiterals(operand, out);
    return;
  }
  const Comparison& c = condition.leaf;
  if (c.op != Op::kEq) return;
  if (c.value.isRegex) {
    if (!c.value.regex.requiredLiteral().empty()) out.push_back(c.value.regex.requiredLiteral());
  } else if (!c.value.number && !c.value.text.core().empty()) {
    out.push_back(c.value.text.core());
  }
}

// ---- JSON patterns ----------------------------------------------------------------------------

std::optional<simdjson::dom::element> resolve(simdjson::dom::element node,
                                              const std::vector<PathStep>& path) {
  for (const PathStep& step : path) {
    auto next = step.isIndex ? node.at(step.index) : node.at_key(step.key);
    if (next.error()) return std::nullopt;
    node = next.value_unsafe();
  }
  return node;
}

std::string numberText(simdjson::dom::element node) {
  char buffer[32];
  std::to_chars_result written;
  if (node.is_int64()) {
    written =
        std::to_chars(buffer, buffer + sizeof buffer, int64_t(node.get_int64().value_unsafe()));
  } else if (node.is_uint64()) {
    written = std::to_chars(buffer, buffer + sizeof buffer, node.get_uint64().value_unsafe());
  } else {
    written = std::to_chars(buffer, buffer + sizeof buffer, node.get_double().value_unsafe());
  }
  return std::string(buffer, written.ptr);
}

bool compareJson(const Comparison& c, std::optional<simdjson::dom::element> node) {
  if (c.check == Check::kNotExists) return !node;
  if (!node) return false;
  using Type = simdjson::dom::element_type;
  Type type = node->type();
  switch (c.check) {
    case Check::kIsNull:
      return type == Type::NULL_VALUE;
    case Check::kIsTrue:
    case Check::kIsFalse:
      return type == Type::BOOL && node->get_bool().value_unsafe() == (c.check == Check::kIsTrue);
    default:
      break;
  }
  switch (type) {
    case Type::STRING:
      return compareText(c, node->get_string().value_unsafe(), false);
    case Type::INT64:
    case Type::UINT64:
    case Type::DOUBLE: {
      const Value& v = c.value;
      if (v.number && !v.isRegex) {
        return applyOrdering(c.op, node->get_double().value_unsafe(), *v.number);
      }
      return compareText(c, numberText(*node), false);
    }
    case Type::BOOL:
      // `{ $.flag = true }` compares the literal's text; ordering never matches.
      return compareText(c, node->get_bool().value_unsafe() ? "true" : "false", false);
    default:
      // Null, arrays and objects are not values: neither `=` nor `!=` applies (AWS documents
      // that both `{$.users = 1}` and `{$.users != 1}` fail when users is an array).
      return false;
  }
}

bool matchesJson(const Condition& condition, std::string_view message) {
  std::string_view body = trim(message);
  // Only an event that is JSON as a whole takes a JSON pattern; a Lambda line with a timestamp
  // and request id before the JSON does not. Most plain lines stop here, before any parsing.
  if (body.empty() || (body.front() != '{' && body.front() != '[')) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return false;
  return evaluate(condition,
                  [root](const Comparison& c) { return compareJson(c, resolve(root, c.path)); });
}

}  // namespace

struct CompiledPattern {
  enum class Kind { kEverything, kTerms, kJson, kDelimited };
  Kind kind = Kind::kEverything;
  std::vector<Term> terms;
  bool hasAlternatives = false;
  Condition json;
  std::vector<DelimitedField> fields;
  std::vector<std::string> requiredLiterals;
};

FilterPattern::FilterPattern(std::shared_ptr<const CompiledPattern> compiled)
    : compiled_(std::move(compiled)) {}

Result<FilterPattern> FilterPattern::parse(std::string_view pattern) {
  auto compiled = std::make_shared<CompiledPattern>();
  std::string_view text = trim(pattern);
  if (text.empty()) return FilterPattern(std::move(compiled));

  if (text.front() == '{') {
    if (text.back() != '}') {
      return invalid("If a filter pattern starts with '{' it must end with '}'");
    }
    Result<std::vector<Token>> tokens = lex(text.substr(1, text.size() - 2));
    if (!tokens) return tokens.takeError();
    if (tokens->size() == 1) return invalid(kInvalidPattern);  // `{}`
    Result<Condition> condition = ConditionParser(*tokens, Syntax::kJson).parseAll();
    if (!condition) return condition.takeError();
    compiled->kind = CompiledPattern::Kind::kJson;
    compiled->json = std::move(*condition);
    return FilterPattern(std::move(compiled));
  }

  if (text.front() == '[') {
    if (text.back() != ']') {
      return invalid("If a filter pattern starts with '[' it must end with ']'");
    }
    Result<std::vector<DelimitedField>> fields =
        parseDelimited(trim(text.substr(1, text.size() - 2)));
    if (!fields) return fields.takeError();
    compiled->kind = CompiledPattern::Kind::kDelimited;
    compiled->fields = std::move(*fields);
    for (const DelimitedField& field : compiled->fields) {
      if (field.hasCondition) collectRequiredLiterals(field.condition, compiled->requiredLiterals);
    }
    return FilterPattern(std::move(compiled));
  }

  Result<std::vector<Term>> terms = parseTerms(text);
  if (!terms) return terms.takeError();
  compiled->kind = CompiledPattern::Kind::kTerms;
  compiled->terms = std::move(*terms);
  size_t alternatives = 0;
  bool everything = true;  // `""` alone, like a blank pattern, matches every event.
  for (const Term& term : compiled->terms) {
    if (term.role == Term::Role::kAlternative) ++alternatives;
    if (term.role != Term::Role::kRequired || term.isRegex || !term.literal.empty()) {
      everything = false;
    }
  }
  compiled->hasAlternatives = alternatives > 0;
  if (everything) compiled->kind = CompiledPattern::Kind::kEverything;
  for (const Term& term : compiled->terms) {
    // A lone `?term` is as required as a plain one.
    bool required = term.role == Term::Role::kRequired ||
                    (term.role == Term::Role::kAlternative && alternatives == 1);
    if (!required) continue;
    if (term.isRegex) {
      if (!term.regex.requiredLiteral().empty()) {
        compiled->requiredLiterals.push_back(term.regex.requiredLiteral());
      }
    } else if (!term.literal.empty()) {
      compiled->requiredLiterals.push_back(term.literal);
    }
  }
  return FilterPattern(std::move(compiled));
}

bool FilterPattern::matches(std::string_view message) const {
  const CompiledPattern& p = *compiled_;
  switch (p.kind) {
    case CompiledPattern::Kind::kEverything:
      return true;
    case CompiledPattern::Kind::kTerms: {
      bool anyAlternative = false;
      for (const Term& term : p.terms) {
        switch (term.role) {
          case Term::Role::kRequired:
            if (!term.foundIn(message)) return false;
            break;
          case Term::Role::kExcluded:
            if (term.foundIn(message)) return false;
            break;
          case Term::Role::kAlternative:
            if (!anyAlternative && term.foundIn(message)) anyAlternative = true;
            break;
        }
      }
      return anyAlternative || !p.hasAlternatives;
    }
    case CompiledPattern::Kind::kJson:
      return matchesJson(p.json, message);
    case CompiledPattern::Kind::kDelimited: {
      thread_local std::vector<std::string_view> values;
      splitFields(message, values);
      return matchFields(p.fields, values);
    }
  }
  return false;
}

bool FilterPattern::matchesEverything() const {
  return compiled_->kind == CompiledPattern::Kind::kEverything;
}

const std::vector<std::string>& FilterPattern::requiredLiterals() const {
  return compiled_->requiredLiterals;
}

}  // namespace nimbus::observe
