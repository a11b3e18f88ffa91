#include "aws/cloudwatch/metric_database.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace nimbus::aws::cloudwatch {

namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS metric_series (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dimensions TEXT NOT NULL,
  last_put_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS metric_buckets (
  series_id INTEGER NOT NULL,
  unit TEXT NOT NULL,
  start_sec INTEGER NOT NULL,
  width_sec INTEGER NOT NULL,
  sample_count REAL NOT NULL,
  sum REAL NOT NULL,
  minimum REAL NOT NULL,
  maximum REAL NOT NULL,
  sketch BLOB NOT NULL,
  PRIMARY KEY (series_id, unit, start_sec, width_sec)
) WITHOUT ROWID;
)sql";

std::string dimensionsJson(const std::vector<Dimension>& dims) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& d : dims) j.push_back({d.name, d.value});
  return j.dump();
}

bool parseDimensions(const std::string& text, std::vector<Dimension>& out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return false;
  for (const auto& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return false;
    }
    out.push_back(Dimension{pair[0].get<std::string>(), pair[1].get<std::string>()});
  }
  return true;
}

void bindDouble(store::sqlite::Statement& s, int index, double value) {
  sqlite3_bind_double(s.get(), index, value);
}

double columnDouble(const store::sqlite::Statement& s, int column) {
  return sqlite3_column_double(s.get(), column);
}

}  // namespace

MetricDatabase::~MetricDatabase() {
  stopWriter();
}

