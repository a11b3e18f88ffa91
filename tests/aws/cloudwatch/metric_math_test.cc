// The metric math subset GetMetricData's expressions support.
#include "aws/cloudwatch/metric_math.h"

#include <gtest/gtest.h>

namespace nimbus::aws::cloudwatch {
namespace {

class MetricMathTest : public ::testing::Test {
 protected:
  MetricMathTest() {
    series["m1"] = {{0, 1}, {60, 2}, {120, 4}};
    series["m2"] = {{0, 10}, {120, 0}};
    context.series = [this](std::string_view id) -> const TimeSeries* {
      auto it = series.find(std::string(id));
      return it == series.end() ? nullptr : &it->second;
    };
    context.grid = {0, 60, 120};
  }

  TimeSeries eval(std::string_view expression) {
    auto r = evaluateExpression(expression, context);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : TimeSeries{};
  }

  std::map<std::string, TimeSeries> series;
  MathContext context;
};

TEST_F(MetricMathTest, ArithmeticBetweenSeriesAndScalars) {
  EXPECT_EQ(eval("m1 * 2 + 1"), (TimeSeries{{0, 3}, {60, 5}, {120, 9}}));
  EXPECT_EQ(eval("m1 + m2"), (TimeSeries{{0, 11}, {120, 4}}));  // Where both have data.
  EXPECT_EQ(eval("m1 / m2"), (TimeSeries{{0, 0.1}}));           // No point for x / 0.
  EXPECT_EQ(eval("-(m1 - 1)"), (TimeSeries{{0, -0.0}, {60, -1}, {120, -3}}));
  EXPECT_EQ(eval("100 * (m2 / 10)"), (TimeSeries{{0, 100}, {120, 0}}));
  EXPECT_EQ(eval("2 * 3"), (TimeSeries{{0, 6}, {60, 6}, {120, 6}}));
}

TEST_F(MetricMathTest, FunctionsOverListsAndSeries) {
  EXPECT_EQ(eval("SUM([m1, m2])"), (TimeSeries{{0, 11}, {60, 2}, {120, 4}}));
  EXPECT_EQ(eval("MAX([m1, m2])"), (TimeSeries{{0, 10}, {60, 2}, {120, 4}}));
  EXPECT_EQ(eval("MIN([m1, m2 * 1])"), (TimeSeries{{0, 1}, {60, 2}, {120, 0}}));
  EXPECT_EQ(eval("AVG(m1)"), (TimeSeries{{0, 7.0 / 3}, {60, 7.0 / 3}, {120, 7.0 / 3}}));
  EXPECT_EQ(eval("m1 / SUM(m1)"), (TimeSeries{{0, 1.0 / 7}, {60, 2.0 / 7}, {120, 4.0 / 7}}));
  EXPECT_EQ(eval("FILL(m2, 0)"), (TimeSeries{{0, 10}, {60, 0}, {120, 0}}));
  EXPECT_EQ(eval("ABS(m1 - 3)"), (TimeSeries{{0, 2}, {60, 1}, {120, 1}}));
}

TEST_F(MetricMathTest, RefusesWhatItDoesNotKnow) {
  for (const char* bad : {"m3 + 1", "METRICS()", "m1 +", "(m1", "RATE(m1)", "[m1, m2]", "m1 $ 2"}) {
    auto r = evaluateExpression(bad, context);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "ValidationError");
  }
}

TEST(MetricMath, ListsReferences) {
  EXPECT_EQ(expressionReferences("SUM([m1, e_2]) / 2e3 + FILL(m1, 0)"),
            (std::vector<std::string>{"m1", "e_2", "m1"}));
}

}  // namespace
}  // namespace nimbus::aws::cloudwatch
