#include "observe/log_database.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "store/sqlite/connection.h"

namespace nimbus::observe {

namespace {

using store::sqlite::Statement;

constexpr const char* kSchema = R"(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS log_groups(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  retention_days INTEGER,
  tags TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS log_streams(
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  first_event_ms INTEGER,
  last_event_ms INTEGER,
  last_ingestion_ms INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE(group_id, name));
CREATE TABLE IF NOT EXISTS log_events(
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  ingested INTEGER NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events(group_id, ts);
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events(stream_id, ts);
)";

std::string streamKey(const std::string& group, const std::string& stream) {
  return group + '\n' + stream;
}

std::string_view columnView(const Statement& s, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), column));
  return text ? std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(s.get(), column)))
              : std::string_view();
}

std::optional<int64_t> columnOptional(const Statement& s, int column) {
  if (sqlite3_column_type(s.get(), column) == SQLITE_NULL) return std::nullopt;
  return s.columnInt(column);
}

Tags parseTags(std::string_view text) {
  Tags tags;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object()) return tags;
  for (auto& [k, v] : parsed.items()) {
    if (v.is_string()) tags[k] = v.get<std::string>();
  }
  return tags;
}

// What a stored event costs against a response's 1 MB, as PutLogEvents counts a batch.
size_t eventBytes(std::string_view message) {
  return message.size() + 26;
}

}  // namespace

LogDatabase::LogDatabase(const std::filesystem::path& file)
    : db_(std::make_unique<store::sqlite::Connection>()) {
  if (!db_->open(file, error_)) return;
  prepareSchema();
}

LogDatabase::~LogDatabase() = default;

bool LogDatabase::prepareSchema() {
  // Several connections open the file at once; a writer holding the lock briefly is waited for.
  std::string error;
  if (!db_->exec("PRAGMA busy_timeout=5000;", error) || !db_->exec(kSchema, error)) {
    error_ = error;
    return false;
  }
  return true;
}

ServiceError LogDatabase::missingGroup() const {
  return {"ResourceNotFoundException", "The specified log group does not exist.", 400};
}

ServiceError LogDatabase::failure() const {
  return {"ServiceUnavailableException", "The log store failed: " + db_->lastError(), 500};
}

std::optional<int64_t> LogDatabase::groupId(const std::string& name) {
  std::string error;
  Statement s = db_->prepare("SELECT id FROM log_groups WHERE name = ?1", error);
  if (!s.valid()) return std::nullopt;
  s.bind(1, name);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return s.columnInt(0);
}

std::optional<int64_t> LogDatabase::streamId(int64_t group, const std::string& name) {
  std::string error;
  Statement s = db_->prepare("SELECT id FROM log_streams WHERE group_id = ?1 AND name = ?2", error);
  if (!s.valid()) return std::nullopt;
  s.bind(1, group);
  s.bind(2, name);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return s.columnInt(0);
}

Status LogDatabase::createGroup(const std::string& name, const Tags& tags, int64_t nowMs) {
  if (groupId(name)) {
    return ServiceError{"ResourceAlreadyExistsException", "The specified log group already exists",
                        400};
  }
  std::string error;
  Statement s =
      db_->prepare("INSERT INTO log_groups(name, created_ms, tags) VALUES(?1, ?2, ?3)", error);
  nlohmann::json tagJson(tags);
  std::string tagText = tagJson.dump();
  s.bind(1, name);
  s.bind(2, nowMs);
  s.bind(3, tagText);
  if (s.step() != SQLITE_DONE) return failure();
  return ok();
}

Status LogDatabase::deleteGroup(const std::string& name) {
  auto id = groupId(name);
  if (!id) return missingGroup();
  std::string error;
  if (!db_->exec("BEGIN", error)) return failure();
  for (const char* sql :
       {"DELETE FROM log_events WHERE group_id = ?1", "DELETE FROM log_streams WHERE group_id = ?1",
        "DELETE FROM log_groups WHERE id = ?1"}) {
    Statement s = db_->prepare(sql, error);
    s.bind(1, *id);
    if (s.step() != SQLITE_DONE) {
      db_->exec("ROLLBACK", error);
      return failure();
    }
  }
  if (!db_->exec("COMMIT", error)) return failure();
  std::erase_if(streamIds_,
                [&](const auto& entry) { return entry.first.starts_with(name + '\n'); });
  last_.reset();
  return ok();
}

Result<LogGroupInfo> LogDatabase::group(const std::string& name) {
  auto list = groups(name, "", 1);
  if (list.empty() || list.front().name != name) return missingGroup();
  return list.front();
}

