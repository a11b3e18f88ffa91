#include "store/sqlite/sqlite_store.h"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/sqlite/connection.h"

namespace nimbus::store {

namespace {

using sqlite::Connection;
using sqlite::Statement;

// Version 1: the async event queue. `seq` keeps insertion order among events received in the
// same millisecond; the index serves the lease query's oldest-first scan.
// Version 2: records, the services' durable documents by kind and key.
// Version 3: SQS queues and messages. A message's rowid is its seq (unique across queues, in send
// order); the index serves deleting or purging one queue's messages.
// Version 4: DynamoDB items and stream records, clustered by table (WITHOUT ROWID), so that a
// table's items or stream are one contiguous range of the primary key, read in order without a
// sort and deleted together. Keys are always bound as BLOBs, which SQLite compares with memcmp
// (then by length), so a table's items come back in byte order. The index on creation time makes
// the 24-hour trim touch only the records it deletes.
// Every statement here is idempotent, so running the whole schema upgrades an older file in place.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS async_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  not_before_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS async_events_by_age ON async_events (received_at_ms, seq);
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sqs_queues (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  definition BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sqs_messages (
  seq INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  body BLOB NOT NULL,
  attributes BLOB NOT NULL,
  group_id TEXT NOT NULL,
  dedup_id TEXT NOT NULL,
  sent_at_ms INTEGER NOT NULL,
  visible_at_ms INTEGER NOT NULL,
  receive_count INTEGER NOT NULL,
  first_receive_at_ms INTEGER NOT NULL,
  receipt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sqs_messages_by_queue ON sqs_messages (queue_id);
CREATE TABLE IF NOT EXISTS dynamodb_items (
  table_id TEXT NOT NULL,
  key BLOB NOT NULL,
  item BLOB NOT NULL,
  PRIMARY KEY (table_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dynamodb_stream (
  table_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (table_id, sequence)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dynamodb_stream_by_age ON dynamodb_stream (table_id, created_at_ms);
PRAGMA user_version = 4;
)sql";

// Version 5: asynchronous events keep the trace header of the request that sent them. SQLite
// has no ADD COLUMN IF NOT EXISTS, so the column is added only to a file that lacks it.
bool addColumnsOfVersion5(Connection& db, std::string& error) {
  Statement columns = db.prepare(
      "SELECT 1 FROM pragma_table_info('async_events') "
      "WHERE name = 'trace_header'",
      error);
  if (!columns.valid()) return false;
  bool present = columns.step() == SQLITE_ROW;
  columns = {};
  if (!present &&
      !db.exec("ALTER TABLE async_events ADD COLUMN trace_header TEXT NOT NULL DEFAULT ''",
               error)) {
    return false;
  }
  return db.exec("PRAGMA user_version = 5", error);
}

constexpr const char* kInsertEvent =
    "INSERT INTO async_events (id, function_name, qualifier, payload, attempts, received_at_ms, "
    "not_before_ms, trace_header) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kDeleteEvent = "DELETE FROM async_events WHERE id = ?1";
constexpr const char* kRescheduleEvent =
    "UPDATE async_events SET attempts = ?2, not_before_ms = ?3 WHERE id = ?1";
constexpr const char* kDueEvents =
    "SELECT id, function_name, qualifier, payload, attempts, received_at_ms, not_before_ms, "
    "trace_header FROM async_events WHERE not_before_ms <= ?1 ORDER BY received_at_ms, seq "
    "LIMIT ?2";
constexpr const char* kCountEvents = "SELECT count(*) FROM async_events";
constexpr const char* kPutRecord =
    "INSERT OR REPLACE INTO records (kind, key, value) VALUES (?1, ?2, ?3)";
constexpr const char* kDeleteRecord = "DELETE FROM records WHERE kind = ?1 AND key = ?2";
constexpr const char* kRecordsOfKind =
    "SELECT key, value FROM records WHERE kind = ?1 ORDER BY key";
constexpr const char* kPutSqsQueue =
    "INSERT INTO sqs_queues (id, name, definition) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO "
    "UPDATE SET name = excluded.name, definition = excluded.definition";
constexpr const char* kDeleteSqsQueue = "DELETE FROM sqs_queues WHERE id = ?1";
constexpr const char* kDeleteSqsQueueMessages = "DELETE FROM sqs_messages WHERE queue_id = ?1";
constexpr const char* kSqsQueues = "SELECT id, name, definition FROM sqs_queues ORDER BY id";
constexpr const char* kPutSqsMessage =
    "INSERT OR REPLACE INTO sqs_messages (seq, queue_id, message_id, body, attributes, group_id, "
    "dedup_id, sent_at_ms, visible_at_ms, receive_count, first_receive_at_ms, receipt) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kUpdateSqsMessage =
    "UPDATE sqs_messages SET visible_at_ms = ?2, receive_count = ?3, first_receive_at_ms = ?4, "
    "receipt = ?5 WHERE seq = ?1";
constexpr const char* kDeleteSqsMessage = "DELETE FROM sqs_messages WHERE seq = ?1";
constexpr const char* kPurgeSqsMessages =
    "DELETE FROM sqs_messages WHERE queue_id = ?1 AND seq <= ?2";
constexpr const char* kSqsMessages =
    "SELECT seq, queue_id, message_id, body, attributes, group_id, dedup_id, sent_at_ms, "
    "visible_at_ms, receive_count, first_receive_at_ms, receipt FROM sqs_messages ORDER BY seq";
// A put replaces the item in place; a stream record is only ever inserted, so a second record
// with the same sequence number fails the write instead of silently replacing the first.
constexpr const char* kPutDynamoItem =
    "INSERT INTO dynamodb_items (table_id, key, item) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (table_id, key) DO UPDATE SET item = excluded.item";
constexpr const char* kDeleteDynamoItem =
    "DELETE FROM dynamodb_items WHERE table_id = ?1 AND key = ?2";
constexpr const char* kAppendDynamoStream =
    "INSERT INTO dynamodb_stream (table_id, sequence, created_at_ms, record) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kTrimDynamoStream =
    "DELETE FROM dynamodb_stream WHERE table_id = ?1 AND created_at_ms < ?2";
constexpr const char* kDeleteDynamoItems = "DELETE FROM dynamodb_items WHERE table_id = ?1";
constexpr const char* kDeleteDynamoStream = "DELETE FROM dynamodb_stream WHERE table_id = ?1";
constexpr const char* kDynamoItems =
    "SELECT key, item FROM dynamodb_items WHERE table_id = ?1 ORDER BY key";
constexpr const char* kDynamoStream =
    "SELECT sequence, created_at_ms, record FROM dynamodb_stream WHERE table_id = ?1 "
    "ORDER BY sequence";

// One queued write. For deletes and reschedules only the id, attempts and notBeforeMs of
// `event` are used; record writes use `record` only; SQS writes `sqsQueue` or `sqs`; DynamoDB
// writes `dynamo`, and deleting a DynamoDB table `dynamoTableId`.
struct WriteOp {
  enum class Kind {
    kInsert,
    kDelete,
    kReschedule,
    kPutRecord,
    kDeleteRecord,
    kPutSqsQueue,
    kDeleteSqsQueue,
    kSqsMessages,
    kDynamo,
    kDeleteDynamoTable
  };
  Kind kind;
  AsyncEvent event;
  CommitCallback onCommitted;
  Record record;
  SqsQueueRow sqsQueue;
  SqsWrite sqs;
  DynamoWrite dynamo;
  std::string dynamoTableId;
};

class SqliteStore final : public Store {
 public:
  ~SqliteStore() override { stop(); }

  // Opens both connections, creates the schema and starts the writer thread.
  bool open(const std::filesystem::path& file, std::string& error);

  void enqueueAsyncEvent(AsyncEvent event, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kInsert, std::move(event), std::move(onCommitted)});
  }
  std::vector<AsyncEvent> leaseDueAsyncEvents(int64_t nowMs, size_t limit) override;
  void completeAsyncEvent(const std::string& id, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kDelete, AsyncEvent{.id = id}, std::move(onCommitted)});
  }
  void rescheduleAsyncEvent(const std::string& id, int attempts, int64_t notBeforeMs,
                            CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kReschedule,
            AsyncEvent{.id = id, .attempts = attempts, .notBeforeMs = notBeforeMs},
            std::move(onCommitted)});
  }
  size_t pendingAsyncEvents() override;
  void putRecord(Record record, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kPutRecord, {}, std::move(onCommitted), std::move(record)});
  }
  void deleteRecord(const std::string& kind, const std::string& key,
                    CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kDeleteRecord, {}, std::move(onCommitted), Record{kind, key, {}}});
  }
  std::vector<Record> records(const std::string& kind) override;
  void putSqsQueue(SqsQueueRow queue, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kPutSqsQueue, {}, std::move(onCommitted), {}, std::move(queue)});
  }
  void deleteSqsQueue(int64_t queueId, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kDeleteSqsQueue, {}, std::move(onCommitted), {}, {.id = queueId}});
  }
  std::vector<SqsQueueRow> sqsQueues() override;
  void writeSqsMessages(SqsWrite write, CommitCallback onCommitted) override {
    submit({WriteOp::Kind::kSqsMessages, {}, std::move(onCommitted), {}, {}, std::move(write)});
  }
  void readSqsMessages(const std::function<void(SqsMessageRow&&)>& each) override;
  void writeDynamo(DynamoWrite write, CommitCallback onCommitted) override {
    submit({.kind = WriteOp::Kind::kDynamo,
            .onCommitted = std::move(onCommitted),
            .dynamo = std::move(write)});
  }
  void deleteDynamoTable(const std::string& tableId, CommitCallback onCommitted) override {
    submit({.kind = WriteOp::Kind::kDeleteDynamoTable,
            .onCommitted = std::move(onCommitted),
            .dynamoTableId = tableId});
  }
  void readDynamoItems(const std::string& tableId,
                       const std::function<void(DynamoItemRow&&)>& each) override;
  void readDynamoStream(const std::string& tableId,
                        const std::function<void(DynamoStreamRow&&)>& each) override;
  void stop() override;

 private:
  void submit(WriteOp op);
  void writerLoop();
  // Runs `batch` in one transaction, then releases the leases it ended and runs its callbacks.
  void commitBatch(std::vector<WriteOp>& batch);
  // Applies one write inside the open transaction; returns its error, empty on success.
  std::string apply(const WriteOp& op);
  // Runs `body` (which returns its error, empty on success) inside a savepoint, so that the
  // write it applies takes effect whole or not at all; returns its error.
  template <typename Body>
  std::string inSavepoint(Body body);
  // Applies an SQS queue or message write; returns its error.
  std::string applySqs(const WriteOp& op);
  // Applies a DynamoDB write or table deletion; returns its error.
  std::string applyDynamo(const WriteOp& op);
  // Runs `statement` (bound) to completion and resets it; returns its error, empty on success.
  std::string run(Statement& statement);

  // Owned by the writer thread once it runs (and by open() before that).
  std::unique_ptr<Connection> writer_;
  Statement insert_, delete_, reschedule_, putRecord_, deleteRecord_;
  Statement savepoint_, release_, rollbackTo_;
  Statement putSqsQueue_, deleteSqsQueue_, deleteSqsQueueMessages_, putSqsMessage_,
      updateSqsMessage_, deleteSqsMessage_, purgeSqsMessages_;
  Statement putDynamoItem_, deleteDynamoItem_, appendDynamoStream_, trimDynamoStream_,
      deleteDynamoItems_, deleteDynamoStream_;

  std::mutex queueMutex_;
  std::condition_variable queueReady_;
  std::vector<WriteOp> queue_;  // Guarded by queueMutex_.
  bool stopping_ = false;       // Guarded by queueMutex_.

  // Guards the read connection, its statements and the leases. The writer takes it only to
  // release leases after a commit, never while committing.
  std::mutex readMutex_;
  std::unique_ptr<Connection> reader_;
  Statement due_, count_, recordsOfKind_, sqsQueues_, sqsMessages_, dynamoItems_, dynamoStream_;
  std::unordered_set<std::string> leased_;

  std::mutex stopMutex_;  // Serializes stop() so that the writer is joined once.
  std::thread writerThread_;
};

