#include "aws/sqs/sqs_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "aws/sqs/message_checks.h"
#include "core/base64.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::sqs {

namespace asio = boost::asio;

namespace {

// A receipt handle: the queue's id, the message's seq and the receive's secret, base64-encoded.
// The queue id makes a handle of another queue (or of a deleted queue of the same name) invalid.
std::string encodeReceiptHandle(int64_t queueId, int64_t seq, int64_t receipt) {
  std::string raw;
  for (int64_t v : {queueId, seq, receipt}) {
    for (int shift = 56; shift >= 0; shift -= 8) raw.push_back(static_cast<char>(v >> shift));
  }
  return base64Encode(raw);
}

struct DecodedHandle {
  int64_t queueId = 0;
  ReceiptRef ref;
};

std::optional<DecodedHandle> decodeReceiptHandle(std::string_view handle) {
  if (handle.size() != 32) return std::nullopt;
  auto raw = base64Decode(handle);
  if (!raw || raw->size() != 24) return std::nullopt;
  int64_t v[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    uint64_t n = 0;
    for (int b = 0; b < 8; ++b) n = (n << 8) | static_cast<unsigned char>((*raw)[i * 8 + b]);
    v[i] = static_cast<int64_t>(n);
  }
  if (v[0] <= 0 || v[1] <= 0 || v[2] <= 0) return std::nullopt;
  return DecodedHandle{v[0], {v[1], v[2]}};
}

SqsError invalidHandle(std::string_view handle) {
  return {ErrorCode::kReceiptHandleIsInvalid,
          fmt::format("The input receipt handle \"{}\" is not a valid receipt handle.", handle)};
}

SqsError internalError(const std::string& detail) {
  return {ErrorCode::kInternalError,
          "We encountered an internal error. Please try again. (" + detail + ")"};
}

store::SqsMessageRow rowOf(int64_t queueId, int64_t seq, const MessageContent& c,
                           int64_t visibleAtMs, int receiveCount, int64_t firstReceiveAtMs) {
  return store::SqsMessageRow{.seq = seq,
                              .queueId = queueId,
                              .messageId = c.messageId,
                              .body = c.body,
                              .attributes = encodeAttributes(c),
                              .groupId = c.groupId,
                              .dedupId = c.dedupId,
                              .sentAtMs = c.sentAtMs,
                              .visibleAtMs = visibleAtMs,
                              .receiveCount = receiveCount,
                              .firstReceiveAtMs = firstReceiveAtMs};
}

// One receive waiting for a message (long polling).
struct Waiter {
  int max = 1;
  int visibilityTimeout = 30;
  std::function<void(Result<std::vector<Delivery>>)> done;
  std::unique_ptr<asio::steady_timer> deadline;
  bool finished = false;
};

}  // namespace

struct SqsService::Shared {
  Shared(asio::io_context& io, store::Store& store) : io(io), store(store) {}

  asio::io_context& io;
  store::Store& store;
  // Guards `queues`. Lock order: a queue's mutex may be held while taking this one shared, never
  // the other way round, and whoever holds it exclusively takes no queue lock.
  mutable std::shared_mutex registryMutex;
  std::map<std::string, std::shared_ptr<Queue>, std::less<>> queues;
  std::atomic<int64_t> nextSeq{1};
  std::atomic<int64_t> nextQueueId{1};
  std::atomic<uint64_t> nextWatchId{1};
  std::atomic<bool> stopped{false};
};

struct SqsService::Queue : std::enable_shared_from_this<SqsService::Queue> {
  Queue(asio::io_context& io, store::Store& store, std::weak_ptr<Shared> shared, QueueConfig config,
        std::string arn)
      : io(io),
        store(store),
        shared(std::move(shared)),
        id(config.id),
        arn(std::move(arn)),
        config(std::move(config)),
        engine({this->config.fifo, this->config.dedupPerGroup}),
        timer(io) {}

  asio::io_context& io;
  store::Store& store;
  std::weak_ptr<Shared> shared;  // For finding dead-letter queues; gone once the service is.
  const int64_t id;
  const std::string arn;

  std::mutex mutex;  // Guards everything below.
  QueueConfig config;
  QueueEngine engine;
  bool deleted = false;
  std::deque<std::shared_ptr<Waiter>> waiters;
  std::map<uint64_t, std::function<void()>> watchers;
  asio::steady_timer timer;  // Wakes waiters and watchers when a message becomes visible.
  int64_t timerAtMs = kNever;
  uint64_t timerGeneration = 0;
};

