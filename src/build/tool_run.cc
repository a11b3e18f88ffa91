#include "build/tool_run.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "lambda/child_process.h"

extern char** environ;

namespace nimbus::build {

namespace {

// Reads what is there without blocking; false once the writers are gone (or on an error).
bool drain(int fd, std::string& out) {
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

}  // namespace

ToolRun runTool(const std::vector<std::string>& argv, const std::filesystem::path& workingDirectory,
                const std::vector<std::string>& extraEnvironment, std::chrono::seconds limit) {
  ToolRun run;
  // The tool runs as a function's runtime does (its own process group, no descriptor of the
  // server's, default signal handling), with this process's environment plus the extras.
  lambda::SpawnOptions options;
  options.argv = argv;
  options.workingDirectory = workingDirectory.string();
  for (char** e = environ; *e; ++e) options.environment.emplace_back(*e);
  for (const auto& e : extraEnvironment) {
    std::string prefix = e.substr(0, e.find('=') + 1);
    std::erase_if(options.environment,
                  [&](const std::string& v) { return v.rfind(prefix, 0) == 0; });
    options.environment.push_back(e);
  }
  std::string error;
  auto child = lambda::ChildProcess::spawn(options, error);
  if (!child) {
    run.output = error;
    return run;
  }
  run.started = true;

  std::vector<int> outputs = {child->takeStdoutFd(), child->takeStderrFd()};
  int pidFd = child->takePidFd();
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::optional<int> status;
  bool killed = false;
  // Until the tool has exited and everything it wrote is read (its children may hold the pipes
  // open; reaping the tool ends its process group).
  while (!status || !outputs.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      child->killGroup();
      killed = true;
      break;
    }
    std::vector<pollfd> waits;
    for (int fd : outputs) waits.push_back({fd, POLLIN, 0});
    if (!status && pidFd >= 0) waits.push_back({pidFd, POLLIN, 0});
    // Without a pidfd (older kernels) the exit is looked for every 50 ms.
    int timeout = !status && pidFd < 0 ? 50 : static_cast<int>(left.count());
    if (::poll(waits.data(), waits.size(), timeout) < 0 && errno != EINTR) break;
    std::erase_if(outputs, [&](int fd) {
      if (drain(fd, run.output)) return false;
      ::close(fd);
      return true;
    });
    if (!status) status = child->tryReap();
  }
  for (int fd : outputs) ::close(fd);
  if (pidFd >= 0) ::close(pidFd);
  if (killed) {
    run.output += "\n(stopped after " + std::to_string(limit.count()) + " s)\n";
  } else if (status && WIFEXITED(*status)) {
    run.exitCode = WEXITSTATUS(*status);
    if (run.exitCode == 127 && run.output.empty()) run.output = argv[0] + ": not found\n";
  }
  return run;
}

}  // namespace nimbus::build