// Opens one connection in WAL mode with synchronous=FULL: each commit appends to the WAL and
// fsyncs it before returning, so an acknowledged write survives a crash or power loss.
std::unique_ptr<Connection> openConnection(const std::filesystem::path& file, std::string& error) {
  auto connection = std::make_unique<Connection>();
  if (!connection->open(file, error)) return nullptr;
  Statement mode = connection->prepare("PRAGMA journal_mode = WAL", error);
  if (!mode.valid()) return nullptr;
  if (mode.step() != SQLITE_ROW || mode.columnText(0) != "wal") {
    // WAL needs shared memory; some network file systems cannot give it.
    error = "cannot use WAL journal mode for " + file.string() + ": " + connection->lastError();
    return nullptr;
  }
  if (!connection->exec("PRAGMA synchronous = FULL", error)) return nullptr;
  return connection;
}

bool SqliteStore::open(const std::filesystem::path& file, std::string& error) {
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      error = "creating " + file.parent_path().string() + ": " + ec.message();
      return false;
    }
  }
  writer_ = openConnection(file, error);
  if (!writer_) return false;
  if (!writer_->exec("BEGIN IMMEDIATE", error)) return false;
  if (!writer_->exec(kSchema, error) || !addColumnsOfVersion5(*writer_, error) ||
      !writer_->exec("COMMIT", error)) {
    std::string ignored;
    writer_->exec("ROLLBACK", ignored);
    error = "creating the schema in " + file.string() + ": " + error;
    return false;
  }
  insert_ = writer_->prepare(kInsertEvent, error);
  delete_ = writer_->prepare(kDeleteEvent, error);
  reschedule_ = writer_->prepare(kRescheduleEvent, error);
  putRecord_ = writer_->prepare(kPutRecord, error);
  deleteRecord_ = writer_->prepare(kDeleteRecord, error);
  if (!insert_.valid() || !delete_.valid() || !reschedule_.valid() || !putRecord_.valid() ||
      !deleteRecord_.valid()) {
    return false;
  }
  putSqsQueue_ = writer_->prepare(kPutSqsQueue, error);
  deleteSqsQueue_ = writer_->prepare(kDeleteSqsQueue, error);
  deleteSqsQueueMessages_ = writer_->prepare(kDeleteSqsQueueMessages, error);
  putSqsMessage_ = writer_->prepare(kPutSqsMessage, error);
  updateSqsMessage_ = writer_->prepare(kUpdateSqsMessage, error);
  deleteSqsMessage_ = writer_->prepare(kDeleteSqsMessage, error);
  purgeSqsMessages_ = writer_->prepare(kPurgeSqsMessages, error);
  // Savepoints are statements too: prepared once, they cost a write nothing to parse.
  savepoint_ = writer_->prepare("SAVEPOINT write", error);
  release_ = writer_->prepare("RELEASE write", error);
  rollbackTo_ = writer_->prepare("ROLLBACK TO write", error);
  putDynamoItem_ = writer_->prepare(kPutDynamoItem, error);
  deleteDynamoItem_ = writer_->prepare(kDeleteDynamoItem, error);
  appendDynamoStream_ = writer_->prepare(kAppendDynamoStream, error);
  trimDynamoStream_ = writer_->prepare(kTrimDynamoStream, error);
  deleteDynamoItems_ = writer_->prepare(kDeleteDynamoItems, error);
  deleteDynamoStream_ = writer_->prepare(kDeleteDynamoStream, error);
  for (const Statement* s :
       {&savepoint_, &release_, &rollbackTo_, &putSqsQueue_, &deleteSqsQueue_,
        &deleteSqsQueueMessages_, &putSqsMessage_, &updateSqsMessage_, &deleteSqsMessage_,
        &purgeSqsMessages_, &putDynamoItem_, &deleteDynamoItem_, &appendDynamoStream_,
        &trimDynamoStream_, &deleteDynamoItems_, &deleteDynamoStream_}) {
    if (!s->valid()) return false;
  }

  reader_ = openConnection(file, error);
  if (!reader_) return false;
  due_ = reader_->prepare(kDueEvents, error);
  count_ = reader_->prepare(kCountEvents, error);
  recordsOfKind_ = reader_->prepare(kRecordsOfKind, error);
  sqsQueues_ = reader_->prepare(kSqsQueues, error);
  sqsMessages_ = reader_->prepare(kSqsMessages, error);
  dynamoItems_ = reader_->prepare(kDynamoItems, error);
  dynamoStream_ = reader_->prepare(kDynamoStream, error);
  for (const Statement* s : {&due_, &count_, &recordsOfKind_, &sqsQueues_, &sqsMessages_,
                             &dynamoItems_, &dynamoStream_}) {
    if (!s->valid()) return false;
  }

  try {
    writerThread_ = std::thread([this] { writerLoop(); });
  } catch (const std::system_error& e) {
    error = std::string("starting the store's writer thread: ") + e.what();
    return false;
  }
  return true;
}

