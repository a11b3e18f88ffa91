#include "aws/pattern_json.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>

namespace nimbus::aws {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// What the parser takes for one unrecognized token: a run of identifier characters.
bool isTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Line and column (both 1-based) of byte offset `pos`.
void lineColumn(std::string_view in, size_t pos, int& line, int& column) {
  line = 1;
  size_t lineStart = 0;
  for (size_t i = 0; i < pos && i < in.size(); ++i) {
    if (in[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  }
  column = static_cast<int>(pos - lineStart) + 1;
}

// How the parser names an unexpected character: ('x' (code 120)) or (CTRL-CHAR, code 10).
std::string describeChar(std::string_view in, size_t pos) {
  unsigned char c = static_cast<unsigned char>(in[pos]);
  if (c < 0x20) return fmt::format("(CTRL-CHAR, code {})", c);
  if (c < 0x80) return fmt::format("('{}' (code {}))", static_cast<char>(c), c);
  // A UTF-8 sequence: show the character and its code point.
  int length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  uint32_t cp = length == 4 ? c & 0x07 : length == 3 ? c & 0x0F : length == 2 ? c & 0x1F : c;
  for (int i = 1; i < length && pos + i < in.size(); ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(in[pos + i]) & 0x3F);
  }
  return fmt::format("('{}' (code {} / 0x{:x}))", in.substr(pos, length), cp, cp);
}

class SyntaxChecker {
 public:
  explicit SyntaxChecker(std::string_view in) : in_(in) {}

  std::optional<JsonSyntaxError> run() {
    skipSpace();
    if (pos_ >= in_.size()) return failAt("No content to map due to end-of-input", pos_);
    value(0);
    return error_;
  }

 private:
  static constexpr int kMaxDepth = 1000;

  bool failed() const { return error_.has_value(); }

  std::optional<JsonSyntaxError> failAt(std::string message, size_t pos) {
    if (!error_) {
      JsonSyntaxError e;
      e.message = std::move(message);
      lineColumn(in_, pos, e.line, e.column);
      error_ = std::move(e);
    }
    return error_;
  }

  void unexpected(const std::string& expectation) {
    failAt(fmt::format("Unexpected character {}: {}", describeChar(in_, pos_), expectation), pos_);
  }

  void endOfInput(const std::string& what, size_t startMarker) {
    int line = 1;
    int column = 1;
    lineColumn(in_, startMarker, line, column);
    failAt(fmt::format("Unexpected end-of-input: expected close marker for {} (start marker at "
                       "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
                       "disabled); line: {}, column: {}])",
                       what, line, column),
           in_.size());
  }

  void skipSpace() {
    while (pos_ < in_.size() && isSpace(in_[pos_])) ++pos_;
  }

  void value(int depth) {
    if (depth > kMaxDepth) {
      failAt(fmt::format("Document nesting depth ({}) exceeds the maximum allowed ({}, from "
                         "`StreamReadConstraints.getMaxNestingDepth()`)",
                         depth, kMaxDepth),
             pos_);
      return;
    }
    skipSpace();
    if (pos_ >= in_.size()) {
      failAt("Unexpected end-of-input: expected a value", pos_);
      return;
    }
    char c = in_[pos_];
    if (c == '{') return object(depth + 1);
    if (c == '[') return array(depth + 1);
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (isTokenChar(c)) return literal();
    unexpected("expected a value");
  }

  void object(int depth) {
    size_t start = pos_++;
    skipSpace();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return;
    }
    while (!failed()) {
      skipSpace();
      if (pos_ >= in_.size()) return endOfInput("Object", start);
      if (in_[pos_] != '"') return unexpected("was expecting double-quote to start field name");
      string();
      if (failed()) return;
      skipSpace();
      if (pos_ >= in_.size()) return endOfInput("Object", start);
      if (in_[pos_] != ':') {
        return unexpected("was expecting a colon to separate field name and value");
      }
      ++pos_;
      value(depth);
      if (failed()) return;
      skipSpace();
      if (pos_ >= in_.size()) return endOfInput("Object", start);
      if (in_[pos_] == '}') {
        ++pos_;
        return;
      }
      if (in_[pos_] != ',') return unexpected("was expecting comma to separate Object entries");
      ++pos_;
    }
  }

  void array(int depth) {
    size_t start = pos_++;
    skipSpace();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return;
    }
    while (!failed()) {
      skipSpace();
      if (pos_ >= in_.size()) return endOfInput("Array", start);
      value(depth);
      if (failed()) return;
      skipSpace();
      if (pos_ >= in_.size()) return endOfInput("Array", start);
      if (in_[pos_] == ']') {
        ++pos_;
        return;
      }
      if (in_[pos_] != ',') return unexpected("was expecting comma to separate Array entries");
      ++pos_;
    }
  }

