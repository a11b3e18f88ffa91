// The `${...}` variable syntax of the Serverless Framework v3, parsed into a small tree:
//
//   ${source, fallback, ...}   source  = type:address | type(params) | type(params):address
//                              fallback = another source | 'quoted' | "quoted" | number | true |
//                                         false | null | ${nested variable}
//
// Params and addresses may themselves hold variables (${file(./${opt:stage}.yml):key}).
// `${` that does not start a variable (CloudFormation's ${AWS::Region}, ${Foo}) is plain text,
// and `\${` escapes a variable. A nested `${...}` used as a whole fallback was accepted by
// Framework v1/v2 and is rejected by v3's parser; nimbus accepts it, as existing projects use it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/document.h"

namespace nimbus::config {

struct VariableExpr;

// A string split into literal text and variables.
struct Template {
  struct Part {
    std::string text;  // Literal text, when `variable` is null.
    std::shared_ptr<const VariableExpr> variable;
  };
  std::vector<Part> parts;

  bool hasVariables() const;
  // True when the string is exactly one variable: its value then keeps its type (a number,
  // a mapping) instead of being turned into text.
  bool isSingleVariable() const;
};

// A source's param or address: either a literal, or text with variables to resolve first.
struct Argument {
  bool isLiteral = true;
  Node literal;  // String, Number, Bool or Null (location unset).
  Template text;
};

struct VariableSource {
  enum class Kind { Typed, Literal, Nested };
  Kind kind = Kind::Typed;
  std::string type;        // Typed: "env", "self", "file", ...
  bool hasParams = false;  // Typed: written with "(...)".
  std::vector<Argument> params;
  bool hasAddress = false;  // Typed: a non-empty address follows ':'.
  Argument address;
  Node literal;                                // Literal fallback.
  std::shared_ptr<const VariableExpr> nested;  // Nested variable as a fallback.
};

struct VariableExpr {
  std::vector<VariableSource> sources;  // First choice, then fallbacks in order.
  std::string text;                     // As written, "${env:A, 'b'}", for messages.
};

struct SyntaxError {
  std::string message;
};

// Splits `text` into literal parts and variables. A string without "${" is one literal part.
std::variant<Template, SyntaxError> parseTemplate(std::string_view text);

}  // namespace nimbus::config