namespace {

using Queue = SqsService::Queue;
using QueuePtr = std::shared_ptr<Queue>;
// Work to run once the queue's lock is released (moves into a dead-letter queue).
using Deferred = std::vector<std::function<void()>>;

void runDeferred(Deferred& deferred) {
  for (auto& f : deferred) f();
  deferred.clear();
}

template <typename F>
void post(asio::io_context& io, F&& f) {
  asio::post(io, std::forward<F>(f));
}

// Submits `write`; `then` runs on the io_context with the store's error (empty when durable).
void commit(Queue& q, store::SqsWrite write, std::function<void(std::string)> then) {
  q.store.writeSqsMessages(std::move(write),
                           [&io = q.io, then = std::move(then)](std::string error) mutable {
                             post(io, [then = std::move(then), error = std::move(error)]() mutable {
                               then(std::move(error));
                             });
                           });
}

void afterChangeLocked(const QueuePtr& q, int64_t now, Deferred& deferred);

// Makes due messages visible and drops expired ones (their deletes go into `write`).
void advanceLocked(Queue& q, int64_t now, store::SqsWrite& write) {
  q.engine.advance(now, int64_t{q.config.messageRetentionPeriod} * 1000, write.deletes);
}

// Finds the dead-letter queue of `q`'s redrive policy, unless it is `q` itself or gone.
QueuePtr deadLetterQueueLocked(const Queue& q) {
  if (!q.config.redrivePolicy) return nullptr;
  auto shared = q.shared.lock();
  if (!shared) return nullptr;
  std::string name = SqsService::queueName(q.config.redrivePolicy->deadLetterTargetArn);
  std::shared_lock lock(shared->registryMutex);
  auto it = shared->queues.find(name);
  if (it == shared->queues.end() || it->second->id == q.id) return nullptr;
  return it->second;
}

// Receives for one caller and commits the receive; moves past maxReceiveCount go to the
// dead-letter queue in the same write, and into its memory once `q`'s lock is released.
void deliverLocked(const QueuePtr& q, int64_t now, int max, int visibilityTimeout,
                   std::function<void(Result<std::vector<Delivery>>)> done, store::SqsWrite write,
                   Deferred& deferred) {
  QueuePtr dlq = deadLetterQueueLocked(*q);
  int maxReceiveCount = dlq ? q->config.redrivePolicy->maxReceiveCount : 0;
  std::vector<ReceivedMessage> received;
  std::vector<QueuedMessage> deadLetters;
  q->engine.receive(now, max, visibilityTimeout, maxReceiveCount, received, deadLetters);

  std::vector<Delivery> deliveries;
  deliveries.reserve(received.size());
  for (const auto& r : received) {
    write.updates.push_back({r.seq, r.visibleAtMs, r.receiveCount, r.firstReceiveAtMs, r.receipt});
    deliveries.push_back({r.content, encodeReceiptHandle(q->id, r.seq, r.receipt), r.receiveCount,
                          r.firstReceiveAtMs});
  }
  if (!deadLetters.empty()) {
    auto shared = q->shared.lock();
    struct Moved {
      int64_t seq;
      MessageContentPtr content;
      int receiveCount;
      int64_t firstReceiveAtMs;
    };
    auto moved = std::make_shared<std::vector<Moved>>();
    for (const auto& d : deadLetters) {
      auto content = std::make_shared<MessageContent>(*d.content);
      content->deadLetterSourceArn = q->arn;
      int64_t seq = shared ? shared->nextSeq.fetch_add(1) : d.seq;
      write.deletes.push_back(d.seq);
      write.puts.push_back(rowOf(dlq->id, seq, *content, now, d.receiveCount, d.firstReceiveAtMs));
      moved->push_back({seq, std::move(content), d.receiveCount, d.firstReceiveAtMs});
    }
    deferred.push_back([dlq, moved] {
      Deferred more;
      {
        std::lock_guard lock(dlq->mutex);
        if (dlq->deleted) return;
        for (auto& m : *moved) {
          dlq->engine.addMoved(m.seq, std::move(m.content), m.receiveCount, m.firstReceiveAtMs);
        }
        afterChangeLocked(dlq, nowMs(), more);
      }
      runDeferred(more);
    });
  }
  if (write.empty()) {
    post(q->io, [done = std::move(done), deliveries = std::move(deliveries)]() mutable {
      done(std::move(deliveries));
    });
    return;
  }
  commit(*q, std::move(write),
         [done = std::move(done), deliveries = std::move(deliveries)](std::string error) mutable {
           if (!error.empty()) return done(internalError(error));
           done(std::move(deliveries));
         });
}

void serveWaitersLocked(const QueuePtr& q, int64_t now, Deferred& deferred) {
  while (!q->waiters.empty() && q->engine.receivable()) {
    auto w = std::move(q->waiters.front());
    q->waiters.pop_front();
    if (w->finished) continue;
    w->finished = true;
    w->deadline->cancel();
    deliverLocked(q, now, w->max, w->visibilityTimeout, std::move(w->done), {}, deferred);
  }
}

void armTimerLocked(const QueuePtr& q, int64_t now) {
  if (q->waiters.empty() && q->watchers.empty()) return;
  int64_t at = q->engine.nextChangeAtMs();
  if (at == kNever || at >= q->timerAtMs) return;
  q->timerAtMs = at;
  uint64_t generation = ++q->timerGeneration;
  q->timer.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, at - now)));
  q->timer.async_wait([weak = std::weak_ptr<Queue>(q), generation](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    auto q = weak.lock();
    if (!q) return;
    Deferred deferred;
    {
      std::lock_guard lock(q->mutex);
      if (q->deleted || generation != q->timerGeneration) return;
      q->timerAtMs = kNever;
      int64_t now = nowMs();
      store::SqsWrite expired;
      advanceLocked(*q, now, expired);
      if (!expired.empty()) commit(*q, std::move(expired), [](std::string) {});
      afterChangeLocked(q, now, deferred);
    }
    runDeferred(deferred);
  });
}

