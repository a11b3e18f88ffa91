// The filter-policy matcher against the examples of SNS's documentation, and policy refusals
// against the messages SNS gives (recorded from AWS).
#include "aws/sns/filter_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nimbus::aws::sns {
namespace {

std::shared_ptr<const FilterPolicy> compileOk(std::string_view json,
                                              FilterScope scope = FilterScope::MessageAttributes) {
  auto result = FilterPolicy::compile(json, scope);
  if (auto* error = std::get_if<FilterPolicyError>(&result)) {
    ADD_FAILURE() << "policy " << json << " refused: " << error->message;
    return nullptr;
  }
  return std::get<std::shared_ptr<const FilterPolicy>>(result);
}

std::string refusal(std::string_view json, FilterScope scope = FilterScope::MessageAttributes) {
  auto result = FilterPolicy::compile(json, scope);
  if (auto* error = std::get_if<FilterPolicyError>(&result)) return error->message;
  return "(accepted)";
}

MessageAttribute str(std::string name, std::string value) {
  return {std::move(name), "String", std::move(value), ""};
}
MessageAttribute num(std::string name, std::string value) {
  return {std::move(name), "Number", std::move(value), ""};
}
MessageAttribute arr(std::string name, std::string json) {
  return {std::move(name), "String.Array", std::move(json), ""};
}

bool attrs(const std::shared_ptr<const FilterPolicy>& p, std::vector<MessageAttribute> a) {
  return p && p->matchesAttributes(a);
}
bool body(const std::shared_ptr<const FilterPolicy>& p, std::string_view b) {
  return p && p->matchesBody(b);
}

TEST(FilterPolicyMatch, ExactStringsMatchStringsAndArrayElements) {
  auto p = compileOk(R"({"customer_interests": ["rugby", "tennis"]})");
  EXPECT_TRUE(attrs(p, {str("customer_interests", "rugby")}));
  EXPECT_TRUE(attrs(p, {str("customer_interests", "tennis")}));
  EXPECT_TRUE(attrs(p, {arr("customer_interests", R"(["rugby", "tennis"])")}));
  EXPECT_FALSE(attrs(p, {str("customer_interests", "baseball")}));
  EXPECT_FALSE(attrs(p, {arr("customer_interests", R"(["baseball"])")}));
  EXPECT_FALSE(attrs(p, {str("other", "rugby")}));
  EXPECT_FALSE(attrs(p, {str("customer_interests", "Rugby")})) << "case-sensitive";
  auto b = compileOk(R"({"customer_interests": ["rugby", "tennis"]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(b, R"({"customer_interests": "rugby"})"));
  EXPECT_TRUE(body(b, R"({"customer_interests": ["soccer", "tennis"]})"));
  EXPECT_FALSE(body(b, R"({"customer_interests": "baseball"})"));
}

TEST(FilterPolicyMatch, AnythingBut) {
  auto p = compileOk(R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})");
  EXPECT_TRUE(attrs(p, {str("customer_interests", "baseball")}));
  EXPECT_TRUE(attrs(p, {str("customer_interests", "football")}));
  EXPECT_TRUE(attrs(p, {arr("customer_interests", R"(["rugby", "baseball"])")}));
  EXPECT_FALSE(attrs(p, {str("customer_interests", "rugby")}));
  EXPECT_FALSE(attrs(p, {arr("customer_interests", R"(["rugby", "tennis"])")}));
  EXPECT_FALSE(attrs(p, {str("store", "example_corp")})) << "a missing attribute is not 'anything'";

  auto single = compileOk(R"({"event": [{"anything-but": "order_cancelled"}]})");
  EXPECT_TRUE(attrs(single, {str("event", "order_placed")}));
  EXPECT_FALSE(attrs(single, {str("event", "order_cancelled")}));

  auto numbers = compileOk(R"({"price": [{"anything-but": [100, 200]}]})");
  EXPECT_TRUE(attrs(numbers, {num("price", "150")}));
  EXPECT_FALSE(attrs(numbers, {num("price", "100.0")}));

  auto orMissing =
      compileOk(R"({"store": [{"anything-but": ["example_corp"]}, {"exists": false}]})");
  EXPECT_TRUE(attrs(orMissing, {str("other", "x")}));
  EXPECT_TRUE(attrs(orMissing, {str("store", "another")}));
  EXPECT_FALSE(attrs(orMissing, {str("store", "example_corp")}));
}

TEST(FilterPolicyMatch, AnythingButPrefix) {
  auto p = compileOk(R"({"event": [{"anything-but": {"prefix": "order-"}}]})");
  EXPECT_TRUE(attrs(p, {str("event", "data-entry")}));
  EXPECT_TRUE(attrs(p, {str("event", "order")}));
  EXPECT_FALSE(attrs(p, {str("event", "order-cancelled")}));
}

TEST(FilterPolicyMatch, PrefixSuffixAndEqualsIgnoreCase) {
  auto prefix = compileOk(R"({"customer_interests": [{"prefix": "bas"}]})");
  EXPECT_TRUE(attrs(prefix, {str("customer_interests", "baseball")}));
  EXPECT_TRUE(attrs(prefix, {str("customer_interests", "basketball")}));
  EXPECT_FALSE(attrs(prefix, {str("customer_interests", "rugby")}));
  EXPECT_FALSE(attrs(prefix, {num("customer_interests", "123")}));

  auto suffix = compileOk(R"({"customer_interests": [{"suffix": "ball"}]})");
  EXPECT_TRUE(attrs(suffix, {str("customer_interests", "baseball")}));
  EXPECT_TRUE(attrs(suffix, {arr("customer_interests", R"(["rugby", "football"])")}));
  EXPECT_FALSE(attrs(suffix, {str("customer_interests", "rugby")}));
  EXPECT_FALSE(attrs(suffix, {str("customer_interests", "all")}));

  auto ignoreCase = compileOk(R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})");
  EXPECT_TRUE(attrs(ignoreCase, {str("customer_interests", "tennis")}));
  EXPECT_TRUE(attrs(ignoreCase, {str("customer_interests", "Tennis")}));
  EXPECT_TRUE(attrs(ignoreCase, {str("customer_interests", "TENNIS")}));
  EXPECT_FALSE(attrs(ignoreCase, {str("customer_interests", "baseball")}));
}

