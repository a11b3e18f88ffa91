// Evaluation of DynamoDB's expressions on items: conditions and filters, updates, projections.
#include <gtest/gtest.h>

#include <string>

#include "aws/dynamodb/expression_ast.h"
#include "aws/dynamodb/expressions.h"
#include "expression_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using expression_test::Expressions;
using expression_test::itemOf;

// ---- Condition evaluation ----

constexpr const char* kEveryType[] = {
    R"({"S":"hello"})",         R"({"N":"1"})",
    R"({"B":"eHl6"})",          R"({"BOOL":true})",
    R"({"NULL":true})",         R"({"L":[{"S":"hello"},{"N":"42"}]})",
    R"({"M":{"k":{"S":"v"}}})", R"({"SS":["hello","world"]})",
    R"({"NS":["1","2","3"]})",  R"({"BS":["eHl6","aGk="]})",
};

TEST_F(Expressions, EqualityAcrossEveryType) {
  for (const char* a : kEveryType) {
    for (const char* b : kEveryType) {
      setValues(std::string(R"({":v":)") + b + "}");
      const std::string item = std::string(R"({"a":)") + a + "}";
      EXPECT_EQ(matches("a = :v", item), a == b) << a << " = " << b;
      EXPECT_EQ(matches("a <> :v", item), a != b) << a << " <> " << b;
      EXPECT_EQ(matches("a IN (:v)", item), a == b) << a << " IN " << b;
    }
  }
  // Sets compare regardless of order, also inside documents; numbers compare numerically.
  setValues(R"({":v":{"M":{"d":{"L":[{"SS":["h","g"]}]},"n":{"N":"1.50"}}}})");
  EXPECT_TRUE(matches("a = :v", R"({"a":{"M":{"n":{"N":"1.5"},"d":{"L":[{"SS":["g","h"]}]}}}})"));
  EXPECT_FALSE(matches("a = :v", R"({"a":{"M":{"n":{"N":"1.5"},"d":{"L":[{"SS":["g","x"]}]}}}})"));
}

TEST_F(Expressions, AbsentAttributesCompare) {
  setValues(R"({":v":{"N":"2"}})");
  EXPECT_FALSE(matches("q = :v", "{}"));
  EXPECT_FALSE(matches("q = z", "{}"));  // Two absent attributes are not equal...
  EXPECT_TRUE(matches("q <> z", "{}"));  // ...and are different.
  EXPECT_TRUE(matches("q <> :v", "{}"));
  for (const char* op : {"<", "<=", ">", ">="}) {
    EXPECT_FALSE(matches(std::string("q ") + op + " :v", "{}")) << op;
    EXPECT_FALSE(matches(std::string(":v ") + op + " q", "{}")) << op;
    EXPECT_FALSE(matches(std::string("q ") + op + " z", "{}")) << op;
  }
  EXPECT_FALSE(matches("q BETWEEN :v AND :v", "{}"));
  EXPECT_FALSE(matches("q IN (:v, z)", "{}"));
}

TEST_F(Expressions, OrderingOfNumbersStringsAndBinaries) {
  setValues(R"({":n":{"N":"2"},":s":{"S":"dog"},":b":{"B":"gA=="},":b7":{"B":"fw=="},)"
            R"(":big":{"N":"1e100"},":neg":{"N":"-0.5"}})");
  const char* item = R"({"n":{"N":"1"},"s":{"S":"cat"},"b":{"B":"fw=="},"l":{"L":[]}})";
  EXPECT_TRUE(matches("n < :n AND s < :s AND b < :b", item));  // 0x7f < 0x80, unsigned.
  EXPECT_TRUE(matches("n <= :n AND :n > n AND :n >= n AND b <= :b7 AND b >= :b7", item));
  EXPECT_FALSE(matches("n > :n OR s > :s OR b > :b", item));
  EXPECT_TRUE(matches("n < :big AND n > :neg", item));
  // Different types, or types without an order, never compare.
  EXPECT_FALSE(matches("n < :s OR s < :n OR l < :n OR :n > l", item));
  EXPECT_TRUE(
      matches("n BETWEEN :neg AND :n AND s BETWEEN s AND :s AND b BETWEEN :b7 AND :b", item));
  EXPECT_FALSE(matches("n BETWEEN s AND :n", item));
  setValues(R"({":lo":{"N":"0"},":hi":{"N":"2"},":one":{"N":"1"}})");
  EXPECT_TRUE(matches("a BETWEEN :one AND :one", R"({"a":{"N":"1.0"}})"));
  EXPECT_TRUE(matches("a BETWEEN x AND y", R"({"a":{"N":"1"},"x":{"N":"0"},"y":{"N":"2"}})"));
  EXPECT_FALSE(matches("a BETWEEN y AND x", R"({"a":{"N":"1"},"x":{"N":"0"},"y":{"N":"2"}})"));
}

