// Watches a service folder for changes (inotify), so that `nimbus serve` picks up edits to code
// and to serverless.yml without a restart. Dependency and state folders (node_modules, .nimbus,
// .git, .serverless) are not watched: they are large and change for reasons of their own.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace nimbus::server {

class SourceWatcher {
 public:
  // `onChange` runs on the watcher's thread once a burst of changes has settled for `settle`.
  SourceWatcher(std::filesystem::path root, std::chrono::milliseconds settle,
                std::function<void()> onChange);
  ~SourceWatcher();
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  // False when inotify is unavailable (reload is then off; the serve log says so).
  bool start();
  void stop();

 private:
  void watchTree(const std::filesystem::path& dir);
  void run();

  std::filesystem::path root_;
  std::chrono::milliseconds settle_;
  std::function<void()> onChange_;
  int inotifyFd_ = -1;
  int wakeFd_ = -1;  // eventfd that stop() signals.
  std::map<int, std::filesystem::path> watches_;
  std::thread thread_;
};

}  // namespace nimbus::server