// After anything that may have made messages receivable: answers waiting receives, tells
// watchers, and sets the timer for the next message to become visible.
void afterChangeLocked(const QueuePtr& q, int64_t now, Deferred& deferred) {
  serveWaitersLocked(q, now, deferred);
  if (q->engine.receivable()) {
    for (const auto& [id, watcher] : q->watchers) post(q->io, watcher);
  }
  armTimerLocked(q, now);
}

// Answers every waiting receive with no messages (the queue is gone, or nimbus stops).
void releaseWaitersLocked(Queue& q) {
  for (auto& w : q.waiters) {
    if (w->finished) continue;
    w->finished = true;
    w->deadline->cancel();
    post(q.io, [done = std::move(w->done)] { done(std::vector<Delivery>{}); });
  }
  q.waiters.clear();
}

template <typename T>
void fail(asio::io_context& io, std::function<void(Result<T>)> done, SqsError error) {
  post(io,
       [done = std::move(done), error = std::move(error)]() mutable { done(std::move(error)); });
}

void failDone(asio::io_context& io, SqsService::Done done, std::optional<SqsError> error) {
  post(io,
       [done = std::move(done), error = std::move(error)]() mutable { done(std::move(error)); });
}

}  // namespace

SqsService::SqsService(asio::io_context& io, store::Store& store, SqsSettings settings)
    : settings_(std::move(settings)), shared_(std::make_shared<Shared>(io, store)) {}

SqsService::~SqsService() {
  stop();
}

std::string SqsService::queueArn(std::string_view name) const {
  return fmt::format("arn:aws:sqs:{}:{}:{}", settings_.region, settings_.accountId, name);
}

std::string SqsService::queueName(std::string_view s) {
  if (s.rfind("arn:", 0) == 0) {
    auto colon = s.rfind(':');
    return std::string(s.substr(colon + 1));
  }
  if (auto q = s.find('?'); q != std::string_view::npos) s = s.substr(0, q);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  auto slash = s.rfind('/');
  return std::string(slash == std::string_view::npos ? s : s.substr(slash + 1));
}

std::shared_ptr<SqsService::Queue> SqsService::find(std::string_view name) const {
  std::shared_lock lock(shared_->registryMutex);
  auto it = shared_->queues.find(name);
  return it == shared_->queues.end() ? nullptr : it->second;
}

bool SqsService::hasQueue(std::string_view name) const {
  return find(name) != nullptr;
}

