// The checks and name resolution every expression kind shares (expression_checker.h), and the
// checks of projections: reserved words, undefined names, overlapping paths.
#include <fmt/format.h>

#include <algorithm>

#include "aws/dynamodb/expression_checker.h"

namespace nimbus::aws::dynamodb {

namespace checks {

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

namespace {

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

}  // namespace

const FunctionSpec* conditionFunction(std::string_view name) {
  return findFunction(kConditionFunctions, name);
}
const FunctionSpec* updateFunction(std::string_view name) {
  return findFunction(kUpdateFunctions, name);
}

bool Checker::fail(std::string_view message) {
  if (!error_) error_ = syntax::invalidExpression(which_, message);
  return false;
}

bool Checker::checkPathWords(const syntax::Path& path) {
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

bool Checker::checkNames(const syntax::Path& path) {
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

bool Checker::checkValue(const std::string& placeholder) {
  if (!findValue(placeholder)) {
    return fail(fmt::format(
        "An expression attribute value used in expression is not defined; attribute value: {}",
        placeholder));
  }
  context_.usedValues.insert(placeholder);
  return true;
}

bool Checker::checkOverlaps(const std::vector<DocumentPath>& paths) {
  std::optional<std::string> conflict;
  for (size_t j = 0; j < paths.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const auto& one = paths[i];
      const auto& two = paths[j];
      bool differ = false;
      bool conflicting = false;
      for (size_t k = 0; k < std::min(one.size(), two.size()) && !differ; ++k) {
        if (one[k].isIndex() != two[k].isIndex()) {
          conflicting = true;
          differ = true;
        } else {
          differ = one[k].isIndex() ? one[k].index != two[k].index : one[k].name != two[k].name;
        }
      }
      const std::string pair =
          fmt::format("must remove or rewrite one of these paths; path one: {}, path two: {}",
                      pathForMessage(one), pathForMessage(two));
      if (!differ) return fail("Two document paths overlap with each other; " + pair);
      if (conflicting && !conflict) {
        conflict = "Two document paths conflict with each other; " + pair;
      }
    }
  }
  return conflict ? fail(*conflict) : true;
}

DocumentPath Checker::resolve(const syntax::Path& path) const {
  DocumentPath out;
  out.reserve(path.size());
  for (const auto& part : path) {
    PathElement element;
    if (part.kind == PathPart::Kind::kIndex) {
      element.index = part.index;
    } else {
      element.name = part.kind == PathPart::Kind::kName ? part.text : *findName(part.text);
    }
    out.push_back(std::move(element));
  }
  return out;
}

const AttributeValue& Checker::value(const std::string& placeholder) const {
  return *findValue(placeholder);
}

std::optional<Type> Checker::staticType(const Node& node, bool constantsOnly) const {
  const Node& n = unwrap(node);
  if (n.kind == NodeKind::kValueRef) return value(n.text).type();
  if (!constantsOnly && n.kind == NodeKind::kCall && n.text == "size") return Type::kN;
  return std::nullopt;
}

const std::string* Checker::findName(const std::string& placeholder) const {
  if (!context_.names) return nullptr;
  auto it = context_.names->find(placeholder);
  return it == context_.names->end() ? nullptr : &it->second;
}

const AttributeValue* Checker::findValue(const std::string& placeholder) const {
  if (!context_.values) return nullptr;
  auto it = context_.values->find(placeholder);
  return it == context_.values->end() ? nullptr : &it->second;
}

}  // namespace checks

std::string pathForMessage(const DocumentPath& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += path[i].isIndex() ? fmt::format("[{}]", path[i].index) : path[i].name;
  }
  return out + "]";
}

// Projections: reserved words, then undefined names, then overlaps, as DynamoDB orders them.
Result<Projection> parseProjection(std::string_view text, ExpressionContext& context) {
  auto paths = syntax::parseProjection(text);
  if (!paths) return paths.takeError();
  checks::Checker checker("ProjectionExpression", context);
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
