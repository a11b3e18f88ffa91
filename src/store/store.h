// The storage interface every durable part of nimbus writes through. SQLite (sqlite/) is the
// embedded default; a PostgreSQL backend for clusters implements the same interface later.
//
// Writes are asynchronous and group-committed: a caller hands over an operation and a callback,
// and the callback runs once the operation is durable (or has failed). Nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::store {

// One accepted asynchronous invocation (Lambda `InvocationType: Event`), kept until it has run
// to completion or been given up on.
struct AsyncEvent {
  std::string id;            // Request id (UUID v4); unique across the queue.
  std::string functionName;  // Full function name, e.g. `service-dev-hello`.
  std::string qualifier;     // Version or alias the caller named, e.g. "$LATEST".
  std::string payload;       // The event as the caller sent it (bytes, usually JSON).
  int attempts = 0;          // Invocations attempted so far.
  int64_t receivedAtMs = 0;  // Epoch ms when accepted; MaximumEventAgeInSeconds counts from it.
  int64_t notBeforeMs = 0;   // Epoch ms before which it must not run (retry backoff).
  // The X-Ray trace header of the request that sent it; every attempt continues that trace.
  std::string traceHeader;
};

// A durable document kept by kind and key: a function created through the Lambda API, its
// EventInvokeConfig, and later queues, topics and the like. The value's format belongs to the
// service that writes it.
struct Record {
  std::string kind;  // e.g. "lambda.function"
  std::string key;   // unique within its kind, e.g. the function name
  std::string value;
};

// An SQS queue's definition. `id` is never reused, so that receipt handles and messages of a
// deleted queue can never be taken for those of a new queue of the same name. The definition's
// format (attributes, tags) belongs to the SQS service.
struct SqsQueueRow {
  int64_t id = 0;
  std::string name;
  std::string definition;
};

// One SQS message as stored. `seq` is unique across all queues and orders the messages of a queue
// as they were sent; the SQS service assigns it. Body and attributes are opaque bytes here.
struct SqsMessageRow {
  int64_t seq = 0;
  int64_t queueId = 0;
  std::string messageId;
  std::string body;
  std::string attributes;  // Message and system attributes, in the SQS service's encoding.
  std::string groupId;     // MessageGroupId; empty when none.
  std::string dedupId;     // MessageDeduplicationId (FIFO); empty when none.
  int64_t sentAtMs = 0;
  int64_t visibleAtMs = 0;  // Epoch ms before which the message must not be delivered.
  int receiveCount = 0;
  int64_t firstReceiveAtMs = 0;  // 0 until first received.
  int64_t receipt = 0;           // The current receipt handle's secret part; 0 until received.
};

// The part of a message that changes when it is received or its visibility changes.
struct SqsMessageState {
  int64_t seq = 0;
  int64_t visibleAtMs = 0;
  int receiveCount = 0;
  int64_t firstReceiveAtMs = 0;
  int64_t receipt = 0;
};

// The changes one SQS operation makes to messages, applied atomically in this order: puts
// (insert or replace by seq), state updates, deletes, then the purge. An update or delete of a
// seq that is not stored is not an error (the message was deleted by an earlier write).
struct SqsWrite {
  std::vector<SqsMessageRow> puts;
  std::vector<SqsMessageState> updates;
  std::vector<int64_t> deletes;
  int64_t purgeQueueId = 0;     // When not 0: delete that queue's messages with
  int64_t purgeThroughSeq = 0;  // seq <= purgeThroughSeq.

  bool empty() const {
    return puts.empty() && updates.empty() && deletes.empty() && purgeQueueId == 0;
  }
};

// One DynamoDB item as stored: its table (by the table's id, never reused, so that a deleted
// table's items can never reappear in a new table of the same name), its primary key in the
// DynamoDB service's byte encoding, and the item in the service's encoding.
struct DynamoItemRow {
  std::string tableId;
  std::string key;
  std::string item;
};

// One DynamoDB Streams record as stored, by table id and sequence number (unique and increasing
// within a table's stream); the record body's format belongs to the DynamoDB service.
struct DynamoStreamRow {
  std::string tableId;
  int64_t sequence = 0;
  int64_t createdAtMs = 0;
  std::string record;
};

