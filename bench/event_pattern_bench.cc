// EventBridge rule matching: one event against 1,000 rules in-process (target: at most 20 µs),
// beside a reference in the same run: parsing the same event with simdjson alone, the least any
// matcher that reads the event must spend. The ratio is printed at the end.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "aws/events/event_pattern.h"

namespace nimbus::aws::events {
namespace {

// 1,000 rules shaped like a real account's: most select on source and detail-type, some on
// detail fields with prefixes, numeric ranges, anything-but, exists and $or.
std::vector<std::shared_ptr<const EventPattern>> benchRules() {
  std::vector<std::shared_ptr<const EventPattern>> rules;
  for (int i = 0; i < 1000; ++i) {
    std::string pattern;
    switch (i % 5) {
      case 0:
        pattern = "{\"source\":[\"app.service" + std::to_string(i) +
                  "\"],\"detail-type\":[\"Order Placed\"]}";
        break;
      case 1:
        pattern = "{\"source\":[\"app.service" + std::to_string(i) +
                  "\"],\"detail\":{\"amount\":[{\"numeric\":[\">\"," + std::to_string(i) + "]}]}}";
        break;
      case 2:
        pattern = "{\"detail-type\":[\"Type" + std::to_string(i) +
                  "\"],\"detail\":{\"customer\":{\"tier\":[{\"anything-but\":\"free\"}]}}}";
        break;
      case 3:
        pattern = "{\"source\":[{\"prefix\":\"svc" + std::to_string(i) +
                  "\"}],\"detail\":{\"region\":[{\"exists\":true}]}}";
        break;
      default:
        pattern = "{\"source\":[\"app.service" + std::to_string(i) +
                  "\"],\"$or\":[{\"detail\":{\"status\":[\"NEW\"]}},{\"detail\":{\"amount\":"
                  "[{\"numeric\":[\"<\",10]}]}}]}";
        break;
    }
    auto compiled = EventPattern::compile(pattern);
    if (auto* error = std::get_if<std::string>(&compiled)) {
      std::fprintf(stderr, "bench pattern refused: %s\n", error->c_str());
      continue;
    }
    rules.push_back(std::get<std::shared_ptr<const EventPattern>>(compiled));
  }
  return rules;
}

const std::string kEvent = R"({"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",)"
                           R"("detail-type":"Order Placed","source":"app.service500",)"
                           R"("account":"000000000000","time":"2026-12-07T12:00:00Z",)"
                           R"("region":"us-east-1","resources":[],"detail":{"orderId":"o-1",)"
                           R"("amount":120.5,"status":"NEW","customer":{"id":"c-9","tier":"gold"},)"
                           R"("region":"eu-west-1","items":[{"sku":"a","qty":1},{"sku":"b",)"
                           R"("qty":2}]}})";

void BM_MatchOneEventAgainst1000Rules(benchmark::State& state) {
  PatternIndex index(benchRules());
  std::vector<size_t> matched;
  for (auto _ : state) {
    matched.clear();
    index.match(kEvent, matched);
    benchmark::DoNotOptimize(matched.data());
  }
  state.counters["matched"] = static_cast<double>(matched.size());
}
BENCHMARK(BM_MatchOneEventAgainst1000Rules);

void BM_Reference_SimdjsonParseOnly(benchmark::State& state) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    auto error = parser.parse(kEvent.data(), kEvent.size()).get(root);
    benchmark::DoNotOptimize(error);
  }
}
BENCHMARK(BM_Reference_SimdjsonParseOnly);

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) times_[run.benchmark_name()] = run.GetAdjustedRealTime();
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto m = times_.find("BM_MatchOneEventAgainst1000Rules");
    auto r = times_.find("BM_Reference_SimdjsonParseOnly");
    if (m == times_.end() || r == times_.end() || r->second <= 0) return;
    std::printf("\n%-34s %-32s %s\n", "measured", "reference", "time ratio");
    std::printf("%-34s %-32s %.2fx\n", m->first.c_str(), r->first.c_str(), m->second / r->second);
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace
}  // namespace nimbus::aws::events

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  nimbus::aws::events::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
