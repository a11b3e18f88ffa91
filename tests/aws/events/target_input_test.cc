// What a target receives: JSON paths and input transformers.
#include "aws/events/target_input.h"

#include <gtest/gtest.h>

namespace nimbus::aws::events {
namespace {

const std::string kEvent =
    R"({"id":"e1","source":"shop","detail":{"item":"pen","n":3,"tags":["a","b"],)"
    R"("who":{"name":"Ana \"A\""}}})";

TEST(TargetInput, JsonPaths) {
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.item"), R"("pen")");
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.n"), "3");
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.tags[1]"), R"("b")");
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.tags[*]"), R"(["a","b"])");
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.who"), R"({"name":"Ana \"A\""})");
  EXPECT_EQ(selectJsonPath(kEvent, "$.detail.missing"), std::nullopt);
  EXPECT_TRUE(selectJsonPath(kEvent, "$").has_value());
  EXPECT_FALSE(checkJsonPath("$.detail.item").has_value());
  EXPECT_TRUE(checkJsonPath("detail.item").has_value());
  EXPECT_TRUE(checkJsonPath("$..item").has_value());
}

TEST(TargetInput, JsonTemplateQuotesWhereTheTemplateSaysSo) {
  InputTransformer t{
      {{"item", "$.detail.item"}, {"n", "$.detail.n"}, {"who", "$.detail.who.name"}},
      R"({"item": <item>, "n": <n>, "line": "<who> wants <n> <item>s", "x": <nope>})"};
  TransformContext context{"arn:rule", "rule", "2026-01-01T00:00:00Z"};
  EXPECT_EQ(applyInputTransformer(t, kEvent, context),
            R"({"item": "pen", "n": 3, "line": "Ana \"A\" wants 3 pens", "x": <nope>})");
}

TEST(TargetInput, StringTemplateAndPredefinedVariables) {
  InputTransformer t{{{"item", "$.detail.item"}},
                     R"x("<item> from rule <aws.events.rule-name> (<aws.events.rule-arn>)")x"};
  TransformContext context{"arn:rule", "rule", "2026-01-01T00:00:00Z"};
  EXPECT_EQ(applyInputTransformer(t, kEvent, context), R"x("pen from rule rule (arn:rule)")x");
  InputTransformer whole{
      {}, R"({"event": <aws.events.event.json>, "at": "<aws.events.event.ingestion-time>"})"};
  EXPECT_EQ(applyInputTransformer(whole, R"({"id":"e1","detail":{}})", context),
            R"({"event": {"detail":{},"id":"e1"}, "at": "2026-01-01T00:00:00Z"})");
}

TEST(TargetInput, TransformerChecks) {
  EXPECT_FALSE(checkInputTransformer({{{"a", "$.detail"}}, R"({"a": <a>})"}).has_value());
  EXPECT_TRUE(checkInputTransformer({{{"a", "$.detail"}}, R"({"a": <a>)"}).has_value());
  EXPECT_TRUE(checkInputTransformer({{{"aws.x", "$.detail"}}, "<aws.x>"}).has_value());
  EXPECT_TRUE(checkInputTransformer({{{"a", "detail"}}, "<a>"}).has_value());
}

}  // namespace
}  // namespace nimbus::aws::events
