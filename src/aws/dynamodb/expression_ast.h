// The parsed forms of DynamoDB's expressions, as the parser hands them to evaluation: names and
// values are already resolved from ExpressionAttributeNames/Values, every static check DynamoDB
// makes before touching an item has passed, and nothing here can fail except on item data.
// Internal to the dynamodb module; callers use expressions.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/attribute_value.h"
#include "aws/dynamodb/expressions.h"

namespace nimbus::aws::dynamodb {

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// A value inside an expression: a document path read from the item, a constant from
// ExpressionAttributeValues (copied, so a parsed expression does not depend on the request's
// lifetime), or a function of other operands.
struct Operand {
  enum class Kind : uint8_t {
    kPath,
    kConstant,
    kSize,         // size(x), conditions only.
    kIfNotExists,  // if_not_exists(path, x), updates only.
    kListAppend,   // list_append(x, y), updates only.
    kPlus,         // x + y, updates only.
    kMinus,        // x - y, updates only.
  };
  Kind kind = Kind::kPath;
  DocumentPath path;          // kPath.
  AttributeValue constant;    // kConstant.
  std::vector<Operand> args;  // The function's or operator's operands.
};

// A node of a ConditionExpression, FilterExpression or KeyConditionExpression. Boolean operators
// are n-ary (a OR b OR c is one node), so a long chain does not nest.
struct ConditionNode {
  enum class Kind : uint8_t {
    kAnd,
    kOr,
    kNot,
    kCompare,
    kBetween,
    kIn,
    kAttributeExists,
    kAttributeNotExists,
    kAttributeType,
    kBeginsWith,
    kContains,
  };
  Kind kind = Kind::kAnd;
  CompareOp op = CompareOp::kEq;        // kCompare.
  std::vector<ConditionNode> children;  // kAnd, kOr (two or more), kNot (one).
  // kCompare: left, right; kBetween: value, lower, upper; kIn: value, candidates...;
  // functions: their arguments.
  std::vector<Operand> operands;
};

// One action of an UpdateExpression.
struct UpdateAction {
  enum class Kind : uint8_t { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  DocumentPath path;
  Operand value;  // kSet: the new value; kAdd, kDelete: the constant operand.
};

struct UpdateNode {
  std::vector<UpdateAction> actions;  // In the order written.
  std::vector<DocumentPath> targets;  // Each action's path, same order.
};

// Whether `word` is one of DynamoDB's reserved words (case-insensitive), which may not appear
// as a bare attribute name in an expression.
bool isReservedWord(std::string_view word);

// DynamoDB's rendering of a path in messages: [a, b, [2], c].
std::string pathForMessage(const DocumentPath& path);

// Evaluates a condition operand against `item`: a pointer to the value (in the item, in the
// operand, or in `scratch` for computed values), or null when the value is absent or, for
// size(), undefined for the type.
const AttributeValue* evaluateOperand(const Operand& operand, const Item& item,
                                      AttributeValue& scratch);

// size() as DynamoDB defines it: string length in UTF-16 code units, binary length in bytes,
// member count of sets, lists and maps; absent for other types.
bool sizeOf(const AttributeValue& value, Decimal& size);

// Limits DynamoDB documents for expressions.
constexpr size_t kMaxExpressionBytes = 4096;
constexpr int kMaxOperators = 300;
constexpr size_t kMaxPathDepth = 32;
constexpr size_t kMaxInOperands = 100;  // Including the value tested.

}  // namespace nimbus::aws::dynamodb
