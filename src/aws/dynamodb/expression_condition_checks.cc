// The checks DynamoDB makes on a syntactically valid ConditionExpression, FilterExpression or
// KeyConditionExpression before it reads any item, in DynamoDB's order (redundant parentheses,
// function names, misused functions, reserved words, undefined names and values, operand
// counts, distinct operands, operand types), the lowering of the checked tree into
// ConditionNode, and the key-condition rules on top ("Query key condition not supported", ...).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "aws/dynamodb/expression_checker.h"
#include "core/base64.h"

namespace nimbus::aws::dynamodb {

namespace {

using namespace checks;  // NOLINT: the module's own internal helpers.

// "AttributeValue: {N:2}" as DynamoDB prints BETWEEN's bounds.
std::string valueForMessage(const AttributeValue& value) {
  std::string text;
  switch (value.type()) {
    case Type::kS:
      text = value.s();
      break;
    case Type::kN:
      text = value.n().toString();
      break;
    case Type::kB:
      text = base64Encode(value.b());
      break;
    default:
      break;
  }
  return fmt::format("AttributeValue: {{{}:{}}}", typeName(value.type()), text);
}

class ConditionChecker {
 public:
  ConditionChecker(Checker& checker) : c_(checker) {}

  bool check(const Node& root) {
    return redundantParentheses(root) && functionNames(root) && misusedFunctions(root, true) &&
           reservedWords(root) && namesAndValues(root) && operandCounts(root) &&
           distinctOperands(root) && operandTypes(root);
  }

 private:
  bool redundantParentheses(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      if (n.kind == NodeKind::kParen && n.kids.front()->kind == NodeKind::kParen) {
        return c_.fail("The expression has redundant parentheses;");
      }
      return true;
    });
  }

