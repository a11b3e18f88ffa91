// The recursive-descent parsers for DynamoDB's expression grammars. Only the grammar is
// checked here; names, values, functions and types are checked afterwards (expression_*checks.cc),
// because DynamoDB reports a syntax error anywhere in an expression before any other problem.
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "aws/dynamodb/expression_syntax.h"

namespace nimbus::aws::dynamodb::syntax {

namespace {

bool equalsUpper(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

// Parentheses and function calls nest at most this deep. Any expression within DynamoDB's
// 300-operator limit that has no redundant parentheses fits, and the recursion stays bounded.
constexpr int kMaxNesting = kMaxOperators;

// Functions each grammar knows; used only to word the error when calls nest too deeply.
bool isConditionFunction(std::string_view name) {
  return name == "attribute_exists" || name == "attribute_not_exists" || name == "attribute_type" ||
         name == "begins_with" || name == "contains" || name == "size";
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view which,
         std::initializer_list<std::string_view> keywords, bool update)
      : text_(text), which_(which), keywords_(keywords), update_(update), tokens_(tokenize(text)) {}

  ServiceError takeError() { return std::move(*error_); }
  bool atEnd() const { return current().kind == Tok::kEnd; }
  size_t position() const { return pos_; }

  // Reports the token at `index` as DynamoDB does: the token, and the text from the start of
  // the token before it to the end of the token after it.
  std::nullptr_t syntaxError(size_t index) {
    const size_t count = tokens_.size() - 1;  // Without kEnd.
    index = std::min(index, count);
    const std::string token =
        index == count ? std::string("<EOF>")
                       : std::string(text_.substr(tokens_[index].begin,
                                                  tokens_[index].end - tokens_[index].begin));
    const size_t start = index > 0 ? tokens_[index - 1].begin : 0;
    const size_t end = index + 1 < count ? tokens_[index + 1].end : text_.size();
    return fail(fmt::format("Syntax error; token: \"{}\", near: \"{}\"", token,
                            text_.substr(start, end - start)));
  }

  // ---- Conditions (also key conditions and filters) ----

  // or := and (OR and)*
  std::unique_ptr<Node> parseOr() { return parseChain(Node::Kind::kOr, "OR"); }

  // Checks that conditions and operands stand where each belongs; the unified grammar above
  // lets "(x)" be either until the tree is complete.
  bool checkCondition(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kOr:
      case Node::Kind::kAnd:
      case Node::Kind::kNot:
      case Node::Kind::kParen:
        return std::all_of(node.kids.begin(), node.kids.end(),
                           [&](const auto& kid) { return checkCondition(*kid); });
      case Node::Kind::kCompare:
      case Node::Kind::kBetween:
      case Node::Kind::kIn:
      case Node::Kind::kCall:
        return std::all_of(node.kids.begin(), node.kids.end(),
                           [&](const auto& kid) { return checkOperand(*kid); });
      default:
        // A bare operand where a condition belongs: DynamoDB expected a comparator after it.
        syntaxError(node.next);
        return false;
    }
  }

  bool checkOperand(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kPath:
      case Node::Kind::kValueRef:
        return true;
      case Node::Kind::kCall:
      case Node::Kind::kParen:
        return std::all_of(node.kids.begin(), node.kids.end(),
                           [&](const auto& kid) { return checkOperand(*kid); });
      default:
        // A condition where an operand belongs: its operator is unexpected.
        syntaxError(node.opToken);
        return false;
    }
  }

  // ---- Updates ----

  std::optional<std::vector<UpdateClause>> parseUpdateClauses() {
    std::vector<UpdateClause> clauses;
    if (atEnd()) return syntaxError(pos_), std::nullopt;
    while (!atEnd()) {
      auto kind = clauseKeyword();
      if (!kind) return syntaxError(pos_), std::nullopt;
      advance();
      UpdateClause clause;
      clause.kind = *kind;
      do {
        UpdateAction action;
        action.path = parsePath();
        if (!action.path) return std::nullopt;
        if (*kind == dynamodb::UpdateAction::Kind::kSet) {
          if (!expect(Tok::kEq)) return std::nullopt;
          action.value = parseSetValue();
          if (!action.value) return std::nullopt;
        } else if (*kind != dynamodb::UpdateAction::Kind::kRemove) {
          if (current().kind != Tok::kValueRef) return syntaxError(pos_), std::nullopt;
          action.value = leaf(Node::Kind::kValueRef);
        }
        clause.actions.push_back(std::move(action));
      } while (accept(Tok::kComma));
      if (!atEnd() && !clauseKeyword()) return syntaxError(pos_), std::nullopt;
      clauses.push_back(std::move(clause));
    }
    return clauses;
  }

  // ---- Projections ----

