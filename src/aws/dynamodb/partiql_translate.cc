// What a PartiQL statement means in the expression engine's terms (partiql.h): a WHERE clause
// as a condition tree with DynamoDB's refusals of what is not a condition, the item key a write
// names, SET and REMOVE as an update (set_add and set_delete as ADD and DELETE), and the
// partitions and sort-key range a SELECT reads.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/partiql.h"

namespace nimbus::aws::dynamodb::partiql {

namespace {

std::string arithSymbol(char op) {
  return op == '|' ? "||" : std::string(1, op);
}

ServiceError notACondition(Place place) {
  switch (place) {
    case Place::kWhere:
      return validationError("WHERE clause must contain an expression that resolves to a boolean");
    case Place::kAndOr:
      return validationError("The arguments to AND/OR must be Expressions");
    case Place::kNot:
      return validationError("The argument to NOT must be a Type or Expression");
  }
  return validationError("WHERE clause must contain an expression that resolves to a boolean");
}

bool isBooleanFunction(std::string_view name) {
  return name == "begins_with" || name == "contains" || name == "attribute_exists" ||
         name == "attribute_not_exists" || name == "attribute_type" || name == "exists";
}

// A value inside a condition: a path, a literal or parameter, or size(path).
Result<Operand> conditionOperand(const Node& node) {
  Operand operand;
  switch (node.kind) {
    case Node::Kind::kPath:
      operand.kind = Operand::Kind::kPath;
      operand.path = node.path;
      return operand;
    case Node::Kind::kValue:
      operand.kind = Operand::Kind::kConstant;
      operand.constant = node.value;
      return operand;
    case Node::Kind::kMissing:
      return validationError("MISSING must be compared using IS operator");
    case Node::Kind::kArith:
      return validationError(fmt::format(
          "Unsupported operator in Condition Expression. Operator: {}", arithSymbol(node.arith)));
    case Node::Kind::kCall: {
      if (node.text == "size") {
        if (node.kids.size() != 1 || node.kids[0].kind != Node::Kind::kPath) {
          return validationError("Incorrect number or type of arguments for function: size");
        }
        operand.kind = Operand::Kind::kSize;
        auto inner = conditionOperand(node.kids[0]);
        if (!inner) return inner;
        operand.args.push_back(std::move(*inner));
        return operand;
      }
      if (isBooleanFunction(node.text)) {
        return validationError(fmt::format("Unsupported operation: {} used as a value", node.text));
      }
      return validationError(fmt::format("Unrecognized function: {}", node.text));
    }
    default:
      return validationError(
          "Unsupported operator in Condition Expression. Operator: a condition "
          "used as a value");
  }
}

Result<ConditionNode> functionCondition(const Node& node, Place place) {
  using K = ConditionNode::Kind;
  const std::string& name = node.text;
  if (name == "exists") {
    return validationError("EXISTS can only be used in ExecuteTransaction write requests.");
  }
  if (!isBooleanFunction(name)) {
    if (name == "size") return notACondition(place);
    return validationError(fmt::format("Unrecognized function: {}", name));
  }
  const bool oneArgument = name == "attribute_exists" || name == "attribute_not_exists";
  if (node.kids.size() != (oneArgument ? 1u : 2u)) {
    return validationError(fmt::format("Incorrect number of arguments for function: {}", name));
  }
  ConditionNode out;
  out.kind = name == "begins_with"            ? K::kBeginsWith
             : name == "contains"             ? K::kContains
             : name == "attribute_exists"     ? K::kAttributeExists
             : name == "attribute_not_exists" ? K::kAttributeNotExists
                                              : K::kAttributeType;
  if ((oneArgument || name == "attribute_type") && node.kids[0].kind != Node::Kind::kPath) {
    return validationError(fmt::format("The first argument of {} must be an attribute path", name));
  }
  for (const Node& kid : node.kids) {
    auto operand = conditionOperand(kid);
    if (!operand) return operand.takeError();
    out.operands.push_back(std::move(*operand));
  }
  if (out.kind == K::kAttributeType) {
    const Operand& type = out.operands[1];
    static const std::set<std::string, std::less<>> kTypes = {"S", "N", "B",  "BOOL", "NULL",
                                                              "L", "M", "SS", "NS",   "BS"};
    if (type.kind != Operand::Kind::kConstant || !type.constant.is(Type::kS) ||
        !kTypes.count(type.constant.s())) {
      return validationError(
          "Invalid attribute type name found; valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
  }
  return out;
}

// `x IS [NOT] type`: MISSING is attribute_not_exists, the others attribute_type.
Result<ConditionNode> isCondition(const Node& node) {
  using K = ConditionNode::Kind;
  const Node& subject = node.kids[0];
  if (subject.kind != Node::Kind::kPath && subject.kind != Node::Kind::kValue) {
    return validationError(
        "The left hand side argument to IS must be a Variable Reference, Literal, or Path");
  }
  ConditionNode out;
  if (node.text == "MISSING") {
    if (subject.kind == Node::Kind::kValue) {
      // A literal is never missing: compare it with itself to get a constant answer.
      out.kind = K::kCompare;
      out.op = node.negated ? CompareOp::kEq : CompareOp::kNe;
      Operand c;
      c.kind = Operand::Kind::kConstant;
      c.constant = subject.value;
      out.operands = {c, c};
      return out;
    }
    out.kind = node.negated ? K::kAttributeExists : K::kAttributeNotExists;
    Operand path;
    path.kind = Operand::Kind::kPath;
    path.path = subject.path;
    out.operands.push_back(std::move(path));
    return out;
  }
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"NULL", "NULL"}, {"BOOL", "BOOL"}, {"BOOLEAN", "BOOL"}, {"BLOB", "B"}, {"STRING", "S"},
      {"NUMERIC", "N"}, {"STRUCT", "M"},  {"TUPLE", "M"},      {"LIST", "L"}};
  auto type = kTypes.find(node.text);
  if (type == kTypes.end()) {
    return validationError(fmt::format(
        "Unsupported data type for IS operator: {}. Supported data types are [MISSING, NULL, "
        "BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]",
        node.text));
  }
  out.kind = K::kAttributeType;
  auto subjectOperand = conditionOperand(subject);
  if (!subjectOperand) return subjectOperand.takeError();
  out.operands.push_back(std::move(*subjectOperand));
  Operand typeName;
  typeName.kind = Operand::Kind::kConstant;
  typeName.constant = AttributeValue(String{type->second});
  out.operands.push_back(std::move(typeName));
  if (!node.negated) return out;
  ConditionNode negation;
  negation.kind = K::kNot;
  negation.children.push_back(std::move(out));
  return negation;
}

Operand pathOperand(const std::string& name) {
  Operand operand;
  operand.kind = Operand::Kind::kPath;
  operand.path = {PathElement{name, -1}};
  return operand;
}

// Paths that overlap (one contains the other) or conflict (a list index where the other names a
// map member) are refused, as in UpdateExpression.
Status checkOverlaps(const std::vector<DocumentPath>& paths) {
  std::optional<std::string> conflict;
  for (size_t j = 0; j < paths.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const auto& one = paths[i];
      const auto& two = paths[j];
      bool differ = false, conflicting = false;
      for (size_t k = 0; k < std::min(one.size(), two.size()) && !differ; ++k) {
        if (one[k].isIndex() != two[k].isIndex()) {
          conflicting = differ = true;
        } else if (one[k].isIndex() ? one[k].index != two[k].index : one[k].name != two[k].name) {
          differ = true;
        }
      }
      std::string pair =
          fmt::format("must remove or rewrite one of these paths; path one: {}, path two: {}",
                      pathForMessage(one), pathForMessage(two));
      if (!differ) return validationError("Two document paths overlap with each other; " + pair);
      if (conflicting && !conflict)
        conflict = "Two document paths conflict with each other; " + pair;
    }
  }
  if (conflict) return validationError(*conflict);
  return ok();
}

// The right side of SET: a value, a path, + and - on them, list_append.
Result<Operand> updateOperand(const Node& node) {
  Operand operand;
  switch (node.kind) {
    case Node::Kind::kPath:
      operand.kind = Operand::Kind::kPath;
      operand.path = node.path;
      return operand;
    case Node::Kind::kValue:
      operand.kind = Operand::Kind::kConstant;
      operand.constant = node.value;
      return operand;
    case Node::Kind::kArith: {
      if (node.arith != '+' && node.arith != '-') {
        return validationError(fmt::format(
            "Unsupported operator in Update Expression. Operator: {}", arithSymbol(node.arith)));
      }
      operand.kind = node.arith == '+' ? Operand::Kind::kPlus : Operand::Kind::kMinus;
      for (const Node& kid : node.kids) {
        auto arg = updateOperand(kid);
        if (!arg) return arg;
        operand.args.push_back(std::move(*arg));
      }
      return operand;
    }
    case Node::Kind::kCall: {
      if (node.text != "list_append") {
        if (node.text == "set_add" || node.text == "set_delete") {
          return validationError(fmt::format(
              "Unsupported operation: {} must be the whole value of a SET assignment", node.text));
        }
        return validationError(fmt::format("Unrecognized function: {}", node.text));
      }
      if (node.kids.size() != 2) {
        return validationError("Incorrect number of arguments for function: list_append");
      }
      operand.kind = Operand::Kind::kListAppend;
      for (const Node& kid : node.kids) {
        auto arg = updateOperand(kid);
        if (!arg) return arg;
        operand.args.push_back(std::move(*arg));
      }
      return operand;
    }
    case Node::Kind::kIs:
      return validationError("IS operator is not supported in update expressions");
    case Node::Kind::kMissing:
      return validationError("MISSING must be compared using IS operator");
    default:
      return validationError(
          "Unsupported operator in Update Expression. Operator: a condition used as a value");
  }
}

}  // namespace

