#include "build/tool_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace nimbus::build {

ToolRun runTool(const std::vector<std::string>& argv, const std::filesystem::path& workingDirectory,
                const std::vector<std::string>& extraEnvironment, std::chrono::seconds limit) {
  ToolRun run;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    run.output = std::string("cannot create a pipe: ") + std::strerror(errno);
    return run;
  }
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) environment.emplace_back(*e);
  for (const auto& e : extraEnvironment) {
    std::string name = e.substr(0, e.find('='));
    std::erase_if(environment, [&](const std::string& v) { return v.rfind(name + "=", 0) == 0; });
    environment.push_back(e);
  }
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string cwd = workingDirectory.string();

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    run.output = std::string("cannot fork: ") + std::strerror(errno);
    return run;
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // Its own group, so that a timeout kills what the tool started too.
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  run.started = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool killed = false;
  char buffer[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // Every writer closed its end: the tool and its children are done.
    run.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) {
    run.output += "\n(stopped after " + std::to_string(limit.count()) + " s)\n";
  } else if (WIFEXITED(status)) {
    run.exitCode = WEXITSTATUS(status);
    if (run.exitCode == 127 && run.output.empty()) run.output = argv[0] + ": not found\n";
  }
  return run;
}

}  // namespace nimbus::build
