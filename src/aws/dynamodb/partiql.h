// PartiQL for DynamoDB, as ExecuteStatement and BatchExecuteStatement take it: the statement
// text parsed into the four statement forms DynamoDB runs (SELECT, INSERT, UPDATE, DELETE), with
// `?` parameters bound and literals turned into attribute values (partiql_parser.cc), and what a
// statement means in the expression engine's terms: conditions, keys, updates, the partitions a
// SELECT reads (partiql_translate.cc). Errors are DynamoDB's ValidationExceptions ("Statement
// wasn't well formed, can't be processed: Unexpected term", "Where clause does not contain a
// mandatory equality on all key attributes"). Internal to the dynamodb module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/attribute_value.h"
#include "aws/dynamodb/expression_ast.h"
#include "aws/dynamodb/expressions.h"
#include "aws/dynamodb/table_definition.h"
#include "core/result.h"

namespace nimbus::aws::dynamodb::partiql {

// An expression as written in a WHERE clause or on the right of SET, parameters already bound.
struct Node {
  enum class Kind : uint8_t {
    kPath,     // An attribute or document path.
    kValue,    // A literal or a parameter.
    kMissing,  // The literal MISSING, only meaningful after IS.
    kAnd,
    kOr,
    kNot,
    kCompare,  // kids: left, right.
    kBetween,  // kids: value, lower, upper.
    kIn,       // kids: value, candidates (a list value).
    kIs,       // kids: value; `text` is the type name (upper case), `negated` for IS NOT.
    kCall,     // `text` is the function name (lower case), kids its arguments.
    kArith,    // `arith` is + - * / or %; kids: left, right.
    kLike,     // Parsed so that it can be refused by name.
  };
  Kind kind = Kind::kValue;
  CompareOp op = CompareOp::kEq;
  char arith = '+';
  bool negated = false;
  std::string text;
  DocumentPath path;
  AttributeValue value;
  std::vector<Node> kids;
};

// One SET or REMOVE action of an UPDATE, in the order written.
struct Assignment {
  bool remove = false;
  DocumentPath path;
  Node value;  // SET only.
};

enum class Returning : uint8_t { kNone, kAllOld, kModifiedOld, kAllNew, kModifiedNew };

struct Statement {
  enum class Kind : uint8_t { kSelect, kInsert, kUpdate, kDelete };
  Kind kind = Kind::kSelect;
  std::string table;
  std::string index;  // SELECT from "table"."index"; empty otherwise.
  // SELECT: `*`, or the projected paths in order.
  bool selectAll = false;
  std::vector<DocumentPath> projection;
  bool hasWhere = false;
  Node where;
  // ORDER BY: attribute names, each with its direction.
  struct Order {
    std::string attribute;
    bool descending = false;
  };
  std::vector<Order> orderBy;
  // INSERT: the item (a map value).
  AttributeValue item;
  // UPDATE.
  std::vector<Assignment> assignments;
  Returning returning = Returning::kNone;
  std::string returningText;  // As written ("MODIFIED OLD *"), for messages.

  bool isRead() const { return kind == Kind::kSelect; }
};

// The statement's parameters, in order. Missing ones are refused ("Number of parameters in
// request and statement don't match."); extra ones are ignored, as DynamoDB ignores them.
Result<Statement> parseStatement(std::string_view text,
                                 const std::vector<AttributeValue>& parameters);

// "Statement wasn't well formed, can't be processed: <detail>"
ServiceError malformed(std::string_view detail);

// ---- Meaning (partiql_translate.cc) ----

// "Where clause does not contain a mandatory equality on all key attributes"
ServiceError incompleteKey();
// "Key attribute's data type should match its data type in table's schema: Key <name>"
ServiceError keyTypeMismatch(const std::string& name);

// Where a node stands: DynamoDB names the place in its refusal of what is not a condition
// ("WHERE clause must contain an expression that resolves to a boolean", "The arguments to
// AND/OR must be Expressions", "The argument to NOT must be a Type or Expression").
enum class Place : uint8_t { kWhere, kAndOr, kNot };

// A WHERE clause (or part of one) as the expression engine's condition tree. IS MISSING is
// attribute_not_exists, IS NULL/STRING/... attribute_type; EXISTS, LIKE, arithmetic and unknown
// functions are refused as DynamoDB refuses them.
Result<ConditionNode> toCondition(const Node& node, Place place);
Condition conditionOf(ConditionNode root);
// attribute_exists(name) or attribute_not_exists(name).
ConditionNode existence(const std::string& name, bool exists);

// The top-level conjuncts of a WHERE clause: a AND (b AND c) gives a, b, c.
void conjuncts(const Node& node, std::vector<const Node*>& out);
// Whether the node is the top-level attribute `name`.
bool isAttribute(const Node& node, const std::string& name);
// `name = value` in either order: the value, or null.
const AttributeValue* equalityOn(const Node& node, const std::string& name);

// The item an UPDATE or DELETE names: its WHERE must hold one equality on each key attribute
// among its top-level conjuncts; the other conjuncts are a condition on the item.
struct KeyedWhere {
  Item key;
  std::optional<ConditionNode> rest;
};
Result<KeyedWhere> keyedWhere(const Statement& st, const TableDefinition& def);

// SET and REMOVE as an update: values, paths, + and -, list_append; set_add and set_delete are
// ADD and DELETE. Overlapping paths are refused as in UpdateExpression.
Result<Update> toUpdate(const std::vector<Assignment>& assignments);

// A projected path's name in a SELECT's answer: its last member name and the indexes after it
// (`m.k[1]` is answered as `k[1]`).
std::string projectionName(const DocumentPath& path);
// The partitions a SELECT's WHERE names (the first top-level conjunct that is `pk = v`,
// `pk IN [...]`, or an OR of those), distinct, in order; nothing for a scan.
std::optional<std::vector<AttributeValue>> partitionsOf(const std::vector<const Node*>& parts,
                                                        const std::string& partitionKey);
// The first top-level conjunct that bounds the sort key, as a key condition's sort part: the
// items a query reads (and Limit counts) within each partition.
std::optional<KeyCondition> sortRangeOf(const std::vector<const Node*>& parts,
                                        const std::string& sortKey, Type sortType);

}  // namespace nimbus::aws::dynamodb::partiql