ServiceError incompleteKey() {
  return validationError(
      "Where clause does not contain a mandatory equality on all key attributes");
}

ServiceError keyTypeMismatch(const std::string& name) {
  return validationError(fmt::format(
      "Key attribute's data type should match its data type in table's schema: Key {}", name));
}

Result<ConditionNode> toCondition(const Node& node, Place place) {
  using K = ConditionNode::Kind;
  ConditionNode out;
  switch (node.kind) {
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      out.kind = node.kind == Node::Kind::kAnd ? K::kAnd : K::kOr;
      for (const Node& kid : node.kids) {
        auto child = toCondition(kid, Place::kAndOr);
        if (!child) return child;
        if (child->kind == out.kind) {
          for (auto& grandchild : child->children) out.children.push_back(std::move(grandchild));
        } else {
          out.children.push_back(std::move(*child));
        }
      }
      return out;
    }
    case Node::Kind::kNot: {
      auto child = toCondition(node.kids[0], Place::kNot);
      if (!child) return child;
      out.kind = K::kNot;
      out.children.push_back(std::move(*child));
      return out;
    }
    case Node::Kind::kCompare:
    case Node::Kind::kBetween: {
      out.kind = node.kind == Node::Kind::kCompare ? K::kCompare : K::kBetween;
      out.op = node.op;
      for (const Node& kid : node.kids) {
        auto operand = conditionOperand(kid);
        if (!operand) return operand.takeError();
        out.operands.push_back(std::move(*operand));
      }
      return out;
    }
    case Node::Kind::kIn: {
      const Node& subject = node.kids[0];
      const Node& candidates = node.kids[1];
      if (subject.kind != Node::Kind::kPath || candidates.kind != Node::Kind::kValue ||
          !candidates.value.is(Type::kL) || candidates.value.l().empty()) {
        return validationError(
            "IN operator must have a left hand argument of type Variable Reference and right "
            "hand argument of type Seq with at least one member");
      }
      out.kind = K::kIn;
      auto operand = conditionOperand(subject);
      if (!operand) return operand.takeError();
      out.operands.push_back(std::move(*operand));
      for (const AttributeValue& value : candidates.value.l()) {
        Operand c;
        c.kind = Operand::Kind::kConstant;
        c.constant = value;
        out.operands.push_back(std::move(c));
      }
      return out;
    }
    case Node::Kind::kIs:
      return isCondition(node);
    case Node::Kind::kCall:
      return functionCondition(node, place);
    case Node::Kind::kLike:
      return validationError("Unsupported operator in Condition Expression. Operator: LIKE");
    default:
      return notACondition(place);
  }
}