std::vector<std::string> SqsService::load() {
  std::vector<std::string> warnings;
  auto& s = *shared_;
  std::unordered_map<int64_t, QueuePtr> byId;
  int64_t maxQueueId = 0;
  for (auto& row : s.store.sqsQueues()) {
    maxQueueId = std::max(maxQueueId, row.id);
    QueueConfig config;
    if (!decodeDefinition(row.definition, config)) {
      warnings.push_back(
          fmt::format("SQS queue {}: its stored definition cannot be read; it is "
                      "left out",
                      row.name));
      continue;
    }
    config.id = row.id;
    config.name = row.name;
    auto q = std::make_shared<Queue>(s.io, s.store, shared_, std::move(config), queueArn(row.name));
    byId[row.id] = q;
    s.queues[row.name] = q;
  }
  int64_t now = nowMs();
  int64_t maxSeq = 0;
  store::SqsWrite orphans;
  size_t unreadable = 0;
  s.store.readSqsMessages([&](store::SqsMessageRow&& row) {
    maxSeq = std::max(maxSeq, row.seq);
    auto it = byId.find(row.queueId);
    if (it == byId.end()) {
      // Moved into a dead-letter queue that was deleted meanwhile.
      orphans.deletes.push_back(row.seq);
      return;
    }
    auto content = std::make_shared<MessageContent>();
    if (!decodeAttributes(row.attributes, *content)) {
      ++unreadable;
      return;
    }
    content->messageId = std::move(row.messageId);
    content->body = std::move(row.body);
    content->groupId = std::move(row.groupId);
    content->dedupId = std::move(row.dedupId);
    content->sentAtMs = row.sentAtMs;
    content->computeDigests();
    QueuedMessage m;
    m.seq = row.seq;
    m.content = std::move(content);
    m.visibleAtMs = row.visibleAtMs;
    m.receiveCount = row.receiveCount;
    m.firstReceiveAtMs = row.firstReceiveAtMs;
    m.receipt = row.receipt;
    it->second->engine.restore(std::move(m), now);
  });
  if (unreadable) {
    warnings.push_back(
        fmt::format("{} stored SQS messages cannot be read; they are left out", unreadable));
  }
  if (!orphans.empty()) s.store.writeSqsMessages(std::move(orphans), [](std::string) {});
  s.nextSeq = maxSeq + 1;
  s.nextQueueId = maxQueueId + 1;
  return warnings;
}

void SqsService::stop() {
  if (shared_->stopped.exchange(true)) return;
  std::vector<QueuePtr> queues;
  {
    std::shared_lock lock(shared_->registryMutex);
    for (const auto& [name, q] : shared_->queues) queues.push_back(q);
  }
  for (const auto& q : queues) {
    std::lock_guard lock(q->mutex);
    releaseWaitersLocked(*q);
    q->watchers.clear();
    q->timer.cancel();
    ++q->timerGeneration;
  }
}

void SqsService::createQueue(const std::string& name,
                             const std::map<std::string, std::string>& attributes,
                             const std::map<std::string, std::string>& tags, Done done) {
  auto& s = *shared_;
  if (s.stopped) return failDone(s.io, std::move(done), internalError("stopping"));
  bool fifo = false;
  if (auto it = attributes.find("FifoQueue"); it != attributes.end()) {
    fifo = it->second == "true" || it->second == "True" || it->second == "TRUE";
  }
  if (auto error = checkQueueName(name, fifo)) return failDone(s.io, std::move(done), error);
  if (tags.size() > kMaxTags) {
    return failDone(s.io, std::move(done),
                    SqsError{ErrorCode::kInvalidParameterValue,
                             fmt::format("Too many tags added for queue {}.", name)});
  }

  // An existing queue answers CreateQueue when the attributes asked for are the ones it has.
  auto compareWith = [&](const QueuePtr& existing) -> std::optional<SqsError> {
    std::lock_guard lock(existing->mutex);
    QueueConfig asked = existing->config;
    if (auto error = applyAttributes(asked, attributes, true)) return error;
    for (const auto& [key, value] : attributes) {
      auto mine = existing->config.attributes.find(key);
      auto theirs = asked.attributes.find(key);
      bool same =
          (mine == existing->config.attributes.end()) == (theirs == asked.attributes.end()) &&
          (mine == existing->config.attributes.end() || mine->second == theirs->second);
      if (!same) {
        return SqsError{ErrorCode::kQueueNameExists,
                        fmt::format("A queue already exists with the same name and a different "
                                    "value for attribute {}",
                                    key)};
      }
    }
    return std::nullopt;
  };
  if (auto existing = find(name)) return failDone(s.io, std::move(done), compareWith(existing));

  int64_t now = nowMs();
  QueueConfig config = defaultQueueConfig(name, fifo, now / 1000);
  if (auto error = applyAttributes(config, attributes, true)) {
    return failDone(s.io, std::move(done), error);
  }
  if (config.redrivePolicy && !hasQueue(queueName(config.redrivePolicy->deadLetterTargetArn))) {
    return failDone(s.io, std::move(done),
                    SqsError{ErrorCode::kInvalidParameterValue,
                             fmt::format("Value {} for parameter RedrivePolicy is invalid. Reason: "
                                         "Dead letter target does not exist.",
                                         config.attributes["RedrivePolicy"])});
  }
  config.tags = tags;
  config.id = s.nextQueueId.fetch_add(1);
  store::SqsQueueRow row{config.id, name, encodeDefinition(config)};
  auto q = std::make_shared<Queue>(s.io, s.store, shared_, std::move(config), queueArn(name));
  QueuePtr raced;
  {
    std::unique_lock lock(s.registryMutex);
    auto [it, added] = s.queues.emplace(name, q);
    if (!added) {
      raced = it->second;
    } else {
      // Submitted under the registry lock: any write to the new queue comes after it.
      s.store.putSqsQueue(std::move(row), [&io = s.io, done](std::string error) mutable {
        std::optional<SqsError> result;
        if (!error.empty()) result = internalError(error);
        failDone(io, std::move(done), std::move(result));
      });
    }
  }
  if (raced) failDone(s.io, std::move(done), compareWith(raced));
}

