#include "aws/events/target_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "core/json_writer.h"

namespace nimbus::aws::events {

using nlohmann::json;

namespace {

// One step of a JSON path: a key, an array index, or `*` (every member or element).
struct PathStep {
  enum class Kind { Key, Index, Any } kind = Kind::Key;
  std::string key;
  size_t index = 0;
};

bool isPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/' ||
         c == ':' || c == '@' || c == '.';
}

// Parses "$.a.b[0].*"; false when the path is outside the subset.
bool parsePath(std::string_view path, std::vector<PathStep>& steps) {
  if (path.empty() || path[0] != '$') return false;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      if (i < path.size() && path[i] == '*') {
        steps.push_back({PathStep::Kind::Any, {}, 0});
        ++i;
        continue;
      }
      size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[' && isPathChar(path[i])) ++i;
      if (i == start) return false;
      steps.push_back({PathStep::Kind::Key, std::string(path.substr(start, i - start)), 0});
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return false;
      std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside == "*") {
        steps.push_back({PathStep::Kind::Any, {}, 0});
      } else if (!inside.empty() && std::all_of(inside.begin(), inside.end(), [](char c) {
                   return std::isdigit(static_cast<unsigned char>(c));
                 })) {
        steps.push_back({PathStep::Kind::Index, {}, std::stoul(std::string(inside))});
      } else if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
                 inside.back() == inside.front()) {
        steps.push_back({PathStep::Kind::Key, std::string(inside.substr(1, inside.size() - 2)), 0});
      } else {
        return false;
      }
      i = close + 1;
      continue;
    }
    return false;
  }
  return true;
}

void select(const json& node, const std::vector<PathStep>& steps, size_t at,
            std::vector<const json*>& out) {
  if (at == steps.size()) {
    out.push_back(&node);
    return;
  }
  const auto& step = steps[at];
  switch (step.kind) {
    case PathStep::Kind::Key:
      if (node.is_object()) {
        if (auto it = node.find(step.key); it != node.end()) select(*it, steps, at + 1, out);
      }
      return;
    case PathStep::Kind::Index:
      if (node.is_array() && step.index < node.size()) select(node[step.index], steps, at + 1, out);
      return;
    case PathStep::Kind::Any:
      if (node.is_array() || node.is_object()) {
        for (const auto& child : node) select(child, steps, at + 1, out);
      }
      return;
  }
}

bool hasWildcard(const std::vector<PathStep>& steps) {
  return std::any_of(steps.begin(), steps.end(),
                     [](const PathStep& s) { return s.kind == PathStep::Kind::Any; });
}

std::optional<json> selectValue(const json& event, std::string_view path) {
  std::vector<PathStep> steps;
  if (!parsePath(path, steps)) return std::nullopt;
  std::vector<const json*> found;
  select(event, steps, 0, found);
  if (hasWildcard(steps)) {
    json all = json::array();
    for (const json* f : found) all.push_back(*f);
    return all;
  }
  if (found.empty()) return std::nullopt;
  return *found.front();
}

// A value's text where a template wants text: a string without its quotes, anything else as
// JSON.
std::string textOf(const std::optional<json>& value) {
  if (!value) return "";
  if (value->is_string()) return value->get<std::string>();
  return value->dump();
}

// `text` escaped to sit inside a JSON string (without the surrounding quotes).
std::string escapedForString(const std::string& text) {
  std::string quoted;
  appendJsonString(quoted, text);
  return quoted.substr(1, quoted.size() - 2);
}

bool isJsonTemplate(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  return i < t.size() && (t[i] == '{' || t[i] == '[');
}

// Walks a template, calling `onText` for literal text and `onVariable` for each <name>, telling
// whether the placeholder sits inside a JSON string.
template <typename Text, typename Variable>
void walkTemplate(std::string_view t, bool json, Text onText, Variable onVariable) {
  bool inString = false;
  size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '<') {
      size_t close = t.find('>', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = t.substr(i + 1, close - i - 1);
        bool plausible = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ||
                 ch == '.';
        });
        if (plausible) {
          onVariable(name, json && inString);
          i = close + 1;
          continue;
        }
      }
    }
    if (json) {
      if (c == '\\' && inString && i + 1 < t.size()) {
        onText(t.substr(i, 2));
        i += 2;
        continue;
      }
      if (c == '"') inString = !inString;
    }
    onText(t.substr(i, 1));
    ++i;
  }
}

}  // namespace

std::optional<std::string> checkJsonPath(std::string_view path) {
  std::vector<PathStep> steps;
  if (!parsePath(path, steps)) return fmt::format("{} is not a valid JSON path.", path);
  return std::nullopt;
}

std::optional<std::string> checkInputTransformer(const InputTransformer& transformer) {
  if (transformer.inputPathsMap.size() > 100) {
    return std::string("InputPathsMap has more than 100 entries.");
  }
  for (const auto& [name, path] : transformer.inputPathsMap) {
    if (name.rfind("aws.", 0) == 0 || name.rfind("AWS.", 0) == 0) {
      return fmt::format("InputTransformer contains reserved key {}.", name);
    }
    if (auto problem = checkJsonPath(path)) {
      return fmt::format("InputTransformer contains invalid input path {}.", path);
    }
  }
  if (transformer.inputTemplate.empty()) {
    return std::string("InputTemplate must not be empty.");
  }
  if (isJsonTemplate(transformer.inputTemplate)) {
    // Placeholders stand for values: the template must be JSON with each replaced by one.
    std::string probe;
    walkTemplate(
        transformer.inputTemplate, true, [&](std::string_view text) { probe += text; },
        [&](std::string_view, bool inString) { probe += inString ? "x" : "null"; });
    if (!json::accept(probe)) {
      return std::string("InputTemplate for target is not a valid JSON string.");
    }
  }
  return std::nullopt;
}

std::optional<std::string> selectJsonPath(std::string_view eventJson, std::string_view path) {
  json event = json::parse(eventJson, nullptr, false);
  if (event.is_discarded()) return std::nullopt;
  auto value = selectValue(event, path);
  if (!value) return std::nullopt;
  return value->dump();
}

std::string applyInputTransformer(const InputTransformer& transformer, std::string_view eventJson,
                                  const TransformContext& context) {
  json event = json::parse(eventJson, nullptr, false);
  std::map<std::string, std::optional<json>, std::less<>> values;
  for (const auto& [name, path] : transformer.inputPathsMap) {
    values[name] = event.is_discarded() ? std::nullopt : selectValue(event, path);
  }
  values["aws.events.rule-arn"] = json(context.ruleArn);
  values["aws.events.rule-name"] = json(context.ruleName);
  values["aws.events.event.ingestion-time"] = json(context.ingestionTime);
  if (!event.is_discarded()) {
    values["aws.events.event.json"] = event;
    json withoutDetail = event;
    if (withoutDetail.is_object()) withoutDetail.erase("detail");
    values["aws.events.event"] = withoutDetail;
  }
  bool jsonTemplate = isJsonTemplate(transformer.inputTemplate);
  std::string out;
  walkTemplate(
      transformer.inputTemplate, jsonTemplate, [&](std::string_view text) { out += text; },
      [&](std::string_view name, bool inString) {
        auto it = values.find(name);
        if (it == values.end()) {
          // Not a variable: the text stays as written.
          out += '<';
          out += name;
          out += '>';
          return;
        }
        const auto& value = it->second;
        if (!jsonTemplate) {
          out += textOf(value);
        } else if (inString) {
          out += escapedForString(textOf(value));
        } else {
          out += value ? value->dump() : "null";
        }
      });
  return out;
}

}  // namespace nimbus::aws::events
