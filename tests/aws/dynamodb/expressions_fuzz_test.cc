// A deterministic randomized test of the expression parsers and evaluators: valid expressions
// mutated at random, random token soup, and deep nesting of every recursive construct. Every
// input must either parse and then evaluate without failing, or be refused with a
// ValidationException worded for the expression; nothing may crash or take long.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "aws/dynamodb/expressions.h"

namespace nimbus::aws::dynamodb {
namespace {

enum class Kind { kCondition, kFilter, kKey, kUpdate, kProjection };
constexpr Kind kKinds[] = {Kind::kCondition, Kind::kFilter, Kind::kKey, Kind::kUpdate,
                           Kind::kProjection};

const char* nameOf(Kind kind) {
  switch (kind) {
    case Kind::kCondition:
      return "ConditionExpression";
    case Kind::kFilter:
      return "FilterExpression";
    case Kind::kKey:
      return "KeyConditionExpression";
    case Kind::kUpdate:
      return "UpdateExpression";
    case Kind::kProjection:
      return "ProjectionExpression";
  }
  return "";
}

Item itemOf(std::string_view json) {
  auto item = itemFromJson(json);
  return item.ok() ? *item : Item{};
}

// Valid expressions of each kind, over the names and values below.
const std::vector<std::string>& seeds(Kind kind) {
  static const std::vector<std::string> conditions = {
      "a = :s",
      "#n.b[1] <> :n AND NOT attribute_exists(c)",
      "a BETWEEN :n AND :n2 OR b IN (:s, :n, :l)",
      "begins_with(a, :s) AND contains(l, :n) AND size(m) >= :n",
      "attribute_type(a, :t) OR (NOT (a < :s AND c.d.e[0] > :n))",
      "(size(#n) < :n2) AND attribute_not_exists(#k)",
      "contains(ss, :s) OR contains(a, :s) AND a <= b",
      "NOT NOT a = :b OR c >= :n",
  };
  static const std::vector<std::string> keys = {
      "p = :s",
      "p = :s AND c > :n",
      ":s = p AND c BETWEEN :n AND :n2",
      "p = :s AND c < :n2",
      "(p = :s) AND (c <= :n)",
      "#p = :s AND c = :n",
  };
  static const std::vector<std::string> updates = {
      "SET a = :s",
      "SET a = a + :n, b = list_append(if_not_exists(l, :l), :l) REMOVE c.d[2]",
      "ADD n :n, ss :ss DELETE ns :ns",
      "SET #n.b[3] = :m, m.x = if_not_exists(m.y, :b) REMOVE l[0], l[2]",
      "REMOVE a, b, #n SET z = (:n - n)",
      "set l[10] = :s, l[1] = :n add x :n remove m.y",
  };
  static const std::vector<std::string> projections = {
      "a", "a, b, c", "#n.b[1], m.x", "l[0], l[2].z, #k", " a . b [ 3 ] ,  c ",
  };
  switch (kind) {
    case Kind::kKey:
      return keys;
    case Kind::kUpdate:
      return updates;
    case Kind::kProjection:
      return projections;
    default:
      return conditions;
  }
}

// Pieces of expressions, valid and not, that random inputs are made of.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = {"a",
                                                 "b",
                                                 "c",
                                                 "p",
                                                 "l",
                                                 "m",
                                                 "ss",
                                                 "ns",
                                                 "status",
                                                 "size",
                                                 "AND",
                                                 "and",
                                                 "OR",
                                                 "NOT",
                                                 "BETWEEN",
                                                 "IN",
                                                 "SET",
                                                 "set",
                                                 "REMOVE",
                                                 "ADD",
                                                 "DELETE",
                                                 "#n",
                                                 "#k",
                                                 "#undefined",
                                                 ":s",
                                                 ":n",
                                                 ":n2",
                                                 ":l",
                                                 ":m",
                                                 ":b",
                                                 ":t",
                                                 ":ss",
                                                 ":ns",
                                                 ":undefined",
                                                 "=",
                                                 "<>",
                                                 "<",
                                                 "<=",
                                                 ">",
                                                 ">=",
                                                 "(",
                                                 ")",
                                                 "[",
                                                 "]",
                                                 ",",
                                                 ".",
                                                 "+",
                                                 "-",
                                                 "0",
                                                 "1",
                                                 "99999999999",
                                                 "attribute_exists",
                                                 "attribute_not_exists",
                                                 "attribute_type",
                                                 "begins_with",
                                                 "contains",
                                                 "if_not_exists",
                                                 "list_append",
                                                 "f",
                                                 "#",
                                                 ":",
                                                 "_",
                                                 "!",
                                                 "'",
                                                 "\"",
                                                 "\xC3\xBC",
                                                 "\xFF",
                                                 std::string(1, '\0'),
                                                 "[0]",
                                                 ".b",
                                                 "((",
                                                 "))",
                                                 "size(",
                                                 "if_not_exists(a, ",
                                                 "a.b.c",
                                                 "l[1][2]"};
  return words;
}

