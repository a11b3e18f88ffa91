// PutEvents, the routing of events to rules' targets, and what happens when a target fails:
// retries with backoff within the target's RetryPolicy, then its dead-letter queue.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "aws/events/events_call.h"
#include "aws/events/events_service.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::events {

using nlohmann::json;

// The enabled rules of a bus that have a pattern, matched together.
struct EventsService::BusRules {
  std::vector<std::shared_ptr<const Rule>> rules;
  std::unique_ptr<PatternIndex> index;
};

// One event on its way to one target.
struct EventsService::Delivery {
  std::shared_ptr<const Rule> rule;
  Target target;
  std::string eventJson;
  std::string eventId;
  std::string ingestionTime;
  int64_t receivedAtMs = 0;
  int retries = 0;  // Attempts after the first.
  int depth = 0;    // Buses this event has already crossed.
};

namespace {

// An event forwarded from bus to bus stops after this many hops, so that rules forwarding to each
// other cannot loop for ever.
constexpr int kMaxBusHops = 5;
constexpr int64_t kMaxRetryDelayMs = 60'000;

void logEvents(const std::string& line) {
  std::fprintf(stderr, "events: %s\n", line.c_str());
  std::fflush(stderr);
}

// What EventBridge counts against PutEvents' 256 KB: each entry's Source, DetailType, Detail,
// resources and time.
size_t entrySize(const json& entry) {
  size_t size = 0;
  for (const char* key : {"Source", "DetailType", "Detail"}) {
    if (auto it = entry.find(key); it != entry.end() && it->is_string()) {
      size += it->get_ref<const std::string&>().size();
    }
  }
  if (auto it = entry.find("Resources"); it != entry.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_string()) size += r.get_ref<const std::string&>().size();
    }
  }
  if (entry.contains("Time")) size += 14;
  return size;
}

// Counts outstanding hand-overs and runs `done` once the last one has completed.
class Countdown {
 public:
  static std::shared_ptr<Countdown> make(std::function<void()> done) {
    return std::shared_ptr<Countdown>(new Countdown(std::move(done)));
  }
  void add() { pending_.fetch_add(1); }
  void complete() {
    if (pending_.fetch_sub(1) == 1) done_();
  }

 private:
  explicit Countdown(std::function<void()> done) : done_(std::move(done)), pending_(1) {}
  std::function<void()> done_;
  std::atomic<int> pending_;
};

// An event as rules and targets see it (PutEvents' entry, a service's event, a schedule's).
json envelope(const EventsSettings& settings, const std::string& id, const std::string& detailType,
              const std::string& source, int64_t timeMs, json resources, json detail) {
  return json{{"version", "0"},
              {"id", id},
              {"detail-type", detailType},
              {"source", source},
              {"account", settings.accountId},
              {"time", eventTime(timeMs)},
              {"region", settings.region},
              {"resources", std::move(resources)},
              {"detail", std::move(detail)}};
}

}  // namespace

void EventsService::rebuildBusLocked(const std::string& bus) {
  auto built = std::make_shared<BusRules>();
  std::vector<std::shared_ptr<const EventPattern>> patterns;
  for (const auto& [key, rule] : rules_) {
    if (rule->busName != bus || !rule->pattern || !rule->enabled()) continue;
    built->rules.push_back(rule);
    patterns.push_back(rule->pattern);
  }
  built->index = std::make_unique<PatternIndex>(std::move(patterns));
  matching_[bus] = std::move(built);
}

