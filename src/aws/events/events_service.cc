#include "aws/events/events_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <ctime>

#include "aws/events/events_call.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::events {

using nlohmann::json;

namespace {

constexpr std::string_view kTargetPrefix = "AWSEvents.";
constexpr size_t kMaxTargetsPerRule = 5;

class CallbackSink : public http::Responder::Sink {
 public:
  explicit CallbackSink(std::function<void(HttpResponse)> done) : done_(std::move(done)) {}
  void respond(HttpResponse&& response) override { done_(std::move(response)); }
  void abandon() override { done_(HttpResponse{500, {}, "the call was abandoned"}); }

 private:
  std::function<void(HttpResponse)> done_;
};

bool validName(std::string_view name, size_t maxLength, bool slash) {
  if (name.empty() || name.size() > maxLength) return false;
  return std::all_of(name.begin(), name.end(), [slash](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           (slash && c == '/');
  });
}

std::string nameConstraint(std::string_view value, std::string_view member, bool slash) {
  return fmt::format(
      "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must "
      "satisfy regular expression pattern: [{}\\.\\-_A-Za-z0-9]+",
      value, member, slash ? "/" : "");
}

double epochSeconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

json ruleJson(const Rule& rule) {
  json j;
  j["Name"] = rule.name;
  j["Arn"] = rule.arn;
  if (!rule.eventPattern.empty()) j["EventPattern"] = rule.eventPattern;
  if (!rule.scheduleExpression.empty()) j["ScheduleExpression"] = rule.scheduleExpression;
  j["State"] = rule.state;
  if (!rule.description.empty()) j["Description"] = rule.description;
  if (!rule.roleArn.empty()) j["RoleArn"] = rule.roleArn;
  if (!rule.managedBy.empty()) j["ManagedBy"] = rule.managedBy;
  j["EventBusName"] = rule.busName;
  return j;
}

json busJson(const EventBus& bus) {
  json j;
  j["Name"] = bus.name;
  j["Arn"] = bus.arn;
  if (!bus.description.empty()) j["Description"] = bus.description;
  j["CreationTime"] = epochSeconds(bus.createdAtMs);
  j["LastModifiedTime"] = epochSeconds(bus.lastModifiedAtMs);
  return j;
}

// Listing pages: the token is the position of the next item.
struct Page {
  size_t start = 0;
  size_t limit = 100;
};

std::optional<Page> pageOf(const EventsService::Call& call) {
  Page page;
  if (call.has("NextToken")) {
    std::string token = call.string("NextToken");
    char* end = nullptr;
    unsigned long v = std::strtoul(token.c_str(), &end, 10);
    if (token.empty() || *end != '\0') {
      call.fail("ValidationException", "The NextToken provided is invalid.");
      return std::nullopt;
    }
    page.start = v;
  }
  if (call.has("Limit")) {
    const json& limit = call.body["Limit"];
    if (!limit.is_number_integer() || limit.get<int64_t>() < 1 || limit.get<int64_t>() > 100) {
      call.fail("ValidationException",
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: "
                "Member must have value between 1 and 100");
      return std::nullopt;
    }
    page.limit = limit.get<size_t>();
  }
  return page;
}

// The page of `items` under `key`, with the NextToken of the next page when there is one.
json pageAnswer(const char* key, const std::vector<json>& items, const Page& page) {
  json answer{{key, json::array()}};
  for (size_t i = page.start; i < items.size() && i < page.start + page.limit; ++i) {
    answer[key].push_back(items[i]);
  }
  if (page.start + page.limit < items.size()) {
    answer["NextToken"] = std::to_string(page.start + page.limit);
  }
  return answer;
}

}  // namespace

