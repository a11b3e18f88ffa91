#include "config/variable_syntax.h"

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

namespace nimbus::config {

bool Template::hasVariables() const {
  for (const auto& part : parts) {
    if (part.variable) return true;
  }
  return false;
}

bool Template::isSingleVariable() const {
  return parts.size() == 1 && parts[0].variable;
}

namespace {

struct Failure {
  std::string message;
};

bool isLowerAlpha(char c) {
  return c >= 'a' && c <= 'z';
}
bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

// A type name as v3 accepts it in a fallback position: "env", "strToBool".
bool isTypeName(std::string_view word) {
  if (word.empty() || !isLowerAlpha(word[0])) return false;
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// JavaScript's Number() on the literal forms people write: 12, -3.5, 1e3, 0x10.
std::optional<double> jsNumber(const std::string& s) {
  static const std::regex decimal("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex hex("0[xX][0-9a-fA-F]+");
  if (std::regex_match(s, decimal)) return std::strtod(s.c_str(), nullptr);
  if (std::regex_match(s, hex)) return static_cast<double>(std::stoull(s.substr(2), nullptr, 16));
  return std::nullopt;
}

std::optional<Node> literalValue(const std::string& word) {
  if (word == "true") return Node::makeBool(true, {});
  if (word == "false") return Node::makeBool(false, {});
  if (word == "null") return Node::makeNull({});
  if (auto number = jsNumber(word)) return Node::makeNumber(*number, {});
  return std::nullopt;
}

void trimTemplate(Template& t) {
  while (!t.parts.empty() && !t.parts.front().variable) {
    auto& text = t.parts.front().text;
    text.erase(0, std::min(text.size(), text.find_first_not_of(" \t")));
    if (!text.empty()) break;
    t.parts.erase(t.parts.begin());
  }
  while (!t.parts.empty() && !t.parts.back().variable) {
    auto& text = t.parts.back().text;
    auto last = text.find_last_not_of(" \t");
    text.erase(last == std::string::npos ? 0 : last + 1);
    if (!text.empty()) break;
    t.parts.pop_back();
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Template parseTop() {
    Template result;
    std::string literal;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\\') {
        size_t k = 0;
        while (i_ + k < s_.size() && s_[i_ + k] == '\\') ++k;
        if (startsVariable(i_ + k)) {
          // Pairs of backslashes stand for one; an odd one left over escapes the "${".
          literal.append(k / 2, '\\');
          if (k % 2 == 1) {
            literal += "${";
            i_ += k + 2;
          } else {
            i_ += k;
          }
          continue;
        }
        literal.append(s_.substr(i_, k));
        i_ += k;
        continue;
      }
      if (startsVariable(i_)) {
        size_t start = i_;
        auto variable = tryVariable(false);
        if (!variable) {
          // Not a variable (CloudFormation's ${AWS::Region}, say): keep it as text, but look for
          // variables inside it.
          literal += "${";
          i_ = start + 2;
          continue;
        }
        if (!literal.empty()) result.parts.push_back({std::move(literal), nullptr});
        literal.clear();
        result.parts.push_back({"", std::move(variable)});
        continue;
      }
      literal += c;
      ++i_;
    }
    if (!literal.empty()) result.parts.push_back({std::move(literal), nullptr});
    return result;
  }

 private:
  bool startsVariable(size_t at) const {
    return at + 1 < s_.size() && s_[at] == '$' && s_[at + 1] == '{';
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Failure{fmt::format("{} in \"{}\"", why, s_)};
  }

  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  void expectMore() const {
    if (i_ >= s_.size()) fail("missing closing '}'");
  }

  void skipSpaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }

  std::string_view wordAt(size_t at) const {
    size_t end = at;
    while (end < s_.size() && isWordChar(s_[end])) ++end;
    return s_.substr(at, end - at);
  }

  // At "${". Returns null (and leaves the position alone) when the text is not a variable and
  // `nested` is false; inside another variable that is an error, as in v3.
  std::shared_ptr<const VariableExpr> tryVariable(bool nested) {
    size_t start = i_;
    size_t at = i_ + 2;
    bool looksLikeVariable = false;
    if (at < s_.size() && isLowerAlpha(s_[at])) {
      std::string_view word = wordAt(at);
      size_t after = at + word.size();
      char next = after < s_.size() ? s_[after] : '\0';
      if (next == '(') looksLikeVariable = true;
      if (next == ':' && !(after + 1 < s_.size() && s_[after + 1] == ':')) looksLikeVariable = true;
    }
    if (!looksLikeVariable) {
      if (nested) fail(fmt::format("invalid variable type at index {}", at));
      return nullptr;
    }
    auto expr = std::make_shared<VariableExpr>();
    i_ = at;
    bool first = true;
    while (true) {
      expr->sources.push_back(parseSource(first));
      first = false;
      skipSpaces();
      expectMore();
      if (peek() == '}') {
        ++i_;
        break;
      }
      if (peek() == ',') {
        if (expr->sources.back().kind == VariableSource::Kind::Literal) {
          fail("a literal fallback must be the last source");
        }
        ++i_;
        continue;
      }
      fail(fmt::format("unexpected '{}' at index {}", peek(), i_));
    }
    expr->text = std::string(s_.substr(start, i_ - start));
    return expr;
  }

  VariableSource parseSource(bool first) {
    skipSpaces();
    expectMore();
    VariableSource source;
    char c = peek();
    if (!first && (c == '\'' || c == '"')) {
      source.kind = VariableSource::Kind::Literal;
      source.literal = Node::makeString(parseQuoted(), {});
      return source;
    }
    if (!first && startsVariable(i_)) {
      source.kind = VariableSource::Kind::Nested;
      source.nested = tryVariable(true);
      return source;
    }
    if (!isWordChar(c)) fail(fmt::format("invalid variable source at index {}", i_));
    size_t wordStart = i_;
    std::string_view word = wordAt(i_);
    i_ += word.size();
    char next = peek();
    if (next == ':' || next == '(') {
      if (!first && !isTypeName(word)) {
        fail(fmt::format("invalid variable source at index {}", wordStart));
      }
      source.kind = VariableSource::Kind::Typed;
      source.type = std::string(word);
      if (next == '(') {
        ++i_;
        source.hasParams = true;
        parseParams(source.params);
        skipSpaces();
        if (peek() != ':') return source;
      }
      ++i_;  // ':'
      parseAddress(source);
      return source;
    }
    // A bare word in a fallback position is a number, true, false or null; v3 rejects anything
    // else rather than guess whether `dev` was meant as a string or a source.
    skipSpaces();
    std::string literal(word);
    auto value = literalValue(literal);
    if (first || !value) {
      fail(fmt::format("invalid fallback '{}': quote a string fallback ('{}')", literal, literal));
    }
    source.kind = VariableSource::Kind::Literal;
    source.literal = *value;
    return source;
  }

  std::string parseQuoted() {
    char quote = peek();
    size_t start = i_++;
    while (true) {
      expectMore();
      char c = s_[i_++];
      if (c == quote) break;
      if (c == '\\' && quote == '"') {
        expectMore();
        ++i_;
      }
    }
    std::string_view raw = s_.substr(start, i_ - start);
    if (quote == '\'') return std::string(raw.substr(1, raw.size() - 2));
    try {
      return nlohmann::json::parse(raw).get<std::string>();
    } catch (const nlohmann::json::exception&) {
      fail(fmt::format("invalid string literal at index {}", start));
    }
  }

  void parseParams(std::vector<Argument>& params) {
    while (true) {
      skipSpaces();
      expectMore();
      char c = peek();
      if (c == ')') {
        ++i_;
        return;
      }
      if (c == ',') {
        params.push_back(Argument{true, Node::makeNull({}), {}});
        ++i_;
        continue;
      }
      Argument argument;
      if (c == '\'' || c == '"') {
        argument.literal = Node::makeString(parseQuoted(), {});
        skipSpaces();
      } else {
        Template raw = parseRawUntil(")", "param");
        fillArgument(argument, std::move(raw), true);
      }
      params.push_back(std::move(argument));
      expectMore();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ')') {
        ++i_;
        return;
      }
      fail(fmt::format("invalid variable param at index {}", i_));
    }
  }

