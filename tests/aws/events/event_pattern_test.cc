// EventBridge event patterns: one test per operator, arrays and nesting, $or, the index that
// matches many patterns at once, and the refusals with EventBridge's reasons.
#include "aws/events/event_pattern.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::aws::events {
namespace {

std::shared_ptr<const EventPattern> compiled(const std::string& pattern) {
  auto result = EventPattern::compile(pattern);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << pattern << ": " << *error;
    return nullptr;
  }
  return std::get<std::shared_ptr<const EventPattern>>(result);
}

bool matches(const std::string& pattern, const std::string& event) {
  auto p = compiled(pattern);
  return p && p->matches(event);
}

std::string refusal(const std::string& pattern) {
  auto result = EventPattern::compile(pattern);
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  ADD_FAILURE() << pattern << " was accepted";
  return "";
}

const std::string kEvent = R"({
  "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0", "state": "terminated", "c-count": 5,
    "d-count": 12.5, "flag": true, "nothing": null, "sourceIPAddress": "10.0.0.123",
    "ipv6": "2001:db8::1", "FileName": "photo.PNG", "path": "/usr/lib/x.so",
    "tags": ["blue", "green"], "items": [{"kind": "a", "n": 1}, {"kind": "b", "n": 7}],
    "location": {"city": "Lisbon", "zip": "1000"}, "empty": ""
  }
})";

TEST(EventPattern, ExactStrings) {
  EXPECT_TRUE(matches(R"({"source": ["aws.ec2"]})", kEvent));
  EXPECT_TRUE(matches(R"({"source": ["aws.s3", "aws.ec2"]})", kEvent));
  EXPECT_FALSE(matches(R"({"source": ["aws.s3"]})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"empty": [""]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"state": [{"exact": "terminated"}]}})", kEvent));
  // A string never equals a number.
  EXPECT_FALSE(matches(R"({"detail": {"c-count": ["5"]}})", kEvent));
}

TEST(EventPattern, ExactNumbersBooleansAndNull) {
  EXPECT_TRUE(matches(R"({"detail": {"c-count": [5]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"c-count": [5.0]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"d-count": [12.5]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"c-count": [6]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"flag": [true]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"flag": [false]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"nothing": [null]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"state": [null]}})", kEvent));
}

TEST(EventPattern, Prefix) {
  EXPECT_TRUE(matches(R"({"time": [{"prefix": "2017-12-22"}]})", kEvent));
  EXPECT_FALSE(matches(R"({"time": [{"prefix": "2018"}]})", kEvent));
  EXPECT_TRUE(
      matches(R"({"detail": {"state": [{"prefix": {"equals-ignore-case": "TERM"}}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"c-count": [{"prefix": "5"}]}})", kEvent));
}

TEST(EventPattern, Suffix) {
  EXPECT_TRUE(matches(R"({"detail": {"FileName": [{"suffix": ".PNG"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"FileName": [{"suffix": ".png"}]}})", kEvent));
  EXPECT_TRUE(
      matches(R"({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}})", kEvent));
}

TEST(EventPattern, EqualsIgnoreCase) {
  EXPECT_TRUE(matches(R"({"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"state": [{"equals-ignore-case": "TERMINATE"}]}})", kEvent));
}

