#include "aws/scheduler/schedule_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <map>
#include <mutex>
#include <random>

#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::scheduler {

namespace asio = boost::asio;

namespace {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();

std::string lastFiredJson(int64_t ms) {
  return fmt::format(R"({{"lastFiredMs":{}}})", ms);
}

std::optional<int64_t> parseLastFired(const std::string& json) {
  const size_t colon = json.find(':');
  if (colon == std::string::npos) return std::nullopt;
  int64_t value = 0;
  const char* begin = json.data() + colon + 1;
  const char* end = json.data() + json.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  return value;
}

}  // namespace

// Handlers on the io_context and the store's callbacks hold a weak_ptr to the State, never the
// runner: a firing whose record commits after the runner is gone does nothing.
struct ScheduleRunner::State : std::enable_shared_from_this<State> {
  struct Entry {
    uint64_t id = 0;  // New for each key added, so that a removed and re-added key is new.
    std::optional<RunnerSchedule> schedule;
    FireFn fire;
    CompleteFn complete;
    int64_t cursorMs = kMinTime;         // Scheduled times at or before this are done.
    std::optional<int64_t> lastFiredMs;  // As stored.
    std::optional<int64_t> nextMs;
    std::unique_ptr<asio::steady_timer> timer;
    uint64_t generation = 0;  // Of the armed timer; a handler of an older one does nothing.
    bool writing = false;     // A firing's record is being committed.
  };
  using After = std::vector<std::function<void()>>;

  State(asio::io_context& i, store::Store& s, std::string k, Clock c)
      : io(i), store(s), kind(std::move(k)), clock(std::move(c)) {}

  asio::io_context& io;
  store::Store& store;
  const std::string kind;
  const Clock clock;

  mutable std::mutex mutex;
  std::map<std::string, Entry> entries;
  std::map<std::string, int64_t> stored;  // Last firings read at start.
  bool started = false;
  bool stopped = false;
  uint64_t lastId = 0;
  uint64_t lastGeneration = 0;
  std::mt19937_64 random{std::random_device{}()};

  // The first firing of `e` strictly after `afterMs`, within its start and end dates.
  static std::optional<int64_t> nextAfter(const Entry& e, int64_t afterMs) {
    const RunnerSchedule& s = *e.schedule;
    if (s.notBeforeMs != kMinTime) afterMs = std::max(afterMs, s.notBeforeMs - 1);
    auto next = s.expression.nextFireAfterMs(afterMs, s.anchorMs);
    if (!next || *next > s.notAfterMs) return std::nullopt;
    return next;
  }

  void armLocked(const std::string& key, Entry& e, After& after) {
    e.timer.reset();
    e.nextMs.reset();
    if (!started || stopped || e.writing) return;
    const RunnerSchedule& s = *e.schedule;
    const int64_t now = clock();
    auto first = nextAfter(e, e.cursorMs);
    if (!first) {
      // Complete once it has fired (now or before a restart) and nothing remains.
      if (e.lastFiredMs && e.complete) after.push_back(e.complete);
      return;
    }
    if (*first <= now) {
      // Due already: nimbus was down, or the key was just added with past firings. Only the
      // latest one young enough is delivered.
      const int64_t oldest = s.maxMissedAgeMs > 0 ? now - s.maxMissedAgeMs : now + 1;
      std::optional<int64_t> latest;
      int scanned = 0;
      for (auto f = nextAfter(e, std::max(e.cursorMs, oldest - 1)); f && *f <= now;
           f = nextAfter(e, *f)) {
        latest = f;
        if (++scanned > 1'000'000) break;
      }
      if (latest) return fireLocked(key, e, *latest);
      e.cursorMs = now;
      first = nextAfter(e, now);
      if (!first) {
        if (e.lastFiredMs && e.complete) after.push_back(e.complete);
        return;
      }
    }
    int64_t delay = *first - now;
    if (s.flexibleWindowMs > 0) {
      delay += std::uniform_int_distribution<int64_t>(0, s.flexibleWindowMs - 1)(random);
    }
    e.nextMs = first;
    e.generation = ++lastGeneration;
    e.timer = std::make_unique<asio::steady_timer>(io, std::chrono::milliseconds(delay));
    e.timer->async_wait([weak = weak_from_this(), key, generation = e.generation,
                         scheduled = *first](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->onTimer(key, generation, scheduled);
    });
  }

  void onTimer(const std::string& key, uint64_t generation, int64_t scheduledMs) {
    After after;
    {
      std::lock_guard lock(mutex);
      auto it = entries.find(key);
      if (it == entries.end() || it->second.generation != generation || stopped) return;
      Entry& e = it->second;
      e.timer.reset();
      // Early (the wall clock was set back): wait again for the same time.
      if (clock() < scheduledMs) {
        armLocked(key, e, after);
      } else {
        fireLocked(key, e, scheduledMs);
      }
    }
    for (auto& f : after) f();
  }