  bool functionNames(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      if (n.kind != NodeKind::kCall || conditionFunction(n.text)) return true;
      if (updateFunction(n.text)) {
        return c_.fail(fmt::format(
            "The function is not allowed in a condition expression; function: {}", n.text));
      }
      return c_.fail(fmt::format("Invalid function name; function: {}", n.text));
    });
  }

  // Only size() yields a value; every other function is a condition on its own.
  bool misusedFunctions(const Node& n, bool conditionPosition) {
    if (n.kind == NodeKind::kCall && (n.text == "size") == conditionPosition) {
      return c_.fail(misusedMessage(n.text));
    }
    const bool kidsAreConditions = n.kind == NodeKind::kOr || n.kind == NodeKind::kAnd ||
                                   n.kind == NodeKind::kNot ||
                                   (n.kind == NodeKind::kParen && conditionPosition);
    for (const auto& kid : n.kids) {
      if (!misusedFunctions(*kid, kidsAreConditions)) return false;
    }
    return true;
  }

  bool reservedWords(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      return n.kind != NodeKind::kPath || c_.checkPathWords(n.path);
    });
  }

  bool namesAndValues(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      if (n.kind == NodeKind::kPath) return c_.checkNames(n.path);
      if (n.kind == NodeKind::kValueRef) return c_.checkValue(n.text);
      return true;
    });
  }

  bool operandCounts(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      size_t expected = 0;
      std::string_view name;
      if (n.kind == NodeKind::kCall) {
        expected = conditionFunction(n.text)->operands;
        name = n.text;
      } else if (n.kind == NodeKind::kIn && n.kids.size() > kMaxInOperands) {
        name = "IN";
      } else {
        return true;
      }
      if (n.kids.size() == expected) return true;
      return c_.fail(fmt::format(
          "Incorrect number of operands for operator or function; operator or function: {}, "
          "number of operands: {}",
          name, n.kids.size()));
    });
  }

  // `a = a`, contains(a, a) and the like are refused.
  bool distinctOperands(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      std::string_view name;
      if (n.kind == NodeKind::kCompare) {
        name = compareSymbol(n.op);
      } else if (n.kind == NodeKind::kCall && n.kids.size() == 2) {
        name = n.text;
      } else {
        return true;
      }
      const Node& one = unwrap(*n.kids[0]);
      const Node& two = unwrap(*n.kids[1]);
      if (one.kind != NodeKind::kPath || two.kind != NodeKind::kPath) return true;
      const DocumentPath first = c_.resolve(one.path);
      const DocumentPath second = c_.resolve(two.path);
      const bool same = std::equal(first.begin(), first.end(), second.begin(), second.end(),
                                   [](const PathElement& a, const PathElement& b) {
                                     return a.index == b.index && a.name == b.name;
                                   });
      if (!same) return true;
      return c_.fail(fmt::format(
          "The first operand must be distinct from the remaining operands for this operator or "
          "function; operator: {}, first operand: {}",
          name, pathForMessage(first)));
    });
  }

  bool operandTypes(const Node& root) {
    return visitAll(root, [&](const Node& n) {
      switch (n.kind) {
        case NodeKind::kCall:
          return functionTypes(n);
        case NodeKind::kCompare:
          if (n.op == CompareOp::kEq || n.op == CompareOp::kNe) return true;
          return orderedOperands(n, compareSymbol(n.op));
        case NodeKind::kBetween:
          return orderedOperands(n, "BETWEEN") && betweenBounds(n);
        default:
          return true;
      }
    });
  }

  // Constants compared by order must be of a type with an order: S, N or B.
  bool orderedOperands(const Node& n, std::string_view name) {
    for (const auto& kid : n.kids) {
      auto type = c_.staticType(*kid);
      if (type && !isOrderedType(*type)) return c_.fail(operandTypeMessage(name, typeName(*type)));
    }
    return true;
  }

  bool betweenBounds(const Node& n) {
    const Node& low = unwrap(*n.kids[1]);
    const Node& high = unwrap(*n.kids[2]);
    if (low.kind != NodeKind::kValueRef || high.kind != NodeKind::kValueRef) return true;
    const AttributeValue& lower = c_.value(low.text);
    const AttributeValue& upper = c_.value(high.text);
    const std::string bounds = fmt::format("lower bound operand: {}, upper bound operand: {}",
                                           valueForMessage(lower), valueForMessage(upper));
    if (lower.type() != upper.type()) {
      return c_.fail("The BETWEEN operator requires same data type for lower and upper bounds; " +
                     bounds);
    }
    if (compareScalars(lower, upper) == std::strong_ordering::greater) {
      return c_.fail(
          "The BETWEEN operator requires upper bound to be greater than or equal to lower "
          "bound; " +
          bounds);
    }
    return true;
  }

  bool functionTypes(const Node& n) {
    const std::string& name = n.text;
    if (name == "attribute_exists" || name == "attribute_not_exists") {
      if (unwrap(*n.kids[0]).kind != NodeKind::kPath) {
        return c_.fail(fmt::format(
            "Operator or function requires a document path; operator or function: {}", name));
      }
    } else if (name == "begins_with") {
      for (const auto& kid : n.kids) {
        auto type = c_.staticType(*kid);
        if (type && *type != Type::kS && *type != Type::kB) {
          return c_.fail(operandTypeMessage(name, typeName(*type)));
        }
      }
    } else if (name == "attribute_type") {
      auto type = c_.staticType(*n.kids[1]);
      if (!type) return c_.fail(operandTypeMessage(name, "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"));
      if (*type != Type::kS) return c_.fail(operandTypeMessage(name, typeName(*type)));
      const std::string& wanted = c_.value(unwrap(*n.kids[1]).text).s();
      static constexpr std::string_view kTypes[] = {"S", "N", "B",  "BOOL", "NULL",
                                                    "L", "M", "SS", "NS",   "BS"};
      if (std::find(std::begin(kTypes), std::end(kTypes), wanted) == std::end(kTypes)) {
        return c_.fail(
            fmt::format("Invalid attribute type name found; type: {}, valid types: "
                        "{{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}",
                        wanted));
      }
    } else if (name == "size") {
      auto type = c_.staticType(*n.kids[0]);
      if (type && (*type == Type::kN || *type == Type::kBool || *type == Type::kNull)) {
        return c_.fail(operandTypeMessage(name, typeName(*type)));
      }
    }
    return true;
  }

  Checker& c_;
};

Operand lowerConditionOperand(const Node& node, const Checker& c) {
  const Node& n = unwrap(node);
  Operand out;
  switch (n.kind) {
    case NodeKind::kPath:
      out.kind = Operand::Kind::kPath;
      out.path = c.resolve(n.path);
      break;
    case NodeKind::kValueRef:
      out.kind = Operand::Kind::kConstant;
      out.constant = c.value(n.text);
      break;
    default:  // size(), the only function that yields a value.
      out.kind = Operand::Kind::kSize;
      out.args.push_back(lowerConditionOperand(*n.kids[0], c));
      break;
  }
  return out;
}

