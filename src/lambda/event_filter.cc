#include "lambda/event_filter.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

namespace nimbus::lambda {

namespace {

using Json = nlohmann::json;

// Lambda's one message for a pattern it cannot read, whatever is wrong with it.
constexpr const char* kInvalidPattern = "Invalid filter pattern definition.";
// Lambda's limit on one pattern's length.
constexpr size_t kMaxPatternBytes = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One matcher of a leaf's list.
struct Matcher {
  enum class Kind {
    kString,
    kNumber,
    kBool,
    kNull,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,        // strings and numbers
    kAnythingButPrefix,  // text
    kAnythingButSuffix,  // text
    kNumeric,
    kExists,
  };
  Kind kind = Kind::kString;
  std::string text;
  double number = 0;
  bool flag = false;                 // kBool's value, kExists's value.
  std::vector<std::string> strings;  // kAnythingBut
  std::vector<double> numbers;       // kAnythingBut
  // kNumeric: an optional lower and upper bound, each inclusive or not.
  std::optional<double> low, high;
  bool lowInclusive = false, highInclusive = false;
};

bool matchesScalar(const Matcher& m, const Json& v) {
  switch (m.kind) {
    case Matcher::Kind::kString:
      return v.is_string() && v.get_ref<const std::string&>() == m.text;
    case Matcher::Kind::kNumber:
      return v.is_number() && v.get<double>() == m.number;
    case Matcher::Kind::kBool:
      return v.is_boolean() && v.get<bool>() == m.flag;
    case Matcher::Kind::kNull:
      return v.is_null();
    case Matcher::Kind::kPrefix:
      return v.is_string() && v.get_ref<const std::string&>().starts_with(m.text);
    case Matcher::Kind::kSuffix:
      return v.is_string() && v.get_ref<const std::string&>().ends_with(m.text);
    case Matcher::Kind::kEqualsIgnoreCase:
      return v.is_string() && lower(v.get_ref<const std::string&>()) == m.text;
    case Matcher::Kind::kAnythingBut:
      if (v.is_string()) {
        return std::find(m.strings.begin(), m.strings.end(), v.get_ref<const std::string&>()) ==
               m.strings.end();
      }
      if (v.is_number()) {
        return std::find(m.numbers.begin(), m.numbers.end(), v.get<double>()) == m.numbers.end();
      }
      return !v.is_null();
    case Matcher::Kind::kAnythingButPrefix:
      return v.is_string() && !v.get_ref<const std::string&>().starts_with(m.text);
    case Matcher::Kind::kAnythingButSuffix:
      return v.is_string() && !v.get_ref<const std::string&>().ends_with(m.text);
    case Matcher::Kind::kNumeric: {
      if (!v.is_number()) return false;
      double x = v.get<double>();
      if (m.low && (m.lowInclusive ? x < *m.low : x <= *m.low)) return false;
      if (m.high && (m.highInclusive ? x > *m.high : x >= *m.high)) return false;
      return true;
    }
    case Matcher::Kind::kExists:
      return m.flag;
  }
  return false;
}

std::optional<Matcher> readNumeric(const Json& spec) {
  if (!spec.is_array() || spec.empty() || spec.size() % 2 != 0 || spec.size() > 4) {
    return std::nullopt;
  }
  Matcher m;
  m.kind = Matcher::Kind::kNumeric;
  for (size_t i = 0; i < spec.size(); i += 2) {
    if (!spec[i].is_string() || !spec[i + 1].is_number()) return std::nullopt;
    const auto& op = spec[i].get_ref<const std::string&>();
    double n = spec[i + 1].get<double>();
    if (op == "=") {
      if (spec.size() != 2) return std::nullopt;
      m.low = m.high = n;
      m.lowInclusive = m.highInclusive = true;
    } else if (op == ">" || op == ">=") {
      if (m.low) return std::nullopt;
      m.low = n;
      m.lowInclusive = op == ">=";
    } else if (op == "<" || op == "<=") {
      if (m.high) return std::nullopt;
      m.high = n;
      m.highInclusive = op == "<=";
    } else {
      return std::nullopt;
    }
  }
  // A range is a lower bound then an upper one, and not empty.
  if (spec.size() == 4) {
    const auto& first = spec[0].get_ref<const std::string&>();
    if (first[0] != '>' || !m.low || !m.high || *m.low > *m.high) return std::nullopt;
  }
  return m;
}

std::optional<Matcher> readAnythingBut(const Json& spec) {
  Matcher m;
  m.kind = Matcher::Kind::kAnythingBut;
  auto add = [&m](const Json& v) {
    if (v.is_string()) {
      m.strings.push_back(v.get<std::string>());
    } else if (v.is_number()) {
      m.numbers.push_back(v.get<double>());
    } else {
      return false;
    }
    return true;
  };
  if (spec.is_object()) {
    if (spec.size() != 1) return std::nullopt;
    auto [key, value] = *spec.items().begin();
    if (!value.is_string()) return std::nullopt;
    if (key == "prefix") {
      m.kind = Matcher::Kind::kAnythingButPrefix;
    } else if (key == "suffix") {
      m.kind = Matcher::Kind::kAnythingButSuffix;
    } else {
      return std::nullopt;
    }
    m.text = value.get<std::string>();
    return m;
  }
  if (spec.is_array()) {
    if (spec.empty()) return std::nullopt;
    for (const auto& v : spec) {
      if (!add(v)) return std::nullopt;
    }
    return m;
  }
  if (!add(spec)) return std::nullopt;
  return m;
}

std::optional<Matcher> readMatcher(const Json& item) {
  Matcher m;
  if (item.is_string()) {
    m.kind = Matcher::Kind::kString;
    m.text = item.get<std::string>();
    return m;
  }
  if (item.is_number()) {
    m.kind = Matcher::Kind::kNumber;
    m.number = item.get<double>();
    return m;
  }
  if (item.is_boolean()) {
    m.kind = Matcher::Kind::kBool;
    m.flag = item.get<bool>();
    return m;
  }
  if (item.is_null()) {
    m.kind = Matcher::Kind::kNull;
    return m;
  }
  if (!item.is_object() || item.size() != 1) return std::nullopt;
  auto [key, spec] = *item.items().begin();
  if (key == "prefix" || key == "suffix" || key == "equals-ignore-case") {
    if (!spec.is_string()) return std::nullopt;
    m.kind = key == "prefix"   ? Matcher::Kind::kPrefix
             : key == "suffix" ? Matcher::Kind::kSuffix
                               : Matcher::Kind::kEqualsIgnoreCase;
    m.text = key == "equals-ignore-case" ? lower(spec.get<std::string>()) : spec.get<std::string>();
    return m;
  }
  if (key == "anything-but") return readAnythingBut(spec);
  if (key == "numeric") return readNumeric(spec);
  if (key == "exists") {
    if (!spec.is_boolean()) return std::nullopt;
    m.kind = Matcher::Kind::kExists;
    m.flag = spec.get<bool>();
    return m;
  }
  return std::nullopt;
}

}  // namespace

// A pattern object: every field must match (a leaf's list, or a nested pattern), and one of
// each `$or` group's alternatives.
struct EventFilter::Node {
  struct Field {
    std::string name;
    std::vector<Matcher> leaf;           // When the field's pattern is a list.
    std::shared_ptr<const Node> nested;  // When it is an object.
  };
  std::vector<Field> fields;
  std::vector<std::vector<std::shared_ptr<const Node>>> alternatives;  // `$or` groups.

