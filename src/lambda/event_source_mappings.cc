#include "lambda/event_source_mappings.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "lambda/invoker.h"
#include "lambda/sqs_poller.h"
#include "lambda/stream_poller.h"
#include "lambda/stream_source.h"
#include "observe/function_metrics.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

constexpr const char* kMappingKind = "lambda.event-source-mapping";

int64_t toMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string encodeEventSourceMapping(const EventSourceMapping& m) {
  nlohmann::json stream = nullptr;
  if (m.stream) {
    stream = {
        {"startingPosition", m.stream->startingPosition},
        {"maximumRetryAttempts", m.stream->maximumRetryAttempts},
        {"maximumRecordAgeSeconds", m.stream->maximumRecordAgeSeconds},
        {"bisectBatchOnFunctionError", m.stream->bisectBatchOnFunctionError},
        {"parallelizationFactor", m.stream->parallelizationFactor},
        {"onFailureDestination", m.stream->onFailureDestination},
    };
  }
  nlohmann::json record = {
      {"uuid", m.uuid},
      {"eventSourceArn", m.eventSourceArn},
      {"functionName", m.functionName},
      {"batchSize", m.batchSize},
      {"maximumBatchingWindowSeconds", m.maximumBatchingWindowSeconds},
      {"reportBatchItemFailures", m.reportBatchItemFailures},
      {"enabled", m.enabled},
      {"maximumConcurrency",
       m.maximumConcurrency ? nlohmann::json(*m.maximumConcurrency) : nlohmann::json(nullptr)},
      {"lastModifiedMs", toMillis(m.lastModified)},
      {"stream", stream},
      {"filterPatterns", m.filterPatterns},
  };
  return record.dump();
}

