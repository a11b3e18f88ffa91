// The checks DynamoDB makes on a syntactically valid expression before it reads any item, in
// DynamoDB's order (redundant parentheses, function names, misused functions, reserved words,
// undefined names and values, operand counts, operand types), and the lowering of the checked
// syntax trees into the forms evaluation uses (expression_ast.h).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "aws/dynamodb/expression_ast.h"
#include "aws/dynamodb/expression_syntax.h"
#include "core/base64.h"

namespace nimbus::aws::dynamodb {

namespace {

using syntax::Node;
using NodeKind = syntax::Node::Kind;
using syntax::PathPart;

// Visits `node` and its descendants depth first, parents before children, until `visit`
// returns false. Depth is bounded by the parser's nesting and operator limits.
bool visitAll(const Node& node, const std::function<bool(const Node&)>& visit) {
  if (!visit(node)) return false;
  for (const auto& kid : node.kids) {
    if (!visitAll(*kid, visit)) return false;
  }
  return true;
}

const Node& unwrap(const Node& node) {
  const Node* n = &node;
  while (n->kind == NodeKind::kParen) n = n->kids.front().get();
  return *n;
}

const char* compareSymbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "=";
}

bool isOrderedType(Type type) {
  return type == Type::kS || type == Type::kN || type == Type::kB;
}

// The long type names ADD and DELETE use in their messages.
const char* longTypeName(Type type) {
  switch (type) {
    case Type::kS:
      return "STRING";
    case Type::kN:
      return "NUMBER";
    case Type::kB:
      return "BINARY";
    case Type::kBool:
      return "BOOLEAN";
    case Type::kNull:
      return "NULL";
    case Type::kL:
      return "LIST";
    case Type::kM:
      return "MAP";
    default:
      return "SET";
  }
}

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

std::string operandTypeMessage(std::string_view function, std::string_view type) {
  return fmt::format(
      "Incorrect operand type for operator or function; operator or function: {}, operand "
      "type: {}",
      function, type);
}

std::string misusedMessage(std::string_view function) {
  return fmt::format(
      "The function is not allowed to be used this way in an expression; function: {}", function);
}

struct FunctionSpec {
  const char* name;
  size_t operands;
};
constexpr FunctionSpec kConditionFunctions[] = {
    {"attribute_exists", 1}, {"attribute_not_exists", 1},
    {"attribute_type", 2},   {"begins_with", 2},
    {"contains", 2},         {"size", 1},
};
constexpr FunctionSpec kUpdateFunctions[] = {{"if_not_exists", 2}, {"list_append", 2}};

template <size_t N>
const FunctionSpec* findFunction(const FunctionSpec (&table)[N], std::string_view name) {
  for (const auto& spec : table) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

// Resolves names and values against one request's ExpressionContext and reports the first
// problem, worded for the expression `which_`.
class Checker {
 public:
  Checker(std::string_view which, ExpressionContext& context) : which_(which), context_(context) {}

  ServiceError takeError() { return std::move(*error_); }
  bool failed() const { return error_.has_value(); }

  bool fail(std::string_view message) {
    if (!error_) error_ = syntax::invalidExpression(which_, message);
    return false;
  }

  // Bare names may not be reserved words, and paths nest at most 32 levels.
  bool checkPathWords(const syntax::Path& path) {
    for (const auto& part : path) {
      if (part.kind == PathPart::Kind::kName && isReservedWord(part.text)) {
        return fail(
            fmt::format("Attribute name is a reserved keyword; reserved keyword: {}", part.text));
      }
    }
    if (path.size() > kMaxPathDepth) {
      return fail(fmt::format("The document path has too many nesting levels; nesting levels: {}",
                              path.size()));
    }
    return true;
  }

  bool checkNames(const syntax::Path& path) {
    for (const auto& part : path) {
      if (part.kind != PathPart::Kind::kNameRef) continue;
      if (!findName(part.text)) {
        return fail(fmt::format(
            "An expression attribute name used in the document path is not defined; attribute "
            "name: {}",
            part.text));
      }
      context_.usedNames.insert(part.text);
    }
    return true;
  }

  bool checkValue(const std::string& placeholder) {
    if (!findValue(placeholder)) {
      return fail(fmt::format(
          "An expression attribute value used in expression is not defined; attribute value: {}",
          placeholder));
    }
    context_.usedValues.insert(placeholder);
    return true;
  }

  // After checkNames and checkValue passed.
  DocumentPath resolve(const syntax::Path& path) const {
    DocumentPath out;
    out.reserve(path.size());
    for (const auto& part : path) {
      PathElement element;
      switch (part.kind) {
        case PathPart::Kind::kName:
          element.name = part.text;
          break;
        case PathPart::Kind::kNameRef:
          element.name = *findName(part.text);
          break;
        case PathPart::Kind::kIndex:
          element.index = part.index;
          break;
      }
      out.push_back(std::move(element));
    }
    return out;
  }
  const AttributeValue& value(const std::string& placeholder) const {
    return *findValue(placeholder);
  }

  // The type an operand is known to have before any item is read: a constant's, or N for
  // size(). Only constants when `constantsOnly` (update functions look no further).
  std::optional<Type> staticType(const Node& node, bool constantsOnly = false) const {
    const Node& n = unwrap(node);
    if (n.kind == NodeKind::kValueRef) return value(n.text).type();
    if (!constantsOnly && n.kind == NodeKind::kCall && n.text == "size") return Type::kN;
    return std::nullopt;
  }

  // Overlapping paths (one contains the other) and conflicting paths (one indexes a list where
  // the other names a map member) are refused; an overlap anywhere is reported first.
  bool checkOverlaps(const std::vector<DocumentPath>& paths) {
    std::optional<std::string> conflict;
    for (size_t j = 0; j < paths.size(); ++j) {
      for (size_t i = 0; i < j; ++i) {
        const auto& one = paths[i];
        const auto& two = paths[j];
        const size_t common = std::min(one.size(), two.size());
        bool differ = false;
        bool conflicting = false;
        for (size_t k = 0; k < common && !differ; ++k) {
          if (one[k].isIndex() != two[k].isIndex()) {
            conflicting = true;
            differ = true;
          } else if (one[k].isIndex() ? one[k].index != two[k].index : one[k].name != two[k].name) {
            differ = true;
          }
        }
        const std::string pair =
            fmt::format("must remove or rewrite one of these paths; path one: {}, path two: {}",
                        pathForMessage(one), pathForMessage(two));
        if (!differ) return fail("Two document paths overlap with each other; " + pair);
        if (conflicting && !conflict)
          conflict = "Two document paths conflict with each other; " + pair;
      }
    }
    if (conflict) return fail(*conflict);
    return true;
  }

 private:
  const std::string* findName(const std::string& placeholder) const {
    if (!context_.names) return nullptr;
    auto it = context_.names->find(placeholder);
    return it == context_.names->end() ? nullptr : &it->second;
  }
  const AttributeValue* findValue(const std::string& placeholder) const {
    if (!context_.values) return nullptr;
    auto it = context_.values->find(placeholder);
    return it == context_.values->end() ? nullptr : &it->second;
  }

  std::string_view which_;
  ExpressionContext& context_;
  std::optional<ServiceError> error_;
};

// ---- Conditions ----

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
      if (n.kind != NodeKind::kCall || findFunction(kConditionFunctions, n.text)) return true;
      if (findFunction(kUpdateFunctions, n.text)) {
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
        expected = findFunction(kConditionFunctions, n.text)->operands;
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

// ---- Updates ----

class UpdateChecker {
 public:
  UpdateChecker(Checker& checker) : c_(checker) {}

  bool check(const std::vector<syntax::UpdateClause>& clauses) {
    return forEachNode(clauses,
                       [&](const Node& n) {
                         return n.kind != NodeKind::kPath || c_.checkPathWords(n.path);
                       }) &&
           forEachNode(clauses, [&](const Node& n) { return functionName(n); }) &&
           sections(clauses) &&
           forEachNode(
               clauses,
               [&](const Node& n) { return n.kind != NodeKind::kPath || c_.checkNames(n.path); }) &&
           forEachNode(clauses,
                       [&](const Node& n) {
                         return n.kind != NodeKind::kValueRef || c_.checkValue(n.text);
                       }) &&
           overlaps(clauses) && addDeleteOperands(clauses) &&
           forEachNode(clauses, [&](const Node& n) { return functionUse(n); });
  }

 private:
  template <typename Visit>
  static bool forEachNode(const std::vector<syntax::UpdateClause>& clauses, Visit visit) {
    for (const auto& clause : clauses) {
      for (const auto& action : clause.actions) {
        if (!visitAll(*action.path, visit)) return false;
        if (action.value && !visitAll(*action.value, visit)) return false;
      }
    }
    return true;
  }

  bool functionName(const Node& n) {
    if (n.kind != NodeKind::kCall || findFunction(kUpdateFunctions, n.text)) return true;
    if (findFunction(kConditionFunctions, n.text)) {
      return c_.fail(
          fmt::format("The function is not allowed in a update expression; function: {}", n.text));
    }
    return c_.fail(fmt::format("Invalid function name; function: {}", n.text));
  }

  bool sections(const std::vector<syntax::UpdateClause>& clauses) {
    static constexpr const char* kNames[] = {"SET", "REMOVE", "ADD", "DELETE"};
    bool seen[4] = {};
    for (const auto& clause : clauses) {
      const auto index = static_cast<size_t>(clause.kind);
      if (seen[index]) {
        return c_.fail(fmt::format(
            "The \"{}\" section can only be used once in an update expression;", kNames[index]));
      }
      seen[index] = true;
    }
    return true;
  }

  bool overlaps(const std::vector<syntax::UpdateClause>& clauses) {
    std::vector<DocumentPath> paths;
    for (const auto& clause : clauses) {
      for (const auto& action : clause.actions) paths.push_back(c_.resolve(action.path->path));
    }
    return c_.checkOverlaps(paths);
  }

  // ADD takes a number or a set; DELETE a set.
  bool addDeleteOperands(const std::vector<syntax::UpdateClause>& clauses) {
    using K = dynamodb::UpdateAction::Kind;
    for (const auto& clause : clauses) {
      if (clause.kind != K::kAdd && clause.kind != K::kDelete) continue;
      for (const auto& action : clause.actions) {
        const Type type = c_.value(action.value->text).type();
        const bool isSet = type == Type::kSS || type == Type::kNS || type == Type::kBS;
        if (isSet || (clause.kind == K::kAdd && type == Type::kN)) continue;
        return c_.fail(fmt::format(
            "Incorrect operand type for operator or function; operator: {}, operand type: {}",
            clause.kind == K::kAdd ? "ADD" : "DELETE", longTypeName(type)));
      }
    }
    return true;
  }

  bool functionUse(const Node& n) {
    if (n.kind == NodeKind::kArith) {
      const std::string_view name = n.arith == '+' ? "+" : "-";
      return constantTypes(n, name, Type::kN);
    }
    if (n.kind != NodeKind::kCall) return true;
    // Only if_not_exists() may be an argument of a function.
    for (const auto& kid : n.kids) {
      const Node& arg = unwrap(*kid);
      if (arg.kind == NodeKind::kCall && arg.text != "if_not_exists") {
        return c_.fail(misusedMessage(arg.text));
      }
    }
    if (n.kids.size() != 2) {
      return c_.fail(fmt::format(
          "Incorrect number of operands for operator or function; operator or function: {}, "
          "number of operands: {}",
          n.text, n.kids.size()));
    }
    if (n.text == "if_not_exists") {
      if (unwrap(*n.kids[0]).kind != NodeKind::kPath) {
        return c_.fail(
            "Operator or function requires a document path; operator or function: "
            "if_not_exists");
      }
      return true;
    }
    return constantTypes(n, n.text, Type::kL);
  }

  bool constantTypes(const Node& n, std::string_view name, Type wanted) {
    for (const auto& kid : n.kids) {
      auto type = c_.staticType(*kid, /*constantsOnly=*/true);
      if (type && *type != wanted) return c_.fail(operandTypeMessage(name, typeName(*type)));
    }
    return true;
  }

  Checker& c_;
};

Operand lowerUpdateOperand(const Node& node, const Checker& c) {
  const Node& n = unwrap(node);
  Operand out;
  switch (n.kind) {
    case NodeKind::kPath:
      out.kind = Operand::Kind::kPath;
      out.path = c.resolve(n.path);
      return out;
    case NodeKind::kValueRef:
      out.kind = Operand::Kind::kConstant;
      out.constant = c.value(n.text);
      return out;
    case NodeKind::kArith:
      out.kind = n.arith == '+' ? Operand::Kind::kPlus : Operand::Kind::kMinus;
      break;
    default:
      out.kind =
          n.text == "if_not_exists" ? Operand::Kind::kIfNotExists : Operand::Kind::kListAppend;
      break;
  }
  for (const auto& kid : n.kids) out.args.push_back(lowerUpdateOperand(*kid, c));
  return out;
}

}  // namespace

std::string pathForMessage(const DocumentPath& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += path[i].isIndex() ? fmt::format("[{}]", path[i].index) : path[i].name;
  }
  return out + "]";
}

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

Result<Update> parseUpdate(std::string_view text, ExpressionContext& context) {
  auto clauses = syntax::parseUpdate(text);
  if (!clauses) return clauses.takeError();
  Checker checker("UpdateExpression", context);
  if (!UpdateChecker(checker).check(*clauses)) return checker.takeError();
  auto node = std::make_shared<UpdateNode>();
  for (const auto& clause : *clauses) {
    for (const auto& syntaxAction : clause.actions) {
      UpdateAction action;
      action.kind = clause.kind;
      action.path = checker.resolve(syntaxAction.path->path);
      if (syntaxAction.value) action.value = lowerUpdateOperand(*syntaxAction.value, checker);
      node->targets.push_back(action.path);
      node->actions.push_back(std::move(action));
    }
  }
  Update update;
  update.root = std::move(node);
  return update;
}

Result<Projection> parseProjection(std::string_view text, ExpressionContext& context) {
  auto paths = syntax::parseProjection(text);
  if (!paths) return paths.takeError();
  Checker checker("ProjectionExpression", context);
  for (const auto& path : *paths) {
    if (!checker.checkPathWords(path)) return checker.takeError();
  }
  for (const auto& path : *paths) {
    if (!checker.checkNames(path)) return checker.takeError();
  }
  Projection projection;
  for (const auto& path : *paths) projection.paths.push_back(checker.resolve(path));
  if (!checker.checkOverlaps(projection.paths)) return checker.takeError();
  return projection;
}

}  // namespace nimbus::aws::dynamodb
