// Function logs and CloudWatch Logs' storage. Every line a function prints is shown on the
// console (prefixed with the function's short name) and stored as an event of its environment's
// log stream in `{data dir}/logs.db` (log_database.h), where the Logs API reads it.
//
// The invocation path only queues lines: one writer thread stores them in batches, one reader
// thread answers queries, so that neither a slow disk nor a large FilterLogEvents ever holds an
// invocation. The queue is bounded: a function that prints faster than the disk takes it loses
// lines rather than memory, and each stream that lost some gets a line saying how many.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "observe/log_database.h"

namespace nimbus::observe {

struct LogLine {
  std::string group;          // "/aws/lambda/my-service-dev-app"
  std::string stream;         // "2026/11/28/[$LATEST]0123abcd..."
  std::string consolePrefix;  // "app"; empty: not shown on the console.
  std::string text;           // One event, without the trailing newline.
  int64_t timestampMs = 0;    // 0: the time it is queued.
};

struct LogStoreLimits {
  // Bytes of lines waiting for the writer before new lines are dropped.
  size_t maxQueuedBytes = 64 << 20;
  // How often groups' retention is applied.
  std::chrono::milliseconds retentionInterval{60'000};
};

class LogStore {
 public:
  // `console` null prints nothing.
  LogStore(std::filesystem::path dataDir, std::FILE* console, LogStoreLimits limits = {});
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Queues a line of a function's output; the group and stream are created when missing.
  void append(LogLine line);

  // Runs `task` on the writer thread, after every line queued before it, with the database that
  // writes (null when it could not be opened). PutLogEvents and the management operations go
  // here, so that they are ordered with the lines.
  void write(std::function<void(LogDatabase*)> task);
  // Runs `task` on the reader thread once every line queued before this call is stored.
  void read(std::function<void(LogDatabase*)> task);

  // Sees every line appended (not PutLogEvents' events), on the writer thread: Embedded Metric
  // Format lines become metrics there. Set before lines are appended; null for none.
  void setLineObserver(std::function<void(const LogLine&)> observer);

  // Blocks until everything queued so far is written (tests and shutdown).
  void flush();
  // Lines dropped because the queue was full, since start.
  uint64_t droppedLines() const;
  // Why the database could not be opened; empty when it is open.
  const std::string& error() const { return error_; }

 private:
  struct Item {
    LogLine line;
    std::function<void(LogDatabase*)> task;  // Set for write(); the line is then unused.
  };
  void runWriter();
  void runReader();
  void printToConsole(const LogLine& line);
  void store(std::deque<Item>& batch, const std::function<void(const LogLine&)>& observer);

  std::FILE* console_;
  LogStoreLimits limits_;
  std::unique_ptr<LogDatabase> writerDb_;
  std::unique_ptr<LogDatabase> readerDb_;
  std::string error_;
  std::function<void(const LogLine&)> lineObserver_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_;
  size_t queuedBytes_ = 0;
  uint64_t queued_ = 0;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> droppedByStream_;
  bool stopping_ = false;

  std::condition_variable readerWake_;
  std::deque<std::pair<uint64_t, std::function<void(LogDatabase*)>>> reads_;

  std::thread writer_;
  std::thread reader_;
};

}  // namespace nimbus::observe