  // Writes `scheduledMs` as the key's last firing; the firing is handed off once it commits.
  void fireLocked(const std::string& key, Entry& e, int64_t scheduledMs) {
    e.cursorMs = scheduledMs;
    e.writing = true;
    e.nextMs = scheduledMs;
    store.putRecord({kind, key, lastFiredJson(scheduledMs)},
                    [weak = weak_from_this(), key, id = e.id, scheduledMs](std::string error) {
                      auto self = weak.lock();
                      if (!self) return;
                      asio::post(self->io, [weak, key, id, scheduledMs, error = std::move(error)] {
                        if (auto self = weak.lock()) self->written(key, id, scheduledMs, error);
                      });
                    });
  }

  void written(const std::string& key, uint64_t id, int64_t scheduledMs, const std::string& error) {
    FireFn fire;
    After after;
    {
      std::lock_guard lock(mutex);
      auto it = entries.find(key);
      if (it == entries.end() || it->second.id != id) return;  // Removed meanwhile.
      Entry& e = it->second;
      e.writing = false;
      if (error.empty()) {
        e.lastFiredMs = scheduledMs;
        fire = e.fire;
      } else {
        // Not durable, so not delivered: at most once.
        fmt::print(stderr, "warning: schedule {}: the firing of {} was not delivered: {}\n", key,
                   isoTimeMillis(WallTime(std::chrono::milliseconds(scheduledMs))), error);
      }
      armLocked(key, e, after);
    }
    if (fire) fire(scheduledMs);
    for (auto& f : after) f();
  }
};

ScheduleRunner::ScheduleRunner(asio::io_context& io, store::Store& store, std::string recordKind,
                               Clock clock)
    : state_(std::make_shared<State>(io, store, std::move(recordKind),
                                     clock ? std::move(clock) : Clock(&nowMs))) {}

ScheduleRunner::~ScheduleRunner() {
  stop();
}

void ScheduleRunner::start() {
  State::After after;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->started || state_->stopped) return;
    for (const auto& record : state_->store.records(state_->kind)) {
      if (auto ms = parseLastFired(record.value)) state_->stored[record.key] = *ms;
    }
    state_->started = true;
    for (auto& [key, e] : state_->entries) {
      if (auto it = state_->stored.find(key); it != state_->stored.end()) {
        e.lastFiredMs = it->second;
        e.cursorMs = std::max(e.cursorMs, it->second);
      }
      state_->armLocked(key, e, after);
    }
  }
  for (auto& f : after) f();
}

void ScheduleRunner::stop() {
  std::lock_guard lock(state_->mutex);
  state_->stopped = true;
  for (auto& [key, e] : state_->entries) {
    e.timer.reset();
    e.nextMs.reset();
  }
}

void ScheduleRunner::upsert(const std::string& key, RunnerSchedule schedule, FireFn fire,
                            CompleteFn complete) {
  State::After after;
  {
    std::lock_guard lock(state_->mutex);
    auto [it, added] = state_->entries.try_emplace(key);
    State::Entry& e = it->second;
    if (added) {
      e.id = ++state_->lastId;
      if (auto s = state_->stored.find(key); s != state_->stored.end()) {
        e.lastFiredMs = s->second;
        e.cursorMs = s->second;
      }
    }
    e.cursorMs =
        std::max(e.cursorMs, schedule.sinceMs == kMinTime ? kMinTime : schedule.sinceMs - 1);
    e.schedule.emplace(std::move(schedule));
    e.fire = std::move(fire);
    e.complete = std::move(complete);
    state_->armLocked(key, e, after);
  }
  for (auto& f : after) f();
}

void ScheduleRunner::upsert(const std::string& key, ScheduleExpression expression, int64_t anchorMs,
                            FireFn fire) {
  RunnerSchedule schedule(std::move(expression));
  schedule.anchorMs = anchorMs;
  schedule.sinceMs = anchorMs;
  upsert(key, std::move(schedule), std::move(fire));
}

void ScheduleRunner::remove(const std::string& key) {
  std::lock_guard lock(state_->mutex);
  state_->stored.erase(key);
  state_->entries.erase(key);
  state_->store.deleteRecord(state_->kind, key, [key](std::string error) {
    if (!error.empty()) {
      fmt::print(stderr, "warning: schedule {}: its last firing was not forgotten: {}\n", key,
                 error);
    }
  });
}

std::optional<int64_t> ScheduleRunner::nextFireMs(const std::string& key) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->entries.find(key);
  if (it == state_->entries.end()) return std::nullopt;
  return it->second.nextMs;
}

std::vector<std::string> ScheduleRunner::keys() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> out;
  for (const auto& [key, e] : state_->entries) out.push_back(key);
  return out;
}

}  // namespace nimbus::aws::scheduler