  std::optional<std::vector<Path>> parseProjectionPaths() {
    std::vector<Path> paths;
    do {
      auto path = parsePath();
      if (!path) return std::nullopt;
      paths.push_back(std::move(path->path));
    } while (accept(Tok::kComma));
    if (!atEnd()) return syntaxError(pos_), std::nullopt;
    return paths;
  }

 private:
  const Token& current() const { return tokens_[pos_]; }
  const Token& ahead(size_t n) const { return tokens_[std::min(pos_ + n, tokens_.size() - 1)]; }
  std::string_view textOf(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool accept(Tok kind) {
    if (current().kind != kind) return false;
    advance();
    return true;
  }
  bool expect(Tok kind) {
    if (accept(kind)) return true;
    syntaxError(pos_);
    return false;
  }
  bool isKeyword(const Token& t) const {
    if (t.kind != Tok::kName) return false;
    return std::any_of(keywords_.begin(), keywords_.end(),
                       [&](std::string_view k) { return equalsUpper(textOf(t), k); });
  }
  bool atKeyword(std::string_view upper) const {
    return current().kind == Tok::kName && equalsUpper(textOf(current()), upper);
  }
  std::optional<dynamodb::UpdateAction::Kind> clauseKeyword() const {
    using K = dynamodb::UpdateAction::Kind;
    if (atKeyword("SET")) return K::kSet;
    if (atKeyword("REMOVE")) return K::kRemove;
    if (atKeyword("ADD")) return K::kAdd;
    if (atKeyword("DELETE")) return K::kDelete;
    return std::nullopt;
  }

  std::nullptr_t fail(std::string message) {
    if (!error_) error_ = invalidExpression(which_, message);
    return nullptr;
  }

  // DynamoDB stops at the 301st operator.
  bool countOperator() {
    if (++operators_ <= kMaxOperators) return true;
    fail(fmt::format("The expression contains too many operators; operator count: {}", operators_));
    return false;
  }

  // Bounds the recursion. Past the limit the expression cannot be valid: nested parentheses
  // that deep are redundant, and functions nested that deep misuse a function.
  bool enter(std::string_view function) {
    if (depth_ < kMaxNesting) {
      ++depth_;
      return true;
    }
    if (function.empty()) {
      fail("The expression has redundant parentheses;");
    } else if (update_ ? function != "if_not_exists" && function != "list_append"
                       : !isConditionFunction(function)) {
      fail(fmt::format("Invalid function name; function: {}", function));
    } else if (function == "size") {
      fail(
          "Incorrect operand type for operator or function; operator or function: size, "
          "operand type: N");
    } else {
      fail(fmt::format(
          "The function is not allowed to be used this way in an expression; function: {}",
          function));
    }
    return false;
  }
  void leave() { --depth_; }

  std::unique_ptr<Node> make(Node::Kind kind) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->opToken = static_cast<uint32_t>(pos_);
    return node;
  }
  std::unique_ptr<Node> finish(std::unique_ptr<Node> node) {
    node->next = static_cast<uint32_t>(pos_);
    return node;
  }
  // A one-token node (a :value) at the current token.
  std::unique_ptr<Node> leaf(Node::Kind kind) {
    auto node = make(kind);
    node->text = std::string(textOf(current()));
    advance();
    return finish(std::move(node));
  }

  // and := not (AND not)*, and the same shape for OR.
  std::unique_ptr<Node> parseChain(Node::Kind kind, std::string_view keyword) {
    auto first = kind == Node::Kind::kOr ? parseChain(Node::Kind::kAnd, "AND") : parseNot();
    if (!first || !atKeyword(keyword)) return first;
    auto node = make(kind);
    node->kids.push_back(std::move(first));
    while (atKeyword(keyword)) {
      advance();
      if (!countOperator()) return nullptr;
      auto next = kind == Node::Kind::kOr ? parseChain(Node::Kind::kAnd, "AND") : parseNot();
      if (!next) return nullptr;
      node->kids.push_back(std::move(next));
    }
    return finish(std::move(node));
  }

