// DynamoDB Streams over the engine's tables: how a stream ARN names a table's stream, and what a
// reader of one stream sees of the table's retained records. Shared by the Streams API
// (streams_api.cc) and by the in-process readers (Lambda's event source mappings, through the
// server's adapter), so that both read a stream the same way.
//
// A table has one stream at a time, labelled with the time it was turned on, and one shard. The
// table keeps its retained records in one sequence; after a stream is turned off and on again,
// the records of the earlier stream are those created before the current label's time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/engine.h"
#include "core/result.h"

namespace nimbus::aws::dynamodb {

// arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}
struct StreamArnParts {
  std::string region;
  std::string account;
  std::string table;
  std::string label;
};
std::optional<StreamArnParts> parseStreamArn(std::string_view arn);

// A stream the ARN names, found in the engine. `label` is the stream's own label (the table's
// current one: an ARN with serverless.yml's placeholder label names the current stream), and
// `arn` the ARN with that label.
struct StreamHandle {
  std::shared_ptr<Table> table;
  std::string label;
  std::string arn;
};

// ResourceNotFoundException as DynamoDB Streams words it for a stream that does not exist (an
// unknown table, a table that never had a stream, or a stream label that is not the table's).
ServiceError streamNotFound(std::string_view arn);

// Finds the stream (taking the table's lock shared to read its label).
Result<StreamHandle> resolveStream(const Engine& engine, std::string_view arn);

// The epoch milliseconds a label (an ISO-8601 time with milliseconds) names, or 0 when it names
// none.
int64_t labelMillis(std::string_view label);

// The sequence a SequenceNumber (as sequenceNumberText writes it: 21 digits) names, or nullopt.
std::optional<int64_t> parseSequenceNumber(std::string_view text);

// The stream's one shard: "shardId-{20 digits of the label's time}-{8 hex digits}".
std::string shardIdOf(const TableDefinition& table);

// What a reader of the table's current stream sees. The caller holds the table's lock.
struct StreamWindow {
  int64_t first = 0;  // The oldest retained record of the stream, or `next` when none is.
  int64_t next = 0;   // The sequence number the stream's next record gets.
  bool open = true;   // The stream is on; a stream turned off is a closed shard.
};
StreamWindow streamWindow(const Table& table);

// Up to `maxRecords` records of the stream from sequence `from` on (and at most `maxBytes` of
// record JSON, but always at least one record), with the window they were read in. Takes the
// table's lock shared.
struct StreamRead {
  StreamWindow window;
  std::vector<StreamRecord> records;
};
StreamRead readStream(const Table& table, int64_t from, size_t maxRecords, size_t maxBytes);

}  // namespace nimbus::aws::dynamodb
