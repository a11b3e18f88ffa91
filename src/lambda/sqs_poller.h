// Polls one SQS event source mapping's queue and invokes its function with batches, as
// Lambda's SQS pollers do: long polling, a batch of up to BatchSize messages gathered for up to
// MaximumBatchingWindowInSeconds, a synchronous invocation, then the batch deleted on success.
// On failure nothing is deleted, so the messages come back after the queue's visibility
// timeout and the queue's redrive policy moves poison messages to its dead-letter queue. With
// ReportBatchItemFailures only the items the function names stay.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lambda/event_source_mapping.h"

namespace boost::asio {
class io_context;
}

namespace nimbus::lambda {

class LambdaService;
class QueueSource;
struct SqsPollerState;

class SqsPoller {
 public:
  // Everything passed in must outlive the poller's stop().
  SqsPoller(boost::asio::io_context& io, LambdaService& lambda, QueueSource& queues,
            EventSourceMapping mapping, std::string region);
  ~SqsPoller();
  SqsPoller(const SqsPoller&) = delete;
  SqsPoller& operator=(const SqsPoller&) = delete;

  // Starts the concurrent polling loops (Lambda starts five, fewer with MaximumConcurrency).
  void start();
  // Stops polling: no new batch starts; a batch being processed finishes. Idempotent.
  void stop();

  const EventSourceMapping& mapping() const;

 private:
  std::shared_ptr<SqsPollerState> state_;
};

// Lambda's SQS event for a batch (exposed for tests).
struct QueueMessage;
std::string buildSqsEvent(const std::vector<QueueMessage>& messages, const std::string& queueArn,
                          const std::string& region);

}  // namespace nimbus::lambda
