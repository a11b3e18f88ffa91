#include "lambda/stream_poller.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/ids.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "lambda/event_filter.h"
#include "lambda/stream_checkpoints.h"
#include "lambda/stream_source.h"

namespace nimbus::lambda {

namespace {

// How many records one pass reads from the stream while looking for records the filters let
// through, before it lets other work run.
constexpr size_t kMaxScanPerPass = 10000;

// "2019-11-14T00:13:19Z": the arrival times of a discarded batch's description, to the second.
std::string isoSeconds(int64_t epochMs) {
  std::string text = isoTimeMillis(WallTime(std::chrono::milliseconds(epochMs)));
  return text.substr(0, 19) + "Z";
}

// What a function's answer says of the batch. With ReportBatchItemFailures the function names
// failed records by SequenceNumber; Lambda reads an empty or null list, or no list, as success,
// and anything it cannot read (an identifier that is missing, empty or not in the batch) as the
// whole batch failing.
struct BatchOutcome {
  bool failed = false;
  size_t firstFailed = 0;  // Index in the batch of the record to retry from.
};

BatchOutcome readBatchResponse(const std::string& response,
                               const std::vector<StreamRecordData>& batch) {
  auto json = nlohmann::json::parse(response, nullptr, false);
  if (json.is_discarded()) return {true, 0};
  if (!json.is_object()) return {};
  auto list = json.find("batchItemFailures");
  if (list == json.end() || list->is_null()) return {};
  if (!list->is_array()) return {true, 0};
  if (list->empty()) return {};
  size_t first = batch.size();
  for (const auto& item : *list) {
    auto id = item.is_object() ? item.find("itemIdentifier") : item.end();
    if (!item.is_object() || id == item.end() || !id->is_string() ||
        id->get_ref<const std::string&>().empty()) {
      return {true, 0};
    }
    auto found = std::find_if(batch.begin(), batch.end(), [&](const StreamRecordData& r) {
      return r.sequenceNumber == id->get_ref<const std::string&>();
    });
    if (found == batch.end()) return {true, 0};
    first = std::min(first, static_cast<size_t>(found - batch.begin()));
  }
  return {true, first};
}

}  // namespace

std::string buildStreamEvent(const std::vector<StreamRecordData>& records,
                             const std::string& streamArn) {
  std::string event;
  event.reserve(64 + records.size() * 512);
  event += "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) event.push_back(',');
    // The record as GetRecords gives it, with the stream's ARN added as its last member.
    std::string_view json = records[i].json;
    size_t end = json.find_last_of('}');
    if (end == std::string_view::npos) {
      event += json;
      continue;
    }
    std::string_view head = json.substr(0, end);
    event += head;
    if (head.find_last_not_of(" \t\r\n") != head.find_last_of('{')) event.push_back(',');
    event += "\"eventSourceARN\":";
    appendJsonString(event, streamArn);
    event.push_back('}');
  }
  event += "]}";
  return event;
}

struct StreamPollerState : std::enable_shared_from_this<StreamPollerState> {
  StreamPollerState(boost::asio::io_context& io, StreamInvoke invoke, StreamSource& source,
                    StreamCheckpoints& checkpoints, DestinationSender onFailure,
                    EventSourceMapping mapping, std::string region, StreamPollerOptions options)
      : io(io),
        strand(boost::asio::make_strand(io)),
        timer(strand),
        invoke(std::move(invoke)),
        source(source),
        checkpoints(checkpoints),
        onFailure(std::move(onFailure)),
        mapping(std::move(mapping)),
        settings(this->mapping.stream.value_or(StreamMappingSettings())),
        region(std::move(region)),
        options(options) {
    auto compiled = EventFilters::compile(this->mapping.filterPatterns);
    if (auto* f = std::get_if<EventFilters>(&compiled)) filters = std::move(*f);
    limit = this->mapping.batchSize;
  }

  boost::asio::io_context& io;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  boost::asio::steady_timer timer;  // Used on the strand only.
  const StreamInvoke invoke;
  StreamSource& source;
  StreamCheckpoints& checkpoints;
  const DestinationSender onFailure;
  const EventSourceMapping mapping;
  const StreamMappingSettings settings;
  const std::string region;
  const StreamPollerOptions options;
  EventFilters filters;

  // Guarded by mutex: read from other threads.
  mutable std::mutex mutex;
  bool stopped = false;
  std::string lastProblem;  // Printed once, not on every retry.
  std::string lastResult = "No records processed";

