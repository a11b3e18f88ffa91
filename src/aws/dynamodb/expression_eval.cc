// Evaluation of parsed expressions against items: conditions and filters, the sort-key part of
// a key condition, projections, and the check that every supplied name and value was used.
// Update application is in expression_update.cc.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "aws/dynamodb/expression_ast.h"

namespace nimbus::aws::dynamodb {

namespace {

bool isOrderedType(Type type) {
  return type == Type::kS || type == Type::kN || type == Type::kB;
}

// Comparisons across types, or on types without an order, are false, never an error: the
// operands' types depend on the item.
bool ordered(const AttributeValue* a, const AttributeValue* b, CompareOp op) {
  if (!a || !b || a->type() != b->type() || !isOrderedType(a->type())) return false;
  const auto order = compareScalars(*a, *b);
  switch (op) {
    case CompareOp::kLt:
      return order == std::strong_ordering::less;
    case CompareOp::kLe:
      return order != std::strong_ordering::greater;
    case CompareOp::kGt:
      return order == std::strong_ordering::greater;
    case CompareOp::kGe:
      return order != std::strong_ordering::less;
    case CompareOp::kEq:
      return order == std::strong_ordering::equal;
    case CompareOp::kNe:
      return order != std::strong_ordering::equal;
  }
  return false;
}

bool between(const AttributeValue* value, const AttributeValue* low, const AttributeValue* high) {
  return ordered(value, low, CompareOp::kGe) && ordered(value, high, CompareOp::kLe);
}

bool equal(const AttributeValue* a, const AttributeValue* b) {
  return a && b && *a == *b;
}

bool beginsWith(const AttributeValue* value, const AttributeValue* prefix) {
  if (!value || !prefix || value->type() != prefix->type()) return false;
  if (value->is(Type::kS)) return std::string_view(value->s()).starts_with(prefix->s());
  if (value->is(Type::kB)) return std::string_view(value->b()).starts_with(prefix->b());
  return false;
}

// contains(): a substring of a string or binary, a member of a set, an element of a list.
bool contains(const AttributeValue* haystack, const AttributeValue* needle) {
  if (!haystack || !needle) return false;
  switch (haystack->type()) {
    case Type::kS:
      return needle->is(Type::kS) && haystack->s().find(needle->s()) != std::string::npos;
    case Type::kB:
      return needle->is(Type::kB) && haystack->b().find(needle->b()) != std::string::npos;
    case Type::kSS: {
      if (!needle->is(Type::kS)) return false;
      const auto& members = std::get<StringSet>(haystack->value).values;
      return std::find(members.begin(), members.end(), needle->s()) != members.end();
    }
    case Type::kNS: {
      if (!needle->is(Type::kN)) return false;
      const auto& members = std::get<NumberSet>(haystack->value).values;
      return std::find(members.begin(), members.end(), needle->n()) != members.end();
    }
    case Type::kBS: {
      if (!needle->is(Type::kB)) return false;
      const auto& members = std::get<BinarySet>(haystack->value).values;
      return std::find(members.begin(), members.end(), needle->b()) != members.end();
    }
    case Type::kL: {
      const auto& elements = haystack->l();
      return std::find(elements.begin(), elements.end(), *needle) != elements.end();
    }
    default:
      return false;
  }
}

// Nodes also come from PartiQL statements, built outside the parser, so a missing operand or
// child reads as absent rather than being trusted to exist.
bool evaluate(const ConditionNode& node, const Item& item) {
  using K = ConditionNode::Kind;
  switch (node.kind) {
    case K::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const ConditionNode& c) { return evaluate(c, item); });
    case K::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const ConditionNode& c) { return evaluate(c, item); });
    case K::kNot:
      return !node.children.empty() && !evaluate(node.children.front(), item);
    default:
      break;
  }
  AttributeValue s0, s1, s2;
  auto operand = [&](size_t i, AttributeValue& scratch) -> const AttributeValue* {
    return i < node.operands.size() ? evaluateOperand(node.operands[i], item, scratch) : nullptr;
  };
  const AttributeValue* a = operand(0, s0);
  switch (node.kind) {
    case K::kAttributeExists:
      return a != nullptr;
    case K::kAttributeNotExists:
      return !node.operands.empty() && a == nullptr;
    case K::kCompare: {
      const AttributeValue* b = operand(1, s1);
      if (node.op == CompareOp::kEq) return equal(a, b);
      // An absent operand is different from anything, even another absent one.
      if (node.op == CompareOp::kNe) return !equal(a, b);
      return ordered(a, b, node.op);
    }
    case K::kBetween:
      return between(a, operand(1, s1), operand(2, s2));
    case K::kIn:
      for (size_t i = 1; a && i < node.operands.size(); ++i) {
        AttributeValue scratch;
        if (equal(a, operand(i, scratch))) return true;
      }
      return false;
    case K::kAttributeType: {
      const AttributeValue* type = operand(1, s1);
      return a && type && type->is(Type::kS) && typeName(a->type()) == type->s();
    }
    case K::kBeginsWith:
      return beginsWith(a, operand(1, s1));
    case K::kContains:
      return contains(a, operand(1, s1));
    default:
      return false;
  }
}

// The paths of a projection merged into a tree, so that a.b[0] and a.b[2] share a and b.
struct ProjectionTree {
  bool whole = false;
  std::map<std::string, ProjectionTree> members;
  std::map<int, ProjectionTree> elements;
};

