#include "lambda/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace nimbus::lambda {

namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int openPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

std::string signalName(int sig) {
  // Lambda reports Go's signal names (the sandbox is written in Go): "signal: killed".
  switch (sig) {
    case SIGKILL:
      return "killed";
    case SIGTERM:
      return "terminated";
    case SIGSEGV:
      return "segmentation fault";
    case SIGABRT:
      return "aborted";
    case SIGINT:
      return "interrupt";
    case SIGBUS:
      return "bus error";
    case SIGFPE:
      return "floating point exception";
    case SIGILL:
      return "illegal instruction";
    case SIGPIPE:
      return "broken pipe";
    default:
      return std::to_string(sig);
  }
}

// Children killed while still running are reaped by one background thread, so that no I/O
// thread ever blocks in waitpid while the kernel tears a large process down.
void reapInBackground(pid_t pid) {
  struct Reaper {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<pid_t> pending;
  };
  // Never destroyed: the thread waits on it for the life of the process, and destroying a
  // condition variable with a waiter blocks forever at exit.
  static Reaper* reaper = [] {
    auto* r = new Reaper;
    std::thread([r] {
      for (;;) {
        pid_t next;
        {
          std::unique_lock lock(r->mutex);
          r->wake.wait(lock, [r] { return !r->pending.empty(); });
          next = r->pending.front();
          r->pending.pop_front();
        }
        int status;
        ::waitpid(next, &status, 0);
      }
    }).detach();
    return r;
  }();
  {
    std::lock_guard lock(reaper->mutex);
    reaper->pending.push_back(pid);
  }
  reaper->wake.notify_one();
}

}  // namespace

std::optional<ChildProcess> ChildProcess::spawn(const SpawnOptions& options, std::string& error) {
  // Everything the child needs is prepared before fork: after fork in a threaded parent only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : options.environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string pathSearch;
  for (const auto& e : options.environment) {
    if (e.rfind("PATH=", 0) == 0) pathSearch = e.substr(5);
  }
  // Candidate executable paths, resolved before fork (execvpe would read the parent's PATH).
  std::vector<std::string> candidates;
  const std::string& program = options.argv.at(0);
  if (program.find('/') != std::string::npos) {
    candidates.push_back(program);
  } else {
    size_t start = 0;
    while (start <= pathSearch.size()) {
      size_t end = pathSearch.find(':', start);
      if (end == std::string::npos) end = pathSearch.size();
      std::string dir = pathSearch.substr(start, end - start);
      candidates.push_back((dir.empty() ? "." : dir) + "/" + program);
      start = end + 1;
    }
  }

  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    return std::nullopt;
  }

  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {outPipe[0], outPipe[1], errPipe[0], errPipe[1]}) ::close(fd);
    return std::nullopt;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    if (!options.cgroupProcsFile.empty()) {
      int fd = ::open(options.cgroupProcsFile.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)!::write(fd, "0", 1);  // "0" means the writing process itself.
        ::close(fd);
      }
    }
    ::dup2(outPipe[1], STDOUT_FILENO);
    ::dup2(errPipe[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // Nothing else of the server's crosses into the function: sockets opened without
    // close-on-exec (listeners, other environments' connections) would otherwise stay open in
    // every runtime, outlive a crashed server and keep its ports bound.
    if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    }
    // Restore default signal dispositions and mask that the server may have changed.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (!options.workingDirectory.empty() && ::chdir(options.workingDirectory.c_str()) != 0) {
      ::_exit(126);
    }
    for (const auto& candidate : candidates) {
      ::execve(candidate.c_str(), argv.data(), envp.data());
    }
    ::_exit(127);
  }

  ::setpgid(pid, pid);  // Also in the parent, so that killGroup works even before the child runs.
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  ChildProcess child;
  child.pid_ = pid;
  child.stdoutFd_ = outPipe[0];
  child.stderrFd_ = errPipe[0];
  ::fcntl(child.stdoutFd_, F_SETFL, O_NONBLOCK);
  ::fcntl(child.stderrFd_, F_SETFL, O_NONBLOCK);
  child.pidFd_ = openPidFd(pid);
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept {
  *this = std::move(other);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    stdoutFd_ = other.stdoutFd_;
    stderrFd_ = other.stderrFd_;
    pidFd_ = other.pidFd_;
    reaped_ = other.reaped_;
    other.pid_ = -1;
    other.stdoutFd_ = other.stderrFd_ = other.pidFd_ = -1;
    other.reaped_ = true;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  release();
}

void ChildProcess::release() {
  if (pid_ > 0 && !reaped_) {
    killGroup();
    int status;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) reapInBackground(pid_);
    reaped_ = true;
  }
  closeFd(stdoutFd_);
  closeFd(stderrFd_);
  closeFd(pidFd_);
  pid_ = -1;
}

void ChildProcess::killGroup() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  if (!reaped_) ::kill(pid_, SIGKILL);
}

std::optional<int> ChildProcess::tryReap() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    // Whatever the runtime left behind in its group goes with it.
    ::kill(-pid_, SIGKILL);
    return status;
  }
  return std::nullopt;
}

std::string ChildProcess::describeExit(int waitStatus) {
  if (WIFEXITED(waitStatus)) return "exit status " + std::to_string(WEXITSTATUS(waitStatus));
  if (WIFSIGNALED(waitStatus)) return "signal: " + signalName(WTERMSIG(waitStatus));
  return "unknown exit";
}

}  // namespace nimbus::lambda