void SqsService::deleteQueue(const std::string& name, Done done) {
  auto& s = *shared_;
  QueuePtr q;
  {
    std::unique_lock lock(s.registryMutex);
    auto it = s.queues.find(name);
    if (it == s.queues.end()) return failDone(s.io, std::move(done), queueDoesNotExist());
    q = it->second;
    s.queues.erase(it);
    // Under the registry lock, so that a new queue of the same name is stored after it.
    s.store.deleteSqsQueue(q->id, [&io = s.io, done](std::string error) mutable {
      std::optional<SqsError> result;
      if (!error.empty()) result = internalError(error);
      failDone(io, std::move(done), std::move(result));
    });
  }
  std::lock_guard lock(q->mutex);
  q->deleted = true;
  releaseWaitersLocked(*q);
  q->watchers.clear();
  q->timer.cancel();
  ++q->timerGeneration;
}

std::vector<std::string> SqsService::listQueues(std::string_view prefix) const {
  std::vector<std::string> names;
  std::shared_lock lock(shared_->registryMutex);
  for (auto it = shared_->queues.lower_bound(prefix); it != shared_->queues.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    names.push_back(it->first);
  }
  return names;
}

Result<QueueSnapshot> SqsService::describeQueue(std::string_view name) const {
  auto q = find(name);
  if (!q) return queueDoesNotExist();
  std::lock_guard lock(q->mutex);
  if (q->deleted) return queueDoesNotExist();
  store::SqsWrite expired;
  advanceLocked(*q, nowMs(), expired);
  if (!expired.empty()) commit(*q, std::move(expired), [](std::string) {});
  return QueueSnapshot{q->config, q->engine.counts(), q->arn};
}

void SqsService::setQueueAttributes(const std::string& name,
                                    const std::map<std::string, std::string>& attributes,
                                    Done done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return failDone(s.io, std::move(done), queueDoesNotExist());
  std::lock_guard lock(q->mutex);
  if (q->deleted) return failDone(s.io, std::move(done), queueDoesNotExist());
  QueueConfig next = q->config;
  if (auto error = applyAttributes(next, attributes, false)) {
    return failDone(s.io, std::move(done), error);
  }
  if (attributes.contains("RedrivePolicy") && next.redrivePolicy &&
      !hasQueue(queueName(next.redrivePolicy->deadLetterTargetArn))) {
    return failDone(s.io, std::move(done),
                    SqsError{ErrorCode::kInvalidParameterValue,
                             fmt::format("Value {} for parameter RedrivePolicy is invalid. Reason: "
                                         "Dead letter target does not exist.",
                                         attributes.at("RedrivePolicy"))});
  }
  next.lastModifiedAtS = nowMs() / 1000;
  q->config = std::move(next);
  q->engine.setDedupPerGroup(q->config.dedupPerGroup);
  s.store.putSqsQueue({q->id, q->config.name, encodeDefinition(q->config)},
                      [&io = s.io, done](std::string error) mutable {
                        std::optional<SqsError> result;
                        if (!error.empty()) result = internalError(error);
                        failDone(io, std::move(done), std::move(result));
                      });
}

void SqsService::tagQueue(const std::string& name, const std::map<std::string, std::string>& tags,
                          Done done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return failDone(s.io, std::move(done), queueDoesNotExist());
  std::lock_guard lock(q->mutex);
  if (q->deleted) return failDone(s.io, std::move(done), queueDoesNotExist());
  auto next = q->config.tags;
  for (const auto& [k, v] : tags) next[k] = v;
  if (next.size() > kMaxTags) {
    return failDone(s.io, std::move(done),
                    SqsError{ErrorCode::kInvalidParameterValue,
                             fmt::format("Too many tags added for queue {}.", name)});
  }
  q->config.tags = std::move(next);
  s.store.putSqsQueue({q->id, q->config.name, encodeDefinition(q->config)},
                      [&io = s.io, done](std::string error) mutable {
                        std::optional<SqsError> result;
                        if (!error.empty()) result = internalError(error);
                        failDone(io, std::move(done), std::move(result));
                      });
}

