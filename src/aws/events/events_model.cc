#include "aws/events/events_model.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace nimbus::aws::events {

using nlohmann::json;

namespace {

std::string stringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t integerField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

TargetKind targetKindOf(std::string_view arn) {
  if (arn.rfind("arn:aws:lambda:", 0) == 0) return TargetKind::Lambda;
  if (arn.rfind("arn:aws:sqs:", 0) == 0) return TargetKind::Sqs;
  if (arn.rfind("arn:aws:sns:", 0) == 0) return TargetKind::Sns;
  if (arn.rfind("arn:aws:events:", 0) == 0 && arn.find(":event-bus/") != std::string_view::npos) {
    return TargetKind::EventBus;
  }
  return TargetKind::Unsupported;
}

std::optional<std::string> parseTarget(std::string_view text, Target& out) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::string("Target must be a structure.");
  out.json = std::string(text);
  out.id = stringField(j, "Id");
  out.arn = stringField(j, "Arn");
  if (out.id.empty()) return std::string("Target Id must not be empty.");
  if (out.arn.empty()) return std::string("Target Arn must not be empty.");
  out.kind = targetKindOf(out.arn);
  int inputs = 0;
  if (auto it = j.find("Input"); it != j.end() && it->is_string()) {
    ++inputs;
    out.input = it->get<std::string>();
    if (!json::accept(*out.input)) {
      return fmt::format("Input for target {} is not a valid JSON text.", out.id);
    }
  }
  if (auto it = j.find("InputPath"); it != j.end() && it->is_string()) {
    ++inputs;
    out.inputPath = it->get<std::string>();
    if (auto problem = checkJsonPath(*out.inputPath)) {
      return fmt::format("InputPath for target {} is invalid: {}", out.id, *problem);
    }
  }
  if (auto it = j.find("InputTransformer"); it != j.end() && it->is_object()) {
    ++inputs;
    InputTransformer t;
    t.inputTemplate = stringField(*it, "InputTemplate");
    if (auto map = it->find("InputPathsMap"); map != it->end() && map->is_object()) {
      for (auto entry = map->begin(); entry != map->end(); ++entry) {
        if (entry.value().is_string()) {
          t.inputPathsMap.emplace_back(entry.key(), entry.value().get<std::string>());
        }
      }
    }
    if (auto problem = checkInputTransformer(t)) return problem;
    out.inputTransformer = std::move(t);
  }
  if (inputs > 1) {
    return fmt::format(
        "Only one of Input, InputPath, or InputTransformer must be provided for target {}.",
        out.id);
  }
  if (auto it = j.find("RetryPolicy"); it != j.end() && it->is_object()) {
    if (auto a = it->find("MaximumRetryAttempts"); a != it->end() && a->is_number_integer()) {
      out.maximumRetryAttempts = a->get<int>();
      if (out.maximumRetryAttempts < 0 || out.maximumRetryAttempts > 185) {
        return std::string("RetryPolicy MaximumRetryAttempts must be between 0 and 185.");
      }
    }
    if (auto a = it->find("MaximumEventAgeInSeconds"); a != it->end() && a->is_number_integer()) {
      out.maximumEventAgeSeconds = a->get<int>();
      if (out.maximumEventAgeSeconds < 60 || out.maximumEventAgeSeconds > 86400) {
        return std::string("RetryPolicy MaximumEventAgeInSeconds must be between 60 and 86400.");
      }
    }
  }
  if (auto it = j.find("DeadLetterConfig"); it != j.end() && it->is_object()) {
    out.deadLetterArn = stringField(*it, "Arn");
    if (!out.deadLetterArn.empty() && targetKindOf(out.deadLetterArn) != TargetKind::Sqs) {
      return fmt::format("DeadLetterConfig Arn {} is not an SQS queue ARN.", out.deadLetterArn);
    }
  }
  if (auto it = j.find("SqsParameters"); it != j.end() && it->is_object()) {
    out.messageGroupId = stringField(*it, "MessageGroupId");
  }
  return std::nullopt;
}