  void string() {
    ++pos_;  // Opening quote.
    while (pos_ < in_.size()) {
      unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c < 0x20) {
        failAt(fmt::format("Illegal unquoted character ({}): has to be escaped using backslash "
                           "to be included in string value",
                           describeChar(in_, pos_)),
               pos_);
        return;
      }
      if (c == '\\') {
        ++pos_;
        if (pos_ >= in_.size()) break;
        char e = in_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            if (pos_ + i >= in_.size() ||
                !std::isxdigit(static_cast<unsigned char>(in_[pos_ + i]))) {
              failAt("Unexpected character in character escape sequence: expected a hex-digit",
                     pos_ + i);
              return;
            }
          }
          pos_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          failAt(fmt::format("Unrecognized character escape {}", describeChar(in_, pos_)), pos_);
          return;
        }
      }
      ++pos_;
    }
    failAt("Unexpected end-of-input: was expecting closing quote for a string value", pos_);
  }

  void number() {
    size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    size_t digits = pos_;
    while (pos_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[pos_]))) ++pos_;
    if (pos_ == digits) {
      if (pos_ < in_.size() && isTokenChar(in_[pos_])) return literalFrom(start);
      failAt("Unexpected end-of-input in a number value", pos_);
      return;
    }
    if (pos_ - digits > 1 && in_[digits] == '0') {
      failAt("Invalid numeric value: Leading zeroes not allowed", digits + 1);
      return;
    }
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      size_t fraction = pos_;
      while (pos_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[pos_]))) ++pos_;
      if (pos_ == fraction) {
        failAt("Unexpected character: Decimal point not followed by a digit", pos_);
        return;
      }
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      size_t exponent = pos_;
      while (pos_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[pos_]))) ++pos_;
      if (pos_ == exponent) {
        failAt("Unexpected character: Exponent indicator not followed by a digit", pos_);
        return;
      }
    }
    if (pos_ < in_.size() && isTokenChar(in_[pos_])) literalFrom(start);
  }

  void literal() { literalFrom(pos_); }

  // true, false, null, or an unrecognized token named whole as the parser names it.
  void literalFrom(size_t start) {
    size_t end = start;
    while (end < in_.size() && isTokenChar(in_[end])) ++end;
    std::string_view token = in_.substr(start, end - start);
    if (token == "true" || token == "false" || token == "null") {
      pos_ = end;
      return;
    }
    failAt(fmt::format("Unrecognized token '{}': was expecting (JSON String, Number, Array, "
                       "Object or token 'null', 'true' or 'false')",
                       token),
           end);
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::optional<JsonSyntaxError> error_;
};

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::optional<JsonSyntaxError> checkJsonSyntax(std::string_view text) {
  return SyntaxChecker(text).run();
}

bool readJsonString(std::string_view in, size_t& pos, std::string& out) {
  out.clear();
  if (pos >= in.size() || in[pos] != '"') return false;
  ++pos;
  while (pos < in.size()) {
    char c = in[pos++];
    if (c == '"') return true;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos >= in.size()) return false;
    char e = in[pos++];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        if (pos + 4 > in.size()) return false;
        uint32_t cp = std::strtoul(std::string(in.substr(pos, 4)).c_str(), nullptr, 16);
        pos += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && pos + 6 <= in.size() && in[pos] == '\\' &&
            in[pos + 1] == 'u') {
          uint32_t low = std::strtoul(std::string(in.substr(pos + 2, 4)).c_str(), nullptr, 16);
          if (low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            pos += 6;
          }
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        out += e;
    }
  }
  return false;
}