void SqsService::untagQueue(const std::string& name, const std::vector<std::string>& keys,
                            Done done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return failDone(s.io, std::move(done), queueDoesNotExist());
  std::lock_guard lock(q->mutex);
  if (q->deleted) return failDone(s.io, std::move(done), queueDoesNotExist());
  for (const auto& k : keys) q->config.tags.erase(k);
  s.store.putSqsQueue({q->id, q->config.name, encodeDefinition(q->config)},
                      [&io = s.io, done](std::string error) mutable {
                        std::optional<SqsError> result;
                        if (!error.empty()) result = internalError(error);
                        failDone(io, std::move(done), std::move(result));
                      });
}

void SqsService::purgeQueue(const std::string& name, Done done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return failDone(s.io, std::move(done), queueDoesNotExist());
  std::lock_guard lock(q->mutex);
  if (q->deleted) return failDone(s.io, std::move(done), queueDoesNotExist());
  store::SqsWrite write;
  write.purgeQueueId = q->id;
  write.purgeThroughSeq = q->engine.purge();
  commit(*q, std::move(write), [done = std::move(done)](std::string error) mutable {
    std::optional<SqsError> result;
    if (!error.empty()) result = internalError(error);
    done(std::move(result));
  });
}

void SqsService::send(const std::string& name, std::vector<OutgoingMessage> messages,
                      std::function<void(Result<std::vector<Result<SentMessage>>>)> done) {
  auto& s = *shared_;
  if (s.stopped) return fail(s.io, std::move(done), internalError("stopping"));
  auto q = find(name);
  if (!q) return fail(s.io, std::move(done), queueDoesNotExist());
  std::vector<Result<SentMessage>> results;
  results.reserve(messages.size());
  store::SqsWrite write;
  std::vector<int64_t> added;
  Deferred deferred;
  size_t sentCount = 0;
  size_t sentBytes = 0;
  {
    std::lock_guard lock(q->mutex);
    if (q->deleted) return fail(s.io, std::move(done), queueDoesNotExist());
    const QueueConfig& config = q->config;
    int64_t now = nowMs();
    advanceLocked(*q, now, write);
    bool anyAccepted = false;
    for (auto& m : messages) {
      if (auto error = checkOutgoingMessage(m, config)) {
        results.emplace_back(std::move(*error));
        continue;
      }
      anyAccepted = true;
      ++sentCount;
      sentBytes += m.body.size();
      for (const auto& a : m.attributes)
        sentBytes += a.name.size() + a.dataType.size() + a.value.size();
      auto content = std::make_shared<MessageContent>();
      content->messageId = newUuid();
      content->body = std::move(m.body);
      content->attributes = std::move(m.attributes);
      sortAttributes(content->attributes);
      content->systemAttributes = std::move(m.systemAttributes);
      sortAttributes(content->systemAttributes);
      content->senderId = m.senderId.empty() ? settings_.accountId : std::move(m.senderId);
      content->groupId = std::move(m.groupId);
      content->sentAtMs = now;
      if (config.fifo) {
        // Content-based deduplication uses the SHA-256 of the body.
        content->dedupId = m.dedupId.empty() ? hexEncode(sha256(content->body)) : m.dedupId;
      }
      content->computeDigests();
      int64_t seq = s.nextSeq.fetch_add(1);
      if (config.fifo) content->sequenceNumber = fmt::format("{:020}", seq);
      int delay = config.fifo ? config.delaySeconds : m.delaySeconds.value_or(config.delaySeconds);
      SentMessage sent{content->messageId, content->md5OfBody, content->md5OfAttributes,
                       content->md5OfSystemAttributes, content->sequenceNumber};
      auto outcome = q->engine.send(seq, content, delay, now);
      if (outcome.duplicate) {
        // SQS accepts a duplicate and answers with the first message's id.
        sent.messageId = outcome.content->messageId;
        sent.sequenceNumber = outcome.content->sequenceNumber;
      } else {
        write.puts.push_back(rowOf(q->id, seq, *content, now + int64_t{delay} * 1000, 0, 0));
        added.push_back(seq);
      }
      results.emplace_back(std::move(sent));
    }
    if (!anyAccepted && write.empty()) {
      post(s.io, [done = std::move(done), results = std::move(results)]() mutable {
        done(std::move(results));
      });
      return;
    }
    // Even a batch of duplicates commits (an empty write): it is answered only after the
    // original's write, which went to the store before it.
    commit(*q, std::move(write),
           [q, done = std::move(done), results = std::move(results),
            added = std::move(added)](std::string error) mutable {
             if (!error.empty()) {
               {
                 std::lock_guard lock(q->mutex);
                 for (int64_t seq : added) q->engine.discard(seq);
               }
               return done(internalError(error));
             }
             done(std::move(results));
           });
    // Receivers are served now: their writes follow this one, so they are answered after it.
    afterChangeLocked(q, now, deferred);
  }
  runDeferred(deferred);
  if (metricSink_ && sentCount > 0) {
    metricSink_(name, "NumberOfMessagesSent", static_cast<double>(sentCount), "Count");
    metricSink_(name, "SentMessageSize", static_cast<double>(sentBytes) / sentCount, "Bytes");
  }
}

