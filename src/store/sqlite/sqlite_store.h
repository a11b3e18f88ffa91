// The embedded SQLite backend of Store: one database file, WAL journal, synchronous=FULL, and
// one writer thread that group-commits every queued write in a single transaction.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

namespace nimbus::store {

// Opens (creating if needed, with its parent directory and schema) the store in `file`. Every
// acknowledged write survives kill -9 and power loss. On failure returns null and sets `error`.
std::unique_ptr<Store> openSqliteStore(const std::filesystem::path& file, std::string& error);

}  // namespace nimbus::store