void SqliteStore::submit(WriteOp op) {
  bool wake = false;
  {
    std::lock_guard lock(queueMutex_);
    if (!stopping_) {
      // The writer sleeps only on an empty queue, so only the first write needs to wake it.
      wake = queue_.empty();
      queue_.push_back(std::move(op));
      if (!wake) return;
    }
  }
  if (wake) {
    queueReady_.notify_one();
  } else {
    op.onCommitted("the store is stopped");
  }
}

void SqliteStore::writerLoop() {
  std::vector<WriteOp> batch;
  for (;;) {
    {
      std::unique_lock lock(queueMutex_);
      queueReady_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // Stopping, and everything queued is committed.
      batch.swap(queue_);
    }
    // Writes that arrive while this batch commits wait and form the next batch: the group
    // commit, one fsync for all of them.
    commitBatch(batch);
    batch.clear();
  }
}

void SqliteStore::commitBatch(std::vector<WriteOp>& batch) {
  std::vector<std::string> errors(batch.size());
  auto failAll = [&](const std::string& error) {
    for (auto& e : errors) e = error;
  };
  std::string error;
  if (!writer_->exec("BEGIN IMMEDIATE", error)) {
    failAll("starting a transaction: " + error);
  } else {
    bool rolledBack = false;
    for (size_t i = 0; i < batch.size() && !rolledBack; ++i) {
      errors[i] = apply(batch[i]);
      // A failed constraint undoes only its own statement, but I/O errors or a full disk undo
      // the whole transaction, and with it the writes before this one.
      if (!errors[i].empty() && !writer_->inTransaction()) {
        failAll(errors[i]);
        rolledBack = true;
      }
    }
    if (!rolledBack && !writer_->exec("COMMIT", error)) {
      std::string ignored;
      if (writer_->inTransaction()) writer_->exec("ROLLBACK", ignored);
      failAll("committing: " + error);
    }
  }

  {
    std::lock_guard lock(readMutex_);
    for (size_t i = 0; i < batch.size(); ++i) {
      bool endsLease =
          batch[i].kind == WriteOp::Kind::kDelete || batch[i].kind == WriteOp::Kind::kReschedule;
      if (endsLease && errors[i].empty()) {
        leased_.erase(batch[i].event.id);
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].onCommitted) batch[i].onCommitted(std::move(errors[i]));
  }
}

