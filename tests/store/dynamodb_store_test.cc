// The DynamoDB part of the SQLite store: items and stream records written through the
// group-commit writer, each write whole or not at all and in submission order, read back in key
// (byte) and sequence order, kept across a reopen, and a version-3 file upgraded in place.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store_fixture.h"

namespace nimbus::store {
namespace {

namespace fs = std::filesystem;
using store_test::await;
using store_test::countFromFreshConnection;
using namespace std::string_literals;

class DynamoStoreTest : public store_test::StoreFileTest {
 protected:
  DynamoStoreTest() : StoreFileTest("nimbus-dynamodb-store-test-") {}
};

std::string write(Store& store, DynamoWrite w) {
  return await([&](CommitCallback cb) { store.writeDynamo(std::move(w), std::move(cb)); });
}

std::string deleteTable(Store& store, const std::string& tableId) {
  return await([&](CommitCallback cb) { store.deleteDynamoTable(tableId, std::move(cb)); });
}

DynamoWrite puts(std::vector<DynamoItemRow> rows) {
  DynamoWrite w;
  w.puts = std::move(rows);
  return w;
}

DynamoStreamRow record(std::string tableId, int64_t sequence, int64_t createdAtMs) {
  return DynamoStreamRow{.tableId = std::move(tableId),
                         .sequence = sequence,
                         .createdAtMs = createdAtMs,
                         .record = "record-" + std::to_string(sequence)};
}

// (key, item) pairs of the table, in the order the store returns them.
std::vector<std::pair<std::string, std::string>> items(Store& store, const std::string& tableId) {
  std::vector<std::pair<std::string, std::string>> out;
  store.readDynamoItems(tableId, [&](DynamoItemRow&& row) {
    EXPECT_EQ(row.tableId, tableId);
    out.emplace_back(std::move(row.key), std::move(row.item));
  });
  return out;
}

std::vector<DynamoStreamRow> stream(Store& store, const std::string& tableId) {
  std::vector<DynamoStreamRow> out;
  store.readDynamoStream(tableId, [&](DynamoStreamRow&& row) {
    EXPECT_EQ(row.tableId, tableId);
    out.push_back(std::move(row));
  });
  return out;
}

std::vector<int64_t> sequences(const std::vector<DynamoStreamRow>& rows) {
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.sequence);
  return out;
}

using Items = std::vector<std::pair<std::string, std::string>>;

TEST_F(DynamoStoreTest, ItemsArePutReplacedAndDeleted) {
  auto store = open();
  ASSERT_EQ(write(*store, puts({{"t1", "b", "item b"}, {"t1", "a", "item a"}})), "");
  ASSERT_EQ(write(*store, puts({{"t1", "b", "item b2"}, {"t1", "c", "item c"}})), "");
  DynamoWrite del;
  del.deletes = {{"t1", "c"}, {"t1", "never stored"}};  // A missing key is not an error.
  ASSERT_EQ(write(*store, std::move(del)), "");
  EXPECT_EQ(items(*store, "t1"), (Items{{"a", "item a"}, {"b", "item b2"}}));
  EXPECT_TRUE(items(*store, "t2").empty());
}

TEST_F(DynamoStoreTest, KeysAndItemsAreBytesAndKeysAreOrderedByBytes) {
  auto store = open();
  // Prefixes, NUL bytes, bytes above 0x7f (which must sort after every ASCII byte, as unsigned
  // bytes do) and the empty key.
  std::vector<std::string> keys = {"b"s,        "a"s,    "a\0"s,  "a\0b"s, "a\x01"s,
                                   "\xff\x00"s, "\x7f"s, "\x80"s, "\0"s,   ""s,
                                   "\0\0"s,     "ab"s,   "a\0a"s, "\xff"s, "A"s};
  std::vector<DynamoItemRow> rows;
  for (const auto& k : keys) rows.push_back({"t", k, "item\0of "s + k});
  ASSERT_EQ(write(*store, puts(std::move(rows))), "");

  // std::string compares with char_traits<char>, which orders as memcmp does (unsigned bytes,
  // then the shorter first): the byte order the DynamoDB service's key encoding relies on.
  std::sort(keys.begin(), keys.end());
  Items expected;
  for (const auto& k : keys) expected.emplace_back(k, "item\0of "s + k);
  EXPECT_EQ(items(*store, "t"), expected);
  ASSERT_EQ(expected.front().first, ""s);
  ASSERT_EQ(expected.back().first, "\xff\x00"s);

  DynamoWrite del;
  del.deletes = {{"t", "a\0"s}};  // Deletes only the key with the NUL byte, not "a".
  ASSERT_EQ(write(*store, std::move(del)), "");
  auto after = items(*store, "t");
  EXPECT_EQ(after.size(), keys.size() - 1);
  EXPECT_EQ(std::count_if(after.begin(), after.end(), [](auto& kv) { return kv.first == "a"; }), 1);
  EXPECT_EQ(std::count_if(after.begin(), after.end(), [](auto& kv) { return kv.first == "a\0"s; }),
            0);
}

TEST_F(DynamoStoreTest, StreamRecordsAreReadInSequenceOrderAndTrimmedByAge) {
  auto store = open();
  DynamoWrite first;
  first.streamRecords = {record("t", 10, 5000), record("t", 2, 1000), record("other", 1, 1000)};
  ASSERT_EQ(write(*store, std::move(first)), "");
  DynamoWrite second;
  // A record whose clock ran behind an earlier one's is still trimmed by its own age.
  second.streamRecords = {record("t", 11, 2000), record("t", 12, 9000)};
  ASSERT_EQ(write(*store, std::move(second)), "");

  auto all = stream(*store, "t");
  ASSERT_EQ(sequences(all), (std::vector<int64_t>{2, 10, 11, 12}));
  EXPECT_EQ(all[0].createdAtMs, 1000);
  EXPECT_EQ(all[0].record, "record-2");

  DynamoWrite trim;
  trim.trimTableId = "t";
  trim.trimBeforeMs = 5000;  // Strictly before: the record created at 5000 stays.
  ASSERT_EQ(write(*store, std::move(trim)), "");
  EXPECT_EQ(sequences(stream(*store, "t")), (std::vector<int64_t>{10, 12}));
  EXPECT_EQ(sequences(stream(*store, "other")), std::vector<int64_t>{1});
}

TEST_F(DynamoStoreTest, DeletingATableRemovesOnlyItsItemsAndStream) {
  auto store = open();
  DynamoWrite w;
  w.puts = {{"t1", "k1", "1"}, {"t1", "k2", "2"}, {"t2", "k1", "other"}, {"t10", "k", "x"}};
  w.streamRecords = {record("t1", 1, 1), record("t2", 1, 1), record("t10", 1, 1)};
  ASSERT_EQ(write(*store, std::move(w)), "");
  ASSERT_EQ(deleteTable(*store, "t1"), "");
  EXPECT_TRUE(items(*store, "t1").empty());
  EXPECT_TRUE(stream(*store, "t1").empty());
  EXPECT_EQ(items(*store, "t2"), (Items{{"k1", "other"}}));
  EXPECT_EQ(items(*store, "t10"), (Items{{"k", "x"}}));
  EXPECT_EQ(sequences(stream(*store, "t2")), std::vector<int64_t>{1});
  EXPECT_EQ(sequences(stream(*store, "t10")), std::vector<int64_t>{1});
  EXPECT_EQ(deleteTable(*store, "never existed"), "");
}

// The natural failure: a stream record is never replaced, so a second record with a sequence
// number the table's stream already holds breaks the primary key. It comes last in the write's
// order, after the puts and deletes, which must be undone with it.
TEST_F(DynamoStoreTest, AFailedWriteAppliesNothingAndLeavesOtherWritesAlone) {
  auto store = open();
  DynamoWrite setup;
  setup.puts = {{"t", "kept", "v1"}, {"t", "doomed", "v1"}};
  setup.streamRecords = {record("t", 1, 100)};
  ASSERT_EQ(write(*store, std::move(setup)), "");

  auto failing = [] {
    DynamoWrite w;
    w.puts = {{"t", "kept", "v2"}, {"t", "new", "v2"}};
    w.deletes = {{"t", "doomed"}};
    w.streamRecords = {record("t", 2, 200), record("t", 1, 200)};
    w.trimTableId = "t";
    w.trimBeforeMs = 1000;
    return w;
  };
  EXPECT_NE(write(*store, failing()), "");
  EXPECT_EQ(items(*store, "t"), (Items{{"doomed", "v1"}, {"kept", "v1"}}));
  EXPECT_EQ(sequences(stream(*store, "t")), std::vector<int64_t>{1});

  // Submitted together, the failing write shares a transaction with the writes around it: it
  // fails alone, and they commit.
  std::promise<std::string> before, failed, after;
  store->writeDynamo(puts({{"t", "before", "b"}}),
                     [&](std::string error) { before.set_value(std::move(error)); });
  store->writeDynamo(failing(), [&](std::string error) { failed.set_value(std::move(error)); });
  DynamoWrite later = puts({{"t", "after", "a"}});
  later.streamRecords = {record("t", 3, 300)};
  store->writeDynamo(std::move(later),
                     [&](std::string error) { after.set_value(std::move(error)); });
  EXPECT_EQ(before.get_future().get(), "");
  EXPECT_NE(failed.get_future().get(), "");
  EXPECT_EQ(after.get_future().get(), "");
  EXPECT_EQ(items(*store, "t"),
            (Items{{"after", "a"}, {"before", "b"}, {"doomed", "v1"}, {"kept", "v1"}}));
  EXPECT_EQ(sequences(stream(*store, "t")), (std::vector<int64_t>{1, 3}));
}

TEST_F(DynamoStoreTest, WritesApplyInSubmissionOrderAndEachInItsDocumentedOrder) {
  auto store = open();
  // Many writes in flight at once, so they share transactions: the last one submitted wins.
  constexpr int kWrites = 500;
  std::vector<std::promise<std::string>> done(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    DynamoWrite w = puts({{"t", "k", std::to_string(i)}});
    if (i % 2 == 1) w.deletes = {{"t", "gone-" + std::to_string(i - 1)}};
    if (i % 2 == 0) w.puts.push_back({"t", "gone-" + std::to_string(i), "x"});
    store->writeDynamo(std::move(w), [&, i](std::string error) { done[i].set_value(error); });
  }
  for (auto& d : done) EXPECT_EQ(d.get_future().get(), "");
  EXPECT_EQ(items(*store, "t"), (Items{{"k", std::to_string(kWrites - 1)}}));

  // Within one write: deletes follow puts, and the trim follows the appends.
  DynamoWrite w;
  w.puts = {{"t", "k", "put"}};
  w.deletes = {{"t", "k"}};
  w.streamRecords = {record("t", 1, 100), record("t", 2, 900)};
  w.trimTableId = "t";
  w.trimBeforeMs = 500;
  ASSERT_EQ(write(*store, std::move(w)), "");
  EXPECT_TRUE(items(*store, "t").empty());
  EXPECT_EQ(sequences(stream(*store, "t")), std::vector<int64_t>{2});
}

TEST_F(DynamoStoreTest, CallbackRunsOnlyAfterCommit) {
  auto store = open();
  constexpr int kWrites = 20;
  std::vector<std::promise<int>> seen(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    std::string tableId = "t" + std::to_string(i);
    store->writeDynamo(puts({{tableId, "k", "v"}}), [&, tableId, i](std::string error) {
      EXPECT_EQ(error, "");
      seen[i].set_value(countFromFreshConnection(
          file_, "SELECT count(*) FROM dynamodb_items WHERE table_id = ?1", tableId));
    });
  }
  for (auto& s : seen) EXPECT_EQ(s.get_future().get(), 1);
}

TEST_F(DynamoStoreTest, EverythingSurvivesReopen) {
  std::string key("pk\0sk"s), item(300 * 1024, '\0');
  {
    auto store = open();
    DynamoWrite w;
    w.puts = {{"t", key, item}, {"t", "b", "2"}, {"u", "a", "3"}};
    w.streamRecords = {record("t", 7, 70), record("t", 8, 80)};
    ASSERT_EQ(write(*store, std::move(w)), "");
    DynamoWrite d;
    d.deletes = {{"t", "b"}};
    ASSERT_EQ(write(*store, std::move(d)), "");
    store->stop();
    std::string late = "not called";
    store->writeDynamo(puts({{"t", "late", "x"}}),
                       [&](std::string error) { late = std::move(error); });
    EXPECT_NE(late, "");  // Refused at once, on this thread.
    EXPECT_NE(late, "not called");
  }
  auto store = open();
  auto t = items(*store, "t");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].first, key);
  EXPECT_EQ(t[0].second, item);
  EXPECT_EQ(items(*store, "u"), (Items{{"a", "3"}}));
  auto records = stream(*store, "t");
  ASSERT_EQ(sequences(records), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(records[1].createdAtMs, 80);
  EXPECT_EQ(records[1].record, "record-8");
}

