// Packaging as the Serverless Framework does it, on real folders: default excludes, patterns in
// order, per-function packages, prebuilt artifacts, dev dependencies, and zips that are the same
// bytes for the same files (so CodeSha256 only changes with the code) and keep executables
// executable. Zips are read back with libarchive.
#include "client/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "client/zip_writer.h"
#include "core/base64.h"
#include "core/hash.h"
#include "core/ids.h"

namespace nimbus::client {
namespace {

namespace fs = std::filesystem;

struct ZippedFile {
  std::string contents;
  int perm = 0;
  bool regular = false;
  int64_t mtime = -1;
};

// The entries of a zip, in archive order, read back with libarchive.
std::vector<std::pair<std::string, ZippedFile>> readZip(const std::string& zip) {
  std::vector<std::pair<std::string, ZippedFile>> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  EXPECT_EQ(archive_read_open_memory(a, zip.data(), zip.size()), ARCHIVE_OK)
      << archive_error_string(a);
  struct archive_entry* entry = nullptr;
  int status;
  // ARCHIVE_WARN: a name libarchive cannot show in this process's (C) locale; its UTF-8 is read.
  while ((status = archive_read_next_header(a, &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    ZippedFile file;
    file.perm = static_cast<int>(archive_entry_perm(entry));
    file.regular = archive_entry_filetype(entry) == AE_IFREG;
    file.mtime = archive_entry_mtime(entry);
    char buffer[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buffer, sizeof(buffer))) > 0) {
      file.contents.append(buffer, static_cast<size_t>(n));
    }
    EXPECT_GE(n, 0) << archive_error_string(a);
    const char* name = archive_entry_pathname_utf8(entry);
    out.emplace_back(name ? name : "<no UTF-8 name>", std::move(file));
  }
  archive_read_free(a);
  return out;
}

std::vector<std::string> namesIn(const std::string& zip) {
  std::vector<std::string> names;
  for (const auto& [name, file] : readZip(zip)) names.push_back(name);
  return names;
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-package-test-" + randomHex(16));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text, fs::perms mode = fs::perms(0644)) {
    auto path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, mode);
  }

  // serverless.yml with `yaml` (a leading newline dropped), loaded; the test fails on errors.
  config::ProjectConfig load(std::string yaml) {
    if (!yaml.empty() && yaml[0] == '\n') yaml.erase(0, 1);
    write("serverless.yml", yaml);
    config::LoadOptions options;
    options.configFile = dir_ / "serverless.yml";
    options.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    auto result = config::loadProject(options);
    if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
      std::string all;
      for (const auto& e : *errors) all += "\n  " + e.format();
      ADD_FAILURE() << "the configuration does not load:" << all;
      return {};
    }
    return std::get<config::ProjectConfig>(result);
  }

  // Packages every function and expects no problem.
  PackageResult package(const config::ProjectConfig& project) {
    auto result = packageFunctions(project);
    for (const auto& e : result.errors) ADD_FAILURE() << e.format();
    for (const auto& f : result.failures) ADD_FAILURE() << f;
    return result;
  }

  std::string zipOf(const std::string& yaml, const std::string& function = "app") {
    auto result = package(load(yaml));
    auto it = result.artifacts.find(function);
    if (it == result.artifacts.end()) {
      ADD_FAILURE() << "no package for " << function;
      return {};
    }
    return it->second->zip;
  }

  fs::path dir_;
};

const char* kSimple = R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: handler.main
)yaml";

TEST_F(PackageTest, LeavesOutTheFrameworkDefaultsAndTheConfigurationFile) {
  write("handler.js", "exports.main = async () => 1;\n");
  write("lib/util.js", "module.exports = 1;\n");
  write(".git/HEAD", "ref: refs/heads/main\n");
  write(".git/objects/ab/cd", "x");
  write(".gitignore", "node_modules\n");
  write("sub/.gitignore", "x\n");  // Only the top-level .gitignore is a default exclude.
  write(".DS_Store", "x");
  write("npm-debug.log", "x");
  write("yarn-error.log", "x");
  write("logs/yarn-error.log", "x");
  write(".serverless/shop.zip", "x");
  write(".serverless_plugins/p.js", "x");
  write(".nimbus/nimbus.db", "x");
  write(".env", "A=1\n");  // Kept without useDotenv.
  write("serverless.dev.yml", "other: config\n");
  EXPECT_EQ(namesIn(zipOf(kSimple)),
            (std::vector<std::string>{".env", "handler.js", "lib/util.js", "logs/yarn-error.log",
                                      "serverless.dev.yml", "sub/.gitignore"}));
}

