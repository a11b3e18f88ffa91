// RAII owners for SQLite handles, for the SQLite backend and the log store. Neither can be copied:
// each handle is finalized or closed exactly once.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace nimbus::store::sqlite {

// A prepared statement, reset and re-bound on every use rather than prepared again.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql, std::string& error);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  ~Statement() { sqlite3_finalize(stmt_); }

  bool valid() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  // Resets the statement and clears its bindings, ready for the next use.
  void reset();
  void bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  // Binds without copying: `value` must outlive the statement's next step.
  void bind(int index, std::string_view value);
  void bindBlob(int index, std::string_view value);
  // One step: SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }

  int64_t columnInt(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string columnText(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One open database connection.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { sqlite3_close_v2(db_); }

  // Opens `file` read-write, creating it if missing. Returns false and sets `error` on failure.
  bool open(const std::filesystem::path& file, std::string& error);
  // Runs one or more statements that return no rows. Returns false and sets `error` on failure.
  bool exec(const char* sql, std::string& error);
  Statement prepare(std::string_view sql, std::string& error) { return {db_, sql, error}; }
  // The connection's last error message, for reports.
  std::string lastError() const { return sqlite3_errmsg(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // False once a failed statement or COMMIT has rolled the open transaction back.
  bool inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace nimbus::store::sqlite