std::string busArn(std::string_view region, std::string_view account, std::string_view bus) {
  return fmt::format("arn:aws:events:{}:{}:event-bus/{}", region, account, bus);
}

std::string ruleArn(std::string_view region, std::string_view account, std::string_view bus,
                    std::string_view rule) {
  if (bus == kDefaultBus) return fmt::format("arn:aws:events:{}:{}:rule/{}", region, account, rule);
  return fmt::format("arn:aws:events:{}:{}:rule/{}/{}", region, account, bus, rule);
}

std::string busRecord(const EventBus& bus) {
  json j;
  j["name"] = bus.name;
  j["arn"] = bus.arn;
  j["description"] = bus.description;
  j["createdAtMs"] = bus.createdAtMs;
  j["lastModifiedAtMs"] = bus.lastModifiedAtMs;
  return j.dump();
}

std::optional<EventBus> parseBusRecord(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  EventBus bus;
  bus.name = stringField(j, "name");
  bus.arn = stringField(j, "arn");
  bus.description = stringField(j, "description");
  bus.createdAtMs = integerField(j, "createdAtMs");
  bus.lastModifiedAtMs = integerField(j, "lastModifiedAtMs");
  if (bus.name.empty() || bus.arn.empty()) return std::nullopt;
  return bus;
}

std::string ruleRecordKey(std::string_view bus, std::string_view rule) {
  return fmt::format("{}/{}", bus, rule);
}

std::string ruleRecord(const Rule& rule) {
  json j;
  j["name"] = rule.name;
  j["bus"] = rule.busName;
  j["arn"] = rule.arn;
  j["eventPattern"] = rule.eventPattern;
  j["scheduleExpression"] = rule.scheduleExpression;
  j["state"] = rule.state;
  j["description"] = rule.description;
  j["roleArn"] = rule.roleArn;
  j["managedBy"] = rule.managedBy;
  j["createdAtMs"] = rule.createdAtMs;
  j["enabledAtMs"] = rule.enabledAtMs;
  json targets = json::array();
  for (const auto& t : rule.targets) targets.push_back(t.json);
  j["targets"] = std::move(targets);
  return j.dump();
}

std::optional<Rule> parseRuleRecord(std::string_view value, std::string& warning) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Rule rule;
  rule.name = stringField(j, "name");
  rule.busName = stringField(j, "bus");
  rule.arn = stringField(j, "arn");
  rule.eventPattern = stringField(j, "eventPattern");
  rule.scheduleExpression = stringField(j, "scheduleExpression");
  rule.state = stringField(j, "state");
  rule.description = stringField(j, "description");
  rule.roleArn = stringField(j, "roleArn");
  rule.managedBy = stringField(j, "managedBy");
  rule.createdAtMs = integerField(j, "createdAtMs");
  rule.enabledAtMs = integerField(j, "enabledAtMs");
  if (rule.name.empty() || rule.busName.empty() || rule.arn.empty()) return std::nullopt;
  if (rule.state.empty()) rule.state = "ENABLED";
  if (!rule.eventPattern.empty()) {
    auto compiled = EventPattern::compile(rule.eventPattern);
    if (auto* p = std::get_if<std::shared_ptr<const EventPattern>>(&compiled)) {
      rule.pattern = *p;
    } else {
      warning = fmt::format("rule {}: its event pattern no longer compiles: {}", rule.arn,
                            std::get<std::string>(compiled));
    }
  }
  if (auto it = j.find("targets"); it != j.end() && it->is_array()) {
    for (const auto& text : *it) {
      if (!text.is_string()) continue;
      Target target;
      if (auto problem = parseTarget(text.get<std::string>(), target)) {
        warning = fmt::format("rule {}: a target was dropped: {}", rule.arn, *problem);
        continue;
      }
      rule.targets.push_back(std::move(target));
    }
  }
  return rule;
}

}  // namespace nimbus::aws::events