class Fuzz : public ::testing::Test {
 protected:
  Fuzz()
      : values_(itemOf(R"({":s":{"S":"x"},":n":{"N":"1"},":n2":{"N":"2"},":l":{"L":[{"N":"1"}]},)"
                       R"(":m":{"M":{"k":{"S":"v"}}},":b":{"BOOL":true},":t":{"S":"N"},)"
                       R"(":ss":{"SS":["x","y"]},":ns":{"NS":["1","5"]}})")) {
    items_.push_back({});
    items_.push_back(itemOf(R"({"p":{"S":"x"},"c":{"N":"3"}})"));
    items_.push_back(
        itemOf(R"({"p":{"S":"x"},"c":{"N":"2"},"a":{"S":"xyz"},"b":{"N":"1"},"n":{"N":"7"},)"
               R"("name":{"M":{"b":{"L":[{"N":"1"},{"N":"2"},{"S":"z"},{"M":{}}]}}},)"
               R"("l":{"L":[{"N":"1"},{"M":{"z":{"NULL":true}}},{"S":"x"}]},"ss":{"SS":["x"]},)"
               R"("ns":{"NS":["1","2"]},"m":{"M":{"x":{"S":"v"},"y":{"BS":["AQ=="]}}},)"
               R"("key":{"S":"x"}})"));
  }

  // Parses `text` as `kind`, then uses whatever parsed; checks every refusal's shape.
  void exercise(Kind kind, const std::string& text) {
    const auto start = std::chrono::steady_clock::now();
    ExpressionContext context;
    context.names = &names_;
    context.values = &values_;
    switch (kind) {
      case Kind::kCondition:
      case Kind::kFilter: {
        auto parsed = parseCondition(text, nameOf(kind), context);
        if (!parsed) {
          expectRefusal(kind, text, parsed.error());
          break;
        }
        ++accepted_;
        for (const auto& item : items_) parsed->matches(item);
        break;
      }
      case Kind::kKey: {
        auto parsed = parseKeyCondition(text, context, "p", "c", Type::kS, Type::kN);
        if (!parsed) {
          expectRefusal(kind, text, parsed.error());
          break;
        }
        ++accepted_;
        for (const auto& item : items_) {
          for (const auto& [name, value] : item) parsed->sortMatches(value);
        }
        break;
      }
      case Kind::kUpdate: {
        auto parsed = parseUpdate(text, context);
        if (!parsed) {
          expectRefusal(kind, text, parsed.error());
          break;
        }
        ++accepted_;
        EXPECT_FALSE(parsed->targets().empty()) << text;
        for (const auto& original : items_) {
          Item item = original;
          auto status = parsed->apply(item);
          if (!status) {
            expectValidation(text, status.error());
            if (itemToJson(item) != itemToJson(original))
              fail(text, "a failed update changed the item");
          }
        }
        break;
      }
      case Kind::kProjection: {
        auto parsed = parseProjection(text, context);
        if (!parsed) {
          expectRefusal(kind, text, parsed.error());
          break;
        }
        ++accepted_;
        for (const auto& item : items_) parsed->apply(item);
        break;
      }
    }
    auto used = checkAllUsed(context);
    if (!used) expectValidation(text, used.error());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed > std::chrono::seconds(1)) fail(text, "took more than a second");
    ++inputs_;
  }

  void expectValidation(const std::string& text, const ServiceError& error) {
    if (error.code != "ValidationException" || error.status != 400 || error.message.empty()) {
      fail(text, "refused with " + error.code + ": " + error.message);
    }
  }

  // Refusals name the expression, except the key-condition rules DynamoDB words on their own.
  void expectRefusal(Kind kind, const std::string& text, const ServiceError& error) {
    expectValidation(text, error);
    const std::string prefix = std::string("Invalid ") + nameOf(kind) + ": ";
    if (error.message.starts_with(prefix)) return;
    if (kind == Kind::kKey) {
      for (const char* keyMessage :
           {"KeyConditionExpressions ", "Invalid operator used in KeyConditionExpression: ",
            "Invalid condition in KeyConditionExpression: ", "Query key condition not supported",
            "Query condition missed key schema element: ",
            "Conditions can be of length 1 or 2 only",
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type"}) {
        if (error.message.starts_with(keyMessage)) return;
      }
    }
    fail(text, "unexpected message: " + error.message);
  }

  void fail(const std::string& text, const std::string& what) {
    if (++failures_ <= 20) ADD_FAILURE() << what << "\n  input: \"" << text << "\"";
  }

  std::string randomToken() { return vocabulary()[pick(vocabulary().size())]; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }

  std::string mutate(std::string text) {
    const size_t mutations = 1 + pick(4);
    for (size_t m = 0; m < mutations; ++m) {
      const size_t at = text.empty() ? 0 : pick(text.size() + 1);
      const size_t span = 1 + pick(6);
      switch (pick(6)) {
        case 0:
          text.erase(std::min(at, text.size()), span);
          break;
        case 1:
          text.insert(at, randomToken());
          break;
        case 2:
          if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
          break;
        case 3:
          text.insert(at, text.substr(std::min(at, text.size()), span));
          break;
        case 4:
          text.resize(at);
          break;
        case 5:
          text.insert(at, pick(2) ? " " : randomToken() + " ");
          break;
      }
    }
    return text;
  }

  std::map<std::string, std::string> names_{{"#n", "name"}, {"#k", "key"}, {"#p", "p"}};
  Item values_;
  std::vector<Item> items_;
  std::mt19937 random_{20250101};
  int failures_ = 0;
  int inputs_ = 0;
  int accepted_ = 0;
};

