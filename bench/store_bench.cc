// Durable write throughput of the SQLite store.
//
// First, async enqueue: N producers each enqueue an async event and wait for its acknowledgement
// (the commit that holds it is fsync'd) before the next, as the Lambda API does before answering
// 202. The reference, in the same run, is one producer: one transaction and one fsync per event,
// which is what the store costs without group commit.
//
// Then single durable writes of each service at 16 writers, each waiting for its commit before
// the next write, as a service does before it answers: async enqueue, SQS SendMessage (one
// message put) and DynamoDB PutItem of a new item, without and with a stream record. Each case
// runs `repetitions` times on a fresh file and reports the median, side by side in one run. The
// reference is the device: one 4 KB write and fdatasync at a time, and the most 16 writers that
// each wait for an fsync'd commit could make at that latency.
//
//   build/bench/store_bench [seconds-per-case=1] [dir=temp] [repetitions=5]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::store {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Waits for one acknowledgement without allocating a promise per event.
class Ack {
 public:
  void set(bool ok) {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      ok_ = ok;
    }
    ready_.notify_one();
  }
  bool wait() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return done_; });
    done_ = false;
    return ok_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  bool done_ = false;
  bool ok_ = false;
};

struct Result {
  double eventsPerSecond = 0;
  double meanLatencyMs = 0;
  double cpuMicrosPerWrite = 0;  // Of the whole process (writers and the store), per write.
  long failures = 0;
};

// CPU time the process has used so far, in seconds, over all its threads.
double cpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Submits one write; `done` runs once it is durable.
using SubmitWrite = std::function<void(Store&, CommitCallback done)>;

