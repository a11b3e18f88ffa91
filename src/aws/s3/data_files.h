// The files that hold object and part bytes: one file per object version or uploaded part,
// named by a random id under dataDir/objects and dataDir/parts. A file is written whole and
// synced before any record names it; files no record names are removed at start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace nimbus::aws::s3 {

// An open file descriptor, closed once.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& other) noexcept : fd_(other.release()) {}
  FileHandle& operator=(FileHandle&& other) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class DataFiles {
 public:
  enum class Area { Objects, Parts };

  explicit DataFiles(std::filesystem::path root);

  // Creates the folders. False with `error` set when they cannot be made.
  bool prepare(std::string& error);

  std::string newName() const;
  std::filesystem::path path(Area area, std::string_view name) const;

  // Creates a new file for writing (O_EXCL) and returns it with its name.
  FileHandle create(Area area, std::string& name, std::string& error) const;
  // Opens a stored file for reading; an empty handle when it is missing.
  FileHandle open(Area area, std::string_view name) const;
  void remove(Area area, std::string_view name) const;

  // Removes files in `area` whose names are not in `keep`. Returns how many were removed.
  size_t removeUnnamed(Area area, const std::set<std::string>& keep) const;

  // A body of `length` bytes of `name` from `offset`, for a response.
  std::shared_ptr<FileBody> body(Area area, std::string_view name, uint64_t offset,
                                 uint64_t length) const;

 private:
  std::filesystem::path root_;
};

// Writes all of `data` at the file's current position; false on error (errno kept).
bool writeAll(int fd, std::string_view data);

}  // namespace nimbus::aws::s3