std::vector<LogGroupInfo> LogDatabase::groups(const std::string& prefix,
                                              const std::string& afterName, size_t limit) {
  std::vector<LogGroupInfo> out;
  std::string error;
  // Prefix ranges by comparison rather than LIKE, whose '_' and '%' are wildcards and which
  // ignores case; group names are compared byte for byte.
  Statement s = db_->prepare(
      "SELECT g.id, g.name, g.created_ms, g.retention_days, g.tags,"
      " (SELECT COALESCE(SUM(stored_bytes), 0) FROM log_streams WHERE group_id = g.id)"
      " FROM log_groups g WHERE g.name >= ?1 AND g.name > ?2 AND substr(g.name, 1, ?3) = ?1"
      " ORDER BY g.name LIMIT ?4",
      error);
  if (!s.valid()) return out;
  s.bind(1, prefix);
  s.bind(2, afterName);
  s.bind(3, static_cast<int64_t>(prefix.size()));
  s.bind(4, static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    LogGroupInfo g;
    g.name = s.columnText(1);
    g.createdMs = s.columnInt(2);
    if (auto days = columnOptional(s, 3)) g.retentionDays = static_cast<int>(*days);
    g.tags = parseTags(columnView(s, 4));
    g.storedBytes = s.columnInt(5);
    out.push_back(std::move(g));
  }
  return out;
}

Status LogDatabase::setRetention(const std::string& name, std::optional<int> days) {
  auto id = groupId(name);
  if (!id) return missingGroup();
  std::string error;
  Statement s = db_->prepare("UPDATE log_groups SET retention_days = ?2 WHERE id = ?1", error);
  s.bind(1, *id);
  if (days) s.bind(2, int64_t{*days});
  if (s.step() != SQLITE_DONE) return failure();
  return ok();
}

Status LogDatabase::tagGroup(const std::string& name, const Tags& add,
                             const std::vector<std::string>& remove) {
  auto current = group(name);
  if (!current) return current.takeError();
  Tags tags = current->tags;
  for (const auto& [k, v] : add) tags[k] = v;
  for (const auto& k : remove) tags.erase(k);
  std::string error;
  Statement s = db_->prepare("UPDATE log_groups SET tags = ?2 WHERE name = ?1", error);
  std::string tagText = nlohmann::json(tags).dump();
  s.bind(1, name);
  s.bind(2, tagText);
  if (s.step() != SQLITE_DONE) return failure();
  return ok();
}

Status LogDatabase::createStream(const std::string& group, const std::string& stream,
                                 int64_t nowMs) {
  auto gid = groupId(group);
  if (!gid) return missingGroup();
  if (streamId(*gid, stream)) {
    return ServiceError{"ResourceAlreadyExistsException", "The specified log stream already exists",
                        400};
  }
  std::string error;
  Statement s =
      db_->prepare("INSERT INTO log_streams(group_id, name, created_ms) VALUES(?1, ?2, ?3)", error);
  s.bind(1, *gid);
  s.bind(2, stream);
  s.bind(3, nowMs);
  if (s.step() != SQLITE_DONE) return failure();
  return ok();
}

Status LogDatabase::deleteStream(const std::string& group, const std::string& stream) {
  auto gid = groupId(group);
  if (!gid) return missingGroup();
  auto sid = streamId(*gid, stream);
  if (!sid) {
    return ServiceError{"ResourceNotFoundException", "The specified log stream does not exist.",
                        400};
  }
  std::string error;
  if (!db_->exec("BEGIN", error)) return failure();
  for (const char* sql :
       {"DELETE FROM log_events WHERE stream_id = ?1", "DELETE FROM log_streams WHERE id = ?1"}) {
    Statement s = db_->prepare(sql, error);
    s.bind(1, *sid);
    if (s.step() != SQLITE_DONE) {
      db_->exec("ROLLBACK", error);
      return failure();
    }
  }
  if (!db_->exec("COMMIT", error)) return failure();
  streamIds_.erase(streamKey(group, stream));
  last_.reset();
  return ok();
}

Result<std::vector<LogStreamInfo>> LogDatabase::streams(const std::string& group) {
  auto gid = groupId(group);
  if (!gid) return missingGroup();
  std::vector<LogStreamInfo> out;
  std::string error;
  Statement s = db_->prepare(
      "SELECT name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, stored_bytes"
      " FROM log_streams WHERE group_id = ?1 ORDER BY name",
      error);
  s.bind(1, *gid);
  while (s.step() == SQLITE_ROW) {
    LogStreamInfo info;
    info.name = s.columnText(0);
    info.createdMs = s.columnInt(1);
    info.firstEventMs = columnOptional(s, 2);
    info.lastEventMs = columnOptional(s, 3);
    info.lastIngestionMs = columnOptional(s, 4);
    info.storedBytes = s.columnInt(5);
    out.push_back(std::move(info));
  }
  return out;
}

