// JSON reading for SNS filter policies and EventBridge event patterns, which AWS checks with the
// same engine, in two passes, reporting where each problem is: first the JSON syntax, then the
// pattern's meaning, read token by token by a streaming parser whose position after each token is
// what the error names ("line: 1, column: 22"). This reader stands where that parser stands: a
// string value's position is just past its opening quote until its text is read, and reading a
// field name also reads the start of the value that follows it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::aws {

struct JsonSyntaxError {
  std::string message;  // e.g. "Unexpected character ('i' (code 105)): was expecting ..."
  int line = 1;
  int column = 1;
};

// Checks that `text` holds one well-formed JSON value (what follows it is ignored, as SNS's
// parser ignores it). Returns the first error, or nothing.
std::optional<JsonSyntaxError> checkJsonSyntax(std::string_view text);

enum class PolicyToken {
  StartObject,
  EndObject,
  StartArray,
  EndArray,
  FieldName,
  String,
  Number,
  True,
  False,
  Null,
  End,
};

// A token stream over JSON that checkJsonSyntax accepted.
class PolicyTokenReader {
 public:
  explicit PolicyTokenReader(std::string_view text) : in_(text) {}

  PolicyToken next();
  PolicyToken current() const { return current_; }
  // The current field name, or the current string's value (reading it, which moves the
  // position past its closing quote).
  const std::string& text();
  // The current token as the parser prints it: "]" for the end of an array, a number's own
  // digits, a string's value.
  std::string tokenText();
  double number() const { return number_; }
  bool isNumber() const { return current_ == PolicyToken::Number; }

  int line() const;
  int column() const;

 private:
  PolicyToken readValueStart();
  void skipSpace();
  void finishString();

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<char> containers_;  // '{' or '[' for each open container.
  PolicyToken current_ = PolicyToken::End;
  std::optional<PolicyToken> lookahead_;  // The value start read along with a field name.
  bool stringPending_ = false;            // An opening quote was read, its content not yet.
  std::string name_;
  std::string text_;
  std::string numberText_;
  double number_ = 0;
};

// Decodes the JSON string whose opening quote is at in[pos]; leaves pos past the closing quote.
// Returns false on a malformed string.
bool readJsonString(std::string_view in, size_t& pos, std::string& out);

}  // namespace nimbus::aws