void EventsService::Call::respond(const json& answer) const {
  responder->send(HttpResponse{
      200,
      {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", requestId}},
      answer.dump()});
}

void EventsService::Call::fail(const std::string& code, const std::string& message,
                               int status) const {
  json body{{"__type", code}, {"message", message}};
  responder->send(HttpResponse{status,
                               {{"Content-Type", "application/x-amz-json-1.1"},
                                {"x-amzn-RequestId", requestId},
                                {"x-amzn-ErrorType", code}},
                               body.dump()});
}

std::string EventsService::Call::string(const char* name) const {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string eventTime(int64_t epochMs) {
  return utcText(epochMs, "%Y-%m-%dT%H:%M:%SZ");
}

EventsService::EventsService(boost::asio::io_context& io, store::Store& store,
                             EventsDeliveryTargets& targets, EventsSettings settings)
    : io_(io),
      store_(store),
      targets_(targets),
      settings_(std::move(settings)),
      alive_(std::make_shared<bool>(true)) {
  EventBus bus;
  bus.name = std::string(kDefaultBus);
  bus.arn = busArn(settings_.region, settings_.accountId, kDefaultBus);
  buses_[bus.name] = bus;
  rebuildBusLocked(bus.name);
}

EventsService::~EventsService() {
  stop();
}

void EventsService::setSchedules(RuleSchedules* schedules) {
  std::lock_guard lock(mutex_);
  schedules_ = schedules;
}

std::vector<std::string> EventsService::load() {
  std::vector<std::string> warnings;
  std::lock_guard lock(mutex_);
  for (const auto& record : store_.records(std::string(kBusRecord))) {
    auto bus = parseBusRecord(record.value);
    if (!bus) {
      warnings.push_back("event bus record " + record.key + " could not be read; it is skipped");
      continue;
    }
    buses_[bus->name] = *bus;
  }
  for (const auto& record : store_.records(std::string(kRuleRecord))) {
    std::string warning;
    auto rule = parseRuleRecord(record.value, warning);
    if (!warning.empty()) warnings.push_back(warning);
    if (!rule) {
      warnings.push_back("rule record " + record.key + " could not be read; it is skipped");
      continue;
    }
    auto shared = std::make_shared<const Rule>(std::move(*rule));
    rules_[ruleRecordKey(shared->busName, shared->name)] = shared;
    scheduleLocked(*shared);
  }
  for (const auto& [name, bus] : buses_) rebuildBusLocked(name);
  return warnings;
}

void EventsService::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  *alive_ = false;  // Firings and retries still under way find the service gone.
}

void EventsService::handle(HttpRequest&& request, const RequestIdentity&,
                           http::Responder responder) {
  const HttpHeader* target = findHeader(request.headers, "X-Amz-Target");
  std::string_view t = target ? std::string_view(target->value) : std::string_view();
  std::string operation;
  if (t.substr(0, kTargetPrefix.size()) == kTargetPrefix) {
    operation = std::string(t.substr(kTargetPrefix.size()));
  }
  dispatch(operation, std::move(request.body), std::move(responder));
}

void EventsService::call(const std::string& operation, std::string body,
                         std::function<void(HttpResponse)> done) {
  dispatch(operation, std::move(body),
           http::Responder(std::make_shared<CallbackSink>(std::move(done))));
}

void EventsService::dispatch(const std::string& operation, std::string body,
                             http::Responder responder) {
  Call call{newUuid(), operation, json::object(),
            std::make_shared<http::Responder>(std::move(responder))};
  using Handler = void (EventsService::*)(Call&);
  static const std::map<std::string, Handler, std::less<>> kOperations = {
      {"CreateEventBus", &EventsService::createEventBus},
      {"DescribeEventBus", &EventsService::describeEventBus},
      {"ListEventBuses", &EventsService::listEventBuses},
      {"DeleteEventBus", &EventsService::deleteEventBus},
      {"PutRule", &EventsService::putRule},
      {"DescribeRule", &EventsService::describeRule},
      {"ListRules", &EventsService::listRules},
      {"DeleteRule", &EventsService::deleteRule},
      {"ListRuleNamesByTarget", &EventsService::listRuleNamesByTarget},
      {"PutTargets", &EventsService::putTargets},
      {"RemoveTargets", &EventsService::removeTargets},
      {"ListTargetsByRule", &EventsService::listTargetsByRule},
      {"PutEvents", &EventsService::putEvents},
      {"TestEventPattern", &EventsService::testEventPattern},
  };
  if (operation == "EnableRule" || operation == "DisableRule") {
    call.body = json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
    if (!call.body.is_object()) {
      return call.fail("SerializationException",
                       "Start of structure or map found where not expected");
    }
    return setRuleState(call, operation == "EnableRule");
  }
  auto it = kOperations.find(operation);
  if (it == kOperations.end()) {
    return call.fail("UnknownOperationException", "");
  }
  call.body = json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
  if (!call.body.is_object()) {
    return call.fail("SerializationException",
                     "Start of structure or map found where not expected");
  }
  (this->*(it->second))(call);
}

std::string EventsService::normalizeBus(const std::string& nameOrArn) const {
  if (nameOrArn.empty()) return std::string(kDefaultBus);
  if (nameOrArn.rfind("arn:", 0) == 0) {
    auto slash = nameOrArn.find(":event-bus/");
    if (slash != std::string::npos) return nameOrArn.substr(slash + 11);
  }
  return nameOrArn;
}

// ---- Buses -----------------------------------------------------------------------------------

void EventsService::createEventBus(Call& call) {
  std::string name = call.string("Name");
  if (!validName(name, 256, true)) {
    return call.fail("ValidationException", nameConstraint(name, "name", true));
  }
  std::lock_guard lock(mutex_);
  if (buses_.count(name)) {
    return call.fail("ResourceAlreadyExistsException",
                     fmt::format("Event bus {} already exists.", name));
  }
  EventBus bus;
  bus.name = name;
  bus.arn = busArn(settings_.region, settings_.accountId, name);
  bus.description = call.string("Description");
  bus.createdAtMs = bus.lastModifiedAtMs = nowMs();
  buses_[name] = bus;
  rebuildBusLocked(name);
  json answer{{"EventBusArn", bus.arn}};
  if (!bus.description.empty()) answer["Description"] = bus.description;
  store_.putRecord({std::string(kBusRecord), name, busRecord(bus)},
                   [call, answer](std::string error) {
                     if (!error.empty()) return call.failInternal(error);
                     call.respond(answer);
                   });
}

void EventsService::describeEventBus(Call& call) {
  std::string name = normalizeBus(call.string("Name"));
  std::lock_guard lock(mutex_);
  auto it = buses_.find(name);
  if (it == buses_.end()) {
    return call.fail("ResourceNotFoundException",
                     fmt::format("Event bus {} does not exist.", name));
  }
  call.respond(busJson(it->second));
}

void EventsService::listEventBuses(Call& call) {
  auto page = pageOf(call);
  if (!page) return;
  std::string prefix = call.string("NamePrefix");
  std::vector<json> matching;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, bus] : buses_) {
      if (name.rfind(prefix, 0) == 0) matching.push_back(busJson(bus));
    }
  }
  call.respond(pageAnswer("EventBuses", matching, *page));
}