bool LogDatabase::streamExists(const std::string& group, const std::string& stream) {
  auto gid = groupId(group);
  return gid && streamId(*gid, stream);
}

std::optional<LogDatabase::StreamRef> LogDatabase::resolveStream(const NewEvent& event,
                                                                 int64_t nowMs) {
  if (last_ && event.stream == lastStream_ && event.group == lastGroup_) return last_;
  std::string key = streamKey(event.group, event.stream);
  if (auto it = streamIds_.find(key); it != streamIds_.end()) {
    lastGroup_ = event.group;
    lastStream_ = event.stream;
    last_ = it->second;
    return last_;
  }
  auto gid = groupId(event.group);
  if (!gid) {
    if (!event.autoCreate || !createGroup(event.group, {}, nowMs)) return std::nullopt;
    gid = groupId(event.group);
    if (!gid) return std::nullopt;
  }
  auto sid = streamId(*gid, event.stream);
  if (!sid) {
    if (!event.autoCreate || !createStream(event.group, event.stream, nowMs)) return std::nullopt;
    sid = streamId(*gid, event.stream);
    if (!sid) return std::nullopt;
  }
  StreamRef ref{*gid, *sid};
  streamIds_.emplace(std::move(key), ref);
  return ref;
}

void LogDatabase::insert(const std::vector<NewEvent>& events, int64_t ingestionMs) {
  if (events.empty()) return;
  std::string error;
  if (!db_->exec("BEGIN", error)) return;
  Statement add = db_->prepare(
      "INSERT INTO log_events(group_id, stream_id, ts, ingested, message)"
      " VALUES(?5, ?1, ?2, ?3, ?4)",
      error);
  struct StreamTotals {
    int64_t first = INT64_MAX;
    int64_t last = INT64_MIN;
    int64_t bytes = 0;
  };
  std::unordered_map<int64_t, StreamTotals> totals;
  for (const auto& event : events) {
    auto ref = resolveStream(event, ingestionMs);
    if (!ref) continue;
    add.reset();
    add.bind(1, ref->streamId);
    add.bind(5, ref->groupId);
    add.bind(2, event.timestampMs);
    add.bind(3, ingestionMs);
    add.bind(4, event.message);
    if (add.step() != SQLITE_DONE) continue;
    auto& t = totals[ref->streamId];
    t.first = std::min(t.first, event.timestampMs);
    t.last = std::max(t.last, event.timestampMs);
    t.bytes += static_cast<int64_t>(event.message.size());
  }
  Statement update = db_->prepare(
      "UPDATE log_streams SET first_event_ms = MIN(COALESCE(first_event_ms, ?2), ?2),"
      " last_event_ms = MAX(COALESCE(last_event_ms, ?3), ?3), last_ingestion_ms = ?4,"
      " stored_bytes = stored_bytes + ?5 WHERE id = ?1",
      error);
  for (const auto& [sid, t] : totals) {
    update.reset();
    update.bind(1, sid);
    update.bind(2, t.first);
    update.bind(3, t.last);
    update.bind(4, ingestionMs);
    update.bind(5, t.bytes);
    update.step();
  }
  db_->exec("COMMIT", error);
}

int64_t LogDatabase::applyRetention(int64_t nowMs) {
  std::string error;
  Statement groups = db_->prepare(
      "SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL", error);
  std::vector<std::pair<int64_t, int64_t>> cutoffs;
  while (groups.step() == SQLITE_ROW) {
    cutoffs.emplace_back(groups.columnInt(0), nowMs - groups.columnInt(1) * 86'400'000);
  }
  int64_t removed = 0;
  Statement remove = db_->prepare("DELETE FROM log_events WHERE group_id = ?1 AND ts < ?2", error);
  for (const auto& [gid, cutoff] : cutoffs) {
    remove.reset();
    remove.bind(1, gid);
    remove.bind(2, cutoff);
    if (remove.step() == SQLITE_DONE) removed += db_->changes();
  }
  return removed;
}