std::string SqliteStore::run(Statement& statement) {
  std::string error;
  if (statement.step() != SQLITE_DONE) error = writer_->lastError();
  statement.reset();
  return error;
}

template <typename Body>
std::string SqliteStore::inSavepoint(Body body) {
  std::string error = run(savepoint_);
  if (!error.empty()) return error;
  error = body();
  if (error.empty()) return run(release_);
  // Undoes this write only; an I/O error may already have rolled back the transaction.
  if (writer_->inTransaction()) {
    run(rollbackTo_);
    run(release_);
  }
  return error;
}

std::string SqliteStore::applySqs(const WriteOp& op) {
  return inSavepoint([&]() -> std::string {
    std::string error;
    switch (op.kind) {
      case WriteOp::Kind::kPutSqsQueue:
        putSqsQueue_.bind(1, op.sqsQueue.id);
        putSqsQueue_.bind(2, op.sqsQueue.name);
        putSqsQueue_.bindBlob(3, op.sqsQueue.definition);
        return run(putSqsQueue_);
      case WriteOp::Kind::kDeleteSqsQueue:
        deleteSqsQueueMessages_.bind(1, op.sqsQueue.id);
        if (error = run(deleteSqsQueueMessages_); !error.empty()) return error;
        deleteSqsQueue_.bind(1, op.sqsQueue.id);
        return run(deleteSqsQueue_);
      default:
        break;
    }
    const SqsWrite& w = op.sqs;
    for (const auto& m : w.puts) {
      Statement& s = putSqsMessage_;
      s.bind(1, m.seq);
      s.bind(2, m.queueId);
      s.bind(3, m.messageId);
      s.bindBlob(4, m.body);
      s.bindBlob(5, m.attributes);
      s.bind(6, m.groupId);
      s.bind(7, m.dedupId);
      s.bind(8, m.sentAtMs);
      s.bind(9, m.visibleAtMs);
      s.bind(10, int64_t{m.receiveCount});
      s.bind(11, m.firstReceiveAtMs);
      s.bind(12, m.receipt);
      if (error = run(s); !error.empty()) return error;
    }
    for (const auto& u : w.updates) {
      Statement& s = updateSqsMessage_;
      s.bind(1, u.seq);
      s.bind(2, u.visibleAtMs);
      s.bind(3, int64_t{u.receiveCount});
      s.bind(4, u.firstReceiveAtMs);
      s.bind(5, u.receipt);
      if (error = run(s); !error.empty()) return error;
    }
    for (int64_t seq : w.deletes) {
      deleteSqsMessage_.bind(1, seq);
      if (error = run(deleteSqsMessage_); !error.empty()) return error;
    }
    if (w.purgeQueueId != 0) {
      purgeSqsMessages_.bind(1, w.purgeQueueId);
      purgeSqsMessages_.bind(2, w.purgeThroughSeq);
      return run(purgeSqsMessages_);
    }
    return error;
  });
}

