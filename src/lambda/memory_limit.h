// Enforces a function's memory size on its environment and measures the peak it reached.
// Preference order: a cgroup v2 child (`memory.max`, `memory.peak`), a cgroup v1 child of
// nimbus's own memory cgroup (`memory.limit_in_bytes`, `memory.max_usage_in_bytes`), and, where
// neither can be created, a watchdog that samples the process group's resident memory and kills
// it past the limit (the peak is then the largest sample, at least the leader's VmHWM).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace nimbus::lambda {

enum class MemoryEnforcement { CgroupV2, CgroupV1, Watchdog };

const char* describe(MemoryEnforcement mode);

// One per environment. Creating it prepares the cgroup; the child joins it before exec.
class MemoryLimit {
 public:
  virtual ~MemoryLimit() = default;
  // The file the child writes "0" into to join the cgroup; empty for the watchdog.
  virtual std::string procsFile() const = 0;
  // Peak memory in bytes since creation.
  virtual uint64_t peakBytes() const = 0;
  // True once the kernel or the watchdog killed a process for exceeding the limit.
  virtual bool oomKilled() const = 0;
  // Samples usage; the watchdog kills the group past the limit. Cheap; called periodically.
  virtual void poll(pid_t processGroup) = 0;
};

class MemoryLimiter {
 public:
  // Detects what the machine offers. `scope` names this server's cgroups (unique per process).
  explicit MemoryLimiter(std::string scope);
  ~MemoryLimiter();

  MemoryEnforcement mode() const { return mode_; }
  std::unique_ptr<MemoryLimit> create(const std::string& name, uint64_t limitBytes);

 private:
  MemoryEnforcement mode_ = MemoryEnforcement::Watchdog;
  std::string root_;  // The cgroup folder holding this server's environment cgroups.
};

}  // namespace nimbus::lambda
