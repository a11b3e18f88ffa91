#include "lambda/code_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/hash.h"
#include "core/ids.h"

namespace nimbus::lambda {
namespace {

namespace fs = std::filesystem;

struct ZipEntry {
  std::string path;
  std::string content;
  int mode = 0644;
};

// Writes a zip in memory with libarchive, as a client's zip tool would.
std::string makeZip(const std::vector<ZipEntry>& entries) {
  std::vector<char> buffer(1 << 20);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    archive_write_header(a, entry);
    archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CodeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nimbus-code-test-" + randomHex(12));
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(CodeStoreTest, ExtractsWithModesAndNamesThePackageByItsDigest) {
  CodeStore store(root_);
  std::string zip = makeZip({{"main.py", "print(1)"}, {"bin/bootstrap", "#!/bin/sh", 0755}});
  PackageError error;
  auto package = store.add(zip, error);
  ASSERT_TRUE(package) << error.message;
  EXPECT_EQ(package->sha256, base64Encode(sha256(zip)));
  EXPECT_EQ(package->size, static_cast<int64_t>(zip.size()));
  EXPECT_EQ(package->directory, root_ / hexEncode(sha256(zip)));
  EXPECT_EQ(read(package->directory / "main.py"), "print(1)");
  struct stat st {};
  ASSERT_EQ(::stat((package->directory / "bin/bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  EXPECT_EQ(read(store.zipOf(package->directory)), zip);

  // The same bytes again: the stored package, not a second copy.
  auto again = store.add(zip, error);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->directory, package->directory);
}

TEST_F(CodeStoreTest, RefusesWhatIsNotAZip) {
  CodeStore store(root_);
  PackageError error;
  EXPECT_FALSE(store.add("definitely not a zip", error));
  EXPECT_EQ(error.type, "InvalidParameterValueException");
  EXPECT_NE(error.message.find("Could not unzip uploaded file"), std::string::npos);
}

TEST_F(CodeStoreTest, RefusesEntriesOutsideThePackage) {
  CodeStore store(root_);
  for (const char* path : {"../escape.py", "a/../../escape.py", "/etc/escape.py"}) {
    PackageError error;
    EXPECT_FALSE(store.add(makeZip({{"ok.py", "x"}, {path, "x"}}), error)) << path;
    EXPECT_EQ(error.type, "InvalidParameterValueException") << path;
  }
  EXPECT_FALSE(fs::exists(root_.parent_path() / "escape.py"));
  // Nothing half-extracted is left behind.
  size_t left = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root_)) ++left;
  EXPECT_EQ(left, 0u);
}

TEST_F(CodeStoreTest, RemoveUnusedKeepsOnlyPackagesInUse) {
  CodeStore store(root_);
  PackageError error;
  auto kept = store.add(makeZip({{"a.py", "a"}}), error);
  auto dropped = store.add(makeZip({{"b.py", "b"}}), error);
  ASSERT_TRUE(kept && dropped);
  store.removeUnused({kept->directory});
  EXPECT_TRUE(fs::exists(kept->directory / "a.py"));
  EXPECT_TRUE(fs::exists(store.zipOf(kept->directory)));
  EXPECT_FALSE(fs::exists(dropped->directory));
  EXPECT_FALSE(fs::exists(store.zipOf(dropped->directory)));
}

}  // namespace
}  // namespace nimbus::lambda