  // not := NOT* comparison. A chain of NOTs is read in a loop, not by recursion.
  std::unique_ptr<Node> parseNot() {
    std::vector<uint32_t> nots;
    while (atKeyword("NOT")) {
      nots.push_back(static_cast<uint32_t>(pos_));
      advance();
      if (!countOperator()) return nullptr;
    }
    auto node = parseComparison();
    if (!node) return nullptr;
    for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
      auto parent = std::make_unique<Node>();
      parent->kind = Node::Kind::kNot;
      parent->opToken = *it;
      parent->next = node->next;
      parent->kids.push_back(std::move(node));
      node = std::move(parent);
    }
    return node;
  }

  // comparison := atom [comparator atom | BETWEEN atom AND atom | IN ( atom, ... )]
  std::unique_ptr<Node> parseComparison() {
    auto left = parseAtom();
    if (!left) return nullptr;
    const Tok t = current().kind;
    if (t == Tok::kEq || t == Tok::kNe || t == Tok::kLt || t == Tok::kLe || t == Tok::kGt ||
        t == Tok::kGe) {
      auto node = make(Node::Kind::kCompare);
      node->op = t == Tok::kEq   ? CompareOp::kEq
                 : t == Tok::kNe ? CompareOp::kNe
                 : t == Tok::kLt ? CompareOp::kLt
                 : t == Tok::kLe ? CompareOp::kLe
                 : t == Tok::kGt ? CompareOp::kGt
                                 : CompareOp::kGe;
      advance();
      if (!countOperator()) return nullptr;
      auto right = parseAtom();
      if (!right) return nullptr;
      node->kids.push_back(std::move(left));
      node->kids.push_back(std::move(right));
      return finish(std::move(node));
    }
    if (atKeyword("BETWEEN")) {
      auto node = make(Node::Kind::kBetween);
      advance();
      if (!countOperator()) return nullptr;
      auto low = parseAtom();
      if (!low) return nullptr;
      if (!atKeyword("AND")) return syntaxError(pos_);
      advance();
      auto high = parseAtom();
      if (!high) return nullptr;
      node->kids.push_back(std::move(left));
      node->kids.push_back(std::move(low));
      node->kids.push_back(std::move(high));
      return finish(std::move(node));
    }
    if (atKeyword("IN")) {
      auto node = make(Node::Kind::kIn);
      advance();
      if (!countOperator()) return nullptr;
      if (!expect(Tok::kLParen)) return nullptr;
      node->kids.push_back(std::move(left));
      do {
        auto candidate = parseAtom();
        if (!candidate) return nullptr;
        node->kids.push_back(std::move(candidate));
      } while (accept(Tok::kComma));
      if (!expect(Tok::kRParen)) return nullptr;
      return finish(std::move(node));
    }
    return left;
  }

  // atom := ( or ) | name ( atom, ... ) | path | :value
  std::unique_ptr<Node> parseAtom() {
    const Token& t = current();
    if (t.kind == Tok::kLParen) {
      if (!enter({})) return nullptr;
      auto node = make(Node::Kind::kParen);
      advance();
      auto inner = parseOr();
      if (!inner || !expect(Tok::kRParen)) return nullptr;
      leave();
      node->kids.push_back(std::move(inner));
      return finish(std::move(node));
    }
    if (t.kind == Tok::kName && !isKeyword(t) && ahead(1).kind == Tok::kLParen) {
      return parseCall([this] { return parseAtom(); });
    }
    if (t.kind == Tok::kValueRef) return leaf(Node::Kind::kValueRef);
    return parsePath();
  }

  // name ( argument, ... ): at least one argument.
  template <typename ParseArgument>
  std::unique_ptr<Node> parseCall(ParseArgument parseArgument) {
    auto node = make(Node::Kind::kCall);
    node->text = std::string(textOf(current()));
    if (!enter(node->text)) return nullptr;
    if (update_ && !countOperator()) return nullptr;
    advance();  // The name.
    advance();  // (
    do {
      auto argument = parseArgument();
      if (!argument) return nullptr;
      node->kids.push_back(std::move(argument));
    } while (accept(Tok::kComma));
    if (!expect(Tok::kRParen)) return nullptr;
    leave();
    return finish(std::move(node));
  }

  // path := element ( . element | [ digits ] )*, element := name | #name
  std::unique_ptr<Node> parsePath() {
    auto node = make(Node::Kind::kPath);
    if (!appendPathElement(*node)) return nullptr;
    for (;;) {
      if (accept(Tok::kDot)) {
        if (!appendPathElement(*node)) return nullptr;
      } else if (accept(Tok::kLBracket)) {
        if (current().kind != Tok::kNumber) return syntaxError(pos_);
        const std::string_view digits = textOf(current());
        long long index = 0;
        for (char c : digits) {
          index = index * 10 + (c - '0');
          if (index > INT32_MAX) {
            return fail(
                fmt::format("List index is not within the allowable range; index: [{}]", digits));
          }
        }
        advance();
        if (!expect(Tok::kRBracket)) return nullptr;
        node->path.push_back({PathPart::Kind::kIndex, {}, static_cast<int>(index)});
      } else {
        return finish(std::move(node));
      }
    }
  }

  bool appendPathElement(Node& node) {
    const Token& t = current();
    if (t.kind == Tok::kNameRef || (t.kind == Tok::kName && !isKeyword(t))) {
      node.path.push_back({t.kind == Tok::kName ? PathPart::Kind::kName : PathPart::Kind::kNameRef,
                           std::string(textOf(t)), 0});
      advance();
      return true;
    }
    syntaxError(pos_);
    return false;
  }

  // value := operand [(+|-) operand], or the same in one pair of parentheses.
  std::unique_ptr<Node> parseSetValue() {
    std::unique_ptr<Node> left;
    if (current().kind == Tok::kLParen) {
      auto paren = make(Node::Kind::kParen);
      advance();
      auto inner = parseUpdateOperand();
      if (!inner) return nullptr;
      if (current().kind == Tok::kPlus || current().kind == Tok::kMinus) {
        auto arith = parseArith(std::move(inner));
        if (!arith || !expect(Tok::kRParen)) return nullptr;
        return arith;
      }
      if (!expect(Tok::kRParen)) return nullptr;
      paren->kids.push_back(std::move(inner));
      left = finish(std::move(paren));
    } else {
      left = parseUpdateOperand();
      if (!left) return nullptr;
    }
    if (current().kind == Tok::kPlus || current().kind == Tok::kMinus) {
      return parseArith(std::move(left));
    }
    return left;
  }

  std::unique_ptr<Node> parseArith(std::unique_ptr<Node> left) {
    auto node = make(Node::Kind::kArith);
    node->arith = current().kind == Tok::kPlus ? '+' : '-';
    advance();
    if (!countOperator()) return nullptr;
    auto right = parseUpdateOperand();
    if (!right) return nullptr;
    node->kids.push_back(std::move(left));
    node->kids.push_back(std::move(right));
    return finish(std::move(node));
  }

  // operand := ( bare ) | bare, bare := :value | name ( operand, ... ) | path. One pair of
  // parentheses at most, as DynamoDB accepts.
  std::unique_ptr<Node> parseUpdateOperand() {
    if (current().kind != Tok::kLParen) return parseBareUpdateOperand();
    auto paren = make(Node::Kind::kParen);
    advance();
    auto inner = parseBareUpdateOperand();
    if (!inner || !expect(Tok::kRParen)) return nullptr;
    paren->kids.push_back(std::move(inner));
    return finish(std::move(paren));
  }

  std::unique_ptr<Node> parseBareUpdateOperand() {
    const Token& t = current();
    if (t.kind == Tok::kValueRef) return leaf(Node::Kind::kValueRef);
    if (t.kind == Tok::kName && !isKeyword(t) && ahead(1).kind == Tok::kLParen) {
      return parseCall([this] { return parseUpdateOperand(); });
    }
    return parsePath();
  }

  std::string_view text_;
  std::string_view which_;
  std::vector<std::string_view> keywords_;  // Owned: an initializer_list would dangle.
  bool update_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int operators_ = 0;
  std::optional<ServiceError> error_;
};

