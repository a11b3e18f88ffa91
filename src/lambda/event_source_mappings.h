// The event source mappings nimbus polls: serverless.yml `sqs` and `stream` events (set by the
// server on every load) and those made through the Lambda API (kept in the store). Each enabled
// mapping has a poller (an SqsPoller for a queue, a StreamPoller for a stream); a change restarts
// the mapping's poller with the new settings, and a stream mapping's new poller resumes from the
// position its predecessor reached.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lambda/async_invoker.h"
#include "lambda/event_source_mapping.h"
#include "lambda/function_registry.h"
#include "lambda/stream_checkpoints.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::lambda {

class LambdaService;
class QueueSource;
class SqsPoller;
class StreamPoller;
class StreamSource;

struct MappingResult {
  RegistryStatus status = RegistryStatus::Ok;
  std::string message;
  EventSourceMapping mapping;
};
using MappingCallback = std::function<void(MappingResult&&)>;

class EventSourceMappings {
 public:
  // `queues` may be null: mappings are then kept but not polled. Callbacks run on `io`.
  EventSourceMappings(boost::asio::io_context& io, LambdaService& lambda, store::Store& store,
                      QueueSource* queues, std::string region);
  ~EventSourceMappings();
  EventSourceMappings(const EventSourceMappings&) = delete;
  EventSourceMappings& operator=(const EventSourceMappings&) = delete;

  // Streams: stream mappings are polled once a source is set (until then they are kept but not
  // polled). `onFailure` sends discarded batches' records to SQS queues and SNS topics.
  void setStreamSource(StreamSource* streams, DestinationSender onFailure);

  // Reads the API-made mappings and the stream positions from the store and starts polling.
  // Returns warnings.
  std::vector<std::string> load();
  // Replaces serverless.yml's mappings.
  void setProjectMappings(std::vector<EventSourceMapping> mappings);

  std::vector<EventSourceMapping> list() const;
  std::optional<EventSourceMapping> get(const std::string& uuid) const;
  QueueSource* queues() const { return queues_; }
  StreamSource* streams() const;
  // A stream mapping's LastProcessingResult; empty for a mapping without a running poller.
  std::string lastProcessingResult(const std::string& uuid) const;

  void create(EventSourceMapping mapping, MappingCallback done);
  // Applies `change` to the API mapping `uuid` and stores it.
  void update(const std::string& uuid, std::function<void(EventSourceMapping&)> change,
              MappingCallback done);
  void remove(const std::string& uuid, MappingCallback done);

  // Stops every poller (a batch being processed finishes). Idempotent.
  void stop();

 private:
  // Starts, restarts or stops pollers to match the mappings. Called with mutex_ held.
  void reconcileLocked();
  void complete(MappingCallback done, MappingResult result);

  boost::asio::io_context& io_;
  LambdaService& lambda_;
  store::Store& store_;
  QueueSource* queues_;
  std::string region_;

  mutable std::mutex mutex_;
  std::map<std::string, EventSourceMapping> project_;  // By UUID.
  std::map<std::string, EventSourceMapping> api_;      // By UUID.
  std::map<std::string, std::unique_ptr<SqsPoller>> pollers_;
  StreamSource* streams_ = nullptr;
  DestinationSender onFailure_;
  StreamCheckpoints checkpoints_;
  std::map<std::string, std::unique_ptr<StreamPoller>> streamPollers_;
  bool stopped_ = false;
};

}  // namespace nimbus::lambda
