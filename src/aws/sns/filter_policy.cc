#include "aws/sns/filter_policy.h"

#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "aws/pattern_compiler.h"
#include "aws/pattern_json.h"

namespace nimbus::aws::sns {

using nlohmann::json;

namespace {

using Leaf = PatternLeaf;
using Branch = PatternBranch;
using Kind = PatternCondition::Kind;
// The fields of a message (an attribute, or a body property) that a leaf is compared with; its
// text is a view into the message or into JSON parsed from it.
using Value = PatternValue;

constexpr size_t kMaxKeys = 5;
constexpr size_t kMaxCombinations = 150;

// `present`: the key is there, even when it has no value to compare (a Binary attribute).
bool leafMatches(const Leaf& leaf, const std::vector<Value>& values, bool present) {
  for (const auto& c : leaf.conditions) {
    if (c.kind == Kind::Exists) {
      bool nonNull = false;
      for (const auto& v : values) nonNull = nonNull || v.type != Value::Type::Null;
      // "exists": true needs a non-null value; "exists": false needs the key to be absent.
      if (c.flag ? nonNull : !present) return true;
      continue;
    }
    for (const auto& v : values) {
      if (conditionMatches(c, v)) return true;
    }
  }
  return false;
}

void appendScalar(const json& node, std::vector<Value>& out) {
  Value v;
  if (node.is_string()) {
    v.type = Value::Type::String;
    v.text = node.get_ref<const std::string&>();
  } else if (node.is_number()) {
    v.type = Value::Type::Number;
    v.number = node.get<double>();
  } else if (node.is_boolean()) {
    v.type = Value::Type::Bool;
    v.boolean = node.get<bool>();
  } else if (node.is_null()) {
    v.type = Value::Type::Null;
  } else {
    return;  // Objects are not leaves.
  }
  out.push_back(v);
}

// The leaf values at `path` below `node`; arrays anywhere along the way are looked into, so a
// key inside an array of objects matches if any element has it.
void collect(const json& node, const std::vector<std::string>& path, size_t depth,
             std::vector<Value>& out) {
  if (node.is_array()) {
    for (const auto& element : node) collect(element, path, depth, out);
    return;
  }
  if (depth == path.size()) {
    appendScalar(node, out);
    return;
  }
  if (!node.is_object()) return;
  auto it = node.find(path[depth]);
  if (it != node.end()) collect(*it, path, depth + 1, out);
}

// `parsed` holds a String.Array's elements while their values are compared.
std::vector<Value> attributeValues(const MessageAttribute& a, json& parsed) {
  std::vector<Value> out;
  std::string_view type = a.baseType();
  if (a.isStringArray()) {
    parsed = json::parse(a.stringValue, nullptr, false);
    if (parsed.is_array()) {
      static const std::vector<std::string> kNoPath;
      collect(parsed, kNoPath, 0, out);
    }
  } else if (type == "String") {
    out.push_back(Value{Value::Type::String, false, 0, a.stringValue});
  } else if (type == "Number") {
    const char* begin = a.stringValue.c_str();
    char* end = nullptr;
    double n = std::strtod(begin, &end);
    if (end != begin && *end == '\0') out.push_back(Value{Value::Type::Number, false, n, {}});
  }
  // Binary attributes are ignored by filter policies.
  return out;
}

}  // namespace

std::string filterPolicyErrorMessage(const FilterPolicyError& error, bool fromSubscribe) {
  if (!error.aboutFilterPolicy) return "Invalid parameter: " + error.message;
  return fmt::format("Invalid parameter: {}FilterPolicy: {}",
                     fromSubscribe ? "Attributes Reason: " : "", error.message);
}

FilterPolicy::FilterPolicy(std::vector<Branch> branches, FilterScope scope)
    : branches_(std::move(branches)), scope_(scope) {}

FilterPolicy::~FilterPolicy() = default;

FilterPolicy::CompileResult FilterPolicy::compile(std::string_view text, FilterScope scope) {
  if (auto syntax = checkJsonSyntax(text)) {
    return FilterPolicyError{
        fmt::format("failed to parse JSON. {}\n at [Source: REDACTED "
                    "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, "
                    "column: {}]",
                    syntax->message, syntax->line, syntax->column),
        true};
  }
  std::vector<Branch> branches;
  if (auto error = compilePattern(text, PatternDialect::SnsFilterPolicy, kMaxCombinations,
                                  "Filter policy is too complex", branches)) {
    return FilterPolicyError{error->message, true};
  }

  size_t combinations = 0;
  for (const auto& branch : branches) {
    if (scope == FilterScope::MessageAttributes) {
      for (const auto& leaf : branch) {
        if (leaf.path.size() > 1) {
          return FilterPolicyError{
              "Filter policy scope MessageAttributes does not support nested filter policy", false};
        }
      }
    }
    if (branch.size() > kMaxKeys) {
      return FilterPolicyError{"Filter policy can not have more than 5 keys", true};
    }
    // Each leaf multiplies the combinations by its number of values and by its depth.
    size_t product = 1;
    for (const auto& leaf : branch) {
      product *= leaf.conditions.size() * leaf.path.size();
      if (product > kMaxCombinations) break;
    }
    combinations += product;
    if (combinations > kMaxCombinations) {
      return FilterPolicyError{"Filter policy is too complex", true};
    }
  }
  return std::make_shared<const FilterPolicy>(std::move(branches), scope);
}

bool FilterPolicy::matches(const std::vector<MessageAttribute>& attributes,
                           std::string_view body) const {
  return scope_ == FilterScope::MessageBody ? matchesBody(body) : matchesAttributes(attributes);
}

bool FilterPolicy::matchesAttributes(const std::vector<MessageAttribute>& attributes) const {
  // A message without attributes matches no policy, not even {"key": [{"exists": false}]}.
  if (attributes.empty()) return false;
  for (const auto& branch : branches_) {
    bool all = true;
    for (const auto& leaf : branch) {
      std::vector<Value> values;
      json parsed;
      // An attribute with nothing to compare (Binary, an empty String.Array) is still there:
      // it fails "exists": false, and it cannot satisfy "exists": true.
      bool present = false;
      for (const auto& a : attributes) {
        if (a.name != leaf.path.front()) continue;
        values = attributeValues(a, parsed);
        present = true;
      }
      if (!leafMatches(leaf, values, present)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool FilterPolicy::matchesBody(std::string_view body) const {
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) return false;
  for (const auto& branch : branches_) {
    bool all = true;
    for (const auto& leaf : branch) {
      std::vector<Value> values;
      collect(parsed, leaf.path, 0, values);
      if (!leafMatches(leaf, values, !values.empty())) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace nimbus::aws::sns
