#include "observe/log_store.h"

#include <fmt/format.h>

#include "core/time_format.h"

namespace nimbus::observe {

namespace fs = std::filesystem;

namespace {

// What a queued line holds in memory, counted against the queue's bound.
size_t lineBytes(const LogLine& line) {
  return line.text.size() + line.group.size() + line.stream.size() + 64;
}

}  // namespace

LogStore::LogStore(fs::path dataDir, std::FILE* console, LogStoreLimits limits)
    : console_(console), limits_(limits) {
  std::error_code ec;
  fs::create_directories(dataDir, ec);
  fs::path file = dataDir / "logs.db";
  writerDb_ = std::make_unique<LogDatabase>(file);
  if (writerDb_->error().empty()) readerDb_ = std::make_unique<LogDatabase>(file);
  if (!writerDb_->error().empty() || !readerDb_->error().empty()) {
    error_ = !writerDb_->error().empty() ? writerDb_->error() : readerDb_->error();
    writerDb_.reset();
    readerDb_.reset();
  }
  writer_ = std::thread([this] { runWriter(); });
  reader_ = std::thread([this] { runReader(); });
}

LogStore::~LogStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  readerWake_.notify_all();
  drained_.notify_all();
  writer_.join();
  reader_.join();
}

void LogStore::append(LogLine line) {
  if (line.timestampMs == 0) line.timestampMs = nowMs();
  size_t bytes = lineBytes(line);
  bool wasEmpty;
  {
    std::lock_guard lock(mutex_);
    if (queuedBytes_ + bytes > limits_.maxQueuedBytes) {
      ++dropped_;
      ++droppedByStream_[{line.group, line.stream}];
      return;
    }
    queuedBytes_ += bytes;
    wasEmpty = queue_.empty();
    queue_.push_back(Item{std::move(line), {}});
    ++queued_;
  }
  // The writer sleeps only on an empty queue: one wake-up (a system call) per batch, not per
  // line, and lines written while it stores a batch make the next batch.
  if (wasEmpty) wake_.notify_one();
}

void LogStore::write(std::function<void(LogDatabase*)> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Item{{}, std::move(task)});
    ++queued_;
  }
  wake_.notify_one();
}

void LogStore::read(std::function<void(LogDatabase*)> task) {
  {
    std::lock_guard lock(mutex_);
    reads_.emplace_back(queued_, std::move(task));
  }
  readerWake_.notify_one();
}

void LogStore::setLineObserver(std::function<void(const LogLine&)> observer) {
  std::lock_guard lock(mutex_);
  lineObserver_ = std::move(observer);
}

void LogStore::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = queued_;
  drained_.wait(lock, [&] { return written_ >= target || stopping_; });
}

uint64_t LogStore::droppedLines() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogStore::printToConsole(const LogLine& line) {
  // One record may hold several lines: Lambda's Node.js runtime writes a record's inner line
  // breaks as '\r' so that the record stays one event in the stream. A terminal would return
  // the cursor and overwrite the record, so the console shows them as indented lines.
  std::fprintf(console_, "[%s] ", line.consolePrefix.c_str());
  size_t start = 0;
  for (size_t cr = line.text.find('\r'); cr != std::string::npos;
       cr = line.text.find('\r', start)) {
    std::fwrite(line.text.data() + start, 1, cr - start, console_);
    std::fputs("\n    ", console_);
    start = cr + 1;
  }
  std::fwrite(line.text.data() + start, 1, line.text.size() - start, console_);
  std::fputc('\n', console_);
}

// Stores runs of lines in one transaction each; a task runs between them in queue order.
void LogStore::store(std::deque<Item>& batch, const std::function<void(const LogLine&)>& observer) {
  std::vector<NewEvent> events;
  auto flushEvents = [&] {
    if (writerDb_ && !events.empty()) writerDb_->insert(events, nowMs());
    events.clear();
  };
  for (auto& item : batch) {
    if (item.task) {
      flushEvents();
      item.task(writerDb_.get());
      continue;
    }
    LogLine& line = item.line;
    if (console_ && !line.consolePrefix.empty()) printToConsole(line);
    if (observer) observer(line);
    events.push_back(NewEvent{std::move(line.group), std::move(line.stream), line.timestampMs,
                              std::move(line.text), true});
  }
  flushEvents();
  if (console_) std::fflush(console_);
}

void LogStore::runWriter() {
  std::deque<Item> batch;
  auto nextRetention = std::chrono::steady_clock::now();
  for (;;) {
    std::map<std::pair<std::string, std::string>, uint64_t> dropped;
    std::function<void(const LogLine&)> observer;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, nextRetention, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
      queuedBytes_ = 0;
      dropped.swap(droppedByStream_);
      observer = lineObserver_;
    }
    // Said in the stream that lost lines, after the lines that made it, and on the console.
    for (const auto& [where, count] : dropped) {
      LogLine note{where.first, where.second, "nimbus", "", nowMs()};
      note.text = fmt::format(
          "nimbus: {} log line{} of this stream dropped: output came faster than it could be "
          "stored",
          count, count == 1 ? "" : "s");
      batch.push_back(Item{std::move(note), {}});
    }
    size_t handled = batch.size() - dropped.size();
    store(batch, observer);
    if (std::chrono::steady_clock::now() >= nextRetention) {
      if (writerDb_) writerDb_->applyRetention(nowMs());
      nextRetention = std::chrono::steady_clock::now() + limits_.retentionInterval;
    }
    {
      std::lock_guard lock(mutex_);
      written_ += handled;
    }
    batch.clear();
    drained_.notify_all();
    readerWake_.notify_all();
  }
}

void LogStore::runReader() {
  for (;;) {
    std::function<void(LogDatabase*)> task;
    {
      std::unique_lock lock(mutex_);
      readerWake_.wait(
          lock, [&] { return stopping_ || (!reads_.empty() && written_ >= reads_.front().first); });
      if (stopping_) {
        // Queries still waiting are answered from what is stored.
        if (reads_.empty()) return;
      }
      task = std::move(reads_.front().second);
      reads_.pop_front();
    }
    task(readerDb_.get());
  }
}

}  // namespace nimbus::observe