std::string SqliteStore::applyDynamo(const WriteOp& op) {
  return inSavepoint([&]() -> std::string {
    std::string error;
    if (op.kind == WriteOp::Kind::kDeleteDynamoTable) {
      deleteDynamoItems_.bind(1, op.dynamoTableId);
      if (error = run(deleteDynamoItems_); !error.empty()) return error;
      deleteDynamoStream_.bind(1, op.dynamoTableId);
      return run(deleteDynamoStream_);
    }
    // The order DynamoWrite documents: puts, deletes, stream appends, then the trim.
    const DynamoWrite& w = op.dynamo;
    for (const auto& item : w.puts) {
      putDynamoItem_.bind(1, item.tableId);
      putDynamoItem_.bindBlob(2, item.key);
      putDynamoItem_.bindBlob(3, item.item);
      if (error = run(putDynamoItem_); !error.empty()) return error;
    }
    for (const auto& [tableId, key] : w.deletes) {
      deleteDynamoItem_.bind(1, tableId);
      deleteDynamoItem_.bindBlob(2, key);
      if (error = run(deleteDynamoItem_); !error.empty()) return error;
    }
    for (const auto& r : w.streamRecords) {
      appendDynamoStream_.bind(1, r.tableId);
      appendDynamoStream_.bind(2, r.sequence);
      appendDynamoStream_.bind(3, r.createdAtMs);
      appendDynamoStream_.bindBlob(4, r.record);
      if (error = run(appendDynamoStream_); !error.empty()) return error;
    }
    if (!w.trimTableId.empty()) {
      trimDynamoStream_.bind(1, w.trimTableId);
      trimDynamoStream_.bind(2, w.trimBeforeMs);
      return run(trimDynamoStream_);
    }
    return error;
  });
}

