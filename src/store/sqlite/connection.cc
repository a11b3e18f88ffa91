#include "store/sqlite/connection.h"

#include <utility>

namespace nimbus::store::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql, std::string& error) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    error = std::string("preparing \"") + std::string(sql) + "\": " + sqlite3_errmsg(db);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}

void Statement::bindBlob(int index, std::string_view value) {
  // A zero-length blob still binds as a blob (not NULL): the payload column is NOT NULL.
  sqlite3_bind_blob(stmt_, index, value.empty() ? "" : value.data(), static_cast<int>(value.size()),
                    SQLITE_STATIC);
}

std::string Statement::columnText(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(size))
              : std::string();
}

bool Connection::open(const std::filesystem::path& file, std::string& error) {
  int rc =
      sqlite3_open_v2(file.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = "opening " + file.string() + ": " +
            (db_ ? std::string(sqlite3_errmsg(db_)) : std::string(sqlite3_errstr(rc)));
    return false;
  }
  // Readers and the writer are separate connections; a checkpoint can briefly hold them off.
  sqlite3_busy_timeout(db_, 5000);
  return true;
}

bool Connection::exec(const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    error = message ? message : lastError();
    sqlite3_free(message);
    return false;
  }
  return true;
}

}  // namespace nimbus::store::sqlite
