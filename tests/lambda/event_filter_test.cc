// Lambda's event filter patterns against DynamoDB stream records: EventBridge's matchers, nested
// fields, $or, and Lambda's refusal of patterns it cannot read.
#include "lambda/event_filter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::lambda {
namespace {

using nlohmann::json;

const json kRecord = json::parse(R"({
  "eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
  "dynamodb": {
    "Keys": {"CustomerName": {"S": "AnyCompany Industries"}},
    "NewImage": {
      "CustomerName": {"S": "AnyCompany Industries"},
      "AccountManager": {"S": "Pat Candella"},
      "Score": {"N": "42"},
      "Active": {"BOOL": true},
      "Tags": {"SS": ["gold", "north"]}
    },
    "SizeBytes": 26,
    "StreamViewType": "NEW_IMAGE"
  }
})");

bool matches(const std::string& pattern, const json& record = kRecord) {
  auto compiled = EventFilter::compile(pattern);
  EXPECT_TRUE(std::holds_alternative<EventFilter>(compiled)) << pattern;
  if (!std::holds_alternative<EventFilter>(compiled)) return false;
  return std::get<EventFilter>(compiled).matches(record);
}

std::string refusal(const std::string& pattern) {
  auto compiled = EventFilter::compile(pattern);
  auto* error = std::get_if<std::string>(&compiled);
  return error ? *error : "(accepted)";
}

TEST(EventFilter, ExactValuesAndNesting) {
  EXPECT_TRUE(matches(R"({"eventName": ["INSERT"]})"));
  EXPECT_TRUE(matches(R"({"eventName": ["MODIFY", "INSERT"]})"));
  EXPECT_FALSE(matches(R"({"eventName": ["REMOVE"]})"));
  EXPECT_TRUE(
      matches(R"({"dynamodb": {"Keys": {"CustomerName": {"S": ["AnyCompany Industries"]}}}})"));
  EXPECT_FALSE(matches(R"({"dynamodb": {"Keys": {"CustomerName": {"S": ["Other"]}}}})"));
  // Every field must match.
  EXPECT_FALSE(matches(R"({"eventName": ["INSERT"], "awsRegion": ["eu-west-1"]})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"NewImage": {"Active": {"BOOL": [true]}}}})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"SizeBytes": [26]}})"));
  // A list in the record matches when one element does.
  EXPECT_TRUE(matches(R"({"dynamodb": {"NewImage": {"Tags": {"SS": ["north"]}}}})"));
}

TEST(EventFilter, Operators) {
  EXPECT_TRUE(
      matches(R"({"dynamodb": {"NewImage": {"AccountManager": {"S": [{"prefix": "Pat"}]}}}})"));
  EXPECT_TRUE(
      matches(R"({"dynamodb": {"NewImage": {"AccountManager": {"S": [{"suffix": "della"}]}}}})"));
  EXPECT_TRUE(matches(
      R"({"dynamodb": {"NewImage": {"AccountManager": {"S": [{"equals-ignore-case": "pat candella"}]}}}})"));
  EXPECT_TRUE(matches(R"({"eventName": [{"anything-but": ["REMOVE", "MODIFY"]}]})"));
  EXPECT_FALSE(matches(R"({"eventName": [{"anything-but": "INSERT"}]})"));
  EXPECT_FALSE(matches(R"({"eventName": [{"anything-but": {"prefix": "IN"}}]})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"SizeBytes": [{"numeric": [">", 10, "<=", 26]}]}})"));
  EXPECT_FALSE(matches(R"({"dynamodb": {"SizeBytes": [{"numeric": ["<", 26]}]}})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"SizeBytes": [{"numeric": ["=", 26]}]}})"));
  // DynamoDB numbers are strings in the record: numeric matching does not see them.
  EXPECT_FALSE(matches(R"({"dynamodb": {"NewImage": {"Score": {"N": [{"numeric": [">", 1]}]}}}})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"NewImage": {"Score": {"N": ["42"]}}}})"));
}

TEST(EventFilter, ExistenceNullAndEmpty) {
  EXPECT_TRUE(matches(R"({"dynamodb": {"NewImage": {"AccountManager": [{"exists": true}]}}})"));
  EXPECT_FALSE(matches(R"({"dynamodb": {"OldImage": [{"exists": true}]}})"));
  EXPECT_TRUE(matches(R"({"dynamodb": {"OldImage": [{"exists": false}]}})"));
  // A missing parent is read as holding nothing.
  EXPECT_TRUE(matches(R"({"userIdentity": {"type": [{"exists": false}]}})"));
  EXPECT_FALSE(matches(R"({"eventName": [{"exists": false}]})"));
  json withNull = kRecord;
  withNull["dynamodb"]["Flag"] = nullptr;
  withNull["dynamodb"]["Blank"] = "";
  EXPECT_TRUE(matches(R"({"dynamodb": {"Flag": [null]}})", withNull));
  EXPECT_FALSE(matches(R"({"dynamodb": {"Missing": [null]}})", withNull));
  EXPECT_TRUE(matches(R"({"dynamodb": {"Blank": [""]}})", withNull));
}

TEST(EventFilter, OrAlternatives) {
  EXPECT_TRUE(matches(R"({"$or": [{"eventName": ["REMOVE"]}, {"awsRegion": ["us-east-1"]}]})"));
  EXPECT_FALSE(matches(R"({"$or": [{"eventName": ["REMOVE"]}, {"awsRegion": ["eu-west-1"]}]})"));
}

TEST(EventFilter, PatternsLambdaCannotReadAreRefused) {
  const std::string kInvalid = "Invalid filter pattern definition.";
  EXPECT_EQ(refusal("not json"), kInvalid);
  EXPECT_EQ(refusal(R"(["INSERT"])"), kInvalid);
  EXPECT_EQ(refusal(R"({})"), kInvalid);
  EXPECT_EQ(refusal(R"({"eventName": "INSERT"})"), kInvalid);
  EXPECT_EQ(refusal(R"({"eventName": []})"), kInvalid);
  EXPECT_EQ(refusal(R"({"eventName": [{"wildcard": "IN*"}]})"), kInvalid);
  EXPECT_EQ(refusal(R"({"x": [{"numeric": ["<", 5, ">", 1]}]})"), kInvalid);
  EXPECT_EQ(refusal(R"({"x": [{"numeric": [">", 5, "<", 1]}]})"), kInvalid);
  EXPECT_EQ(refusal(R"({"x": [{"exists": "yes"}]})"), kInvalid);
  EXPECT_EQ(refusal(R"({"$or": [{"x": ["a"]}]})"), kInvalid);
  EXPECT_EQ(refusal(std::string(5000, ' ') + "{}"), kInvalid);
}

TEST(EventFilters, AnyFilterLetsARecordThroughAndNoneLetsAll) {
  auto none = EventFilters::compile({});
  ASSERT_TRUE(std::holds_alternative<EventFilters>(none));
  EXPECT_TRUE(std::get<EventFilters>(none).matches(std::string_view("{}")));
  auto two =
      EventFilters::compile({R"({"eventName": ["REMOVE"]})", R"({"eventName": ["INSERT"]})"});
  ASSERT_TRUE(std::holds_alternative<EventFilters>(two));
  EXPECT_TRUE(std::get<EventFilters>(two).matches(kRecord));
  EXPECT_FALSE(std::get<EventFilters>(two).matches(std::string_view("not json")));
  auto bad = EventFilters::compile({R"({"eventName": ["INSERT"]})", "[]"});
  EXPECT_TRUE(std::holds_alternative<std::string>(bad));
}

}  // namespace
}  // namespace nimbus::lambda