Result run(const fs::path& dir, int producers, double seconds, const SubmitWrite& submit) {
  static int files = 0;
  fs::path file = dir / ("bench-" + std::to_string(++files) + ".db");
  std::string error;
  auto store = openSqliteStore(file, error);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::atomic<long> events = 0, failures = 0;
  std::atomic<bool> running = true;
  std::vector<std::thread> threads;
  double cpuAtStart = cpuSeconds();
  auto start = Clock::now();
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      Ack ack;
      while (running.load(std::memory_order_relaxed)) {
        submit(*store, [&ack](std::string error) { ack.set(error.empty()); });
        if (ack.wait()) {
          events.fetch_add(1, std::memory_order_relaxed);
        } else {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  running = false;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = cpuSeconds() - cpuAtStart;
  store->stop();
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
  Result r;
  r.eventsPerSecond = static_cast<double>(events) / elapsed;
  r.meanLatencyMs = r.eventsPerSecond > 0 ? 1000.0 * producers / r.eventsPerSecond : 0;
  r.cpuMicrosPerWrite = events > 0 ? 1e6 * cpu / static_cast<double>(events) : 0;
  r.failures = failures;
  return r;
}

const std::string kPayload(512, 'x');  // A typical small async event or SQS message body.
const std::string kItem(256, 'i');     // A typical small DynamoDB item, encoded.
const std::string kStreamRecord(512, 'r');
constexpr const char* kTableId = "3f1c9a52d0e84b7a9c6e2f4d5b8a1e07";

void enqueue(Store& store, CommitCallback done) {
  store.enqueueAsyncEvent(AsyncEvent{.id = newUuid(),
                                     .functionName = "svc-dev-worker",
                                     .qualifier = "$LATEST",
                                     .payload = kPayload,
                                     .receivedAtMs = 1},
                          std::move(done));
}

// One counter for all producers, as the SQS service assigns seq and the DynamoDB service a
// stream's sequence numbers: increasing in the order writes are made.
std::atomic<int64_t> lastNumber = 0;
int64_t nextNumber() {
  return lastNumber.fetch_add(1, std::memory_order_relaxed) + 1;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sendSqsMessage(Store& store, CommitCallback done) {
  SqsWrite w;
  w.puts.push_back(SqsMessageRow{.seq = nextNumber(),
                                 .queueId = 1,
                                 .messageId = newUuid(),
                                 .body = kPayload,
                                 .sentAtMs = 1,
                                 .visibleAtMs = 1});
  store.writeSqsMessages(std::move(w), std::move(done));
}

// A new item under a random key, so that puts land all over the table's key range.
void putDynamoItem(Store& store, CommitCallback done) {
  DynamoWrite w;
  w.puts.push_back(DynamoItemRow{.tableId = kTableId, .key = randomHex(16), .item = kItem});
  store.writeDynamo(std::move(w), std::move(done));
}

void putDynamoItemWithStream(Store& store, CommitCallback done) {
  DynamoWrite w;
  w.puts.push_back(DynamoItemRow{.tableId = kTableId, .key = randomHex(16), .item = kItem});
  w.streamRecords.push_back(DynamoStreamRow{.tableId = kTableId,
                                            .sequence = nextNumber(),
                                            .createdAtMs = nowMs(),
                                            .record = kStreamRecord});
  store.writeDynamo(std::move(w), std::move(done));
}

// The device's floor, the least a commit of one small write can cost: one 4 KB overwrite and
// fdatasync at a time, as SQLite appends a frame to a reused WAL and syncs it. Writers that each
// wait for their commit can make at most one write per writer per such latency, however well the
// commits are grouped.
Result syncFloor(const fs::path& dir, double seconds) {
  fs::path file = dir / "sync-floor";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror("store_bench: sync-floor");
    std::exit(1);
  }
  constexpr long kPages = 256;
  std::string page(4096, 'x');
  long syncs = 0, failures = 0;
  for (long i = 0; i < kPages; ++i) {
    if (::pwrite(fd, page.data(), page.size(), i * 4096) != 4096) ++failures;
  }
  if (::fsync(fd) != 0) ++failures;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    off_t offset = (syncs % kPages) * 4096;
    if (::pwrite(fd, page.data(), page.size(), offset) != 4096 || ::fdatasync(fd) != 0) {
      ++failures;
    }
    ++syncs;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  fs::remove(file);
  Result r;
  r.eventsPerSecond = static_cast<double>(syncs - failures) / elapsed;
  r.meanLatencyMs = syncs > 0 ? 1000.0 * elapsed / static_cast<double>(syncs) : 0;
  r.failures = failures;
  return r;
}

// The median of several runs, by writes per second.
Result median(std::vector<Result> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Result& a, const Result& b) { return a.eventsPerSecond < b.eventsPerSecond; });
  return runs[runs.size() / 2];
}

}  // namespace
}  // namespace nimbus::store

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  bool ownDir = argc <= 2;
  fs::path dir = ownDir ? fs::temp_directory_path() / ("nimbus-store-bench-" + nimbus::randomHex(8))
                        : fs::path(argv[2]);
  int repetitions = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  fs::create_directories(dir);
  std::printf("durable async enqueue (WAL, synchronous=FULL, 512-byte payload), %s\n", dir.c_str());
  std::printf("%10s %14s %12s %10s %9s\n", "producers", "events/s", "latency ms", "vs 1", "failed");
  double reference = 0;
  for (int producers : {1, 4, 16, 64, 256}) {
    auto r = nimbus::store::run(dir, producers, seconds, nimbus::store::enqueue);
    if (producers == 1) reference = r.eventsPerSecond;
    std::printf("%10d %14.0f %12.2f %9.1fx %9ld\n", producers, r.eventsPerSecond, r.meanLatencyMs,
                reference > 0 ? r.eventsPerSecond / reference : 0.0, r.failures);
  }

  using nimbus::store::Result;
  constexpr int kWriters = 16;
  struct Case {
    const char* name;
    nimbus::store::SubmitWrite submit;
    std::vector<Result> runs;
  };
  std::vector<Case> cases = {
      {"async enqueue (512 B payload)", nimbus::store::enqueue},
      {"SQS SendMessage (1 message, 512 B)", nimbus::store::sendSqsMessage},
      {"DynamoDB PutItem (256 B item)", nimbus::store::putDynamoItem},
      {"DynamoDB PutItem + stream record", nimbus::store::putDynamoItemWithStream},
  };
  std::vector<Result> floorRuns;
  // Repetitions take the cases in turn, so that a change in the machine's load falls on all alike.
  for (int i = 0; i < repetitions; ++i) {
    floorRuns.push_back(nimbus::store::syncFloor(dir, seconds));
    for (auto& c : cases) c.runs.push_back(nimbus::store::run(dir, kWriters, seconds, c.submit));
  }
  std::printf(
      "\nsingle durable writes, %d writers each waiting for its commit, median of %d runs\n",
      kWriters, repetitions);
  std::printf("%-46s %10s %12s %12s %9s\n", "case", "writes/s", "latency ms", "cpu us/write",
              "failed");
  Result floor = nimbus::store::median(floorRuns);
  std::printf("%-46s %10.0f %12.2f %12s %9ld\n", "reference: 4 KB write + fdatasync, 1 writer",
              floor.eventsPerSecond, floor.meanLatencyMs, "", floor.failures);
  std::printf("%-46s %10.0f\n", "reference: its ceiling for 16 writers",
              kWriters * floor.eventsPerSecond);
  for (auto& c : cases) {
    Result r = nimbus::store::median(std::move(c.runs));
    std::printf("%-46s %10.0f %12.2f %12.1f %9ld\n", c.name, r.eventsPerSecond, r.meanLatencyMs,
                r.cpuMicrosPerWrite, r.failures);
  }
  if (ownDir) fs::remove_all(dir);
  return 0;
}
