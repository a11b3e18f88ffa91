// The VTL parser and renderer. Templates are small and rendered once per request of a non-proxy
// integration, so the tree is plain (unique_ptr, vectors) and values are copied freely.
#include "gateway/vtl.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/json_writer.h"

namespace nimbus::gateway::vtl {

struct Node;
struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One step after a reference's name: `.name`, `.name(args)` or `[index]`.
struct Accessor {
  enum class Kind { Property, Method, Index };
  Kind kind = Kind::Property;
  std::string name;
  std::vector<ExprPtr> args;  // Method arguments, or the one index expression.
};

struct Expr {
  enum class Kind { Literal, Interpolated, Ref, List, Map, Range, Not, Negate, Binary };
  Kind kind = Kind::Literal;
  Value literal;
  std::vector<Node> parts;  // Interpolated: a double-quoted string holding $ or #.
  std::string name;         // Ref: the variable; Binary: the operator.
  std::vector<Accessor> chain;
  std::vector<ExprPtr> items;  // List items; Map keys and values alternating; operands.
};

struct Node {
  enum class Kind { Text, Ref, Set, If, Foreach, Define, Break, Stop };
  Kind kind = Kind::Text;
  std::string text;  // Text; the variable of Set, Foreach and Define.
  ExprPtr expr;      // Ref; Set's value; Foreach's collection.
  ExprPtr target;    // Set: the reference assigned to ($a or $a.b).
  std::vector<std::pair<ExprPtr, std::vector<Node>>> branches;  // If; a null condition: #else.
  std::vector<Node> body;                                       // Foreach, Define.
};

// ---------------------------------------------------------------------------------------------
// Values

Value Value::of(bool b) {
  Value v;
  v.kind = Kind::Bool;
  v.boolean = b;
  return v;
}

Value Value::of(double n, bool integer) {
  Value v;
  v.kind = Kind::Number;
  v.number = n;
  v.integer = integer;
  return v;
}

Value Value::of(std::string s) {
  Value v;
  v.kind = Kind::String;
  v.text = std::move(s);
  return v;
}

Value Value::ofList(List items) {
  Value v;
  v.kind = Kind::List;
  v.list = std::make_shared<List>(std::move(items));
  return v;
}

Value Value::ofMap(Map entries) {
  Value v;
  v.kind = Kind::Map;
  v.map = std::make_shared<Map>(std::move(entries));
  return v;
}

Value Value::ofHost(std::shared_ptr<HostObject> host) {
  Value v;
  v.kind = Kind::Host;
  v.host = std::move(host);
  return v;
}

const Value* Value::find(std::string_view key) const {
  if (kind != Kind::Map) return nullptr;
  for (const auto& [k, v] : *map) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::put(std::string key, Value value) {
  if (kind != Kind::Map) return;
  for (auto& [k, v] : *map) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  map->emplace_back(std::move(key), std::move(value));
}

namespace {

std::string numberText(double n, bool integer) {
  if (integer && std::fabs(n) < 9.2e18) return fmt::format("{}", static_cast<int64_t>(n));
  if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e7) {
    return fmt::format("{}.0", static_cast<int64_t>(n));  // Java's Double.toString(2.0).
  }
  return fmt::format("{}", n);
}

}  // namespace

std::string toText(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null:
    case Value::Kind::Host:
    case Value::Kind::Block:
      return {};
    case Value::Kind::Bool:
      return v.boolean ? "true" : "false";
    case Value::Kind::Number:
      return numberText(v.number, v.integer);
    case Value::Kind::String:
      return v.text;
    case Value::Kind::List: {
      std::string out = "[";
      for (size_t i = 0; i < v.list->size(); ++i) {
        if (i) out += ", ";
        const Value& item = (*v.list)[i];
        out += item.isNull() ? "null" : toText(item);
      }
      return out + "]";
    }
    case Value::Kind::Map: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, item] : *v.map) {
        if (!first) out += ", ";
        first = false;
        out += k + "=" + (item.isNull() ? "null" : toText(item));
      }
      return out + "}";
    }
  }
  return {};
}

namespace {

void appendJson(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null:
    case Value::Kind::Host:
    case Value::Kind::Block:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += v.boolean ? "true" : "false";
      return;
    case Value::Kind::Number:
      out += v.integer ? numberText(v.number, true) : fmt::format("{}", v.number);
      return;
    case Value::Kind::String:
      appendJsonString(out, v.text);
      return;
    case Value::Kind::List:
      out.push_back('[');
      for (size_t i = 0; i < v.list->size(); ++i) {
        if (i) out.push_back(',');
        appendJson(out, (*v.list)[i]);
      }
      out.push_back(']');
      return;
    case Value::Kind::Map: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, item] : *v.map) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, k);
        out.push_back(':');
        appendJson(out, item);
      }
      out.push_back('}');
      return;
    }
  }
}

// Request and response bodies of non-proxy integrations as template values: objects keep their
// key order, as API Gateway's JSONPath results do. Nesting deeper than kMaxJsonDepth is refused
// rather than converted recursively.
constexpr int kMaxJsonDepth = 512;