std::optional<ServiceError> checkSize(std::string_view text, std::string_view which) {
  if (text.empty()) return invalidExpression(which, "The expression can not be empty;");
  if (text.size() > kMaxExpressionBytes) {
    return invalidExpression(
        which,
        fmt::format("Expression size has exceeded the maximum allowed size; expression size: {}",
                    text.size()));
  }
  return std::nullopt;
}

}  // namespace

ServiceError invalidExpression(std::string_view which, std::string_view message) {
  return ServiceError{"ValidationException", fmt::format("Invalid {}: {}", which, message), 400};
}

Result<std::unique_ptr<Node>> parseCondition(std::string_view text, std::string_view which) {
  if (auto error = checkSize(text, which)) return std::move(*error);
  Parser parser(text, which, {"AND", "OR", "NOT", "BETWEEN", "IN"}, false);
  auto root = parser.parseOr();
  if (root && !parser.atEnd()) root = parser.syntaxError(parser.position());
  if (!root || !parser.checkCondition(*root)) return parser.takeError();
  return root;
}

Result<std::vector<UpdateClause>> parseUpdate(std::string_view text) {
  if (auto error = checkSize(text, "UpdateExpression")) return std::move(*error);
  Parser parser(text, "UpdateExpression", {"SET", "REMOVE", "ADD", "DELETE"}, true);
  auto clauses = parser.parseUpdateClauses();
  if (!clauses) return parser.takeError();
  return std::move(*clauses);
}

Result<std::vector<Path>> parseProjection(std::string_view text) {
  if (auto error = checkSize(text, "ProjectionExpression")) return std::move(*error);
  Parser parser(text, "ProjectionExpression", {}, false);
  auto paths = parser.parseProjectionPaths();
  if (!paths) return parser.takeError();
  return std::move(*paths);
}

}  // namespace nimbus::aws::dynamodb::syntax
