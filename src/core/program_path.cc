#include "core/program_path.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace nimbus {

std::string findInPath(const std::string& name) {
  namespace fs = std::filesystem;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    std::error_code ec;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate, ec)) {
      return candidate.string();
    }
    start = end + 1;
  }
  return {};
}

}  // namespace nimbus
