// The tokens and syntax trees of DynamoDB's expressions, before any name, value or type is looked
// at. DynamoDB reports a syntax error before any other problem, so the parser checks the grammar
// alone (expression_lexer.cc, expression_parser.cc), then the semantic checks walk these trees
// in DynamoDB's order and lower them into expression_ast.h (expression_*checks.cc). Internal to
// the module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/expression_ast.h"
#include "core/result.h"

namespace nimbus::aws::dynamodb::syntax {

// One step of a path as written: a bare name, a #placeholder, or a list index.
struct PathPart {
  enum class Kind : uint8_t { kName, kNameRef, kIndex };
  Kind kind = Kind::kName;
  std::string text;  // kName: the name; kNameRef: "#placeholder".
  int index = 0;     // kIndex.
};

struct Node {
  enum class Kind : uint8_t {
    kOr,
    kAnd,
    kNot,
    kCompare,
    kBetween,
    kIn,
    kParen,
    kPath,
    kValueRef,
    kCall,
    kArith,  // Updates: x + y, x - y.
  };
  Kind kind = Kind::kPath;
  CompareOp op = CompareOp::kEq;  // kCompare.
  char arith = '+';               // kArith.
  std::string text;               // kCall: the function name; kValueRef: ":placeholder".
  std::vector<PathPart> path;     // kPath.
  std::vector<std::unique_ptr<Node>> kids;
  // Token indexes for syntax errors found once the tree is built: the token after the node,
  // and the operator token that makes the node a condition rather than an operand.
  uint32_t next = 0;
  uint32_t opToken = 0;
};

// An UpdateExpression as written: its clauses in order, each with its actions.
struct UpdateAction {
  std::unique_ptr<Node> path;   // Always kPath.
  std::unique_ptr<Node> value;  // SET: the value; ADD, DELETE: a kValueRef; REMOVE: null.
};
struct UpdateClause {
  dynamodb::UpdateAction::Kind kind = dynamodb::UpdateAction::Kind::kSet;
  std::vector<UpdateAction> actions;
};

using Path = std::vector<PathPart>;

// ---- Tokens ----

enum class Tok : uint8_t {
  kName,      // A bare name or keyword: a letter, then letters, digits and underscores.
  kNameRef,   // #name
  kValueRef,  // :value
  kNumber,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kPlus,
  kMinus,
  kOther,  // Anything else; always a syntax error.
  kEnd,
};

struct Token {
  Tok kind;
  uint32_t begin;
  uint32_t end;
};

// DynamoDB's lexer: names start with a letter (so "_a" and "1a" are not names), placeholders
// are '#' or ':' followed by letters, digits or underscores, and the operators are single
// tokens. The list ends with a kEnd token at the end of the text.
std::vector<Token> tokenize(std::string_view text);

// Each parser checks the length and emptiness limits, then the grammar. `which` names the
// parameter in messages ("ConditionExpression", "FilterExpression", "KeyConditionExpression").
Result<std::unique_ptr<Node>> parseCondition(std::string_view text, std::string_view which);
Result<std::vector<UpdateClause>> parseUpdate(std::string_view text);
Result<std::vector<Path>> parseProjection(std::string_view text);

// "Invalid <which>: <message>", DynamoDB's ValidationException for a bad expression.
ServiceError invalidExpression(std::string_view which, std::string_view message);

}  // namespace nimbus::aws::dynamodb::syntax