// Copies the projected parts of `value` into `out`; false when nothing of it is projected.
// Lists keep the projected elements in order, without gaps, as DynamoDB returns them.
bool project(const AttributeValue& value, const ProjectionTree& tree, AttributeValue& out) {
  if (tree.whole) {
    out = value;
    return true;
  }
  if (!tree.members.empty() && value.is(Type::kM)) {
    Map map;
    for (const auto& [name, child] : tree.members) {
      auto it = value.m().find(name);
      AttributeValue part;
      if (it != value.m().end() && project(it->second, child, part)) {
        map.emplace(name, std::move(part));
      }
    }
    if (map.empty()) return false;
    out = std::move(map);
    return true;
  }
  if (!tree.elements.empty() && value.is(Type::kL)) {
    List list;
    for (const auto& [index, child] : tree.elements) {
      AttributeValue part;
      if (static_cast<size_t>(index) < value.l().size() && project(value.l()[index], child, part)) {
        list.push_back(std::move(part));
      }
    }
    if (list.empty()) return false;
    out = std::move(list);
    return true;
  }
  return false;
}

std::string joinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) out += (out.empty() ? "" : ", ") + key;
  return out;
}

}  // namespace

const AttributeValue* resolvePath(const Item& item, const DocumentPath& path) {
  if (path.empty() || path.front().isIndex()) return nullptr;
  auto top = item.find(path.front().name);
  if (top == item.end()) return nullptr;
  const AttributeValue* value = &top->second;
  for (size_t i = 1; i < path.size(); ++i) {
    const PathElement& step = path[i];
    if (step.isIndex()) {
      if (!value->is(Type::kL) || static_cast<size_t>(step.index) >= value->l().size()) {
        return nullptr;
      }
      value = &value->l()[step.index];
    } else {
      if (!value->is(Type::kM)) return nullptr;
      auto it = value->m().find(step.name);
      if (it == value->m().end()) return nullptr;
      value = &it->second;
    }
  }
  return value;
}

bool sizeOf(const AttributeValue& value, Decimal& size) {
  size_t count = 0;
  switch (value.type()) {
    case Type::kS:
      // DynamoDB counts UTF-16 code units: one per character, two above U+FFFF.
      for (unsigned char c : value.s()) {
        if ((c & 0xC0) != 0x80) ++count;
        if (c >= 0xF0) ++count;
      }
      break;
    case Type::kB:
      count = value.b().size();
      break;
    case Type::kSS:
      count = std::get<StringSet>(value.value).values.size();
      break;
    case Type::kNS:
      count = std::get<NumberSet>(value.value).values.size();
      break;
    case Type::kBS:
      count = std::get<BinarySet>(value.value).values.size();
      break;
    case Type::kL:
      count = value.l().size();
      break;
    case Type::kM:
      count = value.m().size();
      break;
    default:
      return false;
  }
  auto parsed = Decimal::parse(std::to_string(count));
  if (!parsed) return false;
  size = *parsed;
  return true;
}

const AttributeValue* evaluateOperand(const Operand& operand, const Item& item,
                                      AttributeValue& scratch) {
  switch (operand.kind) {
    case Operand::Kind::kPath:
      return resolvePath(item, operand.path);
    case Operand::Kind::kConstant:
      return &operand.constant;
    case Operand::Kind::kSize: {
      if (operand.args.empty()) return nullptr;
      AttributeValue inner;
      const AttributeValue* value = evaluateOperand(operand.args.front(), item, inner);
      Decimal size;
      if (!value || !sizeOf(*value, size)) return nullptr;
      scratch = AttributeValue(size);
      return &scratch;
    }
    default:
      return nullptr;  // Update functions never reach a condition.
  }
}

bool Condition::matches(const Item& item) const {
  return !root || evaluate(*root, item);
}

bool KeyCondition::sortMatches(const AttributeValue& sortKey) const {
  switch (sortOp) {
    case Op::kNone:
      return true;
    case Op::kEq:
      return sortKey == sortValue;
    case Op::kLt:
      return ordered(&sortKey, &sortValue, CompareOp::kLt);
    case Op::kLe:
      return ordered(&sortKey, &sortValue, CompareOp::kLe);
    case Op::kGt:
      return ordered(&sortKey, &sortValue, CompareOp::kGt);
    case Op::kGe:
      return ordered(&sortKey, &sortValue, CompareOp::kGe);
    case Op::kBetween:
      return between(&sortKey, &sortValue, &sortValue2);
    case Op::kBeginsWith:
      return beginsWith(&sortKey, &sortValue);
  }
  return false;
}

Item Projection::apply(const Item& item) const {
  ProjectionTree root;
  for (const auto& path : paths) {
    ProjectionTree* node = &root;
    for (const auto& step : path) {
      node = step.isIndex() ? &node->elements[step.index] : &node->members[step.name];
    }
    node->whole = true;
  }
  Item out;
  for (const auto& [name, child] : root.members) {
    auto it = item.find(name);
    AttributeValue part;
    if (it != item.end() && project(it->second, child, part)) out.emplace(name, std::move(part));
  }
  return out;
}

Status checkAllUsed(const ExpressionContext& context) {
  auto unused = [](const auto* supplied, const std::set<std::string>& used) {
    std::vector<std::string> keys;
    if (supplied) {
      for (const auto& entry : *supplied) {
        if (!used.count(entry.first)) keys.push_back(entry.first);
      }
    }
    return keys;
  };
  auto names = unused(context.names, context.usedNames);
  if (!names.empty()) {
    return ServiceError{
        "ValidationException",
        fmt::format(
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
            joinKeys(names)),
        400};
  }
  auto values = unused(context.values, context.usedValues);
  if (!values.empty()) {
    return ServiceError{
        "ValidationException",
        fmt::format(
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
            joinKeys(values)),
        400};
  }
  return ok();
}

}  // namespace nimbus::aws::dynamodb
