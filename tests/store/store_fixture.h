// What the SQLite store tests share: a store file in a temporary directory of the test's own,
// opened afresh for every reopen; a wait for a write's commit callback; and a count read through
// a connection of its own, as another process would read the file.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::store::store_test {

class StoreFileTest : public ::testing::Test {
 protected:
  // `dirPrefix` names the temporary directory; `file` is the store's path inside it.
  explicit StoreFileTest(std::string dirPrefix, std::filesystem::path file = "nimbus.db")
      : dirPrefix_(std::move(dirPrefix)), relativeFile_(std::move(file)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / (dirPrefix_ + randomHex(12));
    std::filesystem::create_directories(dir_);
    file_ = dir_ / relativeFile_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Opens the store file; a failure is reported to the test and answers null.
  std::unique_ptr<Store> open() {
    std::string error;
    auto store = openSqliteStore(file_, error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;

 private:
  std::string dirPrefix_;
  std::filesystem::path relativeFile_;
};

// Waits for a write's callback and returns its error. `submit` starts the write with the
// callback it is given.
template <typename Submit>
std::string await(Submit submit) {
  std::promise<std::string> done;
  auto result = done.get_future();
  submit([&done](std::string error) { done.set_value(std::move(error)); });
  return result.get();
}

// Runs `countQuery` (a `SELECT count(*)` with one text parameter, ?1 = `key`) on `file` through
// a connection of its own; -1 when it cannot be read.
inline int countFromFreshConnection(const std::filesystem::path& file, const char* countQuery,
                                    const std::string& key) {
  sqlite3* db = nullptr;
  int count = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, countQuery, -1, &stmt, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, key.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return count;
}

}  // namespace nimbus::store::store_test
