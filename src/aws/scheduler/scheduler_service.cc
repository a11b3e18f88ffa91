#include "aws/scheduler/scheduler_service.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>

#include "aws/rest_json.h"
#include "aws/scheduler/schedule_delivery.h"
#include "aws/scheduler/schedule_expression.h"
#include "aws/scheduler/schedule_runner.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "core/url.h"
#include "store/store.h"

namespace nimbus::aws::scheduler {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// One request: its route and how to answer it, from any thread.
struct Call {
  std::string requestId = newUuid();
  std::string method;
  std::vector<std::string> path;  // Decoded segments: {"schedules", "name"}
  std::string query;
  json body;
  std::shared_ptr<http::Responder> responder;

  std::string param(std::string_view name) const { return queryParameter(query, name); }

  void answer(const json& j = json::object()) const {
    responder->send(restJsonResponse(200, j.dump(), requestId));
  }
  // Scheduler's errors carry {"Message": ...} and the x-amzn-ErrorType header.
  void fail(const ServiceError& e) const {
    HttpResponse r = restJsonResponse(e.status, json{{"Message", e.message}}.dump(), requestId);
    r.headers.push_back({"x-amzn-ErrorType", e.code});
    responder->send(std::move(r));
  }
};

ServiceError notFound(std::string message) {
  return ServiceError{"ResourceNotFoundException", std::move(message), 404};
}
ServiceError conflict(std::string message) {
  return ServiceError{"ConflictException", std::move(message), 409};
}
ServiceError internal(const std::string& why) {
  return ServiceError{"InternalServerException", "The store failed: " + why, 500};
}

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const size_t end = path.find('/', at);
    out.push_back(
        percentDecode(path.substr(at, end == std::string_view::npos ? path.npos : end - at)));
    at = end == std::string_view::npos ? path.size() : end;
  }
  return out;
}

Status checkName(std::string_view member, const std::string& name) {
  if (validResourceName(name)) return ok();
  return validationError("1 validation error detected: Value '" + name + "' at '" +
                         std::string(member) +
                         "' failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: ^[0-9a-zA-Z-_.]+$");
}

// MaxResults (1-100, default 100) and where a page starts.
Status readPage(const Call& call, size_t& max) {
  std::string text = call.param("MaxResults");
  max = 100;
  if (text.empty()) return ok();
  try {
    long n = std::stol(text);
    if (n >= 1 && n <= 100) {
      max = static_cast<size_t>(n);
      return ok();
    }
  } catch (const std::exception&) {
  }
  return validationError("1 validation error detected: Value '" + text +
                         "' at 'maxResults' failed to satisfy constraint: Member must have value "
                         "between 1 and 100");
}

}  // namespace

struct SchedulerService::Core : std::enable_shared_from_this<Core> {
  Core(asio::io_context& i, store::Store& s, ScheduleTargets& t, SchedulerLocation w)
      : io(i), store(s), targets(t), where(std::move(w)), runner(i, s, std::string(kFiredRecord)) {}

  asio::io_context& io;
  store::Store& store;
  ScheduleTargets& targets;
  const SchedulerLocation where;
  ScheduleRunner runner;

  mutable std::mutex mutex;
  std::map<std::string, ScheduleGroup> groups;  // By name.
  std::map<std::string, Schedule> schedules;    // By group/name.

  std::string groupOf(const Call& call, const char* param = "groupName") const {
    std::string g = call.param(param);
    return g.empty() ? std::string(kDefaultGroup) : g;
  }

  // Hands an enabled schedule to the runner (a disabled one is taken off). Not locked: the
  // runner may call back (complete) before it returns.
  void arm(const Schedule& s) {
    if (!s.enabled()) return runner.remove(s.key());
    auto expression =
        ScheduleExpression::parse(s.expression, s.timezone.empty() ? "UTC" : s.timezone);
    if (!expression) {
      fmt::print(stderr, "warning: schedule {}: {}\n", where.scheduleArn(s),
                 expression.error().message);
      return runner.remove(s.key());
    }
    RunnerSchedule r(std::move(*expression));
    // A rate counts from StartDate, else from when the schedule was last written: Scheduler
    // starts a rate schedule without a StartDate at once.
    r.anchorMs = s.startDateMs.value_or(s.lastModificationDateMs);
    r.sinceMs = s.lastModificationDateMs;
    if (s.startDateMs) r.notBeforeMs = *s.startDateMs;
    if (s.endDateMs) r.notAfterMs = *s.endDateMs;
    r.flexibleWindowMs = s.flexibleMode == "FLEXIBLE" ? s.maximumWindowInMinutes * 60'000LL : 0;
    r.maxMissedAgeMs = s.target.maximumEventAgeInSeconds * 1000LL;
    std::weak_ptr<Core> weak = weak_from_this();
    const std::string key = s.key();
    runner.upsert(
        key, std::move(r),
        [weak, key](int64_t scheduledMs) {
          if (auto self = weak.lock()) self->fire(key, scheduledMs);
        },
        [weak, key] {
          if (auto self = weak.lock()) self->complete(key);
        });
  }