void EventsService::deleteEventBus(Call& call) {
  std::string name = normalizeBus(call.string("Name"));
  if (name == kDefaultBus) {
    return call.fail("ValidationException", "Cannot delete event bus default.");
  }
  std::lock_guard lock(mutex_);
  if (!buses_.erase(name)) return call.respond(json::object());
  // Its rules go with it.
  std::vector<std::string> ruleKeys;
  for (const auto& [key, rule] : rules_) {
    if (rule->busName == name) ruleKeys.push_back(key);
  }
  auto remaining = std::make_shared<std::atomic<size_t>>(ruleKeys.size() + 1);
  auto firstError = std::make_shared<std::string>();
  auto errorMutex = std::make_shared<std::mutex>();
  auto one = [call, remaining, firstError, errorMutex](std::string error) {
    if (!error.empty()) {
      std::lock_guard l(*errorMutex);
      if (firstError->empty()) *firstError = error;
    }
    if (remaining->fetch_sub(1) == 1) {
      if (!firstError->empty()) return call.failInternal(*firstError);
      call.respond(json::object());
    }
  };
  for (const auto& key : ruleKeys) {
    if (schedules_) schedules_->remove(rules_[key]->arn);
    rules_.erase(key);
    store_.deleteRecord(std::string(kRuleRecord), key, one);
  }
  matching_.erase(name);
  store_.deleteRecord(std::string(kBusRecord), name, one);
}

// ---- Rules -----------------------------------------------------------------------------------

