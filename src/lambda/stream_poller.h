// Polls one stream event source mapping's stream and invokes its function with batches, as
// Lambda's stream pollers do for DynamoDB Streams: records in order, one batch in flight per
// shard (nimbus's streams have one shard), BatchSize records gathered for up to
// MaximumBatchingWindowInSeconds, records that no FilterCriteria filter matches skipped.
//
// A failing batch blocks the shard: it is retried (after a growing delay) until it succeeds, its
// MaximumRetryAttempts are used up or its oldest record passes MaximumRecordAgeInSeconds (with
// -1 for both, until the record leaves the stream's 24-hour retention). Then its description
// goes to the OnFailure destination and the poller moves past it. BisectBatchOnFunctionError
// splits a failing batch in two (without counting a retry); with ReportBatchItemFailures the
// function names the failed records by SequenceNumber and the poller retries from the first of
// them. After each batch the position is kept in the store (StreamCheckpoints).
//
// The poller wakes when the stream's source signals new records; a slow timer is only the
// fallback.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lambda/async_invoker.h"
#include "lambda/event_source_mapping.h"
#include "lambda/invoker.h"

namespace boost::asio {
class io_context;
}

namespace nimbus::lambda {

class StreamCheckpoints;
class StreamSource;
struct StreamRecordData;
struct StreamPollerState;

struct StreamPollerOptions {
  // How long an idle poller waits for a signal before it reads the stream anyway.
  std::chrono::milliseconds idlePoll = std::chrono::seconds(5);
  // How long it rests when the stream or the function is missing, or the function throttled.
  std::chrono::milliseconds backOff = std::chrono::seconds(1);
  // The delay before a failed batch is retried: doubles with each attempt, up to retryMax.
  std::chrono::milliseconds retryBase = std::chrono::milliseconds(500);
  std::chrono::milliseconds retryMax = std::chrono::seconds(30);
  // Told, for each batch sent to the function, the age of its last record (Lambda's
  // IteratorAge); may be empty.
  std::function<void(double ageMs)> onIteratorAge;
};

// Runs one synchronous invocation (LambdaService::invoke, or a test's stand-in).
using StreamInvoke = std::function<void(InvokeRequest request, InvokeCallback done)>;

class StreamPoller {
 public:
  // Everything passed by reference must outlive the poller's stop() and the io_context's last
  // handler. `onFailure` may be empty (then discarded batches are only reported).
  StreamPoller(boost::asio::io_context& io, StreamInvoke invoke, StreamSource& source,
               StreamCheckpoints& checkpoints, DestinationSender onFailure,
               EventSourceMapping mapping, std::string region,
               StreamPollerOptions options = StreamPollerOptions());
  ~StreamPoller();
  StreamPoller(const StreamPoller&) = delete;
  StreamPoller& operator=(const StreamPoller&) = delete;

  // Starts polling. `mapping.filterPatterns` must compile (the API checked them).
  void start();
  // Stops polling: no new batch starts, no position is saved after it returns; a batch being
  // processed finishes. Idempotent.
  void stop();

  const EventSourceMapping& mapping() const;
  // GetEventSourceMapping's LastProcessingResult: "No records processed", "OK", or
  // "PROBLEM: ..." for the last batch.
  std::string lastProcessingResult() const;

 private:
  std::shared_ptr<StreamPollerState> state_;
};

// Lambda's event for a batch of stream records: {"Records": [record + eventSourceARN]}.
std::string buildStreamEvent(const std::vector<StreamRecordData>& records,
                             const std::string& streamArn);

}  // namespace nimbus::lambda
