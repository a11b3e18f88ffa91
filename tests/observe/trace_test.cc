#include "observe/trace.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <thread>

#include "observe/trace_recorder.h"

namespace nimbus::observe {
namespace {

constexpr const char* kRoot = "1-5759e988-bd862e3fe1be46a994272793";

TEST(TraceContextTest, ParsesTheFieldsAndIgnoresUnknownOnes) {
  auto context = TraceContext::parse(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;"
      "Lineage=a87bd80c:1|68fd508a:5");
  ASSERT_TRUE(context);
  EXPECT_EQ(context->root, kRoot);
  EXPECT_EQ(context->parent, "53995c3f42cd8ad8");
  EXPECT_TRUE(context->sampled);

  auto unsampled = TraceContext::parse(" Sampled=0 ; Root=1-5759e988-bd862e3fe1be46a994272793 ");
  ASSERT_TRUE(unsampled);
  EXPECT_EQ(unsampled->root, kRoot);
  EXPECT_TRUE(unsampled->parent.empty());
  EXPECT_FALSE(unsampled->sampled);

  auto pending = TraceContext::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?");
  ASSERT_TRUE(pending);
  EXPECT_TRUE(pending->sampled);
}

TEST(TraceContextTest, RejectsHeadersWithoutAValidRoot) {
  EXPECT_FALSE(TraceContext::parse(""));
  EXPECT_FALSE(TraceContext::parse("Parent=53995c3f42cd8ad8;Sampled=1"));
  EXPECT_FALSE(TraceContext::parse("Root=1-5759e988-bd862e3fe1be46a99427279"));    // Short.
  EXPECT_FALSE(TraceContext::parse("Root=2-5759e988-bd862e3fe1be46a994272793"));   // Version.
  EXPECT_FALSE(TraceContext::parse("Root=1-5759e98g-bd862e3fe1be46a994272793"));   // Not hex.
  EXPECT_FALSE(TraceContext::parse("Root=1_5759e988-bd862e3fe1be46a994272793"));   // Separator.
  EXPECT_FALSE(TraceContext::parse("Root=1-5759e988-bd862e3fe1be46a9942727930"));  // Long.
  // A malformed parent is dropped, the trace is kept.
  auto context = TraceContext::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz");
  ASSERT_TRUE(context);
  EXPECT_TRUE(context->parent.empty());
}

TEST(TraceContextTest, FormatsAndParsesBack) {
  TraceContext start = TraceContext::start();
  EXPECT_TRUE(isValidTraceRoot(start.root)) << start.root;
  EXPECT_TRUE(start.parent.empty());
  EXPECT_EQ(start.header(), "Root=" + start.root + ";Sampled=1");

  std::string spanId = newSpanId();
  EXPECT_TRUE(isValidSpanId(spanId)) << spanId;
  EXPECT_NE(spanId, newSpanId());
  TraceContext child = start.child(spanId);
  EXPECT_EQ(child.root, start.root);
  EXPECT_EQ(child.header(), "Root=" + start.root + ";Parent=" + spanId + ";Sampled=1");

  auto again = TraceContext::parse(child.header());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->root, child.root);
  EXPECT_EQ(again->parent, child.parent);
  EXPECT_TRUE(again->sampled);

  child.sampled = false;
  auto unsampled = TraceContext::parse(child.header());
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  EXPECT_NE(TraceContext::start().root, start.root);
}

Span makeSpan(std::string root, std::string id, std::string parent, std::string name,
              int64_t startNs, int64_t endNs, std::string origin = {}, bool error = false) {
  Span span;
  span.traceRoot = std::move(root);
  span.spanId = std::move(id);
  span.parentId = std::move(parent);
  span.name = std::move(name);
  span.origin = std::move(origin);
  span.startNs = startNs;
  span.endNs = endNs;
  span.error = error;
  return span;
}

std::string rootNumber(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "1-5759e988-%024d", i);
  return buf;
}