std::shared_ptr<const Rule> EventsService::ruleOrFailLocked(const Call& call,
                                                            const std::string& bus,
                                                            const std::string& name) const {
  auto it = rules_.find(ruleRecordKey(bus, name));
  if (it != rules_.end()) return it->second;
  call.fail("ResourceNotFoundException",
            fmt::format("Rule {} does not exist on EventBus {}.", name, bus));
  return nullptr;
}

void EventsService::putRuleLocked(std::shared_ptr<const Rule> rule,
                                  std::function<void(std::string)> done) {
  std::string key = ruleRecordKey(rule->busName, rule->name);
  rules_[key] = rule;
  rebuildBusLocked(rule->busName);
  scheduleLocked(*rule);
  store_.putRecord({std::string(kRuleRecord), key, ruleRecord(*rule)}, std::move(done));
}

void EventsService::scheduleLocked(const Rule& rule) {
  if (!schedules_ || stopped_) return;
  if (rule.scheduleExpression.empty() || !rule.enabled()) {
    schedules_->remove(rule.arn);
    return;
  }
  // The runner may fire from its own thread or lock: the firing is handed to the io_context.
  schedules_->upsert(rule.arn, rule.scheduleExpression, rule.createdAtMs, rule.enabledAtMs,
                     [this, alive = std::weak_ptr<bool>(alive_), bus = rule.busName,
                      name = rule.name](int64_t scheduledAtMs) {
                       auto live = alive.lock();
                       if (!live || !*live) return;
                       boost::asio::post(io_, [this, alive, bus, name, scheduledAtMs] {
                         auto still = alive.lock();
                         if (still && *still) fireScheduledRule(bus, name, scheduledAtMs);
                       });
                     });
}

