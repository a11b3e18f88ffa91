// Amazon EventBridge on the AWS endpoint (JSON 1.1, X-Amz-Target "AWSEvents.<Operation>"):
// event buses, rules with event patterns or schedules, targets (Lambda, SQS, SNS, other buses)
// with Input, InputPath and InputTransformer, retry policies and dead-letter queues, PutEvents and
// TestEventPattern. Buses and rules (with their targets) are records in the store, committed
// before the API answers. A PutEvents is answered once every matching target has the event on its
// durable path (an SQS message, a Lambda asynchronous event), or has been given up on. Deliveries
// that fail are retried in memory with backoff within the target's RetryPolicy, then sent to its
// dead-letter queue. docs/eventbridge.md is the reference.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/events/delivery_targets.h"
#include "aws/events/events_model.h"
#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::aws::events {

struct EventsSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  size_t maxPutEventsBytes = 256 * 1024;  // PutEvents' limit on the entries together.
  // The first retry's delay; each later one doubles it (EventBridge backs off exponentially).
  int64_t retryBaseDelayMs = 1000;
};

class EventsService {
 public:
  // `store`, `targets` and `io` must outlive the service; `schedules` may be null (scheduled
  // rules are then kept but do not fire) and is set before load().
  EventsService(boost::asio::io_context& io, store::Store& store, EventsDeliveryTargets& targets,
                EventsSettings settings);
  ~EventsService();
  EventsService(const EventsService&) = delete;
  EventsService& operator=(const EventsService&) = delete;

  void setSchedules(RuleSchedules* schedules);

  // Reads the buses and rules kept in the store and schedules the scheduled rules. Returns
  // warnings for records that could not be read whole.
  std::vector<std::string> load();

  // Stops retrying deliveries and firing schedules.
  void stop();

  // Answers one request on the AWS endpoint.
  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // Answers an operation called from inside nimbus, with what a client would send:
  // serverless.yml's buses, rules and targets are made this way. `done` gets the JSON answer,
  // from any thread.
  void call(const std::string& operation, std::string body, std::function<void(HttpResponse)> done);

  // Puts an event an AWS service emits (source "aws.s3", detail-type "Object Created") on the
  // default bus, where PutEvents refuses "aws." sources. `done` runs once every matching target
  // has it on its durable path (or has been given up on).
  void putServiceEvent(const std::string& source, const std::string& detailType,
                       const std::string& detailJson, std::vector<std::string> resources,
                       std::function<void()> done);

  // Fires a scheduled rule now, as its schedule would at `scheduledAtMs`.
  void fireScheduledRule(const std::string& busName, const std::string& ruleName,
                         int64_t scheduledAtMs);

  // What nimbus info shows: every rule with its bus, state and next firing.
  struct RuleSummary {
    std::string bus;
    std::string name;
    std::string arn;
    std::string state;
    std::string scheduleExpression;
    size_t targets = 0;
    std::optional<int64_t> nextFiringMs;
  };
  std::vector<RuleSummary> rules() const;
  // What nimbus info shows of each bus: its name and how many rules it has.
  struct BusSummary {
    std::string name;
    size_t rules = 0;
  };
  std::vector<BusSummary> buses() const;

  struct Call;
  struct Delivery;
  struct BusRules;

 private:
  void dispatch(const std::string& operation, std::string body, http::Responder responder);
  // Buses.
  void createEventBus(Call& call);
  void describeEventBus(Call& call);
  void listEventBuses(Call& call);
  void deleteEventBus(Call& call);
  // Rules.
  void putRule(Call& call);
  void describeRule(Call& call);
  void listRules(Call& call);
  void deleteRule(Call& call);
  void setRuleState(Call& call, bool enabled);
  void listRuleNamesByTarget(Call& call);
  // Targets.
  void putTargets(Call& call);
  void removeTargets(Call& call);
  void listTargetsByRule(Call& call);
  // Events.
  void putEvents(Call& call);
  void testEventPattern(Call& call);

  // A rule changed: its record is written, the bus's matching rebuilt and its schedule updated.
  // `done` gets the store's error, if any. Locked.
  void putRuleLocked(std::shared_ptr<const Rule> rule, std::function<void(std::string)> done);
  void rebuildBusLocked(const std::string& bus);
  void scheduleLocked(const Rule& rule);

  // Routes an event (an envelope's JSON) on `bus` to every matching enabled rule's targets.
  // `done` runs once each delivery has been handed over (or given up on), with false when the
  // bus does not exist.
  void route(const std::string& bus, std::string eventJson, int depth,
             std::function<void(bool)> done);
  void deliverToRule(std::shared_ptr<const Rule> rule, std::string eventJson,
                     const std::string& eventId, int depth, std::function<void()> done);
  void attempt(std::shared_ptr<Delivery> delivery, std::function<void()> handedOver);
  void sendToTarget(const Delivery& delivery, TargetCallback done);
  void retryLater(std::shared_ptr<Delivery> delivery, TargetResult why);
  void deadLetter(const Delivery& delivery, const TargetResult& why, const char* condition);

  std::string normalizeBus(const std::string& nameOrArn) const;
  // The rule, or null once `call` has been answered with ResourceNotFoundException. Locked.
  std::shared_ptr<const Rule> ruleOrFailLocked(const Call& call, const std::string& bus,
                                               const std::string& name) const;

  boost::asio::io_context& io_;
  store::Store& store_;
  EventsDeliveryTargets& targets_;
  EventsSettings settings_;
  RuleSchedules* schedules_ = nullptr;

  mutable std::mutex mutex_;
  bool stopped_ = false;
  std::map<std::string, EventBus> buses_;                            // By name.
  std::map<std::string, std::shared_ptr<const Rule>> rules_;         // By "{bus}/{rule}".
  std::map<std::string, std::shared_ptr<const BusRules>> matching_;  // By bus.
  std::shared_ptr<bool> alive_;  // Timers check it before touching the service.
};

}  // namespace nimbus::aws::events
