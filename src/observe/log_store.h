// Function log streams: every line is printed to the console (prefixed with the function's short
// name) and appended to a file under the data dir, laid out like CloudWatch Logs:
// <dataDir>/logs/<log group>/<log stream>. Writes happen on one writer thread, never on the
// caller's: the invocation path only queues lines.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace nimbus::observe {

struct LogLine {
  std::string group;          // "/aws/lambda/my-service-dev-app"
  std::string stream;         // "2026/11/28/[$LATEST]0123abcd..."
  std::string consolePrefix;  // "app"
  std::string text;           // One line, without the trailing newline.
};

class LogStore {
 public:
  // `dataDir` empty keeps nothing on disk; `console` null prints nothing.
  LogStore(std::filesystem::path dataDir, std::FILE* console);
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  void append(LogLine line);
  // Blocks until everything queued so far is written (tests and shutdown).
  void flush();
  // The file that holds a stream (for tests and `nimbus logs`).
  std::filesystem::path streamPath(const std::string& group, const std::string& stream) const;

 private:
  void run();
  void printToConsole(const LogLine& line);
  std::FILE* open(const std::string& group, const std::string& stream);

  std::filesystem::path dataDir_;
  std::FILE* console_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<LogLine> queue_;
  uint64_t queued_ = 0;
  uint64_t written_ = 0;
  bool stopping_ = false;
  // Open stream files, closed when the store stops (one per environment, so few).
  std::map<std::string, std::FILE*> files_;
  std::thread writer_;
};

}  // namespace nimbus::observe