std::string SqliteStore::apply(const WriteOp& op) {
  const AsyncEvent& event = op.event;
  Statement* statement = nullptr;
  switch (op.kind) {
    case WriteOp::Kind::kPutSqsQueue:
    case WriteOp::Kind::kDeleteSqsQueue:
    case WriteOp::Kind::kSqsMessages:
      return applySqs(op);
    case WriteOp::Kind::kDynamo:
    case WriteOp::Kind::kDeleteDynamoTable:
      return applyDynamo(op);
    case WriteOp::Kind::kInsert:
      statement = &insert_;
      statement->bind(1, event.id);
      statement->bind(2, event.functionName);
      statement->bind(3, event.qualifier);
      statement->bindBlob(4, event.payload);
      statement->bind(5, event.attempts);
      statement->bind(6, event.receivedAtMs);
      statement->bind(7, event.notBeforeMs);
      statement->bind(8, event.traceHeader);
      break;
    case WriteOp::Kind::kDelete:
      statement = &delete_;
      statement->bind(1, event.id);
      break;
    case WriteOp::Kind::kReschedule:
      statement = &reschedule_;
      statement->bind(1, event.id);
      statement->bind(2, event.attempts);
      statement->bind(3, event.notBeforeMs);
      break;
    case WriteOp::Kind::kPutRecord:
      statement = &putRecord_;
      statement->bind(1, op.record.kind);
      statement->bind(2, op.record.key);
      statement->bindBlob(3, op.record.value);
      break;
    case WriteOp::Kind::kDeleteRecord:
      statement = &deleteRecord_;
      statement->bind(1, op.record.kind);
      statement->bind(2, op.record.key);
      break;
  }
  std::string error;
  if (statement->step() != SQLITE_DONE) {
    error = writer_->lastError();
  } else if ((op.kind == WriteOp::Kind::kDelete || op.kind == WriteOp::Kind::kReschedule) &&
             writer_->changes() == 0) {
    error = "no async event with id " + event.id;
  }
  statement->reset();
  return error;
}

