// DynamoDB's expression language: condition and filter expressions, key conditions, update
// expressions and projections, parsed once per request and evaluated against items. Errors are
// DynamoDB's ValidationExceptions, worded as DynamoDB words them ("Invalid ConditionExpression:
// Syntax error; token: \"=\", near: \"= = b\"" for "a = = b": the token, and the text from the
// token before it to the token after it; "An expression attribute name used in the document
// path is not defined; attribute name: #n", ...).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/attribute_value.h"
#include "core/result.h"

namespace nimbus::aws::dynamodb {

// The ExpressionAttributeNames and ExpressionAttributeValues of one request, shared by all its
// expressions, and which of them the expressions used: DynamoDB refuses a request that supplies
// a name or value no expression uses (see checkAllUsed).
struct ExpressionContext {
  const std::map<std::string, std::string>* names = nullptr;  // "#n" -> "name"; may be null.
  const Item* values = nullptr;                               // ":v" -> value; may be null.
  std::set<std::string> usedNames;
  std::set<std::string> usedValues;
};

// "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}", and the
// same for values; ok when everything supplied was used.
Status checkAllUsed(const ExpressionContext& context);

// One step of a document path: a map member or a list index.
struct PathElement {
  std::string name;  // Set for a member (already resolved from #name).
  int index = -1;    // >= 0 for a list index [n].
  bool isIndex() const { return index >= 0; }
};
// `a.b[2].c`: the first element is always a name (the top-level attribute).
using DocumentPath = std::vector<PathElement>;

// Reads the value at `path` in `item`, or null when it is absent.
const AttributeValue* resolvePath(const Item& item, const DocumentPath& path);

struct ConditionNode;  // Parsed form; defined in expression_ast.h.

// A parsed ConditionExpression or FilterExpression.
class Condition {
 public:
  // Whether `item` satisfies the condition (an absent item is the empty item).
  bool matches(const Item& item) const;
  std::shared_ptr<const ConditionNode> root;
  // The top-level attributes the condition reads (Query refuses a FilterExpression on a key
  // attribute: "Filter Expression can only contain non-primary key attributes").
  std::set<std::string> attributes;
};

// `which` names the parameter in error messages: "ConditionExpression", "FilterExpression".
Result<Condition> parseCondition(std::string_view text, std::string_view which,
                                 ExpressionContext& context);

// A Query's KeyConditionExpression, checked against the table's or index's key schema: the
// partition key with `=`, optionally the sort key with one of =, <, <=, >, >=, BETWEEN,
// begins_with. Anything else is DynamoDB's ValidationException ("Query condition missed key
// schema element: pk", "Query key condition not supported", ...). With the key attributes'
// types, values of another type are refused as DynamoDB refuses them ("Condition parameter type
// does not match schema type").
struct KeyCondition {
  enum class Op { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  AttributeValue partitionValue;
  Op sortOp = Op::kNone;
  AttributeValue sortValue;   // The operand; for BETWEEN the lower bound.
  AttributeValue sortValue2;  // BETWEEN's upper bound.
  // Whether a sort key value satisfies the sort condition (true when there is none).
  bool sortMatches(const AttributeValue& sortKey) const;
};
Result<KeyCondition> parseKeyCondition(std::string_view text, ExpressionContext& context,
                                       const std::string& partitionKeyName,
                                       const std::string& sortKeyName /* empty: none */,
                                       std::optional<Type> partitionKeyType = std::nullopt,
                                       std::optional<Type> sortKeyType = std::nullopt);

struct UpdateNode;  // Parsed form; defined in expression_ast.h.

// A parsed UpdateExpression (SET, REMOVE, ADD, DELETE clauses).
class Update {
 public:
  // Applies the update to `item` in place (an absent item is the empty item, or its key). Every
  // operand is read from the item as it was before the update. Errors are DynamoDB's: "An
  // operand in the update expression has an incorrect data type", "The document path provided in
  // the update expression is invalid for update", number overflow ...; all are found before the
  // item changes, so on error `item` is unchanged.
  Status apply(Item& item) const;
  // The paths the update writes or removes (for ReturnValues UPDATED_OLD/UPDATED_NEW and for
  // refusing updates of key attributes).
  const std::vector<DocumentPath>& targets() const;
  std::shared_ptr<const UpdateNode> root;
};
Result<Update> parseUpdate(std::string_view text, ExpressionContext& context);

// A ProjectionExpression: the paths to keep.
struct Projection {
  std::vector<DocumentPath> paths;
  // The item with only the projected paths (nested paths keep their enclosing maps and lists,
  // list elements compacted as DynamoDB does).
  Item apply(const Item& item) const;
};
Result<Projection> parseProjection(std::string_view text, ExpressionContext& context);

}  // namespace nimbus::aws::dynamodb
