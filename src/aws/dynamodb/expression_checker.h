// What the semantic checks of every expression kind share: walking syntax trees, resolving
// #names and :values against one request's ExpressionContext, DynamoDB's wording of common
// problems, and the check for overlapping document paths. Internal to the module; each
// expression kind's checks live in expression_<kind>_checks.cc.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/expression_ast.h"
#include "aws/dynamodb/expression_syntax.h"
#include "aws/dynamodb/expressions.h"

namespace nimbus::aws::dynamodb::checks {

using syntax::Node;
using NodeKind = syntax::Node::Kind;
using syntax::PathPart;

// Visits `node` and its descendants depth first, parents before children, until `visit`
// returns false. The depth is bounded by the parser's nesting and operator limits.
bool visitAll(const Node& node, const std::function<bool(const Node&)>& visit);

// The node inside any parentheses.
const Node& unwrap(const Node& node);

const char* compareSymbol(CompareOp op);
// S, N and B have an order; other types never compare with <, <=, >, >= or BETWEEN.
bool isOrderedType(Type type);

std::string operandTypeMessage(std::string_view function, std::string_view type);
std::string misusedMessage(std::string_view function);

// A function a grammar knows, and how many operands it takes.
struct FunctionSpec {
  const char* name;
  size_t operands;
};
const FunctionSpec* conditionFunction(std::string_view name);
const FunctionSpec* updateFunction(std::string_view name);

// Resolves names and values for one expression and keeps the first problem found, worded for
// the expression ("Invalid UpdateExpression: ..."). Checks return false once a problem is kept.
class Checker {
 public:
  Checker(std::string_view which, ExpressionContext& context) : which_(which), context_(context) {}

  ServiceError takeError() { return std::move(*error_); }
  bool fail(std::string_view message);

  // Bare names may not be reserved words, and paths nest at most 32 levels.
  bool checkPathWords(const syntax::Path& path);
  // Every #name is defined; marks it used.
  bool checkNames(const syntax::Path& path);
  // The :value is defined; marks it used.
  bool checkValue(const std::string& placeholder);
  // One path may not contain another (overlap) or index a list where another names a map
  // member (conflict); an overlap anywhere is reported before any conflict.
  bool checkOverlaps(const std::vector<DocumentPath>& paths);

  // Only after checkNames and checkValue passed for the path or value.
  DocumentPath resolve(const syntax::Path& path) const;
  const AttributeValue& value(const std::string& placeholder) const;

  // The type an operand is known to have before any item is read: a constant's, or N for
  // size(); only constants when `constantsOnly` (update functions look no further).
  std::optional<Type> staticType(const Node& node, bool constantsOnly = false) const;

 private:
  const std::string* findName(const std::string& placeholder) const;
  const AttributeValue* findValue(const std::string& placeholder) const;

  std::string_view which_;
  ExpressionContext& context_;
  std::optional<ServiceError> error_;
};

}  // namespace nimbus::aws::dynamodb::checks