// The top-level conjuncts of a WHERE clause: a AND (b AND c) gives a, b, c.
void conjuncts(const Node& node, std::vector<const Node*>& out) {
  if (node.kind == Node::Kind::kAnd) {
    for (const Node& kid : node.kids) conjuncts(kid, out);
  } else {
    out.push_back(&node);
  }
}

bool isAttribute(const Node& node, const std::string& name) {
  return node.kind == Node::Kind::kPath && node.path.size() == 1 && !node.path[0].isIndex() &&
         node.path[0].name == name;
}

// `name = value` in either order: the value, or null.
const AttributeValue* equalityOn(const Node& node, const std::string& name) {
  if (node.kind != Node::Kind::kCompare || node.op != CompareOp::kEq) return nullptr;
  if (isAttribute(node.kids[0], name) && node.kids[1].kind == Node::Kind::kValue) {
    return &node.kids[1].value;
  }
  if (isAttribute(node.kids[1], name) && node.kids[0].kind == Node::Kind::kValue) {
    return &node.kids[0].value;
  }
  return nullptr;
}

ConditionNode existence(const std::string& name, bool exists) {
  ConditionNode node;
  node.kind =
      exists ? ConditionNode::Kind::kAttributeExists : ConditionNode::Kind::kAttributeNotExists;
  node.operands.push_back(pathOperand(name));
  return node;
}

