// The table engine: every table's items in memory, ordered as DynamoDB orders them (partitions
// by the hash of their key, items within a partition by sort key), its secondary indexes kept in
// step with it, and its stream. The store is the durable log: each change is submitted to it under
// the table's lock (so the log's order is the memory's order) and acknowledged once committed.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "aws/dynamodb/attribute_value.h"
#include "aws/dynamodb/table_definition.h"
#include "core/result.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::aws::dynamodb {

using ItemPtr = std::shared_ptr<const Item>;

// A position in a table or index. Entries order by the partition key's hash, then the partition
// key, then the sort key; a secondary index adds the table's key, since index keys need not be
// unique. A Null value sorts before every other value, which lower bounds rely on.
struct EntryKey {
  uint64_t hash = 0;
  AttributeValue partition;
  AttributeValue sort;
  AttributeValue basePartition;  // Secondary indexes only.
  AttributeValue baseSort;
};
struct EntryKeyLess {
  bool operator()(const EntryKey& a, const EntryKey& b) const;
};
using EntryMap = std::map<EntryKey, ItemPtr, EntryKeyLess>;

// The stable 64-bit hash partitions are ordered by (FNV-1a over the key's type and bytes), so
// that Scan's order, its segments and LastEvaluatedKey survive restarts.
uint64_t partitionHash(const AttributeValue& partitionKey);

// One DynamoDB Streams record: GetRecords' Record object, without the eventSourceARN Lambda adds.
struct StreamRecord {
  int64_t sequence = 0;
  int64_t createdAtMs = 0;
  std::string json;
};

// A stream record's SequenceNumber as DynamoDB writes it: 21 digits.
std::string sequenceNumberText(int64_t sequence);

class Table {
 public:
  explicit Table(TableDefinition definition) : definition(std::move(definition)) {}

  // Guards everything below. Reads take it shared, writes exclusive.
  mutable std::shared_mutex mutex;
  TableDefinition definition;
  EntryMap items;
  std::map<std::string, EntryMap> indexes;  // By index name.
  int64_t sizeBytes = 0;
  std::deque<StreamRecord> stream;  // Retained records, oldest first.
  int64_t nextSequence = 1;
  bool deleted = false;  // Set when DeleteTable removed it; holders of a pointer must check.

  // The entry key of an item in the table (its key attributes already checked).
  EntryKey keyOf(const Item& item) const;
  // The entry key of an item in `index`, or nullopt when the item lacks the index's key
  // attributes (or has them with another type): such items are not in the index.
  std::optional<EntryKey> indexKeyOf(const SecondaryIndex& index, const Item& item) const;
  // The item with that primary key, or null.
  ItemPtr find(const EntryKey& key) const;
  TableFigures figures() const;
};

// What one write does to one item: `before` is what was there (null when nothing), `after`
// what is there now (null for a delete). `ttlDelete` marks a deletion by time-to-live, which
// streams record as the service's own.
struct ItemChange {
  std::shared_ptr<Table> table;
  EntryKey key;
  ItemPtr before;
  ItemPtr after;
  bool ttlDelete = false;
};

// Answers once the write is durable: an empty string, or what went wrong.
using CommitDone = std::function<void(std::string error)>;

class Engine {
 public:
  Engine(store::Store& store, std::string region, std::string accountId);

  const std::string& region() const { return region_; }
  const std::string& accountId() const { return accountId_; }
  store::Store& store() { return store_; }

  // Reads table definitions, items and stream records from the store.
  std::vector<std::string> load();

  // The table of that name, or null.
  std::shared_ptr<Table> table(const std::string& name) const;
  // ResourceNotFoundException as DynamoDB words it for a missing table.
  static ServiceError tableNotFound(const std::string& name);
  // Every table, by name.
  std::vector<std::shared_ptr<Table>> tables() const;

  // Adds a table (ResourceInUseException when the name is taken) and stores its definition.
  Result<std::shared_ptr<Table>> createTable(TableDefinition definition, CommitDone done);
  // Stores a changed definition (the caller holds the table's lock and changed it).
  void saveDefinition(const Table& table, CommitDone done);
  // Rebuilds one secondary index from the table's items (caller holds the lock exclusively).
  void rebuildIndex(Table& table, const SecondaryIndex& index);
  // Removes the table and its data.
  Result<std::shared_ptr<Table>> deleteTable(const std::string& name, CommitDone done);

  // Applies changes in memory (items, indexes, sizes, stream records) and submits them to the
  // store as one atomic write. Callers hold every involved table's lock exclusively, so that the
  // store sees writes in the order memory does. `done` runs once durable.
  void commit(std::vector<ItemChange> changes, CommitDone done);

  // Validates an item's key attributes against the table (and its indexes' key types): DynamoDB's
  // ValidationExceptions for a missing key, a type mismatch, an empty or oversized key.
  Status checkItemKeys(const TableDefinition& table, const Item& item) const;
  // Validates a Key parameter: exactly the table's key attributes, of the right types.
  Result<EntryKey> keyFromParameter(const Table& table, const Item& key) const;
  // The primary key attributes of an item (for LastEvaluatedKey, Keys in streams ...).
  static Item keyAttributes(const TableDefinition& table, const Item& item);

  // Streams: called after records were appended to a table's stream, with that table's lock
  // held, so a listener only signals (wakes a poller) and never blocks or takes a table lock.
  using StreamListener = std::function<void(const std::string& tableName)>;
  void setStreamListener(StreamListener listener);
  // Drops stream records older than 24 hours; deletes expired items (time to live). Called
  // periodically by the service.
  void trimStreams(int64_t nowMs);
  void expireItems(int64_t nowMs, size_t maxDeletes);

 private:
  void appendStreamRecord(Table& table, const ItemChange& change, int64_t nowMs,
                          std::vector<StreamRecord>& out);

  store::Store& store_;
  std::string region_;
  std::string accountId_;
  mutable std::mutex catalogMutex_;
  std::map<std::string, std::shared_ptr<Table>> tables_;
  std::mutex listenerMutex_;
  StreamListener streamListener_;
};

// A stream label: the stream's creation time as ISO 8601 with milliseconds, as in stream ARNs.
std::string formatStreamLabel(int64_t epochMs);

// The store's encoding of a primary key.
std::string encodeStoreKey(const AttributeValue& partition, const AttributeValue& sort);

}  // namespace nimbus::aws::dynamodb
