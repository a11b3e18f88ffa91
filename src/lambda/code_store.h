// Deployment packages uploaded through the Lambda API. Each zip is kept once, named by its
// SHA-256, with its files extracted beside it for execution environments to run: functions
// with the same code share one copy, and a package never changes once stored (an update
// stores a new one), so environments still running older code are never disturbed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace nimbus::lambda {

struct StoredPackage {
  std::filesystem::path directory;  // The extracted files (LAMBDA_TASK_ROOT).
  std::string sha256;               // Base64 SHA-256 of the zip (CodeSha256).
  int64_t size = 0;                 // Bytes of the zip (CodeSize).
};

// Why a package was refused, worded as Lambda words it.
struct PackageError {
  std::string type;  // "InvalidParameterValueException", or "ServiceException" for disk errors
  std::string message;
};

class CodeStore {
 public:
  // Lambda's limit on a function's unzipped code.
  static constexpr int64_t kMaxUnzippedBytes = 262144000;

  explicit CodeStore(std::filesystem::path root) : root_(std::move(root)) {}

  // Stores `zip` and extracts it, unless a package with the same digest is already stored.
  // Refuses what is not a zip, entries that would land outside the package, and packages
  // whose files exceed kMaxUnzippedBytes. Blocks on disk: call it off the I/O threads for
  // large packages.
  std::optional<StoredPackage> add(std::string_view zip, PackageError& error);

  // The stored zip of a package directory, for GetFunction's Code.Location.
  std::filesystem::path zipOf(const std::filesystem::path& directory) const;

  // Deletes stored packages whose directories are not in `inUse` (and leftovers of
  // interrupted extractions).
  void removeUnused(const std::set<std::filesystem::path>& inUse);

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace nimbus::lambda