  void fire(const std::string& key, int64_t scheduledMs) {
    Firing firing;
    {
      std::lock_guard lock(mutex);
      auto it = schedules.find(key);
      if (it == schedules.end() || !it->second.enabled()) return;
      firing.scheduleArn = where.scheduleArn(it->second);
      firing.target = it->second.target;
    }
    firing.scheduledMs = scheduledMs;
    firing.executionId = newUuid();
    deliverFiring(io, targets, std::move(firing));
  }

  // ActionAfterCompletion DELETE: the schedule goes once its last firing is handed off.
  void complete(const std::string& key) {
    {
      std::lock_guard lock(mutex);
      auto it = schedules.find(key);
      if (it == schedules.end() || it->second.actionAfterCompletion != "DELETE") return;
      schedules.erase(it);
    }
    store.deleteRecord(std::string(kScheduleRecord), key, [key](std::string error) {
      if (!error.empty()) fmt::print(stderr, "warning: schedule {} not deleted: {}\n", key, error);
    });
    runner.remove(key);
  }

  // ---- Schedules ----

  void createOrUpdate(Call call, bool create) {
    Schedule s;
    s.name = call.path[1];
    s.groupName = call.body.is_object() && call.body.contains("GroupName") &&
                          call.body["GroupName"].is_string()
                      ? call.body["GroupName"].get<std::string>()
                      : std::string(kDefaultGroup);
    if (auto st = checkName("name", s.name); !st) return call.fail(st.error());
    if (auto st = checkName("groupName", s.groupName); !st) return call.fail(st.error());
    if (auto st = readScheduleRequest(call.body, s); !st) return call.fail(st.error());
    const int64_t now = nowMs();
    s.lastModificationDateMs = now;
    s.creationDateMs = now;
    std::optional<Schedule> previous;
    {
      std::lock_guard lock(mutex);
      if (!groups.contains(s.groupName)) {
        return call.fail(notFound("Schedule group " + s.groupName + " does not exist."));
      }
      auto it = schedules.find(s.key());
      if (create && it != schedules.end()) {
        return call.fail(conflict("Schedule " + s.name + " already exists."));
      }
      if (!create) {
        if (it == schedules.end()) {
          return call.fail(notFound("Schedule " + s.name + " does not exist."));
        }
        previous = it->second;
        s.creationDateMs = it->second.creationDateMs;
      }
      schedules[s.key()] = s;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    store.putRecord({std::string(kScheduleRecord), s.key(), scheduleRecord(s)},
                    [weak, call = std::move(call), s, previous](std::string error) {
                      auto self = weak.lock();
                      if (!self) return;
                      if (!error.empty()) {
                        {
                          std::lock_guard lock(self->mutex);
                          if (previous) {
                            self->schedules[s.key()] = *previous;
                          } else {
                            self->schedules.erase(s.key());
                          }
                        }
                        return call.fail(internal(error));
                      }
                      call.answer({{"ScheduleArn", self->where.scheduleArn(s)}});
                      self->arm(s);
                    });
  }

  void getSchedule(const Call& call) {
    const std::string key = groupOf(call) + "/" + call.path[1];
    std::lock_guard lock(mutex);
    if (!groups.contains(groupOf(call))) {
      return call.fail(notFound("Schedule group " + groupOf(call) + " does not exist."));
    }
    auto it = schedules.find(key);
    if (it == schedules.end()) {
      return call.fail(notFound("Schedule " + call.path[1] + " does not exist."));
    }
    call.answer(scheduleJson(it->second, where));
  }

  void deleteSchedule(Call call) {
    const std::string key = groupOf(call) + "/" + call.path[1];
    {
      std::lock_guard lock(mutex);
      if (!groups.contains(groupOf(call))) {
        return call.fail(notFound("Schedule group " + groupOf(call) + " does not exist."));
      }
      if (schedules.erase(key) == 0) {
        return call.fail(notFound("Schedule " + call.path[1] + " does not exist."));
      }
    }
    runner.remove(key);
    store.deleteRecord(std::string(kScheduleRecord), key, [call = std::move(call)](std::string e) {
      if (!e.empty()) return call.fail(internal(e));
      call.answer();
    });
  }

  void listSchedules(const Call& call) {
    size_t max = 0;
    if (auto st = readPage(call, max); !st) return call.fail(st.error());
    const std::string group = call.param("ScheduleGroup");
    const std::string prefix = call.param("NamePrefix");
    const std::string state = call.param("State");
    const std::string token = call.param("NextToken");
    json page = json::array();
    std::string next;
    std::lock_guard lock(mutex);
    if (!group.empty() && !groups.contains(group)) {
      return call.fail(notFound("Schedule group " + group + " does not exist."));
    }
    for (auto it = token.empty() ? schedules.begin() : schedules.lower_bound(token);
         it != schedules.end(); ++it) {
      const Schedule& s = it->second;
      if (!group.empty() && s.groupName != group) continue;
      if (!prefix.empty() && s.name.rfind(prefix, 0) != 0) continue;
      if (!state.empty() && s.state != state) continue;
      if (page.size() == max) {
        next = it->first;
        break;
      }
      page.push_back(scheduleSummaryJson(s, where));
    }
    json out = {{"Schedules", page}};
    if (!next.empty()) out["NextToken"] = next;
    call.answer(out);
  }

  // ---- Groups ----

  void createGroup(Call call) {
    ScheduleGroup g;
    g.name = call.path[1];
    if (auto st = checkName("name", g.name); !st) return call.fail(st.error());
    if (auto tags = call.body.find("Tags"); call.body.is_object() && tags != call.body.end()) {
      for (const auto& t : *tags) {
        if (t.is_object()) g.tags.emplace_back(t.value("Key", ""), t.value("Value", ""));
      }
    }
    g.creationDateMs = g.lastModificationDateMs = nowMs();
    {
      std::lock_guard lock(mutex);
      if (groups.contains(g.name)) {
        return call.fail(conflict("Schedule group " + g.name + " already exists."));
      }
      groups[g.name] = g;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    store.putRecord({std::string(kGroupRecord), g.name, groupRecord(g)},
                    [weak, call = std::move(call), g](std::string error) {
                      auto self = weak.lock();
                      if (!self) return;
                      if (!error.empty()) {
                        std::lock_guard lock(self->mutex);
                        self->groups.erase(g.name);
                        return call.fail(internal(error));
                      }
                      call.answer({{"ScheduleGroupArn", self->where.groupArn(g.name)}});
                    });
  }

  void getGroup(const Call& call) {
    std::lock_guard lock(mutex);
    auto it = groups.find(call.path[1]);
    if (it == groups.end()) {
      return call.fail(notFound("Schedule group " + call.path[1] + " does not exist."));
    }
    call.answer(groupJson(it->second, where));
  }

  // Deleting a group deletes its schedules.
  void deleteGroup(Call call) {
    const std::string name = call.path[1];
    if (name == kDefaultGroup) {
      return call.fail(validationError("The default schedule group cannot be deleted."));
    }
    std::vector<std::string> removed;
    {
      std::lock_guard lock(mutex);
      if (groups.erase(name) == 0) {
        return call.fail(notFound("Schedule group " + name + " does not exist."));
      }
      for (auto it = schedules.begin(); it != schedules.end();) {
        if (it->second.groupName == name) {
          removed.push_back(it->first);
          it = schedules.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& key : removed) {
      runner.remove(key);
      store.deleteRecord(std::string(kScheduleRecord), key, [](std::string) {});
    }
    store.deleteRecord(std::string(kGroupRecord), name, [call = std::move(call)](std::string e) {
      if (!e.empty()) return call.fail(internal(e));
      call.answer();
    });
  }

  void listGroups(const Call& call) {
    size_t max = 0;
    if (auto st = readPage(call, max); !st) return call.fail(st.error());
    const std::string prefix = call.param("NamePrefix");
    const std::string token = call.param("NextToken");
    json page = json::array();
    std::string next;
    std::lock_guard lock(mutex);
    for (auto it = token.empty() ? groups.begin() : groups.lower_bound(token); it != groups.end();
         ++it) {
      if (!prefix.empty() && it->first.rfind(prefix, 0) != 0) continue;
      if (page.size() == max) {
        next = it->first;
        break;
      }
      page.push_back(groupJson(it->second, where));
    }
    json out = {{"ScheduleGroups", page}};
    if (!next.empty()) out["NextToken"] = next;
    call.answer(out);
  }

  // ListTagsForResource for groups (schedules have no tags).
  void listTags(const Call& call) {
    const std::string arn = call.path.size() > 1 ? call.path[1] : "";
    const std::string prefix = where.groupArn("");
    std::lock_guard lock(mutex);
    auto it = arn.rfind(prefix, 0) == 0 ? groups.find(arn.substr(prefix.size())) : groups.end();
    if (it == groups.end()) return call.fail(notFound("Resource " + arn + " does not exist."));
    json tags = json::array();
    for (const auto& [k, v] : it->second.tags) tags.push_back({{"Key", k}, {"Value", v}});
    call.answer({{"Tags", tags}});
  }

  void route(Call call) {
    const auto& p = call.path;
    const std::string& m = call.method;
    if (!p.empty() && p[0] == "schedules") {
      if (p.size() == 1 && m == "GET") return listSchedules(call);
      if (p.size() == 2 && m == "POST") return createOrUpdate(std::move(call), true);
      if (p.size() == 2 && m == "PUT") return createOrUpdate(std::move(call), false);
      if (p.size() == 2 && m == "GET") return getSchedule(call);
      if (p.size() == 2 && m == "DELETE") return deleteSchedule(std::move(call));
    } else if (!p.empty() && p[0] == "schedule-groups") {
      if (p.size() == 1 && m == "GET") return listGroups(call);
      if (p.size() == 2 && m == "POST") return createGroup(std::move(call));
      if (p.size() == 2 && m == "GET") return getGroup(call);
      if (p.size() == 2 && m == "DELETE") return deleteGroup(std::move(call));
    } else if (p.size() == 2 && p[0] == "tags" && m == "GET") {
      return listTags(call);
    }
    call.fail(ServiceError{
        "UnknownOperationException",
        "nimbus's Scheduler has no operation " + m + " /" + (p.empty() ? std::string() : p[0]),
        404});
  }
};

SchedulerService::SchedulerService(asio::io_context& io, store::Store& store,
                                   ScheduleTargets& targets, SchedulerLocation where)
    : core_(std::make_shared<Core>(io, store, targets, std::move(where))) {}

SchedulerService::~SchedulerService() {
  stop();
}

std::vector<std::string> SchedulerService::load() {
  std::vector<std::string> warnings;
  std::vector<Schedule> loaded;
  {
    std::lock_guard lock(core_->mutex);
    for (const auto& r : core_->store.records(std::string(kGroupRecord))) {
      if (auto g = parseGroupRecord(r.value)) {
        core_->groups[g->name] = std::move(*g);
      } else {
        warnings.push_back("scheduler: unreadable schedule group record " + r.key);
      }
    }
    if (!core_->groups.contains(std::string(kDefaultGroup))) {
      ScheduleGroup g;
      g.name = kDefaultGroup;
      g.creationDateMs = g.lastModificationDateMs = nowMs();
      core_->groups[g.name] = g;
    }
    for (const auto& r : core_->store.records(std::string(kScheduleRecord))) {
      if (auto s = parseScheduleRecord(r.value)) {
        core_->schedules[s->key()] = *s;
        loaded.push_back(std::move(*s));
      } else {
        warnings.push_back("scheduler: unreadable schedule record " + r.key);
      }
    }
  }
  for (const auto& s : loaded) core_->arm(s);
  return warnings;
}

void SchedulerService::start() {
  core_->runner.start();
}

void SchedulerService::stop() {
  core_->runner.stop();
}

void SchedulerService::handle(HttpRequest&& request, const RequestIdentity&,
                              http::Responder responder) {
  Call call;
  call.method = request.method;
  const size_t question = request.target.find('?');
  call.path = splitPath(std::string_view(request.target).substr(0, question));
  if (question != std::string::npos) call.query = request.target.substr(question + 1);
  call.responder = std::make_shared<http::Responder>(std::move(responder));
  if (!request.body.empty()) {
    call.body = json::parse(request.body, nullptr, false);
    if (call.body.is_discarded()) {
      return call.fail(validationError("The request body is not valid JSON."));
    }
  }
  core_->route(std::move(call));
}

std::vector<SchedulerService::ScheduleInfo> SchedulerService::schedules() const {
  std::vector<ScheduleInfo> out;
  {
    std::lock_guard lock(core_->mutex);
    for (const auto& [key, s] : core_->schedules) {
      out.push_back({core_->where.scheduleArn(s), s.expression, s.state, std::nullopt});
    }
  }
  for (auto& info : out) {
    const std::string key = info.arn.substr(info.arn.find(":schedule/") + 10);
    info.nextFireMs = core_->runner.nextFireMs(key);
  }
  return out;
}

}  // namespace nimbus::aws::scheduler
