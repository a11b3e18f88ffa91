#include "lambda/runtime_catalog.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace nimbus::lambda {

namespace fs = std::filesystem;

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Output of a short probe command ("node --version"), trimmed.
std::string probe(const std::string& command) {
  std::string out;
  if (std::FILE* p = ::popen(command.c_str(), "r")) {
    std::array<char, 256> buf;
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

RuntimeCatalog::RuntimeCatalog(fs::path runtimesDir) : runtimesDir_(std::move(runtimesDir)) {}

void RuntimeCatalog::probeInterpreters() const {
  std::call_once(probed_, [this] {
    std::string node = probe(
        "node -e 'console.log(process.execPath + \"\\n\" + process.versions.node)' 2>/dev/null");
    if (auto nl = node.find('\n'); nl != std::string::npos) {
      nodeExecutable_ = node.substr(0, nl);
      nodeVersion_ = node.substr(nl + 1);
    }
    std::string python = probe(
        "python3 -c 'import sys; print(sys.executable); print(\"%d.%d.%d\" % "
        "sys.version_info[:3])' "
        "2>/dev/null");
    if (auto nl = python.find('\n'); nl != std::string::npos) {
      pythonExecutable_ = python.substr(0, nl);
      pythonVersion_ = python.substr(nl + 1);
    }
  });
}

std::optional<RuntimeFamily> RuntimeCatalog::familyOf(const std::string& runtime) {
  if (startsWith(runtime, "nodejs")) return RuntimeFamily::NodeJs;
  if (startsWith(runtime, "python")) return RuntimeFamily::Python;
  if (startsWith(runtime, "provided")) return RuntimeFamily::Provided;
  return std::nullopt;
}

std::optional<RuntimeLaunch> RuntimeCatalog::launch(const std::string& runtime,
                                                    const fs::path& codeDirectory) const {
  auto family = familyOf(runtime);
  if (!family) return std::nullopt;
  if (*family != RuntimeFamily::Provided) probeInterpreters();
  switch (*family) {
    case RuntimeFamily::NodeJs:
      return RuntimeLaunch{*family,
                           {nodeExecutable_, (runtimesDir_ / "node" / "bootstrap.js").string()},
                           "AWS_Lambda_" + runtime};
    case RuntimeFamily::Python:
      return RuntimeLaunch{
          *family,
          {pythonExecutable_, "-u", (runtimesDir_ / "python" / "bootstrap.py").string()},
          "AWS_Lambda_" + runtime};
    case RuntimeFamily::Provided:
      return RuntimeLaunch{*family, {(codeDirectory / "bootstrap").string()}, ""};
  }
  return std::nullopt;
}

std::string RuntimeCatalog::versionWarning(const std::string& runtime) const {
  auto family = familyOf(runtime);
  if (!family || *family == RuntimeFamily::Provided) return {};
  probeInterpreters();
  if (*family == RuntimeFamily::NodeJs) {
    if (nodeVersion_.empty()) return runtime + ": no `node` found in PATH";
    // "nodejs20.x" names major 20; "nodejs" and "nodejs4.3" name older majors.
    std::string named = runtime.substr(6);
    std::string namedMajor = named.substr(0, named.find('.'));
    std::string major = nodeVersion_.substr(0, nodeVersion_.find('.'));
    if (namedMajor != major) return runtime + " runs on Node.js " + nodeVersion_ + " here";
    return {};
  }
  if (pythonVersion_.empty()) return runtime + ": no `python3` found in PATH";
  std::string named = runtime.substr(6);  // "3.12"
  std::string installedMinor = pythonVersion_.substr(0, pythonVersion_.rfind('.'));
  if (named != installedMinor) return runtime + " runs on Python " + pythonVersion_ + " here";
  return {};
}

fs::path locateRuntimesDir() {
  if (const char* env = std::getenv("NIMBUS_RUNTIMES_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path candidate : {exe.parent_path().parent_path() / "runtimes",
                               exe.parent_path().parent_path() / "share" / "nimbus" / "runtimes",
                               exe.parent_path() / "runtimes"}) {
      if (fs::exists(candidate / "node" / "bootstrap.js", ec)) return candidate;
    }
  }
#ifdef NIMBUS_SOURCE_RUNTIMES_DIR
  return NIMBUS_SOURCE_RUNTIMES_DIR;
#else
  return "runtimes";
#endif
}

}  // namespace nimbus::lambda