// ---- PolicyTokenReader ----------------------------------------------------------------------

void PolicyTokenReader::skipSpace() {
  while (pos_ < in_.size() && (isSpace(in_[pos_]) || in_[pos_] == ',')) ++pos_;
}

void PolicyTokenReader::finishString() {
  if (!stringPending_) return;
  stringPending_ = false;
  size_t quote = pos_ - 1;  // The opening quote, already passed.
  pos_ = quote;
  if (!readJsonString(in_, pos_, text_)) pos_ = in_.size();
}

PolicyToken PolicyTokenReader::readValueStart() {
  skipSpace();
  if (pos_ >= in_.size()) return PolicyToken::End;
  char c = in_[pos_];
  switch (c) {
    case '{':
      ++pos_;
      containers_.push_back('{');
      return PolicyToken::StartObject;
    case '[':
      ++pos_;
      containers_.push_back('[');
      return PolicyToken::StartArray;
    case '"':
      ++pos_;
      stringPending_ = true;
      return PolicyToken::String;
    case 't':
      pos_ += 4;
      return PolicyToken::True;
    case 'f':
      pos_ += 5;
      return PolicyToken::False;
    case 'n':
      pos_ += 4;
      return PolicyToken::Null;
    default:
      break;
  }
  size_t start = pos_;
  while (pos_ < in_.size() &&
         (std::isdigit(static_cast<unsigned char>(in_[pos_])) || in_[pos_] == '-' ||
          in_[pos_] == '+' || in_[pos_] == '.' || in_[pos_] == 'e' || in_[pos_] == 'E')) {
    ++pos_;
  }
  numberText_ = std::string(in_.substr(start, pos_ - start));
  number_ = std::strtod(numberText_.c_str(), nullptr);
  return PolicyToken::Number;
}

PolicyToken PolicyTokenReader::next() {
  if (lookahead_) {
    current_ = *lookahead_;
    lookahead_.reset();
    return current_;
  }
  finishString();
  skipSpace();
  if (pos_ >= in_.size()) return current_ = PolicyToken::End;
  char c = in_[pos_];
  if (c == '}' || c == ']') {
    ++pos_;
    if (!containers_.empty()) containers_.pop_back();
    return current_ = c == '}' ? PolicyToken::EndObject : PolicyToken::EndArray;
  }
  if (c == '"' && !containers_.empty() && containers_.back() == '{') {
    // A field name; the parser reads on to the start of its value.
    if (!readJsonString(in_, pos_, name_)) pos_ = in_.size();
    while (pos_ < in_.size() && (isSpace(in_[pos_]) || in_[pos_] == ':')) ++pos_;
    lookahead_ = readValueStart();
    return current_ = PolicyToken::FieldName;
  }
  return current_ = readValueStart();
}

const std::string& PolicyTokenReader::text() {
  if (current_ == PolicyToken::FieldName) return name_;
  finishString();
  return text_;
}

std::string PolicyTokenReader::tokenText() {
  switch (current_) {
    case PolicyToken::StartObject:
      return "{";
    case PolicyToken::EndObject:
      return "}";
    case PolicyToken::StartArray:
      return "[";
    case PolicyToken::EndArray:
      return "]";
    case PolicyToken::FieldName:
      return name_;
    case PolicyToken::String:
      return text();
    case PolicyToken::Number:
      return numberText_;
    case PolicyToken::True:
      return "true";
    case PolicyToken::False:
      return "false";
    case PolicyToken::Null:
      return "null";
    case PolicyToken::End:
      break;
  }
  return "";
}

int PolicyTokenReader::line() const {
  int line = 1;
  int column = 1;
  lineColumn(in_, pos_, line, column);
  return line;
}

int PolicyTokenReader::column() const {
  int line = 1;
  int column = 1;
  lineColumn(in_, pos_, line, column);
  return column;
}

}  // namespace nimbus::aws