  // The strand's own state.
  bool started = false;  // The position is known.
  std::string streamId;  // The stream the position is in.
  std::string shardId;
  int64_t position = 0;     // The next record to hand to the function.
  int attempts = 0;         // Failed invocations of the batch starting at `position`.
  int limit = 0;            // The batch size now (smaller while a bisected batch is retried).
  int64_t bisectEnd = -1;   // The last record of the batch that was bisected.
  int64_t windowEndMs = 0;  // When the batching window that is open closes (0: none).
  bool waitingForRecords = false;  // The timer waits for records; a signal cuts it short.
  uint64_t timerGeneration = 0;

  bool isStopped() const {
    std::lock_guard lock(mutex);
    return stopped;
  }

  void setResult(std::string result) {
    std::lock_guard lock(mutex);
    lastResult = std::move(result);
  }

  void report(const std::string& problem) {
    {
      std::lock_guard lock(mutex);
      if (problem == lastProblem) return;
      lastProblem = problem;
    }
    if (problem.empty()) return;
    std::fprintf(stderr, "event source %s -> %s: %s\n", mapping.eventSourceArn.c_str(),
                 mapping.functionName.c_str(), problem.c_str());
    std::fflush(stderr);
  }

  void post(std::function<void()> f) { boost::asio::post(strand, std::move(f)); }

  // Runs step() after `delay`, or sooner when records arrive if `forRecords`.
  void wait(std::chrono::milliseconds delay, bool forRecords) {
    waitingForRecords = forRecords;
    uint64_t generation = ++timerGeneration;
    timer.expires_after(delay);
    timer.async_wait(boost::asio::bind_executor(
        strand, [self = shared_from_this(), generation](boost::system::error_code) {
          if (generation != self->timerGeneration) return;
          self->waitingForRecords = false;
          self->step();
        }));
  }

  // The source signalled new records (on the strand).
  void wake() {
    if (waitingForRecords) {
      waitingForRecords = false;
      timer.cancel();
    }
  }

  // Reads the stream from `position` and invokes the function with the next batch, or waits.
  void step() {
    if (isStopped()) return;
    StreamReadResult window = source.read(mapping.eventSourceArn, position, 0);
    if (!window.error.empty()) {
      report(window.error + "; reading again when it has records");
      return wait(options.idlePoll, true);
    }
    if (!started || window.streamId != streamId) {
      if (!begin(window)) return;
    }
    if (position < window.first) {
      // Records older than the stream's retention are gone before the function saw them.
      report(fmt::format("{} records left the stream before they were processed",
                         window.first - position));
      return advance(window.first, [self = shared_from_this()] { self->step(); });
    }
    if (position >= window.next) {
      windowEndMs = 0;
      return wait(options.idlePoll, true);
    }

    // Gather up to `limit` records that the filters let through.
    std::vector<StreamRecordData> batch;
    int64_t cursor = position;
    size_t scanned = 0;
    bool exhausted = false;
    while (batch.size() < static_cast<size_t>(limit) && scanned < kMaxScanPerPass) {
      StreamReadResult read =
          source.read(mapping.eventSourceArn, cursor, static_cast<size_t>(limit) - batch.size());
      if (!read.error.empty() || read.records.empty()) {
        exhausted = true;
        break;
      }
      for (auto& record : read.records) {
        ++scanned;
        cursor = record.sequence + 1;
        if (filters.matches(std::string_view(record.json))) batch.push_back(std::move(record));
      }
    }
    if (batch.empty()) {
      // Everything read was filtered out: it counts as processed.
      if (cursor > position) {
        return advance(cursor, [self = shared_from_this()] { self->step(); });
      }
      return wait(options.idlePoll, true);
    }
    // Records whose age passed MaximumRecordAgeInSeconds are discarded before any invocation.
    if (settings.maximumRecordAgeSeconds >= 0) {
      int64_t oldest = nowMs() - int64_t{settings.maximumRecordAgeSeconds} * 1000;
      size_t expired = 0;
      while (expired < batch.size() && batch[expired].createdAtMs < oldest) ++expired;
      if (expired > 0) {
        std::vector<StreamRecordData> old(batch.begin(), batch.begin() + expired);
        return discard(std::move(old), "RecordAgeExceeded", nullptr, 0);
      }
    }
    // A batching window holds a batch that is not full open for more records.
    if (mapping.maximumBatchingWindowSeconds > 0 && exhausted &&
        batch.size() < static_cast<size_t>(limit) && window.open) {
      int64_t now = nowMs();
      if (windowEndMs == 0) windowEndMs = now + mapping.maximumBatchingWindowSeconds * 1000LL;
      if (now < windowEndMs) return wait(std::chrono::milliseconds(windowEndMs - now), true);
    }
    windowEndMs = 0;
    run(std::move(batch));
  }