Result<FilterPage> LogDatabase::filter(const FilterQuery& query) {
  auto gid = groupId(query.group);
  if (!gid) return missingGroup();
  // The group's streams, by id, and which of them the query searches.
  std::unordered_map<int64_t, std::string> names;
  std::unordered_set<int64_t> searched;
  std::string error;
  Statement streams = db_->prepare("SELECT id, name FROM log_streams WHERE group_id = ?1", error);
  streams.bind(1, *gid);
  bool allStreams = query.streamNames.empty() && query.streamPrefix.empty();
  FilterPage page;
  while (streams.step() == SQLITE_ROW) {
    int64_t id = streams.columnInt(0);
    std::string name = streams.columnText(1);
    bool wanted = allStreams ||
                  (!query.streamPrefix.empty() && name.starts_with(query.streamPrefix)) ||
                  std::find(query.streamNames.begin(), query.streamNames.end(), name) !=
                      query.streamNames.end();
    if (wanted) {
      searched.insert(id);
      page.searchedStreams.push_back(name);
    }
    names.emplace(id, std::move(name));
  }
  std::sort(page.searchedStreams.begin(), page.searchedStreams.end());
  if (searched.empty()) return page;

  // Literals every match must contain are checked by SQLite before a row reaches the matcher.
  std::string sql =
      "SELECT id, stream_id, ts, ingested, message FROM log_events"
      " WHERE group_id = ?1 AND ts >= ?2 AND ts <= ?3 AND (ts > ?4 OR (ts = ?4 AND id > ?5))";
  static const std::vector<std::string> kNone;
  const auto& literals = query.pattern ? query.pattern->requiredLiterals() : kNone;
  for (size_t i = 0; i < literals.size(); ++i) {
    sql += fmt::format(" AND instr(message, ?{}) > 0", i + 6);
  }
  sql += " ORDER BY ts, id";
  Statement scan = db_->prepare(sql, error);
  if (!scan.valid()) return failure();
  scan.bind(1, *gid);
  scan.bind(2, query.startMs.value_or(INT64_MIN));
  scan.bind(3, query.endMs.value_or(INT64_MAX));
  EventPosition after = query.after.value_or(EventPosition{INT64_MIN, INT64_MIN});
  scan.bind(4, after.timestampMs);
  scan.bind(5, after.id);
  for (size_t i = 0; i < literals.size(); ++i) scan.bind(static_cast<int>(i + 6), literals[i]);
  bool everything = !query.pattern || query.pattern->matchesEverything();
  size_t bytes = 0;
  int rc;
  while ((rc = scan.step()) == SQLITE_ROW) {
    int64_t sid = scan.columnInt(1);
    if (!allStreams && !searched.contains(sid)) continue;
    std::string_view message = columnView(scan, 4);
    if (!everything && !query.pattern->matches(message)) continue;
    if (!page.events.empty() &&
        (page.events.size() >= query.limit || bytes + eventBytes(message) > query.maxBytes)) {
      const auto& last = page.events.back();
      page.next = EventPosition{last.timestampMs, last.id};
      break;
    }
    bytes += eventBytes(message);
    StoredEvent event;
    event.id = scan.columnInt(0);
    event.stream = names[sid];
    event.timestampMs = scan.columnInt(2);
    event.ingestionMs = scan.columnInt(3);
    event.message = std::string(message);
    page.events.push_back(std::move(event));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failure();
  return page;
}

Result<StreamPage> LogDatabase::read(const StreamQuery& query) {
  auto gid = groupId(query.group);
  if (!gid) return missingGroup();
  auto sid = streamId(*gid, query.stream);
  if (!sid) {
    return ServiceError{"ResourceNotFoundException", "The specified log stream does not exist.",
                        400};
  }
  std::string error;
  std::string sql =
      "SELECT id, ts, ingested, message FROM log_events WHERE stream_id = ?1 AND ts >= ?2 AND "
      "ts < ?3";
  if (query.forward) {
    sql += " AND (ts > ?4 OR (ts = ?4 AND id > ?5)) ORDER BY ts, id";
  } else {
    sql += " AND (ts < ?4 OR (ts = ?4 AND id < ?5)) ORDER BY ts DESC, id DESC";
  }
  Statement scan = db_->prepare(sql, error);
  if (!scan.valid()) return failure();
  scan.bind(1, *sid);
  scan.bind(2, query.startMs.value_or(INT64_MIN));
  scan.bind(3, query.endMs.value_or(INT64_MAX));
  EventPosition from = query.from.value_or(query.forward ? EventPosition{INT64_MIN, INT64_MIN}
                                                         : EventPosition{INT64_MAX, INT64_MAX});
  scan.bind(4, from.timestampMs);
  scan.bind(5, from.id);
  StreamPage page;
  size_t bytes = 0;
  while (page.events.size() < query.limit && scan.step() == SQLITE_ROW) {
    std::string_view message = columnView(scan, 3);
    if (!page.events.empty() && bytes + eventBytes(message) > query.maxBytes) break;
    bytes += eventBytes(message);
    StoredEvent event;
    event.id = scan.columnInt(0);
    event.stream = query.stream;
    event.timestampMs = scan.columnInt(1);
    event.ingestionMs = scan.columnInt(2);
    event.message = std::string(message);
    page.events.push_back(std::move(event));
  }
  if (!query.forward) std::reverse(page.events.begin(), page.events.end());
  return page;
}

}  // namespace nimbus::observe
