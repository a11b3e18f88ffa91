// Parsing of DynamoDB's expressions: the grammar, the limits, the checks made before any item is
// read and their messages, and key conditions.
#include "aws/dynamodb/expressions.h"

#include <gtest/gtest.h>

#include <string>

#include "expression_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using expression_test::Expressions;
using expression_test::itemOf;

// ---- Syntax ----

TEST_F(Expressions, SyntaxErrorsNameTheTokenAndItsNeighbours) {
  setValues(R"({":v":{"N":"1"}})");
  EXPECT_EQ(conditionError("a = = b"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = b\"");
  EXPECT_EQ(conditionError("a IN ()", "FilterExpression"),
            "Invalid FilterExpression: Syntax error; token: \")\", near: \"()\"");
  EXPECT_EQ(conditionError("p = :v AND c != :v", "KeyConditionExpression"),
            "Invalid KeyConditionExpression: Syntax error; token: \"!\", near: \"c !=\"");
  EXPECT_EQ(conditionError("a <"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"<\"");
  // Cases whose answers DynamoDB's own messages show.
  EXPECT_EQ(updateError("SET attrName = 3"),
            "Invalid UpdateExpression: Syntax error; token: \"3\", near: \"= 3\"");
  EXPECT_EQ(updateError("SET MyStr[ 3"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"3\"");
  EXPECT_EQ(updateError("SET MyStr[ 3 "),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"3 \"");
  EXPECT_EQ(updateError("SET MyStr[3 )"),
            "Invalid UpdateExpression: Syntax error; token: \")\", near: \"3 )\"");
  EXPECT_EQ(updateError("SET ) 3"),
            "Invalid UpdateExpression: Syntax error; token: \")\", near: \"SET ) 3\"");
  EXPECT_EQ(
      updateError("RESET NonExistent value"),
      "Invalid UpdateExpression: Syntax error; token: \"RESET\", near: \"RESET NonExistent\"");
  EXPECT_EQ(
      updateError("  RESET NonExistent value"),
      "Invalid UpdateExpression: Syntax error; token: \"RESET\", near: \"  RESET NonExistent\"");
  EXPECT_EQ(updateError("SET #a a = 5"),
            "Invalid UpdateExpression: Syntax error; token: \"a\", near: \"#a a =\"");
  EXPECT_EQ(updateError("SET a [  [2] ]. b = 5"),
            "Invalid UpdateExpression: Syntax error; token: \"[\", near: \"[  [2\"");
  EXPECT_EQ(updateError("SET a [2 1]. b = 5"),
            "Invalid UpdateExpression: Syntax error; token: \"1\", near: \"2 1]\"");
  EXPECT_EQ(updateError("SET MyStr = NoExist + + :_val "),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \"+ + :_val\"");
  EXPECT_EQ(updateError("SET MyStr = [:_val  "),
            "Invalid UpdateExpression: Syntax error; token: \"[\", near: \"= [:_val\"");
  EXPECT_EQ(updateError("SET a = :v,"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(updateError("SET attrName = _idid"),
            "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"= _idid\"");
  EXPECT_EQ(updateError("   |"),
            "Invalid UpdateExpression: Syntax error; token: \"|\", near: \"   |\"");
  EXPECT_EQ(updateError("SET a|"),
            "Invalid UpdateExpression: Syntax error; token: \"|\", near: \"a|\"");
  EXPECT_EQ(projectionError("a[-1]"),
            "Invalid ProjectionExpression: Syntax error; token: \"-\", near: \"[-1\"");
}

TEST_F(Expressions, RefusesMalformedGrammar) {
  setValues(R"({":v":{"N":"1"},":w":{"N":"2"},":x":{"N":"3"}})");
  setNames({{"#n", "n"}});
  for (const char* text : {"a",
                           ":v",
                           "NOT a",
                           "a AND :v",
                           "a OR NOT :v",
                           "a = :v OR NOT :v",
                           "(a)",
                           "a < b < c",
                           "a BETWEEN :v",
                           "a BETWEEN :v OR :w",
                           "a IN :v",
                           "a IN (:v,)",
                           "attribute_exists()",
                           "attribute_exists(Pictures-RearView)",
                           "attribute_exists(Pictures..RearView)",
                           "attribute_exists(asdf[a])",
                           "b[:v] > a",
                           "b[#n] > a",
                           "\xC3\xBC > a",
                           "size(a).b > a",
                           "size(a)[0] > a",
                           "(a < b) = c",
                           "size((a < b)) = c",
                           "a.and = :v",
                           "a = :v)",
                           "(a = :v",
                           "a[1.5] = :v",
                           "a = 1",
                           "a = 'x'",
                           "a = \"x\"",
                           "a == :v",
                           "a =< :v",
                           "a =",
                           "   ",
                           "#"}) {
    EXPECT_NE(conditionError(text).find("Invalid ConditionExpression: Syntax error; token: "),
              std::string::npos)
        << text;
  }
  for (const char* text : {"whatever",
                           "set a",
                           "add a",
                           "delete a",
                           "set a=set",
                           "remove a = b",
                           "add a = b",
                           "delete a = b",
                           "delete a b",
                           "remove a b",
                           "set a b",
                           "set :v = b",
                           "add :v b",
                           "remove :v",
                           "set a = b / c",
                           "set a = b * c",
                           "set a[1] = 1",
                           "set (a = (b + c))",
                           "set a = b + c + d",
                           "set a = (b.c).d + e",
                           "set a = (((b)))",
                           "SET if_not_exist(a, b) = a",
                           "SET _123 = :v",
                           "SET 123a = :v",
                           "SET hi-there = :v",
                           "SET \"x\" = :v",
                           "SET # = :v",
                           "SET a = :",
                           "SET a = if_not_exists(c, :v+:w)",
                           "SET a = _f(b)",
                           "SET a[:v] = :w",
                           "SET a[#n] = :w",
                           "SET a = :v SET"}) {
    EXPECT_NE(updateError(text).find("Invalid UpdateExpression: Syntax error; token: "),
              std::string::npos)
        << text;
  }
  for (const char* text : {"a,", ",a", "a,,b", "a[]", "a b", ":v", "size(a)", "a.#"}) {
    EXPECT_NE(projectionError(text).find("Invalid ProjectionExpression: Syntax error; token: "),
              std::string::npos)
        << text;
  }
}

TEST_F(Expressions, AcceptsDynamoDbsLexicalForms) {
  setValues(R"({":Alpha_Numeric_123":{"N":"1"},":123a":{"N":"2"},":_":{"N":"3"}})");
  setNames({{"#123", "x"}, {"#_", "y"}, {"#Alpha_Numeric_123", "3 odd!.#= name"}});
  EXPECT_EQ(updated("SET #123 = :123a, #_ = :_, Alpha_Numeric_123 = :Alpha_Numeric_123,"
                    " #Alpha_Numeric_123 = :_",
                    "{}"),
            R"({"3 odd!.#= name":{"N":"3"},"Alpha_Numeric_123":{"N":"1"},"x":{"N":"2"},)"
            R"("y":{"N":"3"}})");
  // Keywords and clause names in any case; whitespace anywhere between tokens.
  EXPECT_EQ(updated("  sEt   b=:_  ,c\t=\n:_ ReMoVe d", R"({"d":{"S":"x"}})"),
            R"({"b":{"N":"3"},"c":{"N":"3"}})");
  EXPECT_TRUE(matches("a between :Alpha_Numeric_123 and :123a AnD NoT a iN (:_) oR a = :_",
                      R"({"a":{"N":"1"}})"));
  EXPECT_TRUE(matches("a BeTwEeN :Alpha_Numeric_123 aNd :123a", R"({"a":{"N":"1"}})"));
  EXPECT_TRUE(matches(" a [ 0 ] . b = :_ ", R"({"a":{"L":[{"M":{"b":{"N":"3"}}}]}})"));
}

TEST_F(Expressions, EmptyAndOversizedExpressions) {
  EXPECT_EQ(conditionError(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(conditionError("", "FilterExpression"),
            "Invalid FilterExpression: The expression can not be empty;");
  EXPECT_EQ(updateError(""), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(projectionError(""), "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(errorOf(parseKeyCondition("", fresh(), "p", "")),
            "Invalid KeyConditionExpression: The expression can not be empty;");

  EXPECT_EQ(projectionError(std::string(4096, 'x')), "(no error)");
  EXPECT_EQ(projectionError(std::string(4097, 'x')),
            "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
  setValues(R"({":val":{"N":"1"}})");
  EXPECT_EQ(updateError("SET" + std::string(4085, ' ') + "a = :val"), "(no error)");
  EXPECT_EQ(updateError("SET " + std::string(4085, ' ') + "a = :val"),
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
  // The size is checked before the syntax.
  EXPECT_EQ(conditionError(std::string(15000, '(')),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 15000");
}

TEST_F(Expressions, LimitsOperatorsToThreeHundred) {
  // 149 levels hold 299 operators: accepted. 454 levels: refused at the 301st operator.
  auto nested = [](int depth) {
    std::string text = "a<b ";
    for (int i = 0; i < depth; ++i) text += "or (a<b ";
    return text + std::string(depth, ')');
  };
  EXPECT_TRUE(matches(nested(149), R"({"a":{"N":"1"},"b":{"N":"2"}})"));
  EXPECT_EQ(conditionError(nested(454)),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 301");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  EXPECT_EQ(conditionError(nots + "a<b"),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 301");
  std::string ors = "a<b";
  for (int i = 0; i < 150; ++i) ors += " or a<b";
  EXPECT_NE(conditionError(ors).find("operator count: 301"), std::string::npos);
}

TEST_F(Expressions, DeepNestingIsRefusedWithoutDeepRecursion) {
  EXPECT_EQ(conditionError(std::string(4096, '(')),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(conditionError(std::string(2046, '(') + "a<b" + std::string(2046, ')')),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(conditionError("((a < b))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  auto calls = [](const std::string& name, int depth) {
    std::string text = "a < ";
    for (int i = 0; i < depth; ++i) text += name + "(";
    return text + "b" + std::string(depth, ')');
  };
  EXPECT_EQ(conditionError(calls("f", 1355)),
            "Invalid ConditionExpression: Invalid function name; function: f");
  EXPECT_EQ(conditionError(calls("size", 680)),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N");
  EXPECT_EQ(conditionError(calls("size", 2)),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N");
}

// ---- Condition checks ----

TEST_F(Expressions, ReservedWordsNeedPlaceholders) {
  setValues(R"({":v":{"N":"1"}})");
  EXPECT_EQ(conditionError("status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
  EXPECT_EQ(conditionError(":v < abOrT", "FilterExpression"),
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: "
            "abOrT");
  EXPECT_EQ(conditionError("a.name = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "name");
  EXPECT_EQ(updateError("remove Absolute"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "Absolute");
  EXPECT_EQ(projectionError("a, Data"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: Data");
  setNames({{"#s", "status"}});
  EXPECT_TRUE(matches("#s = :v", R"({"status":{"N":"1"}})"));
  // Names that merely contain a reserved word are fine.
  EXPECT_EQ(conditionError("statuses = :v AND sizes = :v"), "(no error)");
}

TEST_F(Expressions, UndefinedAndUnusedNamesAndValues) {
  setNames({{"#a", "a"}, {"#b", "b"}});
  setValues(R"({":a":{"N":"1"},":b":{"N":"2"}})");
  EXPECT_EQ(conditionError("#name = :a"),
            "Invalid ConditionExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #name");
  EXPECT_EQ(conditionError("#a = :zz"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :zz");
  EXPECT_EQ(updateError("SET a.#x = :a"),
            "Invalid UpdateExpression: An expression attribute name used in the document path is "
            "not defined; attribute name: #x");
  EXPECT_EQ(projectionError("a.#n2"),
            "Invalid ProjectionExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #n2");

  auto& context = fresh();
  ASSERT_TRUE(parseCondition("#a = :a", "ConditionExpression", context).ok());
  EXPECT_EQ(errorOf(checkAllUsed(context)),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  ASSERT_TRUE(parseProjection("#b", context).ok());
  EXPECT_EQ(errorOf(checkAllUsed(context)),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}");
  ASSERT_TRUE(parseUpdate("SET x = :b", context).ok());
  EXPECT_TRUE(checkAllUsed(context).ok());

  // A name used only where evaluation would short-circuit still counts as used.
  auto& second = fresh();
  ASSERT_TRUE(parseCondition("#a = :a OR #b = :b", "ConditionExpression", second).ok());
  EXPECT_TRUE(checkAllUsed(second).ok());

  ExpressionContext none;
  EXPECT_EQ(errorOf(parseCondition("a = :a", "ConditionExpression", none)),
            "Invalid ConditionExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :a");
  EXPECT_TRUE(checkAllUsed(none).ok());
  setNames({{"#z", "z"}, {"#y", "y"}});
  setValues(R"({":q":{"N":"1"},":p":{"N":"2"}})");
  EXPECT_EQ(errorOf(checkAllUsed(fresh())),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#y, #z}");
}

TEST_F(Expressions, FunctionMisuse) {
  setValues(R"({":v":{"N":"1"},":s":{"S":"x"},":l":{"L":[]},":t":{"S":"DOG"},":b":{"BOOL":true}})");
  setNames({{"#a", "a"}});
  EXPECT_EQ(conditionError("dog(a) = :v"),
            "Invalid ConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(conditionError("attRIbute_exIsts(a)"),
            "Invalid ConditionExpression: Invalid function name; function: attRIbute_exIsts");
  EXPECT_EQ(conditionError("p = :v AND BEGINS_WITH(c, :s)", "KeyConditionExpression"),
            "Invalid KeyConditionExpression: Invalid function name; function: BEGINS_WITH");
  EXPECT_EQ(conditionError("if_not_exists(a, a) = :v"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; "
            "function: if_not_exists");
  EXPECT_EQ(conditionError("size(a)"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: size");
  EXPECT_EQ(conditionError("attribute_exists(a) < :v"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(conditionError("a IN (b, attribute_exists(c))"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(conditionError("size(contains(a, b)) > :v"),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: contains");
  EXPECT_EQ(conditionError("attribute_exists(:v)"),
            "Invalid ConditionExpression: Operator or function requires a document path; operator "
            "or function: attribute_exists");
  EXPECT_EQ(conditionError("size(a, a) = :v"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: size, number of operands: 2");
  EXPECT_EQ(conditionError("begins_with(a)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: begins_with, number of operands: 1");
  EXPECT_EQ(conditionError("begins_with(a, :v)", "FilterExpression"),
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator "
            "or function: begins_with, operand type: N");
  EXPECT_EQ(conditionError("begins_with(a, size(b))"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(conditionError("size(:v) > a"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N");
  EXPECT_EQ(conditionError("size(:b) > a"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: BOOL");
  EXPECT_EQ(conditionError("attribute_type(a, :t)"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid "
            "types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(conditionError("attribute_type(a, :v)"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: attribute_type, operand type: N");
  EXPECT_EQ(conditionError("attribute_type(a, b)"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
  EXPECT_EQ(conditionError("a < :l"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: <, operand type: L");
  EXPECT_EQ(conditionError("a = #a"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: =, first operand: [a]");
  EXPECT_EQ(conditionError("contains(b.c[1].a, b.c[1].#a)"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: contains, first operand: [b, c, "
            "[1], a]");
  // Priorities: parentheses before functions before reserved words before names.
  EXPECT_EQ(conditionError("status = #nope AND dog(a) = :v AND ((b = :v))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(conditionError("status = #nope AND dog(a) = :v"),
            "Invalid ConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(conditionError("status = #nope"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
}

TEST_F(Expressions, BetweenAndInOperandChecks) {
  setValues(R"({":one":{"N":"1"},":two":{"N":"2"},":dog":{"S":"dog"},":l":{"L":[]}})");
  EXPECT_EQ(conditionError("a BETWEEN :two AND :one", "FilterExpression"),
            "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper "
            "bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(conditionError("a BETWEEN :one AND :dog"),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
            "AttributeValue: {S:dog}");
  EXPECT_EQ(conditionError("a BETWEEN :l AND :l"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: BETWEEN, operand type: L");
  // Bounds from the item are only compared at evaluation.
  EXPECT_EQ(conditionError("a BETWEEN two AND :one"), "(no error)");
  std::string in = "a IN (";
  std::string values = "{";
  for (int i = 0; i < 100; ++i) {
    in += (i ? ",:v" : ":v") + std::to_string(i);
    values +=
        (i ? ",\":v" : "\":v") + std::to_string(i) + "\":{\"N\":\"" + std::to_string(i) + "\"}";
  }
  setValues(values + "}");
  EXPECT_EQ(conditionError(in + ")"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: IN, number of operands: 101");
  EXPECT_TRUE(matches(in.substr(0, in.rfind(',')) + ")", R"({"a":{"N":"98"}})"));
  EXPECT_FALSE(matches(in.substr(0, in.rfind(',')) + ")", R"({"a":{"N":"99"}})"));
}

TEST_F(Expressions, NestingLevelsAreLimitedToThirtyTwo) {
  std::string path = "a";
  for (int i = 0; i < 31; ++i) path += ".b";
  EXPECT_EQ(projectionError(path), "(no error)");
  EXPECT_EQ(projectionError(path + ".b"),
            "Invalid ProjectionExpression: The document path has too many nesting levels; nesting "
            "levels: 33");
  EXPECT_EQ(projectionError("a[99999999999999]"),
            "Invalid ProjectionExpression: List index is not within the allowable range; index: "
            "[99999999999999]");
}

// ---- Key conditions ----

class KeyConditions : public Expressions {
 protected:
  std::string keyError(std::string_view text, const std::string& sortKey = "c",
                       std::optional<Type> pkType = std::nullopt,
                       std::optional<Type> skType = std::nullopt) {
    return errorOf(parseKeyCondition(text, fresh(), "p", sortKey, pkType, skType));
  }
  KeyCondition key(std::string_view text, const std::string& sortKey = "c") {
    auto parsed = parseKeyCondition(text, fresh(), "p", sortKey);
    EXPECT_TRUE(parsed.ok()) << text << ": " << errorOf(parsed);
    return parsed.ok() ? *parsed : KeyCondition{};
  }
  static AttributeValue number(const char* text) { return *Decimal::parse(text); }
};

TEST_F(KeyConditions, PartitionAndSortConditions) {
  setValues(R"({":p":{"S":"pk"},":c":{"N":"5"},":c2":{"N":"7"},":s":{"S":"00"}})");
  auto onlyPartition = key("p = :p");
  EXPECT_EQ(onlyPartition.partitionValue, AttributeValue(String{"pk"}));
  EXPECT_EQ(onlyPartition.sortOp, KeyCondition::Op::kNone);
  EXPECT_TRUE(onlyPartition.sortMatches(number("1")));

  auto lt = key(" p  =   :p AND c<:c");
  EXPECT_EQ(lt.sortOp, KeyCondition::Op::kLt);
  EXPECT_TRUE(lt.sortMatches(number("4.99")));
  EXPECT_FALSE(lt.sortMatches(number("5")));
  EXPECT_FALSE(lt.sortMatches(AttributeValue(String{"4"})));

  // The key may be on either side; the operator turns around with it.
  auto reversed = key(":p = p AND :c < c");
  EXPECT_EQ(reversed.sortOp, KeyCondition::Op::kGt);
  EXPECT_TRUE(reversed.sortMatches(number("6")));
  EXPECT_FALSE(reversed.sortMatches(number("5")));
  EXPECT_EQ(key(":c >= c AND p = :p").sortOp, KeyCondition::Op::kLe);
  EXPECT_EQ(key("p=:p AND c<=:c").sortOp, KeyCondition::Op::kLe);
  EXPECT_EQ(key("p=:p AND c>:c").sortOp, KeyCondition::Op::kGt);
  EXPECT_EQ(key("p=:p AND c>=:c").sortOp, KeyCondition::Op::kGe);
  EXPECT_EQ(key("p=:p AND c=:c").sortOp, KeyCondition::Op::kEq);

  auto range = key("p=:p AnD c BeTwEeN :c aNd :c2");
  EXPECT_EQ(range.sortOp, KeyCondition::Op::kBetween);
  EXPECT_TRUE(range.sortMatches(number("5")) && range.sortMatches(number("7")));
  EXPECT_FALSE(range.sortMatches(number("7.5")) || range.sortMatches(number("4")));

  auto prefix = key("p=:p AND begins_with(c, :s)");
  EXPECT_EQ(prefix.sortOp, KeyCondition::Op::kBeginsWith);
  EXPECT_TRUE(prefix.sortMatches(AttributeValue(String{"003"})));
  EXPECT_FALSE(prefix.sortMatches(AttributeValue(String{"103"})));
  EXPECT_FALSE(prefix.sortMatches(AttributeValue(Binary{"003"})));

  // Parentheses are allowed around the whole and around each condition.
  EXPECT_EQ(key("((c=:c) AND (p=:p))").sortOp, KeyCondition::Op::kEq);
  setNames({{"#n1", "p"}, {"#n2", "c"}});
  EXPECT_EQ(key("#n1=:p AND #n2=:c").sortOp, KeyCondition::Op::kEq);
  EXPECT_EQ(key("p = :p", "").sortOp, KeyCondition::Op::kNone);
}

TEST_F(KeyConditions, DynamoDbsRefusals) {
  setValues(R"({":p":{"S":"pk"},":c":{"N":"5"},":a":{"N":"1"}})");
  EXPECT_EQ(keyError("p=:p AND p=:p"),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(keyError("p=:p AND c>=:c AND c<=:c"),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(keyError("p<:p"), "Query key condition not supported");
  EXPECT_EQ(keyError("c=:c"), "Query condition missed key schema element: p");
  EXPECT_EQ(keyError("p=:p AND a<:a"), "Query condition missed key schema element: c");
  EXPECT_EQ(keyError("p=:p AND c<:c AND a<:a"), "Conditions can be of length 1 or 2 only");
  EXPECT_EQ(keyError("p=:p AND c=:c", ""), "Query key condition not supported");
  EXPECT_EQ(keyError("p=:p AND c<>:c"), "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(keyError("p=:p AND c IN (:c)"), "Invalid operator used in KeyConditionExpression: IN");
  EXPECT_EQ(keyError("c=:c OR p=:p"), "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(keyError("NOT c=:c AND p=:p"), "Invalid operator used in KeyConditionExpression: NOT");
  EXPECT_EQ(keyError("p=:p AND attribute_exists(c)"),
            "Invalid operator used in KeyConditionExpression: attribute_exists");
  EXPECT_EQ(keyError("p=:p AND contains(c, :c)"),
            "Invalid operator used in KeyConditionExpression: contains");
  EXPECT_EQ(keyError("p = :p AND size(c) > :c"),
            "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(keyError("p=c"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
  EXPECT_EQ(keyError(":p=:a"),
            "Invalid condition in KeyConditionExpression: No key attribute specified");
  EXPECT_EQ(keyError("p=:p AND a.b<:a"),
            "KeyConditionExpressions cannot have conditions on nested attributes");
  EXPECT_EQ(keyError(":a BETWEEN c AND :c AND p = :p"),
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand");
  EXPECT_EQ(keyError("begins_with(:p, p)"),
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
            "attribute as its first operand");
  EXPECT_EQ(keyError("p=:p AND begins_with(c, :c)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(keyError("p=:p AND dog(c, :c)"),
            "Invalid KeyConditionExpression: Invalid function name; function: dog");
  EXPECT_EQ(keyError("p=:p"), "(no error)");
  // With the schema's types, values of another type are refused.
  EXPECT_EQ(keyError("p=:c", "c", Type::kS, Type::kN),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(keyError("p=:p AND c=:p", "c", Type::kS, Type::kN),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(keyError("p=:p AND c=:c", "c", Type::kS, Type::kN), "(no error)");
  EXPECT_EQ(keyError("p=:zz"),
            "Invalid KeyConditionExpression: An expression attribute value used in expression is "
            "not defined; attribute value: :zz");
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
