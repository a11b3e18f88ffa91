// What observability adds to a warm invocation, on the invocation's own thread: the log lines
// queued for the log store (a warm invocation writes START, END, REPORT and, here, one line of
// its own), the function's counters, and the AWS/Lambda data points (Invocations, Errors,
// Duration per function and across functions) put into CloudWatch. Target: at most 5 µs in all.
// Beside them, what the log store's writer thread spends per line (in SQLite, off the
// invocation's path but on the same CPUs) and the filter matcher per event.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "aws/cloudwatch/cloudwatch_service.h"
#include "observe/filter_pattern.h"
#include "observe/function_metrics.h"
#include "observe/log_database.h"
#include "observe/log_store.h"

namespace nimbus::observe {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const char* name) {
  fs::path dir = fs::temp_directory_path() / (std::string("nimbus-observe-bench-") + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const std::string kGroup = "/aws/lambda/bench-dev-hello";
const std::string kStream = "2026/12/08/[$LATEST]0123456789abcdef0123456789abcdef";

// Four lines of a warm invocation queued; the writer stores them on its own thread.
void BM_QueueInvocationLogLines(benchmark::State& state) {
  fs::path dir = scratch("queue");
  {
    LogStore store(dir, nullptr);
    uint64_t invocations = 0;
    for (auto _ : state) {
      store.append({kGroup, kStream, "hello",
                    "START RequestId: 6f1e0c2a-4b1d-4f7e-9a51-3c2d1e0f9a8b Version: $LATEST"});
      store.append({kGroup, kStream, "hello",
                    "2026-12-08T01:02:03.456Z\t6f1e0c2a-4b1d-4f7e-9a51-3c2d1e0f9a8b\tINFO\thello"});
      store.append(
          {kGroup, kStream, "hello", "END RequestId: 6f1e0c2a-4b1d-4f7e-9a51-3c2d1e0f9a8b"});
      store.append({kGroup, kStream, "hello",
                    "REPORT RequestId: 6f1e0c2a-4b1d-4f7e-9a51-3c2d1e0f9a8b\tDuration: 1.23 ms\t"
                    "Billed Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 58 MB\t"});
      // Keep the queue from growing without bound (and from dropping lines) across iterations.
      if (++invocations % 4096 == 0) store.flush();
    }
    store.flush();
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_QueueInvocationLogLines);

// The function's counters and the CloudWatch data points of one invocation.
void BM_RecordInvocationMetrics(benchmark::State& state) {
  aws::cloudwatch::CloudWatchService cloudwatch({});
  FunctionMetrics metrics;
  auto counters = metrics.function("bench-dev-hello");
  InvocationSample sample;
  sample.durationMs = 1.23;
  sample.billedMs = 2;
  sample.memorySizeMb = 1024;
  const std::vector<aws::cloudwatch::Dimension> byFunction{{"FunctionName", counters->name}};
  const std::vector<aws::cloudwatch::Dimension> all;
  for (auto _ : state) {
    metrics.recordInvocation(*counters, sample);
    for (const auto* dims : {&byFunction, &all}) {
      cloudwatch.putServiceMetric("AWS/Lambda", "Invocations", *dims, 1, "Count");
      cloudwatch.putServiceMetric("AWS/Lambda", "Errors", *dims, 0, "Count");
      cloudwatch.putServiceMetric("AWS/Lambda", "Duration", *dims, sample.durationMs,
                                  "Milliseconds");
    }
  }
}
BENCHMARK(BM_RecordInvocationMetrics);

// The writer's side: one transaction of 1,000 lines, per line.
void BM_StoreLinesInSqlite(benchmark::State& state) {
  fs::path dir = scratch("sqlite");
  {
    LogDatabase db(dir / "logs.db");
    std::vector<NewEvent> batch;
    for (int i = 0; i < 1000; ++i) {
      batch.push_back(
          {kGroup, kStream, 1765152000000 + i,
           "2026-12-08T01:02:03.456Z\t6f1e0c2a-4b1d-4f7e-9a51-3c2d1e0f9a8b\tINFO\tline " +
               std::to_string(i),
           true});
    }
    for (auto _ : state) db.insert(batch, 1765152000000);
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_StoreLinesInSqlite)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nimbus::observe

BENCHMARK_MAIN();