Condition conditionOf(ConditionNode root) {
  Condition c;
  c.root = std::make_shared<const ConditionNode>(std::move(root));
  return c;
}

Result<KeyedWhere> keyedWhere(const Statement& st, const TableDefinition& def) {
  std::vector<const Node*> parts;
  conjuncts(st.where, parts);
  KeyedWhere out;
  std::vector<const Node*> rest;
  for (const Node* part : parts) {
    bool used = false;
    for (const std::string* name : {&def.keys.partitionKey, &def.keys.sortKey}) {
      if (name->empty()) continue;
      if (const AttributeValue* value = equalityOn(*part, *name)) {
        if (out.key.count(*name)) {
          return validationError(fmt::format(
              "Multiple conditions on same key {}. Only single item Update/Insert/Delete are "
              "supported",
              *name));
        }
        out.key.emplace(*name, *value);
        used = true;
        break;
      }
    }
    if (!used) rest.push_back(part);
  }
  // The whole WHERE must be a condition, key equalities included.
  for (const Node* part : rest) {
    auto c = toCondition(*part, parts.size() > 1 ? Place::kAndOr : Place::kWhere);
    if (!c) return c.takeError();
    if (!out.rest) {
      out.rest = std::move(*c);
    } else {
      if (out.rest->kind != ConditionNode::Kind::kAnd) {
        ConditionNode both;
        both.kind = ConditionNode::Kind::kAnd;
        both.children.push_back(std::move(*out.rest));
        out.rest = std::move(both);
      }
      out.rest->children.push_back(std::move(*c));
    }
  }
  for (const std::string* name : {&def.keys.partitionKey, &def.keys.sortKey}) {
    if (name->empty()) continue;
    auto it = out.key.find(*name);
    if (it == out.key.end()) return incompleteKey();
    if (it->second.type() != def.attributeTypes.at(*name)) return keyTypeMismatch(*name);
  }
  return out;
}

Result<Update> toUpdate(const std::vector<Assignment>& assignments) {
  auto node = std::make_shared<UpdateNode>();
  for (const auto& a : assignments) {
    UpdateAction action;
    action.path = a.path;
    if (a.remove) {
      action.kind = UpdateAction::Kind::kRemove;
    } else if (a.value.kind == Node::Kind::kCall &&
               (a.value.text == "set_add" || a.value.text == "set_delete")) {
      // SET s = set_add(s, <<'x'>>) is UpdateExpression's ADD s :v (DELETE for set_delete).
      std::string name = a.value.text == "set_add" ? "ADD" : "DELETE";
      if (a.value.kids.size() != 2) {
        return validationError(fmt::format("SET_{} must have exactly two arguments", name));
      }
      const Node& target = a.value.kids[0];
      if (target.kind != Node::Kind::kPath || target.path.size() != a.path.size() ||
          pathForMessage(target.path) != pathForMessage(a.path)) {
        return validationError(
            fmt::format("The first argument to SET_{} must equal the assignment value", name));
      }
      const Node& members = a.value.kids[1];
      if (members.kind != Node::Kind::kValue || !members.value.isSet()) {
        return validationError(
            fmt::format("The second argument to SET_{} must be a value with type SET", name));
      }
      action.kind = name == "ADD" ? UpdateAction::Kind::kAdd : UpdateAction::Kind::kDelete;
      action.value.kind = Operand::Kind::kConstant;
      action.value.constant = members.value;
    } else {
      action.kind = UpdateAction::Kind::kSet;
      auto value = updateOperand(a.value);
      if (!value) return value.takeError();
      action.value = std::move(*value);
    }
    node->targets.push_back(action.path);
    node->actions.push_back(std::move(action));
  }
  if (auto s = checkOverlaps(node->targets); !s) return s.takeError();
  Update update;
  update.root = std::move(node);
  return update;
}