  // Sets the position from the stored checkpoint, or from the starting position for a stream
  // not read before. False when stopped meanwhile.
  bool begin(const StreamReadResult& window) {
    streamId = window.streamId;
    shardId = window.shardId;
    auto saved = checkpoints.get(mapping.uuid);
    if (saved && saved->streamId == streamId) {
      position = saved->position;
    } else {
      position = settings.startingPosition == "LATEST" ? window.next : window.first;
    }
    started = true;
    attempts = 0;
    limit = mapping.batchSize;
    bisectEnd = -1;
    if (!saved || saved->streamId != streamId || saved->position != position) {
      // LATEST is where the stream was when the mapping began reading it, also after a restart.
      save(nullptr);
    }
    return !isStopped();
  }

  // Keeps the position durably, then runs `next` (if any) on the strand.
  void save(std::function<void()> next) {
    std::lock_guard lock(mutex);
    // Under the lock, so that no position is saved after stop() returned (a deleted mapping's
    // checkpoint stays deleted).
    if (stopped) return;
    checkpoints.save(mapping.uuid, {streamId, position},
                     [self = shared_from_this(), next = std::move(next)](std::string error) {
                       if (!error.empty())
                         self->report("saving the stream position failed: " + error);
                       if (next) self->post(next);
                     });
  }

  // Moves the position forward (the records before `to` are done), resets the batch's retry
  // state, saves, then runs `next`.
  void advance(int64_t to, std::function<void()> next) {
    position = to;
    attempts = 0;
    if (bisectEnd >= 0 && position > bisectEnd) {
      bisectEnd = -1;
      limit = mapping.batchSize;
    }
    save(std::move(next));
  }

  void run(std::vector<StreamRecordData> batch) {
    if (options.onIteratorAge && !batch.empty()) {
      options.onIteratorAge(static_cast<double>(nowMs() - batch.back().createdAtMs));
    }
    InvokeRequest request;
    request.functionName = mapping.functionName;
    request.payload = buildStreamEvent(batch, streamId);
    auto records = std::make_shared<std::vector<StreamRecordData>>(std::move(batch));
    invoke(std::move(request), [self = shared_from_this(), records](InvokeResult&& result) {
      self->post([self, records, result = std::move(result)]() mutable {
        self->settle(std::move(*records), result);
      });
    });
  }

  void settle(std::vector<StreamRecordData> batch, const InvokeResult& result) {
    if (isStopped()) return;
    auto again = [self = shared_from_this()] { self->step(); };
    switch (result.status) {
      case InvokeStatus::Ok:
        break;
      case InvokeStatus::FunctionError:
        setResult("PROBLEM: Function call failed");
        report("the function failed on a batch: " + result.errorType);
        return failed(std::move(batch), 0, result, true);
      case InvokeStatus::RequestTooLarge:
        setResult("PROBLEM: Function call failed");
        if (batch.size() > 1) {
          // Halve the batch until it fits Lambda's 6 MB limit.
          bisect(batch);
          return step();
        }
        report("a record is over the 6 MB invocation limit");
        return discard(std::move(batch), "RetryAttemptsExhausted", &result, 1);
      case InvokeStatus::Throttled:
        setResult("PROBLEM: Function call throttled");
        return wait(options.backOff, false);
      case InvokeStatus::NotFound:
        setResult("PROBLEM: Function does not exist");
        report("the function does not exist");
        return wait(options.backOff, false);
      case InvokeStatus::ServiceError:
        setResult("PROBLEM: Lambda internal error");
        return wait(options.backOff, false);
    }
    BatchOutcome outcome;
    if (mapping.reportBatchItemFailures) outcome = readBatchResponse(result.payload, batch);
    if (!outcome.failed) {
      setResult("OK");
      report("");
      return advance(batch.back().sequence + 1, again);
    }
    setResult("PROBLEM: Function call failed");
    failed(std::move(batch), outcome.firstFailed, result, false);
  }

  void bisect(const std::vector<StreamRecordData>& batch) {
    if (bisectEnd < 0) bisectEnd = batch.back().sequence;
    limit = static_cast<int>((batch.size() + 1) / 2);
  }

