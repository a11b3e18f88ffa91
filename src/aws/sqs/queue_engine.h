// One queue's messages in memory and the rules SQS delivers them by: visibility timeouts, delays,
// receive counts for redrive, retention, and for FIFO queues order within a message group (a
// group is blocked while one of its messages is in flight) and deduplication. Time is passed in
// (epoch milliseconds), so the rules are tested without waiting. Not thread-safe: the SQS service
// holds the queue's lock around every call. No I/O: the service persists what changes.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "aws/sqs/message.h"

namespace nimbus::aws::sqs {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// FIFO queues drop a message whose deduplication id was seen in the last five minutes.
inline constexpr int64_t kDeduplicationWindowMs = 5 * 60 * 1000;

// A message in a queue: its content and where it is in its life.
struct QueuedMessage {
  enum class State : uint8_t {
    kDelayed,   // Sent with a delay that has not passed; never received.
    kVisible,   // Can be received.
    kInFlight,  // Received; invisible until visibleAtMs.
  };
  int64_t seq = 0;
  MessageContentPtr content;
  State state = State::kVisible;
  int64_t visibleAtMs = 0;
  int receiveCount = 0;
  int64_t firstReceiveAtMs = 0;
  int64_t receipt = 0;  // Secret part of the latest receipt handle; 0 until received.
};

// A message handed to a receiver, with the state the store must record for it.
struct ReceivedMessage {
  int64_t seq = 0;
  MessageContentPtr content;
  int64_t receipt = 0;
  int receiveCount = 0;
  int64_t firstReceiveAtMs = 0;
  int64_t visibleAtMs = 0;
};

// How a message is identified by a receipt handle: which message, and which receive of it.
struct ReceiptRef {
  int64_t seq = 0;
  int64_t receipt = 0;
};

struct QueueCounts {
  size_t visible = 0;   // ApproximateNumberOfMessages
  size_t inFlight = 0;  // ApproximateNumberOfMessagesNotVisible
  size_t delayed = 0;   // ApproximateNumberOfMessagesDelayed
};

class QueueEngine {
 public:
  struct Options {
    bool fifo = false;
    // FIFO DeduplicationScope "messageGroup": ids are unique within a group, not the queue.
    bool dedupPerGroup = false;
  };

  explicit QueueEngine(Options options);

  void setDedupPerGroup(bool perGroup) { options_.dedupPerGroup = perGroup; }
  bool fifo() const { return options_.fifo; }

  // What send() did.
  struct SendOutcome {
    bool duplicate = false;     // A FIFO duplicate: nothing was added.
    MessageContentPtr content;  // The message added, or for a duplicate the original.
  };

  // Adds a message with sequence `seq` (larger than any before), visible after `delaySeconds`.
  // On a FIFO queue a message whose deduplication id (content.dedupId, which the caller fills,
  // from the body's SHA-256 under ContentBasedDeduplication) was sent in the last five minutes is
  // not added, and the original is returned.
  SendOutcome send(int64_t seq, MessageContentPtr content, int delaySeconds, int64_t nowMs);

  // Puts back a message read from the store at start-up; its state follows from its receive
  // count and visibleAtMs. Messages must be restored in seq order.
  void restore(QueuedMessage message, int64_t nowMs);

  // Adds a message moved here from another queue's redrive, visible at once, keeping its receive
  // history (the receive count goes on from where it was).
  void addMoved(int64_t seq, MessageContentPtr content, int receiveCount, int64_t firstReceiveAtMs);

  // Makes messages whose delay or visibility timeout has passed visible, and removes those older
  // than `retentionMs` (appending their seqs to `expired`, for the store).
  void advance(int64_t nowMs, int64_t retentionMs, std::vector<int64_t>& expired);

  // Whether receive() would return a message now (after advance()).
  bool receivable() const;

  // Receives up to `max` messages, oldest first (FIFO: as many as possible from one group,
  // then the next group), making them invisible for `visibilityTimeoutS`. When
  // `maxReceiveCount` > 0, a message that has already been received that many times is removed
  // instead and appended to `deadLetters` (SQS moves it to the dead-letter queue on the receive
  // that would exceed maxReceiveCount). Call advance() first.
  void receive(int64_t nowMs, int max, int visibilityTimeoutS, int maxReceiveCount,
               std::vector<ReceivedMessage>& out, std::vector<QueuedMessage>& deadLetters);

  enum class DeleteResult {
    kDeleted,
    kIgnored,  // Already deleted, or received again since (SQS then succeeds without deleting).
    kExpired,  // FIFO only: the handle's visibility timeout has passed.
  };
  DeleteResult remove(ReceiptRef ref, int64_t nowMs);

  enum class VisibilityResult {
    kChanged,
    kNotInFlight,  // The handle is the latest, but the message is visible again.
    kUnknown,      // No such message, or the handle is not its latest.
  };
  // Makes the message visible `timeoutS` seconds from now (0: at once).
  VisibilityResult changeVisibility(ReceiptRef ref, int timeoutS, int64_t nowMs);

  // Removes a message whatever its state (a send whose write failed). Returns whether it was here.
  bool discard(int64_t seq);

  // Removes every message; returns the highest seq removed (0 when none).
  int64_t purge();

  // The earliest time a delayed or in-flight message becomes visible; kNever when none will.
  int64_t nextChangeAtMs();

  QueueCounts counts() const { return counts_; }
  size_t size() const { return messages_.size(); }
  const QueuedMessage* find(int64_t seq) const;

 private:
  struct Group {
    std::set<int64_t> seqs;  // Its messages not deleted, in send order.
    int inFlight = 0;
    int64_t readyHead = 0;  // Its key in ready_ while it is there, else 0.
  };

  using State = QueuedMessage::State;
  void setState(QueuedMessage& m, State state);
  void schedule(const QueuedMessage& m) { timed_.push({m.visibleAtMs, m.seq}); }
  void insert(QueuedMessage message);
  // Rebuilds the lazy heaps when stale entries outnumber the live ones.
  void compact();
  void erase(std::unordered_map<int64_t, QueuedMessage>::iterator it);
  // FIFO: puts the group in ready_ exactly when it can deliver its head.
  void refreshGroup(const std::string& groupId);
  int64_t newReceipt();

  Options options_;
  std::unordered_map<int64_t, QueuedMessage> messages_;
  QueueCounts counts_;
  // Standard queues: visible messages by seq.
  std::set<int64_t> visible_;
  // FIFO queues: groups, and those that can deliver now ordered by their head's seq.
  std::unordered_map<std::string, Group> groups_;
  std::set<std::pair<int64_t, std::string>> ready_;
  // (visibleAtMs, seq) of delayed and in-flight messages, earliest first. Entries go stale when a
  // message changes; they are checked against the message when they come up.
  using Timed = std::pair<int64_t, int64_t>;
  std::priority_queue<Timed, std::vector<Timed>, std::greater<>> timed_;
  // (sentAtMs, seq), oldest first, for MessageRetentionPeriod; stale entries are skipped.
  std::priority_queue<Timed, std::vector<Timed>, std::greater<>> bySentAt_;
  // FIFO deduplication: key -> (expiry, original), and the keys in expiry order.
  std::unordered_map<std::string, std::pair<int64_t, MessageContentPtr>> dedup_;
  std::deque<std::pair<int64_t, std::string>> dedupExpiry_;
  std::mt19937_64 random_;
};

}  // namespace nimbus::aws::sqs
