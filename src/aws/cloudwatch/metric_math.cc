#include "aws/cloudwatch/metric_math.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <variant>

namespace nimbus::aws::cloudwatch {

namespace {

// A value during evaluation: a scalar, one series, or a list of series (function arguments).
struct Value {
  std::variant<double, TimeSeries, std::vector<TimeSeries>> v;
};

bool isIdStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool isIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

class Parser {
 public:
  Parser(std::string_view text, const MathContext& context) : text_(text), context_(context) {}

  Result<Value> parse() {
    auto value = expression();
    if (!value) return value;
    skipSpace();
    if (pos_ != text_.size()) return fail("unexpected text");
    return value;
  }

 private:
  ServiceError fail(std::string_view why) const {
    return ServiceError{"ValidationError",
                        fmt::format("Syntax error in expression at position {}: {}", pos_ + 1, why),
                        400};
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool take(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<Value> expression() {
    auto left = term();
    if (!left) return left;
    while (true) {
      char op = 0;
      if (take('+')) {
        op = '+';
      } else if (take('-')) {
        op = '-';
      } else {
        return left;
      }
      auto right = term();
      if (!right) return right;
      auto combined = combine(op, std::move(*left), std::move(*right));
      if (!combined) return combined;
      left = std::move(combined);
    }
  }

  Result<Value> term() {
    auto left = unary();
    if (!left) return left;
    while (true) {
      char op = 0;
      if (take('*')) {
        op = '*';
      } else if (take('/')) {
        op = '/';
      } else {
        return left;
      }
      auto right = unary();
      if (!right) return right;
      auto combined = combine(op, std::move(*left), std::move(*right));
      if (!combined) return combined;
      left = std::move(combined);
    }
  }

  Result<Value> unary() {
    if (take('-')) {
      auto operand = unary();
      if (!operand) return operand;
      return combine('*', Value{-1.0}, std::move(*operand));
    }
    return primary();
  }

  Result<Value> primary() {
    skipSpace();
    if (pos_ >= text_.size()) return fail("the expression ends early");
    char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      auto inner = expression();
      if (!inner) return inner;
      if (!take(')')) return fail("')' expected");
      return inner;
    }
    if (c == '[') {
      ++pos_;
      std::vector<TimeSeries> list;
      do {
        auto element = expression();
        if (!element) return element;
        if (auto* s = std::get_if<TimeSeries>(&element->v)) {
          list.push_back(std::move(*s));
        } else if (auto* l = std::get_if<std::vector<TimeSeries>>(&element->v)) {
          for (auto& s2 : *l) list.push_back(std::move(s2));
        } else {
          return fail("a list holds time series only");
        }
      } while (take(','));
      if (!take(']')) return fail("']' expected");
      return Value{std::move(list)};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double number = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), number);
      if (ec != std::errc()) return fail("a number expected");
      pos_ = static_cast<size_t>(end - text_.data());
      return Value{number};
    }
    if (!isIdStart(c)) return fail(fmt::format("unexpected '{}'", c));
    size_t start = pos_;
    while (pos_ < text_.size() && isIdChar(text_[pos_])) ++pos_;
    std::string_view name = text_.substr(start, pos_ - start);
    if (take('(')) return function(name);
    const TimeSeries* series = context_.series ? context_.series(name) : nullptr;
    if (!series) {
      pos_ = start;
      return fail(fmt::format("unknown metric id or function '{}'", name));
    }
    return Value{*series};
  }

  Result<Value> function(std::string_view name) {
    std::vector<Value> args;
    if (!take(')')) {
      do {
        auto arg = expression();
        if (!arg) return arg;
        args.push_back(std::move(*arg));
      } while (take(','));
      if (!take(')')) return fail("')' expected");
    }
    if (name == "SUM" || name == "AVG" || name == "MIN" || name == "MAX") {
      if (args.size() != 1) return fail(fmt::format("{} takes one argument", name));
      return reduce(name, std::move(args[0]));
    }
    if (name == "ABS") {
      if (args.size() != 1) return fail("ABS takes one argument");
      return apply(std::move(args[0]), [](double x) { return std::fabs(x); });
    }
    if (name == "FILL") {
      if (args.size() != 2) return fail("FILL takes a series and a value");
      auto* series = std::get_if<TimeSeries>(&args[0].v);
      auto* fill = std::get_if<double>(&args[1].v);
      if (!series || !fill) return fail("FILL takes a series and a number");
      for (int64_t t : context_.grid) series->emplace(t, *fill);
      return Value{std::move(*series)};
    }
    return fail(fmt::format("the function {} is not supported", name));
  }

