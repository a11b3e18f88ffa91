// A child process in its own process group, with its stdout and stderr on pipes and a pidfd to
// learn of its exit without SIGCHLD handlers. Owned by exactly one object; never copied.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::lambda {

struct SpawnOptions {
  std::vector<std::string> argv;         // argv[0] is the program, searched in PATH if relative.
  std::vector<std::string> environment;  // "NAME=value" entries; the whole environment.
  std::string workingDirectory;
  // A cgroup `tasks`/`cgroup.procs` file the child joins before exec, so that its memory is
  // accounted from its first allocation. Empty for none.
  std::string cgroupProcsFile;
};

class ChildProcess {
 public:
  // Starts the process. Returns nullopt with `error` set if it could not be started (fork or
  // pipe failure). A program that cannot be executed starts and exits with status 127.
  static std::optional<ChildProcess> spawn(const SpawnOptions& options, std::string& error);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills the whole process group and reaps the child if it has not been reaped yet.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Hand over the non-blocking read ends of the child's stdout and stderr, and its pidfd (which
  // becomes readable when the child exits; -1 where the kernel has no pidfd_open). The caller
  // owns them afterwards. They are handed over rather than duplicated because an event loop
  // that closes a duplicate leaves the shared file description registered in epoll, where it
  // goes on reporting events for whatever later reuses the descriptor number.
  int takeStdoutFd() { return std::exchange(stdoutFd_, -1); }
  int takeStderrFd() { return std::exchange(stderrFd_, -1); }
  int takePidFd() { return std::exchange(pidFd_, -1); }

  // SIGKILL to the process group: the runtime and anything it started.
  void killGroup();
  // Reaps the child without blocking. Returns the raw wait status once it has exited.
  std::optional<int> tryReap();

  // "exit status 1" or "signal: killed", the wording Lambda uses for Runtime.ExitError.
  static std::string describeExit(int waitStatus);

 private:
  ChildProcess() = default;
  void release();

  pid_t pid_ = -1;
  int stdoutFd_ = -1;
  int stderrFd_ = -1;
  int pidFd_ = -1;
  bool reaped_ = false;
};

}  // namespace nimbus::lambda
