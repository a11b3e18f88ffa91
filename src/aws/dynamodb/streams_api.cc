// The DynamoDB Streams API (`X-Amz-Target: DynamoDBStreams_20120810.*`): ListStreams,
// DescribeStream, GetShardIterator and GetRecords over the engine's tables. Each stream has one
// shard; shard iterators are opaque, name a position in it, and expire after 15 minutes, as
// DynamoDB Streams' do.
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <shared_mutex>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/streams.h"
#include "core/base64.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace nimbus::aws::dynamodb {

namespace {

constexpr int64_t kIteratorLifetimeMs = 15 * 60 * 1000;
constexpr int64_t kMaxRecordsPerRead = 1000;
// GetRecords answers at most 1 MB of records.
constexpr size_t kMaxReadBytes = 1024 * 1024;
constexpr int64_t kMaxStreamsPerList = 100;
constexpr int64_t kMaxShardsPerDescribe = 100;

std::string isoTime(int64_t epochMs) {
  return isoTimeMillis(WallTime(std::chrono::milliseconds(epochMs)));
}

// "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must
// have value greater than or equal to 1"
ServiceError constraint(std::string_view value, std::string_view member, std::string_view rule) {
  return validationError(fmt::format(
      "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}", value,
      member, rule));
}

// Reads an optional Limit within [1, max]; `fallback` when absent.
Result<int64_t> readLimit(const Request& request, int64_t max, int64_t fallback) {
  if (!request.member("Limit")) return fallback;
  auto limit = request.integer("Limit");
  if (!limit) {
    return ServiceError{"SerializationException", "NUMBER_VALUE cannot be converted to Integer",
                        400};
  }
  if (*limit < 1) {
    return constraint(std::to_string(*limit), "limit",
                      "Member must have value greater than or equal to 1");
  }
  if (*limit > max) {
    return constraint(std::to_string(*limit), "limit",
                      fmt::format("Member must have value less than or equal to {}", max));
  }
  return *limit;
}

// A required string member within the model's length bounds.
Result<std::string> readString(const Request& request, std::string_view name,
                               std::string_view member, size_t minLength, size_t maxLength) {
  auto value = request.string(name);
  if (!value) {
    if (request.member(name)) {
      return ServiceError{"SerializationException",
                          fmt::format("Unexpected value type for {}", name), 400};
    }
    return missingMember(member);
  }
  if (value->size() < minLength) {
    return constraint(
        *value, member,
        fmt::format("Member must have length greater than or equal to {}", minLength));
  }
  if (value->size() > maxLength) {
    return constraint(*value, member,
                      fmt::format("Member must have length less than or equal to {}", maxLength));
  }
  return std::string(*value);
}

Result<StreamHandle> readStreamArn(const Engine& engine, const Request& request) {
  auto arn = readString(request, "StreamArn", "streamArn", 37, 1024);
  if (!arn) return arn.takeError();
  return resolveStream(engine, *arn);
}

// A shard iterator: the stream ARN it was asked for, then an opaque part holding the table's id,
// the stream's label, the position (the sequence number of the next record to read) and when
// the iterator was made. DynamoDB's iterators have the same outer shape ("{arn}|1|{opaque}").
struct ShardIterator {
  std::string streamArn;
  std::string tableId;
  std::string label;
  int64_t position = 0;
  int64_t createdAtMs = 0;
};

std::string encodeIterator(const ShardIterator& it) {
  return fmt::format(
      "{}|1|{}", it.streamArn,
      base64Encode(fmt::format("{}|{}|{}|{}", it.tableId, it.label, it.position, it.createdAtMs)));
}

std::optional<ShardIterator> decodeIterator(std::string_view text) {
  size_t bar = text.find('|');
  if (bar == std::string_view::npos || text.substr(bar, 3) != "|1|") return std::nullopt;
  ShardIterator it;
  it.streamArn = std::string(text.substr(0, bar));
  auto opaque = base64Decode(text.substr(bar + 3));
  if (!opaque) return std::nullopt;
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t i = 0; i <= opaque->size(); ++i) {
    if (i == opaque->size() || (*opaque)[i] == '|') {
      fields.push_back(opaque->substr(start, i - start));
      start = i + 1;
    }
  }
  if (fields.size() != 4 || fields[0].empty() || fields[1].empty()) return std::nullopt;
  try {
    size_t used = 0;
    it.position = std::stoll(fields[2], &used);
    if (used != fields[2].size()) return std::nullopt;
    it.createdAtMs = std::stoll(fields[3], &used);
    if (used != fields[3].size()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  it.tableId = std::move(fields[0]);
  it.label = std::move(fields[1]);
  return it;
}

ServiceError trimmed() {
  return ServiceError{"TrimmedDataAccessException",
                      "The operation attempted to read past the oldest stream record in a shard.",
                      400};
}

ServiceError shardNotFound() {
  return ServiceError{"ResourceNotFoundException",
                      "Requested resource not found: Shard does not exist", 400};
}

}  // namespace

void listStreams(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto limit = readLimit(request, kMaxStreamsPerList, kMaxStreamsPerList);
  if (!limit) return reply->error(limit.error());
  std::optional<std::string> tableName;
  if (auto name = request.string("TableName")) {
    if (name->size() < 3 || name->size() > 255) {
      return reply->error(constraint(*name, "tableName",
                                     name->size() < 3
                                         ? "Member must have length greater than or equal to 3"
                                         : "Member must have length less than or equal to 255"));
    }
    tableName = std::string(*name);
    if (!engine.table(*tableName)) return reply->error(Engine::tableNotFound(*tableName));
  }
  // Streams are listed by table name; ExclusiveStartStreamArn continues after its table.
  std::string after;
  if (auto start = request.string("ExclusiveStartStreamArn")) {
    auto parts = parseStreamArn(*start);
    if (!parts) return reply->error(validationError("Invalid ExclusiveStartStreamArn"));
    after = parts->table;
  }
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Streams").beginArray();
  int64_t listed = 0;
  std::string lastArn;
  bool more = false;
  for (const auto& table : engine.tables()) {
    std::shared_lock lock(table->mutex);
    const auto& def = table->definition;
    if (table->deleted || def.streamLabel.empty()) continue;
    if (tableName && def.name != *tableName) continue;
    if (!after.empty() && def.name <= after) continue;
    if (listed == *limit) {
      more = true;
      break;
    }
    lastArn = def.streamArn(engine.region(), engine.accountId());
    w.beginObject()
        .field("StreamArn", lastArn)
        .field("TableName", def.name)
        .field("StreamLabel", def.streamLabel)
        .endObject();
    ++listed;
  }
  w.endArray();
  if (more) w.field("LastEvaluatedStreamArn", lastArn);
  w.endObject();
  reply->json(std::move(body));
}

void describeStream(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto stream = readStreamArn(engine, request);
  if (!stream) return reply->error(stream.error());
  auto limit = readLimit(request, kMaxShardsPerDescribe, kMaxShardsPerDescribe);
  if (!limit) return reply->error(limit.error());
  auto exclusiveStart = request.string("ExclusiveStartShardId");
  const Table& table = *stream->table;
  std::shared_lock lock(table.mutex);
  const auto& def = table.definition;
  StreamWindow window = streamWindow(table);
  std::string shardId = shardIdOf(def);
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("StreamDescription").beginObject();
  w.field("StreamArn", stream->arn);
  w.field("StreamLabel", stream->label);
  w.field("StreamStatus", window.open ? "ENABLED" : "DISABLED");
  if (!def.streamViewType.empty()) w.field("StreamViewType", def.streamViewType);
  w.key("CreationRequestDateTime").number(static_cast<double>(labelMillis(stream->label)) / 1000.0);
  w.field("TableName", def.name);
  w.key("KeySchema").beginArray();
  w.beginObject().field("AttributeName", def.keys.partitionKey).field("KeyType", "HASH");
  w.endObject();
  if (def.keys.hasSortKey()) {
    w.beginObject().field("AttributeName", def.keys.sortKey).field("KeyType", "RANGE");
    w.endObject();
  }
  w.endArray();
  w.key("Shards").beginArray();
  if (!exclusiveStart || *exclusiveStart != shardId) {
    w.beginObject().field("ShardId", shardId);
    w.key("SequenceNumberRange").beginObject();
    w.field("StartingSequenceNumber", sequenceNumberText(window.first));
    if (!window.open) {
      // A stream turned off is a closed shard: its last record is the last it will have.
      w.field("EndingSequenceNumber", sequenceNumberText(std::max(window.first, window.next - 1)));
    }
    w.endObject().endObject();
  }
  w.endArray();
  w.endObject().endObject();
  reply->json(std::move(body));
}

void getShardIterator(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto arn = readString(request, "StreamArn", "streamArn", 37, 1024);
  if (!arn) return reply->error(arn.error());
  auto shard = readString(request, "ShardId", "shardId", 28, 65);
  if (!shard) return reply->error(shard.error());
  auto type = readString(request, "ShardIteratorType", "shardIteratorType", 0, 64);
  if (!type) return reply->error(type.error());
  bool atSequence = *type == "AT_SEQUENCE_NUMBER";
  bool afterSequence = *type == "AFTER_SEQUENCE_NUMBER";
  if (!atSequence && !afterSequence && *type != "TRIM_HORIZON" && *type != "LATEST") {
    return reply->error(constraint(*type, "shardIteratorType",
                                   "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, "
                                   "LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"));
  }
  std::optional<int64_t> sequence;
  if (auto text = request.string("SequenceNumber")) {
    if (text->size() < 21 || text->size() > 40) {
      return reply->error(constraint(*text, "sequenceNumber",
                                     text->size() < 21
                                         ? "Member must have length greater than or equal to 21"
                                         : "Member must have length less than or equal to 40"));
    }
    sequence = parseSequenceNumber(*text);
    if (!sequence) {
      return reply->error(validationError(fmt::format("Invalid SequenceNumber: {}", *text)));
    }
  }
  if ((atSequence || afterSequence) && !sequence) {
    return reply->error(validationError(
        fmt::format("A SequenceNumber is required with ShardIteratorType {}", *type)));
  }
  auto stream = resolveStream(engine, *arn);
  if (!stream) return reply->error(stream.error());
  const Table& table = *stream->table;
  ShardIterator it;
  it.streamArn = *arn;
  it.label = stream->label;
  it.createdAtMs = nowMs();
  {
    std::shared_lock lock(table.mutex);
    if (*shard != shardIdOf(table.definition)) return reply->error(shardNotFound());
    it.tableId = table.definition.id;
    StreamWindow window = streamWindow(table);
    if (*type == "TRIM_HORIZON") {
      it.position = window.first;
    } else if (*type == "LATEST") {
      it.position = window.next;
    } else {
      it.position = *sequence + (afterSequence ? 1 : 0);
      if (*sequence < window.first) return reply->error(trimmed());
      if (*sequence >= window.next) {
        return reply->error(validationError(
            fmt::format("Invalid SequenceNumber: {} is past the last record of shard {}",
                        sequenceNumberText(*sequence), *shard)));
      }
    }
  }
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("ShardIterator", encodeIterator(it)).endObject();
  reply->json(std::move(body));
}

void getRecords(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto text = readString(request, "ShardIterator", "shardIterator", 1, 2048);
  if (!text) return reply->error(text.error());
  auto limit = readLimit(request, kMaxRecordsPerRead, kMaxRecordsPerRead);
  if (!limit) return reply->error(limit.error());
  auto it = decodeIterator(*text);
  if (!it) return reply->error(validationError("Invalid ShardIterator"));
  int64_t now = nowMs();
  if (now - it->createdAtMs > kIteratorLifetimeMs) {
    return reply->error(ServiceError{
        "ExpiredIteratorException",
        fmt::format("Iterator expired. The iterator was created at time {} while right now it is "
                    "{} which is further in the future than the tolerated delay of {} "
                    "milliseconds.",
                    isoTime(it->createdAtMs), isoTime(now), kIteratorLifetimeMs),
        400});
  }
  auto stream = resolveStream(engine, it->streamArn);
  if (!stream) return reply->error(stream.error());
  if (stream->label != it->label || stream->table->definition.id != it->tableId) {
    // The table was deleted and made again, or its stream replaced, since.
    return reply->error(streamNotFound(it->streamArn));
  }
  StreamRead read =
      readStream(*stream->table, it->position, static_cast<size_t>(*limit), kMaxReadBytes);
  if (it->position < read.window.first) return reply->error(trimmed());
  int64_t next = read.records.empty() ? it->position : read.records.back().sequence + 1;
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Records").beginArray();
  for (const auto& record : read.records) w.raw(record.json);
  w.endArray();
  // A closed shard read to its end has no next iterator.
  if (read.window.open || next < read.window.next) {
    ShardIterator following = *it;
    following.position = next;
    following.createdAtMs = now;
    w.field("NextShardIterator", encodeIterator(following));
  }
  w.endObject();
  reply->json(std::move(body));
}

}  // namespace nimbus::aws::dynamodb
