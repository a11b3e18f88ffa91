// The event operations of CloudWatch Logs: PutLogEvents, GetLogEvents and FilterLogEvents, with
// their pagination tokens.
#include <fmt/format.h>

#include <charconv>

#include "aws/logs/logs_call.h"
#include "core/time_format.h"
#include "observe/filter_pattern.h"
#include "observe/log_store.h"

namespace nimbus::aws::logs {

using json = nlohmann::json;
using observe::EventPosition;

namespace {

constexpr size_t kMaxBatchBytes = 1'048'576;
constexpr size_t kMaxBatchEvents = 10'000;
constexpr size_t kEventOverheadBytes = 26;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

ServiceError badToken() {
  return {"InvalidParameterException", "The specified nextToken is invalid.", 400};
}

// Positions travel as 40 digits: the event's timestamp, then its id, 20 digits each.
std::string positionDigits(EventPosition p) {
  return fmt::format("{:020}{:020}", std::max<int64_t>(p.timestampMs, 0),
                     std::max<int64_t>(p.id, 0));
}

std::optional<EventPosition> parseDigits(std::string_view digits) {
  if (digits.size() != 40) return std::nullopt;
  EventPosition p;
  auto first = std::from_chars(digits.data(), digits.data() + 20, p.timestampMs);
  auto second = std::from_chars(digits.data() + 20, digits.data() + 40, p.id);
  if (first.ec != std::errc() || first.ptr != digits.data() + 20 || second.ec != std::errc() ||
      second.ptr != digits.data() + 40) {
    return std::nullopt;
  }
  return p;
}

// GetLogEvents' tokens: "f/<position>/s" reads on after the position, "b/<position>/s" before it.
std::string streamToken(char direction, EventPosition p) {
  return fmt::format("{}/{}/s", direction, positionDigits(p));
}

json eventsJson(const std::vector<observe::StoredEvent>& events, bool withStream) {
  json out = json::array();
  for (const auto& e : events) {
    json item{
        {"timestamp", e.timestampMs}, {"message", e.message}, {"ingestionTime", e.ingestionMs}};
    if (withStream) {
      item["logStreamName"] = e.stream;
      item["eventId"] = fmt::format("{:056}", e.id);
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

void LogsService::putLogEvents(Call& call) {
  auto group = call.groupName(false);
  if (!group) return;
  auto stream = call.streamName();
  if (!stream) return;
  if (!call.has("logEvents") || !call.body["logEvents"].is_array()) {
    return call.invalid(validationMessage("null", "logEvents", "Member must not be null"));
  }
  const json& given = call.body["logEvents"];
  if (given.empty() || given.size() > kMaxBatchEvents) {
    return call.invalid(validationMessage(
        given.empty() ? "[]" : "[...]", "logEvents",
        given.empty()
            ? "Member must have length greater than or equal to 1"
            : fmt::format("Member must have length less than or equal to {}", kMaxBatchEvents)));
  }
  std::vector<observe::NewEvent> events;
  size_t bytes = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    const json& e = given[i];
    std::string member = fmt::format("logEvents.{}.member", i + 1);
    if (!e.is_object() || !e.contains("timestamp") || !e["timestamp"].is_number_integer()) {
      return call.invalid(
          validationMessage("null", member + ".timestamp", "Member must not be null"));
    }
    if (!e.contains("message") || !e["message"].is_string() ||
        e["message"].get_ref<const std::string&>().empty()) {
      return call.invalid(validationMessage("", member + ".message",
                                            "Member must have length greater than or equal to 1"));
    }
    observe::NewEvent event;
    event.group = *group;
    event.stream = *stream;
    event.timestampMs = e["timestamp"].get<int64_t>();
    event.message = e["message"].get<std::string>();
    event.autoCreate = false;
    bytes += event.message.size() + kEventOverheadBytes;
    events.push_back(std::move(event));
  }
  if (bytes > kMaxBatchBytes) {
    return call.invalid(
        fmt::format("Upload too large: {} bytes exceeds limit of {}", bytes, kMaxBatchBytes));
  }
  store_.write([call, group = *group, stream = *stream,
                events = std::move(events)](observe::LogDatabase* db) mutable {
    if (!db) return call.fail(storeClosed());
    auto info = db->group(group);
    if (!info) return call.fail(info.error());
    if (!db->streamExists(group, stream)) {
      return call.fail(
          {"ResourceNotFoundException", "The specified log stream does not exist.", 400});
    }
    // Events too far in the past or future are rejected, the others kept; the batch must be in
    // order and span at most a day among the events kept.
    int64_t now = nowMs();
    int64_t oldest = now - 14 * kDayMs;
    int64_t expired = info->retentionDays ? now - *info->retentionDays * kDayMs : INT64_MIN;
    int64_t newest = now + 2 * kHourMs;
    std::optional<size_t> tooOldEnd, expiredEnd, tooNewStart;
    std::vector<observe::NewEvent> kept;
    for (size_t i = 0; i < events.size(); ++i) {
      int64_t ts = events[i].timestampMs;
      if (ts > newest) {
        if (!tooNewStart) tooNewStart = i;
      } else if (ts < expired) {
        expiredEnd = i;
      } else if (ts < oldest) {
        tooOldEnd = i;
      } else {
        if (!kept.empty() && ts < kept.back().timestampMs) {
          return call.invalid(
              "Log events in a single PutLogEvents request must be in chronological order.");
        }
        kept.push_back(std::move(events[i]));
      }
    }
    if (!kept.empty() && kept.back().timestampMs - kept.front().timestampMs > kDayMs) {
      return call.invalid(
          "The batch of log events in a single PutLogEvents request cannot span more than 24 "
          "hours.");
    }
    db->insert(kept, now);
    json answer{{"nextSequenceToken", fmt::format("{:056}", now)}};
    if (tooOldEnd || expiredEnd || tooNewStart) {
      json rejected = json::object();
      if (tooNewStart) rejected["tooNewLogEventStartIndex"] = *tooNewStart;
      if (tooOldEnd) rejected["tooOldLogEventEndIndex"] = *tooOldEnd;
      if (expiredEnd) rejected["expiredLogEventEndIndex"] = *expiredEnd;
      answer["rejectedLogEventsInfo"] = std::move(rejected);
    }
    call.respond(answer);
  });
}

void LogsService::getLogEvents(Call& call) {
  auto group = call.groupName(true);
  if (!group) return;
  auto stream = call.streamName();
  if (!stream) return;
  auto limit = call.limit(10'000, 10'000);
  if (!limit) return;
  observe::StreamQuery query;
  query.group = *group;
  query.stream = *stream;
  query.startMs = call.integer("startTime");
  query.endMs = call.integer("endTime");
  query.limit = *limit;
  query.forward = call.body.value("startFromHead", false);
  std::string token = call.string("nextToken");
  if (!token.empty()) {
    if (token.size() != 44 || (token[0] != 'f' && token[0] != 'b') || token[1] != '/' ||
        !token.ends_with("/s")) {
      return call.fail(badToken());
    }
    auto position = parseDigits(std::string_view(token).substr(2, 40));
    if (!position) return call.fail(badToken());
    query.forward = token[0] == 'f';
    query.from = *position;
  }
  store_.read([call, query, token](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto page = db->read(query);
    if (!page) return call.fail(page.error());
    json answer{{"events", eventsJson(page->events, false)}};
    if (page->events.empty()) {
      // At the end in the direction read: the same token again, and the way back from it.
      EventPosition at = query.from.value_or(query.forward ? EventPosition{0, 0}
                                                           : EventPosition{INT64_MAX, INT64_MAX});
      answer["nextForwardToken"] = query.forward && !token.empty() ? token : streamToken('f', at);
      answer["nextBackwardToken"] = !query.forward && !token.empty() ? token : streamToken('b', at);
    } else {
      const auto& first = page->events.front();
      const auto& last = page->events.back();
      answer["nextForwardToken"] = streamToken('f', {last.timestampMs, last.id});
      answer["nextBackwardToken"] = streamToken('b', {first.timestampMs, first.id});
    }
    call.respond(answer);
  });
}

void LogsService::filterLogEvents(Call& call) {
  auto group = call.groupName(true);
  if (!group) return;
  auto limit = call.limit(10'000, 10'000);
  if (!limit) return;
  observe::FilterQuery query;
  query.group = *group;
  query.limit = *limit;
  query.startMs = call.integer("startTime");
  query.endMs = call.integer("endTime");
  query.streamPrefix = call.string("logStreamNamePrefix");
  if (call.has("logStreamNames")) {
    const json& names = call.body["logStreamNames"];
    if (!names.is_array() || names.empty() || names.size() > 100) {
      return call.invalid(validationMessage(names.dump(), "logStreamNames",
                                            "Member must have length less than or equal to 100"));
    }
    for (const auto& n : names) {
      if (n.is_string()) query.streamNames.push_back(n.get<std::string>());
    }
  }
  if (!query.streamNames.empty() && !query.streamPrefix.empty()) {
    return call.invalid(
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  auto pattern = observe::FilterPattern::parse(call.string("filterPattern"));
  if (!pattern) return call.fail(pattern.error());
  query.pattern = std::move(*pattern);
  if (call.has("nextToken")) {
    std::string token = call.string("nextToken");
    auto position = parseDigits(token);
    if (!position) return call.fail(badToken());
    query.after = *position;
  }
  store_.read([call, query = std::move(query)](observe::LogDatabase* db) {
    if (!db) return call.fail(storeClosed());
    auto page = db->filter(query);
    if (!page) return call.fail(page.error());
    json answer{{"events", eventsJson(page->events, true)}, {"searchedLogStreams", json::array()}};
    if (page->next) answer["nextToken"] = positionDigits(*page->next);
    call.respond(answer);
  });
}

}  // namespace nimbus::aws::logs