  // The batch failed from record `from` on (the records before it succeeded).
  void failed(std::vector<StreamRecordData> batch, size_t from, const InvokeResult& result,
              bool functionError) {
    if (functionError && settings.bisectBatchOnFunctionError && batch.size() > 1) {
      // Splitting a batch is not a retry.
      bisect(batch);
      return step();
    }
    if (from > 0) {
      // The records before the first failed one are done; the failure counts for the rest.
      batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(from));
      position = batch.front().sequence;
      attempts = 0;
    }
    ++attempts;
    int retries = attempts - 1;
    if (settings.maximumRetryAttempts >= 0 && retries >= settings.maximumRetryAttempts) {
      return discard(std::move(batch), "RetryAttemptsExhausted", &result, attempts);
    }
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
        options.retryBase * (int64_t{1} << std::min(attempts - 1, 16)));
    delay = std::min(delay, options.retryMax);
    if (from > 0) {
      return save([self = shared_from_this(), delay] { self->wait(delay, false); });
    }
    wait(delay, false);
  }

  // Gives up on a batch: its description goes to the OnFailure destination (once that has it
  // durably), and the position moves past it.
  void discard(std::vector<StreamRecordData> batch, const char* condition,
               const InvokeResult* result, int invokeCount) {
    report(fmt::format("{} records ({} to {}) skipped: {}", batch.size(),
                       batch.front().sequenceNumber, batch.back().sequenceNumber, condition));
    int64_t past = batch.back().sequence + 1;
    auto next = [self = shared_from_this(), past] {
      self->advance(past, [self] { self->step(); });
    };
    const std::string& target = settings.onFailureDestination;
    if (target.empty() || !onFailure) return next();
    onFailure(target, failureRecord(batch, condition, result, invokeCount), {},
              [self = shared_from_this(), next, target](const std::string& error) {
                if (!error.empty()) {
                  self->report(fmt::format("sending a skipped batch's record to {} failed: {}",
                                           target, error));
                }
                self->post(next);
              });
  }

  // Lambda's record of a discarded stream batch, as its OnFailure destination receives it.
  std::string failureRecord(const std::vector<StreamRecordData>& batch, const char* condition,
                            const InvokeResult* result, int invokeCount) const {
    std::string record;
    JsonWriter w(record);
    w.beginObject();
    w.key("requestContext").beginObject();
    w.field("requestId", result && !result->requestId.empty() ? result->requestId : newUuid());
    w.field("functionArn", FunctionSpec::functionArn(region, "000000000000", mapping.functionName));
    w.field("condition", condition);
    w.field("approximateInvokeCount", invokeCount);
    w.endObject();
    if (result) {
      // A batch whose function reported failed items returned normally: no functionError.
      w.key("responseContext").beginObject();
      w.field("statusCode", 200);
      w.field("executedVersion", result->executedVersion);
      if (result->status != InvokeStatus::Ok) w.field("functionError", "Unhandled");
      w.endObject();
    }
    w.field("version", "1.0");
    w.field("timestamp", isoTimeMillis(std::chrono::system_clock::now()));
    w.key("DDBStreamBatchInfo").beginObject();
    w.field("shardId", shardId);
    w.field("startSequenceNumber", batch.front().sequenceNumber);
    w.field("endSequenceNumber", batch.back().sequenceNumber);
    w.field("approximateArrivalOfFirstRecord", isoSeconds(batch.front().createdAtMs));
    w.field("approximateArrivalOfLastRecord", isoSeconds(batch.back().createdAtMs));
    w.field("batchSize", static_cast<int64_t>(batch.size()));
    w.field("streamArn", streamId);
    w.endObject();
    w.endObject();
    return record;
  }
};

StreamPoller::StreamPoller(boost::asio::io_context& io, StreamInvoke invoke, StreamSource& source,
                           StreamCheckpoints& checkpoints, DestinationSender onFailure,
                           EventSourceMapping mapping, std::string region,
                           StreamPollerOptions options)
    : state_(std::make_shared<StreamPollerState>(io, std::move(invoke), source, checkpoints,
                                                 std::move(onFailure), std::move(mapping),
                                                 std::move(region), options)) {}

StreamPoller::~StreamPoller() {
  stop();
}

void StreamPoller::start() {
  std::weak_ptr<StreamPollerState> weak = state_;
  state_->source.watch(state_->mapping.eventSourceArn, [weak] {
    // Called under the source's locks: only hand the signal to the strand.
    auto self = weak.lock();
    if (!self || self->isStopped()) return false;
    self->post([self] { self->wake(); });
    return true;
  });
  state_->post([state = state_] { state->step(); });
}

void StreamPoller::stop() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    state_->stopped = true;
  }
  state_->post([state = state_] {
    ++state->timerGeneration;
    state->timer.cancel();
  });
}

const EventSourceMapping& StreamPoller::mapping() const {
  return state_->mapping;
}

std::string StreamPoller::lastProcessingResult() const {
  std::lock_guard lock(state_->mutex);
  return state_->lastResult;
}

}  // namespace nimbus::lambda
