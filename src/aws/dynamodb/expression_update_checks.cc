// The checks DynamoDB makes on a syntactically valid UpdateExpression before it reads the item,
// in DynamoDB's order (reserved words, function names, repeated clauses, undefined names, then
// values, overlapping paths, ADD and DELETE operands, function operands), and the lowering of
// the checked clauses into UpdateNode.
#include <fmt/format.h>

#include "aws/dynamodb/expression_checker.h"

namespace nimbus::aws::dynamodb {

namespace {

using namespace checks;  // NOLINT: the module's own internal helpers.

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
    if (n.kind != NodeKind::kCall || updateFunction(n.text)) return true;
    if (conditionFunction(n.text)) {
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

}  // namespace nimbus::aws::dynamodb