TEST_F(PackageTest, UseDotenvLeavesOutEnvFiles) {
  write("handler.js", "x");
  write(".env", "A=1\n");
  write(".env.prod", "A=2\n");
  write("config/.env", "A=3\n");
  EXPECT_EQ(namesIn(zipOf(std::string("\nuseDotenv: true") + kSimple)),
            (std::vector<std::string>{"config/.env", "handler.js"}));
}

TEST_F(PackageTest, PatternsApplyInOrderAndTheLastMatchWins) {
  write("handler.js", "x");
  write("secret.txt", "s");
  write("docs/a.md", "a");
  write("docs/keep.md", "k");
  write("test/a.test.js", "t");
  write(".gitignore", "g");
  auto yaml = std::string(kSimple) + R"yaml(package:
  patterns:
    - '!secret.txt'
    - '!docs/**'
    - docs/keep.md
    - '!test/**'
    - .gitignore
)yaml";
  // An include re-adds what an earlier exclude (even a default one) left out.
  EXPECT_EQ(namesIn(zipOf(yaml)),
            (std::vector<std::string>{".gitignore", "docs/keep.md", "handler.js"}));

  auto reversed = std::string(kSimple) + R"yaml(package:
  patterns:
    - docs/keep.md
    - '!docs/**'
)yaml";
  EXPECT_EQ(namesIn(zipOf(reversed)),
            (std::vector<std::string>{"handler.js", "secret.txt", "test/a.test.js"}));
}

TEST_F(PackageTest, ExcludeEverythingThenIncludeWhatIsNeeded) {
  write("handler.js", "x");
  write("src/api.js", "x");
  write("src/api.test.js", "x");
  write("README.md", "x");
  auto yaml = std::string(kSimple) + R"yaml(package:
  patterns:
    - '!**'
    - handler.js
    - src/**
    - '!src/**/*.test.js'
)yaml";
  EXPECT_EQ(namesIn(zipOf(yaml)), (std::vector<std::string>{"handler.js", "src/api.js"}));
}