// The changes one DynamoDB operation (or one transaction) makes, applied atomically in this
// order: item puts (insert or replace by table id and key), item deletes, stream records
// appended, then stream records trimmed (every record of `trimTableId` created before
// `trimBeforeMs`, for the 24-hour retention).
struct DynamoWrite {
  std::vector<DynamoItemRow> puts;
  std::vector<std::pair<std::string, std::string>> deletes;  // (table id, key)
  std::vector<DynamoStreamRow> streamRecords;
  std::string trimTableId;
  int64_t trimBeforeMs = 0;

  bool empty() const {
    return puts.empty() && deletes.empty() && streamRecords.empty() && trimTableId.empty();
  }
};

// Completes a write: an empty string once the write is durable, otherwise what went wrong.
using CommitCallback = std::function<void(std::string error)>;

// Durable storage shared by the services. Implementations are thread-safe: any thread may call
// any member. Callbacks run on the backend's writer thread, so they must be short and must not
// block or call back into the store's write members and wait for the result.
class Store {
 public:
  virtual ~Store() = default;

  // Appends `event` durably. `onCommitted` runs once the event is on disk (the commit that holds
  // it has been fsync'd), or with an error (e.g. a duplicate id). Enqueues in flight at the same
  // time share one transaction.
  virtual void enqueueAsyncEvent(AsyncEvent event, CommitCallback onCommitted) = 0;

  // Returns up to `limit` committed events with notBeforeMs <= `nowMs` that are not leased,
  // oldest (by receivedAtMs) first, and leases them to the caller. Leases live in this process's
  // memory only: after a restart every unfinished event is due again (at-least-once delivery).
  virtual std::vector<AsyncEvent> leaseDueAsyncEvents(int64_t nowMs, size_t limit) = 0;

  // Deletes the event for good (it ran, or was given up on). Its lease ends when the delete is
  // committed; on failure the event stays leased until the process restarts.
  virtual void completeAsyncEvent(const std::string& id, CommitCallback onCommitted) = 0;

  // Records another attempt: stores `attempts` and `notBeforeMs`, and releases the lease once
  // that is committed, so the event is leased again when it is due.
  virtual void rescheduleAsyncEvent(const std::string& id, int attempts, int64_t notBeforeMs,
                                    CommitCallback onCommitted) = 0;

  // Committed events not yet completed, leased or not.
  virtual size_t pendingAsyncEvents() = 0;

  // Writes `record`, replacing the one of the same kind and key if there is one.
  virtual void putRecord(Record record, CommitCallback onCommitted) = 0;
  // Deletes the record of that kind and key; deleting one that does not exist succeeds.
  virtual void deleteRecord(const std::string& kind, const std::string& key,
                            CommitCallback onCommitted) = 0;
  // Every committed record of `kind`, in key order.
  virtual std::vector<Record> records(const std::string& kind) = 0;

  // SQS queues: written whole (insert or replace by id); deleted with all their messages in one
  // transaction, so a deleted queue's messages never come back.
  virtual void putSqsQueue(SqsQueueRow queue, CommitCallback onCommitted) = 0;
  virtual void deleteSqsQueue(int64_t queueId, CommitCallback onCommitted) = 0;
  // Every committed queue, by id.
  virtual std::vector<SqsQueueRow> sqsQueues() = 0;
  // Applies `write` atomically: on failure none of it is applied. Writes commit in the order they
  // were submitted, so a later write may update what an earlier one inserted.
  virtual void writeSqsMessages(SqsWrite write, CommitCallback onCommitted) = 0;
  // Calls `each` with every committed message, in seq order (for loading at start-up).
  virtual void readSqsMessages(const std::function<void(SqsMessageRow&&)>& each) = 0;

  // DynamoDB items and stream records. Table definitions are records (kind "dynamodb.table").
  // Applies `write` atomically; writes commit in the order they were submitted.
  virtual void writeDynamo(DynamoWrite write, CommitCallback onCommitted) = 0;
  // Deletes every item and stream record of the table, in one transaction.
  virtual void deleteDynamoTable(const std::string& tableId, CommitCallback onCommitted) = 0;
  // Calls `each` with every committed item of the table, in key order (for loading at start-up).
  virtual void readDynamoItems(const std::string& tableId,
                               const std::function<void(DynamoItemRow&&)>& each) = 0;
  // Calls `each` with every committed stream record of the table, in sequence order.
  virtual void readDynamoStream(const std::string& tableId,
                                const std::function<void(DynamoStreamRow&&)>& each) = 0;

  // Stops accepting writes, commits everything already queued (running its callbacks), and
  // closes the database. Later writes fail at once, on the caller's thread. Idempotent.
  virtual void stop() = 0;
};

}  // namespace nimbus::store