TEST_F(Expressions, Functions) {
  setValues(R"({":hell":{"S":"hell"},":hi":{"B":"aGk="},":ell":{"S":"ell"},":four":{"N":"4"},)"
            R"(":dog":{"S":"dog"},":set12":{"NS":["1","2"]},":l34":{"L":[{"N":"3"},{"N":"4"}]},)"
            R"(":true":{"BOOL":true}})");
  const char* item =
      R"({"a":{"S":"hello"},"b":{"B":"aGkgdGhlcmU="},"ns":{"NS":["2","4","7"]},)"
      R"("l":{"L":[{"N":"2"},{"N":"4"}]},"e":{"L":[{"S":"hi"},{"NS":["1","2"]},)"
      R"({"L":[{"N":"3"},{"N":"4"}]}]},"m":{"M":{"dog":{"S":"dog"}}},"ss":{"SS":["dog"]},)"
      R"("t":{"BOOL":true}})";
  EXPECT_TRUE(matches("attribute_exists(a) AND attribute_not_exists(z)", item));
  EXPECT_FALSE(matches("attribute_exists(z) OR attribute_not_exists(a)", item));
  EXPECT_TRUE(matches("attribute_exists(m.dog) AND attribute_not_exists(l[2])", item));
  EXPECT_TRUE(matches("begins_with(a, :hell) AND begins_with(b, :hi)", item));
  EXPECT_FALSE(
      matches("begins_with(a, :dog) OR begins_with(a, :hi) OR begins_with(b, :hell)", item));
  EXPECT_FALSE(matches("begins_with(z, :hell) OR begins_with(ns, :hell)", item));
  EXPECT_TRUE(matches("contains(a, :ell) AND contains(b, :hi) AND contains(ns, :four)", item));
  EXPECT_TRUE(matches("contains(l, :four) AND contains(e, :set12) AND contains(e, :l34)", item));
  EXPECT_TRUE(matches("contains(ss, :dog)", item));
  // A set is not a member of itself; maps contain nothing; a bool is not a list.
  EXPECT_FALSE(matches("contains(ns, :set12) OR contains(m, :dog) OR contains(t, :true)", item));
  EXPECT_FALSE(matches("contains(a, :four) OR contains(l, :dog)", item));

  for (const char* type : {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"}) {
    setValues(std::string(R"({":t":{"S":")") + type + "\"}}");
    for (const char* value : kEveryType) {
      const std::string valueType(
          std::string_view(value).substr(2, std::string_view(value).find('"', 2) - 2));
      EXPECT_EQ(matches("attribute_type(a, :t)", std::string(R"({"a":)") + value + "}"),
                valueType == type)
          << value << " " << type;
    }
  }
  setValues(R"({":N":{"S":"N"}})");
  EXPECT_TRUE(matches("attribute_type(:N, :N)", "{}") == false);
  EXPECT_FALSE(matches("attribute_type(z, :N)", "{}"));
}

TEST_F(Expressions, SizeCountsAsDynamoDbDoes) {
  setValues(R"({":0":{"N":"0"},":2":{"N":"2"},":3":{"N":"3"},":5":{"N":"5"},":8":{"N":"8"},)"
            R"(":dog":{"S":"dog"},":abc":{"S":"abc"}})");
  const char* item =
      R"({"s":{"S":"hello"},"u":{"S":"\u00e9\ud834\udd1e"},"ns":{"NS":["2","4","7"]},)"
      R"("l":{"L":[{"N":"2"},{"S":"dog"},{"N":"7"}]},"b":{"B":"aGkgdGhlcmU="},)"
      R"("m":{"M":{"x":{"N":"2"},"y":{"M":{"m":{"N":"3"},"n":{"N":"4"}}}}},)"
      R"("n":{"N":"5"},"t":{"BOOL":true},"z":{"NULL":true},"e":{"S":""}})";
  EXPECT_TRUE(matches("size(s) = :5 AND size(ns) = :3 AND size(l) = :3 AND size(b) = :8", item));
  EXPECT_TRUE(matches("size(m) = :2 AND size(e) = :0 AND size(:abc) = :3", item));
  // UTF-16 code units: é is one, U+1D11E (a surrogate pair) two.
  EXPECT_TRUE(matches("size(u) = :3", item));
  EXPECT_TRUE(matches("size(s) = n AND size(s) > :3 AND size(s) >= :5 AND size(s) < :8", item));
  // Numbers, booleans and nulls from the item have no size: every comparison is false.
  EXPECT_FALSE(matches("size(n) = :5 OR size(t) > :0 OR size(z) < :5 OR size(n) >= :0", item));
  EXPECT_TRUE(matches("size(n) <> :5", item));  // An absent value differs from anything.
  EXPECT_FALSE(matches("size(s) = :dog OR size(zz) = :0", item));
}

TEST_F(Expressions, BooleanOperatorsAndPrecedence) {
  const char* item = R"({"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"}})";
  EXPECT_TRUE(matches("a < b AND b < c", item));
  EXPECT_FALSE(matches("a < b AND c < b", item));
  EXPECT_TRUE(matches("b < a OR b < c", item));
  EXPECT_FALSE(matches("b < a OR c < b", item));
  EXPECT_TRUE(matches("NOT b < a", item));
  EXPECT_TRUE(matches("NOT NOT NOT NOT a < b", item));
  EXPECT_FALSE(matches("NOT NOT NOT a < b", item));
  // AND binds tighter than OR, NOT tighter than AND.
  EXPECT_TRUE(matches("a < b OR c < b AND b < c", item));
  EXPECT_FALSE(matches("NOT a < b AND c < b", item));
  EXPECT_TRUE(matches("NOT (a < b AND c < b)", item));
  EXPECT_TRUE(matches("b BETWEEN a AND c AND a < b", item));
  EXPECT_TRUE(matches("(a < b OR b < a) AND (b < c AND (a < b OR b < c))", item));
  EXPECT_TRUE(matches("((a < b) AND b < c)", item));
  EXPECT_TRUE(matches("(a) < (b) AND size((s)) <> (a)", item));
}

TEST_F(Expressions, NestedPathsAndPlaceholders) {
  setNames({{"#name1", "and"}, {"#name2", "or"}, {"#dot", "a.b"}});
  setValues(R"({":two":{"N":"2"},":hi":{"S":"hi"}})");
  const char* item = R"({"and":{"M":{"or":{"N":"2"}}},"a.b":{"S":"hi"},)"
                     R"("a":{"M":{"b":{"S":"yo"}}},"b":{"M":{"x":{"N":"1"},)"
                     R"("y":{"L":[{"N":"-1"},{"N":"2"},{"N":"0"}]}}}})";
  EXPECT_TRUE(matches("#name1.#name2 = :two", item));
  EXPECT_TRUE(matches("#dot = :hi", item));  // A dot in a name is part of the name.
  EXPECT_FALSE(matches("a.b = :hi", item));
  EXPECT_TRUE(matches("b.x < b.y[1] AND NOT b.x < b.y[0]", item));
  EXPECT_FALSE(matches("b.z < b.y[100] OR b.y.x = :two OR b[0] = :two", item));
  auto condition =
      parseCondition("#name1.#name2 = :two AND size(b.y) > a.b", "FilterExpression", fresh());
  ASSERT_TRUE(condition.ok());
  EXPECT_EQ(condition->attributes, (std::set<std::string>{"a", "and", "b"}));
}

// ---- Updates ----

TEST_F(Expressions, SetAndRemove) {
  setValues(R"({":v":{"N":"4"},":s":{"S":"hey"}})");
  EXPECT_EQ(updated("SET b = :v", "{}"), R"({"b":{"N":"4"}})");
  EXPECT_EQ(updated("SET x = :v, y = :v", R"({"a":{"S":"hi"}})"),
            R"({"a":{"S":"hi"},"x":{"N":"4"},"y":{"N":"4"}})");
  EXPECT_EQ(updated("SET a = :s", R"({"a":{"S":"hi"},"b":{"S":"x"}})"),
            R"({"a":{"S":"hey"},"b":{"S":"x"}})");
  EXPECT_EQ(updated("REMOVE a", R"({"a":{"S":"hi"},"b":{"S":"x"}})"), R"({"b":{"S":"x"}})");
  EXPECT_EQ(updated("REMOVE c", R"({"b":{"S":"x"}})"), R"({"b":{"S":"x"}})");
  // Operands are read from the item before any change.
  EXPECT_EQ(updated("SET b = a", R"({"a":{"S":"hello"}})"),
            R"({"a":{"S":"hello"},"b":{"S":"hello"}})");
  EXPECT_EQ(updated("REMOVE a SET b = a", R"({"a":{"S":"hello"}})"), R"({"b":{"S":"hello"}})");
  EXPECT_EQ(updated("SET c = b REMOVE b", R"({"b":{"S":"hello"}})"), R"({"c":{"S":"hello"}})");
  EXPECT_EQ(updated("SET a = a", R"({"a":{"S":"x"}})"), R"({"a":{"S":"x"}})");
  EXPECT_EQ(updated("SET x = :v, y = x", R"({"a":{"S":"x"}})"),
            "error: The provided expression refers to an attribute that does not exist in the "
            "item");
  EXPECT_EQ(updated("SET c = z", "{}"),
            "error: The provided expression refers to an attribute that does not exist in the "
            "item");
}

TEST_F(Expressions, Arithmetic) {
  setValues(R"({":one":{"N":"1"},":seven":{"N":"7"},":s":{"S":"dog"},":l":{"L":[]},)"
            R"(":big":{"N":"99999999999999999999999999999999999999"},":tiny":{"N":"0.1"}})");
  EXPECT_EQ(updated("SET a = a + :one", R"({"a":{"N":"2"}})"), R"({"a":{"N":"3"}})");
  EXPECT_EQ(updated("SET b = :seven - a", R"({"a":{"N":"2"}})"),
            R"({"a":{"N":"2"},"b":{"N":"5"}})");
  EXPECT_EQ(updated("SET a = b + a", R"({"a":{"N":"9"},"b":{"N":"10"}})"),
            R"({"a":{"N":"19"},"b":{"N":"10"}})");
  EXPECT_EQ(updated("SET a = (:one + :seven)", "{}"), R"({"a":{"N":"8"}})");
  EXPECT_EQ(updated("SET a = (:one) - (a)", R"({"a":{"N":"0.25"}})"), R"({"a":{"N":"0.75"}})");
  // Exact: 38 digits, no floating point.
  EXPECT_EQ(updated("SET a = :big - :one", "{}"),
            R"({"a":{"N":"99999999999999999999999999999999999998"}})");
  EXPECT_EQ(updated("SET a = a + :tiny", R"({"a":{"N":"0.2"}})"), R"({"a":{"N":"0.3"}})");
  EXPECT_EQ(updated("SET a = :big + :big", "{}").substr(0, 7), "error: ");
  EXPECT_EQ(updated("SET b = b + :one", R"({"a":{"N":"1"}})"),
            "error: The provided expression refers to an attribute that does not exist in the "
            "item");
  EXPECT_EQ(updated("SET b = a + :one", R"({"a":{"S":"x"}})"),
            "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updateError("SET b = :s + :one"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator "
            "or function: +, operand type: S");
  EXPECT_EQ(updateError("SET b = a - :l"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator "
            "or function: -, operand type: L");
  EXPECT_EQ(updated("SET a = if_not_exists(a, :one) + :seven", "{}"), R"({"a":{"N":"8"}})");
  EXPECT_EQ(updated("SET a = if_not_exists(a, :one) + :seven", R"({"a":{"N":"2"}})"),
            R"({"a":{"N":"9"}})");
}

TEST_F(Expressions, ListAppendAndIfNotExists) {
  setValues(R"({":v1":{"L":[{"N":"1"},{"N":"3"}]},":v2":{"L":[{"S":"hi"}]},":s":{"S":"x"},)"
            R"(":n":{"N":"2"},":empty":{"L":[]}})");
  EXPECT_EQ(updated("SET a = list_append(:v1, :v2)", "{}"),
            R"({"a":{"L":[{"N":"1"},{"N":"3"},{"S":"hi"}]}})");
  EXPECT_EQ(updated("SET a = list_append(a, :v2)", R"({"a":{"L":[{"N":"0"}]}})"),
            R"({"a":{"L":[{"N":"0"},{"S":"hi"}]}})");
  EXPECT_EQ(updated("SET b = list_append(:v2, a)", R"({"a":{"L":[]}})"),
            R"({"a":{"L":[]},"b":{"L":[{"S":"hi"}]}})");
  // The idiom for appending to a list that may not exist yet.
  EXPECT_EQ(updated("SET a = list_append(if_not_exists(a, :empty), :v2)", "{}"),
            R"({"a":{"L":[{"S":"hi"}]}})");
  EXPECT_EQ(updated("SET a = list_append(b, :v1)", "{}"),
            "error: The provided expression refers to an attribute that does not exist in the "
            "item");
  EXPECT_EQ(updated("SET a = list_append(b, :v1)", R"({"b":{"NS":["1"]}})"),
            "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("SET a = if_not_exists(a, :n)", "{}"), R"({"a":{"N":"2"}})");
  EXPECT_EQ(updated("SET a = if_not_exists(a, :n)", R"({"a":{"S":"x"}})"), R"({"a":{"S":"x"}})");
  EXPECT_EQ(updated("SET b = if_not_exists(c, a)", R"({"a":{"S":"x"}})"),
            R"({"a":{"S":"x"},"b":{"S":"x"}})");
  EXPECT_EQ(updated("SET a = if_not_exists(b, if_not_exists(c, :n))", "{}"), R"({"a":{"N":"2"}})");

  EXPECT_EQ(updateError("SET a = LIST_APPEND(:v1, :v2)"),
            "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND");
  EXPECT_EQ(updateError("SET a = f123_hi(b, c, d)"),
            "Invalid UpdateExpression: Invalid function name; function: f123_hi");
  EXPECT_EQ(updateError("SET a = size(b)"),
            "Invalid UpdateExpression: The function is not allowed in a update expression; "
            "function: size");
  EXPECT_EQ(updateError("SET a = list_append(:v1)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 1");
  EXPECT_EQ(updateError("SET a = list_append(:v1, :v2, :v1)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 3");
  EXPECT_EQ(updateError("SET a = list_append(:v1, :s)"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator "
            "or function: list_append, operand type: S");
  EXPECT_EQ(updateError("SET a = if_not_exists(:n, :v1)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator or "
            "function: if_not_exists");
  EXPECT_EQ(updateError("SET a = if_not_exists(if_not_exists(a, :n), :n)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator or "
            "function: if_not_exists");
  EXPECT_EQ(updateError("SET a = list_append(list_append(:v1, :v2), :v1)"),
            "Invalid UpdateExpression: The function is not allowed to be used this way in an "
            "expression; function: list_append");
}

TEST_F(Expressions, AddAndDelete) {
  setValues(R"({":n":{"N":"4"},":pig":{"SS":["pig"]},":some":{"SS":["coati","beaver","badger"]},)"
            R"(":cat":{"SS":["cat","mouse"]},":dog":{"SS":["dog"]},":ns":{"NS":["1"]},)"
            R"(":s":{"S":"hello"},":l":{"L":[]},":b":{"B":"YQ=="},":t":{"BOOL":true},)"
            R"(":z":{"NULL":true},":m":{"M":{}}})");
  EXPECT_EQ(updated("ADD a :n", R"({"a":{"N":"3"}})"), R"({"a":{"N":"7"}})");
  EXPECT_EQ(updated("ADD b :n", "{}"), R"({"b":{"N":"4"}})");
  EXPECT_EQ(updated("ADD a :pig", R"({"a":{"SS":["dog","cat"]}})"),
            R"({"a":{"SS":["dog","cat","pig"]}})");
  EXPECT_EQ(updated("ADD a :some", R"({"a":{"SS":["beaver","lynx","coati"]}})"),
            R"({"a":{"SS":["beaver","lynx","coati","badger"]}})");
  EXPECT_EQ(updated("ADD b :pig", "{}"), R"({"b":{"SS":["pig"]}})");
  EXPECT_EQ(updated("ADD a.b :n", R"({"a":{"M":{}}})"), R"({"a":{"M":{"b":{"N":"4"}}}})");
  EXPECT_EQ(updated("ADD a :n", R"({"a":{"S":"hi"}})"),
            "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("ADD a :ns", R"({"a":{"SS":["x"]}})"),
            "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("DELETE a :cat", R"({"a":{"SS":["dog","cat","mouse"]},"b":{"S":"hi"}})"),
            R"({"a":{"SS":["dog"]},"b":{"S":"hi"}})");
  EXPECT_EQ(updated("DELETE a :pig", R"({"a":{"SS":["dog"]}})"), R"({"a":{"SS":["dog"]}})");
  // Taking the last members removes the attribute; deleting from nothing does nothing.
  EXPECT_EQ(updated("DELETE a :dog", R"({"a":{"SS":["dog"]},"b":{"S":"hi"}})"),
            R"({"b":{"S":"hi"}})");
  EXPECT_EQ(updated("DELETE a :dog", R"({"b":{"S":"hi"}})"), R"({"b":{"S":"hi"}})");
  EXPECT_EQ(updated("DELETE a :ns", R"({"a":{"SS":["1"]}})"),
            "error: An operand in the update expression has an incorrect data type");
  struct Case {
    const char* expression;
    const char* message;
  };
  for (const Case& c : {
           Case{"ADD a :s", "operator: ADD, operand type: STRING"},
           Case{"ADD a :l", "operator: ADD, operand type: LIST"},
           Case{"ADD a :b", "operator: ADD, operand type: BINARY"},
           Case{"ADD a :t", "operator: ADD, operand type: BOOLEAN"},
           Case{"ADD a :z", "operator: ADD, operand type: NULL"},
           Case{"ADD a :m", "operator: ADD, operand type: MAP"},
           Case{"DELETE a :n", "operator: DELETE, operand type: NUMBER"},
           Case{"DELETE a :s", "operator: DELETE, operand type: STRING"},
       }) {
    EXPECT_EQ(updateError(c.expression),
              std::string("Invalid UpdateExpression: Incorrect operand type for operator or "
                          "function; ") +
                  c.message)
        << c.expression;
  }
}

TEST_F(Expressions, ClausesAppearOnceAndPathsMayNotOverlap) {
  setValues(R"({":v":{"N":"1"},":w":{"N":"2"},":s":{"SS":["x"]}})");
  setNames({{"#a1", "a"}, {"#a2", "a"}, {"#c", "c"}, {"#d", "[3]"}});
  EXPECT_EQ(updateError("SET a = :v SET b = :w"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(updateError("remove a set b = :v remove e"),
            "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(updateError("ADD a :v ADD b :v"),
            "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(updateError("DELETE a :s SET b = :v DELETE c :s"),
            "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(updateError("SET a = :v REMOVE a"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(updateError("SET #a1 = :v, #a2 = :w"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(updateError("SET d[1] = :v, d.b = :v, c[1].a = :v, #c = if_not_exists(a, :v)"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [c, [1], a], path two: [c]");
  EXPECT_EQ(updateError("set #c[3].#d = a, #c.#d[3] = if_not_exists(a, :v)"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]");
  EXPECT_EQ(updateError("remove a.#c set a[1] = #d"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, c], path two: [a, [1]]");
  for (const char* text :
       {"SET a = :v, a.b = :w", "SET a.b = :v, a = :w", "SET a.b = :v, a.b.c = :w",
        "SET a.b.c.d.e = :v, a.b = :w", "SET a[1] = :v, a = :w", "SET a[1][1] = :v, a[1] = :w",
        "SET a[1][1][1][1] = :v, a[1][1][1][1] = :w", "ADD a :v DELETE a :s",
        "SET a.b = :v, a.c = :v, a = :w, a[1] = :v"}) {
    EXPECT_NE(updateError(text).find("overlap with each other"), std::string::npos) << text;
  }
  for (const char* text : {"SET a.b = :v, a[1] = :w", "SET a.b.c = :v, a.b[2] = :w"}) {
    EXPECT_NE(updateError(text).find("conflict with each other"), std::string::npos) << text;
  }
  EXPECT_EQ(updateError("SET a.b = :v, a.c.d = :w, b.x = :v REMOVE a.x, b.y"), "(no error)");
}

TEST_F(Expressions, NestedUpdates) {
  setValues(R"({":v":{"N":"9"},":d":{"S":"dog"},":x":{"N":"17"},":h":{"S":"hello"},)"
            R"(":a1":{"S":"a1"},":a2":{"S":"a2"},":a3":{"S":"a3"},":a4":{"S":"a4"}})");
  setNames({{"#name", "x"}});
  EXPECT_EQ(
      updated(
          "SET a.c[1].#name.y[1] = :v",
          R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"5"},{"N":"7"}]}}}}}]}}}})"),
      R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"9"},{"N":"7"}]}}}}}]}}}})");
  EXPECT_EQ(updated("SET z = a.c.x", R"({"a":{"M":{"c":{"M":{"x":{"N":"7"}}}}}})"),
            R"({"a":{"M":{"c":{"M":{"x":{"N":"7"}}}}},"z":{"N":"7"}})");
  EXPECT_EQ(updated("SET a.b = :v, a.c.d = :d, b.x = :x REMOVE a.x, b.y",
                    R"({"a":{"M":{"x":{"N":"3"},"y":{"N":"4"},"c":{"M":{"y":{"N":"3"}}}}},)"
                    R"("b":{"M":{"x":{"N":"1"},"y":{"N":"2"}}}})"),
            R"({"a":{"M":{"b":{"N":"9"},"c":{"M":{"d":{"S":"dog"},"y":{"N":"3"}}},"y":{"N":"4"}}},)"
            R"("b":{"M":{"x":{"N":"17"}}}})");
  EXPECT_EQ(
      updated("REMOVE a.c[1].x.y[1], a.c[1].q",
              R"({"a":{"M":{"c":{"L":[{"S":"hi"},{"M":{"q":{"N":"2"},)"
              R"("x":{"M":{"y":{"L":[{"N":"3"},{"N":"5"},{"N":"7"}]}}}}}]}}}})"),
      R"({"a":{"M":{"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"7"}]}}}}}]}}}})");
  // List indexes refer to the list before the update, whatever the order written.
  const char* list = R"({"a":{"L":[{"N":"2"},{"N":"3"},{"N":"4"},{"N":"5"},{"N":"6"},{"N":"7"}]}})";
  const char* expected = R"({"a":{"L":[{"N":"2"},{"N":"4"},{"N":"17"},{"N":"6"},{"N":"7"}]}})";
  EXPECT_EQ(updated("REMOVE a[1] SET a[3] = :x", list), expected);
  EXPECT_EQ(updated("SET a[3] = :x REMOVE a[1]", list), expected);
  EXPECT_EQ(updated("REMOVE a[4], a[1], a[2]", list),
            R"({"a":{"L":[{"N":"2"},{"N":"5"},{"N":"7"}]}})");
  EXPECT_EQ(updated("REMOVE a[1], a[2].b",
                    R"({"a":{"L":[{"N":"0"},{"N":"1"},{"M":{"b":{"N":"2"},"c":{"N":"3"}}}]}})"),
            R"({"a":{"L":[{"N":"0"},{"M":{"c":{"N":"3"}}}]}})");
  EXPECT_EQ(updated("REMOVE a[17]", R"({"a":{"L":[{"N":"4"}]}})"), R"({"a":{"L":[{"N":"4"}]}})");
  EXPECT_EQ(updated("REMOVE a[0]", R"({"a":{"L":[{"N":"1"}]}})"), R"({"a":{"L":[]}})");
  EXPECT_EQ(updated("REMOVE a.b", R"({"a":{"M":{"b":{"N":"1"}}}})"), R"({"a":{"M":{}}})");
  // SET past the end appends, in index order.
  EXPECT_EQ(updated("SET a[7] = :h", R"({"a":{"L":[{"S":"one"}]}})"),
            R"({"a":{"L":[{"S":"one"},{"S":"hello"}]}})");
  EXPECT_EQ(updated("SET a[84] = :a1, a[37] = :a2, a[17] = :a3, a[50] = :a4",
                    R"({"a":{"L":[{"S":"one"}]}})"),
            R"({"a":{"L":[{"S":"one"},{"S":"a3"},{"S":"a2"},{"S":"a4"},{"S":"a1"}]}})");
  EXPECT_EQ(updated("SET a.c = :v", R"({"a":{"M":{"b":{"N":"3"},"c":{"M":{"one":{"N":"1"}}}}}})"),
            R"({"a":{"M":{"b":{"N":"3"},"c":{"N":"9"}}}})");
}