  bool matches(const Json& object) const;
};

namespace {

std::shared_ptr<const EventFilter::Node> readNode(const Json& pattern, int depth) {
  if (!pattern.is_object() || pattern.empty() || depth > 32) return nullptr;
  auto node = std::make_shared<EventFilter::Node>();
  for (const auto& [key, value] : pattern.items()) {
    if (key == "$or") {
      if (!value.is_array() || value.size() < 2) return nullptr;
      std::vector<std::shared_ptr<const EventFilter::Node>> group;
      for (const auto& alternative : value) {
        auto sub = readNode(alternative, depth + 1);
        if (!sub) return nullptr;
        group.push_back(std::move(sub));
      }
      node->alternatives.push_back(std::move(group));
      continue;
    }
    EventFilter::Node::Field field;
    field.name = key;
    if (value.is_object()) {
      field.nested = readNode(value, depth + 1);
      if (!field.nested) return nullptr;
    } else if (value.is_array() && !value.empty()) {
      for (const auto& item : value) {
        auto matcher = readMatcher(item);
        if (!matcher) return nullptr;
        field.leaf.push_back(std::move(*matcher));
      }
    } else {
      return nullptr;
    }
    node->fields.push_back(std::move(field));
  }
  return node;
}

bool leafMatches(const std::vector<Matcher>& leaf, const Json* value) {
  for (const auto& m : leaf) {
    if (m.kind == Matcher::Kind::kExists) {
      if ((value != nullptr) == m.flag) return true;
      continue;
    }
    if (!value) continue;
    if (value->is_array()) {
      for (const auto& element : *value) {
        if (!element.is_structured() && matchesScalar(m, element)) return true;
      }
    } else if (!value->is_object() && matchesScalar(m, *value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool EventFilter::Node::matches(const Json& object) const {
  static const Json kEmpty = Json::object();
  for (const auto& field : fields) {
    const Json* value = nullptr;
    if (object.is_object()) {
      auto it = object.find(field.name);
      if (it != object.end()) value = &*it;
    }
    if (!field.nested) {
      if (!leafMatches(field.leaf, value)) return false;
      continue;
    }
    // A nested pattern reads inside the field; a missing field is read as an empty object, so
    // that {"exists": false} below it matches. A list matches when one of its objects does.
    bool ok = false;
    if (value && value->is_array()) {
      for (const auto& element : *value) {
        if (element.is_object() && field.nested->matches(element)) {
          ok = true;
          break;
        }
      }
    } else {
      ok = field.nested->matches(value && value->is_object() ? *value : kEmpty);
    }
    if (!ok) return false;
  }
  for (const auto& group : alternatives) {
    bool any = std::any_of(group.begin(), group.end(),
                           [&](const auto& alternative) { return alternative->matches(object); });
    if (!any) return false;
  }
  return true;
}

std::variant<EventFilter, std::string> EventFilter::compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) return std::string(kInvalidPattern);
  auto json = Json::parse(pattern, nullptr, false);
  if (json.is_discarded()) return std::string(kInvalidPattern);
  auto root = readNode(json, 0);
  if (!root) return std::string(kInvalidPattern);
  return EventFilter(std::move(root));
}

bool EventFilter::matches(const Json& record) const {
  return root_->matches(record);
}

std::variant<EventFilters, std::string> EventFilters::compile(
    const std::vector<std::string>& patterns) {
  EventFilters filters;
  for (const auto& pattern : patterns) {
    auto compiled = EventFilter::compile(pattern);
    if (auto* error = std::get_if<std::string>(&compiled)) return *error;
    filters.filters_.push_back(std::get<EventFilter>(std::move(compiled)));
  }
  return filters;
}

bool EventFilters::matches(const Json& record) const {
  if (filters_.empty()) return true;
  return std::any_of(filters_.begin(), filters_.end(),
                     [&](const EventFilter& f) { return f.matches(record); });
}

bool EventFilters::matches(std::string_view recordJson) const {
  if (filters_.empty()) return true;
  auto json = Json::parse(recordJson, nullptr, false);
  if (json.is_discarded()) return false;
  return matches(json);
}

}  // namespace nimbus::lambda