ConditionNode lowerCondition(const Node& node, const Checker& c) {
  const Node& n = unwrap(node);
  ConditionNode out;
  switch (n.kind) {
    case NodeKind::kOr:
    case NodeKind::kAnd:
    case NodeKind::kNot:
      out.kind = n.kind == NodeKind::kOr    ? ConditionNode::Kind::kOr
                 : n.kind == NodeKind::kAnd ? ConditionNode::Kind::kAnd
                                            : ConditionNode::Kind::kNot;
      for (const auto& kid : n.kids) out.children.push_back(lowerCondition(*kid, c));
      return out;
    case NodeKind::kCompare:
      out.kind = ConditionNode::Kind::kCompare;
      out.op = n.op;
      break;
    case NodeKind::kBetween:
      out.kind = ConditionNode::Kind::kBetween;
      break;
    case NodeKind::kIn:
      out.kind = ConditionNode::Kind::kIn;
      break;
    default: {  // A function call.
      static const std::pair<std::string_view, ConditionNode::Kind> kKinds[] = {
          {"attribute_exists", ConditionNode::Kind::kAttributeExists},
          {"attribute_not_exists", ConditionNode::Kind::kAttributeNotExists},
          {"attribute_type", ConditionNode::Kind::kAttributeType},
          {"begins_with", ConditionNode::Kind::kBeginsWith},
          {"contains", ConditionNode::Kind::kContains},
      };
      for (const auto& [name, kind] : kKinds) {
        if (n.text == name) out.kind = kind;
      }
      break;
    }
  }
  for (const auto& kid : n.kids) out.operands.push_back(lowerConditionOperand(*kid, c));
  return out;
}

void collectAttributes(const ConditionNode& node, std::set<std::string>& names) {
  std::function<void(const Operand&)> visitOperand = [&](const Operand& o) {
    if (o.kind == Operand::Kind::kPath) names.insert(o.path.front().name);
    for (const auto& arg : o.args) visitOperand(arg);
  };
  for (const auto& o : node.operands) visitOperand(o);
  for (const auto& child : node.children) collectAttributes(child, names);
}

Result<ConditionNode> checkCondition(std::string_view text, std::string_view which,
                                     ExpressionContext& context) {
  auto tree = syntax::parseCondition(text, which);
  if (!tree) return tree.takeError();
  Checker checker(which, context);
  if (!ConditionChecker(checker).check(**tree)) return checker.takeError();
  return lowerCondition(**tree, checker);
}

// ---- Key conditions ----