TEST_F(Expressions, InvalidDocumentPathsChangeNothing) {
  setValues(R"({":v":{"N":"7"},":s":{"SS":["a"]}})");
  const char* item = R"({"a":{"S":"hello"},"b":{"L":[{"S":"hi"}]},"m":{"M":{"1":{"S":"a"}}}})";
  const std::string invalid =
      "error: The document path provided in the update expression is invalid for update";
  for (const char* text :
       {"SET a.c = :v", "SET b.c = :v", "SET c.c = :v", "SET a[0] = :v", "SET c[0] = :v",
        "SET m[0] = :v", "REMOVE a.c", "REMOVE b.c", "REMOVE c.c", "REMOVE a[0]", "REMOVE c[1]",
        "ADD c.a :v", "ADD b.x :v", "DELETE c.a :s", "DELETE m[1] :s", "SET x = :v, c.c = :v"}) {
    EXPECT_EQ(updated(text, item), invalid) << text;
  }
  EXPECT_EQ(updated("SET c.c = :v", "{}"), invalid);
  // A missing leaf under an existing parent is simply nothing to remove.
  EXPECT_EQ(updated("REMOVE m.y, b[7], zz", item), itemToJson(itemOf(item)));
  // DynamoDB lets REMOVE of a nested path pass on an item that does not exist.
  EXPECT_EQ(updated("REMOVE x.y, z[0]", "{}"), "{}");
}