void EventsService::putRule(Call& call) {
  std::string name = call.string("Name");
  if (!validName(name, 64, false)) {
    return call.fail("ValidationException", nameConstraint(name, "name", false));
  }
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::string pattern = call.string("EventPattern");
  std::string schedule = call.string("ScheduleExpression");
  std::string state = call.has("State") ? call.string("State") : "ENABLED";
  if (pattern.empty() && schedule.empty()) {
    return call.fail("ValidationException",
                     "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  }
  if (state != "ENABLED" && state != "DISABLED" &&
      state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") {
    return call.fail("ValidationException",
                     fmt::format("1 validation error detected: Value '{}' at 'state' failed to "
                                 "satisfy constraint: Member must satisfy enum value set: "
                                 "[ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, DISABLED, "
                                 "ENABLED]",
                                 state));
  }
  auto rule = std::make_shared<Rule>();
  rule->name = name;
  rule->busName = bus;
  rule->arn = ruleArn(settings_.region, settings_.accountId, bus, name);
  rule->eventPattern = pattern;
  rule->scheduleExpression = schedule;
  rule->state = state;
  rule->description = call.string("Description");
  rule->roleArn = call.string("RoleArn");
  if (!pattern.empty()) {
    auto compiled = EventPattern::compile(pattern);
    if (auto* error = std::get_if<std::string>(&compiled)) {
      return call.fail("InvalidEventPatternException", *error);
    }
    rule->pattern = std::get<std::shared_ptr<const EventPattern>>(compiled);
  }
  std::lock_guard lock(mutex_);
  if (!schedule.empty()) {
    if (bus != kDefaultBus) {
      return call.fail("ValidationException",
                       "ScheduleExpression is supported only on the default event bus.");
    }
    std::string problem = schedules_ ? schedules_->check(schedule) : std::string();
    if (!problem.empty()) {
      return call.fail("ValidationException", "Parameter ScheduleExpression is not valid.");
    }
  }
  if (!buses_.count(bus)) {
    return call.fail("ResourceNotFoundException", fmt::format("Event bus {} does not exist.", bus));
  }
  // Putting a rule again keeps its targets, its schedule's anchor, and when it was enabled.
  rule->createdAtMs = rule->enabledAtMs = nowMs();
  if (auto it = rules_.find(ruleRecordKey(bus, name)); it != rules_.end()) {
    rule->targets = it->second->targets;
    rule->managedBy = it->second->managedBy;
    if (it->second->createdAtMs) rule->createdAtMs = it->second->createdAtMs;
    if (it->second->enabled() && it->second->enabledAtMs) {
      rule->enabledAtMs = it->second->enabledAtMs;
    }
  }
  std::string arn = rule->arn;
  putRuleLocked(rule, [call, arn](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond(json{{"RuleArn", arn}});
  });
}

void EventsService::describeRule(Call& call) {
  std::string name = call.string("Name");
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::lock_guard lock(mutex_);
  auto found = ruleOrFailLocked(call, bus, name);
  if (!found) return;
  json answer = ruleJson(*found);
  answer["CreatedBy"] = settings_.accountId;
  call.respond(answer);
}

void EventsService::listRules(Call& call) {
  auto page = pageOf(call);
  if (!page) return;
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::string prefix = call.string("NamePrefix");
  std::vector<json> matching;
  {
    std::lock_guard lock(mutex_);
    if (!buses_.count(bus)) {
      return call.fail("ResourceNotFoundException",
                       fmt::format("Event bus {} does not exist.", bus));
    }
    for (const auto& [key, rule] : rules_) {
      if (rule->busName == bus && rule->name.rfind(prefix, 0) == 0) {
        matching.push_back(ruleJson(*rule));
      }
    }
  }
  call.respond(pageAnswer("Rules", matching, *page));
}

void EventsService::deleteRule(Call& call) {
  std::string name = call.string("Name");
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::lock_guard lock(mutex_);
  std::string key = ruleRecordKey(bus, name);
  auto it = rules_.find(key);
  if (it == rules_.end()) return call.respond(json::object());  // Deleting nothing succeeds.
  if (!it->second->targets.empty()) {
    return call.fail("ValidationException", "Rule can't be deleted since it has targets.");
  }
  if (schedules_) schedules_->remove(it->second->arn);
  rules_.erase(it);
  rebuildBusLocked(bus);
  store_.deleteRecord(std::string(kRuleRecord), key, [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond(json::object());
  });
}

void EventsService::setRuleState(Call& call, bool enabled) {
  std::string name = call.string("Name");
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::lock_guard lock(mutex_);
  auto found = ruleOrFailLocked(call, bus, name);
  if (!found) return;
  auto rule = std::make_shared<Rule>(*found);
  // A schedule enabled again fires for the times after now, not for those it missed.
  if (enabled && !found->enabled()) rule->enabledAtMs = nowMs();
  rule->state = enabled ? "ENABLED" : "DISABLED";
  putRuleLocked(rule, [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond(json::object());
  });
}

void EventsService::listRuleNamesByTarget(Call& call) {
  auto page = pageOf(call);
  if (!page) return;
  std::string targetArn = call.string("TargetArn");
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::vector<json> names;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, rule] : rules_) {
      if (rule->busName != bus) continue;
      bool targets = std::any_of(rule->targets.begin(), rule->targets.end(),
                                 [&](const Target& t) { return t.arn == targetArn; });
      if (targets) names.push_back(rule->name);
    }
  }
  call.respond(pageAnswer("RuleNames", names, *page));
}

// ---- Targets ---------------------------------------------------------------------------------

void EventsService::putTargets(Call& call) {
  std::string name = call.string("Rule");
  std::string bus = normalizeBus(call.string("EventBusName"));
  const json& given = call.body.contains("Targets") ? call.body["Targets"] : json();
  if (!given.is_array() || given.empty() || given.size() > 10) {
    return call.fail("ValidationException",
                     "1 validation error detected: Value at 'targets' failed to satisfy "
                     "constraint: Member must have length less than or equal to 10 and greater "
                     "than or equal to 1");
  }
  std::vector<Target> parsed;
  json failed = json::array();
  for (const auto& entry : given) {
    Target target;
    if (auto problem = parseTarget(entry.dump(), target)) {
      return call.fail("ValidationException", *problem);
    }
    if (target.kind == TargetKind::Unsupported) {
      failed.push_back({{"TargetId", target.id},
                        {"ErrorCode", "ValidationException"},
                        {"ErrorMessage", fmt::format("Target {} is not a Lambda function, SQS "
                                                     "queue, SNS topic or event bus nimbus serves.",
                                                     target.arn)}});
      continue;
    }
    parsed.push_back(std::move(target));
  }
  std::lock_guard lock(mutex_);
  auto found = ruleOrFailLocked(call, bus, name);
  if (!found) return;
  auto rule = std::make_shared<Rule>(*found);
  for (auto& target : parsed) {
    auto same = std::find_if(rule->targets.begin(), rule->targets.end(),
                             [&](const Target& t) { return t.id == target.id; });
    if (same != rule->targets.end()) {
      *same = std::move(target);
    } else {
      rule->targets.push_back(std::move(target));
    }
  }
  if (rule->targets.size() > kMaxTargetsPerRule) {
    return call.fail("LimitExceededException",
                     fmt::format("The requested resource exceeds the maximum number allowed. "
                                 "A rule can have at most {} targets.",
                                 kMaxTargetsPerRule));
  }
  putRuleLocked(rule, [call, failed](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond(json{{"FailedEntryCount", failed.size()}, {"FailedEntries", failed}});
  });
}

