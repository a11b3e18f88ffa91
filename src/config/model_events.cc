// `eventBridge` and `schedule` events: EventBridge rules with the function as their target, named
// and shaped as the Serverless Framework's compilers make them.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "config/intrinsics.h"
#include "config/model_builder.h"
#include "config/text.h"
#include "core/hash.h"

namespace nimbus::config {

namespace {

// The Framework's own checks of schedule expressions.
bool frameworkScheduleSyntax(const std::string& expression) {
  static const std::regex kSchedule(
      "^rate\\((?:1 (?:minute|hour|day)|(?:1\\d+|[2-9]\\d*) (?:minute|hour|day)s)\\)$|"
      "^cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)$");
  return std::regex_match(expression, kSchedule);
}

// A name past 64 characters is shortened as the Framework shortens it: its start, the MD5 of the
// whole and the suffix.
std::string hashName(const std::string& name, const std::string& suffix) {
  return name.substr(0, 31 - suffix.size()) + hexEncode(md5(name)) + "-" + suffix;
}

bool validRuleName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

bool ModelBuilder::ruleName(const Entry& entry, std::string& name) {
  auto text = stringSetting(entry);
  if (!text) return false;
  if (!validRuleName(*text)) {
    error(entry.where, entry.path,
          fmt::format("'{}' is not a rule name (1-64 of A-Z a-z 0-9 . - _)", *text));
    return false;
  }
  name = *text;
  return true;
}

bool ModelBuilder::ruleTargetInput(const Node& map, const std::string& path,
                                   EventRuleConfig& rule) {
  Node& value = const_cast<Node&>(map);
  int inputs = 0;
  if (Entry e = get(value, "input", path); e.node) {
    ++inputs;
    if (e.node->kind == Node::Kind::Map || e.node->kind == Node::Kind::Seq) {
      if (!resolver_.resolveDeep(*e.node, e.path)) return false;
      nlohmann::json input = nlohmann::json::parse(toJsonText(*e.node));
      // The Framework sends a `body` given as JSON text as the JSON it holds.
      if (input.is_object() && input.contains("body") && input["body"].is_string()) {
        auto body = nlohmann::json::parse(input["body"].get<std::string>(), nullptr, false);
        if (!body.is_discarded()) input["body"] = body;
      }
      rule.input = input.dump();
    } else if (auto text = stringSetting(e)) {
      if (!nlohmann::json::accept(*text)) {
        error(e.where, e.path, "must be a mapping or JSON text (EventBridge sends JSON)");
        return false;
      }
      rule.input = *text;
    }
  }
  if (Entry e = get(value, "inputPath", path); e.node) {
    ++inputs;
    if (auto text = stringSetting(e)) {
      if (text->empty() || (*text)[0] != '$') {
        error(e.where, e.path, fmt::format("'{}' is not a JSON path ($.detail...)", *text));
        return false;
      }
      rule.inputPath = *text;
    }
  }
  if (Entry e = get(value, "inputTransformer", path); e.node) {
    ++inputs;
    if (e.node->kind != Node::Kind::Map) {
      error(e.where, e.path,
            fmt::format("must be a mapping (inputPathsMap, inputTemplate), got {}",
                        e.node->kindName()));
      return false;
    }
    nlohmann::json transformer = nlohmann::json::object();
    Entry templ = get(*e.node, "inputTemplate", e.path);
    if (!templ.node) {
      if (!templ.failed) error(e.where, e.path, "needs inputTemplate");
      return false;
    }
    if (auto text = stringSetting(templ)) transformer["InputTemplate"] = *text;
    if (Entry paths = get(*e.node, "inputPathsMap", e.path); paths.node) {
      if (paths.node->kind != Node::Kind::Map || !resolver_.resolveDeep(*paths.node, paths.path)) {
        error(paths.where, paths.path, "must be a mapping of variable names to JSON paths");
        return false;
      }
      nlohmann::json map = nlohmann::json::object();
      for (size_t i = 0; i < paths.node->keys.size(); ++i) {
        auto text = scalarToString(paths.node->children[i]);
        if (!text) {
          error(paths.node->keyLocations[i], childPath(paths.path, paths.node->keys[i]),
                "must be a JSON path");
          return false;
        }
        map[paths.node->keys[i]] = *text;
      }
      transformer["InputPathsMap"] = map;
    }
    warnUnsupportedKeys(*e.node, e.path, {"inputPathsMap", "inputTemplate"});
    rule.inputTransformer = transformer.dump();
  }
  if (inputs > 1) {
    error(rule.where, path,
          "You can only set one of input, inputPath, or inputTransformer properties");
    return false;
  }
  return true;
}

// `eventBridge: {eventBus, pattern, schedule, name, description, enabled, input, inputPath,
// inputTransformer, retryPolicy, deadLetterQueueArn}`; `index` is the event's place among the
// function's events, counted from 1, which the Framework puts in the rule's name.
void ModelBuilder::eventBridgeEvent(FunctionConfig& function, Node& value,
                                    const SourceLocation& where, const std::string& path,
                                    size_t index) {
  if (value.kind != Node::Kind::Map) {
    error(where, path,
          fmt::format("must be a mapping (pattern or schedule, eventBus, input, ...), got {}",
                      value.kindName()));
    return;
  }
  EventRuleConfig rule;
  rule.type = "eventBridge";
  rule.where = where;
  rule.path = path;
  bool ok = true;
  if (Entry e = get(value, "eventBus", path); e.node) {
    if (isIntrinsic(*e.node) && !evaluateInPlace(*e.node, e.where, e.path)) return;
    if (auto text = stringSetting(e)) {
      if (text->rfind("arn:", 0) == 0) {
        // An existing bus: the name is what follows the last "/".
        rule.busName = text->substr(text->find('/') == std::string::npos ? 0 : text->find('/') + 1);
      } else {
        rule.busName = *text;
        rule.createsBus = *text != "default";
      }
    } else {
      ok = false;
    }
  } else if (e.failed) {
    return;
  }
  if (Entry e = get(value, "pattern", path); e.node) {
    if (e.node->kind != Node::Kind::Map) {
      error(e.where, e.path,
            fmt::format("must be a mapping (an event pattern), got {}", e.node->kindName()));
      ok = false;
    } else if (resolver_.resolveDeep(*e.node, e.path)) {
      rule.eventPattern = toJsonText(*e.node);
    } else {
      ok = false;
    }
  }
  if (Entry e = get(value, "schedule", path); e.node) {
    if (auto text = stringSetting(e)) {
      if (!frameworkScheduleSyntax(*text)) {
        error(e.where, e.path,
              fmt::format("'{}' is not a schedule expression (rate(...) or cron(...))", *text));
        ok = false;
      }
      rule.scheduleExpression = *text;
    }
  }
  if (rule.eventPattern.empty() && rule.scheduleExpression.empty()) {
    if (ok) error(where, path, "needs pattern or schedule");
    return;
  }
  if (Entry e = get(value, "name", path); e.node) {
    if (!ruleName(e, rule.name)) ok = false;
  }
  if (rule.name.empty()) {
    std::string suffix = fmt::format("rule-{}", index);
    rule.name = fmt::format("{}-{}", function.name, suffix);
    if (rule.name.size() > 64) rule.name = hashName(rule.name, suffix);
  }
  rule.targetId = rule.name + "-target";
  if (rule.targetId.size() > 64) rule.targetId = hashName(rule.targetId, "target");
  if (Entry e = get(value, "description", path); e.node) {
    if (auto text = stringSetting(e)) rule.description = *text;
  }
  if (Entry e = get(value, "enabled", path); e.node) {
    if (auto v = booleanSetting(e)) rule.enabled = *v;
  }
  if (!ruleTargetInput(value, path, rule)) ok = false;
  if (Entry e = get(value, "retryPolicy", path); e.node) {
    if (e.node->kind != Node::Kind::Map) {
      error(e.where, e.path,
            fmt::format("must be a mapping (maximumEventAge, maximumRetryAttempts), got {}",
                        e.node->kindName()));
      ok = false;
    } else {
      if (Entry a = get(*e.node, "maximumEventAge", e.path); a.node) {
        rule.maximumEventAge = integerSetting(a, 60, 86400, "seconds");
      }
      if (Entry a = get(*e.node, "maximumRetryAttempts", e.path); a.node) {
        rule.maximumRetryAttempts = integerSetting(a, 0, 185, "attempts");
      }
      warnUnsupportedKeys(*e.node, e.path, {"maximumEventAge", "maximumRetryAttempts"});
    }
  }
  if (Entry e = get(value, "deadLetterQueueArn", path); e.node) {
    if (isIntrinsic(*e.node) && !evaluateInPlace(*e.node, e.where, e.path)) return;
    if (auto text = stringSetting(e)) {
      if (text->rfind("arn:aws:sqs:", 0) != 0) {
        error(e.where, e.path, fmt::format("'{}' is not an SQS queue ARN", *text));
        ok = false;
      }
      rule.deadLetterArn = *text;
    }
  }
  warnUnsupportedKeys(value, path,
                      {"eventBus", "pattern", "schedule", "name", "description", "enabled", "input",
                       "inputPath", "inputTransformer", "retryPolicy", "deadLetterQueueArn"});
  if (ok) function.eventRules.push_back(std::move(rule));
}

// `schedule: rate(...)` or `schedule: {rate: expression or [expressions], enabled, name,
// description, input, inputPath, inputTransformer}`: a rule on the default bus per expression.
// `scheduleNumber` counts the function's schedules so far, as the Framework numbers them.
void ModelBuilder::scheduleEvents(FunctionConfig& function, Node& value,
                                  const SourceLocation& where, const std::string& path,
                                  int& scheduleNumber) {
  EventRuleConfig base;
  base.type = "schedule";
  base.where = where;
  base.path = path;
  std::vector<std::string> expressions;
  std::string name;
  bool ok = true;
  auto addExpression = [&](const std::string& text, const SourceLocation& at,
                           const std::string& atPath) {
    if (!frameworkScheduleSyntax(text)) {
      error(at, atPath,
            fmt::format("'{}' is not a schedule expression (rate(...) or cron(...) with six "
                        "fields)",
                        text));
      ok = false;
      return;
    }
    expressions.push_back(text);
  };
  if (value.kind == Node::Kind::String) {
    addExpression(value.text, where, path);
  } else if (value.kind == Node::Kind::Map) {
    Entry rate = get(value, "rate", path);
    if (!rate.node) {
      if (!rate.failed) error(where, path, "needs rate: a rate(...) or cron(...) expression");
      return;
    }
    if (rate.node->kind == Node::Kind::Seq) {
      for (size_t i = 0; i < rate.node->children.size(); ++i) {
        Entry item{&rate.node->children[i], rate.where, itemPath(rate.path, i), false};
        if (!resolver_.resolveShallow(*item.node, item.path)) return;
        if (auto text = stringSetting(item)) addExpression(*text, rate.where, item.path);
      }
      if (rate.node->children.empty()) {
        error(rate.where, rate.path, "needs at least one expression");
        ok = false;
      }
    } else if (auto text = stringSetting(rate)) {
      addExpression(*text, rate.where, rate.path);
    } else {
      ok = false;
    }
    if (Entry e = get(value, "enabled", path); e.node) {
      if (auto v = booleanSetting(e)) base.enabled = *v;
    }
    if (Entry e = get(value, "name", path); e.node) {
      if (!ruleName(e, name)) ok = false;
    }
    if (!name.empty() && expressions.size() > 1) {
      error(where, path, "You cannot specify a name when defining more than one rate expression");
      ok = false;
    }
    if (Entry e = get(value, "description", path); e.node) {
      if (auto text = stringSetting(e)) base.description = *text;
    }
    if (Entry e = get(value, "method", path); e.node) {
      if (auto text = stringSetting(e); text && *text != "eventBus") {
        warn(e.where, fmt::format("{}: '{}' is not served yet; the schedule is served as an "
                                  "EventBridge rule (method: eventBus)",
                                  e.path, *text));
      }
    }
    if (!ruleTargetInput(value, path, base)) ok = false;
    warnUnsupportedKeys(value, path,
                        {"rate", "enabled", "name", "description", "input", "inputPath",
                         "inputTransformer", "method"});
  } else {
    error(where, path,
          fmt::format("must be a rate(...) or cron(...) expression or a mapping (rate, enabled, "
                      "input, ...), got {}",
                      value.kindName()));
    return;
  }
  if (!ok) return;
  for (const auto& expression : expressions) {
    ++scheduleNumber;
    EventRuleConfig rule = base;
    rule.scheduleExpression = expression;
    // Unnamed rules get CloudFormation's kind of name, the stack's and the logical id's, without
    // its random suffix so that it stays the same from one start to the next.
    rule.name = !name.empty() ? name
                              : fmt::format("{}-{}-{}EventsRuleSchedule{}", service_, stage_,
                                            normalizedFunctionName(function.key), scheduleNumber)
                                    .substr(0, 64);
    rule.targetId = function.key + "Schedule";
    function.eventRules.push_back(std::move(rule));
  }
}

}  // namespace nimbus::config
