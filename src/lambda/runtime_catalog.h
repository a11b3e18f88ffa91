// How each Lambda runtime is launched here: the managed runtimes (Node.js, Python) run nimbus's
// own bootstrap programs on the interpreter installed on this machine; the OS-only runtimes
// (`provided*`) run the function package's own `bootstrap` executable, as Lambda does.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::lambda {

enum class RuntimeFamily { NodeJs, Python, Provided };

struct RuntimeLaunch {
  RuntimeFamily family;
  std::vector<std::string> argv;  // Program and arguments.
  std::string executionEnv;  // AWS_EXECUTION_ENV ("AWS_Lambda_nodejs20.x"), empty for provided.
  // Variables the runtime sets that a function may replace with its own, as on Lambda: NODE_PATH
  // for Node.js, which puts the AWS SDK the runtime includes after the function's node_modules.
  std::vector<std::pair<std::string, std::string>> environment;
};

class RuntimeCatalog {
 public:
  // `runtimesDir` holds node/bootstrap.js and python/bootstrap.py, and node/node_modules the AWS
  // SDK for JavaScript that scripts/setup installs.
  explicit RuntimeCatalog(std::filesystem::path runtimesDir);

  static std::optional<RuntimeFamily> familyOf(const std::string& runtime);

  // The command that starts an environment for `runtime` with code in `codeDirectory`.
  std::optional<RuntimeLaunch> launch(const std::string& runtime,
                                      const std::filesystem::path& codeDirectory) const;

  // A warning when the interpreter installed here is not the version the runtime names
  // ("python3.12 runs on Python 3.11.7 here"), empty when it matches. Starts the interpreter
  // once per family to learn its version: call it off the serving path.
  std::string versionWarning(const std::string& runtime) const;

  // The version of the interpreter installed here for `runtime` ("20.20.2"), empty when there is
  // none, or for the OS-only runtimes, which need none. Starts it once, as versionWarning does.
  std::string installedVersion(const std::string& runtime) const;

  const std::filesystem::path& runtimesDir() const { return runtimesDir_; }

 private:
  struct Interpreter {
    std::once_flag executableResolved;
    std::once_flag versionProbed;
    std::string executable;
    std::string version;  // "20.20.2"; empty when the interpreter is missing.
  };
  // The interpreter's executable, found in PATH without starting it when it is a real binary.
  const std::string& executable(RuntimeFamily family) const;
  // Starts the interpreter once to ask its version (tens of milliseconds: never on the path of
  // a cold start).
  const std::string& version(RuntimeFamily family) const;

  std::filesystem::path runtimesDir_;
  mutable Interpreter node_;
  mutable Interpreter python_;
};

// Finds the runtimes/ folder: $NIMBUS_RUNTIMES_DIR, beside the executable's parent (a build
// tree or an install prefix's share/nimbus), or the source tree the binary was built from.
std::filesystem::path locateRuntimesDir();

}  // namespace nimbus::lambda