  template <typename Fn>
  Result<Value> apply(Value value, Fn fn) {
    if (auto* d = std::get_if<double>(&value.v)) return Value{fn(*d)};
    if (auto* s = std::get_if<TimeSeries>(&value.v)) {
      for (auto& [t, x] : *s) x = fn(x);
      return value;
    }
    for (auto& s : std::get<std::vector<TimeSeries>>(value.v)) {
      for (auto& [t, x] : s) x = fn(x);
    }
    return value;
  }

  static double reduceValues(std::string_view name, const std::vector<double>& xs) {
    double acc = name == "MIN" ? INFINITY : name == "MAX" ? -INFINITY : 0;
    for (double x : xs) {
      if (name == "MIN") {
        acc = std::min(acc, x);
      } else if (name == "MAX") {
        acc = std::max(acc, x);
      } else {
        acc += x;
      }
    }
    return name == "AVG" ? acc / static_cast<double>(xs.size()) : acc;
  }

  Result<Value> reduce(std::string_view name, Value arg) {
    if (auto* list = std::get_if<std::vector<TimeSeries>>(&arg.v)) {
      std::map<int64_t, std::vector<double>> byTime;
      for (const auto& s : *list) {
        for (const auto& [t, x] : s) byTime[t].push_back(x);
      }
      TimeSeries out;
      for (const auto& [t, xs] : byTime) out[t] = reduceValues(name, xs);
      return Value{std::move(out)};
    }
    if (auto* s = std::get_if<TimeSeries>(&arg.v)) {
      if (s->empty()) return Value{TimeSeries{}};
      std::vector<double> xs;
      for (const auto& [t, x] : *s) xs.push_back(x);
      return Value{reduceValues(name, xs)};
    }
    return arg;  // Of a scalar: the scalar.
  }

  static std::optional<double> arithmetic(char op, double a, double b) {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      default:
        if (b == 0) return std::nullopt;
        return a / b;
    }
  }

  Result<Value> combine(char op, Value left, Value right) {
    if (std::holds_alternative<std::vector<TimeSeries>>(left.v) ||
        std::holds_alternative<std::vector<TimeSeries>>(right.v)) {
      return fail("arithmetic on a list is not supported");
    }
    auto* ld = std::get_if<double>(&left.v);
    auto* rd = std::get_if<double>(&right.v);
    if (ld && rd) {
      auto x = arithmetic(op, *ld, *rd);
      return x ? Value{*x} : Value{TimeSeries{}};
    }
    TimeSeries out;
    if (ld || rd) {
      const TimeSeries& s = std::get<TimeSeries>(ld ? right.v : left.v);
      for (const auto& [t, x] : s) {
        auto y = ld ? arithmetic(op, *ld, x) : arithmetic(op, x, *rd);
        if (y) out[t] = *y;
      }
      return Value{std::move(out)};
    }
    const TimeSeries& a = std::get<TimeSeries>(left.v);
    const TimeSeries& b = std::get<TimeSeries>(right.v);
    for (const auto& [t, x] : a) {
      auto other = b.find(t);
      if (other == b.end()) continue;
      if (auto y = arithmetic(op, x, other->second)) out[t] = *y;
    }
    return Value{std::move(out)};
  }

  std::string_view text_;
  const MathContext& context_;
  size_t pos_ = 0;
};

}  // namespace

Result<TimeSeries> evaluateExpression(std::string_view expression, const MathContext& context) {
  Parser parser(expression, context);
  auto value = parser.parse();
  if (!value) return value.takeError();
  if (auto* d = std::get_if<double>(&value->v)) {
    TimeSeries out;
    for (int64_t t : context.grid) out[t] = *d;
    return out;
  }
  if (auto* s = std::get_if<TimeSeries>(&value->v)) return std::move(*s);
  return ServiceError{"ValidationError",
                      "The expression returns a list of time series; wrap it in SUM, AVG, MIN or "
                      "MAX",
                      400};
}

std::vector<std::string> expressionReferences(std::string_view expression) {
  std::vector<std::string> ids;
  size_t i = 0;
  while (i < expression.size()) {
    if (isIdStart(expression[i]) && (i == 0 || !isIdChar(expression[i - 1])) &&
        (i == 0 || expression[i - 1] != '.')) {
      size_t start = i;
      while (i < expression.size() && isIdChar(expression[i])) ++i;
      size_t next = i;
      while (next < expression.size() && expression[next] == ' ') ++next;
      if (next >= expression.size() || expression[next] != '(') {
        ids.emplace_back(expression.substr(start, i - start));
      }
      continue;
    }
    ++i;
  }
  return ids;
}

}  // namespace nimbus::aws::cloudwatch