std::string MetricDatabase::open(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  std::string error;
  if (!db_.open(file, error) || !db_.exec(kSchema, error)) return error;
  putSeries_ = db_.prepare(
      "INSERT INTO metric_series (id, namespace, name, dimensions, last_put_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET last_put_ms = ?5",
      error);
  if (!error.empty()) return error;
  putBucket_ = db_.prepare(
      "INSERT OR REPLACE INTO metric_buckets (series_id, unit, start_sec, width_sec, "
      "sample_count, sum, minimum, maximum, sketch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      error);
  if (!error.empty()) return error;
  deleteBucket_ = db_.prepare(
      "DELETE FROM metric_buckets WHERE series_id = ?1 AND unit = ?2 AND start_sec = ?3 AND "
      "width_sec = ?4",
      error);
  if (!error.empty()) return error;
  open_ = true;
  return "";
}

std::vector<std::string> MetricDatabase::load(MetricStore& store) {
  std::vector<std::string> warnings;
  if (!open_) return warnings;
  std::string error;
  auto series =
      db_.prepare("SELECT id, namespace, name, dimensions, last_put_ms FROM metric_series", error);
  if (!error.empty()) return {"cloudwatch: " + error};
  while (series.step() == SQLITE_ROW) {
    MetricIdentity identity{series.columnText(1), series.columnText(2), {}};
    if (!parseDimensions(series.columnText(3), identity.dimensions)) {
      warnings.push_back(
          fmt::format("cloudwatch: the stored metric {} has unreadable dimensions; it is skipped",
                      identity.name));
      continue;
    }
    store.restoreSeries(series.columnInt(0), std::move(identity), series.columnInt(4));
  }
  auto buckets = db_.prepare(
      "SELECT series_id, unit, start_sec, width_sec, sample_count, sum, minimum, maximum, sketch "
      "FROM metric_buckets",
      error);
  if (!error.empty()) return {"cloudwatch: " + error};
  size_t skipped = 0;
  while (buckets.step() == SQLITE_ROW) {
    Aggregate aggregate;
    aggregate.sampleCount = columnDouble(buckets, 4);
    aggregate.sum = columnDouble(buckets, 5);
    aggregate.minimum = columnDouble(buckets, 6);
    aggregate.maximum = columnDouble(buckets, 7);
    if (!ValueSketch::parse(buckets.columnText(8), aggregate.sketch) ||
        !store.restoreBucket(buckets.columnInt(0), buckets.columnText(1), buckets.columnInt(2),
                             static_cast<int32_t>(buckets.columnInt(3)), std::move(aggregate))) {
      ++skipped;
    }
  }
  if (skipped > 0) {
    warnings.push_back(
        fmt::format("cloudwatch: {} stored datapoint buckets could not be read; skipped", skipped));
  }
  return warnings;
}

std::string MetricDatabase::write(const MetricStore::Changes& changes) {
  if (!open_ || changes.empty()) return "";
  std::lock_guard lock(writeMutex_);
  std::string error;
  if (!db_.exec("BEGIN", error)) return error;
  for (const auto& s : changes.series) {
    std::string dims = dimensionsJson(s.identity.dimensions);
    putSeries_.reset();
    putSeries_.bind(1, s.id);
    putSeries_.bind(2, s.identity.ns);
    putSeries_.bind(3, s.identity.name);
    putSeries_.bind(4, dims);
    putSeries_.bind(5, s.lastPutMs);
    if (putSeries_.step() != SQLITE_DONE) error = db_.lastError();
  }
  for (const auto& b : changes.buckets) {
    if (!error.empty()) break;
    if (!b.aggregate) {
      deleteBucket_.reset();
      deleteBucket_.bind(1, b.seriesId);
      deleteBucket_.bind(2, b.unit);
      deleteBucket_.bind(3, b.startSec);
      deleteBucket_.bind(4, int64_t{b.widthSec});
      if (deleteBucket_.step() != SQLITE_DONE) error = db_.lastError();
      continue;
    }
    std::string sketch = b.aggregate->sketch.serialize();
    putBucket_.reset();
    putBucket_.bind(1, b.seriesId);
    putBucket_.bind(2, b.unit);
    putBucket_.bind(3, b.startSec);
    putBucket_.bind(4, int64_t{b.widthSec});
    bindDouble(putBucket_, 5, b.aggregate->sampleCount);
    bindDouble(putBucket_, 6, b.aggregate->sum);
    bindDouble(putBucket_, 7, b.aggregate->minimum);
    bindDouble(putBucket_, 8, b.aggregate->maximum);
    putBucket_.bindBlob(9, sketch);
    if (putBucket_.step() != SQLITE_DONE) error = db_.lastError();
  }
  putSeries_.reset();
  putBucket_.reset();
  deleteBucket_.reset();
  std::string commitError;
  if (!error.empty()) {
    db_.exec("ROLLBACK", commitError);
    return error;
  }
  if (!db_.exec("COMMIT", commitError)) return commitError;
  return "";
}

std::string MetricDatabase::flush(MetricStore& store) {
  return write(store.takeChanges());
}

void MetricDatabase::startWriter(MetricStore& store, int64_t intervalMs,
                                 std::function<int64_t()> nowMs) {
  if (writer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  writer_ = std::thread(
      [this, &store, intervalMs, nowMs = std::move(nowMs)] { run(store, intervalMs, nowMs); });
}

void MetricDatabase::run(MetricStore& store, int64_t intervalMs, std::function<int64_t()> nowMs) {
  int64_t lastCoarsenMs = 0;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, std::chrono::milliseconds(intervalMs), [this] { return stopping_; });
    bool last = stopping_;
    lock.unlock();
    int64_t now = nowMs();
    if (now - lastCoarsenMs >= 60'000) {
      store.coarsen(now);
      lastCoarsenMs = now;
    }
    // A failed batch is reported and dropped: the data stays in memory and answers queries;
    // it is written again only if its bucket changes (the next put rewrites the bucket whole).
    if (std::string error = flush(store); !error.empty()) {
      std::fprintf(stderr, "cloudwatch: writing datapoints failed: %s\n", error.c_str());
    }
    lock.lock();
    if (last) return;
  }
}

void MetricDatabase::stopWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

}  // namespace nimbus::aws::cloudwatch
