// Durable enqueue throughput of the SQLite store: N producers each enqueue an async event and
// wait for its acknowledgement (the commit that holds it is fsync'd) before the next, as the
// Lambda API does before answering 202. The reference, in the same run, is one producer: one
// transaction and one fsync per event, which is what the store costs without group commit.
//
//   build/bench/store_bench [seconds-per-case=1] [dir=temp]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
  long failures = 0;
};

Result run(const fs::path& dir, int producers, double seconds) {
  fs::path file = dir / ("bench-" + std::to_string(producers) + ".db");
  std::string error;
  auto store = openSqliteStore(file, error);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::string payload(512, 'x');  // A typical small async event.
  std::atomic<long> events = 0, failures = 0;
  std::atomic<bool> running = true;
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      Ack ack;
      while (running.load(std::memory_order_relaxed)) {
        store->enqueueAsyncEvent(AsyncEvent{.id = newUuid(),
                                            .functionName = "svc-dev-worker",
                                            .qualifier = "$LATEST",
                                            .payload = payload,
                                            .receivedAtMs = 1},
                                 [&ack](std::string error) { ack.set(error.empty()); });
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
  store->stop();
  Result r;
  r.eventsPerSecond = static_cast<double>(events) / elapsed;
  r.meanLatencyMs = r.eventsPerSecond > 0 ? 1000.0 * producers / r.eventsPerSecond : 0;
  r.failures = failures;
  return r;
}

}  // namespace
}  // namespace nimbus::store

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  bool ownDir = argc <= 2;
  fs::path dir = ownDir ? fs::temp_directory_path() / ("nimbus-store-bench-" + nimbus::randomHex(8))
                        : fs::path(argv[2]);
  fs::create_directories(dir);
  std::printf("durable async enqueue (WAL, synchronous=FULL, 512-byte payload), %s\n", dir.c_str());
  std::printf("%10s %14s %12s %10s %9s\n", "producers", "events/s", "latency ms", "vs 1", "failed");
  double reference = 0;
  for (int producers : {1, 4, 16, 64, 256}) {
    auto r = nimbus::store::run(dir, producers, seconds);
    if (producers == 1) reference = r.eventsPerSecond;
    std::printf("%10d %14.0f %12.2f %9.1fx %9ld\n", producers, r.eventsPerSecond, r.meanLatencyMs,
                reference > 0 ? r.eventsPerSecond / reference : 0.0, r.failures);
  }
  if (ownDir) fs::remove_all(dir);
  return 0;
}