TEST_F(Expressions, UpdateTargets) {
  setValues(R"({":v":{"N":"1"},":s":{"SS":["x"]}})");
  setNames({{"#n", "name"}});
  auto update = parseUpdate("SET a.b[2] = :v, #n = :v REMOVE c ADD d :v DELETE e :s", fresh());
  ASSERT_TRUE(update.ok());
  std::vector<std::string> targets;
  for (const auto& path : update->targets()) {
    std::string text;
    for (const auto& step : path) {
      text += step.isIndex() ? "[" + std::to_string(step.index) + "]" : "." + step.name;
    }
    targets.push_back(text);
  }
  EXPECT_EQ(targets, (std::vector<std::string>{".a.b[2]", ".name", ".c", ".d", ".e"}));
  EXPECT_TRUE(Update{}.targets().empty());
}

// Nodes built outside the parser (PartiQL statements build them) are evaluated defensively.
TEST(ExpressionNodes, MissingOperandsReadAsAbsent) {
  const Item item = itemOf(R"({"a":{"N":"1"}})");
  for (auto kind :
       {ConditionNode::Kind::kCompare, ConditionNode::Kind::kBetween, ConditionNode::Kind::kIn,
        ConditionNode::Kind::kAttributeExists, ConditionNode::Kind::kAttributeNotExists,
        ConditionNode::Kind::kAttributeType, ConditionNode::Kind::kBeginsWith,
        ConditionNode::Kind::kContains, ConditionNode::Kind::kNot}) {
    ConditionNode node;
    node.kind = kind;
    Condition condition;
    condition.root = std::make_shared<const ConditionNode>(node);
    EXPECT_FALSE(condition.matches(item)) << static_cast<int>(kind);
  }
  auto update = std::make_shared<UpdateNode>();
  UpdateAction action;
  action.kind = UpdateAction::Kind::kSet;
  action.value.kind = Operand::Kind::kListAppend;  // Without its two operands.
  action.path = {PathElement{"a"}};
  update->actions.push_back(action);
  Update bad;
  bad.root = update;
  Item copy = item;
  EXPECT_EQ(bad.apply(copy).error().message,
            "An operand in the update expression has an incorrect data type");
  update->actions.front().path.clear();
  EXPECT_EQ(bad.apply(copy).error().message,
            "The document path provided in the update expression is invalid for update");
  EXPECT_TRUE(Update{}.apply(copy).ok());
  EXPECT_EQ(copy, item);
}

