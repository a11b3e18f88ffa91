#include "aws/logs/logs_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "aws/logs/logs_call.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "observe/log_store.h"

namespace nimbus::aws::logs {

using json = nlohmann::json;

namespace {

constexpr std::string_view kTargetPrefix = "Logs_20140328.";

// The retention periods CloudWatch Logs offers, in days.
constexpr std::array<int, 22> kRetentionDays = {1,    3,    5,    7,    14,   30,  60,  90,
                                                120,  150,  180,  365,  400,  545, 731, 1096,
                                                1827, 2192, 2557, 2922, 3288, 3653};

bool isGroupNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == '#';
}

// "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn:*" -> "/aws/lambda/fn".
std::string groupFromIdentifier(const std::string& identifier) {
  constexpr std::string_view kMarker = ":log-group:";
  if (!identifier.starts_with("arn:")) return identifier;
  auto at = identifier.find(kMarker);
  if (at == std::string::npos) return identifier;
  std::string name = identifier.substr(at + kMarker.size());
  if (name.ends_with(":*")) name.resize(name.size() - 2);
  return name;
}

json tagsJson(const observe::Tags& tags) {
  json out = json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

// Tags as a request gives them, checked as CloudWatch Logs checks them.
std::optional<observe::Tags> readTags(const LogsService::Call& call, const char* member) {
  observe::Tags tags;
  if (!call.has(member)) return tags;
  const json& given = call.body[member];
  if (!given.is_object() || given.size() > 50) {
    call.invalid(validationMessage(given.dump(), member,
                                   "Member must have length less than or equal to 50"));
    return std::nullopt;
  }
  for (const auto& [k, v] : given.items()) {
    if (!v.is_string() || k.empty() || k.size() > 128 || k.starts_with("aws:")) {
      call.invalid(fmt::format("Invalid tag key '{}'", k));
      return std::nullopt;
    }
    tags[k] = v.get<std::string>();
  }
  return tags;
}

// The log group a tagging operation names: by name (TagLogGroup, ...) or by ARN (TagResource,
// ...). Fails the call and returns nullopt when it names none.
std::optional<std::string> taggedGroup(const LogsService::Call& call, bool byArn) {
  if (!byArn) return call.groupName(false);
  std::string arn = call.string("resourceArn");
  if (arn.find(":log-group:") == std::string::npos) {
    call.invalid("Invalid resourceArn: " + arn);
    return std::nullopt;
  }
  return groupFromIdentifier(arn);
}

}  // namespace

ServiceError storeClosed() {
  return {"ServiceUnavailableException", "The log store is not open", 500};
}

void LogsService::change(const Call& call, std::function<Status(observe::LogDatabase&)> op) {
  store_.write([call, op = std::move(op)](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto done = op(*db);
    done ? call.respond(json::object()) : call.fail(done.error());
  });
}

std::string validationMessage(const std::string& value, const std::string& member,
                              const std::string& constraint) {
  return fmt::format(
      "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}", value,
      member, constraint);
}

void LogsService::Call::respond(const json& answer) const {
  responder->send(HttpResponse{
      200,
      {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", requestId}},
      answer.dump(-1, ' ', false, json::error_handler_t::replace)});
}

void LogsService::Call::fail(const ServiceError& error) const {
  json body{{"__type", error.code}, {"message", error.message}};
  responder->send(HttpResponse{error.status,
                               {{"Content-Type", "application/x-amz-json-1.1"},
                                {"x-amzn-RequestId", requestId},
                                {"x-amzn-ErrorType", error.code}},
                               body.dump(-1, ' ', false, json::error_handler_t::replace)});
}

std::string LogsService::Call::string(const char* name) const {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> LogsService::Call::integer(const char* name) const {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<std::string> LogsService::Call::groupName(bool identifierAllowed) const {
  bool byName = has("logGroupName");
  bool byIdentifier = identifierAllowed && has("logGroupIdentifier");
  if (byName && byIdentifier) {
    invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    return std::nullopt;
  }
  if (!byName && !byIdentifier) {
    invalid(identifierAllowed
                ? "Should provide either name or ARN of LogGroup."
                : validationMessage("null", "logGroupName", "Member must not be null"));
    return std::nullopt;
  }
  std::string name =
      byName ? string("logGroupName") : groupFromIdentifier(string("logGroupIdentifier"));
  const char* member = byName ? "logGroupName" : "logGroupIdentifier";
  if (name.empty() || name.size() > 512) {
    invalid(validationMessage(name, member,
                              name.empty() ? "Member must have length greater than or equal to 1"
                                           : "Member must have length less than or equal to 512"));
    return std::nullopt;
  }
  if (!std::all_of(name.begin(), name.end(), isGroupNameChar)) {
    invalid(validationMessage(name, member,
                              "Member must satisfy regular expression pattern: "
                              "[\\.\\-_/#A-Za-z0-9]+"));
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> LogsService::Call::streamName(const char* member) const {
  if (!has(member)) {
    invalid(validationMessage("null", member, "Member must not be null"));
    return std::nullopt;
  }
  std::string name = string(member);
  if (name.empty() || name.size() > 512) {
    invalid(validationMessage(name, member,
                              name.empty() ? "Member must have length greater than or equal to 1"
                                           : "Member must have length less than or equal to 512"));
    return std::nullopt;
  }
  if (name.find_first_of(":*") != std::string::npos) {
    invalid(
        validationMessage(name, member, "Member must satisfy regular expression pattern: [^:*]*"));
    return std::nullopt;
  }
  return name;
}

std::optional<size_t> LogsService::Call::limit(size_t max, size_t fallback) const {
  if (!has("limit")) return fallback;
  auto value = integer("limit");
  if (!value || *value < 1 || static_cast<size_t>(*value) > max) {
    bool tooSmall = !value || *value < 1;
    invalid(validationMessage(body["limit"].dump(), "limit",
                              tooSmall ? "Member must have value greater than or equal to 1"
                                       : fmt::format("Member must have value less than or "
                                                     "equal to {}",
                                                     max)));
    return std::nullopt;
  }
  return static_cast<size_t>(*value);
}

LogsService::LogsService(observe::LogStore& store, LogsSettings settings)
    : store_(store), settings_(std::move(settings)) {}

std::string LogsService::groupArn(const std::string& group) const {
  return fmt::format("arn:aws:logs:{}:{}:log-group:{}", settings_.region, settings_.accountId,
                     group);
}

void LogsService::handle(HttpRequest&& request, const RequestIdentity&, http::Responder responder) {
  const HttpHeader* target = findHeader(request.headers, "X-Amz-Target");
  std::string_view t = target ? std::string_view(target->value) : std::string_view();
  std::string operation;
  if (t.starts_with(kTargetPrefix)) operation = std::string(t.substr(kTargetPrefix.size()));
  Call call{newUuid(), json::object(), std::make_shared<http::Responder>(std::move(responder))};
  if (!request.body.empty()) {
    call.body = json::parse(request.body, nullptr, false);
    if (!call.body.is_object()) {
      return call.fail(
          {"SerializationException", "Start of structure or map found where not expected.", 400});
    }
  }
  using Handler = void (*)(LogsService&, Call&);
  static const std::map<std::string, Handler, std::less<>> kOperations = {
      {"CreateLogGroup", [](LogsService& s, Call& c) { s.createLogGroup(c); }},
      {"DeleteLogGroup", [](LogsService& s, Call& c) { s.deleteLogGroup(c); }},
      {"DescribeLogGroups", [](LogsService& s, Call& c) { s.describeLogGroups(c); }},
      {"CreateLogStream", [](LogsService& s, Call& c) { s.createLogStream(c); }},
      {"DeleteLogStream", [](LogsService& s, Call& c) { s.deleteLogStream(c); }},
      {"DescribeLogStreams", [](LogsService& s, Call& c) { s.describeLogStreams(c); }},
      {"PutRetentionPolicy", [](LogsService& s, Call& c) { s.putRetentionPolicy(c); }},
      {"DeleteRetentionPolicy", [](LogsService& s, Call& c) { s.deleteRetentionPolicy(c); }},
      {"TagLogGroup", [](LogsService& s, Call& c) { s.tagLogGroup(c, false); }},
      {"UntagLogGroup", [](LogsService& s, Call& c) { s.untagLogGroup(c, false); }},
      {"ListTagsLogGroup", [](LogsService& s, Call& c) { s.listTags(c, false); }},
      {"TagResource", [](LogsService& s, Call& c) { s.tagLogGroup(c, true); }},
      {"UntagResource", [](LogsService& s, Call& c) { s.untagLogGroup(c, true); }},
      {"ListTagsForResource", [](LogsService& s, Call& c) { s.listTags(c, true); }},
      {"PutLogEvents", [](LogsService& s, Call& c) { s.putLogEvents(c); }},
      {"GetLogEvents", [](LogsService& s, Call& c) { s.getLogEvents(c); }},
      {"FilterLogEvents", [](LogsService& s, Call& c) { s.filterLogEvents(c); }},
  };
  auto it = kOperations.find(operation);
  if (it == kOperations.end()) {
    return call.fail({"UnknownOperationException",
                      operation.empty() ? "Missing X-Amz-Target"
                                        : "The operation " + operation +
                                              " is not available in this version of nimbus",
                      400});
  }
  it->second(*this, call);
}

void LogsService::createLogGroup(Call& call) {
  auto name = call.groupName(false);
  if (!name) return;
  auto tags = readTags(call, "tags");
  if (!tags) return;
  change(call, [name = *name, tags = *tags](observe::LogDatabase& db) {
    return db.createGroup(name, tags, nowMs());
  });
}

void LogsService::deleteLogGroup(Call& call) {
  auto name = call.groupName(false);
  if (!name) return;
  change(call, [name = *name](observe::LogDatabase& db) { return db.deleteGroup(name); });
}

void LogsService::describeLogGroups(Call& call) {
  std::string prefix = call.string("logGroupNamePrefix");
  std::string pattern = call.string("logGroupNamePattern");
  if (!prefix.empty() && !pattern.empty()) {
    return call.invalid(
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  auto limit = call.limit(50, 50);
  if (!limit) return;
  std::string after = call.string("nextToken");
  store_.read([this, call, prefix, pattern, limit = *limit, after](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    // A pattern matches anywhere in the name, ignoring case; it is applied after the prefix
    // range, so the page is filled from as many groups as it takes.
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      return s;
    };
    std::string needle = lower(pattern);
    json groups = json::array();
    std::string last = after;
    bool more = false;
    for (;;) {
      auto page = db->groups(prefix, last, limit + 1);
      for (const auto& g : page) {
        last = g.name;
        if (!needle.empty() && lower(g.name).find(needle) == std::string::npos) continue;
        if (groups.size() == limit) {
          more = true;
          break;
        }
        json item{{"logGroupName", g.name},          {"creationTime", g.createdMs},
                  {"metricFilterCount", 0},          {"arn", groupArn(g.name) + ":*"},
                  {"logGroupArn", groupArn(g.name)}, {"storedBytes", g.storedBytes},
                  {"logGroupClass", "STANDARD"}};
        if (g.retentionDays) item["retentionInDays"] = *g.retentionDays;
        groups.push_back(std::move(item));
      }
      if (more || page.size() <= limit) break;
    }
    json answer{{"logGroups", std::move(groups)}};
    if (more) {
      // The token is the last name returned: the next page starts after it.
      answer["nextToken"] = answer["logGroups"].back()["logGroupName"];
    }
    call.respond(answer);
  });
}

void LogsService::createLogStream(Call& call) {
  auto group = call.groupName(false);
  if (!group) return;
  auto stream = call.streamName();
  if (!stream) return;
  change(call, [group = *group, stream = *stream](observe::LogDatabase& db) {
    return db.createStream(group, stream, nowMs());
  });
}

void LogsService::deleteLogStream(Call& call) {
  auto group = call.groupName(false);
  if (!group) return;
  auto stream = call.streamName();
  if (!stream) return;
  change(call, [group = *group, stream = *stream](observe::LogDatabase& db) {
    return db.deleteStream(group, stream);
  });
}

void LogsService::describeLogStreams(Call& call) {
  auto group = call.groupName(true);
  if (!group) return;
  std::string prefix = call.string("logStreamNamePrefix");
  std::string orderBy = call.has("orderBy") ? call.string("orderBy") : "LogStreamName";
  if (orderBy != "LogStreamName" && orderBy != "LastEventTime") {
    return call.invalid(validationMessage(orderBy, "orderBy",
                                          "Member must satisfy enum value set: [LogStreamName, "
                                          "LastEventTime]"));
  }
  if (orderBy == "LastEventTime" && !prefix.empty()) {
    return call.invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  bool descending = call.body.value("descending", false);
  auto limit = call.limit(50, 50);
  if (!limit) return;
  size_t start = 0;
  if (call.has("nextToken")) {
    std::string token = call.string("nextToken");
    if (token.empty() || !std::all_of(token.begin(), token.end(), ::isdigit)) {
      return call.invalid("The specified nextToken is invalid.");
    }
    start = std::stoull(token);
  }
  store_.read([this, call, group = *group, prefix, orderBy, descending, limit = *limit,
               start](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto streams = db->streams(group);
    if (!streams) return call.fail(streams.error());
    std::vector<observe::LogStreamInfo> list;
    for (auto& s : *streams) {
      if (s.name.starts_with(prefix)) list.push_back(std::move(s));
    }
    if (orderBy == "LastEventTime") {
      std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.lastEventMs.value_or(a.createdMs) < b.lastEventMs.value_or(b.createdMs);
      });
    }
    if (descending) std::reverse(list.begin(), list.end());
    json streamsJson = json::array();
    for (size_t i = start; i < list.size() && i < start + limit; ++i) {
      const auto& s = list[i];
      json item{{"logStreamName", s.name},
                {"creationTime", s.createdMs},
                {"arn", groupArn(group) + ":log-stream:" + s.name},
                {"storedBytes", s.storedBytes}};
      if (s.firstEventMs) item["firstEventTimestamp"] = *s.firstEventMs;
      if (s.lastEventMs) item["lastEventTimestamp"] = *s.lastEventMs;
      if (s.lastIngestionMs) item["lastIngestionTime"] = *s.lastIngestionMs;
      streamsJson.push_back(std::move(item));
    }
    json answer{{"logStreams", std::move(streamsJson)}};
    if (start + limit < list.size()) answer["nextToken"] = std::to_string(start + limit);
    call.respond(answer);
  });
}

void LogsService::putRetentionPolicy(Call& call) {
  auto group = call.groupName(false);
  if (!group) return;
  auto days = call.integer("retentionInDays");
  if (!days ||
      std::find(kRetentionDays.begin(), kRetentionDays.end(), *days) == kRetentionDays.end()) {
    std::string allowed;
    for (int d : kRetentionDays) allowed += (allowed.empty() ? "" : ", ") + std::to_string(d);
    return call.invalid(validationMessage(
        call.has("retentionInDays") ? call.body["retentionInDays"].dump() : "null",
        "retentionInDays", "Member must satisfy enum value set: [" + allowed + "]"));
  }
  store_.write([call, group = *group, days = static_cast<int>(*days)](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto done = db->setRetention(group, days);
    if (!done) return call.fail(done.error());
    // Events already past the new period go now, as CloudWatch stops returning them.
    db->applyRetention(nowMs());
    call.respond(json::object());
  });
}

void LogsService::deleteRetentionPolicy(Call& call) {
  auto group = call.groupName(false);
  if (!group) return;
  change(call, [group = *group](observe::LogDatabase& db) {
    return db.setRetention(group, std::nullopt);
  });
}

// TagLogGroup (by name, tags) and TagResource (by ARN, tags).
void LogsService::tagLogGroup(Call& call, bool byArn) {
  auto group = taggedGroup(call, byArn);
  if (!group) return;
  auto tags = readTags(call, "tags");
  if (!tags) return;
  change(call, [group = *group, tags = *tags](observe::LogDatabase& db) {
    return db.tagGroup(group, tags, {});
  });
}

// UntagLogGroup (by name, "tags": [keys]) and UntagResource (by ARN, "tagKeys": [keys]).
void LogsService::untagLogGroup(Call& call, bool byArn) {
  auto group = taggedGroup(call, byArn);
  if (!group) return;
  std::vector<std::string> keys;
  const char* member = byArn ? "tagKeys" : "tags";
  if (call.has(member) && call.body[member].is_array()) {
    for (const auto& k : call.body[member]) {
      if (k.is_string()) keys.push_back(k.get<std::string>());
    }
  }
  change(call,
         [group = *group, keys](observe::LogDatabase& db) { return db.tagGroup(group, {}, keys); });
}

void LogsService::listTags(Call& call, bool byArn) {
  auto group = taggedGroup(call, byArn);
  if (!group) return;
  store_.read([call, group = *group](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto info = db->group(group);
    if (!info) return call.fail(info.error());
    call.respond(json{{"tags", tagsJson(info->tags)}});
  });
}

}  // namespace nimbus::aws::logs
