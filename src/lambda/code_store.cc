#include "lambda/code_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <system_error>

#include "core/base64.h"
#include "core/hash.h"
#include "core/ids.h"

namespace nimbus::lambda {

namespace fs = std::filesystem;

namespace {

struct ArchiveReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadCloser>;
using DiskWriter = std::unique_ptr<archive, ArchiveWriteCloser>;

// Lambda's answer to anything it cannot unzip.
PackageError notAZip() {
  return {"InvalidParameterValueException",
          "Could not unzip uploaded file. Please check your file, then try to upload again."};
}

// A zip entry's path is usable when it stays inside the package: relative, with no ".."
// component (the "zip slip" that would write outside the function's folder).
bool staysInside(const fs::path& entry) {
  if (entry.empty() || entry.is_absolute()) return false;
  for (const auto& part : entry) {
    if (part == "..") return false;
  }
  return true;
}

// Extracts `zip` into `target` (which must not exist yet).
bool extract(std::string_view zip, const fs::path& target, PackageError& error) {
  ArchiveReader reader(archive_read_new());
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_memory(reader.get(), zip.data(), zip.size()) != ARCHIVE_OK) {
    error = notAZip();
    return false;
  }
  DiskWriter disk(archive_write_disk_new());
  // Modes come from the zip (a `bootstrap` stays executable); never follow a symlink that an
  // earlier entry planted to write elsewhere.
  archive_write_disk_set_options(
      disk.get(), ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) {
    error = {"ServiceException",
             fmt::format("cannot create {}: {}", target.string(), ec.message())};
    return false;
  }
  int64_t unzipped = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      error = notAZip();
      return false;
    }
    fs::path relative = fs::path(archive_entry_pathname(entry)).lexically_normal();
    if (!staysInside(relative)) {
      error = {"InvalidParameterValueException",
               fmt::format("Could not unzip uploaded file: the entry '{}' points outside the "
                           "deployment package.",
                           archive_entry_pathname(entry))};
      return false;
    }
    unzipped += archive_entry_size(entry);
    if (unzipped > CodeStore::kMaxUnzippedBytes) {
      error = {
          "InvalidParameterValueException",
          fmt::format("Unzipped size must be smaller than {} bytes", CodeStore::kMaxUnzippedBytes)};
      return false;
    }
    // Zips written without Unix modes (on Windows, say) get Lambda's usual 644 and 755.
    if ((archive_entry_perm(entry) & 0777) == 0) {
      archive_entry_set_perm(entry, archive_entry_filetype(entry) == AE_IFDIR ? 0755 : 0644);
    }
    archive_entry_set_pathname(entry, (target / relative).c_str());
    if (archive_write_header(disk.get(), entry) < ARCHIVE_WARN) {
      error = {"ServiceException", fmt::format("cannot write {}: {}", relative.string(),
                                               archive_error_string(disk.get()))};
      return false;
    }
    const void* block;
    size_t size;
    la_int64_t offset;
    while ((r = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(disk.get(), block, size, offset) < ARCHIVE_WARN) {
        error = {"ServiceException", fmt::format("cannot write {}: {}", relative.string(),
                                                 archive_error_string(disk.get()))};
        return false;
      }
    }
    if (r != ARCHIVE_EOF) {
      error = notAZip();
      return false;
    }
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      error = {"ServiceException", fmt::format("cannot write {}: {}", relative.string(),
                                               archive_error_string(disk.get()))};
      return false;
    }
  }
  // Directory modes and times are applied on close.
  if (archive_write_close(disk.get()) < ARCHIVE_WARN) {
    error = {"ServiceException", archive_error_string(disk.get())};
    return false;
  }
  return true;
}

bool writeFile(const fs::path& file, std::string_view data) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

std::optional<StoredPackage> CodeStore::add(std::string_view zip, PackageError& error) {
  std::string digest = sha256(zip);
  StoredPackage package{root_ / hexEncode(digest), base64Encode(digest),
                        static_cast<int64_t>(zip.size())};
  std::error_code ec;
  if (fs::is_directory(package.directory, ec)) return package;

  // Extract and write beside the final names, then rename: a package directory that exists is
  // always complete, even after a crash mid-extraction.
  std::string scratch = ".incoming-" + randomHex(12);
  fs::path staging = root_ / scratch;
  fs::path stagingZip = root_ / (scratch + ".zip");
  auto cleanUp = [&] {
    fs::remove_all(staging, ec);
    fs::remove(stagingZip, ec);
  };
  if (!extract(zip, staging, error)) {
    cleanUp();
    return std::nullopt;
  }
  if (!writeFile(stagingZip, zip)) {
    cleanUp();
    error = {"ServiceException", "cannot write the package under " + root_.string()};
    return std::nullopt;
  }
  fs::rename(stagingZip, zipOf(package.directory), ec);
  if (!ec) fs::rename(staging, package.directory, ec);
  if (ec) {
    // Another upload of the same bytes may have won the race; its copy is as good as ours.
    cleanUp();
    if (fs::is_directory(package.directory)) return package;
    error = {"ServiceException",
             fmt::format("cannot store the package in {}: {}", root_.string(), ec.message())};
    return std::nullopt;
  }
  return package;
}

fs::path CodeStore::zipOf(const fs::path& directory) const {
  fs::path zip = directory;
  zip += ".zip";
  return zip;
}

void CodeStore::removeUnused(const std::set<fs::path>& inUse) {
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path path = it->path();
    fs::path package = path.extension() == ".zip" ? fs::path(path).replace_extension() : path;
    if (inUse.contains(package)) continue;
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
}

}  // namespace nimbus::lambda