TEST(FilterPolicyMatch, NumericExactAndRanges) {
  auto exact = compileOk(R"({"price_usd": [{"numeric": ["=", 301.5]}]})");
  EXPECT_TRUE(attrs(exact, {num("price_usd", "301.5")}));
  EXPECT_TRUE(attrs(exact, {num("price_usd", "3.015e2")}));
  EXPECT_FALSE(attrs(exact, {num("price_usd", "300")}));
  EXPECT_FALSE(attrs(exact, {str("price_usd", "301.5")})) << "a String is not a number";

  auto literal = compileOk(R"({"price_usd": [301.5]})");
  EXPECT_TRUE(attrs(literal, {num("price_usd", "301.50")}));

  auto below = compileOk(R"({"price_usd": [{"numeric": ["<", 0]}]})");
  EXPECT_TRUE(attrs(below, {num("price_usd", "-0.5")}));
  EXPECT_FALSE(attrs(below, {num("price_usd", "0")}));

  auto range = compileOk(R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})");
  EXPECT_TRUE(attrs(range, {num("price_usd", "100")}));
  EXPECT_TRUE(attrs(range, {num("price_usd", "150")}));
  EXPECT_FALSE(attrs(range, {num("price_usd", "0")}));
  EXPECT_FALSE(attrs(range, {num("price_usd", "150.5")}));

  auto closed = compileOk(R"({"n": [{"numeric": [">=", 10, "<", 20]}]})");
  EXPECT_TRUE(attrs(closed, {num("n", "10")}));
  EXPECT_FALSE(attrs(closed, {num("n", "20")}));
  // Five digits after the decimal point count; the sixth does not.
  EXPECT_FALSE(attrs(closed, {num("n", "9.99999")}));
  EXPECT_TRUE(attrs(closed, {num("n", "9.999999")}));

  auto inBody = compileOk(R"({"price_usd": [{"numeric": [">=", 100]}]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(inBody, R"({"price_usd": 210.75})"));
  EXPECT_FALSE(body(inBody, R"({"price_usd": "210.75"})"));
}