// ---- Projections ----

TEST_F(Expressions, Projections) {
  const char* item = R"({"p":{"S":"k"},"a":{"M":{"b":{"L":[{"N":"2"},{"N":"4"},)"
                     R"({"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]},"c":{"N":"5"}}},"b":{"S":"hello"},)"
                     R"("a.b":{"S":"dotted"}})";
  EXPECT_EQ(
      projected("a.b", item),
      R"({"a":{"M":{"b":{"L":[{"N":"2"},{"N":"4"},{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]}}}})");
  EXPECT_EQ(projected("a.b[0]", item), R"({"a":{"M":{"b":{"L":[{"N":"2"}]}}}})");
  EXPECT_EQ(projected("a.b[2].y", item), R"({"a":{"M":{"b":{"L":[{"M":{"y":{"S":"yo"}}}]}}}})");
  EXPECT_EQ(projected("a.b[2], a.b[0]", item),
            R"({"a":{"M":{"b":{"L":[{"N":"2"},{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]}}}})");
  EXPECT_EQ(projected("a.b[0],a.c", item), R"({"a":{"M":{"b":{"L":[{"N":"2"}]},"c":{"N":"5"}}}})");
  EXPECT_EQ(projected(" a.c ,   b ", item), R"({"a":{"M":{"c":{"N":"5"}}},"b":{"S":"hello"}})");
  EXPECT_EQ(projected("a.x, a.b[0], x, a.b[3].x", item), R"({"a":{"M":{"b":{"L":[{"N":"2"}]}}}})");
  for (const char* missing :
       {"x", "a.b[3]", "a.x", "a.x.y", "a.b.x", "a[0]", "a.b[0].x", "a.b[0][0]", "a.b[999]"}) {
    EXPECT_EQ(projected(missing, item), "{}") << missing;
  }
  setNames({{"#n1", "a"}, {"#n2", "c"}, {"#dot", "a.b"}});
  EXPECT_EQ(projected("#n1.#n2", item), R"({"a":{"M":{"c":{"N":"5"}}}})");
  EXPECT_EQ(projected("#dot", item), R"({"a.b":{"S":"dotted"}})");
  setNames({});
  for (const char* text : {"a, a", "a.b, a.b", "a[1], a[1]", "a, a.b", "a.b, a", "a.b, a.b[2]",
                           "a, a.b[2].c", "a.b.d.e, a.b"}) {
    EXPECT_NE(projectionError(text).find("Two document paths overlap with each other"),
              std::string::npos)
        << text;
  }
  EXPECT_EQ(projectionError("a,a.b[0]"),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must "
            "remove or rewrite one of these paths; path one: [a], path two: [a, b, [0]]");
  EXPECT_EQ(projectionError("a.b, a[1]"),
            "Invalid ProjectionExpression: Two document paths conflict with each other; must "
            "remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]");
  for (const char* text : {"a, b", "a.b, a.c", "a.b.d, a.b.e", "a[1], a[2]", "a.b, a.c[2]"}) {
    EXPECT_EQ(projectionError(text), "(no error)") << text;
  }
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
