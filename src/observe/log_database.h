// CloudWatch Logs' data on disk: log groups, their streams and their events in one SQLite file
// (`{data dir}/logs.db`), apart from nimbus.db so that a function printing fast never competes
// with queues and tables for the same write lock. Events are indexed by (group, time) for
// FilterLogEvents and by (stream, time) for GetLogEvents; both orders break ties by the event's
// id, which is also what pagination tokens carry.
//
// Not thread-safe: the log store gives one instance to its writer thread and another, on the same
// file, to its reader thread (SQLite's WAL lets the reader see every committed batch without
// blocking the writer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "observe/filter_pattern.h"

namespace nimbus::store::sqlite {
class Connection;
class Statement;
}  // namespace nimbus::store::sqlite

namespace nimbus::observe {

using Tags = std::map<std::string, std::string>;

struct LogGroupInfo {
  std::string name;
  int64_t createdMs = 0;
  std::optional<int> retentionDays;
  int64_t storedBytes = 0;
  Tags tags;
};

struct LogStreamInfo {
  std::string name;
  int64_t createdMs = 0;
  std::optional<int64_t> firstEventMs;
  std::optional<int64_t> lastEventMs;
  std::optional<int64_t> lastIngestionMs;
  int64_t storedBytes = 0;
};

struct StoredEvent {
  int64_t id = 0;
  std::string stream;
  int64_t timestampMs = 0;
  int64_t ingestionMs = 0;
  std::string message;
};

// A place between two events of one order: (timestamp, id). Pagination tokens carry it.
struct EventPosition {
  int64_t timestampMs = 0;
  int64_t id = 0;
};

// One event to store. The stream is named by group and stream; `autoCreate` makes both when
// missing (Lambda creates its function's group and the environment's stream on first output),
// otherwise a missing stream drops the event (PutLogEvents checks before it queues).
struct NewEvent {
  std::string group;
  std::string stream;
  int64_t timestampMs = 0;
  std::string message;
  bool autoCreate = true;
};

struct FilterQuery {
  std::string group;
  std::vector<std::string> streamNames;  // Empty: every stream (or those of streamPrefix).
  std::string streamPrefix;
  std::optional<int64_t> startMs;        // Inclusive.
  std::optional<int64_t> endMs;          // Inclusive.
  std::optional<FilterPattern> pattern;  // Nullopt: every event.
  size_t limit = 10000;
  size_t maxBytes = 1024 * 1024;  // The response's size cap, as CloudWatch's 1 MB.
  std::optional<EventPosition> after;
};

struct FilterPage {
  std::vector<StoredEvent> events;
  std::optional<EventPosition> next;  // Set when the search stopped before its end.
  std::vector<std::string> searchedStreams;
};

struct StreamQuery {
  std::string group;
  std::string stream;
  std::optional<int64_t> startMs;  // Inclusive.
  std::optional<int64_t> endMs;    // Exclusive, as GetLogEvents' endTime.
  size_t limit = 10000;
  size_t maxBytes = 1024 * 1024;
  bool forward = true;  // Oldest first from `from`; otherwise the newest before `from`.
  std::optional<EventPosition> from;  // Forward: after it. Backward: before it.
};

struct StreamPage {
  std::vector<StoredEvent> events;  // Oldest first in both directions.
};

class LogDatabase {
 public:
  // Opens (and creates) the database file. Check `error()` after constructing.
  explicit LogDatabase(const std::filesystem::path& file);
  ~LogDatabase();
  LogDatabase(const LogDatabase&) = delete;
  LogDatabase& operator=(const LogDatabase&) = delete;

  const std::string& error() const { return error_; }

  // Groups.
  Status createGroup(const std::string& name, const Tags& tags, int64_t nowMs);
  Status deleteGroup(const std::string& name);
  Result<LogGroupInfo> group(const std::string& name);
  // Groups whose names start with `prefix`, by name, from the one after `afterName`.
  std::vector<LogGroupInfo> groups(const std::string& prefix, const std::string& afterName,
                                   size_t limit);
  Status setRetention(const std::string& group, std::optional<int> days);
  Status tagGroup(const std::string& group, const Tags& add,
                  const std::vector<std::string>& remove);

  // Streams.
  Status createStream(const std::string& group, const std::string& stream, int64_t nowMs);
  Status deleteStream(const std::string& group, const std::string& stream);
  Result<std::vector<LogStreamInfo>> streams(const std::string& group);
  bool streamExists(const std::string& group, const std::string& stream);

  // Stores events in one transaction. `ingestionMs` is when nimbus received them.
  void insert(const std::vector<NewEvent>& events, int64_t ingestionMs);
  // Deletes the events older than their groups' retention. Returns how many went.
  int64_t applyRetention(int64_t nowMs);

  Result<FilterPage> filter(const FilterQuery& query);
  Result<StreamPage> read(const StreamQuery& query);

 private:
  bool prepareSchema();
  std::optional<int64_t> groupId(const std::string& name);
  std::optional<int64_t> streamId(int64_t groupId, const std::string& name);
  struct StreamRef {
    int64_t groupId = 0;
    int64_t streamId = 0;
  };
  // Finds or creates the stream for an event; nullopt when missing and not to be created.
  std::optional<StreamRef> resolveStream(const NewEvent& event, int64_t nowMs);
  ServiceError missingGroup() const;
  ServiceError failure() const;

  std::unique_ptr<store::sqlite::Connection> db_;
  std::string error_;
  // Ids of the streams seen by insert(), so that a line costs no lookup: the last one (a batch
  // is mostly one environment's lines), then by group + '\n' + stream. Cleared by deletes.
  std::unordered_map<std::string, StreamRef> streamIds_;
  std::string lastGroup_;
  std::string lastStream_;
  std::optional<StreamRef> last_;
};

}  // namespace nimbus::observe