TEST(EventPattern, AnythingBut) {
  EXPECT_TRUE(matches(R"({"detail": {"state": [{"anything-but": "running"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"state": [{"anything-but": "terminated"}]}})", kEvent));
  EXPECT_FALSE(
      matches(R"({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"c-count": [{"anything-but": [1, 2, 3]}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"c-count": [{"anything-but": 5}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}})", kEvent));
  EXPECT_FALSE(
      matches(R"({"detail": {"FileName": [{"anything-but": {"suffix": ".PNG"}}]}})", kEvent));
  EXPECT_FALSE(matches(
      R"({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["X", "TERMINATED"]}}]}})",
      kEvent));
  EXPECT_FALSE(
      matches(R"({"detail": {"path": [{"anything-but": {"wildcard": "*/lib/*"}}]}})", kEvent));
  EXPECT_TRUE(
      matches(R"({"detail": {"path": [{"anything-but": {"wildcard": "*/bin/*"}}]}})", kEvent));
  // Anything-but needs the field to be there.
  EXPECT_FALSE(matches(R"({"detail": {"missing": [{"anything-but": "x"}]}})", kEvent));
}

TEST(EventPattern, NumericRanges) {
  EXPECT_TRUE(matches(R"({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"d-count": [{"numeric": [">=", 12.5]}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"d-count": [{"numeric": ["<", 13]}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"c-count": [{"numeric": ["=", 5]}]}})", kEvent));

  // Numeric matching applies to numbers only.
  EXPECT_FALSE(matches(R"({"detail": {"location": {"zip": [{"numeric": [">", 0]}]}}})", kEvent));
}

TEST(EventPattern, Exists) {
  EXPECT_TRUE(matches(R"({"detail": {"state": [{"exists": true}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"missing": [{"exists": true}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"missing": [{"exists": false}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"state": [{"exists": false}]}})", kEvent));
  // Exists looks at leaves: an object is not one.
  EXPECT_FALSE(matches(R"({"detail": {"location": [{"exists": true}]}})", kEvent));
}

TEST(EventPattern, Cidr) {
  EXPECT_TRUE(matches(R"({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"sourceIPAddress": [{"cidr": "10.0.1.0/24"}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"ipv6": [{"cidr": "2001:db9::/32"}]}})", kEvent));
}

TEST(EventPattern, Wildcard) {
  EXPECT_TRUE(matches(R"({"detail": {"path": [{"wildcard": "/usr/*/*.so"}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"path": [{"wildcard": "*"}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"path": [{"wildcard": "/usr/lib/x.so"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"path": [{"wildcard": "/usr/*/*.dll"}]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"path": [{"wildcard": "usr*"}]}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"FileName": [{"wildcard": "photo*"}]}})", kEvent));
  // \* is a literal star.
  EXPECT_TRUE(matches(R"({"a": [{"wildcard": "x\\*y"}]})", R"({"a": "x*y"})"));
  EXPECT_FALSE(matches(R"({"a": [{"wildcard": "x\\*y"}]})", R"({"a": "xzy"})"));
}

TEST(EventPattern, OrAcrossFields) {
  std::string pattern = R"({"source": ["aws.ec2"], "$or": [
      {"detail": {"c-count": [{"numeric": [">", 100]}]}},
      {"detail": {"state": ["terminated"]}}]})";
  EXPECT_TRUE(matches(pattern, kEvent));
  EXPECT_FALSE(
      matches(R"({"$or": [{"source": ["x"]}, {"detail": {"state": ["running"]}}]})", kEvent));
}

TEST(EventPattern, ArraysInEventsMatchAnyElement) {
  EXPECT_TRUE(matches(R"({"detail": {"tags": ["green"]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"tags": ["red"]}})", kEvent));
  EXPECT_TRUE(matches(R"({"resources": [{"prefix": "arn:aws:ec2:"}]})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"items": {"kind": ["b"]}}})", kEvent));
  EXPECT_TRUE(matches(R"({"detail": {"items": {"n": [{"numeric": [">", 5]}]}}})", kEvent));
}

TEST(EventPattern, NestedObjectsAndEveryFieldMustMatch) {
  EXPECT_TRUE(
      matches(R"({"detail": {"location": {"city": ["Lisbon"], "zip": ["1000"]}}})", kEvent));
  EXPECT_FALSE(
      matches(R"({"detail": {"location": {"city": ["Lisbon"], "zip": ["2000"]}}})", kEvent));
  EXPECT_FALSE(matches(R"({"source": ["aws.ec2"], "detail": {"state": ["running"]}})", kEvent));
  EXPECT_FALSE(matches(R"({"detail": {"location": ["Lisbon"]}})", kEvent));
}

TEST(EventPattern, NotAnObjectMatchesNothing) {
  EXPECT_FALSE(matches(R"({"source": ["aws.ec2"]})", "[1, 2]"));
  EXPECT_FALSE(matches(R"({"source": ["aws.ec2"]})", "not json"));
}

TEST(EventPattern, IndexMatchesManyPatternsAtOnce) {
  std::vector<std::shared_ptr<const EventPattern>> patterns = {
      compiled(R"({"source": ["aws.s3"]})"),
      compiled(R"({"source": ["aws.ec2"], "detail": {"state": ["terminated"]}})"),
      compiled(R"({"detail": {"c-count": [{"numeric": [">", 1]}]}})"),
      compiled(R"({"detail": {"location": {"city": ["Porto"]}}})"),
      compiled(R"({"detail": {"missing": [{"exists": false}]}})"),
  };
  PatternIndex index(patterns);
  std::vector<size_t> matched;
  ASSERT_TRUE(index.match(kEvent, matched));
  EXPECT_EQ(matched, (std::vector<size_t>{1, 2, 4}));
  matched.clear();
  EXPECT_FALSE(index.match("[]", matched));
  EXPECT_TRUE(matched.empty());
}

TEST(EventPattern, IndexFindsRulesByTheirExactValuesAndCountsEachRuleOnce) {
  // Rules filed under exact strings (one value among several, a value inside an event's array,
  // two $or branches both matching) beside rules with no exact leaf, which every event checks.
  std::vector<std::shared_ptr<const EventPattern>> patterns = {
      compiled(R"({"source": ["aws.s3", "aws.ec2"], "detail": {"state": ["terminated"]}})"),
      compiled(R"({"source": ["aws.ec2"], "detail": {"state": ["running"]}})"),
      compiled(
          R"({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]})"),
      compiled(R"({"$or": [{"source": ["aws.ec2"]}, {"detail": {"state": ["terminated"]}}]})"),
      compiled(R"({"source": [{"prefix": "aws."}], "detail": {"flag": [true]}})"),
      compiled(R"({"source": ["aws.ec2", {"prefix": "zzz"}]})"),
      compiled(R"({"source": ["other"]})"),
      compiled(R"({"detail": {"c-count": [5]}, "region": ["us-west-1"]})"),
  };
  PatternIndex index(patterns);
  std::vector<size_t> matched;
  ASSERT_TRUE(index.match(kEvent, matched));
  EXPECT_EQ(matched, (std::vector<size_t>{0, 2, 3, 4, 5, 7}));
}

TEST(EventPattern, Refusals) {
  EXPECT_EQ(refusal(R"({"source": "aws.ec2"})"),
            "Event pattern is not valid. Reason: \"source\" must be an object or an array\n at "
            "[Source: (String)\"{\"source\": \"aws.ec2\"}\"; line: 1, column: 13]");
  EXPECT_NE(refusal(R"({"detail": {}})").find("Reason: Empty objects are not allowed"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": []})").find("Reason: Empty arrays are not allowed"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"foo": 1}]})").find("Reason: Unrecognized match type foo"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"prefix": 1}]})").find("prefix match pattern must be a string"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"suffix": ["x"]}]})").find("suffix match pattern must be a string"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"numeric": [">", "x"]}]})").find("Value of > must be numeric"),
            std::string::npos);
  EXPECT_NE(
      refusal(R"({"a": [{"numeric": [">", 5, "<", 1]}]})").find("Bottom must be less than top"),
      std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"exists": "yes"}]})")
                .find("exists match pattern must be either true or false."),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"anything-but": ["x", 1]}]})").find("mixed type is not supported"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"anything-but": {"foo": "x"}}]})")
                .find("Unsupported anything-but pattern: foo"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"anything-but": {"prefix": ""}}]})")
                .find("Null prefix/suffix not allowed"),
            std::string::npos);
  EXPECT_NE(
      refusal(R"({"a": [{"wildcard": "a**b"}]})").find("Consecutive wildcard characters at pos 2"),
      std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"cidr": "10.0.0.0"}]})").find("Malformed CIDR, one '/' required"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"$or": [{"a": ["x"]}]})")
                .find("There must have at least 2 Objects in $or relationship."),
            std::string::npos);
  EXPECT_NE(refusal(R"({"a": [{"prefix": "x", "suffix": "y"}]})")
                .find("Only one key allowed in match expression"),
            std::string::npos);
  EXPECT_NE(refusal("[1]").find("Reason: Filter is not an object"), std::string::npos);
  EXPECT_NE(refusal("{\"a\": [1,}").find("Event pattern is not valid. Reason: Unexpected "),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::aws::events
