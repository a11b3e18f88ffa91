#include "lambda/memory_limit.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/file_text.h"

namespace nimbus::lambda {

namespace fs = std::filesystem;

namespace {

bool writeFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  if (!out) return false;
  out << value;
  out.flush();
  return static_cast<bool>(out);
}

uint64_t readNumber(const std::string& path) {
  std::string text = readFileText(path).value_or("");
  try {
    return text.empty() ? 0 : std::stoull(text);
  } catch (...) {
    return 0;  // "max" or an unreadable file: no figure.
  }
}

// The value of `key` in a "key value" per line file such as memory.events or memory.oom_control.
uint64_t readKeyed(const std::string& path, const std::string& key) {
  std::istringstream in(readFileText(path).value_or(""));
  std::string k;
  uint64_t v;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

// The path of this process's cgroup for `controller` ("" for the v2 unified line).
std::optional<std::string> ownCgroup(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controller.empty()
            ? controllers.empty()
            : (("," + controllers + ",").find("," + controller + ",") != std::string::npos)) {
      return path;
    }
  }
  return std::nullopt;
}

class CgroupLimit : public MemoryLimit {
 public:
  CgroupLimit(std::string dir, bool v2) : dir_(std::move(dir)), v2_(v2) {}
  ~CgroupLimit() override {
    std::error_code ec;
    fs::remove(dir_, ec);  // rmdir; fails harmlessly while a dying process still holds it.
  }
  std::string procsFile() const override { return dir_ + "/cgroup.procs"; }
  uint64_t peakBytes() const override {
    return readNumber(dir_ + (v2_ ? "/memory.peak" : "/memory.max_usage_in_bytes"));
  }
  bool oomKilled() const override {
    return v2_ ? readKeyed(dir_ + "/memory.events", "oom_kill") > 0
               : readKeyed(dir_ + "/memory.oom_control", "oom_kill") > 0;
  }
  void poll(pid_t) override {}

 private:
  std::string dir_;
  bool v2_;
};

class WatchdogLimit : public MemoryLimit {
 public:
  explicit WatchdogLimit(uint64_t limit) : limit_(limit) {}
  std::string procsFile() const override { return {}; }
  uint64_t peakBytes() const override { return peak_.load(); }
  bool oomKilled() const override { return killed_.load(); }
  void poll(pid_t group) override {
    if (group <= 0) return;
    std::istringstream in(readFileText("/proc/" + std::to_string(group) + "/status").value_or(""));
    std::string line;
    uint64_t rss = 0, hwm = 0;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) rss = std::stoull(line.substr(6)) * 1024;
      if (line.rfind("VmHWM:", 0) == 0) hwm = std::stoull(line.substr(6)) * 1024;
    }
    uint64_t seen = std::max(rss, hwm);
    if (seen > peak_.load()) peak_.store(seen);
    if (rss > limit_) {
      killed_.store(true);
      ::kill(-group, SIGKILL);
    }
  }

 private:
  uint64_t limit_;
  std::atomic<uint64_t> peak_{0};
  std::atomic<bool> killed_{false};
};

}  // namespace

const char* describe(MemoryEnforcement mode) {
  switch (mode) {
    case MemoryEnforcement::CgroupV2:
      return "cgroup v2 (memory.max)";
    case MemoryEnforcement::CgroupV1:
      return "cgroup v1 (memory.limit_in_bytes)";
    case MemoryEnforcement::Watchdog:
      return "resident-memory watchdog (no writable memory cgroup)";
  }
  return "unknown";
}

MemoryLimiter::MemoryLimiter(std::string scope) {
  std::error_code ec;
  // cgroup v2: the unified hierarchy mounted at /sys/fs/cgroup with the memory controller.
  if (auto own = ownCgroup(""); own && fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
    std::string dir = "/sys/fs/cgroup" + (*own == "/" ? std::string() : *own) + "/" + scope;
    if (fs::create_directory(dir, ec) || fs::exists(dir)) {
      if (fs::exists(dir + "/memory.max") ||
          (writeFile(dir + "/cgroup.subtree_control", "+memory") && fs::exists(dir))) {
        // Environments live in children of `dir`, which needs the controller delegated.
        writeFile(dir + "/cgroup.subtree_control", "+memory");
        std::string probe = dir + "/probe";
        fs::create_directory(probe, ec);
        bool usable = fs::exists(probe + "/memory.max");
        fs::remove(probe, ec);
        if (usable) {
          mode_ = MemoryEnforcement::CgroupV2;
          root_ = dir;
          return;
        }
      }
      fs::remove(dir, ec);
    }
  }
  // cgroup v1: a child of this process's own memory cgroup.
  if (auto own = ownCgroup("memory")) {
    std::string dir = "/sys/fs/cgroup/memory" + (*own == "/" ? std::string() : *own) + "/" + scope;
    if ((fs::create_directory(dir, ec) || fs::exists(dir)) &&
        fs::exists(dir + "/memory.limit_in_bytes")) {
      mode_ = MemoryEnforcement::CgroupV1;
      root_ = dir;
      return;
    }
    fs::remove(dir, ec);
  }
  mode_ = MemoryEnforcement::Watchdog;
}

MemoryLimiter::~MemoryLimiter() {
  if (root_.empty()) return;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (entry.is_directory()) fs::remove(entry.path(), ec);
  }
  fs::remove(root_, ec);
}

std::unique_ptr<MemoryLimit> MemoryLimiter::create(const std::string& name, uint64_t limitBytes) {
  if (mode_ == MemoryEnforcement::Watchdog) return std::make_unique<WatchdogLimit>(limitBytes);
  std::string dir = root_ + "/" + name;
  std::error_code ec;
  fs::create_directory(dir, ec);
  bool v2 = mode_ == MemoryEnforcement::CgroupV2;
  bool ok = v2 ? writeFile(dir + "/memory.max", std::to_string(limitBytes)) &&
                     writeFile(dir + "/memory.swap.max", "0")
               : writeFile(dir + "/memory.limit_in_bytes", std::to_string(limitBytes));
  if (v2 && !ok) ok = writeFile(dir + "/memory.max", std::to_string(limitBytes));
  if (!ok) {
    fs::remove(dir, ec);
    return std::make_unique<WatchdogLimit>(limitBytes);
  }
  if (!v2) writeFile(dir + "/memory.swappiness", "0");
  return std::make_unique<CgroupLimit>(dir, v2);
}

}  // namespace nimbus::lambda
