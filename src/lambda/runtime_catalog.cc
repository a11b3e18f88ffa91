#include "lambda/runtime_catalog.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "core/program_path.h"

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

namespace {

bool isElfBinary(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[4] = {};
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

const std::string& RuntimeCatalog::executable(RuntimeFamily family) const {
  Interpreter& i = family == RuntimeFamily::NodeJs ? node_ : python_;
  std::call_once(i.executableResolved, [&] {
    std::string name = family == RuntimeFamily::NodeJs ? "node" : "python3";
    std::string found = findInPath(name);
    if (!found.empty() && isElfBinary(found)) {
      // A real binary: no need to start it just to learn where it is.
      i.executable = found;
      return;
    }
    // A version manager's shim (a script): ask the interpreter for its real executable, so that
    // the shim does not add its own start-up to every cold start.
    std::string real = probe(family == RuntimeFamily::NodeJs
                                 ? "node -e 'console.log(process.execPath)' 2>/dev/null"
                                 : "python3 -c 'import sys; print(sys.executable)' 2>/dev/null");
    i.executable = real.empty() ? name : real;
  });
  return i.executable;
}

const std::string& RuntimeCatalog::version(RuntimeFamily family) const {
  Interpreter& i = family == RuntimeFamily::NodeJs ? node_ : python_;
  std::call_once(i.versionProbed, [&] {
    std::string exe = executable(family);
    std::string v = probe(family == RuntimeFamily::NodeJs
                              ? "'" + exe + "' -e 'console.log(process.versions.node)' 2>/dev/null"
                              : "'" + exe +
                                    "' -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])' "
                                    "2>/dev/null");
    i.version = v;
  });
  return i.version;
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
  switch (*family) {
    case RuntimeFamily::NodeJs:
      // Lambda's NODE_PATH: layers, the runtime's node_modules (its AWS SDK), the task root. A
      // package in the function's own node_modules is found first, so a bundled SDK wins.
      return RuntimeLaunch{*family,
                           {executable(*family), (runtimesDir_ / "node" / "bootstrap.js").string()},
                           "AWS_Lambda_" + runtime,
                           {{"NODE_PATH", (runtimesDir_ / "node" / "node_modules").string() + ":" +
                                              codeDirectory.string()}}};
    case RuntimeFamily::Python:
      return RuntimeLaunch{
          *family,
          {executable(*family), "-u", (runtimesDir_ / "python" / "bootstrap.py").string()},
          "AWS_Lambda_" + runtime};
    case RuntimeFamily::Provided:
      return RuntimeLaunch{*family, {(codeDirectory / "bootstrap").string()}, ""};
  }
  return std::nullopt;
}

std::string RuntimeCatalog::versionWarning(const std::string& runtime) const {
  auto family = familyOf(runtime);
  if (!family || *family == RuntimeFamily::Provided) return {};
  const std::string& installed = version(*family);
  if (*family == RuntimeFamily::NodeJs) {
    if (installed.empty()) return runtime + ": no `node` found in PATH";
    // "nodejs20.x" names major 20; "nodejs" and "nodejs4.3" name older majors.
    std::string named = runtime.substr(6);
    std::string namedMajor = named.substr(0, named.find('.'));
    std::string major = installed.substr(0, installed.find('.'));
    if (namedMajor != major) return runtime + " runs on Node.js " + installed + " here";
    return {};
  }
  if (installed.empty()) return runtime + ": no `python3` found in PATH";
  std::string named = runtime.substr(6);  // "3.12"
  std::string installedMinor = installed.substr(0, installed.rfind('.'));
  if (named != installedMinor) return runtime + " runs on Python " + installed + " here";
  return {};
}

std::string RuntimeCatalog::installedVersion(const std::string& runtime) const {
  auto family = familyOf(runtime);
  if (!family || *family == RuntimeFamily::Provided) return {};
  return version(*family);
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