std::optional<EventSourceMapping> decodeEventSourceMapping(const std::string& value) {
  auto record = nlohmann::json::parse(value, nullptr, false);
  if (!record.is_object()) return std::nullopt;
  try {
    EventSourceMapping m;
    m.uuid = record.at("uuid").get<std::string>();
    m.eventSourceArn = record.at("eventSourceArn").get<std::string>();
    m.functionName = record.at("functionName").get<std::string>();
    m.batchSize = record.value("batchSize", 10);
    m.maximumBatchingWindowSeconds = record.value("maximumBatchingWindowSeconds", 0);
    m.reportBatchItemFailures = record.value("reportBatchItemFailures", false);
    m.enabled = record.value("enabled", true);
    if (auto it = record.find("maximumConcurrency"); it != record.end() && it->is_number()) {
      m.maximumConcurrency = it->get<int>();
    }
    m.lastModified = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(record.value("lastModifiedMs", int64_t{0})));
    if (auto it = record.find("stream"); it != record.end() && it->is_object()) {
      StreamMappingSettings s;
      s.startingPosition = it->value("startingPosition", s.startingPosition);
      s.maximumRetryAttempts = it->value("maximumRetryAttempts", s.maximumRetryAttempts);
      s.maximumRecordAgeSeconds = it->value("maximumRecordAgeSeconds", s.maximumRecordAgeSeconds);
      s.bisectBatchOnFunctionError =
          it->value("bisectBatchOnFunctionError", s.bisectBatchOnFunctionError);
      s.parallelizationFactor = it->value("parallelizationFactor", s.parallelizationFactor);
      s.onFailureDestination = it->value("onFailureDestination", s.onFailureDestination);
      m.stream = s;
    }
    if (auto it = record.find("filterPatterns"); it != record.end() && it->is_array()) {
      m.filterPatterns = it->get<std::vector<std::string>>();
    }
    m.origin = FunctionOrigin::Api;
    return m;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

EventSourceMappings::EventSourceMappings(boost::asio::io_context& io, LambdaService& lambda,
                                         store::Store& store, QueueSource* queues,
                                         std::string region)
    : io_(io),
      lambda_(lambda),
      store_(store),
      queues_(queues),
      region_(std::move(region)),
      checkpoints_(store) {}

EventSourceMappings::~EventSourceMappings() {
  stop();
}

void EventSourceMappings::setStreamSource(StreamSource* streams, DestinationSender onFailure) {
  std::lock_guard lock(mutex_);
  streams_ = streams;
  onFailure_ = std::move(onFailure);
  reconcileLocked();
}

StreamSource* EventSourceMappings::streams() const {
  std::lock_guard lock(mutex_);
  return streams_;
}

std::string EventSourceMappings::lastProcessingResult(const std::string& uuid) const {
  std::lock_guard lock(mutex_);
  auto it = streamPollers_.find(uuid);
  return it == streamPollers_.end() ? std::string() : it->second->lastProcessingResult();
}

std::vector<std::string> EventSourceMappings::load() {
  std::vector<std::string> warnings = checkpoints_.load();
  std::lock_guard lock(mutex_);
  for (const auto& record : store_.records(kMappingKind)) {
    if (auto m = decodeEventSourceMapping(record.value)) {
      api_[m->uuid] = std::move(*m);
    } else {
      warnings.push_back(
          fmt::format("event source mapping {}: its stored record is unreadable", record.key));
    }
  }
  reconcileLocked();
  return warnings;
}

void EventSourceMappings::setProjectMappings(std::vector<EventSourceMapping> mappings) {
  std::lock_guard lock(mutex_);
  std::map<std::string, EventSourceMapping> previous;
  previous.swap(project_);
  for (auto& m : mappings) {
    m.origin = FunctionOrigin::Project;
    std::string uuid = m.uuid;
    project_.emplace(std::move(uuid), std::move(m));
  }
  reconcileLocked();
  // A stream event taken out of serverless.yml forgets its position: put back, it starts again
  // from its starting position, as a new mapping does.
  for (const auto& [uuid, m] : previous) {
    if (!project_.contains(uuid)) checkpoints_.remove(uuid);
  }
}

std::vector<EventSourceMapping> EventSourceMappings::list() const {
  std::lock_guard lock(mutex_);
  std::vector<EventSourceMapping> out;
  for (const auto& [_, m] : project_) out.push_back(m);
  for (const auto& [_, m] : api_) out.push_back(m);
  return out;
}

std::optional<EventSourceMapping> EventSourceMappings::get(const std::string& uuid) const {
  std::lock_guard lock(mutex_);
  if (auto it = project_.find(uuid); it != project_.end()) return it->second;
  if (auto it = api_.find(uuid); it != api_.end()) return it->second;
  return std::nullopt;
}

void EventSourceMappings::complete(MappingCallback done, MappingResult result) {
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void EventSourceMappings::create(EventSourceMapping mapping, MappingCallback done) {
  mapping.origin = FunctionOrigin::Api;
  if (mapping.isStream() && mapping.stream->startingPosition == "LATEST") {
    // LATEST is where the stream is when the mapping is made, not when its poller first reads
    // it: records written right after CreateEventSourceMapping answers are the function's.
    StreamSource* streams = this->streams();
    auto window = streams ? streams->read(mapping.eventSourceArn, 0, 0) : StreamReadResult{};
    if (streams && window.error.empty()) {
      checkpoints_.save(mapping.uuid, {window.streamId, window.next}, [](std::string) {});
    }
  }
  std::string value = encodeEventSourceMapping(mapping);
  store_.putRecord(
      {kMappingKind, mapping.uuid, std::move(value)},
      [this, mapping, done = std::move(done)](std::string error) mutable {
        if (!error.empty()) {
          return complete(std::move(done), {RegistryStatus::StoreFailed, error, mapping});
        }
        {
          std::lock_guard lock(mutex_);
          api_[mapping.uuid] = mapping;
          reconcileLocked();
        }
        complete(std::move(done), {RegistryStatus::Ok, {}, mapping});
      });
}

void EventSourceMappings::update(const std::string& uuid,
                                 std::function<void(EventSourceMapping&)> change,
                                 MappingCallback done) {
  EventSourceMapping mapping;
  {
    std::lock_guard lock(mutex_);
    RegistryStatus refusal = RegistryStatus::Ok;
    auto it = api_.find(uuid);
    if (project_.contains(uuid)) {
      refusal = RegistryStatus::ProjectOwned;
    } else if (it == api_.end()) {
      refusal = RegistryStatus::NotFound;
    }
    if (refusal != RegistryStatus::Ok) return complete(std::move(done), {refusal, {}, {}});
    mapping = it->second;
  }
  change(mapping);
  mapping.lastModified = std::chrono::system_clock::now();
  std::string value = encodeEventSourceMapping(mapping);
  store_.putRecord({kMappingKind, uuid, std::move(value)},
                   [this, mapping, done = std::move(done)](std::string error) mutable {
                     if (!error.empty()) {
                       return complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
                     }
                     {
                       std::lock_guard lock(mutex_);
                       // Deleted meanwhile: the delete wins.
                       if (!api_.contains(mapping.uuid)) {
                         return complete(std::move(done), {RegistryStatus::NotFound, {}, {}});
                       }
                       api_[mapping.uuid] = mapping;
                       reconcileLocked();
                     }
                     complete(std::move(done), {RegistryStatus::Ok, {}, mapping});
                   });
}

void EventSourceMappings::remove(const std::string& uuid, MappingCallback done) {
  EventSourceMapping mapping;
  {
    std::lock_guard lock(mutex_);
    if (project_.contains(uuid)) {
      return complete(std::move(done), {RegistryStatus::ProjectOwned, {}, {}});
    }
    auto it = api_.find(uuid);
    if (it == api_.end()) return complete(std::move(done), {RegistryStatus::NotFound, {}, {}});
    mapping = it->second;
  }
  store_.deleteRecord(
      kMappingKind, uuid, [this, mapping, done = std::move(done)](std::string error) mutable {
        if (!error.empty()) {
          return complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
        }
        {
          std::lock_guard lock(mutex_);
          api_.erase(mapping.uuid);
          reconcileLocked();
          checkpoints_.remove(mapping.uuid);
        }
        complete(std::move(done), {RegistryStatus::Ok, {}, mapping});
      });
}

void EventSourceMappings::stop() {
  std::map<std::string, std::unique_ptr<SqsPoller>> pollers;
  std::map<std::string, std::unique_ptr<StreamPoller>> streamPollers;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    pollers.swap(pollers_);
    streamPollers.swap(streamPollers_);
  }
  for (auto& [_, poller] : pollers) poller->stop();
  for (auto& [_, poller] : streamPollers) poller->stop();
}

namespace {

// Stops the pollers whose mapping is gone or changed; returns the wanted mappings that have no
// poller.
template <typename Poller>
std::vector<const EventSourceMapping*> keepMatching(
    std::map<std::string, std::unique_ptr<Poller>>& pollers,
    const std::map<std::string, const EventSourceMapping*>& wanted) {
  for (auto it = pollers.begin(); it != pollers.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end() || !it->second->mapping().samePolling(*w->second)) {
      it->second->stop();
      it = pollers.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<const EventSourceMapping*> missing;
  for (const auto& [uuid, m] : wanted) {
    if (!pollers.contains(uuid)) missing.push_back(m);
  }
  return missing;
}

}  // namespace

void EventSourceMappings::reconcileLocked() {
  if (stopped_) return;
  std::map<std::string, const EventSourceMapping*> queues, streams;
  for (const auto* mappings : {&project_, &api_}) {
    for (const auto& [uuid, m] : *mappings) {
      if (!m.enabled) continue;
      (m.isStream() ? streams : queues)[uuid] = &m;
    }
  }
  if (queues_) {
    for (const auto* m : keepMatching(pollers_, queues)) {
      auto poller = std::make_unique<SqsPoller>(io_, lambda_, *queues_, *m, region_);
      poller->start();
      pollers_.emplace(m->uuid, std::move(poller));
    }
  }
  if (streams_) {
    // A changed mapping's new poller starts after the old one stopped, from the position it
    // saved.
    for (const auto* m : keepMatching(streamPollers_, streams)) {
      LambdaService& lambda = lambda_;
      auto invoke = [&lambda](InvokeRequest request, InvokeCallback done) {
        lambda.invoke(std::move(request), std::move(done));
      };
      StreamPollerOptions options;
      options.onIteratorAge = [&lambda, function = m->functionName](double ageMs) {
        lambda.metrics().recordFunctionMetric(function, "IteratorAge", ageMs, "Milliseconds");
      };
      auto poller = std::make_unique<StreamPoller>(io_, invoke, *streams_, checkpoints_, onFailure_,
                                                   *m, region_, std::move(options));
      poller->start();
      streamPollers_.emplace(m->uuid, std::move(poller));
    }
  }
}

}  // namespace nimbus::lambda
