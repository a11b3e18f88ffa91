#include "aws/scheduler/schedule_model.h"

#include <algorithm>
#include <cctype>

#include "aws/scheduler/schedule_expression.h"

namespace nimbus::aws::scheduler {

using nlohmann::json;

namespace {

// "1 validation error detected: Value null at 'target' failed to satisfy constraint: ...", as
// Scheduler words constraint failures.
ServiceError constraint(std::string_view member, std::string_view value, std::string_view rule) {
  return validationError("1 validation error detected: Value " + std::string(value) + " at '" +
                         std::string(member) +
                         "' failed to satisfy constraint: " + std::string(rule));
}

ServiceError missing(std::string_view member) {
  return constraint(member, "null", "Member must not be null");
}

std::optional<std::string> stringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return std::string();
  return it->get<std::string>();
}

// Timestamps travel as epoch seconds (possibly with a fraction).
std::optional<int64_t> timestampMember(const json& object, const char* name, bool& bad) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) {
    bad = true;
    return std::nullopt;
  }
  return static_cast<int64_t>(it->get<double>() * 1000.0);
}

Status checkLength(std::string_view member, const std::string& value, size_t min, size_t max) {
  if (value.size() < min || value.size() > max) {
    return constraint(
        member, "'" + value + "'",
        "Member must have length between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return ok();
}

double seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

Status readTarget(const json& t, ScheduleTarget& out) {
  if (!t.is_object()) return missing("target");
  auto arn = stringMember(t, "Arn");
  if (!arn) return missing("target.arn");
  if (auto s = checkLength("target.arn", *arn, 1, 1600); !s) return s;
  auto role = stringMember(t, "RoleArn");
  if (!role) return missing("target.roleArn");
  if (auto s = checkLength("target.roleArn", *role, 1, 1600); !s) return s;
  out.arn = *arn;
  out.roleArn = *role;
  out.input = stringMember(t, "Input");
  if (out.input && out.input->empty()) {
    return constraint("target.input", "''", "Member must have length greater than or equal to 1");
  }
  if (out.input && out.arn.rfind("arn:aws:lambda:", 0) == 0 && json::accept(*out.input) == false) {
    return validationError(
        "Invalid request provided: The input for a Lambda target must be valid "
        "JSON.");
  }
  if (auto it = t.find("RetryPolicy"); it != t.end() && it->is_object()) {
    if (auto age = it->find("MaximumEventAgeInSeconds"); age != it->end() && age->is_number()) {
      out.maximumEventAgeInSeconds = age->get<int>();
      if (out.maximumEventAgeInSeconds < 60 || out.maximumEventAgeInSeconds > 86400) {
        return constraint("target.retryPolicy.maximumEventAgeInSeconds",
                          std::to_string(out.maximumEventAgeInSeconds),
                          "Member must have value between 60 and 86400");
      }
    }
    if (auto n = it->find("MaximumRetryAttempts"); n != it->end() && n->is_number()) {
      out.maximumRetryAttempts = n->get<int>();
      if (out.maximumRetryAttempts < 0 || out.maximumRetryAttempts > 185) {
        return constraint("target.retryPolicy.maximumRetryAttempts",
                          std::to_string(out.maximumRetryAttempts),
                          "Member must have value between 0 and 185");
      }
    }
  }
  if (auto it = t.find("DeadLetterConfig"); it != t.end() && it->is_object()) {
    out.deadLetterArn = stringMember(*it, "Arn").value_or("");
    if (!out.deadLetterArn.empty() && out.deadLetterArn.rfind("arn:aws:sqs:", 0) != 0) {
      return constraint("target.deadLetterConfig.arn", "'" + out.deadLetterArn + "'",
                        "Member must satisfy regular expression pattern: "
                        "^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$");
    }
  }
  if (auto it = t.find("SqsParameters"); it != t.end() && it->is_object()) {
    out.messageGroupId = stringMember(*it, "MessageGroupId").value_or("");
  }
  return ok();
}

}  // namespace

std::string SchedulerLocation::scheduleArn(const Schedule& s) const {
  return "arn:aws:scheduler:" + region + ":" + accountId + ":schedule/" + s.groupName + "/" +
         s.name;
}

std::string SchedulerLocation::groupArn(std::string_view group) const {
  return "arn:aws:scheduler:" + region + ":" + accountId + ":schedule-group/" + std::string(group);
}

ServiceError validationError(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

bool validResourceName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

Status readScheduleRequest(const json& body, Schedule& out) {
  if (!body.is_object()) return validationError("The request body is not a JSON object.");
  auto expression = stringMember(body, "ScheduleExpression");
  if (!expression) return missing("scheduleExpression");
  if (auto s = checkLength("scheduleExpression", *expression, 1, 256); !s) return s;
  out.expression = *expression;
  out.timezone = stringMember(body, "ScheduleExpressionTimezone").value_or("");
  if (!out.timezone.empty()) {
    if (auto s = checkLength("scheduleExpressionTimezone", out.timezone, 1, 50); !s) return s;
  }
  auto parsed =
      ScheduleExpression::parse(out.expression, out.timezone.empty() ? "UTC" : out.timezone);
  if (!parsed) return parsed.takeError();

  auto window = body.find("FlexibleTimeWindow");
  if (window == body.end() || !window->is_object()) return missing("flexibleTimeWindow");
  auto mode = stringMember(*window, "Mode");
  if (!mode) return missing("flexibleTimeWindow.mode");
  if (*mode != "OFF" && *mode != "FLEXIBLE") {
    return constraint("flexibleTimeWindow.mode", "'" + *mode + "'",
                      "Member must satisfy enum value set: [OFF, FLEXIBLE]");
  }
  out.flexibleMode = *mode;
  out.maximumWindowInMinutes = 0;
  if (auto m = window->find("MaximumWindowInMinutes"); m != window->end() && m->is_number()) {
    out.maximumWindowInMinutes = m->get<int>();
    if (out.maximumWindowInMinutes < 1 || out.maximumWindowInMinutes > 1440) {
      return constraint("flexibleTimeWindow.maximumWindowInMinutes",
                        std::to_string(out.maximumWindowInMinutes),
                        "Member must have value between 1 and 1440");
    }
  }
  if (out.flexibleMode == "FLEXIBLE" && out.maximumWindowInMinutes == 0) {
    return validationError("MaximumWindowInMinutes is required when the Mode is FLEXIBLE.");
  }
  if (out.flexibleMode == "OFF" && out.maximumWindowInMinutes != 0) {
    return validationError("MaximumWindowInMinutes must not be set when the Mode is OFF.");
  }

  auto target = body.find("Target");
  if (target == body.end()) return missing("target");
  out.target = {};
  if (auto s = readTarget(*target, out.target); !s) return s;

  out.description = stringMember(body, "Description").value_or("");
  if (auto s = checkLength("description", out.description, 0, 512); !s) return s;
  out.state = stringMember(body, "State").value_or("ENABLED");
  if (out.state != "ENABLED" && out.state != "DISABLED") {
    return constraint("state", "'" + out.state + "'",
                      "Member must satisfy enum value set: [ENABLED, DISABLED]");
  }
  out.actionAfterCompletion = stringMember(body, "ActionAfterCompletion").value_or("NONE");
  if (out.actionAfterCompletion != "NONE" && out.actionAfterCompletion != "DELETE") {
    return constraint("actionAfterCompletion", "'" + out.actionAfterCompletion + "'",
                      "Member must satisfy enum value set: [NONE, DELETE]");
  }
  out.kmsKeyArn = stringMember(body, "KmsKeyArn").value_or("");
  bool badDate = false;
  out.startDateMs = timestampMember(body, "StartDate", badDate);
  out.endDateMs = timestampMember(body, "EndDate", badDate);
  if (badDate) return validationError("StartDate and EndDate are timestamps.");
  if (out.startDateMs && out.endDateMs && *out.endDateMs <= *out.startDateMs) {
    return validationError("The StartDate must come before the EndDate.");
  }
  return ok();
}

std::string scheduleRecord(const Schedule& s) {
  json j = {{"name", s.name},
            {"group", s.groupName},
            {"description", s.description},
            {"expression", s.expression},
            {"timezone", s.timezone},
            {"state", s.state},
            {"flexibleMode", s.flexibleMode},
            {"maximumWindowInMinutes", s.maximumWindowInMinutes},
            {"actionAfterCompletion", s.actionAfterCompletion},
            {"kmsKeyArn", s.kmsKeyArn},
            {"created", s.creationDateMs},
            {"modified", s.lastModificationDateMs},
            {"target",
             {{"arn", s.target.arn},
              {"roleArn", s.target.roleArn},
              {"maximumEventAgeInSeconds", s.target.maximumEventAgeInSeconds},
              {"maximumRetryAttempts", s.target.maximumRetryAttempts},
              {"deadLetterArn", s.target.deadLetterArn},
              {"messageGroupId", s.target.messageGroupId}}}};
  if (s.target.input) j["target"]["input"] = *s.target.input;
  if (s.startDateMs) j["startDate"] = *s.startDateMs;
  if (s.endDateMs) j["endDate"] = *s.endDateMs;
  return j.dump();
}

std::optional<Schedule> parseScheduleRecord(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("target")) return std::nullopt;
  try {
    Schedule s;
    s.name = j.at("name").get<std::string>();
    s.groupName = j.at("group").get<std::string>();
    s.description = j.value("description", "");
    s.expression = j.at("expression").get<std::string>();
    s.timezone = j.value("timezone", "");
    s.state = j.value("state", "ENABLED");
    s.flexibleMode = j.value("flexibleMode", "OFF");
    s.maximumWindowInMinutes = j.value("maximumWindowInMinutes", 0);
    s.actionAfterCompletion = j.value("actionAfterCompletion", "NONE");
    s.kmsKeyArn = j.value("kmsKeyArn", "");
    s.creationDateMs = j.value("created", int64_t{0});
    s.lastModificationDateMs = j.value("modified", int64_t{0});
    if (j.contains("startDate")) s.startDateMs = j["startDate"].get<int64_t>();
    if (j.contains("endDate")) s.endDateMs = j["endDate"].get<int64_t>();
    const json& t = j["target"];
    s.target.arn = t.at("arn").get<std::string>();
    s.target.roleArn = t.value("roleArn", "");
    if (t.contains("input")) s.target.input = t["input"].get<std::string>();
    s.target.maximumEventAgeInSeconds = t.value("maximumEventAgeInSeconds", 86400);
    s.target.maximumRetryAttempts = t.value("maximumRetryAttempts", 185);
    s.target.deadLetterArn = t.value("deadLetterArn", "");
    s.target.messageGroupId = t.value("messageGroupId", "");
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string groupRecord(const ScheduleGroup& g) {
  json tags = json::array();
  for (const auto& [k, v] : g.tags) tags.push_back({{"Key", k}, {"Value", v}});
  return json{{"name", g.name},
              {"created", g.creationDateMs},
              {"modified", g.lastModificationDateMs},
              {"tags", tags}}
      .dump();
}

std::optional<ScheduleGroup> parseGroupRecord(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return std::nullopt;
  ScheduleGroup g;
  g.name = j["name"].get<std::string>();
  g.creationDateMs = j.value("created", int64_t{0});
  g.lastModificationDateMs = j.value("modified", int64_t{0});
  if (auto tags = j.find("tags"); tags != j.end() && tags->is_array()) {
    for (const auto& t : *tags) {
      if (t.is_object()) g.tags.emplace_back(t.value("Key", ""), t.value("Value", ""));
    }
  }
  return g;
}

json scheduleJson(const Schedule& s, const SchedulerLocation& where) {
  json target = {{"Arn", s.target.arn},
                 {"RoleArn", s.target.roleArn},
                 {"RetryPolicy",
                  {{"MaximumEventAgeInSeconds", s.target.maximumEventAgeInSeconds},
                   {"MaximumRetryAttempts", s.target.maximumRetryAttempts}}}};
  if (s.target.input) target["Input"] = *s.target.input;
  if (!s.target.deadLetterArn.empty()) {
    target["DeadLetterConfig"] = {{"Arn", s.target.deadLetterArn}};
  }
  if (!s.target.messageGroupId.empty()) {
    target["SqsParameters"] = {{"MessageGroupId", s.target.messageGroupId}};
  }
  json window = {{"Mode", s.flexibleMode}};
  if (s.maximumWindowInMinutes > 0) window["MaximumWindowInMinutes"] = s.maximumWindowInMinutes;
  json j = {{"ActionAfterCompletion", s.actionAfterCompletion},
            {"Arn", where.scheduleArn(s)},
            {"CreationDate", seconds(s.creationDateMs)},
            {"FlexibleTimeWindow", window},
            {"GroupName", s.groupName},
            {"LastModificationDate", seconds(s.lastModificationDateMs)},
            {"Name", s.name},
            {"ScheduleExpression", s.expression},
            {"State", s.state},
            {"Target", target}};
  if (!s.description.empty()) j["Description"] = s.description;
  if (!s.timezone.empty()) j["ScheduleExpressionTimezone"] = s.timezone;
  if (!s.kmsKeyArn.empty()) j["KmsKeyArn"] = s.kmsKeyArn;
  if (s.startDateMs) j["StartDate"] = seconds(*s.startDateMs);
  if (s.endDateMs) j["EndDate"] = seconds(*s.endDateMs);
  return j;
}

json scheduleSummaryJson(const Schedule& s, const SchedulerLocation& where) {
  return {{"Arn", where.scheduleArn(s)},
          {"CreationDate", seconds(s.creationDateMs)},
          {"GroupName", s.groupName},
          {"LastModificationDate", seconds(s.lastModificationDateMs)},
          {"Name", s.name},
          {"State", s.state},
          {"Target", {{"Arn", s.target.arn}}}};
}

json groupJson(const ScheduleGroup& g, const SchedulerLocation& where) {
  return {{"Arn", where.groupArn(g.name)},
          {"CreationDate", seconds(g.creationDateMs)},
          {"LastModificationDate", seconds(g.lastModificationDateMs)},
          {"Name", g.name},
          {"State", "ACTIVE"}};
}

}  // namespace nimbus::aws::scheduler