void SqsService::receive(const std::string& name, ReceiveOptions options,
                         std::function<void(Result<std::vector<Delivery>>)> done) {
  auto& s = *shared_;
  if (metricSink_) {
    done = [done = std::move(done), sink = metricSink_, name](Result<std::vector<Delivery>> r) {
      if (r.ok()) {
        size_t n = r.value().size();
        if (n > 0) {
          sink(name, "NumberOfMessagesReceived", static_cast<double>(n), "Count");
        } else {
          sink(name, "NumberOfEmptyReceives", 1, "Count");
        }
      }
      done(std::move(r));
    };
  }
  auto q = find(name);
  if (!q) return fail(s.io, std::move(done), queueDoesNotExist());
  Deferred deferred;
  {
    std::lock_guard lock(q->mutex);
    if (q->deleted) return fail(s.io, std::move(done), queueDoesNotExist());
    int64_t now = nowMs();
    store::SqsWrite write;
    advanceLocked(*q, now, write);
    int max = std::clamp(options.maxMessages, 1, kMaxBatchEntries);
    int visibility = options.visibilityTimeout.value_or(q->config.visibilityTimeout);
    int wait = options.waitTimeSeconds.value_or(q->config.receiveMessageWaitTimeSeconds);
    if (q->engine.receivable() || wait <= 0 || s.stopped) {
      deliverLocked(q, now, max, visibility, std::move(done), std::move(write), deferred);
    } else {
      if (!write.empty()) commit(*q, std::move(write), [](std::string) {});
      auto w = std::make_shared<Waiter>();
      w->max = max;
      w->visibilityTimeout = visibility;
      w->done = std::move(done);
      w->deadline = std::make_unique<asio::steady_timer>(s.io, std::chrono::seconds(wait));
      w->deadline->async_wait([weak = std::weak_ptr<Queue>(q), w](boost::system::error_code ec) {
        if (ec == asio::error::operation_aborted) return;
        auto q = weak.lock();
        if (!q) return;
        std::lock_guard lock(q->mutex);
        if (w->finished) return;
        w->finished = true;
        auto& waiters = q->waiters;
        waiters.erase(std::remove(waiters.begin(), waiters.end(), w), waiters.end());
        post(q->io, [done = std::move(w->done)] { done(std::vector<Delivery>{}); });
      });
      q->waiters.push_back(std::move(w));
      armTimerLocked(q, now);
    }
  }
  runDeferred(deferred);
}

void SqsService::deleteMessages(const std::string& name, std::vector<std::string> receiptHandles,
                                std::function<void(Result<EntryErrors>)> done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return fail(s.io, std::move(done), queueDoesNotExist());
  EntryErrors errors(receiptHandles.size());
  Deferred deferred;
  size_t deleted = 0;
  {
    std::lock_guard lock(q->mutex);
    if (q->deleted) return fail(s.io, std::move(done), queueDoesNotExist());
    int64_t now = nowMs();
    store::SqsWrite write;
    advanceLocked(*q, now, write);
    for (size_t i = 0; i < receiptHandles.size(); ++i) {
      const std::string& handle = receiptHandles[i];
      auto decoded = decodeReceiptHandle(handle);
      if (!decoded || decoded->queueId != q->id) {
        errors[i] = invalidHandle(handle);
        continue;
      }
      switch (q->engine.remove(decoded->ref, now)) {
        case QueueEngine::DeleteResult::kDeleted:
          write.deletes.push_back(decoded->ref.seq);
          ++deleted;
          break;
        case QueueEngine::DeleteResult::kIgnored:
          break;
        case QueueEngine::DeleteResult::kExpired:
          errors[i] = SqsError{ErrorCode::kInvalidParameterValue,
                               fmt::format("Value {} for parameter ReceiptHandle is invalid. "
                                           "Reason: The receipt handle has expired.",
                                           handle)};
          break;
      }
    }
    if (write.empty()) {
      post(s.io, [done = std::move(done), errors = std::move(errors)]() mutable {
        done(std::move(errors));
      });
    } else {
      commit(*q, std::move(write),
             [done = std::move(done), errors = std::move(errors)](std::string error) mutable {
               if (!error.empty()) return done(internalError(error));
               done(std::move(errors));
             });
    }
    // A FIFO group whose in-flight messages are deleted delivers its next one.
    if (q->engine.fifo()) afterChangeLocked(q, now, deferred);
  }
  if (metricSink_ && deleted > 0) {
    metricSink_(name, "NumberOfMessagesDeleted", static_cast<double>(deleted), "Count");
  }
  runDeferred(deferred);
}