std::optional<Value> fromJson(const nlohmann::ordered_json& json, int depth) {
  if (depth > kMaxJsonDepth) return std::nullopt;
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::object: {
      Value v = Value::ofMap();
      for (const auto& [key, item] : json.items()) {
        auto converted = fromJson(item, depth + 1);
        if (!converted) return std::nullopt;
        v.put(key, std::move(*converted));
      }
      return v;
    }
    case nlohmann::ordered_json::value_t::array: {
      Value v = Value::ofList();
      for (const auto& item : json) {
        auto converted = fromJson(item, depth + 1);
        if (!converted) return std::nullopt;
        v.list->push_back(std::move(*converted));
      }
      return v;
    }
    case nlohmann::ordered_json::value_t::string:
      return Value::of(json.get<std::string>());
    case nlohmann::ordered_json::value_t::boolean:
      return Value::of(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
      return Value::of(json.get<double>(), true);
    case nlohmann::ordered_json::value_t::number_float:
      return Value::of(json.get<double>(), false);
    default:
      return Value::null();
  }
}

}  // namespace

std::optional<Value> parseJson(std::string_view json) {
  auto parsed = nlohmann::ordered_json::parse(json, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return fromJson(parsed, 0);
}

std::string toJson(const Value& value) {
  std::string out;
  appendJson(out, value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser

namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

class Parser {
 public:
  explicit Parser(std::string_view src) : s_(src) {}

  bool parseAll(std::vector<Node>& out, std::string& error) {
    std::string end;
    if (!block(out, end)) {
      error = error_;
      return false;
    }
    if (!end.empty()) {
      error = fmt::format("line {}: #{} without a block", lineAt(endAt_), end);
      return false;
    }
    return true;
  }

 private:
  int lineAt(size_t pos) const {
    int line = 1;
    for (size_t i = 0; i < pos && i < s_.size(); ++i) line += s_[i] == '\n';
    return line;
  }
  bool fail(std::string message) {
    if (error_.empty()) error_ = fmt::format("line {}: {}", lineAt(pos_), message);
    return false;
  }
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  std::string identifier() {
    size_t start = pos_;
    while (pos_ < s_.size() && isIdentChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  static void flush(std::vector<Node>& out, std::string& pending) {
    if (pending.empty()) return;
    Node n;
    n.kind = Node::Kind::Text;
    n.text = std::move(pending);
    pending.clear();
    out.push_back(std::move(n));
  }

  // A directive alone on its line takes the line with it (its indentation and its newline), so
  // that templates can be laid out without filling the output with blank lines.
  void gobbleLine(size_t directiveStart, std::string& pending) {
    size_t back = directiveStart;
    while (back > 0 && (s_[back - 1] == ' ' || s_[back - 1] == '\t')) --back;
    if (back != 0 && s_[back - 1] != '\n') return;
    size_t ahead = pos_;
    while (ahead < s_.size() && (s_[ahead] == ' ' || s_[ahead] == '\t')) ++ahead;
    if (ahead < s_.size() && s_[ahead] == '\r') ++ahead;
    if (ahead < s_.size() && s_[ahead] != '\n') return;
    size_t indent = directiveStart - back;
    if (pending.size() >= indent) pending.resize(pending.size() - indent);
    pos_ = ahead < s_.size() ? ahead + 1 : ahead;
  }

  // Parses nodes until #end, #else, #elseif (returned in `end`, the parser after the directive
  // word) or the end of the source (`end` empty).
  bool block(std::vector<Node>& out, std::string& end) {
    std::string pending;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#' && peek(1) == '#') {  // ## comment, to the end of the line.
        size_t nl = s_.find('\n', pos_);
        pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        continue;
      }
      if (c == '#' && peek(1) == '*') {  // #* comment *#
        size_t close = s_.find("*#", pos_ + 2);
        if (close == std::string_view::npos) return fail("#* comment without *#");
        pos_ = close + 2;
        continue;
      }
      if (c == '#' && peek(1) == '[' && peek(2) == '[') {  // #[[ unparsed ]]#
        size_t close = s_.find("]]#", pos_ + 3);
        if (close == std::string_view::npos) return fail("#[[ without ]]#");
        pending.append(s_.substr(pos_ + 3, close - pos_ - 3));
        pos_ = close + 3;
        continue;
      }
      if (c == '#' && (isIdentStart(peek(1)) || (peek(1) == '{' && isIdentStart(peek(2))))) {
        size_t start = pos_;
        bool braced = peek(1) == '{';
        pos_ += braced ? 2 : 1;
        std::string word = identifier();
        if (braced) {
          if (peek() != '}') {
            pos_ = start + 1;
            pending.push_back('#');
            continue;
          }
          ++pos_;
        }
        if (word == "end" || word == "else" || word == "elseif") {
          if (word != "elseif") gobbleLine(start, pending);
          flush(out, pending);
          end = word;
          endAt_ = start;
          return true;
        }
        if (word == "set" || word == "if" || word == "foreach" || word == "define" ||
            word == "break" || word == "stop") {
          if (!directive(word, start, out, pending)) return false;
          continue;
        }
        pos_ = start + 1;  // Not a directive: '#' is text.
        pending.push_back('#');
        continue;
      }
      if (c == '$') {
        size_t start = pos_;
        ExprPtr ref;
        bool quiet = false;
        if (!reference(ref, quiet)) return false;
        if (ref) {
          flush(out, pending);
          Node n;
          n.kind = Node::Kind::Ref;
          n.expr = std::move(ref);
          out.push_back(std::move(n));
          continue;
        }
        pos_ = start + 1;
        pending.push_back('$');
        continue;
      }
      pending.push_back(c);
      ++pos_;
    }
    flush(out, pending);
    return true;
  }

  bool expectOpen() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
    if (peek() != '(') return fail("expected '('");
    ++pos_;
    return true;
  }
  bool expectClose() {
    skipSpace();
    if (peek() != ')') return fail("expected ')'");
    ++pos_;
    return true;
  }

  bool directive(const std::string& word, size_t start, std::vector<Node>& out,
                 std::string& pending) {
    Node n;
    if (word == "break" || word == "stop") {
      n.kind = word == "break" ? Node::Kind::Break : Node::Kind::Stop;
      gobbleLine(start, pending);
      flush(out, pending);
      out.push_back(std::move(n));
      return true;
    }
    if (!expectOpen()) return false;
    skipSpace();
    if (word == "set") {
      n.kind = Node::Kind::Set;
      bool quiet = false;
      if (!reference(n.target, quiet) || !n.target) return fail("#set needs a $reference");
      skipSpace();
      if (peek() != '=') return fail("#set needs '='");
      ++pos_;
      if (!expression(n.expr) || !expectClose()) return false;
      gobbleLine(start, pending);
      flush(out, pending);
      out.push_back(std::move(n));
      return true;
    }
    if (word == "define") {
      n.kind = Node::Kind::Define;
      if (peek() != '$') return fail("#define needs a $name");
      ++pos_;
      bool braced = peek() == '{';
      if (braced) ++pos_;
      n.text = identifier();
      if (n.text.empty()) return fail("#define needs a $name");
      if (braced && peek() == '}') ++pos_;
      if (!expectClose()) return false;
      gobbleLine(start, pending);
      flush(out, pending);
      std::string end;
      if (!block(n.body, end)) return false;
      if (end != "end") return fail("#define without #end");
      out.push_back(std::move(n));
      return true;
    }
    if (word == "foreach") {
      n.kind = Node::Kind::Foreach;
      if (peek() != '$') return fail("#foreach needs a $variable");
      ++pos_;
      bool braced = peek() == '{';
      if (braced) ++pos_;
      n.text = identifier();
      if (n.text.empty()) return fail("#foreach needs a $variable");
      if (braced && peek() == '}') ++pos_;
      skipSpace();
      if (identifier() != "in") return fail("#foreach needs 'in'");
      if (!expression(n.expr) || !expectClose()) return false;
      gobbleLine(start, pending);
      flush(out, pending);
      std::string end;
      if (!block(n.body, end)) return false;
      if (end != "end") return fail("#foreach without #end");
      out.push_back(std::move(n));
      return true;
    }
    // #if (#elseif ...)* (#else)? #end
    n.kind = Node::Kind::If;
    ExprPtr condition;
    if (!expression(condition) || !expectClose()) return false;
    gobbleLine(start, pending);
    flush(out, pending);
    while (true) {
      std::vector<Node> body;
      std::string end;
      if (!block(body, end)) return false;
      n.branches.emplace_back(std::move(condition), std::move(body));
      if (end == "end") break;
      if (end.empty()) return fail("#if without #end");
      if (end == "elseif") {
        size_t at = endAt_;
        if (!expectOpen() || !expression(condition) || !expectClose()) return false;
        std::string none;
        gobbleLine(at, none);
        continue;
      }
      // #else: one last branch, without a condition.
      std::vector<Node> elseBody;
      if (!block(elseBody, end)) return false;
      if (end != "end") return fail("#else without #end");
      n.branches.emplace_back(nullptr, std::move(elseBody));
      break;
    }
    out.push_back(std::move(n));
    return true;
  }

  // $name, $!name, ${name}, then .property, .method(args) and [index] steps. Sets `ref` to null
  // (and consumes nothing) when the '$' does not start a reference.
  bool reference(ExprPtr& ref, bool& quiet) {
    size_t start = pos_;
    ++pos_;  // '$'
    quiet = peek() == '!';
    if (quiet) ++pos_;
    bool braced = peek() == '{';
    if (braced) ++pos_;
    if (!isIdentStart(peek())) {
      pos_ = start;
      return true;
    }
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::Ref;
    e->name = identifier();
    while (true) {
      if (peek() == '.' && isIdentStart(peek(1))) {
        ++pos_;
        Accessor a;
        a.name = identifier();
        if (peek() == '(') {
          ++pos_;
          a.kind = Accessor::Kind::Method;
          skipSpace();
          if (peek() != ')') {
            while (true) {
              ExprPtr arg;
              if (!expression(arg)) return false;
              a.args.push_back(std::move(arg));
              skipSpace();
              if (peek() == ',') {
                ++pos_;
                continue;
              }
              break;
            }
          }
          if (!expectClose()) return false;
        }
        e->chain.push_back(std::move(a));
        continue;
      }
      if (peek() == '[') {
        ++pos_;
        Accessor a;
        a.kind = Accessor::Kind::Index;
        ExprPtr index;
        if (!expression(index)) return false;
        skipSpace();
        if (peek() != ']') return fail("expected ']'");
        ++pos_;
        a.args.push_back(std::move(index));
        e->chain.push_back(std::move(a));
        continue;
      }
      break;
    }
    if (braced) {
      if (peek() != '}') {
        pos_ = start;
        return true;
      }
      ++pos_;
    }
    ref = std::move(e);
    return true;
  }

  // Expressions, loosest first: || or, && and, == != eq ne, < > <= >= lt gt le ge, + -, * / %,
  // ! not and unary minus, then primaries.
  bool word(std::string_view w) {
    skipSpace();
    if (s_.substr(pos_, w.size()) != w || isIdentChar(peek(w.size()))) return false;
    pos_ += w.size();
    return true;
  }
  bool symbol(std::string_view sym) {
    skipSpace();
    if (s_.substr(pos_, sym.size()) != sym) return false;
    pos_ += sym.size();
    return true;
  }
  static ExprPtr binary(std::string op, ExprPtr a, ExprPtr b) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::Binary;
    e->name = std::move(op);
    e->items.push_back(std::move(a));
    e->items.push_back(std::move(b));
    return e;
  }

  bool expression(ExprPtr& out) { return orExpr(out); }

  bool orExpr(ExprPtr& out) {
    if (!andExpr(out)) return false;
    while (symbol("||") || word("or")) {
      ExprPtr rhs;
      if (!andExpr(rhs)) return false;
      out = binary("||", std::move(out), std::move(rhs));
    }
    return true;
  }
  bool andExpr(ExprPtr& out) {
    if (!equality(out)) return false;
    while (symbol("&&") || word("and")) {
      ExprPtr rhs;
      if (!equality(rhs)) return false;
      out = binary("&&", std::move(out), std::move(rhs));
    }
    return true;
  }
  bool equality(ExprPtr& out) {
    if (!relational(out)) return false;
    while (true) {
      std::string op;
      if (symbol("==") || word("eq")) {
        op = "==";
      } else if (symbol("!=") || word("ne")) {
        op = "!=";
      } else {
        return true;
      }
      ExprPtr rhs;
      if (!relational(rhs)) return false;
      out = binary(op, std::move(out), std::move(rhs));
    }
  }
  bool relational(ExprPtr& out) {
    if (!additive(out)) return false;
    while (true) {
      std::string op;
      if (symbol("<=") || word("le")) {
        op = "<=";
      } else if (symbol(">=") || word("ge")) {
        op = ">=";
      } else if (symbol("<") || word("lt")) {
        op = "<";
      } else if (symbol(">") || word("gt")) {
        op = ">";
      } else {
        return true;
      }
      ExprPtr rhs;
      if (!additive(rhs)) return false;
      out = binary(op, std::move(out), std::move(rhs));
    }
  }
  bool additive(ExprPtr& out) {
    if (!multiplicative(out)) return false;
    while (true) {
      skipSpace();
      char c = peek();
      if (c != '+' && c != '-') return true;
      ++pos_;
      ExprPtr rhs;
      if (!multiplicative(rhs)) return false;
      out = binary(std::string(1, c), std::move(out), std::move(rhs));
    }
  }
  bool multiplicative(ExprPtr& out) {
    if (!unary(out)) return false;
    while (true) {
      skipSpace();
      char c = peek();
      if (c != '*' && c != '/' && c != '%') return true;
      ++pos_;
      ExprPtr rhs;
      if (!unary(rhs)) return false;
      out = binary(std::string(1, c), std::move(out), std::move(rhs));
    }
  }
  bool unary(ExprPtr& out) {
    skipSpace();
    if ((peek() == '!' && peek(1) != '=') || word("not")) {
      if (peek() == '!') ++pos_;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::Not;
      ExprPtr operand;
      if (!unary(operand)) return false;
      e->items.push_back(std::move(operand));
      out = std::move(e);
      return true;
    }
    if (peek() == '-' && !(peek(1) >= '0' && peek(1) <= '9')) {
      ++pos_;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::Negate;
      ExprPtr operand;
      if (!unary(operand)) return false;
      e->items.push_back(std::move(operand));
      out = std::move(e);
      return true;
    }
    return primary(out);
  }
  bool primary(ExprPtr& out) {
    skipSpace();
    char c = peek();
    auto literal = [&](Value v) {
      out = std::make_unique<Expr>();
      out->literal = std::move(v);
      return true;
    };
    if (c == '(') {
      ++pos_;
      if (!expression(out)) return false;
      return expectClose();
    }
    if (c == '$') {
      bool quiet = false;
      if (!reference(out, quiet)) return false;
      if (!out) return fail("expected a reference after '$'");
      return true;
    }
    if (c == '\'' || c == '"') {
      size_t close = s_.find(c, pos_ + 1);
      if (close == std::string_view::npos) return fail("string without its closing quote");
      std::string_view content = s_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      if (c == '"' && content.find_first_of("$#") != std::string_view::npos) {
        auto e = std::make_unique<Expr>();
        e->kind = Expr::Kind::Interpolated;
        Parser inner(content);
        std::string error;
        if (!inner.parseAll(e->parts, error)) return fail("in a string: " + error);
        out = std::move(e);
        return true;
      }
      return literal(Value::of(std::string(content)));
    }
    if ((c >= '0' && c <= '9') || (c == '-' && peek(1) >= '0' && peek(1) <= '9')) {
      size_t start = pos_;
      if (c == '-') ++pos_;
      while (peek() >= '0' && peek() <= '9') ++pos_;
      bool integer = true;
      if (peek() == '.' && peek(1) >= '0' && peek(1) <= '9') {
        integer = false;
        ++pos_;
        while (peek() >= '0' && peek() <= '9') ++pos_;
      }
      return literal(Value::of(
          std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr), integer));
    }
    if (word("true")) return literal(Value::of(true));
    if (word("false")) return literal(Value::of(false));
    if (word("null")) return literal(Value::null());
    if (c == '[') {
      ++pos_;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::List;
      skipSpace();
      if (peek() == ']') {
        ++pos_;
        out = std::move(e);
        return true;
      }
      ExprPtr first;
      if (!expression(first)) return false;
      if (symbol("..")) {  // [1..3]
        e->kind = Expr::Kind::Range;
        ExprPtr last;
        if (!expression(last)) return false;
        e->items.push_back(std::move(first));
        e->items.push_back(std::move(last));
      } else {
        e->items.push_back(std::move(first));
        while (symbol(",")) {
          ExprPtr item;
          if (!expression(item)) return false;
          e->items.push_back(std::move(item));
        }
      }
      if (!symbol("]")) return fail("expected ']'");
      out = std::move(e);
      return true;
    }
    if (c == '{') {
      ++pos_;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::Map;
      skipSpace();
      if (peek() != '}') {
        while (true) {
          ExprPtr key, value;
          if (!expression(key)) return false;
          if (!symbol(":")) return fail("expected ':' in a map");
          if (!expression(value)) return false;
          e->items.push_back(std::move(key));
          e->items.push_back(std::move(value));
          if (!symbol(",")) break;
        }
      }
      if (!symbol("}")) return fail("expected '}'");
      out = std::move(e);
      return true;
    }
    return fail(c ? fmt::format("unexpected '{}'", c) : "unexpected end of the template");
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t endAt_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// Renderer

// API Gateway stops a #foreach after 1,000 iterations.
constexpr size_t kMaxIterations = 1000;
constexpr int kMaxDepth = 64;

bool truthy(const Value& v) {
  if (v.kind == Value::Kind::Null) return false;
  if (v.kind == Value::Kind::Bool) return v.boolean;
  return true;
}

// A Java replacement string ("$1", "\$") as ECMAScript's.
std::string ecmaReplacement(std::string_view java) {
  std::string out;
  for (size_t i = 0; i < java.size(); ++i) {
    if (java[i] == '\\' && i + 1 < java.size()) {
      char c = java[++i];
      if (c == '$') {
        out += "$$";
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(java[i]);
    }
  }
  return out;
}

std::optional<std::regex> compile(const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

class Renderer {
 public:
  explicit Renderer(std::map<std::string, Value> vars) : vars_(std::move(vars)) {}

  bool render(const std::vector<Node>& nodes, std::string& out) {
    if (++depth_ > kMaxDepth) return failWith("templates nest too deeply");
    bool ok = renderNodes(nodes, out);
    --depth_;
    return ok;
  }

  std::string error;
  bool stopped = false;

 private:
  bool failWith(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }

  bool renderNodes(const std::vector<Node>& nodes, std::string& out) {
    for (const Node& n : nodes) {
      if (stopped || breaking_) return true;
      switch (n.kind) {
        case Node::Kind::Text:
          out += n.text;
          break;
        case Node::Kind::Ref: {
          Value v = eval(*n.expr);
          if (!error.empty()) return false;
          if (v.kind == Value::Kind::Block) {
            if (!render(*v.block, out)) return false;
          } else {
            out += toText(v);
          }
          break;
        }
        case Node::Kind::Set: {
          Value v = eval(*n.expr);
          if (!error.empty()) return false;
          assign(*n.target, std::move(v));
          if (!error.empty()) return false;
          break;
        }
        case Node::Kind::If:
          for (const auto& [condition, body] : n.branches) {
            bool taken = !condition || truthy(eval(*condition));
            if (!error.empty()) return false;
            if (!taken) continue;
            if (!renderNodes(body, out)) return false;
            break;
          }
          break;
        case Node::Kind::Foreach:
          if (!loop(n, out)) return false;
          break;
        case Node::Kind::Define: {
          Value block;
          block.kind = Value::Kind::Block;
          block.block = &n.body;
          vars_[n.text] = block;
          break;
        }
        case Node::Kind::Break:
          breaking_ = true;
          return true;
        case Node::Kind::Stop:
          stopped = true;
          return true;
      }
    }
    return true;
  }

  bool loop(const Node& n, std::string& out) {
    Value collection = eval(*n.expr);
    if (!error.empty()) return false;
    List items;
    if (collection.kind == Value::Kind::List) {
      items = *collection.list;
    } else if (collection.kind == Value::Kind::Map) {
      for (const auto& [k, v] : *collection.map) items.push_back(v);  // A map's values.
    } else if (!collection.isNull()) {
      items.push_back(collection);
    }
    Value savedForeach = vars_["foreach"];
    Value savedVar = vars_[n.text];
    size_t count = std::min(items.size(), kMaxIterations);
    for (size_t i = 0; i < count; ++i) {
      vars_[n.text] = items[i];
      vars_["foreach"] = Value::ofMap({{"index", Value::of(static_cast<double>(i), true)},
                                       {"count", Value::of(static_cast<double>(i + 1), true)},
                                       {"hasNext", Value::of(i + 1 < count)},
                                       {"first", Value::of(i == 0)},
                                       {"last", Value::of(i + 1 == count)}});
      vars_["velocityCount"] = Value::of(static_cast<double>(i + 1), true);
      if (!renderNodes(n.body, out)) return false;
      if (breaking_) {
        breaking_ = false;
        break;
      }
      if (stopped) break;
    }
    vars_["foreach"] = savedForeach;
    vars_[n.text] = savedVar;
    return true;
  }

  void assign(const Expr& target, Value v) {
    if (target.chain.empty()) {
      vars_[target.name] = std::move(v);
      return;
    }
    // $a.b.c = v: put into the map $a.b.
    Value holder = vars_[target.name];
    for (size_t i = 0; i + 1 < target.chain.size(); ++i) {
      holder = step(holder, target.chain[i]);
      if (!error.empty()) return;
    }
    const Accessor& last = target.chain.back();
    if (holder.kind == Value::Kind::Map && last.kind == Accessor::Kind::Property) {
      holder.put(last.name, std::move(v));
    }
  }

  Value eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Literal:
        return e.literal;
      case Expr::Kind::Interpolated: {
        std::string text;
        if (!render(e.parts, text)) return {};
        return Value::of(std::move(text));
      }
      case Expr::Kind::Ref: {
        auto it = vars_.find(e.name);
        Value v = it == vars_.end() ? Value::null() : it->second;
        for (const Accessor& a : e.chain) {
          v = step(v, a);
          if (!error.empty()) return {};
        }
        return v;
      }
      case Expr::Kind::List: {
        List items;
        for (const auto& item : e.items) items.push_back(eval(*item));
        return Value::ofList(std::move(items));
      }
      case Expr::Kind::Map: {
        Value m = Value::ofMap();
        for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
          m.put(text(eval(*e.items[i])), eval(*e.items[i + 1]));
        }
        return m;
      }
      case Expr::Kind::Range: {
        Value from = eval(*e.items[0]);
        Value to = eval(*e.items[1]);
        if (from.kind != Value::Kind::Number || to.kind != Value::Kind::Number) return {};
        List items;
        auto a = static_cast<int64_t>(from.number);
        auto b = static_cast<int64_t>(to.number);
        for (int64_t i = a; items.size() < kMaxIterations; i += a <= b ? 1 : -1) {
          items.push_back(Value::of(static_cast<double>(i), true));
          if (i == b) break;
        }
        return Value::ofList(std::move(items));
      }
      case Expr::Kind::Not:
        return Value::of(!truthy(eval(*e.items[0])));
      case Expr::Kind::Negate: {
        Value v = eval(*e.items[0]);
        if (v.kind != Value::Kind::Number) return {};
        return Value::of(-v.number, v.integer);
      }
      case Expr::Kind::Binary:
        return binaryOp(e);
    }
    return {};
  }

  // A value as text, #define blocks rendered.
  std::string text(const Value& v) {
    if (v.kind != Value::Kind::Block) return toText(v);
    std::string out;
    render(*v.block, out);
    return out;
  }

  static bool equal(const Value& a, const Value& b) {
    if (a.isNull() || b.isNull()) return a.isNull() && b.isNull();
    if (a.kind == Value::Kind::Number && b.kind == Value::Kind::Number) {
      return a.number == b.number;
    }
    if (a.kind == Value::Kind::Bool && b.kind == Value::Kind::Bool) return a.boolean == b.boolean;
    // Velocity compares objects of different classes by their toString().
    return toText(a) == toText(b);
  }

  Value binaryOp(const Expr& e) {
    const std::string& op = e.name;
    if (op == "&&") {
      return Value::of(truthy(eval(*e.items[0])) && truthy(eval(*e.items[1])));
    }
    if (op == "||") {
      return Value::of(truthy(eval(*e.items[0])) || truthy(eval(*e.items[1])));
    }
    Value a = eval(*e.items[0]);
    Value b = eval(*e.items[1]);
    if (op == "==") return Value::of(equal(a, b));
    if (op == "!=") return Value::of(!equal(a, b));
    bool numbers = a.kind == Value::Kind::Number && b.kind == Value::Kind::Number;
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      int cmp = 0;
      if (numbers) {
        cmp = a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
      } else if (a.kind == Value::Kind::String && b.kind == Value::Kind::String) {
        cmp = a.text.compare(b.text);
      } else {
        return Value::of(false);
      }
      if (op == "<") return Value::of(cmp < 0);
      if (op == ">") return Value::of(cmp > 0);
      if (op == "<=") return Value::of(cmp <= 0);
      return Value::of(cmp >= 0);
    }
    if (op == "+" && !numbers) {
      if (a.isNull() || b.isNull()) return {};
      return Value::of(text(a) + text(b));
    }
    if (!numbers) return {};
    bool integer = a.integer && b.integer;
    if (op == "+") return Value::of(a.number + b.number, integer);
    if (op == "-") return Value::of(a.number - b.number, integer);
    if (op == "*") return Value::of(a.number * b.number, integer);
    if (b.number == 0) return {};  // Velocity logs and yields null for a division by zero.
    if (op == "/") {
      return integer ? Value::of(std::trunc(a.number / b.number), true)
                     : Value::of(a.number / b.number, false);
    }
    return Value::of(std::fmod(a.number, b.number), integer);
  }

  Value step(const Value& v, const Accessor& a) {
    if (a.kind == Accessor::Kind::Index) {
      Value index = eval(*a.args[0]);
      if (v.kind == Value::Kind::List && index.kind == Value::Kind::Number) {
        auto i = static_cast<int64_t>(index.number);
        if (i < 0) i += static_cast<int64_t>(v.list->size());
        if (i >= 0 && static_cast<size_t>(i) < v.list->size()) return (*v.list)[i];
        return {};
      }
      if (v.kind == Value::Kind::Map) {
        const Value* found = v.find(toText(index));
        return found ? *found : Value::null();
      }
      return {};
    }
    if (a.kind == Accessor::Kind::Property) {
      if (v.kind == Value::Kind::Map) {
        const Value* found = v.find(a.name);
        return found ? *found : Value::null();
      }
      if (v.kind == Value::Kind::Host) return v.host->property(a.name).value_or(Value::null());
      return {};
    }
    std::vector<Value> args;
    for (const auto& arg : a.args) {
      Value value = eval(*arg);
      if (value.kind == Value::Kind::Block) value = Value::of(text(value));
      args.push_back(std::move(value));
    }
    if (!error.empty()) return {};
    return call(v, a.name, args);
  }

  static int64_t intArg(const std::vector<Value>& args, size_t i) {
    return i < args.size() && args[i].kind == Value::Kind::Number
               ? static_cast<int64_t>(args[i].number)
               : 0;
  }

  Value call(const Value& v, const std::string& name, std::vector<Value>& args) {
    if (v.kind == Value::Kind::Host) {
      std::string failure;
      auto result = v.host->call(name, args, failure);
      if (!failure.empty()) failWith(std::move(failure));
      return result.value_or(Value::null());
    }
    auto argText = [&](size_t i) { return i < args.size() ? text(args[i]) : std::string(); };
    if (name == "toString") return v.isNull() ? Value::null() : Value::of(toText(v));
    if (name == "equals") return Value::of(!args.empty() && equal(v, args[0]));
    if (v.kind == Value::Kind::String) return stringMethod(v.text, name, args, argText);
    if (v.kind == Value::Kind::List) {
      List& list = *v.list;
      if (name == "size") return Value::of(static_cast<double>(list.size()), true);
      if (name == "isEmpty") return Value::of(list.empty());
      if (name == "get") {
        int64_t i = intArg(args, 0);
        return i >= 0 && static_cast<size_t>(i) < list.size() ? list[i] : Value::null();
      }
      if (name == "contains") {
        for (const auto& item : list) {
          if (!args.empty() && equal(item, args[0])) return Value::of(true);
        }
        return Value::of(false);
      }
      if (name == "add" && !args.empty()) {
        list.push_back(args[0]);
        return Value::of(true);
      }
      return {};
    }
    if (v.kind == Value::Kind::Map) {
      if (name == "get") {
        const Value* found = v.find(argText(0));
        return found ? *found : Value::null();
      }
      if (name == "keySet") {
        List keys;
        for (const auto& [k, item] : *v.map) keys.push_back(Value::of(k));
        return Value::ofList(std::move(keys));
      }
      if (name == "values") {
        List values;
        for (const auto& [k, item] : *v.map) values.push_back(item);
        return Value::ofList(std::move(values));
      }
      if (name == "entrySet") {
        List entries;
        for (const auto& [k, item] : *v.map) {
          entries.push_back(Value::ofMap({{"key", Value::of(k)}, {"value", item}}));
        }
        return Value::ofList(std::move(entries));
      }
      if (name == "containsKey") return Value::of(v.find(argText(0)) != nullptr);
      if (name == "size") return Value::of(static_cast<double>(v.map->size()), true);
      if (name == "isEmpty") return Value::of(v.map->empty());
      if (name == "put" && args.size() == 2) {
        Value m = v;
        m.put(argText(0), args[1]);
        return {};
      }
      return {};
    }
    return {};
  }

  template <typename ArgText>
  Value stringMethod(const std::string& s, const std::string& name, std::vector<Value>& args,
                     ArgText argText) {
    if (name == "length" || name == "size") {
      return Value::of(static_cast<double>(s.size()), true);
    }
    if (name == "isEmpty") return Value::of(s.empty());
    if (name == "trim") {
      size_t a = s.find_first_not_of(" \t\r\n");
      size_t b = s.find_last_not_of(" \t\r\n");
      return Value::of(a == std::string::npos ? std::string() : s.substr(a, b - a + 1));
    }
    if (name == "toLowerCase" || name == "toUpperCase") {
      std::string out = s;
      for (char& c : out) {
        if (name == "toLowerCase" && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (name == "toUpperCase" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      }
      return Value::of(std::move(out));
    }
    if (name == "contains") return Value::of(s.find(argText(0)) != std::string::npos);
    if (name == "startsWith") return Value::of(s.starts_with(argText(0)));
    if (name == "endsWith") return Value::of(s.ends_with(argText(0)));
    if (name == "equalsIgnoreCase") {
      std::string other = argText(0);
      bool same = other.size() == s.size();
      for (size_t i = 0; same && i < s.size(); ++i) {
        same = std::tolower(static_cast<unsigned char>(s[i])) ==
               std::tolower(static_cast<unsigned char>(other[i]));
      }
      return Value::of(same);
    }
    if (name == "indexOf") {
      size_t at = s.find(argText(0));
      return Value::of(at == std::string::npos ? -1.0 : static_cast<double>(at), true);
    }
    if (name == "substring") {
      int64_t begin = intArg(args, 0);
      int64_t end = args.size() > 1 ? intArg(args, 1) : static_cast<int64_t>(s.size());
      if (begin < 0 || end > static_cast<int64_t>(s.size()) || begin > end) {
        failWith("substring index out of range");
        return {};
      }
      return Value::of(s.substr(begin, end - begin));
    }
    if (name == "concat") return Value::of(s + argText(0));
    if (name == "replace") {
      std::string from = argText(0), to = argText(1), out;
      if (from.empty()) return Value::of(s);
      size_t at = 0, found;
      while ((found = s.find(from, at)) != std::string::npos) {
        out.append(s, at, found - at);
        out += to;
        at = found + from.size();
      }
      out.append(s, at);
      return Value::of(std::move(out));
    }
    if (name == "replaceAll" || name == "replaceFirst" || name == "matches" || name == "split") {
      auto re = compile(argText(0));
      if (!re) {
        failWith(fmt::format("invalid regular expression '{}'", argText(0)));
        return {};
      }
      if (name == "matches") return Value::of(std::regex_match(s, *re));
      if (name == "split") {
        // Java's String.split: without a match, the string itself; with one, the pieces less
        // the empty ones at the end (zero-width matches are not split points here).
        List parts;
        size_t at = 0;
        bool matched = false;
        for (auto it = std::sregex_iterator(s.begin(), s.end(), *re); it != std::sregex_iterator();
             ++it) {
          if (it->length() == 0) continue;
          auto pos = static_cast<size_t>(it->position());
          parts.push_back(Value::of(s.substr(at, pos - at)));
          at = pos + it->length();
          matched = true;
        }
        parts.push_back(Value::of(s.substr(at)));
        while (matched && !parts.empty() && parts.back().text.empty()) parts.pop_back();
        return Value::ofList(std::move(parts));
      }
      auto flags = name == "replaceFirst" ? std::regex_constants::format_first_only
                                          : std::regex_constants::format_default;
      return Value::of(std::regex_replace(s, *re, ecmaReplacement(argText(1)), flags));
    }
    if (name == "charAt") {
      int64_t i = intArg(args, 0);
      if (i < 0 || static_cast<size_t>(i) >= s.size()) return {};
      return Value::of(std::string(1, s[i]));
    }
    return {};
  }

  std::map<std::string, Value> vars_;
  int depth_ = 0;
  bool breaking_ = false;
};

}  // namespace

Template::Template() : nodes_(std::make_unique<std::vector<Node>>()) {}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::optional<Template> Template::parse(std::string_view source, std::string& error) {
  Template t;
  Parser parser(source);
  if (!parser.parseAll(*t.nodes_, error)) return std::nullopt;
  return t;
}

Template::Result Template::render(std::map<std::string, Value> variables) const {
  Renderer renderer(std::move(variables));
  Result result;
  result.ok = renderer.render(*nodes_, result.output);
  if (!result.ok) result.error = renderer.error;
  return result;
}

}  // namespace nimbus::gateway::vtl
