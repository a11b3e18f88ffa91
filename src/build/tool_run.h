// Runs a build tool to completion and keeps what it printed: the build's messages are the tool's
// own, shown to the user as they are.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace nimbus::build {

struct ToolRun {
  bool started = false;  // False when it could not be run at all (then `output` says why).
  int exitCode = -1;     // -1 when it was killed (by a signal or for running too long).
  std::string output;    // Its stdout and stderr, interleaved as it wrote them.
  bool ok() const { return started && exitCode == 0; }
};

// Runs `argv` (argv[0] searched in PATH) in `workingDirectory` with this process's environment
// plus `extraEnvironment` ("NAME=value"), and waits for it, killing it after `limit`.
ToolRun runTool(const std::vector<std::string>& argv, const std::filesystem::path& workingDirectory,
                const std::vector<std::string>& extraEnvironment, std::chrono::seconds limit);

}  // namespace nimbus::build
