#include "aws/sqs/queue_engine.h"

#include <algorithm>

namespace nimbus::aws::sqs {

QueueEngine::QueueEngine(Options options) : options_(options), random_(std::random_device{}()) {}

int64_t QueueEngine::newReceipt() {
  int64_t r = 0;
  while (r == 0) r = static_cast<int64_t>(random_() >> 1);
  return r;
}

const QueuedMessage* QueueEngine::find(int64_t seq) const {
  auto it = messages_.find(seq);
  return it == messages_.end() ? nullptr : &it->second;
}

void QueueEngine::setState(QueuedMessage& m, State state) {
  auto count = [this](State s) -> size_t& {
    switch (s) {
      case State::kDelayed:
        return counts_.delayed;
      case State::kInFlight:
        return counts_.inFlight;
      case State::kVisible:
        break;
    }
    return counts_.visible;
  };
  if (m.state == state) return;
  --count(m.state);
  ++count(state);
  if (options_.fifo) {
    Group& g = groups_[m.content->groupId];
    if (m.state == State::kInFlight) --g.inFlight;
    if (state == State::kInFlight) ++g.inFlight;
  } else {
    if (m.state == State::kVisible) visible_.erase(m.seq);
    if (state == State::kVisible) visible_.insert(m.seq);
  }
  m.state = state;
}

void QueueEngine::compact() {
  // Stale entries are dropped when they reach the top; these rebuilds bound the rest to a
  // multiple of the live messages, at a cost spread over the operations that made them stale.
  if (bySentAt_.size() > 2 * messages_.size() + 1024) {
    std::vector<Timed> live;
    live.reserve(messages_.size());
    for (const auto& [seq, m] : messages_) live.push_back({m.content->sentAtMs, seq});
    bySentAt_ = decltype(bySentAt_)(std::greater<>(), std::move(live));
  }
  if (timed_.size() > 2 * messages_.size() + 1024) {
    std::vector<Timed> live;
    for (const auto& [seq, m] : messages_) {
      if (m.state != State::kVisible) live.push_back({m.visibleAtMs, seq});
    }
    timed_ = decltype(timed_)(std::greater<>(), std::move(live));
  }
}

void QueueEngine::insert(QueuedMessage message) {
  compact();
  int64_t seq = message.seq;
  State state = message.state;
  bySentAt_.push({message.content->sentAtMs, seq});
  auto [it, added] = messages_.emplace(seq, std::move(message));
  if (!added) return;  // Seqs are unique; a repeat is a caller's bug and changes nothing.
  QueuedMessage& m = it->second;
  // Counted as visible, then moved to its real state through setState's bookkeeping.
  m.state = State::kVisible;
  ++counts_.visible;
  if (options_.fifo) {
    groups_[m.content->groupId].seqs.insert(seq);
  } else {
    visible_.insert(seq);
  }
  setState(m, state);
  if (state != State::kVisible) schedule(m);
  if (options_.fifo) refreshGroup(m.content->groupId);
}

void QueueEngine::erase(std::unordered_map<int64_t, QueuedMessage>::iterator it) {
  QueuedMessage& m = it->second;
  setState(m, State::kVisible);
  --counts_.visible;
  if (options_.fifo) {
    std::string groupId = m.content->groupId;
    groups_[groupId].seqs.erase(m.seq);
    messages_.erase(it);
    refreshGroup(groupId);
  } else {
    visible_.erase(m.seq);
    messages_.erase(it);
  }
}

void QueueEngine::refreshGroup(const std::string& groupId) {
  auto git = groups_.find(groupId);
  if (git == groups_.end()) return;
  Group& g = git->second;
  bool ready =
      g.inFlight == 0 && !g.seqs.empty() && messages_.at(*g.seqs.begin()).state == State::kVisible;
  int64_t head = g.seqs.empty() ? 0 : *g.seqs.begin();
  if (g.readyHead != 0 && (!ready || g.readyHead != head)) {
    ready_.erase({g.readyHead, groupId});
    g.readyHead = 0;
  }
  if (ready && g.readyHead == 0) {
    ready_.insert({head, groupId});
    g.readyHead = head;
  }
  if (g.seqs.empty()) groups_.erase(git);
}

QueueEngine::SendOutcome QueueEngine::send(int64_t seq, MessageContentPtr content, int delaySeconds,
                                           int64_t nowMs) {
  if (options_.fifo && !content->dedupId.empty()) {
    while (!dedupExpiry_.empty() && dedupExpiry_.front().first <= nowMs) {
      auto it = dedup_.find(dedupExpiry_.front().second);
      if (it != dedup_.end() && it->second.first == dedupExpiry_.front().first) dedup_.erase(it);
      dedupExpiry_.pop_front();
    }
    std::string key =
        options_.dedupPerGroup ? content->groupId + '\x1f' + content->dedupId : content->dedupId;
    auto it = dedup_.find(key);
    if (it != dedup_.end() && it->second.first > nowMs) {
      return {true, it->second.second};
    }
    int64_t expiry = nowMs + kDeduplicationWindowMs;
    dedup_[key] = {expiry, content};
    dedupExpiry_.push_back({expiry, std::move(key)});
  }
  QueuedMessage m;
  m.seq = seq;
  m.content = content;
  m.state = delaySeconds > 0 ? State::kDelayed : State::kVisible;
  m.visibleAtMs = nowMs + int64_t{delaySeconds} * 1000;
  insert(std::move(m));
  return {false, std::move(content)};
}

void QueueEngine::restore(QueuedMessage message, int64_t nowMs) {
  if (message.visibleAtMs > nowMs) {
    message.state = message.receiveCount > 0 ? State::kInFlight : State::kDelayed;
  } else {
    message.state = State::kVisible;
  }
  const MessageContent& c = *message.content;
  if (options_.fifo && !c.dedupId.empty() && c.sentAtMs + kDeduplicationWindowMs > nowMs) {
    std::string key = options_.dedupPerGroup ? c.groupId + '\x1f' + c.dedupId : c.dedupId;
    int64_t expiry = c.sentAtMs + kDeduplicationWindowMs;
    dedup_[key] = {expiry, message.content};
    // Restored in seq order, which is send order: expiries stay sorted.
    dedupExpiry_.push_back({expiry, std::move(key)});
  }
  insert(std::move(message));
}

void QueueEngine::addMoved(int64_t seq, MessageContentPtr content, int receiveCount,
                           int64_t firstReceiveAtMs) {
  QueuedMessage m;
  m.seq = seq;
  m.content = std::move(content);
  m.state = State::kVisible;
  m.receiveCount = receiveCount;
  m.firstReceiveAtMs = firstReceiveAtMs;
  insert(std::move(m));
}

void QueueEngine::advance(int64_t nowMs, int64_t retentionMs, std::vector<int64_t>& expired) {
  while (!timed_.empty() && timed_.top().first <= nowMs) {
    auto [at, seq] = timed_.top();
    timed_.pop();
    auto it = messages_.find(seq);
    if (it == messages_.end()) continue;
    QueuedMessage& m = it->second;
    if (m.state == State::kVisible || m.visibleAtMs != at) continue;  // Stale entry.
    setState(m, State::kVisible);
    if (options_.fifo) refreshGroup(m.content->groupId);
  }
  while (!bySentAt_.empty() && bySentAt_.top().first + retentionMs <= nowMs) {
    int64_t seq = bySentAt_.top().second;
    bySentAt_.pop();
    auto it = messages_.find(seq);
    if (it == messages_.end()) continue;
    expired.push_back(seq);
    erase(it);
  }
}

bool QueueEngine::receivable() const {
  return options_.fifo ? !ready_.empty() : !visible_.empty();
}

void QueueEngine::receive(int64_t nowMs, int max, int visibilityTimeoutS, int maxReceiveCount,
                          std::vector<ReceivedMessage>& out,
                          std::vector<QueuedMessage>& deadLetters) {
  size_t limit = out.size() + static_cast<size_t>(std::max(max, 0));
  // Delivers `m` or, past maxReceiveCount, moves it out. Returns false when it was moved out.
  auto take = [&](std::unordered_map<int64_t, QueuedMessage>::iterator it) {
    QueuedMessage& m = it->second;
    if (maxReceiveCount > 0 && m.receiveCount >= maxReceiveCount) {
      deadLetters.push_back(m);
      erase(it);
      return false;
    }
    ++m.receiveCount;
    if (m.firstReceiveAtMs == 0) m.firstReceiveAtMs = nowMs;
    m.receipt = newReceipt();
    m.visibleAtMs = nowMs + int64_t{visibilityTimeoutS} * 1000;
    setState(m, State::kInFlight);
    schedule(m);
    compact();
    out.push_back(ReceivedMessage{m.seq, m.content, m.receipt, m.receiveCount, m.firstReceiveAtMs,
                                  m.visibleAtMs});
    return true;
  };

  if (!options_.fifo) {
    auto next = visible_.begin();
    while (out.size() < limit && next != visible_.end()) {
      int64_t seq = *next++;
      take(messages_.find(seq));
    }
    return;
  }
  // FIFO: SQS returns as many messages of one group as it can before moving to the next, and
  // a group whose messages are in flight delivers nothing until they are deleted or visible.
  while (out.size() < limit && !ready_.empty()) {
    std::string groupId = ready_.begin()->second;
    // Walks the group in send order from its head; taking a message may move it out (and
    // erase the group with its last message), so the walk looks the group up at every step.
    int64_t last = 0;
    while (out.size() < limit) {
      auto git = groups_.find(groupId);
      if (git == groups_.end()) break;
      auto next = git->second.seqs.upper_bound(last);
      if (next == git->second.seqs.end()) break;
      last = *next;
      auto it = messages_.find(last);
      if (it->second.state != State::kVisible) break;
      take(it);
    }
    refreshGroup(groupId);
  }
}

QueueEngine::DeleteResult QueueEngine::remove(ReceiptRef ref, int64_t nowMs) {
  auto it = messages_.find(ref.seq);
  if (it == messages_.end() || it->second.receipt == 0 || it->second.receipt != ref.receipt) {
    return DeleteResult::kIgnored;
  }
  const QueuedMessage& m = it->second;
  if (options_.fifo && (m.state != State::kInFlight || m.visibleAtMs <= nowMs)) {
    return DeleteResult::kExpired;
  }
  erase(it);
  return DeleteResult::kDeleted;
}

QueueEngine::VisibilityResult QueueEngine::changeVisibility(ReceiptRef ref, int timeoutS,
                                                            int64_t nowMs) {
  auto it = messages_.find(ref.seq);
  if (it == messages_.end() || it->second.receipt == 0 || it->second.receipt != ref.receipt) {
    return VisibilityResult::kUnknown;
  }
  QueuedMessage& m = it->second;
  if (m.state != State::kInFlight || m.visibleAtMs <= nowMs) return VisibilityResult::kNotInFlight;
  m.visibleAtMs = nowMs + int64_t{timeoutS} * 1000;
  if (timeoutS == 0) {
    setState(m, State::kVisible);
    if (options_.fifo) refreshGroup(m.content->groupId);
  } else {
    schedule(m);
  }
  return VisibilityResult::kChanged;
}

bool QueueEngine::discard(int64_t seq) {
  auto it = messages_.find(seq);
  if (it == messages_.end()) return false;
  erase(it);
  return true;
}

int64_t QueueEngine::purge() {
  int64_t highest = 0;
  for (const auto& [seq, m] : messages_) highest = std::max(highest, seq);
  messages_.clear();
  visible_.clear();
  groups_.clear();
  ready_.clear();
  timed_ = {};
  bySentAt_ = {};
  counts_ = {};
  return highest;
}

int64_t QueueEngine::nextChangeAtMs() {
  while (!timed_.empty()) {
    auto [at, seq] = timed_.top();
    auto it = messages_.find(seq);
    if (it != messages_.end() && it->second.state != State::kVisible &&
        it->second.visibleAtMs == at) {
      return at;
    }
    timed_.pop();
  }
  return kNever;
}

}  // namespace nimbus::aws::sqs