TEST(TraceRecorderTest, GroupsSpansByRootAndSummarizes) {
  TraceRecorder recorder;
  recorder.record(makeSpan(kRoot, "0000000000000002", "0000000000000001", "my-service-dev-hello",
                           1'100, 1'800, "AWS::Lambda::Function", true));
  recorder.record(makeSpan(kRoot, "0000000000000001", "", "GET /hello", 1'000, 2'000,
                           "AWS::ApiGateway::Stage"));
  recorder.record(makeSpan(kRoot, "0000000000000003", "0000000000000002", "SQS.SendMessage", 1'200,
                           1'300, "AWS::Lambda::Function"));
  recorder.record(makeSpan(rootNumber(7), "0000000000000009", "", "other", 5'000, 5'500));

  auto summaries = recorder.recent(10);
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].root, rootNumber(7));  // Newest first.
  const TraceSummary& s = summaries[1];
  EXPECT_EQ(s.root, kRoot);
  EXPECT_EQ(s.name, "GET /hello");
  EXPECT_EQ(s.origin, "AWS::ApiGateway::Stage");
  EXPECT_EQ(s.startNs, 1'000);
  EXPECT_EQ(s.durationNs, 1'000);
  EXPECT_EQ(s.spanCount, 3u);
  EXPECT_TRUE(s.error);
  EXPECT_EQ(s.services,
            (std::vector<std::string>{"AWS::Lambda::Function", "AWS::ApiGateway::Stage"}));
  EXPECT_FALSE(summaries[0].error);

  EXPECT_EQ(recorder.recent(1).size(), 1u);
  auto since = recorder.recent(10, 2'000);
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].root, rootNumber(7));

  auto spans = recorder.trace(kRoot);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "GET /hello");  // In start order.
  EXPECT_EQ(spans[1].name, "my-service-dev-hello");
  EXPECT_EQ(spans[2].name, "SQS.SendMessage");
  EXPECT_TRUE(recorder.trace("1-00000000-000000000000000000000000").empty());
}

TEST(TraceRecorderTest, ASpanRecordedAgainReplacesTheFirst) {
  TraceRecorder recorder;
  recorder.record(makeSpan(kRoot, "0000000000000001", "", "segment", 1'000, 0));
  recorder.record(makeSpan(kRoot, "0000000000000001", "", "segment", 1'000, 4'000, "", true));
  auto spans = recorder.trace(kRoot);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].endNs, 4'000);
  auto summaries = recorder.recent(5);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].durationNs, 3'000);
  EXPECT_TRUE(summaries[0].error);
}

TEST(TraceRecorderTest, DropsTheOldestTracesFirst) {
  TraceRecorderLimits limits;
  limits.maxTraces = 3;
  limits.maxSpans = 5;
  TraceRecorder recorder(limits);
  for (int i = 0; i < 5; ++i) {
    recorder.record(makeSpan(rootNumber(i), "000000000000000" + std::to_string(i), "", "t",
                             1'000 + i, 2'000 + i));
  }
  auto kept = recorder.recent(100);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].root, rootNumber(4));
  EXPECT_EQ(kept[2].root, rootNumber(2));
  EXPECT_TRUE(recorder.trace(rootNumber(0)).empty());

  // The span bound counts too: a trace of 4 spans pushes the others out.
  for (int i = 0; i < 4; ++i) {
    recorder.record(makeSpan(rootNumber(9), "00000000000000a" + std::to_string(i), "", "big",
                             9'000 + i, 9'500));
  }
  kept = recorder.recent(100);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].root, rootNumber(9));
  EXPECT_EQ(kept[0].spanCount, 4u);
  EXPECT_EQ(kept[1].root, rootNumber(4));
}

// Keeps what the recorder hands over, for the test to read.
class CollectingExporter : public SpanExporter {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<Span> spans;
    bool stopped = false;
  };
  explicit CollectingExporter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  void enqueue(std::vector<Span> spans) override {
    std::lock_guard lock(shared_->mutex);
    for (auto& s : spans) shared_->spans.push_back(std::move(s));
  }
  void stop() override {
    std::lock_guard lock(shared_->mutex);
    shared_->stopped = true;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

TEST(TraceRecorderTest, FeedsTheExporterFromManyThreadsAndStopsIt) {
  auto shared = std::make_shared<CollectingExporter::Shared>();
  TraceRecorder recorder({}, std::make_unique<CollectingExporter>(shared));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&recorder, t] {
      for (int i = 0; i < 250; ++i) {
        recorder.record(makeSpan(rootNumber(t), newSpanId(), "", "work", i, i + 1));
      }
    });
  }
  for (auto& th : threads) th.join();
  recorder.stop();
  {
    std::lock_guard lock(shared->mutex);
    EXPECT_EQ(shared->spans.size(), 1000u);
    EXPECT_TRUE(shared->stopped);
  }
  EXPECT_EQ(recorder.recent(10).size(), 4u);
  EXPECT_EQ(recorder.droppedSpans(), 0u);
  recorder.record(makeSpan(kRoot, "0000000000000001", "", "late", 1, 2));
  EXPECT_EQ(recorder.droppedSpans(), 1u);
  EXPECT_TRUE(recorder.trace(kRoot).empty());
}

}  // namespace
}  // namespace nimbus::observe
