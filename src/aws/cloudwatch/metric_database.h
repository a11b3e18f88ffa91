// Where CloudWatch's datapoints outlive the process: `<dataDir>/metrics.db`, a SQLite file of
// metrics (series) and their bucket aggregates, written by one background thread that drains the
// MetricStore's changes in batches (one transaction each), so that no API call or hot path ever
// waits on the disk. A crash loses at most the last batch interval of datapoints; CloudWatch
// itself acknowledges PutMetricData before the data is queryable, so this is the same promise.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/cloudwatch/metric_store.h"
#include "store/sqlite/connection.h"

namespace nimbus::aws::cloudwatch {

class MetricDatabase {
 public:
  MetricDatabase() = default;
  MetricDatabase(const MetricDatabase&) = delete;
  MetricDatabase& operator=(const MetricDatabase&) = delete;
  ~MetricDatabase();

  // Opens (creating) the file and its tables. Returns an error message, or "" on success.
  std::string open(const std::filesystem::path& file);

  // Reads every kept metric and bucket into `store`. Returns warnings for rows that could not
  // be read (they are skipped).
  std::vector<std::string> load(MetricStore& store);

  // Writes one batch in a transaction. Returns an error message, or "".
  std::string write(const MetricStore::Changes& changes);

  // Starts the writer thread: every `intervalMs` it coarsens old buckets (once a minute) and
  // writes what changed. `nowMs` tells the time (a test may pass its own clock).
  void startWriter(MetricStore& store, int64_t intervalMs, std::function<int64_t()> nowMs);
  // Writes what is left, then stops the thread. Safe to call more than once.
  void stopWriter();
  // Writes what changed now, on the caller's thread (for tests and shutdown).
  std::string flush(MetricStore& store);

 private:
  void run(MetricStore& store, int64_t intervalMs, std::function<int64_t()> nowMs);

  store::sqlite::Connection db_;
  store::sqlite::Statement putSeries_;
  store::sqlite::Statement putBucket_;
  store::sqlite::Statement deleteBucket_;
  bool open_ = false;

  std::mutex writeMutex_;  // One batch at a time: the writer thread and flush().
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace nimbus::aws::cloudwatch