// A projected path's name in the answer: its last member name and the indexes after it
// (`m.k[1]` is answered as `k[1]`).
std::string projectionName(const DocumentPath& path) {
  size_t last = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    if (!path[i].isIndex()) last = i;
  }
  std::string name = path[last].name;
  for (size_t i = last + 1; i < path.size(); ++i) name += fmt::format("[{}]", path[i].index);
  return name;
}

// The partitions a WHERE names: the first top-level conjunct that is `pk = v`, `pk IN [...]`, or
// an OR of those.
std::optional<std::vector<AttributeValue>> partitionsOf(const std::vector<const Node*>& parts,
                                                        const std::string& partitionKey) {
  auto single = [&](const Node& node, std::vector<AttributeValue>& out) {
    if (const AttributeValue* value = equalityOn(node, partitionKey)) {
      out.push_back(*value);
      return true;
    }
    if (node.kind == Node::Kind::kIn && isAttribute(node.kids[0], partitionKey) &&
        node.kids[1].kind == Node::Kind::kValue && node.kids[1].value.is(Type::kL) &&
        !node.kids[1].value.l().empty()) {
      for (const auto& v : node.kids[1].value.l()) out.push_back(v);
      return true;
    }
    return false;
  };
  for (const Node* part : parts) {
    std::vector<AttributeValue> values;
    bool found = false;
    if (part->kind == Node::Kind::kOr) {
      found = std::all_of(part->kids.begin(), part->kids.end(),
                          [&](const Node& kid) { return single(kid, values); });
    } else {
      found = single(*part, values);
    }
    if (!found) continue;
    std::vector<AttributeValue> unique;
    for (auto& v : values) {
      if (std::find(unique.begin(), unique.end(), v) == unique.end())
        unique.push_back(std::move(v));
    }
    return unique;
  }
  return std::nullopt;
}

// The first top-level conjunct that bounds the sort key, as a key condition's sort part.
std::optional<KeyCondition> sortRangeOf(const std::vector<const Node*>& parts,
                                        const std::string& sortKey, Type sortType) {
  using Op = KeyCondition::Op;
  auto typed = [&](const Node& n) { return n.kind == Node::Kind::kValue && n.value.is(sortType); };
  for (const Node* part : parts) {
    KeyCondition range;
    if (part->kind == Node::Kind::kCompare && part->op != CompareOp::kNe) {
      const Node* value = nullptr;
      CompareOp op = part->op;
      if (isAttribute(part->kids[0], sortKey) && typed(part->kids[1])) {
        value = &part->kids[1];
      } else if (isAttribute(part->kids[1], sortKey) && typed(part->kids[0])) {
        value = &part->kids[0];
        // 5 < sk is sk > 5.
        op = op == CompareOp::kLt   ? CompareOp::kGt
             : op == CompareOp::kLe ? CompareOp::kGe
             : op == CompareOp::kGt ? CompareOp::kLt
             : op == CompareOp::kGe ? CompareOp::kLe
                                    : op;
      }
      if (!value) continue;
      range.sortOp = op == CompareOp::kEq   ? Op::kEq
                     : op == CompareOp::kLt ? Op::kLt
                     : op == CompareOp::kLe ? Op::kLe
                     : op == CompareOp::kGt ? Op::kGt
                                            : Op::kGe;
      range.sortValue = value->value;
      return range;
    }
    if (part->kind == Node::Kind::kBetween && isAttribute(part->kids[0], sortKey) &&
        typed(part->kids[1]) && typed(part->kids[2])) {
      range.sortOp = Op::kBetween;
      range.sortValue = part->kids[1].value;
      range.sortValue2 = part->kids[2].value;
      return range;
    }
    if (part->kind == Node::Kind::kCall && part->text == "begins_with" && part->kids.size() == 2 &&
        isAttribute(part->kids[0], sortKey) && typed(part->kids[1]) && sortType != Type::kN) {
      range.sortOp = Op::kBeginsWith;
      range.sortValue = part->kids[1].value;
      return range;
    }
  }
  return std::nullopt;
}

}  // namespace nimbus::aws::dynamodb::partiql
