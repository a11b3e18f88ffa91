// What a stream event source mapping needs from a stream service. The Lambda core does not know
// DynamoDB; the server adapts nimbus's DynamoDB Streams to this interface, so that stream pollers
// can be tested and built on their own. A stream has one shard, whose records are numbered by
// increasing sequence numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nimbus::lambda {

// One stream record as the Streams API's GetRecords gives it (without eventSourceARN, which
// Lambda's event adds).
struct StreamRecordData {
  int64_t sequence = 0;
  std::string sequenceNumber;  // The record's SequenceNumber, as the function sees it.
  int64_t createdAtMs = 0;     // When the change was made (the record's arrival).
  std::string json;
};

struct StreamReadResult {
  std::string error;     // Not empty when the stream cannot be read (no such stream).
  std::string streamId;  // The stream's own ARN (a placeholder label resolved).
  std::string shardId;
  int64_t first = 0;  // The oldest retained record's sequence, or `next` when none is.
  int64_t next = 0;   // The sequence the stream's next record will get.
  bool open = true;   // False once the stream is turned off: nothing more will come.
  std::vector<StreamRecordData> records;
};

class StreamSource {
 public:
  virtual ~StreamSource() = default;

  // Whether the ARN names a stream that exists now.
  virtual bool exists(const std::string& streamArn) = 0;

  // Up to `maxRecords` records with sequence >= `from` (from the oldest retained one when `from`
  // is older). Never blocks on I/O.
  virtual StreamReadResult read(const std::string& streamArn, int64_t from, size_t maxRecords) = 0;

  // Calls `wake` whenever records are added to the stream (even one that does not exist yet),
  // from any thread and possibly under the source's own locks: it must only signal. Once `wake`
  // returns false the source forgets it, so a watcher needs no handle to outlive.
  virtual void watch(const std::string& streamArn, std::function<bool()> wake) = 0;
};

}  // namespace nimbus::lambda