std::vector<AsyncEvent> SqliteStore::leaseDueAsyncEvents(int64_t nowMs, size_t limit) {
  std::vector<AsyncEvent> due;
  std::lock_guard lock(readMutex_);
  if (!reader_ || limit == 0) return due;
  // At most leased_.size() of the rows read are skipped as leased.
  due_.bind(1, nowMs);
  due_.bind(2, static_cast<int64_t>(limit + leased_.size()));
  while (due.size() < limit && due_.step() == SQLITE_ROW) {
    std::string id = due_.columnText(0);
    if (leased_.contains(id)) continue;
    due.push_back(AsyncEvent{.id = std::move(id),
                             .functionName = due_.columnText(1),
                             .qualifier = due_.columnText(2),
                             .payload = due_.columnText(3),
                             .attempts = static_cast<int>(due_.columnInt(4)),
                             .receivedAtMs = due_.columnInt(5),
                             .notBeforeMs = due_.columnInt(6),
                             .traceHeader = due_.columnText(7)});
  }
  // Ends the read transaction, so the reader never holds the WAL back from a checkpoint.
  due_.reset();
  for (const auto& event : due) leased_.insert(event.id);
  return due;
}

size_t SqliteStore::pendingAsyncEvents() {
  std::lock_guard lock(readMutex_);
  if (!reader_) return 0;
  size_t count = count_.step() == SQLITE_ROW ? static_cast<size_t>(count_.columnInt(0)) : 0;
  count_.reset();
  return count;
}

std::vector<SqsQueueRow> SqliteStore::sqsQueues() {
  std::vector<SqsQueueRow> out;
  std::lock_guard lock(readMutex_);
  if (!reader_) return out;
  while (sqsQueues_.step() == SQLITE_ROW) {
    out.push_back(
        SqsQueueRow{sqsQueues_.columnInt(0), sqsQueues_.columnText(1), sqsQueues_.columnText(2)});
  }
  sqsQueues_.reset();
  return out;
}

