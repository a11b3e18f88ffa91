// The PartiQL subset DynamoDB runs: a recursive-descent parser over partiql_lexer.h's tokens whose
// recursion is
// bounded (parentheses, NOT chains and nested literals alike), so that no statement can exhaust
// the stack. The detail after "Statement wasn't well formed, can't be processed: " is the one
// DynamoDB gives for the same mistake where it is known ("Unexpected term" where an expression
// should start, "Missing right-hand side expression of infix operator" after a trailing AND,
// "Unexpected token after expression" for anything left over, nothing at all for text the lexer
// cannot read, such as an unterminated string or a `#`).
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <set>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/partiql.h"
#include "aws/dynamodb/partiql_lexer.h"

namespace nimbus::aws::dynamodb::partiql {

ServiceError malformed(std::string_view detail) {
  return validationError(
      fmt::format("Statement wasn't well formed, can't be processed: {}", detail));
}

namespace {

// Expressions nest at most this deep (parentheses, NOT, function arguments); literals follow
// DynamoDB's 32 levels of nesting for values.
constexpr int kMaxExpressionDepth = 64;
constexpr int kMaxValueDepth = 32;

bool isComparison(const Token& t) {
  if (t.kind != Token::Kind::kPunct) return false;
  return t.text == "=" || t.text == "<>" || t.text == "!=" || t.text == "<" || t.text == "<=" ||
         t.text == ">" || t.text == ">=";
}

CompareOp compareOp(std::string_view symbol) {
  if (symbol == "=") return CompareOp::kEq;
  if (symbol == "<>" || symbol == "!=") return CompareOp::kNe;
  if (symbol == "<") return CompareOp::kLt;
  if (symbol == "<=") return CompareOp::kLe;
  if (symbol == ">") return CompareOp::kGt;
  return CompareOp::kGe;
}

// The type names IS accepts (PartiQL's), upper case; two-word names are joined by a space.
bool isTypeName(std::string_view upper) {
  // clang-format off
  static const std::set<std::string, std::less<>> kTypes = {
      "MISSING", "NULL", "BOOL", "BOOLEAN", "SMALLINT", "INT2", "INTEGER2", "INT4", "INTEGER4",
      "INT8", "INTEGER8", "INT", "INTEGER", "BIGINT", "FLOAT", "REAL", "DOUBLE PRECISION",
      "DECIMAL", "DEC", "NUMERIC", "TIMESTAMP", "DATE", "TIME", "CHAR", "CHARACTER", "VARCHAR",
      "CHARACTER VARYING", "STRING", "SYMBOL", "CLOB", "BLOB", "STRUCT", "TUPLE", "LIST", "SEXP",
      "BAG", "ANY"};
  // clang-format on
  return kTypes.count(upper) > 0;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<AttributeValue>& parameters)
      : tokens_(std::move(tokens)), parameters_(parameters) {}