ServiceError validation(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

struct KeyTerm {
  KeyCondition::Op op = KeyCondition::Op::kEq;
  std::vector<const AttributeValue*> values;
};

// DynamoDB's checks of a key condition's shape, in its order; fills `terms` by attribute.
std::optional<ServiceError> collectKeyTerms(const ConditionNode& node,
                                            std::map<std::string, KeyTerm>& terms) {
  using K = ConditionNode::Kind;
  auto invalidOperator = [](std::string_view op) {
    return validation(fmt::format("Invalid operator used in KeyConditionExpression: {}", op));
  };
  switch (node.kind) {
    case K::kOr:
      return invalidOperator("OR");
    case K::kNot:
      return invalidOperator("NOT");
    case K::kIn:
      return invalidOperator("IN");
    case K::kAttributeExists:
      return invalidOperator("attribute_exists");
    case K::kAttributeNotExists:
      return invalidOperator("attribute_not_exists");
    case K::kAttributeType:
      return invalidOperator("attribute_type");
    case K::kContains:
      return invalidOperator("contains");
    case K::kAnd:
      for (const auto& child : node.children) {
        if (auto error = collectKeyTerms(child, terms)) return error;
      }
      return std::nullopt;
    case K::kCompare:
      if (node.op == CompareOp::kNe) return invalidOperator("<>");
      break;
    case K::kBetween:
    case K::kBeginsWith:
      if (node.operands[0].kind != Operand::Kind::kPath) {
        return validation(fmt::format(
            "Invalid condition in KeyConditionExpression: {} operator must have the key "
            "attribute as its first operand",
            node.kind == K::kBetween ? "BETWEEN" : "begins_with"));
      }
      break;
  }
  const Operand* key = nullptr;
  size_t keyIndex = 0;
  for (size_t i = 0; i < node.operands.size(); ++i) {
    const Operand& o = node.operands[i];
    if (o.kind == Operand::Kind::kSize) {
      return validation("KeyConditionExpressions cannot contain nested operations");
    }
    if (o.kind != Operand::Kind::kPath) continue;
    if (key) {
      return validation(
          "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
          "condition");
    }
    if (o.path.size() > 1) {
      return validation("KeyConditionExpressions cannot have conditions on nested attributes");
    }
    key = &o;
    keyIndex = i;
  }
  if (!key)
    return validation("Invalid condition in KeyConditionExpression: No key attribute specified");
  const std::string& name = key->path.front().name;
  if (terms.count(name)) {
    return validation("KeyConditionExpressions must only contain one condition per key");
  }
  KeyTerm term;
  if (node.kind == K::kBetween) {
    term.op = KeyCondition::Op::kBetween;
  } else if (node.kind == K::kBeginsWith) {
    term.op = KeyCondition::Op::kBeginsWith;
  } else {
    // `:v < key` is `key > :v`.
    const bool reversed = keyIndex != 0;
    switch (node.op) {
      case CompareOp::kLt:
        term.op = reversed ? KeyCondition::Op::kGt : KeyCondition::Op::kLt;
        break;
      case CompareOp::kLe:
        term.op = reversed ? KeyCondition::Op::kGe : KeyCondition::Op::kLe;
        break;
      case CompareOp::kGt:
        term.op = reversed ? KeyCondition::Op::kLt : KeyCondition::Op::kGt;
        break;
      case CompareOp::kGe:
        term.op = reversed ? KeyCondition::Op::kLe : KeyCondition::Op::kGe;
        break;
      default:
        term.op = KeyCondition::Op::kEq;
        break;
    }
  }
  for (size_t i = 0; i < node.operands.size(); ++i) {
    if (i != keyIndex) term.values.push_back(&node.operands[i].constant);
  }
  terms.emplace(name, std::move(term));
  return std::nullopt;
}
}  // namespace

Result<Condition> parseCondition(std::string_view text, std::string_view which,
                                 ExpressionContext& context) {
  auto node = checkCondition(text, which, context);
  if (!node) return node.takeError();
  Condition condition;
  collectAttributes(*node, condition.attributes);
  condition.root = std::make_shared<const ConditionNode>(std::move(*node));
  return condition;
}

Result<KeyCondition> parseKeyCondition(std::string_view text, ExpressionContext& context,
                                       const std::string& partitionKeyName,
                                       const std::string& sortKeyName,
                                       std::optional<Type> partitionKeyType,
                                       std::optional<Type> sortKeyType) {
  auto node = checkCondition(text, "KeyConditionExpression", context);
  if (!node) return node.takeError();
  std::map<std::string, KeyTerm> terms;
  if (auto error = collectKeyTerms(*node, terms)) return std::move(*error);
  if (terms.size() > 2) return validation("Conditions can be of length 1 or 2 only");
  if (sortKeyName.empty() && terms.size() > 1) {
    return validation("Query key condition not supported");
  }
  KeyCondition result;
  for (int k = 0; k < 2; ++k) {
    const bool isPartition = k == 0;
    const std::string& name = isPartition ? partitionKeyName : sortKeyName;
    const std::optional<Type>& type = isPartition ? partitionKeyType : sortKeyType;
    if (name.empty()) break;
    auto it = terms.find(name);
    if (it == terms.end()) {
      if (isPartition || terms.size() > 1) {
        return validation(fmt::format("Query condition missed key schema element: {}", name));
      }
      continue;
    }
    const KeyTerm& term = it->second;
    if (type && std::any_of(term.values.begin(), term.values.end(),
                            [&](const AttributeValue* v) { return v->type() != *type; })) {
      return validation(
          "One or more parameter values were invalid: Condition parameter type does not match "
          "schema type");
    }
    if (isPartition) {
      if (term.op != KeyCondition::Op::kEq) return validation("Query key condition not supported");
      result.partitionValue = *term.values[0];
    } else {
      result.sortOp = term.op;
      result.sortValue = *term.values[0];
      if (term.values.size() > 1) result.sortValue2 = *term.values[1];
    }
  }
  return result;
}

}  // namespace nimbus::aws::dynamodb