TEST(FilterPolicyMatch, ExistsAndTheEmptyAttributeSet) {
  auto present = compileOk(R"({"store": [{"exists": true}]})");
  EXPECT_TRUE(attrs(present, {str("store", "fans"), arr("customer_interests", R"(["baseball"])")}));
  EXPECT_FALSE(attrs(present, {arr("customer_interests", R"(["baseball"])")}));

  auto absent = compileOk(R"({"store": [{"exists": false}]})");
  EXPECT_FALSE(attrs(absent, {str("store", "fans")}));
  EXPECT_TRUE(attrs(absent, {arr("customer_interests", R"(["baseball"])")}));
  EXPECT_FALSE(attrs(absent, {})) << "exists:false needs at least one attribute";

  auto inBody = compileOk(R"({"store": [{"exists": false}]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(inBody, R"({"customer_interests": ["baseball", "basketball"]})"));
  EXPECT_FALSE(body(inBody, R"({"store": "fans"})"));
  auto bodyPresent = compileOk(R"({"store": [{"exists": true}]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(bodyPresent, R"({"store": "fans"})"));
  EXPECT_FALSE(body(bodyPresent, R"({"store": null})")) << "the value must not be null";
}

TEST(FilterPolicyMatch, CidrMatchesAddressesInTheNetwork) {
  auto p = compileOk(R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})");
  EXPECT_TRUE(attrs(p, {str("source_ip", "10.0.0.0")}));
  EXPECT_TRUE(attrs(p, {str("source_ip", "10.0.0.255")}));
  EXPECT_FALSE(attrs(p, {str("source_ip", "10.1.1.0")}));
  EXPECT_FALSE(attrs(p, {str("source_ip", "not an address")}));
  auto v6 = compileOk(R"({"ip": [{"cidr": "2001:db8::/32"}]})");
  EXPECT_TRUE(attrs(v6, {str("ip", "2001:db8:1::7")}));
  EXPECT_FALSE(attrs(v6, {str("ip", "2001:db9::1")}));
}

TEST(FilterPolicyMatch, EveryKeyMustMatchAndOrOffersAlternatives) {
  auto p = compileOk(R"({"store": ["example_corp"], "event": [{"anything-but": "order_cancelled"}],
                         "price_usd": [{"numeric": [">=", 100]}]})");
  EXPECT_TRUE(attrs(
      p, {str("store", "example_corp"), str("event", "order_placed"), num("price_usd", "210.75")}));
  EXPECT_FALSE(attrs(
      p, {str("store", "example_corp"), str("event", "order_placed"), num("price_usd", "99")}));

  auto orPolicy = compileOk(R"({"source": ["aws.cloudwatch"],
      "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]})");
  EXPECT_TRUE(
      attrs(orPolicy, {str("source", "aws.cloudwatch"), str("metricName", "CPUUtilization")}));
  EXPECT_TRUE(attrs(orPolicy, {str("source", "aws.cloudwatch"), str("namespace", "AWS/EC2")}));
  EXPECT_FALSE(attrs(orPolicy, {str("source", "aws.cloudwatch"), str("namespace", "AWS/ES")}));
  EXPECT_FALSE(attrs(orPolicy, {str("source", "aws.events"), str("metricName", "CPUUtilization")}));
}

