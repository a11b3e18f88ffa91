#include "lambda/runtime_catalog.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "lambda/function_spec.h"

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

bool FunctionSpec::sameDeployment(const FunctionSpec& o) const {
  return name == o.name && version == o.version && handler == o.handler && runtime == o.runtime &&
         memorySizeMb == o.memorySizeMb && timeoutSeconds == o.timeoutSeconds &&
         environment == o.environment && codeDirectory == o.codeDirectory && region == o.region;
}

RuntimeCatalog::RuntimeCatalog(fs::path runtimesDir) : runtimesDir_(std::move(runtimesDir)) {}

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
  switch (*family) {
    case RuntimeFamily::NodeJs:
      return RuntimeLaunch{*family,
                           {"node", (runtimesDir_ / "node" / "bootstrap.js").string()},
                           "AWS_Lambda_" + runtime};
    case RuntimeFamily::Python:
      return RuntimeLaunch{*family,
                           {"python3", "-u", (runtimesDir_ / "python" / "bootstrap.py").string()},
                           "AWS_Lambda_" + runtime};
    case RuntimeFamily::Provided:
      return RuntimeLaunch{*family, {(codeDirectory / "bootstrap").string()}, ""};
  }
  return std::nullopt;
}

std::string RuntimeCatalog::versionWarning(const std::string& runtime) const {
  auto family = familyOf(runtime);
  if (family == RuntimeFamily::NodeJs) {
    if (!nodeVersion_) {
      std::string v = probe("node --version 2>/dev/null");
      nodeVersion_ = startsWith(v, "v") ? v.substr(1) : v;
    }
    if (nodeVersion_->empty()) return runtime + ": no `node` found in PATH";
    // "nodejs20.x" names major 20; "nodejs" and "nodejs4.3" name older majors.
    std::string named = runtime.substr(6);
    std::string major = nodeVersion_->substr(0, nodeVersion_->find('.'));
    std::string namedMajor = named.substr(0, named.find('.'));
    if (namedMajor != major) return runtime + " runs on Node.js " + *nodeVersion_ + " here";
    return {};
  }
  if (family == RuntimeFamily::Python) {
    if (!pythonVersion_) {
      pythonVersion_ =
          probe("python3 -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])' 2>/dev/null");
    }
    if (pythonVersion_->empty()) return runtime + ": no `python3` found in PATH";
    std::string named = runtime.substr(6);  // "3.12"
    std::string installed = *pythonVersion_;
    std::string installedMinor = installed.substr(0, installed.rfind('.'));
    if (named != installedMinor) return runtime + " runs on Python " + installed + " here";
    return {};
  }
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
