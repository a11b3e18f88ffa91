#include "observe/log_store.h"

namespace nimbus::observe {

namespace fs = std::filesystem;

LogStore::LogStore(fs::path dataDir, std::FILE* console)
    : dataDir_(std::move(dataDir)), console_(console) {
  writer_ = std::thread([this] { run(); });
}

LogStore::~LogStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  for (auto& [_, f] : files_) std::fclose(f);
}

void LogStore::append(LogLine line) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(line));
    ++queued_;
  }
  wake_.notify_one();
}

void LogStore::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = queued_;
  drained_.wait(lock, [&] { return written_ >= target; });
}

fs::path LogStore::streamPath(const std::string& group, const std::string& stream) const {
  std::string relativeGroup = group;
  while (!relativeGroup.empty() && relativeGroup.front() == '/') relativeGroup.erase(0, 1);
  return dataDir_ / "logs" / relativeGroup / stream;
}

std::FILE* LogStore::open(const std::string& group, const std::string& stream) {
  if (dataDir_.empty()) return nullptr;
  std::string key = group + "\n" + stream;
  auto it = files_.find(key);
  if (it != files_.end()) return it->second;
  fs::path path = streamPath(group, stream);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f) files_.emplace(key, f);
  return f;
}

void LogStore::printToConsole(const LogLine& line) {
  // One record may hold several lines: Lambda's Node.js runtime writes a record's inner line
  // breaks as '\r' so that the record stays one line in the stream. A terminal would return
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

void LogStore::run() {
  std::deque<LogLine> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    for (const auto& line : batch) {
      if (console_)
        std::fprintf(console_, "[%s] %s\n", line.consolePrefix.c_str(), line.text.c_str());
      if (std::FILE* f = open(line.group, line.stream)) {
        std::fwrite(line.text.data(), 1, line.text.size(), f);
        std::fputc('\n', f);
      }
    }
    if (console_) std::fflush(console_);
    for (auto& [_, f] : files_) std::fflush(f);
    {
      std::lock_guard lock(mutex_);
      written_ += batch.size();
    }
    batch.clear();
    drained_.notify_all();
  }
}

}  // namespace nimbus::observe