void SqsService::changeVisibility(const std::string& name,
                                  std::vector<std::pair<std::string, int>> handlesAndSeconds,
                                  std::function<void(Result<EntryErrors>)> done) {
  auto& s = *shared_;
  auto q = find(name);
  if (!q) return fail(s.io, std::move(done), queueDoesNotExist());
  EntryErrors errors(handlesAndSeconds.size());
  Deferred deferred;
  {
    std::lock_guard lock(q->mutex);
    if (q->deleted) return fail(s.io, std::move(done), queueDoesNotExist());
    int64_t now = nowMs();
    store::SqsWrite write;
    advanceLocked(*q, now, write);
    for (size_t i = 0; i < handlesAndSeconds.size(); ++i) {
      const auto& [handle, seconds] = handlesAndSeconds[i];
      if (seconds < 0 || seconds > kMaxVisibilityTimeout) {
        errors[i] = SqsError{ErrorCode::kInvalidParameterValue,
                             fmt::format("Value {} for parameter VisibilityTimeout is invalid. "
                                         "Reason: Must be between 0 and 43200, if provided.",
                                         seconds)};
        continue;
      }
      auto decoded = decodeReceiptHandle(handle);
      if (!decoded || decoded->queueId != q->id) {
        errors[i] = invalidHandle(handle);
        continue;
      }
      switch (q->engine.changeVisibility(decoded->ref, seconds, now)) {
        case QueueEngine::VisibilityResult::kChanged: {
          const QueuedMessage* m = q->engine.find(decoded->ref.seq);
          write.updates.push_back(
              {m->seq, m->visibleAtMs, m->receiveCount, m->firstReceiveAtMs, m->receipt});
          break;
        }
        case QueueEngine::VisibilityResult::kNotInFlight:
          errors[i] = SqsError{ErrorCode::kMessageNotInflight, "Message is not in flight."};
          break;
        case QueueEngine::VisibilityResult::kUnknown:
          errors[i] = SqsError{ErrorCode::kInvalidParameterValue,
                               fmt::format("Value {} for parameter ReceiptHandle is invalid. "
                                           "Reason: Message does not exist or is not available "
                                           "for visibility timeout change.",
                                           handle)};
          break;
      }
    }
    if (write.empty()) {
      post(s.io, [done = std::move(done), errors = std::move(errors)]() mutable {
        done(std::move(errors));
      });
    } else {
      commit(*q, std::move(write),
             [done = std::move(done), errors = std::move(errors)](std::string error) mutable {
               if (!error.empty()) return done(internalError(error));
               done(std::move(errors));
             });
    }
    afterChangeLocked(q, now, deferred);
  }
  runDeferred(deferred);
}

uint64_t SqsService::watch(const std::string& name, std::function<void()> onReceivable) {
  auto q = find(name);
  if (!q) return 0;
  uint64_t id = shared_->nextWatchId.fetch_add(1);
  std::lock_guard lock(q->mutex);
  if (q->deleted) return 0;
  q->watchers.emplace(id, onReceivable);
  int64_t now = nowMs();
  store::SqsWrite expired;
  advanceLocked(*q, now, expired);
  if (!expired.empty()) commit(*q, std::move(expired), [](std::string) {});
  if (q->engine.receivable()) post(q->io, std::move(onReceivable));
  armTimerLocked(q, now);
  return id;
}

void SqsService::unwatch(const std::string& name, uint64_t watchId) {
  auto q = find(name);
  if (!q) return;
  std::lock_guard lock(q->mutex);
  q->watchers.erase(watchId);
}

}  // namespace nimbus::aws::sqs
