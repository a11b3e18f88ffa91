// Event buses, rules and targets as EventBridge keeps them, and their durable records in the store
// (kind "events.bus" keyed by bus name; kind "events.rule" keyed by "{bus}/{rule}", a rule's
// record holding its targets). Targets are read from the JSON PutTargets received, which is also
// what ListTargetsByRule gives back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/events/event_pattern.h"
#include "aws/events/target_input.h"

namespace nimbus::aws::events {

inline constexpr std::string_view kBusRecord = "events.bus";
inline constexpr std::string_view kRuleRecord = "events.rule";
inline constexpr std::string_view kDefaultBus = "default";

struct EventBus {
  std::string name;
  std::string arn;
  std::string description;
  int64_t createdAtMs = 0;
  int64_t lastModifiedAtMs = 0;
};

// Where a target delivers, told from its ARN.
enum class TargetKind { Lambda, Sqs, Sns, EventBus, Unsupported };
TargetKind targetKindOf(std::string_view arn);

struct Target {
  std::string json;  // The Target structure as PutTargets received it.
  std::string id;
  std::string arn;
  TargetKind kind = TargetKind::Unsupported;
  std::optional<std::string> input;      // Constant JSON text.
  std::optional<std::string> inputPath;  // JSON path into the event.
  std::optional<InputTransformer> inputTransformer;
  // RetryPolicy: EventBridge's defaults are 185 attempts over 24 hours.
  int maximumRetryAttempts = 185;
  int maximumEventAgeSeconds = 86400;
  std::string deadLetterArn;   // DeadLetterConfig.Arn: an SQS queue.
  std::string messageGroupId;  // SqsParameters.MessageGroupId (FIFO queues).
};

// Reads a Target structure; returns why it is refused (a ValidationException message) or
// nothing.
std::optional<std::string> parseTarget(std::string_view json, Target& out);

struct Rule {
  std::string name;
  std::string busName;
  std::string arn;
  std::string eventPattern;        // As given; empty when the rule is scheduled only.
  std::string scheduleExpression;  // "rate(5 minutes)", "cron(...)"; empty for patterns only.
  std::string state = "ENABLED";   // ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_...
  std::string description;
  std::string roleArn;
  std::string managedBy;
  int64_t createdAtMs = 0;      // A rate() schedule counts from here.
  int64_t enabledAtMs = 0;      // When it was last enabled: its schedule fires for times after.
  std::vector<Target> targets;  // In the order they were first put.
  std::shared_ptr<const EventPattern> pattern;  // Compiled; null when there is none.

  bool enabled() const { return state != "DISABLED"; }
};

std::string busArn(std::string_view region, std::string_view account, std::string_view bus);
// arn:aws:events:{region}:{account}:rule/{name} on the default bus, rule/{bus}/{name} elsewhere.
std::string ruleArn(std::string_view region, std::string_view account, std::string_view bus,
                    std::string_view rule);

std::string busRecord(const EventBus& bus);
std::optional<EventBus> parseBusRecord(std::string_view value);

std::string ruleRecordKey(std::string_view bus, std::string_view rule);
std::string ruleRecord(const Rule& rule);
// The pattern is compiled again and the targets read again; `warning` says what was dropped.
std::optional<Rule> parseRuleRecord(std::string_view value, std::string& warning);

}  // namespace nimbus::aws::events
