#include "aws/s3/data_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/ids.h"

namespace nimbus::aws::s3 {

namespace fs = std::filesystem;

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

DataFiles::DataFiles(fs::path root) : root_(std::move(root)) {}

bool DataFiles::prepare(std::string& error) {
  std::error_code ec;
  for (const char* area : {"objects", "parts"}) {
    fs::create_directories(root_ / area, ec);
    if (ec) {
      error = "cannot create " + (root_ / area).string() + ": " + ec.message();
      return false;
    }
  }
  return true;
}

std::string DataFiles::newName() const {
  return randomHex(32);
}

fs::path DataFiles::path(Area area, std::string_view name) const {
  return root_ / (area == Area::Objects ? "objects" : "parts") / std::string(name);
}

FileHandle DataFiles::create(Area area, std::string& name, std::string& error) const {
  name = newName();
  int fd = ::open(path(area, name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) error = std::string("cannot create an object file: ") + std::strerror(errno);
  return FileHandle(fd);
}

FileHandle DataFiles::open(Area area, std::string_view name) const {
  return FileHandle(::open(path(area, name).c_str(), O_RDONLY | O_CLOEXEC));
}

void DataFiles::remove(Area area, std::string_view name) const {
  if (name.empty()) return;
  ::unlink(path(area, name).c_str());
}

size_t DataFiles::removeUnnamed(Area area, const std::set<std::string>& keep) const {
  size_t removed = 0;
  std::error_code ec;
  fs::path dir = root_ / (area == Area::Objects ? "objects" : "parts");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (keep.contains(name)) continue;
    fs::remove(entry.path(), ec);
    ++removed;
  }
  return removed;
}

std::shared_ptr<FileBody> DataFiles::body(Area area, std::string_view name, uint64_t offset,
                                          uint64_t length) const {
  FileHandle file = open(area, name);
  if (!file) return nullptr;
  auto body = std::make_shared<FileBody>();
  body->fd = file.release();
  body->offset = offset;
  body->length = length;
  return body;
}

}  // namespace nimbus::aws::s3
