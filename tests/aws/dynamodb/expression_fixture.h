// The fixture the expression tests share: one request's ExpressionAttributeNames and Values,
// and helpers that parse, evaluate and apply expressions and report DynamoDB's messages.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

#include "aws/dynamodb/expressions.h"

namespace nimbus::aws::dynamodb::expression_test {

inline Item itemOf(std::string_view json) {
  auto item = itemFromJson(json);
  EXPECT_TRUE(item.ok()) << json << ": " << (item.ok() ? "" : item.error().message);
  return item.ok() ? *item : Item{};
}

// One request's ExpressionAttributeNames and ExpressionAttributeValues.
class Expressions : public ::testing::Test {
 protected:
  void setNames(std::map<std::string, std::string> names) { names_ = std::move(names); }
  void setValues(std::string_view json) { values_ = itemOf(json); }

  ExpressionContext& fresh() {
    context_ = ExpressionContext{};
    context_.names = &names_;
    context_.values = &values_;
    return context_;
  }

  template <typename T>
  static std::string errorOf(const Result<T>& result) {
    if (result.ok()) return "(no error)";
    EXPECT_EQ(result.error().code, "ValidationException");
    EXPECT_EQ(result.error().status, 400);
    return result.error().message;
  }

  std::string conditionError(std::string_view text,
                             std::string_view which = "ConditionExpression") {
    return errorOf(parseCondition(text, which, fresh()));
  }
  std::string updateError(std::string_view text) { return errorOf(parseUpdate(text, fresh())); }
  std::string projectionError(std::string_view text) {
    return errorOf(parseProjection(text, fresh()));
  }

  // Whether the condition holds on the item; a parse error fails the test.
  bool matches(std::string_view condition, std::string_view itemJson) {
    auto parsed = parseCondition(condition, "ConditionExpression", fresh());
    EXPECT_TRUE(parsed.ok()) << condition << ": " << errorOf(parsed);
    return parsed.ok() && parsed->matches(itemOf(itemJson));
  }

  // The item after the update, as DynamoDB JSON, or "error: <message>".
  std::string updated(std::string_view update, std::string_view itemJson) {
    auto parsed = parseUpdate(update, fresh());
    if (!parsed) return "parse error: " + parsed.error().message;
    Item item = itemOf(itemJson);
    const Item before = item;
    auto status = parsed->apply(item);
    if (!status) {
      EXPECT_EQ(itemToJson(item), itemToJson(before)) << "a failed update changed the item";
      return "error: " + status.error().message;
    }
    return itemToJson(item);
  }

  std::string projected(std::string_view projection, std::string_view itemJson) {
    auto parsed = parseProjection(projection, fresh());
    if (!parsed) return "parse error: " + parsed.error().message;
    return itemToJson(parsed->apply(itemOf(itemJson)));
  }

  std::map<std::string, std::string> names_;
  Item values_;
  ExpressionContext context_;
};

}  // namespace nimbus::aws::dynamodb::expression_test