void EventsService::putEvents(Call& call) {
  const json& entries = call.body.contains("Entries") ? call.body["Entries"] : json();
  if (!entries.is_array() || entries.empty()) {
    return call.fail("ValidationException",
                     "1 validation error detected: Value null at 'entries' failed to satisfy "
                     "constraint: Member must not be null");
  }
  if (entries.size() > 10) {
    return call.fail("ValidationException",
                     fmt::format("1 validation error detected: Value '{}' at 'entries' failed to "
                                 "satisfy constraint: Member must have length less than or equal "
                                 "to 10",
                                 entries.dump()));
  }
  size_t total = 0;
  for (const auto& entry : entries) total += entrySize(entry);
  if (total > settings_.maxPutEventsBytes) {
    return call.fail("ValidationException",
                     "Total size of the entries in the request is over the limit.");
  }
  auto results = std::make_shared<std::vector<json>>(entries.size());
  auto failedCount = std::make_shared<std::atomic<int>>(0);
  auto countdown = Countdown::make([call, results, failedCount] {
    json answer{{"FailedEntryCount", failedCount->load()}, {"Entries", json::array()}};
    for (auto& r : *results) answer["Entries"].push_back(std::move(r));
    call.respond(answer);
  });
  int64_t now = nowMs();
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    auto refuse = [&](const std::string& code, const std::string& message) {
      (*results)[i] = json{{"ErrorCode", code}, {"ErrorMessage", message}};
      failedCount->fetch_add(1);
    };
    if (!entry.is_object()) {
      refuse("InvalidArgument", "Entry is not valid.");
      continue;
    }
    auto text = [&](const char* key) -> std::optional<std::string> {
      auto it = entry.find(key);
      if (it == entry.end() || !it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    auto source = text("Source");
    auto detailType = text("DetailType");
    auto detail = text("Detail");
    if (!source || source->empty()) {
      refuse("InvalidArgument",
             "Parameter Source is not valid. Reason: Source is a required argument.");
      continue;
    }
    if (!detailType || detailType->empty()) {
      refuse("InvalidArgument",
             "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
      continue;
    }
    if (!detail || detail->empty()) {
      refuse("InvalidArgument",
             "Parameter Detail is not valid. Reason: Detail is a required argument.");
      continue;
    }
    json detailJson = json::parse(*detail, nullptr, false);
    if (!detailJson.is_object()) {
      refuse("MalformedDetail", "Detail is malformed.");
      continue;
    }
    if (source->rfind("aws.", 0) == 0) {
      refuse("NotAuthorizedForSourceException", "Not authorized for the source.");
      continue;
    }
    std::string bus = normalizeBus(text("EventBusName").value_or(""));
    {
      std::lock_guard lock(mutex_);
      if (!buses_.count(bus)) {
        refuse("ResourceNotFoundException", fmt::format("Event bus {} does not exist.", bus));
        continue;
      }
    }
    int64_t timeMs = now;
    if (auto it = entry.find("Time"); it != entry.end() && it->is_number()) {
      timeMs = static_cast<int64_t>(it->get<double>() * 1000);
    }
    json resources = json::array();
    if (auto it = entry.find("Resources"); it != entry.end() && it->is_array()) resources = *it;
    std::string id = newUuid();
    json event = envelope(settings_, id, *detailType, *source, timeMs, std::move(resources),
                          std::move(detailJson));
    (*results)[i] = json{{"EventId", id}};
    countdown->add();
    route(bus, event.dump(), 0, [countdown](bool) { countdown->complete(); });
  }
  countdown->complete();
}

void EventsService::putServiceEvent(const std::string& source, const std::string& detailType,
                                    const std::string& detailJson,
                                    std::vector<std::string> resources,
                                    std::function<void()> done) {
  json detail = json::parse(detailJson, nullptr, false);
  if (!detail.is_object()) return done();
  json event =
      envelope(settings_, newUuid(), detailType, source, nowMs(), resources, std::move(detail));
  route("default", event.dump(), 0, [done = std::move(done)](bool) { done(); });
}

void EventsService::route(const std::string& bus, std::string eventJson, int depth,
                          std::function<void(bool)> done) {
  std::shared_ptr<const BusRules> rules;
  {
    std::lock_guard lock(mutex_);
    auto it = matching_.find(bus);
    if (it == matching_.end() || !buses_.count(bus)) return done(false);
    rules = it->second;
  }
  std::vector<size_t> matched;
  rules->index->match(eventJson, matched);
  if (matched.empty()) return done(true);
  json parsed = json::parse(eventJson, nullptr, false);
  std::string eventId = parsed.is_object() ? parsed.value("id", std::string()) : std::string();
  auto countdown = Countdown::make([done] { done(true); });
  for (size_t m : matched) {
    countdown->add();
    deliverToRule(rules->rules[m], eventJson, eventId, depth,
                  [countdown] { countdown->complete(); });
  }
  countdown->complete();
}

void EventsService::deliverToRule(std::shared_ptr<const Rule> rule, std::string eventJson,
                                  const std::string& eventId, int depth,
                                  std::function<void()> done) {
  auto countdown = Countdown::make(std::move(done));
  int64_t now = nowMs();
  for (const auto& target : rule->targets) {
    auto delivery = std::make_shared<Delivery>();
    delivery->rule = rule;
    delivery->target = target;
    delivery->eventJson = eventJson;
    delivery->eventId = eventId;
    delivery->ingestionTime = eventTime(now);
    delivery->receivedAtMs = now;
    delivery->depth = depth;
    countdown->add();
    attempt(delivery, [countdown] { countdown->complete(); });
  }
  countdown->complete();
}

void EventsService::attempt(std::shared_ptr<Delivery> delivery, std::function<void()> handedOver) {
  sendToTarget(*delivery, [this, delivery, handedOver = std::move(handedOver),
                           alive = std::weak_ptr<bool>(alive_)](TargetResult result) {
    auto live = alive.lock();
    if (!live || !*live) {
      if (handedOver) handedOver();
      return;
    }
    switch (result.status) {
      case TargetResult::Status::Accepted:
        break;
      case TargetResult::Status::NotFound:
        // A target that does not exist is not retried: EventBridge sends the event to the
        // dead-letter queue at once.
        deadLetter(*delivery, result, nullptr);
        break;
      case TargetResult::Status::Failed:
      case TargetResult::Status::Unavailable:
        retryLater(delivery, result);
        break;
    }
    if (handedOver) handedOver();
  });
}

void EventsService::sendToTarget(const Delivery& delivery, TargetCallback done) {
  const Target& target = delivery.target;
  if (target.kind == TargetKind::EventBus) {
    if (delivery.depth + 1 >= kMaxBusHops) {
      return done(
          TargetResult::failed("InternalException", "The event crossed too many event buses."));
    }
    std::string bus = normalizeBus(target.arn);
    return route(bus, delivery.eventJson, delivery.depth + 1, [done, bus](bool found) {
      done(found ? TargetResult::accepted()
                 : TargetResult::notFound(fmt::format("Event bus {} does not exist.", bus)));
    });
  }
  std::string payload;
  if (target.input) {
    payload = *target.input;
  } else if (target.inputPath) {
    payload = selectJsonPath(delivery.eventJson, *target.inputPath).value_or("null");
  } else if (target.inputTransformer) {
    TransformContext context{delivery.rule->arn, delivery.rule->name, delivery.ingestionTime};
    payload = applyInputTransformer(*target.inputTransformer, delivery.eventJson, context);
  } else {
    payload = delivery.eventJson;
  }
  switch (target.kind) {
    case TargetKind::Lambda:
      return targets_.invokeFunction(target.arn, std::move(payload), std::move(done));
    case TargetKind::Sqs: {
      QueueMessage message;
      message.queueArn = target.arn;
      message.body = std::move(payload);
      message.messageGroupId = target.messageGroupId;
      message.messageDeduplicationId = delivery.eventId;
      message.senderId = delivery.rule->arn;
      return targets_.sendToQueue(std::move(message), std::move(done));
    }
    case TargetKind::Sns:
      return targets_.publishToTopic(target.arn, std::move(payload), std::move(done));
    default:
      return done(TargetResult::notFound(fmt::format("Target {} is not supported.", target.arn)));
  }
}

void EventsService::retryLater(std::shared_ptr<Delivery> delivery, TargetResult why) {
  const Target& target = delivery->target;
  int64_t age = nowMs() - delivery->receivedAtMs;
  if (delivery->retries >= target.maximumRetryAttempts) {
    return deadLetter(*delivery, why, "MaximumRetryAttemptsExhausted");
  }
  int64_t delay = std::min<int64_t>(kMaxRetryDelayMs,
                                    settings_.retryBaseDelayMs << std::min(delivery->retries, 16));
  if (age + delay > static_cast<int64_t>(target.maximumEventAgeSeconds) * 1000) {
    return deadLetter(*delivery, why, "MaximumEventAgeExhausted");
  }
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(delay));
  timer->async_wait([this, timer, delivery,
                     alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    auto live = alive.lock();
    if (ec || !live || !*live) return;
    ++delivery->retries;
    attempt(delivery, nullptr);
  });
}

void EventsService::deadLetter(const Delivery& delivery, const TargetResult& why,
                               const char* condition) {
  const Target& target = delivery.target;
  if (target.deadLetterArn.empty()) {
    logEvents(fmt::format("event {} for target {} of rule {} was dropped: {}: {}", delivery.eventId,
                          target.id, delivery.rule->arn, why.errorCode, why.errorMessage));
    return;
  }
  QueueMessage message;
  message.queueArn = target.deadLetterArn;
  message.body = delivery.eventJson;
  message.senderId = delivery.rule->arn;
  message.attributes = {{"RULE_ARN", delivery.rule->arn},
                        {"TARGET_ARN", target.arn},
                        {"ERROR_CODE", why.errorCode},
                        {"ERROR_MESSAGE", why.errorMessage},
                        {"RETRY_ATTEMPTS", std::to_string(delivery.retries)}};
  if (condition) message.attributes.push_back({"EXHAUSTED_RETRY_CONDITION", condition});
  std::sort(message.attributes.begin(), message.attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string eventId = delivery.eventId;
  std::string dlq = target.deadLetterArn;
  targets_.sendToQueue(std::move(message), [eventId, dlq](TargetResult result) {
    if (result.status != TargetResult::Status::Accepted) {
      logEvents(fmt::format("event {} could not be sent to its dead-letter queue {}: {}", eventId,
                            dlq, result.errorMessage));
    }
  });
}

void EventsService::fireScheduledRule(const std::string& busName, const std::string& ruleName,
                                      int64_t scheduledAtMs) {
  std::shared_ptr<const Rule> rule;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    auto it = rules_.find(ruleRecordKey(busName, ruleName));
    if (it == rules_.end() || !it->second->enabled()) return;
    rule = it->second;
  }
  std::string id = newUuid();
  json event = envelope(settings_, id, "Scheduled Event", "aws.events", scheduledAtMs,
                        json::array({rule->arn}), json::object());
  deliverToRule(rule, event.dump(), id, 0, [] {});
}

}  // namespace nimbus::aws::events
