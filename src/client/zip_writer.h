// Deterministic zip files (libarchive): the same files give the same bytes, so that Lambda's
// CodeSha256 of a package changes only when its contents do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nimbus::client {

struct ZipEntry {
  std::string name;              // Path inside the zip, '/'-separated.
  std::filesystem::path source;  // File whose contents are stored (symlinks followed).
  bool executable = false;       // Stored as 0755, else 0644, as the Framework does.
};

struct ZipResult {
  bool ok = false;
  std::string bytes;  // The zip, when ok.
  std::string error;  // Otherwise: what failed, naming the entry.
};

// The zip of `entries`, in the order given (callers sort them), each deflated, with the
// modification time fixed at 1980-01-01 00:00 (the earliest a zip can hold), uid and gid 0, and
// no other varying metadata. On failure, the message names the file that could not be read.
ZipResult writeZip(const std::vector<ZipEntry>& entries);

}  // namespace nimbus::client