  Result<Statement> statement() {
    Statement st;
    Status s = ok();
    if (acceptKeyword("SELECT")) {
      s = select(st);
    } else if (acceptKeyword("INSERT")) {
      s = insert(st);
    } else if (acceptKeyword("UPDATE")) {
      s = update(st);
    } else if (acceptKeyword("DELETE")) {
      s = remove(st);
    } else {
      return malformed("Expected data manipulation");
    }
    if (!s) return s.takeError();
    if (punct(";")) ++pos_;
    if (peek().kind != Token::Kind::kEnd) return malformed("Unexpected token after expression");
    if (missingParameters_) {
      return validationError("Number of parameters in request and statement don't match.");
    }
    return st;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool keyword(std::string_view word, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Token::Kind::kIdent && t.text.size() == word.size() &&
           upperCase(t.text) == word;
  }
  bool punct(std::string_view symbol, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == Token::Kind::kPunct && t.text == symbol;
  }
  bool atEnd() const { return peek().kind == Token::Kind::kEnd || punct(";"); }
  bool acceptKeyword(std::string_view word) {
    if (!keyword(word)) return false;
    ++pos_;
    return true;
  }

  // What an expression cannot start with, named as DynamoDB names it.
  ServiceError unexpectedHere() const {
    const Token& t = peek();
    if (t.kind == Token::Kind::kIdent) {
      static const std::set<std::string, std::less<>> kInfix = {"AND", "OR",      "IS",
                                                                "IN",  "BETWEEN", "LIKE"};
      if (kInfix.count(upperCase(t.text))) return malformed("Unexpected operator");
      if (isReserved(t.text)) return malformed("Unexpected keyword");
    }
    static const std::set<std::string, std::less<>> kOperators = {
        "=", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||"};
    if (t.kind == Token::Kind::kPunct && kOperators.count(t.text)) {
      return malformed("Unexpected operator");
    }
    return malformed("Unexpected term");
  }

  // A table name, and for SELECT an index after a dot.
  Status source(Statement& st, bool allowIndex, std::string_view missingDetail) {
    auto name = [&]() -> std::optional<std::string> {
      const Token& t = peek();
      if (t.kind == Token::Kind::kQuoted ||
          (t.kind == Token::Kind::kIdent && !isReserved(t.text))) {
        ++pos_;
        return t.text;
      }
      return std::nullopt;
    };
    auto table = name();
    if (!table) return malformed(missingDetail);
    st.table = std::move(*table);
    if (punct(".")) {
      ++pos_;
      auto index = name();
      if (!index)
        return malformed(
            "Invalid path dot component in this operation, expecting either an IDENTIFIER or "
            "STAR.");
      if (punct(".")) {
        return validationError("A path may contain at most 2 components in the FROM clause");
      }
      if (!allowIndex) {
        return validationError(
            "FROM clause may only contain a single table name in data manipulation statements");
      }
      st.index = std::move(*index);
    }
    return ok();
  }

  // An alias after the table name: DynamoDB has no use for one.
  bool aliasFollows() const {
    const Token& t = peek();
    if (keyword("AS")) return true;
    return t.kind == Token::Kind::kQuoted || (t.kind == Token::Kind::kIdent && !isReserved(t.text));
  }

  Status select(Statement& st) {
    st.kind = Statement::Kind::kSelect;
    if (keyword("VALUE") || keyword("PIVOT")) {
      return validationError("Select projection doesn't support value or pivot keywords");
    }
    if (keyword("DISTINCT") || keyword("ALL")) return malformed("Unexpected keyword");
    bool first = true;
    do {
      if (!first) ++pos_;  // The comma.
      first = false;
      if (punct("*")) {
        ++pos_;
        st.selectAll = true;
        continue;
      }
      if (atEnd() || keyword("FROM")) return unexpectedHere();
      const Token& t = peek();
      if ((t.kind == Token::Kind::kIdent || t.kind == Token::Kind::kQuoted) && punct("(", 1)) {
        return validationError(
            fmt::format("Unsupported operation: function {} in the projection", t.text));
      }
      if (t.kind != Token::Kind::kQuoted &&
          !(t.kind == Token::Kind::kIdent && !isReserved(t.text))) {
        return unexpectedHere();
      }
      auto path = documentPath();
      if (!path) return path.takeError();
      st.projection.push_back(std::move(*path));
      if (aliasFollows() && !keyword("FROM")) return validationError("Aliasing is not supported");
    } while (punct(","));
    if (st.selectAll && !st.projection.empty()) {
      return validationError(
          "Other attributes should not be present in the projection when '*' is used.");
    }
    if (!acceptKeyword("FROM")) {
      if (atEnd()) return malformed("Unexpected term");
      return malformed("Unexpected token after expression");
    }
    if (auto s = source(st, true, "Unexpected term"); !s) return s;
    if (aliasFollows()) return validationError("Aliasing is not supported");
    if (acceptKeyword("WHERE")) {
      auto where = expression();
      if (!where) return where.takeError();
      st.hasWhere = true;
      st.where = std::move(*where);
    }
    for (auto clause : {"GROUP", "HAVING", "LIMIT", "OFFSET"}) {
      if (keyword(clause)) return validationError(fmt::format("Unsupported clause: {}", clause));
    }
    if (acceptKeyword("ORDER")) {
      if (!acceptKeyword("BY")) return malformed("Expected BY after ORDER");
      do {
        if (!st.orderBy.empty()) ++pos_;
        const Token& t = peek();
        if (t.kind != Token::Kind::kQuoted &&
            !(t.kind == Token::Kind::kIdent && !isReserved(t.text))) {
          return unexpectedHere();
        }
        Statement::Order order;
        order.attribute = t.text;
        ++pos_;
        if (acceptKeyword("DESC")) {
          order.descending = true;
        } else {
          acceptKeyword("ASC");
        }
        st.orderBy.push_back(std::move(order));
      } while (punct(","));
    }
    for (auto clause : {"GROUP", "HAVING", "LIMIT", "OFFSET"}) {
      if (keyword(clause)) return validationError(fmt::format("Unsupported clause: {}", clause));
    }
    return ok();
  }

  Status insert(Statement& st) {
    st.kind = Statement::Kind::kInsert;
    if (!acceptKeyword("INTO")) return malformed("Expected INTO after INSERT");
    if (auto s = source(st, false, "Expected identifier for simple path"); !s) return s;
    if (keyword("VALUES")) {
      return validationError(
          "Unsupported operation: Inserting multiple items in a single statement is not "
          "supported, use \"INSERT INTO tableName VALUE item\" instead");
    }
    if (!acceptKeyword("VALUE")) {
      if (atEnd()) return malformed("Unexpected term");
      return malformed("Unexpected token after expression");
    }
    if (punct("<<")) {
      return validationError(
          "Unsupported operation: Inserting multiple items in a single statement is not "
          "supported, use \"INSERT INTO tableName VALUE item\" instead");
    }
    if (!punct("{")) {
      if (atEnd()) return malformed("Unexpected term");
      return validationError(
          "Unsupported format in item expression. Please use struct format {...} to express item "
          "values for insert statement.");
    }
    auto item = literal(0, "root");
    if (!item) return item.takeError();
    st.item = std::move(*item);
    if (keyword("RETURNING")) return validationError("RETURNING is not supported in INSERT");
    if (keyword("AT")) return validationError("AT is not supported in insert statements.");
    return ok();
  }

  Status update(Statement& st) {
    st.kind = Statement::Kind::kUpdate;
    if (auto s = source(st, false, "Expected identifier for simple path"); !s) return s;
    if (aliasFollows()) return validationError("Aliasing is not supported");
    while (true) {
      if (acceptKeyword("SET")) {
        do {
          if (punct(",")) ++pos_;
          if (atEnd()) return malformed("Unexpected term");
          auto path = assignmentTarget();
          if (!path) return path.takeError();
          if (!punct("=")) return malformed("Expected '=' in SET assignment");
          ++pos_;
          auto value = expression();
          if (!value) return value.takeError();
          st.assignments.push_back({false, std::move(*path), std::move(*value)});
        } while (punct(","));
      } else if (acceptKeyword("REMOVE")) {
        do {
          if (punct(",")) ++pos_;
          if (atEnd()) return malformed("Unexpected term");
          auto path = assignmentTarget();
          if (!path) return path.takeError();
          st.assignments.push_back({true, std::move(*path), Node{}});
        } while (punct(","));
      } else {
        break;
      }
    }
    if (st.assignments.empty()) {
      if (atEnd()) return malformed("Unexpected term");
      if (keyword("ADD") || keyword("DELETE")) {
        return validationError(
            "Only SET and REMOVE are supported in update expressions at this time");
      }
      return malformed("Expected SET or REMOVE");
    }
    if (!acceptKeyword("WHERE")) {
      if (!atEnd() && !keyword("RETURNING")) return malformed("Unexpected token after expression");
      return validationError(
          "Where clause does not contain a mandatory equality on all key attributes");
    }
    auto where = expression();
    if (!where) return where.takeError();
    st.hasWhere = true;
    st.where = std::move(*where);
    return returning(st);
  }

  Status remove(Statement& st) {
    st.kind = Statement::Kind::kDelete;
    if (!acceptKeyword("FROM")) return malformed("Expected FROM after DELETE");
    if (auto s = source(st, false, "Expected identifier for simple path"); !s) return s;
    if (aliasFollows()) return validationError("Aliasing is not supported");
    if (!acceptKeyword("WHERE")) {
      if (!atEnd() && !keyword("RETURNING")) return malformed("Unexpected token after expression");
      return validationError(
          "Where clause does not contain a mandatory equality on all key attributes");
    }
    auto where = expression();
    if (!where) return where.takeError();
    st.hasWhere = true;
    st.where = std::move(*where);
    return returning(st);
  }

  // RETURNING ( ALL | MODIFIED ) ( OLD | NEW ) *
  Status returning(Statement& st) {
    if (!acceptKeyword("RETURNING")) return ok();
    bool all = keyword("ALL");
    if (!all && !keyword("MODIFIED")) return malformed("Unexpected term");
    ++pos_;
    bool old = keyword("OLD");
    if (!old && !keyword("NEW")) return malformed("Unexpected term");
    ++pos_;
    if (!punct("*")) {
      return validationError(
          "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
    }
    ++pos_;
    if (punct(",")) {
      return validationError("Invalid syntax with multiple returning elements in RETURNING clause");
    }
    st.returning = all ? (old ? Returning::kAllOld : Returning::kAllNew)
                       : (old ? Returning::kModifiedOld : Returning::kModifiedNew);
    st.returningText = fmt::format("{} {} *", all ? "ALL" : "MODIFIED", old ? "OLD" : "NEW");
    return ok();
  }

  Result<DocumentPath> assignmentTarget() {
    const Token& t = peek();
    if (t.kind != Token::Kind::kQuoted && !(t.kind == Token::Kind::kIdent && !isReserved(t.text))) {
      return unexpectedHere();
    }
    return documentPath();
  }

  // name ( .name | [index] | ['name'] )*; the first token is a name.
  Result<DocumentPath> documentPath() {
    DocumentPath path;
    path.push_back({peek().text, -1});
    ++pos_;
    while (true) {
      if (punct(".")) {
        const Token& t = peek(1);
        if (t.kind == Token::Kind::kPunct && t.text == "*") {
          return validationError("Unpivot path component like a.*.b are not supported");
        }
        if (t.kind != Token::Kind::kIdent && t.kind != Token::Kind::kQuoted) {
          return malformed("Invalid path component");
        }
        path.push_back({t.text, -1});
        pos_ += 2;
      } else if (punct("[")) {
        const Token& t = peek(1);
        if (t.kind == Token::Kind::kPunct && t.text == "*") {
          return validationError("Wildcard path component like a[*].b are not supported");
        }
        if (t.kind == Token::Kind::kString) {
          path.push_back({t.text, -1});
        } else if (t.kind == Token::Kind::kNumber) {
          bool integral = std::all_of(t.text.begin(), t.text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
          if (!integral || t.text.size() > 10 || std::stoll(t.text) > INT32_MAX) {
            return validationError(
                fmt::format("List index is not within the allowable range; index: [{}]", t.text));
          }
          path.push_back({"", static_cast<int>(std::stoll(t.text))});
        } else if (t.kind == Token::Kind::kPunct && t.text == "-" &&
                   peek(2).kind == Token::Kind::kNumber) {
          return validationError(fmt::format(
              "List index is not within the allowable range; index: [-{}]", peek(2).text));
        } else {
          return malformed("Invalid path component");
        }
        pos_ += 2;
        if (!punct("]")) return malformed("Expected ']'");
        ++pos_;
      } else {
        break;
      }
      if (path.size() > kMaxPathDepth) {
        return validationError(fmt::format(
            "The document path has too many nesting levels; nesting levels: {}", path.size()));
      }
    }
    return path;
  }

  // --- Expressions. Each level that can recurse counts the depth. ---

  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int& depth_;
  };

  Result<Node> expression() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxExpressionDepth) return malformed("Expression nesting is too deep");
    if (atEnd()) return malformed("Unexpected term");
    return disjunction();
  }

  Result<Node> binaryChain(Node::Kind kind, std::string_view word,
                           Result<Node> (Parser::*operand)()) {
    auto left = (this->*operand)();
    if (!left) return left;
    if (!keyword(word)) return left;
    Node node;
    node.kind = kind;
    node.kids.push_back(std::move(*left));
    while (acceptKeyword(word)) {
      if (atEnd()) return malformed("Missing right-hand side expression of infix operator");
      auto right = (this->*operand)();
      if (!right) return right;
      node.kids.push_back(std::move(*right));
    }
    return node;
  }

  Result<Node> disjunction() { return binaryChain(Node::Kind::kOr, "OR", &Parser::conjunction); }
  Result<Node> conjunction() { return binaryChain(Node::Kind::kAnd, "AND", &Parser::negation); }

  Result<Node> negation() {
    if (!keyword("NOT")) return predicate();
    ++pos_;
    DepthGuard guard(depth_);
    if (depth_ > kMaxExpressionDepth) return malformed("Expression nesting is too deep");
    if (atEnd()) return malformed("Unexpected term");
    auto operand = negation();
    if (!operand) return operand;
    Node node;
    node.kind = Node::Kind::kNot;
    node.kids.push_back(std::move(*operand));
    return node;
  }

  static Node negate(Node inner) {
    Node node;
    node.kind = Node::Kind::kNot;
    node.kids.push_back(std::move(inner));
    return node;
  }

  Result<Node> predicate() {
    auto left = additive();
    if (!left) return left;
    if (isComparison(peek())) {
      CompareOp op = compareOp(peek().text);
      ++pos_;
      if (atEnd()) return malformed("Missing right-hand side expression of infix operator");
      auto right = additive();
      if (!right) return right;
      Node node;
      node.kind = Node::Kind::kCompare;
      node.op = op;
      node.kids.push_back(std::move(*left));
      node.kids.push_back(std::move(*right));
      return node;
    }
    if (acceptKeyword("IS")) {
      Node node;
      node.kind = Node::Kind::kIs;
      node.negated = acceptKeyword("NOT");
      const Token& t = peek();
      if (t.kind != Token::Kind::kIdent) return malformed("Expected type name");
      std::string type = upperCase(t.text);
      if ((type == "DOUBLE" && keyword("PRECISION", 1)) ||
          (type == "CHARACTER" && keyword("VARYING", 1))) {
        type += " " + upperCase(peek(1).text);
        ++pos_;
      }
      if (!isTypeName(type)) return malformed("Expected type name");
      ++pos_;
      node.text = std::move(type);
      node.kids.push_back(std::move(*left));
      return node;
    }
    bool negated = false;
    if (keyword("NOT") && (keyword("IN", 1) || keyword("BETWEEN", 1) || keyword("LIKE", 1))) {
      negated = true;
      ++pos_;
    }
    if (acceptKeyword("IN")) {
      auto candidates = inCandidates();
      if (!candidates) return candidates;
      Node node;
      node.kind = Node::Kind::kIn;
      node.kids.push_back(std::move(*left));
      node.kids.push_back(std::move(*candidates));
      return negated ? negate(std::move(node)) : std::move(node);
    }
    if (acceptKeyword("BETWEEN")) {
      auto low = additive();
      if (!low) return low;
      if (!acceptKeyword("AND")) return malformed("Expected AND in BETWEEN");
      auto high = additive();
      if (!high) return high;
      Node node;
      node.kind = Node::Kind::kBetween;
      node.kids.push_back(std::move(*left));
      node.kids.push_back(std::move(*low));
      node.kids.push_back(std::move(*high));
      return negated ? negate(std::move(node)) : std::move(node);
    }
    if (acceptKeyword("LIKE")) {
      auto pattern = additive();
      if (!pattern) return pattern;
      Node node;
      node.kind = Node::Kind::kLike;
      node.kids.push_back(std::move(*left));
      node.kids.push_back(std::move(*pattern));
      return negated ? negate(std::move(node)) : std::move(node);
    }
    return left;
  }

  // IN's right side: ( v, ... ), [ v, ... ], or one term (a parameter holding a list).
  Result<Node> inCandidates() {
    if (atEnd()) return malformed("Missing right-hand side expression of infix operator");
    if (punct("(")) {
      ++pos_;
      List values;
      if (!punct(")")) {
        while (true) {
          auto value = literal(1, "root");
          if (!value) return value.takeError();
          values.push_back(std::move(*value));
          if (punct(")")) break;
          if (!punct(",")) return malformed("Expected ')'");
          ++pos_;
        }
      }
      ++pos_;
      Node node;
      node.kind = Node::Kind::kValue;
      node.value = AttributeValue(std::move(values));
      return node;
    }
    return primary();
  }

  // `left op right` for + - || * / %.
  static Node arithmetic(char op, Node left, Node right) {
    Node node;
    node.kind = Node::Kind::kArith;
    node.arith = op;
    node.kids.push_back(std::move(left));
    node.kids.push_back(std::move(right));
    return node;
  }

  Result<Node> additive() {
    auto left = multiplicative();
    if (!left) return left;
    while (punct("+") || punct("-") || punct("||")) {
      char op = peek().text == "||" ? '|' : peek().text[0];
      ++pos_;
      if (atEnd()) return malformed("Missing right-hand side expression of infix operator");
      auto right = multiplicative();
      if (!right) return right;
      left = arithmetic(op, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> multiplicative() {
    auto left = unary();
    if (!left) return left;
    while (punct("*") || punct("/") || punct("%")) {
      char op = peek().text[0];
      ++pos_;
      if (atEnd()) return malformed("Missing right-hand side expression of infix operator");
      auto right = unary();
      if (!right) return right;
      left = arithmetic(op, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> unary() {
    if ((punct("-") || punct("+")) && peek(1).kind == Token::Kind::kNumber) {
      bool negative = punct("-");
      ++pos_;
      auto number = numberValue(negative, "root");
      if (!number) return number.takeError();
      Node node;
      node.kind = Node::Kind::kValue;
      node.value = std::move(*number);
      return node;
    }
    return primary();
  }

  Result<AttributeValue> numberValue(bool negative, const std::string& where) {
    std::string text = (negative ? "-" : "") + peek().text;
    ++pos_;
    auto number = Decimal::parse(text);
    if (!number) {
      ServiceError e = number.takeError();
      e.message += " under " + where;
      return e;
    }
    return AttributeValue(std::move(*number));
  }

  Result<Node> primary() {
    const Token& t = peek();
    Node node;
    switch (t.kind) {
      case Token::Kind::kEnd:
        return malformed("Unexpected term");
      case Token::Kind::kString:
      case Token::Kind::kNumber:
      case Token::Kind::kParam: {
        auto value = literal(0, "root");
        if (!value) return value.takeError();
        node.kind = Node::Kind::kValue;
        node.value = std::move(*value);
        return node;
      }
      case Token::Kind::kQuoted: {
        if (punct("(", 1)) break;
        auto path = documentPath();
        if (!path) return path.takeError();
        node.kind = Node::Kind::kPath;
        node.path = std::move(*path);
        return node;
      }
      case Token::Kind::kIdent: {
        std::string upper = upperCase(t.text);
        if (upper == "TRUE" || upper == "FALSE" || upper == "NULL") {
          auto value = literal(0, "root");
          if (!value) return value.takeError();
          node.kind = Node::Kind::kValue;
          node.value = std::move(*value);
          return node;
        }
        if (upper == "MISSING") {
          ++pos_;
          node.kind = Node::Kind::kMissing;
          return node;
        }
        if (punct("(", 1) && upper != "NOT" && upper != "IN") return call();
        if (isReserved(t.text)) return unexpectedHere();
        auto path = documentPath();
        if (!path) return path.takeError();
        node.kind = Node::Kind::kPath;
        node.path = std::move(*path);
        return node;
      }
      case Token::Kind::kPunct: {
        if (t.text == "(") {
          ++pos_;
          auto inner = expression();
          if (!inner) return inner;
          if (!punct(")")) {
            if (punct(",")) return malformed("Unexpected token");
            return malformed("Expected ')'");
          }
          ++pos_;
          return inner;
        }
        if (t.text == "[" || t.text == "{" || t.text == "<<") {
          auto value = literal(0, "root");
          if (!value) return value.takeError();
          node.kind = Node::Kind::kValue;
          node.value = std::move(*value);
          return node;
        }
        return unexpectedHere();
      }
    }
    return malformed("Unexpected term");
  }

  Result<Node> call() {
    Node node;
    node.kind = Node::Kind::kCall;
    node.text = lowerCase(peek().text);
    pos_ += 2;  // Name and '('.
    DepthGuard guard(depth_);
    if (depth_ > kMaxExpressionDepth) return malformed("Expression nesting is too deep");
    if (punct(")")) {
      ++pos_;
      return node;
    }
    while (true) {
      if (punct("*") && punct(")", 1)) {
        ++pos_;  // count(*): refused by name later.
      } else {
        auto arg = expression();
        if (!arg) return arg;
        node.kids.push_back(std::move(*arg));
      }
      if (punct(")")) break;
      if (!punct(",")) return malformed("Expected ')'");
      ++pos_;
    }
    ++pos_;
    return node;
  }

  // A literal value: a string, a number, TRUE, FALSE, NULL, a parameter, or a list, map or set
  // of literals. `where` names its place for number errors ("under root.a[1]").
  Result<AttributeValue> literal(int depth, const std::string& where) {
    if (depth > kMaxValueDepth) {
      return validationError("Nesting Levels have exceeded supported limits");
    }
    const Token& t = peek();
    switch (t.kind) {
      case Token::Kind::kString: {
        ++pos_;
        return AttributeValue(String{t.text});
      }
      case Token::Kind::kNumber:
        return numberValue(false, where);
      case Token::Kind::kParam: {
        ++pos_;
        if (nextParameter_ >= parameters_.size()) {
          missingParameters_ = true;
          ++nextParameter_;
          return AttributeValue(Null{});
        }
        return parameters_[nextParameter_++];
      }
      case Token::Kind::kIdent: {
        std::string upper = upperCase(t.text);
        if (upper == "TRUE" || upper == "FALSE") {
          ++pos_;
          return AttributeValue(upper == "TRUE");
        }
        if (upper == "NULL") {
          ++pos_;
          return AttributeValue(Null{});
        }
        break;
      }
      case Token::Kind::kPunct: {
        if ((t.text == "-" || t.text == "+") && peek(1).kind == Token::Kind::kNumber) {
          bool negative = t.text == "-";
          ++pos_;
          return numberValue(negative, where);
        }
        if (t.text == "[") return listLiteral(depth, where);
        if (t.text == "{") return mapLiteral(depth, where);
        if (t.text == "<<") return setLiteral();
        break;
      }
      default:
        break;
    }
    if (t.kind == Token::Kind::kEnd ||
        (t.kind == Token::Kind::kPunct && (t.text == "]" || t.text == "}" || t.text == ")"))) {
      return malformed("Unexpected term");
    }
    return validationError(
        "Only literal values and parameters can be used in a list, map or set literal");
  }

  Result<AttributeValue> listLiteral(int depth, const std::string& where) {
    ++pos_;
    List list;
    if (punct("]")) {
      ++pos_;
      return AttributeValue(std::move(list));
    }
    while (true) {
      auto value = literal(depth + 1, fmt::format("{}[{}]", where, list.size()));
      if (!value) return value;
      list.push_back(std::move(*value));
      if (punct("]")) break;
      if (!punct(",")) return malformed("Expected ']'");
      ++pos_;
    }
    ++pos_;
    return AttributeValue(std::move(list));
  }

  Result<AttributeValue> mapLiteral(int depth, const std::string& where) {
    ++pos_;
    Map map;
    if (punct("}")) {
      ++pos_;
      return AttributeValue(std::move(map));
    }
    while (true) {
      const Token& key = peek();
      if (key.kind != Token::Kind::kString) {
        if (key.kind == Token::Kind::kEnd) return malformed("Unexpected term");
        std::string_view type = key.kind == Token::Kind::kNumber  ? "DECIMAL"
                                : key.kind == Token::Kind::kParam ? "PARAMETER"
                                                                  : "VARIABLE_REFERENCE";
        return validationError(fmt::format(
            "Tuple keys must be of type String. Actual type: {} under {}", type, where));
      }
      std::string name = key.text;
      ++pos_;
      if (!punct(":")) return malformed("Expected ':'");
      ++pos_;
      auto value = literal(depth + 1, where + "." + name);
      if (!value) return value;
      if (!map.emplace(name, std::move(*value)).second) {
        return validationError(
            fmt::format("Duplicate keys in tuple. Key: {} under {}", name, where));
      }
      if (punct("}")) break;
      if (!punct(",")) return malformed("Expected '}'");
      ++pos_;
    }
    ++pos_;
    return AttributeValue(std::move(map));
  }

  // << 'a', 'b' >> or << 1, 2 >>: DynamoDB makes string and number sets of bags.
  Result<AttributeValue> setLiteral() {
    ++pos_;
    const ServiceError kType = validationError(
        "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags");
    if (punct(">>")) return validationError("Empty bags are not supported");
    StringSet strings;
    NumberSet numbers;
    while (true) {
      const Token& t = peek();
      if (t.kind == Token::Kind::kString) {
        if (!numbers.values.empty()) return kType;
        if (std::find(strings.values.begin(), strings.values.end(), t.text) !=
            strings.values.end()) {
          return validationError("Input collection contains duplicates");
        }
        strings.values.push_back(t.text);
        ++pos_;
      } else if (t.kind == Token::Kind::kNumber ||
                 ((punct("-") || punct("+")) && peek(1).kind == Token::Kind::kNumber)) {
        if (!strings.values.empty()) return kType;
        bool negative = punct("-");
        if (t.kind != Token::Kind::kNumber) ++pos_;
        auto number = numberValue(negative, "root");
        if (!number) return number;
        if (std::find(numbers.values.begin(), numbers.values.end(), number->n()) !=
            numbers.values.end()) {
          return validationError("Input collection contains duplicates");
        }
        numbers.values.push_back(number->n());
      } else if (t.kind == Token::Kind::kEnd) {
        return malformed("Unexpected term");
      } else {
        if (t.kind == Token::Kind::kParam) {
          ++pos_;
          ++nextParameter_;
        }
        return kType;
      }
      if (punct(">>")) break;
      if (!punct(",")) return malformed("Expected '>>'");
      ++pos_;
    }
    ++pos_;
    if (!strings.values.empty()) return AttributeValue(std::move(strings));
    return AttributeValue(std::move(numbers));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  const std::vector<AttributeValue>& parameters_;
  size_t nextParameter_ = 0;
  bool missingParameters_ = false;
  int depth_ = 0;
};

}  // namespace

Result<Statement> parseStatement(std::string_view text,
                                 const std::vector<AttributeValue>& parameters) {
  auto tokens = lex(text);
  if (!tokens) return tokens.takeError();
  Parser parser(std::move(*tokens), parameters);
  return parser.statement();
}

}  // namespace nimbus::aws::dynamodb::partiql