TEST_F(PackageTest, OlderIncludeAndExclude) {
  write("handler.js", "x");
  write("tmp/a", "x");
  write("tmp/keep", "x");
  auto yaml = std::string(kSimple) + R"yaml(package:
  exclude:
    - tmp/**
  include:
    - tmp/keep
)yaml";
  EXPECT_EQ(namesIn(zipOf(yaml)), (std::vector<std::string>{"handler.js", "tmp/keep"}));
}

TEST_F(PackageTest, IndividuallyGivesEachFunctionItsOwnPatterns) {
  write("api.js", "api");
  write("worker.js", "worker");
  write("shared/lib.js", "lib");
  write("README.md", "x");
  auto project = load(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
package:
  individually: true
  patterns:
    - '!README.md'
functions:
  api:
    handler: api.main
    package:
      patterns:
        - '!worker.js'
  worker:
    handler: worker.main
    package:
      patterns:
        - '!api.js'
        - '!shared/**'
)yaml");
  auto result = package(project);
  ASSERT_EQ(result.artifacts.size(), 2u);
  EXPECT_EQ(namesIn(result.artifacts.at("api")->zip),
            (std::vector<std::string>{"api.js", "shared/lib.js"}));
  EXPECT_EQ(namesIn(result.artifacts.at("worker")->zip), std::vector<std::string>{"worker.js"});
  EXPECT_NE(result.artifacts.at("api")->codeSha256, result.artifacts.at("worker")->codeSha256);
  EXPECT_TRUE(result.warnings.empty());
}

TEST_F(PackageTest, FunctionPatternsWithoutIndividuallyAreIgnoredWithAWarning) {
  write("api.js", "api");
  write("worker.js", "worker");
  auto project = load(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  api:
    handler: api.main
    package:
      patterns: ['!worker.js']
  worker:
    handler: worker.main
  solo:
    handler: worker.main
    package:
      individually: true
      patterns: ['!api.js']
)yaml");
  auto result = package(project);
  // api and worker share the service package; solo has its own.
  EXPECT_EQ(result.artifacts.at("api"), result.artifacts.at("worker"));
  EXPECT_EQ(namesIn(result.artifacts.at("api")->zip),
            (std::vector<std::string>{"api.js", "worker.js"}));
  EXPECT_EQ(namesIn(result.artifacts.at("solo")->zip), std::vector<std::string>{"worker.js"});
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("serverless.yml:8: functions.api.package"), std::string::npos)
      << result.warnings[0];
}

TEST_F(PackageTest, SameTreeSameBytes) {
  write("handler.js", "exports.main = async () => 1;\n");
  write("lib/a.js", std::string(100000, 'a'));
  write("lib/b.js", "b");
  auto first = package(load(kSimple)).artifacts.at("app");
  // Other modification times, and the zip written in another time zone: the same bytes.
  fs::last_write_time(dir_ / "lib/b.js", fs::file_time_type::clock::now() - std::chrono::hours(50));
  std::string tz = getenv("TZ") ? getenv("TZ") : "";
  setenv("TZ", "America/Los_Angeles", 1);
  tzset();
  auto second = package(load(kSimple)).artifacts.at("app");
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  auto third = package(load(kSimple)).artifacts.at("app");
  if (tz.empty()) {
    unsetenv("TZ");
  } else {
    setenv("TZ", tz.c_str(), 1);
  }
  tzset();
  EXPECT_EQ(first->zip, second->zip);
  EXPECT_EQ(first->zip, third->zip);
  EXPECT_EQ(first->codeSha256, second->codeSha256);
  EXPECT_EQ(first->codeSha256, base64Encode(sha256(first->zip)));
  EXPECT_EQ(first->codeSha256.size(), 44u);
  for (const auto& [name, file] : readZip(first->zip)) {
    EXPECT_TRUE(file.regular) << name;
    EXPECT_EQ(file.mtime, 0) << name;  // Stored as 1980-01-01 00:00 (DOS) and 0 (extended).
  }
  // Entries are sorted, so the order files were created in does not matter either.
  EXPECT_EQ(namesIn(first->zip), (std::vector<std::string>{"handler.js", "lib/a.js", "lib/b.js"}));

  write("lib/b.js", "B");
  auto changed = package(load(kSimple)).artifacts.at("app");
  EXPECT_NE(changed->codeSha256, first->codeSha256);
  auto files = readZip(changed->zip);
  EXPECT_EQ(files[2].second.contents, "B");
  EXPECT_EQ(files[1].second.contents, std::string(100000, 'a'));
}

TEST_F(PackageTest, NamesAreUtf8WhateverTheLocale) {
  write("handler.js", "x");
  write("caf\xc3\xa9/men\xc3\xbc.txt", "x");
  auto inC = zipOf(kSimple);  // nimbus never calls setlocale: the C locale.
  ASSERT_NE(setlocale(LC_CTYPE, "C.UTF-8"), nullptr);
  auto inUtf8 = zipOf(kSimple);
  // libarchive reads names back only where the locale can hold them.
  auto names = namesIn(inC);
  setlocale(LC_CTYPE, "C");
  EXPECT_EQ(inC, inUtf8);
  EXPECT_EQ(names, (std::vector<std::string>{"caf\xc3\xa9/men\xc3\xbc.txt", "handler.js"}));
}

TEST_F(PackageTest, ExecutablesStayExecutable) {
  write("bootstrap", "#!/bin/sh\necho hi\n", fs::perms(0755));
  write("tool.sh", "#!/bin/sh\n", fs::perms(0700));
  write("data.txt", "x", fs::perms(0600));
  write("readonly.txt", "x", fs::perms(0444));
  auto zip = zipOf(R"yaml(
service: shop
provider:
  name: aws
  runtime: provided.al2023
functions:
  app:
    handler: anything
)yaml");
  std::map<std::string, int> perms;
  for (const auto& [name, file] : readZip(zip)) perms[name] = file.perm;
  EXPECT_EQ(perms.at("bootstrap"), 0755);
  EXPECT_EQ(perms.at("tool.sh"), 0755);
  EXPECT_EQ(perms.at("data.txt"), 0644);
  EXPECT_EQ(perms.at("readonly.txt"), 0644);
}

TEST_F(PackageTest, SymlinksAreFollowed) {
  auto outside = fs::temp_directory_path() / ("nimbus-package-outside-" + randomHex(8));
  fs::create_directories(outside / "dir");
  std::ofstream(outside / "shared.js") << "shared contents";
  std::ofstream(outside / "dir/inner.js") << "inner";
  write("handler.js", "x");
  fs::create_symlink(outside / "shared.js", dir_ / "shared.js");
  fs::create_symlink(outside / "dir", dir_ / "linked");
  fs::create_directories(dir_ / "loop");
  fs::create_directory_symlink("..", dir_ / "loop/up");  // Back up the tree: not entered again.
  auto files = readZip(zipOf(kSimple));
  fs::remove_all(outside);
  std::map<std::string, ZippedFile> byName(files.begin(), files.end());
  ASSERT_EQ(byName.count("shared.js"), 1u);
  EXPECT_TRUE(byName["shared.js"].regular);
  EXPECT_EQ(byName["shared.js"].contents, "shared contents");
  EXPECT_EQ(byName["linked/inner.js"].contents, "inner");
  EXPECT_EQ(files.size(), 3u);
}

TEST_F(PackageTest, ADanglingSymlinkFailsUnlessLeftOut) {
  write("handler.js", "x");
  fs::create_symlink(dir_ / "missing.js", dir_ / "dangling.js");
  auto project = load(kSimple);
  auto result = packageFunctions(project);
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_NE(result.failures[0].find("dangling.js"), std::string::npos) << result.failures[0];
  EXPECT_TRUE(result.artifacts.empty());

  auto excluded = load(std::string(kSimple) + "package:\n  patterns: ['!dangling.js']\n");
  EXPECT_EQ(namesIn(package(excluded).artifacts.at("app")->zip),
            std::vector<std::string>{"handler.js"});
}

TEST_F(PackageTest, ArtifactsAreUploadedAsTheyAre) {
  write("handler.js", "x");
  std::string prebuilt = "PK\x05\x06" + std::string(18, '\0');  // An empty zip.
  write("build/service.zip", prebuilt);
  write("build/api.zip", "api zip bytes");
  auto project = load(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
package:
  artifact: build/service.zip
functions:
  app:
    handler: handler.main
  api:
    handler: handler.main
    package:
      artifact: build/api.zip
  own:
    handler: handler.main
    package:
      individually: true
)yaml");
  auto result = package(project);
  EXPECT_EQ(result.artifacts.at("app")->zip, prebuilt);
  EXPECT_EQ(result.artifacts.at("app")->codeSha256, base64Encode(sha256(prebuilt)));
  EXPECT_EQ(result.artifacts.at("api")->zip, "api zip bytes");
  EXPECT_NE(result.artifacts.at("api")->origin.find("build/api.zip"), std::string::npos);
  // A function packaged individually itself is zipped even when the service has an artifact.
  EXPECT_EQ(namesIn(result.artifacts.at("own")->zip),
            (std::vector<std::string>{"build/api.zip", "build/service.zip", "handler.js"}));
}

TEST_F(PackageTest, AMissingArtifactIsAConfigurationError) {
  write("handler.js", "x");
  auto project = load(std::string(kSimple) + "    package:\n      artifact: build/nope.zip\n");
  auto result = packageFunctions(project);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key, "functions.app.package.artifact");
  EXPECT_EQ(result.errors[0].where.line, 9);
  EXPECT_NE(result.errors[0].format().find("serverless.yml:9:"), std::string::npos);
  EXPECT_NE(result.errors[0].message.find("build/nope.zip"), std::string::npos);
}

TEST_F(PackageTest, PatternsThatKeepNothingAreAConfigurationError) {
  write("handler.js", "x");
  auto project = load(std::string(kSimple) + "package:\n  patterns: ['!**']\n");
  auto result = packageFunctions(project);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key, "package");
  EXPECT_EQ(result.errors[0].where.line, 8);
  EXPECT_NE(result.errors[0].message.find("no file matches"), std::string::npos);
}

TEST_F(PackageTest, DevDependenciesAreLeftOut) {
  write("handler.js", "x");
  write("package.json",
        R"({"dependencies": {"a": "1"}, "devDependencies": {"b": "1", "@t/x": "1"}})");
  // a -> c; b -> c, d; @t/x -> e. Only b, d, @t/x and e serve nothing but devDependencies.
  write("node_modules/a/package.json", R"({"name": "a", "dependencies": {"c": "1"}})");
  write("node_modules/a/index.js", "a");
  write("node_modules/b/package.json",
        R"({"name": "b", "bin": {"b-cli": "cli.js"}, "dependencies": {"c": "1", "d": "1"}})");
  write("node_modules/b/cli.js", "b");
  write("node_modules/c/package.json", R"({"name": "c"})");
  write("node_modules/d/package.json", R"({"name": "d", "bin": "run.js"})");
  write("node_modules/d/run.js", "d");
  write("node_modules/@t/x/package.json", R"({"name": "@t/x", "dependencies": {"e": "1"}})");
  write("node_modules/@t/x/node_modules/e/package.json", R"({"name": "e"})");
  write("node_modules/.bin/b-cli", "b");
  write("node_modules/.bin/d", "d");
  write("node_modules/.bin/a-tool", "a");
  auto project = load(kSimple);
  EXPECT_EQ(namesIn(package(project).artifacts.at("app")->zip),
            (std::vector<std::string>{"handler.js", "node_modules/.bin/a-tool",
                                      "node_modules/a/index.js", "node_modules/a/package.json",
                                      "node_modules/c/package.json", "package.json"}));

  // Patterns cannot bring them back (the Framework applies these excludes last)...
  auto reincluded = load(std::string(kSimple) + "package:\n  patterns: ['node_modules/b/**']\n");
  auto names = namesIn(package(reincluded).artifacts.at("app")->zip);
  EXPECT_EQ(std::count(names.begin(), names.end(), "node_modules/b/cli.js"), 0);
  // ...but excludeDevDependencies: false keeps everything.
  auto kept = load(std::string(kSimple) + "package:\n  excludeDevDependencies: false\n");
  EXPECT_EQ(namesIn(package(kept).artifacts.at("app")->zip).size(), 14u);
}

TEST_F(PackageTest, DevDependenciesOfNestedPackagesToo) {
  write("handler.js", "x");
  write("package.json", R"({"dependencies": {"a": "1"}})");
  write("node_modules/a/package.json", R"({"name": "a"})");
  write("tools/package.json", R"({"devDependencies": {"t": "1"}})");
  write("tools/node_modules/t/package.json", R"({"name": "t"})");
  write("tools/build.js", "x");
  EXPECT_EQ(namesIn(zipOf(kSimple)),
            (std::vector<std::string>{"handler.js", "node_modules/a/package.json", "package.json",
                                      "tools/build.js", "tools/package.json"}));
}

TEST_F(PackageTest, PackagesOnlyTheFunctionsAskedFor) {
  write("handler.js", "x");
  auto project = load(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
package:
  individually: true
functions:
  a:
    handler: handler.main
  b:
    handler: handler.main
)yaml");
  auto result = packageFunctions(project, {"b"});
  EXPECT_EQ(result.artifacts.size(), 1u);
  EXPECT_EQ(result.artifacts.count("b"), 1u);
}

TEST(ZipWriter, UnreadableFileNamesTheEntry) {
  auto result = writeZip({{"missing.txt", "/nonexistent/nimbus/missing.txt", false}});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("missing.txt"), std::string::npos) << result.error;
}

TEST(ZipWriter, EmptyListIsAnEmptyZip) {
  auto result = writeZip({});
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.bytes.substr(0, 4), std::string("PK\x05\x06", 4));
  EXPECT_EQ(result.bytes.size(), 22u);
}

}  // namespace
}  // namespace nimbus::client