  void parseAddress(VariableSource& source) {
    skipSpaces();
    expectMore();
    char c = peek();
    if (c == '}' || c == ',') return;
    if (c == ':') fail(fmt::format("invalid variable address at index {}", i_));
    source.hasAddress = true;
    if (c == '\'' || c == '"') {
      source.address.literal = Node::makeString(parseQuoted(), {});
      return;
    }
    fillArgument(source.address, parseRawUntil("}", "address"), false);
  }

  void fillArgument(Argument& argument, Template raw, bool literalForms) {
    trimTemplate(raw);
    if (raw.hasVariables()) {
      argument.isLiteral = false;
      argument.text = std::move(raw);
      return;
    }
    std::string text = raw.parts.empty() ? "" : raw.parts[0].text;
    if (literalForms) {
      if (auto value = literalValue(text)) {
        argument.literal = *value;
        return;
      }
    }
    argument.literal = Node::makeString(std::move(text), {});
  }

  // Text up to (not including) ',' or one of `closers`, with nested variables parsed.
  Template parseRawUntil(std::string_view closers, const char* what) {
    Template result;
    std::string literal;
    size_t start = i_;
    while (true) {
      expectMore();
      char c = peek();
      if (c == ',' || closers.find(c) != std::string_view::npos) break;
      if (c == '}') fail(fmt::format("invalid variable {} at index {}", what, start));
      if (startsVariable(i_)) {
        if (!literal.empty()) result.parts.push_back({std::move(literal), nullptr});
        literal.clear();
        result.parts.push_back({"", tryVariable(true)});
        continue;
      }
      literal += c;
      ++i_;
    }
    if (!literal.empty()) result.parts.push_back({std::move(literal), nullptr});
    return result;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::variant<Template, SyntaxError> parseTemplate(std::string_view text) {
  if (text.find("${") == std::string_view::npos) {
    Template plain;
    if (!text.empty()) plain.parts.push_back({std::string(text), nullptr});
    return plain;
  }
  try {
    Parser parser(text);
    return parser.parseTop();
  } catch (const Failure& failure) {
    return SyntaxError{failure.message};
  }
}

}  // namespace nimbus::config