void SqliteStore::readSqsMessages(const std::function<void(SqsMessageRow&&)>& each) {
  std::lock_guard lock(readMutex_);
  if (!reader_) return;
  Statement& s = sqsMessages_;
  while (s.step() == SQLITE_ROW) {
    each(SqsMessageRow{.seq = s.columnInt(0),
                       .queueId = s.columnInt(1),
                       .messageId = s.columnText(2),
                       .body = s.columnText(3),
                       .attributes = s.columnText(4),
                       .groupId = s.columnText(5),
                       .dedupId = s.columnText(6),
                       .sentAtMs = s.columnInt(7),
                       .visibleAtMs = s.columnInt(8),
                       .receiveCount = static_cast<int>(s.columnInt(9)),
                       .firstReceiveAtMs = s.columnInt(10),
                       .receipt = s.columnInt(11)});
  }
  s.reset();
}

void SqliteStore::readDynamoItems(const std::string& tableId,
                                  const std::function<void(DynamoItemRow&&)>& each) {
  std::lock_guard lock(readMutex_);
  if (!reader_) return;
  Statement& s = dynamoItems_;
  s.bind(1, tableId);
  while (s.step() == SQLITE_ROW) {
    each(DynamoItemRow{.tableId = tableId, .key = s.columnText(0), .item = s.columnText(1)});
  }
  s.reset();
}

void SqliteStore::readDynamoStream(const std::string& tableId,
                                   const std::function<void(DynamoStreamRow&&)>& each) {
  std::lock_guard lock(readMutex_);
  if (!reader_) return;
  Statement& s = dynamoStream_;
  s.bind(1, tableId);
  while (s.step() == SQLITE_ROW) {
    each(DynamoStreamRow{.tableId = tableId,
                         .sequence = s.columnInt(0),
                         .createdAtMs = s.columnInt(1),
                         .record = s.columnText(2)});
  }
  s.reset();
}

std::vector<Record> SqliteStore::records(const std::string& kind) {
  std::vector<Record> out;
  std::lock_guard lock(readMutex_);
  if (!reader_) return out;
  recordsOfKind_.bind(1, kind);
  while (recordsOfKind_.step() == SQLITE_ROW) {
    out.push_back(Record{kind, recordsOfKind_.columnText(0), recordsOfKind_.columnText(1)});
  }
  recordsOfKind_.reset();
  return out;
}

void SqliteStore::stop() {
  std::lock_guard stopLock(stopMutex_);
  {
    std::lock_guard lock(queueMutex_);
    stopping_ = true;
  }
  queueReady_.notify_one();
  if (writerThread_.joinable()) writerThread_.join();
  // The writer has drained the queue and exited: nothing uses its connection any more.
  insert_ = {};
  delete_ = {};
  reschedule_ = {};
  putRecord_ = {};
  deleteRecord_ = {};
  putSqsQueue_ = {};
  deleteSqsQueue_ = {};
  deleteSqsQueueMessages_ = {};
  putSqsMessage_ = {};
  updateSqsMessage_ = {};
  deleteSqsMessage_ = {};
  purgeSqsMessages_ = {};
  putDynamoItem_ = {};
  deleteDynamoItem_ = {};
  appendDynamoStream_ = {};
  trimDynamoStream_ = {};
  deleteDynamoItems_ = {};
  deleteDynamoStream_ = {};
  savepoint_ = {};
  release_ = {};
  rollbackTo_ = {};
  writer_.reset();
  std::lock_guard lock(readMutex_);
  due_ = {};
  count_ = {};
  recordsOfKind_ = {};
  sqsQueues_ = {};
  sqsMessages_ = {};
  dynamoItems_ = {};
  dynamoStream_ = {};
  reader_.reset();
}

}  // namespace

std::unique_ptr<Store> openSqliteStore(const std::filesystem::path& file, std::string& error) {
  auto store = std::make_unique<SqliteStore>();
  if (!store->open(file, error)) return nullptr;
  return store;
}

}  // namespace nimbus::store