TEST(FilterPolicyMatch, BodyPoliciesFollowNestedKeysAndArrays) {
  auto p = compileOk(R"({"detail": {"state": ["running"], "tags": {"env": [{"prefix": "prod"}]}}})",
                     FilterScope::MessageBody);
  EXPECT_TRUE(body(p, R"({"detail": {"state": "running", "tags": {"env": "production"}}})"));
  EXPECT_FALSE(body(p, R"({"detail": {"state": "stopped", "tags": {"env": "production"}}})"));
  EXPECT_FALSE(body(p, R"({"detail": {"state": "running"}})"));
  EXPECT_FALSE(body(p, "not json")) << "a body that is not JSON matches no body policy";
  EXPECT_FALSE(body(p, R"(["detail"])"));

  auto inArray = compileOk(R"({"items": {"sku": ["B"]}})", FilterScope::MessageBody);
  EXPECT_TRUE(body(inArray, R"({"items": [{"sku": "A"}, {"sku": "B"}]})"));
  EXPECT_FALSE(body(inArray, R"({"items": [{"sku": "A"}]})"));

  auto literals = compileOk(R"({"flag": [true], "nothing": [null]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(literals, R"({"flag": true, "nothing": null})"));
  EXPECT_FALSE(body(literals, R"({"flag": "true", "nothing": null})"));

  auto typed = compileOk(R"({"n": [5]})", FilterScope::MessageBody);
  EXPECT_TRUE(body(typed, R"({"n": 5.0})"));
  EXPECT_FALSE(body(typed, R"({"n": "5"})"));
}

TEST(FilterPolicyMatch, AttributeTypesFilterAsSnsDoes) {
  auto p = compileOk(R"({"a": ["5"]})");
  EXPECT_TRUE(attrs(p, {str("a", "5")}));
  EXPECT_FALSE(attrs(p, {num("a", "5")})) << "a string value matches String attributes only";
  auto n = compileOk(R"({"a": [5]})");
  EXPECT_TRUE(attrs(n, {num("a", "5")}));
  EXPECT_FALSE(attrs(n, {str("a", "5")}));
  EXPECT_TRUE(attrs(n, {arr("a", "[1, 5]")}));
  auto custom = compileOk(R"({"a": ["x"]})");
  EXPECT_TRUE(attrs(custom, {{"a", "String.custom", "x", ""}}));
  // Binary attributes are ignored: they match no value.
  auto binary = compileOk(R"({"a": [{"anything-but": "x"}]})");
  EXPECT_FALSE(attrs(binary, {{"a", "Binary", "", "\x01\x02"}}));
  // The scope picks what is read.
  auto scoped = compileOk(R"({"a": ["x"]})", FilterScope::MessageBody);
  EXPECT_TRUE(scoped->matches({str("a", "y")}, R"({"a": "x"})"));
  EXPECT_FALSE(scoped->matches({str("a", "x")}, R"({"a": "y"})"));
}

// ---- Refusals --------------------------------------------------------------------------------

struct Refused {
  const char* policy;
  const char* message;
};

TEST(FilterPolicyRefusal, MatchExpressionsAreCheckedAsSnsChecksThem) {
  // Recorded from SNS (Subscribe and SetSubscriptionAttributes add their own prefix).
  const Refused cases[] = {
      {R"({"key":[["value"]]})",
       "Match value must be String, number, true, false, or null\n at [Source: "
       "(String)\"{\"key\":[[\"value\"]]}\"; line: 1, column: 10]"},
      {R"({"key":[{"wrong-operator":true}]})",
       "Unrecognized match type wrong-operator\n at [Source: "
       "(String)\"{\"key\":[{\"wrong-operator\":true}]}\"; line: 1, column: 31]"},
      {R"({"key":[{"suffix":"value","prefix":"value2"}]})",
       "Only one key allowed in match expression\n at [Source: "
       "(String)\"{\"key\":[{\"suffix\":\"value\",\"prefix\":\"value2\"}]}\"; line: 1, column: "
       "37]"},
      {R"({"key":[]})",
       "Empty arrays are not allowed\n at [Source: (String)\"{\"key\":[]}\"; line: 1, column: 10]"},
      {R"({"key":[{"suffix":100}]})",
       "suffix match pattern must be a string\n at [Source: "
       "(String)\"{\"key\":[{\"suffix\":100}]}\"; "
       "line: 1, column: 22]"},
      {R"({"key":[{"suffix":null}]})",
       "suffix match pattern must be a string\n at [Source: "
       "(String)\"{\"key\":[{\"suffix\":null}]}\"; line: 1, column: 23]"},
      {R"({"key":{"suffix":"value"}})",
       "\"suffix\" must be an object or an array\n at [Source: "
       "(String)\"{\"key\":{\"suffix\":\"value\"}}\"; line: 1, column: 19]"},
      {R"({"key":[{"suffix":[]}]})",
       "suffix match pattern must be a string\n at [Source: "
       "(String)\"{\"key\":[{\"suffix\":[]}]}\"; "
       "line: 1, column: 20]"},
      {R"({"key":{"not-an-operator":"value"}})",
       "\"not-an-operator\" must be an object or an array\n at [Source: "
       "(String)\"{\"key\":{\"not-an-operator\":\"value\"}}\"; line: 1, column: 28]"},
      {R"({"key":[{"cidr":["bad-filter"]}]})",
       "prefix match pattern must be a string\n at [Source: "
       "(String)\"{\"key\":[{\"cidr\":[\"bad-filter\"]}]}\"; line: 1, column: 18]"},
      {R"({"key":[{"exists":null}]})",
       "exists match pattern must be either true or false.\n at [Source: "
       "(String)\"{\"key\":[{\"exists\":null}]}\"; line: 1, column: 23]"},
      {R"({"key":[{"exists":"no"}]})",
       "exists match pattern must be either true or false.\n at [Source: "
       "(String)\"{\"key\":[{\"exists\":\"no\"}]}\"; line: 1, column: 20]"},
      {R"({"key":[{"anything-but":{"wrong-operator":null}}]})",
       "Unsupported anything-but pattern: wrong-operator\n at [Source: "
       "(String)\"{\"key\":[{\"anything-but\":{\"wrong-operator\":null}}]}\"; line: 1, column: "
       "47]"},
      {R"({"key":[{"anything-but":{"suffix":"test"}}]})",
       "Unsupported anything-but pattern: suffix\n at [Source: "
       "(String)\"{\"key\":[{\"anything-but\":{\"suffix\":\"test\"}}]}\"; line: 1, column: 36]"},
      {R"({"key":[{"anything-but":{"exists":false}}]})",
       "Unsupported anything-but pattern: exists\n at [Source: "
       "(String)\"{\"key\":[{\"anything-but\":{\"exists\":false}}]}\"; line: 1, column: 40]"},
      {R"({"key":[{"anything-but":{"prefix":false}}]})",
       "prefix match pattern must be a string\n at [Source: "
       "(String)\"{\"key\":[{\"anything-but\":{\"prefix\":false}}]}\"; line: 1, column: 40]"},
  };
  for (const auto& c : cases) EXPECT_EQ(refusal(c.policy), c.message) << c.policy;
}

TEST(FilterPolicyRefusal, NumericExpressions) {
  const Refused cases[] = {
      {R"({"key":[{"numeric":[]}]})", "Invalid member in numeric match: ]", /*column*/},
      {R"({"key":[{"numeric":["operator"]}]})", "Unrecognized numeric range operator: operator"},
      {R"({"key":[{"numeric":[1,"<="]}]})", "Invalid member in numeric match: 1"},
      {R"({"key":[{"numeric":["=","000"]}]})", "Value of equals must be numeric"},
      {R"({"key":[{"numeric":[">="]}]})", "Value of >= must be numeric"},
      {R"({"key":[{"numeric":["<",100,">",10]}]})", "Too many elements in numeric expression"},
      {R"({"key":[{"numeric":[">=",1,">",2]}]})", "Bad numeric range operator: >"},
      {R"({"key":[{"numeric":[">",3,"<",1]}]})", "Bottom must be less than top"},
      {R"({"key":[{"numeric":[">",20,"<="]}]})", "Value of <= must be numeric"},
      {R"({"key":[{"numeric":[">",20,30]}]})", "Bad value in numeric range: 30"},
      {R"({"key":[{"numeric":[">",20,"test"]}]})", "Bad numeric range operator: test"},
      {R"({"key":[{"numeric":[">","20","<","30"]}]})", "Value of > must be numeric"},
      {R"({"key":[{"numeric":[">",20,"<","30"]}]})", "Value of < must be numeric"},
      {R"({"key":[{"numeric":[">",20,"<",30,"<",50]}]})",
       "Too many terms in numeric range expression"},
  };
  const int columns[] = {22, 32, 22, 26, 26, 30, 31, 33, 33, 30, 34, 26, 33, 36};
  for (size_t i = 0; i < std::size(cases); ++i) {
    std::string expected = std::string(cases[i].message) + "\n at [Source: (String)\"" +
                           cases[i].policy + "\"; line: 1, column: " + std::to_string(columns[i]) +
                           "]";
    EXPECT_EQ(refusal(cases[i].policy), expected) << cases[i].policy;
  }
}

TEST(FilterPolicyRefusal, CidrAndOrProblems) {
  EXPECT_EQ(refusal(R"({"key":[{"cidr":"bad-filter"}]})"), "Malformed CIDR, one '/' required");
  EXPECT_EQ(refusal(R"({"key":[{"cidr":"bad-filter/"}]})"),
            "Malformed CIDR, mask bits must be an integer");
  EXPECT_EQ(refusal(R"({"key":[{"cidr":"bad-filter/64"}]})"), "Nonstandard IP address: bad-filter");
  EXPECT_EQ(refusal(R"({"key":[{"cidr":"xx.11.xx/8"}]})"), "Nonstandard IP address: xx.11.xx");
  auto startsWith = [](const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
  };
  EXPECT_PRED2(startsWith, refusal(R"({"$or":[{"a":["x"]}]})"),
               "There must have at least 2 Objects in $or relationship.\n at [Source:");
  EXPECT_PRED2(startsWith, refusal(R"({"$or":{"a":["x"]}})"),
               "It must be an Array followed with $or.\n at [Source:");
  EXPECT_PRED2(startsWith, refusal(R"({"$or":[{"a":["x"]},["b"]]})"),
               "Only JSON object is allowed in array of $or relationship.\n at [Source:");
  EXPECT_PRED2(startsWith, refusal(R"({"$or":[{"a":["x"]},{"prefix":["b"]}]})"),
               "prefix is Ruler reserved fieldName which cannot be used inside $or.");
  EXPECT_PRED2(startsWith, refusal(R"({})"), "Empty objects are not allowed\n at [Source:");
  EXPECT_PRED2(startsWith, refusal(R"(["a"])"), "Filter is not an object\n at [Source:");
}

TEST(FilterPolicyRefusal, SyntaxErrorsNameTheirPlaceWithoutTheSource) {
  EXPECT_EQ(refusal("invalid-json"),
            "failed to parse JSON. Unrecognized token 'invalid': was expecting (JSON String, "
            "Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 8]");
  EXPECT_EQ(refusal("{invalidjson}"),
            "failed to parse JSON. Unexpected character ('i' (code 105)): was expecting "
            "double-quote to start field name\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]");
  EXPECT_NE(refusal(R"({"a": ["x"])").find("Unexpected end-of-input"), std::string::npos);
  EXPECT_NE(refusal(R"({"a" ["x"]})").find("was expecting a colon"), std::string::npos);
  EXPECT_NE(refusal(R"({"a": ["x"] "b": ["y"]})").find("was expecting comma"), std::string::npos);
  EXPECT_NE(refusal("").find("No content"), std::string::npos);
}

TEST(FilterPolicyRefusal, Limits) {
  std::string many = R"({"key":[)";
  for (int i = 0; i < 151; ++i) many += (i ? ",\"value" : "\"value") + std::to_string(i) + "\"";
  many += "]}";
  EXPECT_EQ(refusal(many), "Filter policy is too complex");

  std::string two = R"({"key1":[)";
  for (int i = 0; i < 100; ++i) two += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  two += R"(],"key2":[)";
  for (int i = 0; i < 51; ++i) two += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  two += "]}";
  EXPECT_EQ(refusal(two), "Filter policy is too complex");

  EXPECT_EQ(refusal(R"({"k1":["v"],"k2":["v"],"k3":["v"],"k4":["v"],"k5":["v"],"k6":["v"]})"),
            "Filter policy can not have more than 5 keys");
  compileOk(R"({"k1":["v"],"k2":["v"],"k3":["v"],"k4":["v"],"k5":["v"]})");

  // With $or, each alternative's combinations add up: (4*6) + (4*4*4) + (4*4*4) = 152.
  EXPECT_EQ(refusal(R"({"source": ["a", "b", "c", "d"],
      "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
              {"metricType": ["1", "2", "3", "4"],
               "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4]}]}]})"),
            "Filter policy is too complex");
  // (3*6) + (3*4*4) + (3*4*7) = 150 is allowed.
  compileOk(R"({"source": ["a", "b", "c"],
      "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
              {"metricType": ["1", "2", "3", "4"],
               "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}]}]})");
  // Nested keys count their depth: 4*3 (key_c, depth 3) * 3*2 (key_e, depth 2) * 3*1 = 216.
  EXPECT_EQ(refusal(R"({"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                        "key_d": {"key_e": ["1", "2", "3"]}, "key_f": ["1", "2", "3"]})",
                    FilterScope::MessageBody),
            "Filter policy is too complex");
  // (3*4*2) + (3*4*6) + (2*4*2) + (2*4*6) = 160.
  EXPECT_EQ(refusal(R"({"$or": [{"metricName": ["a", "b", "c"]}, {"namespace": ["d", "e"]}],
      "detail": {"scope": ["s", "t"], "$or": [{"source": ["x"]}, {"type": ["p", "q", "r"]}]}})",
                    FilterScope::MessageBody),
            "Filter policy is too complex");
}

