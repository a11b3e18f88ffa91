#include "aws/dynamodb/engine.h"

#include <fmt/format.h>

#include <chrono>

#include "core/ids.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::dynamodb {

namespace {

constexpr const char* kTableRecordKind = "dynamodb.table";
constexpr int64_t kStreamRetentionMs = 24LL * 60 * 60 * 1000;
constexpr size_t kMaxPartitionKeyBytes = 2048;
constexpr size_t kMaxSortKeyBytes = 1024;

ServiceError validation(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

// Null sorts first; otherwise both values have the type the schema gives the attribute.
std::strong_ordering compareKeyValues(const AttributeValue& a, const AttributeValue& b) {
  bool an = a.is(Type::kNull), bn = b.is(Type::kNull);
  if (an || bn) return bn <=> an;  // Null (true) < value (false).
  if (a.type() != b.type()) return a.type() <=> b.type();
  return compareScalars(a, b);
}

void appendKeyBytes(std::string& out, const AttributeValue& v) {
  std::string_view bytes;
  std::string number;
  switch (v.type()) {
    case Type::kS:
      bytes = v.s();
      break;
    case Type::kB:
      bytes = v.b();
      break;
    case Type::kN:
      number = v.n().toString();
      bytes = number;
      break;
    default:
      out.push_back('\0');
      return;
  }
  out += typeName(v.type());
  uint32_t n = static_cast<uint32_t>(bytes.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += bytes;
}

size_t keyBytes(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kS:
      return v.s().size();
    case Type::kB:
      return v.b().size();
    case Type::kN:
      return v.n().storageSize();
    default:
      return 0;
  }
}

std::string_view viewTypeOf(const TableDefinition& t) {
  return t.streamViewType;
}

}  // namespace

bool EntryKeyLess::operator()(const EntryKey& a, const EntryKey& b) const {
  if (a.hash != b.hash) return a.hash < b.hash;
  if (auto c = compareKeyValues(a.partition, b.partition); c != 0) return c < 0;
  if (auto c = compareKeyValues(a.sort, b.sort); c != 0) return c < 0;
  if (auto c = compareKeyValues(a.basePartition, b.basePartition); c != 0) return c < 0;
  return compareKeyValues(a.baseSort, b.baseSort) < 0;
}

uint64_t partitionHash(const AttributeValue& key) {
  std::string bytes;
  appendKeyBytes(bytes, key);
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // FNV's low bits mix poorly for short keys; fold the high bits in so segments spread evenly.
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return h;
}

std::string sequenceNumberText(int64_t sequence) {
  return fmt::format("1{:020d}", sequence);
}

std::string encodeStoreKey(const AttributeValue& partition, const AttributeValue& sort) {
  std::string out;
  appendKeyBytes(out, partition);
  appendKeyBytes(out, sort);
  return out;
}

EntryKey Table::keyOf(const Item& item) const {
  EntryKey key;
  const auto& keys = definition.keys;
  auto p = item.find(keys.partitionKey);
  if (p != item.end()) key.partition = p->second;
  if (keys.hasSortKey()) {
    auto s = item.find(keys.sortKey);
    if (s != item.end()) key.sort = s->second;
  }
  key.hash = partitionHash(key.partition);
  return key;
}

std::optional<EntryKey> Table::indexKeyOf(const SecondaryIndex& index, const Item& item) const {
  auto typeOk = [&](const std::string& name, const AttributeValue*& out) {
    auto it = item.find(name);
    if (it == item.end()) return false;
    auto t = definition.attributeTypes.find(name);
    if (t == definition.attributeTypes.end() || it->second.type() != t->second) return false;
    out = &it->second;
    return true;
  };
  const AttributeValue* p = nullptr;
  const AttributeValue* s = nullptr;
  if (!typeOk(index.keys.partitionKey, p)) return std::nullopt;
  if (index.keys.hasSortKey() && !typeOk(index.keys.sortKey, s)) return std::nullopt;
  EntryKey key;
  key.partition = *p;
  if (s) key.sort = *s;
  key.hash = partitionHash(key.partition);
  EntryKey base = keyOf(item);
  key.basePartition = std::move(base.partition);
  key.baseSort = std::move(base.sort);
  return key;
}

ItemPtr Table::find(const EntryKey& key) const {
  auto it = items.find(key);
  return it == items.end() ? nullptr : it->second;
}

TableFigures Table::figures() const {
  TableFigures f;
  f.itemCount = static_cast<int64_t>(items.size());
  f.sizeBytes = sizeBytes;
  for (const auto& [name, entries] : indexes) {
    int64_t bytes = 0;
    for (const auto& [k, item] : entries) bytes += static_cast<int64_t>(itemSize(*item));
    f.indexes[name] = {static_cast<int64_t>(entries.size()), bytes};
  }
  return f;
}

Engine::Engine(store::Store& store, std::string region, std::string accountId)
    : store_(store), region_(std::move(region)), accountId_(std::move(accountId)) {}

std::vector<std::string> Engine::load() {
  std::vector<std::string> warnings;
  for (auto& record : store_.records(kTableRecordKind)) {
    auto definition = decodeTableDefinition(record.value);
    if (!definition) {
      warnings.push_back(
          fmt::format("DynamoDB table {}: unreadable definition, skipped", record.key));
      continue;
    }
    auto table = std::make_shared<Table>(std::move(*definition));
    for (const auto& index : table->definition.indexes) table->indexes[index.name];
    size_t unreadable = 0;
    store_.readDynamoItems(table->definition.id, [&](store::DynamoItemRow&& row) {
      auto item = itemFromJson(row.item);
      if (!item) {
        ++unreadable;
        return;
      }
      auto ptr = std::make_shared<const Item>(std::move(*item));
      EntryKey key = table->keyOf(*ptr);
      table->sizeBytes += static_cast<int64_t>(itemSize(*ptr));
      for (const auto& index : table->definition.indexes) {
        if (auto k = table->indexKeyOf(index, *ptr)) table->indexes[index.name].emplace(*k, ptr);
      }
      table->items.emplace(std::move(key), std::move(ptr));
    });
    if (unreadable) {
      warnings.push_back(fmt::format("DynamoDB table {}: {} unreadable items skipped",
                                     table->definition.name, unreadable));
    }
    store_.readDynamoStream(table->definition.id, [&](store::DynamoStreamRow&& row) {
      table->stream.push_back(StreamRecord{row.sequence, row.createdAtMs, std::move(row.record)});
      table->nextSequence = std::max(table->nextSequence, row.sequence + 1);
    });
    std::lock_guard lock(catalogMutex_);
    tables_[table->definition.name] = std::move(table);
  }
  return warnings;
}

std::shared_ptr<Table> Engine::table(const std::string& name) const {
  std::lock_guard lock(catalogMutex_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

ServiceError Engine::tableNotFound(const std::string& name) {
  return ServiceError{"ResourceNotFoundException",
                      fmt::format("Requested resource not found: Table: {} not found", name), 400};
}

std::vector<std::shared_ptr<Table>> Engine::tables() const {
  std::lock_guard lock(catalogMutex_);
  std::vector<std::shared_ptr<Table>> out;
  for (const auto& [name, t] : tables_) out.push_back(t);
  return out;
}

Result<std::shared_ptr<Table>> Engine::createTable(TableDefinition definition, CommitDone done) {
  definition.id = newUuid();
  definition.createdAt = static_cast<double>(nowMs()) / 1000.0;
  if (definition.streamEnabled && definition.streamLabel.empty()) {
    definition.streamLabel = formatStreamLabel(nowMs());
  }
  auto table = std::make_shared<Table>(std::move(definition));
  for (const auto& index : table->definition.indexes) table->indexes[index.name];
  {
    std::lock_guard lock(catalogMutex_);
    auto [it, inserted] = tables_.emplace(table->definition.name, table);
    if (!inserted) {
      return ServiceError{"ResourceInUseException",
                          "Table already exists: " + table->definition.name, 400};
    }
    // Stored under the catalog lock, so a DeleteTable right after is stored after it.
    store_.putRecord(
        {kTableRecordKind, table->definition.name, encodeTableDefinition(table->definition)},
        std::move(done));
  }
  return table;
}

void Engine::saveDefinition(const Table& table, CommitDone done) {
  store_.putRecord(
      {kTableRecordKind, table.definition.name, encodeTableDefinition(table.definition)},
      std::move(done));
}

void Engine::rebuildIndex(Table& table, const SecondaryIndex& index) {
  EntryMap& entries = table.indexes[index.name];
  entries.clear();
  for (const auto& [key, item] : table.items) {
    if (auto k = table.indexKeyOf(index, *item)) entries.emplace(std::move(*k), item);
  }
}

Result<std::shared_ptr<Table>> Engine::deleteTable(const std::string& name, CommitDone done) {
  std::shared_ptr<Table> table;
  {
    std::lock_guard lock(catalogMutex_);
    auto it = tables_.find(name);
    if (it == tables_.end()) return tableNotFound(name);
    table = it->second;
    {
      std::shared_lock tableLock(table->mutex);
      if (table->definition.deletionProtection) {
        return ServiceError{
            "ValidationException",
            fmt::format("Resource cannot be deleted as it is currently protected against "
                        "deletion. Disable deletion protection first."),
            400};
      }
    }
    tables_.erase(it);
    // The definition goes first: after a crash between the two, the orphaned items are never
    // read again (they are keyed by the table's id, which is not reused).
    store_.deleteRecord(kTableRecordKind, name, [](std::string) {});
    store_.deleteDynamoTable(table->definition.id, std::move(done));
  }
  std::unique_lock tableLock(table->mutex);
  table->deleted = true;
  return table;
}

Status Engine::checkItemKeys(const TableDefinition& table, const Item& item) const {
  auto check = [&](const std::string& name, bool partition) -> Status {
    auto it = item.find(name);
    if (it == item.end()) {
      return validation(fmt::format(
          "One or more parameter values were invalid: Missing the key {} in the item", name));
    }
    Type expected = table.attributeTypes.at(name);
    if (it->second.type() != expected) {
      return validation(fmt::format(
          "One or more parameter values were invalid: Type mismatch for key {} expected: {} "
          "actual: {}",
          name, typeName(expected), typeName(it->second.type())));
    }
    size_t size = keyBytes(it->second);
    if (size == 0 && !it->second.is(Type::kN)) {
      return validation(fmt::format(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty {} value. Key: {}",
          it->second.is(Type::kS) ? "string" : "binary", name));
    }
    if (partition && size > kMaxPartitionKeyBytes) {
      return validation(
          "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
          "size limit of2048 bytes");
    }
    if (!partition && size > kMaxSortKeyBytes) {
      return validation(
          "One or more parameter values were invalid: Aggregated size of all range keys has "
          "exceeded the size limit of 1024 bytes");
    }
    return ok();
  };
  if (auto s = check(table.keys.partitionKey, true); !s) return s;
  if (table.keys.hasSortKey()) {
    if (auto s = check(table.keys.sortKey, false); !s) return s;
  }
  // Index key attributes, when present, must have their defined type.
  for (const auto& index : table.indexes) {
    for (const std::string* name : {&index.keys.partitionKey, &index.keys.sortKey}) {
      if (name->empty()) continue;
      auto it = item.find(*name);
      if (it == item.end()) continue;
      Type expected = table.attributeTypes.at(*name);
      if (it->second.type() != expected) {
        return validation(fmt::format(
            "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: "
            "{} Actual: {} IndexName: {}",
            *name, typeName(expected), typeName(it->second.type()), index.name));
      }
      if (keyBytes(it->second) == 0 && !it->second.is(Type::kN)) {
        return validation(fmt::format(
            "One or more parameter values are not valid. A value specified for a secondary index "
            "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
            "string value. IndexName: {}, IndexKey: {}",
            index.name, *name));
      }
      bool isPartition = name == &index.keys.partitionKey;
      if (keyBytes(it->second) > (isPartition ? kMaxPartitionKeyBytes : kMaxSortKeyBytes)) {
        return validation(fmt::format(
            "One or more parameter values were invalid: Size of {} has exceeded the maximum size "
            "limit of {} bytes for index {}",
            isPartition ? "hashkey" : "rangekey",
            isPartition ? kMaxPartitionKeyBytes : kMaxSortKeyBytes, index.name));
      }
    }
  }
  return ok();
}

Result<EntryKey> Engine::keyFromParameter(const Table& table, const Item& key) const {
  const auto& def = table.definition;
  size_t expected = def.keys.hasSortKey() ? 2 : 1;
  auto mismatch = [] { return validation("The provided key element does not match the schema"); };
  if (key.size() != expected) return mismatch();
  for (const std::string* name : {&def.keys.partitionKey, &def.keys.sortKey}) {
    if (name->empty()) continue;
    auto it = key.find(*name);
    if (it == key.end() || it->second.type() != def.attributeTypes.at(*name)) return mismatch();
    if (keyBytes(it->second) == 0 && !it->second.is(Type::kN)) {
      return validation(fmt::format(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty {} value. Key: {}",
          it->second.is(Type::kS) ? "string" : "binary", *name));
    }
  }
  return table.keyOf(key);
}

Item Engine::keyAttributes(const TableDefinition& table, const Item& item) {
  Item out;
  for (const std::string* name : {&table.keys.partitionKey, &table.keys.sortKey}) {
    if (name->empty()) continue;
    auto it = item.find(*name);
    if (it != item.end()) out.emplace(*name, it->second);
  }
  return out;
}

void Engine::appendStreamRecord(Table& table, const ItemChange& change, int64_t now,
                                std::vector<StreamRecord>& out) {
  const auto& def = table.definition;
  if (!def.streamEnabled) return;
  const Item& any = change.after ? *change.after : *change.before;
  std::string_view eventName = !change.before ? "INSERT" : (!change.after ? "REMOVE" : "MODIFY");
  StreamRecord record;
  record.sequence = table.nextSequence++;
  record.createdAtMs = now;
  JsonWriter w(record.json);
  w.beginObject();
  w.field("eventID", randomHex(32));
  w.field("eventName", eventName);
  w.field("eventVersion", "1.1");
  w.field("eventSource", "aws:dynamodb");
  w.field("awsRegion", region_);
  w.key("dynamodb").beginObject();
  // Streams give the creation time in whole seconds.
  w.key("ApproximateCreationDateTime").number(static_cast<int64_t>(now / 1000));
  Item keys = keyAttributes(def, any);
  w.key("Keys");
  writeItem(w, keys);
  std::string_view view = viewTypeOf(def);
  bool newImage = view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES";
  bool oldImage = view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES";
  size_t size = itemSize(keys);
  if (newImage && change.after) {
    w.key("NewImage");
    writeItem(w, *change.after);
    size += itemSize(*change.after);
  }
  if (oldImage && change.before) {
    w.key("OldImage");
    writeItem(w, *change.before);
    size += itemSize(*change.before);
  }
  w.field("SequenceNumber", sequenceNumberText(record.sequence));
  w.field("SizeBytes", static_cast<int64_t>(size));
  w.field("StreamViewType", view);
  w.endObject();
  if (change.ttlDelete) {
    // Deletions by time to live are the service's own, as DynamoDB marks them.
    w.key("userIdentity").beginObject();
    w.field("type", "Service").field("principalId", "dynamodb.amazonaws.com");
    w.endObject();
  }
  w.endObject();
  table.stream.push_back(record);
  out.push_back(std::move(record));
}

void Engine::commit(std::vector<ItemChange> changes, CommitDone done) {
  store::DynamoWrite write;
  int64_t now = nowMs();
  std::vector<std::string> streamed;
  for (auto& change : changes) {
    // Deleting an absent item changes nothing and, as in DynamoDB, streams nothing.
    if (!change.before && !change.after) continue;
    Table& table = *change.table;
    const auto& def = table.definition;
    // Indexes: out with the old entry, in with the new.
    for (const auto& index : def.indexes) {
      EntryMap& entries = table.indexes[index.name];
      if (change.before) {
        if (auto k = table.indexKeyOf(index, *change.before)) entries.erase(*k);
      }
      if (change.after) {
        if (auto k = table.indexKeyOf(index, *change.after))
          entries.insert_or_assign(*k, change.after);
      }
    }
    if (change.before) table.sizeBytes -= static_cast<int64_t>(itemSize(*change.before));
    std::string storeKey = encodeStoreKey(change.key.partition, change.key.sort);
    if (change.after) {
      table.sizeBytes += static_cast<int64_t>(itemSize(*change.after));
      table.items.insert_or_assign(change.key, change.after);
      write.puts.push_back({def.id, std::move(storeKey), itemToJson(*change.after)});
    } else {
      table.items.erase(change.key);
      write.deletes.emplace_back(def.id, std::move(storeKey));
    }
    std::vector<StreamRecord> records;
    appendStreamRecord(table, change, now, records);
    for (auto& r : records) {
      write.streamRecords.push_back({def.id, r.sequence, r.createdAtMs, std::move(r.json)});
    }
    if (!records.empty()) streamed.push_back(def.name);
  }
  store_.writeDynamo(std::move(write), std::move(done));
  if (!streamed.empty()) {
    StreamListener listener;
    {
      std::lock_guard lock(listenerMutex_);
      listener = streamListener_;
    }
    if (listener) {
      for (const auto& name : streamed) listener(name);
    }
  }
}

void Engine::setStreamListener(StreamListener listener) {
  std::lock_guard lock(listenerMutex_);
  streamListener_ = std::move(listener);
}

void Engine::trimStreams(int64_t now) {
  for (auto& table : tables()) {
    std::unique_lock lock(table->mutex);
    if (table->stream.empty() || table->stream.front().createdAtMs >= now - kStreamRetentionMs) {
      continue;
    }
    while (!table->stream.empty() && table->stream.front().createdAtMs < now - kStreamRetentionMs) {
      table->stream.pop_front();
    }
    store::DynamoWrite write;
    write.trimTableId = table->definition.id;
    write.trimBeforeMs = now - kStreamRetentionMs;
    store_.writeDynamo(std::move(write), [](std::string) {});
  }
}

void Engine::expireItems(int64_t now, size_t maxDeletes) {
  // DynamoDB reads the attribute as epoch seconds and ignores values more than five years in the
  // past.
  auto expiry = Decimal::parse(std::to_string(now / 1000));
  auto floor = Decimal::parse(std::to_string(now / 1000 - 5LL * 365 * 24 * 3600));
  if (!expiry || !floor) return;
  for (auto& table : tables()) {
    // The sweep runs every second: it looks for expired items under the shared lock, so reads
    // go on beside it, and takes the table exclusively only when there is something to delete.
    std::vector<std::pair<EntryKey, ItemPtr>> expired;
    {
      std::shared_lock lock(table->mutex);
      const auto& def = table->definition;
      if (!def.ttlEnabled || def.ttlAttribute.empty()) continue;
      for (const auto& [key, item] : table->items) {
        if (expired.size() >= maxDeletes) break;
        auto it = item->find(def.ttlAttribute);
        if (it == item->end() || !it->second.is(Type::kN)) continue;
        if (it->second.n() < *expiry && !(it->second.n() < *floor)) expired.emplace_back(key, item);
      }
    }
    if (expired.empty()) continue;
    std::unique_lock lock(table->mutex);
    if (table->deleted) continue;
    std::vector<ItemChange> changes;
    for (auto& [key, item] : expired) {
      // An item written since the look is judged again at the next sweep.
      if (table->find(key) == item) changes.push_back({table, std::move(key), item, nullptr, true});
    }
    if (!changes.empty()) commit(std::move(changes), [](std::string) {});
  }
}

std::string formatStreamLabel(int64_t epochMs) {
  auto seconds = static_cast<time_t>(epochMs / 1000);
  struct tm tm;
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<int>(epochMs % 1000));
}

}  // namespace nimbus::aws::dynamodb