TEST_F(Fuzz, SeedsAreValid) {
  for (Kind kind : kKinds) {
    for (const auto& seed : seeds(kind)) {
      ExpressionContext context;
      context.names = &names_;
      context.values = &values_;
      std::string error;
      switch (kind) {
        case Kind::kUpdate: {
          auto parsed = parseUpdate(seed, context);
          if (!parsed) error = parsed.error().message;
          break;
        }
        case Kind::kProjection: {
          auto parsed = parseProjection(seed, context);
          if (!parsed) error = parsed.error().message;
          break;
        }
        case Kind::kKey: {
          auto parsed = parseKeyCondition(seed, context, "p", "c", Type::kS, Type::kN);
          if (!parsed) error = parsed.error().message;
          break;
        }
        default: {
          auto parsed = parseCondition(seed, nameOf(kind), context);
          if (!parsed) error = parsed.error().message;
          break;
        }
      }
      EXPECT_EQ(error, "") << seed;
    }
  }
}

TEST_F(Fuzz, MutatedExpressions) {
  for (int round = 0; round < 20000; ++round) {
    for (Kind kind : kKinds) {
      const auto& pool = seeds(kind);
      exercise(kind, mutate(pool[pick(pool.size())]));
    }
  }
  EXPECT_EQ(failures_, 0);
  EXPECT_EQ(inputs_, 20000 * 5);
  // Enough mutants still parse for evaluation to be exercised too.
  EXPECT_GT(accepted_, inputs_ / 20);
}

TEST_F(Fuzz, TokenSoup) {
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t count = 1 + pick(40);
    for (size_t i = 0; i < count; ++i) {
      text += randomToken();
      if (pick(3)) text += " ";
    }
    for (Kind kind : kKinds) exercise(kind, text);
  }
  EXPECT_EQ(failures_, 0);
}

TEST_F(Fuzz, DeepNesting) {
  auto repeat = [](const std::string& piece, size_t times) {
    std::string out;
    out.reserve(piece.size() * times);
    for (size_t i = 0; i < times; ++i) out += piece;
    return out;
  };
  for (size_t depth : {1, 2, 31, 32, 33, 100, 149, 150, 299, 300, 301, 302, 400, 1000, 2046, 2047,
                       4096, 5000, 20000}) {
    const std::vector<std::string> inputs = {
        repeat("(", depth) + "a < b" + repeat(")", depth),
        repeat("(", depth) + "a < b" + repeat(")", depth / 2),
        repeat("(", depth),
        repeat(")", depth),
        repeat("not ", depth) + "a < b",
        repeat("NOT (", depth) + "a < b" + repeat(")", depth),
        "a<b " + repeat("or (a<b ", depth) + repeat(")", depth),
        "a<b" + repeat(" or a<b", depth),
        "a<b" + repeat(" and a<b", depth),
        "a < " + repeat("f(", depth) + "b" + repeat(")", depth),
        "a < " + repeat("size(", depth) + "b" + repeat(")", depth),
        "attribute_exists(" + repeat("size(", depth) + "b" + repeat(")", depth) + ")",
        "a" + repeat(".b", depth) + " = :n",
        "a" + repeat("[0]", depth) + " = :n",
        "a" + repeat("(", depth) + " = :n",
        "a IN (" + repeat(":n, ", depth) + ":n)",
        "a BETWEEN " + repeat("(", depth) + ":n" + repeat(")", depth) + " AND :n2",
        "SET a = " + repeat("if_not_exists(a, ", depth) + ":n" + repeat(")", depth),
        "SET a = " + repeat("list_append(", depth) + ":l" + repeat(", :l)", depth),
        "SET a = " + repeat("(", depth) + ":n" + repeat(")", depth),
        "SET a" + repeat(".b", depth) + " = :n",
        "REMOVE " + repeat("a.", depth) + "a",
        "SET " + repeat("a = :n, ", depth) + "b = :n",
        repeat("a, ", depth) + "b",
        "a" + repeat("[0]", depth),
        repeat(" ", depth),
    };
    for (const auto& text : inputs) {
      for (Kind kind : kKinds) exercise(kind, text);
    }
  }
  EXPECT_EQ(failures_, 0);
}

TEST_F(Fuzz, RandomBytes) {
  for (int round = 0; round < 10000; ++round) {
    std::string text(1 + pick(64), '\0');
    for (char& c : text) c = static_cast<char>(pick(256));
    for (Kind kind : kKinds) exercise(kind, text);
  }
  EXPECT_EQ(failures_, 0);
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