void EventsService::removeTargets(Call& call) {
  std::string name = call.string("Rule");
  std::string bus = normalizeBus(call.string("EventBusName"));
  const json& ids = call.body.contains("Ids") ? call.body["Ids"] : json();
  if (!ids.is_array() || ids.empty() || ids.size() > 100) {
    return call.fail("ValidationException",
                     "1 validation error detected: Value at 'ids' failed to satisfy constraint: "
                     "Member must have length less than or equal to 100 and greater than or "
                     "equal to 1");
  }
  std::lock_guard lock(mutex_);
  auto found = ruleOrFailLocked(call, bus, name);
  if (!found) return;
  auto rule = std::make_shared<Rule>(*found);
  for (const auto& id : ids) {
    if (!id.is_string()) continue;
    std::erase_if(rule->targets, [&](const Target& t) { return t.id == id.get<std::string>(); });
  }
  putRuleLocked(rule, [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond(json{{"FailedEntryCount", 0}, {"FailedEntries", json::array()}});
  });
}

void EventsService::listTargetsByRule(Call& call) {
  auto page = pageOf(call);
  if (!page) return;
  std::string name = call.string("Rule");
  std::string bus = normalizeBus(call.string("EventBusName"));
  std::shared_ptr<const Rule> rule;
  {
    std::lock_guard lock(mutex_);
    rule = ruleOrFailLocked(call, bus, name);
    if (!rule) return;
  }
  std::vector<json> targets;
  for (const auto& t : rule->targets) targets.push_back(json::parse(t.json, nullptr, false));
  call.respond(pageAnswer("Targets", targets, *page));
}

// ---- Patterns --------------------------------------------------------------------------------

void EventsService::testEventPattern(Call& call) {
  std::string pattern = call.string("EventPattern");
  std::string event = call.string("Event");
  auto compiled = EventPattern::compile(pattern);
  if (auto* error = std::get_if<std::string>(&compiled)) {
    return call.fail("InvalidEventPatternException", *error);
  }
  json parsed = json::parse(event, nullptr, false);
  static const char* kRequired[] = {"id", "account", "source", "time", "region", "detail-type"};
  bool valid = parsed.is_object() && std::all_of(std::begin(kRequired), std::end(kRequired),
                                                 [&](const char* k) { return parsed.contains(k); });
  if (!valid) return call.fail("ValidationException", "Parameter Event is not valid.");
  bool result = std::get<std::shared_ptr<const EventPattern>>(compiled)->matches(event);
  call.respond(json{{"Result", result}});
}

std::vector<EventsService::RuleSummary> EventsService::rules() const {
  std::vector<RuleSummary> out;
  std::lock_guard lock(mutex_);
  for (const auto& [key, rule] : rules_) {
    RuleSummary s{
        rule->busName,        rule->name,  rule->arn, rule->state, rule->scheduleExpression,
        rule->targets.size(), std::nullopt};
    if (schedules_ && !rule->scheduleExpression.empty() && rule->enabled()) {
      s.nextFiringMs = schedules_->nextFiringMs(rule->arn);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<EventsService::BusSummary> EventsService::buses() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, size_t> counts;
  for (const auto& [name, bus] : buses_) counts[name] = 0;
  for (const auto& [key, rule] : rules_) ++counts[rule->busName];
  std::vector<BusSummary> out;
  for (const auto& [name, rules] : counts) out.push_back({name, rules});
  return out;
}

}  // namespace nimbus::aws::events