// Runs `sql` on the file through a connection of its own; returns SQLite's error, empty if none.
std::string execOnFile(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else if (char* message = nullptr; sqlite3_exec(db, sql, nullptr, nullptr, &message)) {
    error = message ? message : "failed";
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return error;
}

int64_t userVersion(const fs::path& file) {
  sqlite3* db = nullptr;
  int64_t version = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      version = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return version;
}

TEST_F(DynamoStoreTest, AVersion3FileIsUpgradedInPlace) {
  {
    auto store = open();
    ASSERT_EQ(await([&](CommitCallback cb) {
                store->putRecord({"lambda.function", "f", "code"}, std::move(cb));
              }),
              "");
    ASSERT_EQ(await([&](CommitCallback cb) {
                store->putSqsQueue({1, "q", "{}"}, std::move(cb));
              }),
              "");
  }
  // Version 3's schema is version 5's without the DynamoDB tables and the asynchronous events'
  // trace header: taking them away leaves the file exactly as that release wrote it.
  ASSERT_EQ(execOnFile(file_,
                       "DROP TABLE dynamodb_items; DROP TABLE dynamodb_stream; "
                       "ALTER TABLE async_events DROP COLUMN trace_header; "
                       "PRAGMA user_version = 3;"),
            "");
  ASSERT_EQ(userVersion(file_), 3);

  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(userVersion(file_), 5);
  AsyncEvent event;
  event.id = "e1";
  event.functionName = "f";
  event.qualifier = "$LATEST";
  event.payload = "{}";
  event.traceHeader = "Root=1-6756e3a0-0123456789abcdef01234567";
  ASSERT_EQ(await([&](CommitCallback cb) { store->enqueueAsyncEvent(event, std::move(cb)); }), "");
  auto leased = store->leaseDueAsyncEvents(INT64_MAX, 10);
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].traceHeader, event.traceHeader);
  auto functions = store->records("lambda.function");
  ASSERT_EQ(functions.size(), 1u);
  EXPECT_EQ(functions[0].value, "code");
  ASSERT_EQ(store->sqsQueues().size(), 1u);
  DynamoWrite w = puts({{"t", "k", "v"}});
  w.streamRecords = {record("t", 1, 1)};
  ASSERT_EQ(write(*store, std::move(w)), "");
  EXPECT_EQ(items(*store, "t"), (Items{{"k", "v"}}));
  EXPECT_EQ(sequences(stream(*store, "t")), std::vector<int64_t>{1});
}

}  // namespace
}  // namespace nimbus::store
