// Query and Scan: a table or a secondary index read in DynamoDB's order, one page at a time (Limit
// items or 1 MB read, whichever comes first), filtered and projected.
//
// A read takes the table's lock shared only to collect the page's item pointers; filtering,
// projection and serialization happen after it is released.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/read_request.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

// DynamoDB stops a page once it has read 1 MB of items (their sizes before any filter or
// projection), returning the last item read as LastEvaluatedKey.
constexpr size_t kPageBytes = 1024 * 1024;

// The page's items as read, before filter and projection.
struct Page {
  std::vector<ItemPtr> items;
  size_t bytes = 0;      // Their sizes, as DynamoDB counts a page's 1 MB and read capacity.
  bool stopped = false;  // Limit or 1 MB reached: the last item is LastEvaluatedKey.
};

EntryKey boundKey(uint64_t hash, const AttributeValue& partition, const AttributeValue& sort) {
  EntryKey key;
  key.hash = hash;
  key.partition = partition;
  key.sort = sort;
  return key;
}

// The smallest string greater than every string starting with `prefix` (bytes compared
// unsigned), or nothing when every string >= prefix starts with it (all 0xff).
std::optional<std::string> prefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// Collects the page; the caller holds the table's lock (shared).
class PageReader {
 public:
  PageReader(const ReadRequest& read, const Table& table, const EntryMap& entries)
      : read_(read), entries_(entries) {
    // Sizes are needed for the 1 MB limit only when the table could fill it (an index's items
    // are never larger than the table's), and for consumed capacity.
    sizing_ = read.capacity != CapacityReport::kNone ||
              table.sizeBytes >= static_cast<int64_t>(kPageBytes);
    if (read.limit != SIZE_MAX) page_.items.reserve(std::min<size_t>(read.limit, 4096));
  }

  Page query() {
    const KeyCondition& c = *read_.keyCondition;
    const uint64_t hash = partitionHash(c.partitionValue);
    using Op = KeyCondition::Op;
    static const AttributeValue kLowest;  // Null sorts first.
    auto lower = [&](const AttributeValue& sort) {
      return entries_.lower_bound(boundKey(hash, c.partitionValue, sort));
    };
    // After every entry of this partition whose sort key equals `sort`.
    auto after = [&](const AttributeValue& sort) {
      auto it = lower(sort);
      while (it != entries_.end() && it->first.hash == hash &&
             it->first.partition == c.partitionValue && it->first.sort == sort) {
        ++it;
      }
      return it;
    };
    auto partitionEnd = [&] {
      if (hash == UINT64_MAX) return entries_.end();
      return entries_.lower_bound(boundKey(hash + 1, kLowest, kLowest));
    };
    EntryMap::const_iterator lo, hi;
    switch (c.sortOp) {
      case Op::kNone:
      case Op::kLt:
      case Op::kLe:
        lo = lower(kLowest);
        break;
      default:
        lo = lower(c.sortValue);
        break;
    }
    switch (c.sortOp) {
      case Op::kNone:
      case Op::kGt:
      case Op::kGe:
        hi = partitionEnd();
        break;
      case Op::kLt:
        hi = lower(c.sortValue);
        break;
      case Op::kLe:
      case Op::kEq:
        hi = after(c.sortValue);
        break;
      case Op::kBetween:
        hi = after(c.sortValue2);
        break;
      case Op::kBeginsWith: {
        const AttributeValue& p = c.sortValue;
        // Key conditions allow begins_with on S and B only; anything else reads to the
        // partition's end and is filtered by sortMatches.
        std::optional<std::string> next;
        if (p.is(Type::kS)) next = prefixSuccessor(p.s());
        if (p.is(Type::kB)) next = prefixSuccessor(p.b());
        if (!next) {
          hi = partitionEnd();
        } else if (p.is(Type::kS)) {
          hi = lower(AttributeValue(String{std::move(*next)}));
        } else {
          hi = lower(AttributeValue(Binary{std::move(*next)}));
        }
        break;
      }
    }
    if (read_.start) {
      if (read_.forward) {
        lo = entries_.upper_bound(*read_.start);
      } else {
        hi = entries_.lower_bound(*read_.start);
      }
    }
    auto inRange = [&](const EntryKey& key) {
      return key.partition == c.partitionValue && c.sortMatches(key.sort);
    };
    if (!before(lo, hi)) return std::move(page_);
    if (read_.forward) {
      for (auto it = lo; it != hi; ++it) {
        if (inRange(it->first) && !take(it->second)) break;
      }
    } else {
      for (auto it = hi; it != lo;) {
        --it;
        if (inRange(it->first) && !take(it->second)) break;
      }
    }
    return std::move(page_);
  }

  Page scan() {
    auto lo = read_.segmentLow == 0 ? entries_.begin()
                                    : entries_.lower_bound(boundKey(read_.segmentLow, {}, {}));
    auto hi = read_.segmentEnd ? entries_.lower_bound(boundKey(*read_.segmentEnd, {}, {}))
                               : entries_.end();
    if (read_.start) lo = entries_.upper_bound(*read_.start);
    if (!before(lo, hi)) return std::move(page_);
    for (auto it = lo; it != hi; ++it) {
      if (!take(it->second)) break;
    }
    return std::move(page_);
  }