TEST(FilterPolicyRefusal, AttributePoliciesCannotNest) {
  auto result = FilterPolicy::compile(R"({"object": {"key": [{"prefix": "auto-"}]}})",
                                      FilterScope::MessageAttributes);
  auto* error = std::get_if<FilterPolicyError>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(filterPolicyErrorMessage(*error, false),
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested "
            "filter policy");
  compileOk(R"({"object": {"key": [{"prefix": "auto-"}]}})", FilterScope::MessageBody);
}

TEST(FilterPolicyRefusal, SubscribeAndSetAttributesWordTheMessageDifferently) {
  FilterPolicyError e{"Filter policy is too complex", true};
  EXPECT_EQ(filterPolicyErrorMessage(e, true),
            "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex");
  EXPECT_EQ(filterPolicyErrorMessage(e, false),
            "Invalid parameter: FilterPolicy: Filter policy is too complex");
}

TEST(FilterPolicyRefusal, LongPoliciesAreTruncatedInTheSource) {
  std::string policy = R"({"key":[{"suffix":1}],"padding":[")" + std::string(600, 'x') + "\"]}";
  std::string message = refusal(policy);
  EXPECT_NE(message.find("[truncated "), std::string::npos) << message;
}

}  // namespace
}  // namespace nimbus::aws::sns
