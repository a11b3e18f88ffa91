#include "client/zip_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace nimbus::client {

namespace {

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFreer {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t appendToString(struct archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

}  // namespace

ZipResult writeZip(const std::vector<ZipEntry>& entries) {
  ZipResult result;
  std::string& zip = result.bytes;
  std::unique_ptr<struct archive, ArchiveCloser> a(archive_write_new());
  auto failed = [&](std::string message) {
    result.bytes.clear();
    result.error = std::move(message);
    return result;
  };
  auto failure = [&](const std::string& what) {
    const char* why = archive_error_string(a.get());
    return failed(fmt::format("{}: {}", what, why ? why : "unknown error"));
  };
  // Unblocked output: no padding after the end of the zip. UTF-8 names, whatever the locale.
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a.get(), 0) != ARCHIVE_OK ||
      archive_write_set_options(a.get(), "zip:compression=deflate,zip:hdrcharset=UTF-8") !=
          ARCHIVE_OK ||
      archive_write_open(a.get(), &zip, nullptr, appendToString, nullptr) != ARCHIVE_OK) {
    return failure("cannot start a zip");
  }
  std::vector<char> buffer(1 << 16);
  for (const auto& e : entries) {
    std::ifstream in(e.source, std::ios::binary);
    std::error_code ec;
    auto size = std::filesystem::file_size(e.source, ec);
    if (!in || ec) {
      return failed(
          fmt::format("cannot read {}: {}", e.name, ec ? ec.message() : std::strerror(errno)));
    }
    std::unique_ptr<struct archive_entry, EntryFreer> entry(archive_entry_new());
    archive_entry_set_pathname_utf8(entry.get(), e.name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), e.executable ? 0755 : 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    // Time 0 is before 1980, so the zip's DOS time is 1980-01-01 00:00 in every time zone (the
    // Framework zips with new Date(0) for the same reason); the extended timestamp holds 0.
    archive_entry_set_mtime(entry.get(), 0, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      return failure(fmt::format("cannot add {}", e.name));
    }
    uint64_t written = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      std::streamsize n = in.gcount();
      if (n <= 0) break;
      if (archive_write_data(a.get(), buffer.data(), static_cast<size_t>(n)) < 0) {
        return failure(fmt::format("cannot add {}", e.name));
      }
      written += static_cast<uint64_t>(n);
    }
    if (written != size) {
      return failed(fmt::format("cannot read {}: it changed while it was zipped", e.name));
    }
    if (archive_write_finish_entry(a.get()) != ARCHIVE_OK) {
      return failure(fmt::format("cannot add {}", e.name));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return failure("cannot finish the zip");
  result.ok = true;
  return result;
}

}  // namespace nimbus::client