 private:
  // Whether `a` comes strictly before `b` (so [a, b) is not empty).
  bool before(EntryMap::const_iterator a, EntryMap::const_iterator b) const {
    if (a == entries_.end()) return false;
    return b == entries_.end() || EntryKeyLess()(a->first, b->first);
  }

  // Adds an item read; false once the page is full.
  bool take(const ItemPtr& item) {
    page_.items.push_back(item);
    if (sizing_) page_.bytes += sizeOf(*item);
    if (page_.items.size() >= read_.limit || page_.bytes >= kPageBytes) {
      page_.stopped = true;
      return false;
    }
    return true;
  }

  // An index entry's size is that of its projection.
  size_t sizeOf(const Item& item) const {
    if (read_.projectsAll()) return itemSize(item);
    size_t size = 0;
    for (const auto& name : read_.projected) {
      auto it = item.find(name);
      if (it != item.end()) size += name.size() + attributeSize(it->second);
    }
    return size;
  }

  const ReadRequest& read_;
  const EntryMap& entries_;
  bool sizing_ = false;
  Page page_;
};

// The item as an index not projecting ALL holds it.
Item indexView(const ReadRequest& read, const Item& item) {
  Item out;
  for (const auto& [name, value] : item) {
    if (read.projected.count(name)) out.emplace(name, value);
  }
  return out;
}

void writeIndexView(JsonWriter& w, const ReadRequest& read, const Item& item) {
  w.beginObject();
  for (const auto& [name, value] : item) {
    if (!read.projected.count(name)) continue;
    w.key(name);
    writeAttributeValue(w, value);
  }
  w.endObject();
}

void writeCapacity(JsonWriter& w, const ReadRequest& read, size_t bytes) {
  if (read.capacity == CapacityReport::kNone) return;
  double units = readUnits(bytes, read.consistent);
  if (!read.index) {
    writeConsumedCapacity(w, read.capacity, read.definition.name, units);
    return;
  }
  // An index read consumes the index's capacity only.
  w.key("ConsumedCapacity").beginObject();
  w.field("TableName", read.definition.name);
  w.key("CapacityUnits").number(units);
  if (read.capacity == CapacityReport::kIndexes) {
    w.key(read.index->global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes").beginObject();
    w.key(read.index->name).beginObject().key("CapacityUnits").number(units).endObject();
    w.endObject();
  }
  w.endObject();
}

void serve(const ReadRequest& read, const ReplyPtr& reply) {
  Page page;
  {
    std::shared_lock lock(read.table->mutex);
    if (read.table->deleted) return reply->error(Engine::tableNotFound(read.definition.name));
    const EntryMap* entries = &read.table->items;
    if (read.index) {
      auto it = read.table->indexes.find(read.index->name);
      if (it == read.table->indexes.end()) {
        lock.unlock();
        return reply->error(validationError(
            fmt::format("The table does not have the specified index: {}", read.index->name)));
      }
      entries = &it->second;
    }
    PageReader reader(read, *read.table, *entries);
    page = read.kind == ReadKind::kQuery ? reader.query() : reader.scan();
  }

  // Items are immutable once stored, so the rest needs no lock.
  const bool globalView = read.index && read.index->global && !read.projectsAll();
  std::vector<const Item*> matched;
  matched.reserve(page.items.size());
  for (const auto& item : page.items) {
    if (read.filter) {
      bool keep =
          globalView ? read.filter->matches(indexView(read, *item)) : read.filter->matches(*item);
      if (!keep) continue;
    }
    matched.push_back(item.get());
  }

  std::string out;
  out.reserve(64 + matched.size() * 128);
  JsonWriter w(out);
  w.beginObject();
  w.key("Count").number(static_cast<int64_t>(matched.size()));
  if (read.select != Select::kCount) {
    const bool asIndexHolds =
        read.index && !read.projectsAll() && read.select != Select::kAllAttributes;
    w.key("Items").beginArray();
    for (const Item* item : matched) {
      if (read.projection) {
        writeItem(w, read.projection->apply(*item));
      } else if (asIndexHolds) {
        writeIndexView(w, read, *item);
      } else {
        writeItem(w, *item);
      }
    }
    w.endArray();
  }
  w.key("ScannedCount").number(static_cast<int64_t>(page.items.size()));
  if (page.stopped && !read.singleItem && !page.items.empty()) {
    const Item& last = *page.items.back();
    Item key;
    for (const auto& name : read.lastKeyNames) {
      auto it = last.find(name);
      if (it != last.end()) key.emplace(name, it->second);
    }
    writeItemMember(w, "LastEvaluatedKey", key);
  }
  writeCapacity(w, read, page.bytes);
  w.endObject();
  reply->json(std::move(out));
}

void read(Engine& engine, Request& request, const ReplyPtr& reply, ReadKind kind) {
  auto read = readReadRequest(engine, request, kind);
  if (!read) return reply->error(read.error());
  serve(*read, reply);
}

}  // namespace

void query(Engine& engine, Request& request, const ReplyPtr& reply) {
  read(engine, request, reply, ReadKind::kQuery);
}

void scan(Engine& engine, Request& request, const ReplyPtr& reply) {
  read(engine, request, reply, ReadKind::kScan);
}

}  // namespace nimbus::aws::dynamodb
