#include "observe/emf.h"

#include <gtest/gtest.h>

namespace nimbus::observe {
namespace {

constexpr const char* kEvent =
    R"({"_aws":{"Timestamp":1765152000000,"CloudWatchMetrics":[{"Namespace":"shop",)"
    R"("Dimensions":[["service"],["service","route"]],"Metrics":[{"Name":"latency",)"
    R"("Unit":"Milliseconds","StorageResolution":1},{"Name":"orders"}]}]},)"
    R"("service":"cart","route":"/buy","latency":[12.5,30],"orders":2,"note":"x"})";

TEST(EmfTest, EachDimensionSetMakesItsOwnMetric) {
  auto metrics = parseEmf(kEvent);
  ASSERT_EQ(metrics.size(), 4u);
  EXPECT_EQ(metrics[0].ns, "shop");
  EXPECT_EQ(metrics[0].name, "latency");
  EXPECT_EQ(metrics[0].dimensions,
            (std::vector<std::pair<std::string, std::string>>{{"service", "cart"}}));
  EXPECT_EQ(metrics[0].values, (std::vector<double>{12.5, 30}));
  EXPECT_EQ(metrics[0].unit, "Milliseconds");
  EXPECT_EQ(metrics[0].storageResolution, 1);
  EXPECT_EQ(metrics[0].timestampMs, 1765152000000);
  EXPECT_EQ(metrics[1].dimensions.size(), 2u);
  EXPECT_EQ(metrics[2].name, "orders");
  EXPECT_EQ(metrics[2].unit, "None");
  EXPECT_EQ(metrics[2].values, std::vector<double>{2});
}

TEST(EmfTest, TheRuntimesPrefixIsSkipped) {
  std::string line = std::string("2026-12-08T00:00:00.000Z\t6f1e\tINFO\t") + kEvent;
  EXPECT_EQ(parseEmf(line).size(), 4u);
}

TEST(EmfTest, OrdinaryAndMalformedLinesMakeNoMetrics) {
  EXPECT_FALSE(mayBeEmf("hello world"));
  EXPECT_TRUE(parseEmf("hello world").empty());
  std::string error;
  EXPECT_TRUE(parseEmf(R"({"_aws":{"CloudWatchMetrics":[]}})", &error).empty());
  EXPECT_NE(error.find("Timestamp"), std::string::npos);
  EXPECT_TRUE(parseEmf(R"({"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n",)"
                       R"("Dimensions":[["missing"]],"Metrics":[{"Name":"m"}]}]},"m":1})",
                       &error)
                  .empty());
  EXPECT_NE(error.find("dimension"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::observe
