#include "aws/events/event_pattern.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "aws/pattern_json.h"

namespace nimbus::aws::events {

namespace {

using Leaf = PatternLeaf;
using Kind = PatternCondition::Kind;
using Value = PatternValue;

constexpr size_t kSourceSnippet = 500;
// $or alternatives multiply; past this many branches a pattern is refused.
constexpr size_t kMaxBranches = 1000;

// A leaf matches when any condition matches any value found at its path. `exists` asks only
// whether the path holds a leaf value (null counts; an object or an empty array does not).
bool leafMatches(const Leaf& leaf, const Value* values, size_t count) {
  for (const auto& c : leaf.conditions) {
    if (c.kind == Kind::Exists) {
      if (c.flag == (count > 0)) return true;
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      if (conditionMatches(c, values[i])) return true;
    }
  }
  return false;
}

// ---- Matching --------------------------------------------------------------------------------

// A path some rule names: its slot for values, and whether deeper paths run through it.
struct PathNode {
  int32_t slot = -1;  // -1: no rule has a leaf here.
  bool hasChildren = false;
};

struct PathHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Values found in one event, per slot, in a buffer reused by the thread.
struct Scratch {
  std::vector<std::vector<Value>> slots;
  std::vector<int32_t> touched;

  void reset(size_t slotCount) {
    for (int32_t s : touched) slots[s].clear();
    touched.clear();
    if (slots.size() < slotCount) slots.resize(slotCount);
  }
  void add(int32_t slot, Value v) {
    auto& values = slots[slot];
    if (values.empty()) touched.push_back(slot);
    values.push_back(v);
  }
};

}  // namespace

// A rule's branches with their leaves resolved to slots.
struct PatternIndex::Paths {
  std::unordered_map<std::string, PathNode, PathHash, std::equal_to<>> nodes;
  struct CompiledLeaf {
    int32_t slot;
    const Leaf* leaf;
  };
  std::vector<std::vector<std::vector<CompiledLeaf>>> rules;  // rule -> branch -> leaves
  size_t slotCount = 0;

  // Most rules name exact strings somewhere ("source": ["shop"]): such a branch can only match
  // an event holding one of them at that path. Each branch with a leaf of exact strings only is
  // filed under those strings at the leaf's slot, and only the branches filed under the event's
  // values there are checked; the others are checked for every event.
  struct BranchRef {
    uint32_t rule;
    uint32_t branch;
  };
  struct SlotKeys {
    int32_t slot;
    std::unordered_map<std::string, std::vector<BranchRef>, PathHash, std::equal_to<>> byValue;
  };
  std::vector<SlotKeys> keyed;
  std::vector<BranchRef> unkeyed;

  void collect(simdjson::dom::element node, std::string& path, Scratch& scratch) const;
  void addLeafValues(simdjson::dom::element node, int32_t slot, Scratch& scratch) const;
};

void PatternIndex::Paths::addLeafValues(simdjson::dom::element node, int32_t slot,
                                        Scratch& scratch) const {
  using simdjson::dom::element_type;
  Value v;
  switch (node.type()) {
    case element_type::ARRAY: {
      simdjson::dom::array elements;
      if (node.get_array().get(elements) != simdjson::SUCCESS) return;
      for (auto element : elements) addLeafValues(element, slot, scratch);
      return;
    }
    case element_type::OBJECT:
      return;  // Not a leaf.
    case element_type::STRING:
      v.type = Value::Type::String;
      v.text = node.get_string().value_unsafe();
      break;
    case element_type::INT64:
      v.type = Value::Type::Number;
      v.number = static_cast<double>(node.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      v.type = Value::Type::Number;
      v.number = static_cast<double>(node.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE:
      v.type = Value::Type::Number;
      v.number = node.get_double().value_unsafe();
      break;
    case element_type::BOOL:
      v.type = Value::Type::Bool;
      v.boolean = node.get_bool().value_unsafe();
      break;
    case element_type::NULL_VALUE:
      v.type = Value::Type::Null;
      break;
    default:
      return;
  }
  scratch.add(slot, v);
}

// Walks the event along the paths rules name; arrays of objects are walked into, element by
// element, under the same path.
void PatternIndex::Paths::collect(simdjson::dom::element node, std::string& path,
                                  Scratch& scratch) const {
  using simdjson::dom::element_type;
  if (node.type() == element_type::ARRAY) {
    simdjson::dom::array elements;
    if (node.get_array().get(elements) != simdjson::SUCCESS) return;
    for (auto element : elements) {
      if (element.type() == element_type::OBJECT || element.type() == element_type::ARRAY) {
        collect(element, path, scratch);
      }
    }
    return;
  }
  simdjson::dom::object fields;
  if (node.get_object().get(fields) != simdjson::SUCCESS) return;
  size_t base = path.size();
  for (auto field : fields) {
    if (base) path += '.';
    path.append(field.key.data(), field.key.size());
    auto it = nodes.find(std::string_view(path));
    if (it != nodes.end()) {
      if (it->second.slot >= 0) addLeafValues(field.value, it->second.slot, scratch);
      if (it->second.hasChildren) collect(field.value, path, scratch);
    }
    path.resize(base);
  }
}

EventPattern::EventPattern(std::vector<PatternBranch> branches) : branches_(std::move(branches)) {}

EventPattern::~EventPattern() = default;

EventPattern::CompileResult EventPattern::compile(std::string_view text) {
  constexpr std::string_view kInvalid = "Event pattern is not valid. Reason: ";
  if (auto syntax = checkJsonSyntax(text)) {
    std::string truncated;
    if (text.size() > kSourceSnippet) {
      truncated = fmt::format("[truncated {} chars]", text.size() - kSourceSnippet);
    }
    return fmt::format("{}{}\n at [Source: (String)\"{}\"{}; line: {}, column: {}]", kInvalid,
                       syntax->message, text.substr(0, kSourceSnippet), truncated, syntax->line,
                       syntax->column);
  }
  std::vector<PatternBranch> branches;
  if (auto error = compilePattern(text, PatternDialect::EventBridge, kMaxBranches,
                                  "Event pattern is too complex", branches)) {
    return std::string(kInvalid) + error->message;
  }
  return std::make_shared<const EventPattern>(std::move(branches));
}

bool EventPattern::matches(std::string_view eventJson) const {
  // The index keeps its own reference; this one is not owned, so give it a no-op deleter.
  PatternIndex index({std::shared_ptr<const EventPattern>(this, [](const EventPattern*) {})});
  std::vector<size_t> matched;
  return index.match(eventJson, matched) && !matched.empty();
}

PatternIndex::PatternIndex(std::vector<std::shared_ptr<const EventPattern>> patterns)
    : patterns_(std::move(patterns)), paths_(std::make_unique<Paths>()) {
  auto& p = *paths_;
  p.rules.reserve(patterns_.size());
  for (const auto& pattern : patterns_) {
    auto& rule = p.rules.emplace_back();
    for (const auto& branch : pattern->branches()) {
      auto& compiled = rule.emplace_back();
      for (const auto& leaf : branch) {
        // Paths are keys joined with '.', as the engine flattens events; every shorter path on
        // the way to a leaf leads somewhere.
        std::string joined;
        for (size_t k = 0; k < leaf.path.size(); ++k) {
          if (k) {
            p.nodes[joined].hasChildren = true;
            joined += '.';
          }
          joined += leaf.path[k];
        }
        auto& node = p.nodes[joined];
        if (node.slot < 0) node.slot = static_cast<int32_t>(p.slotCount++);
        compiled.push_back({node.slot, &leaf});
      }
    }
  }
  for (uint32_t r = 0; r < p.rules.size(); ++r) {
    const auto& branches = patterns_[r]->branches();
    for (uint32_t b = 0; b < branches.size(); ++b) {
      const Paths::CompiledLeaf* key = nullptr;
      for (const auto& leaf : p.rules[r][b]) {
        const auto& conditions = leaf.leaf->conditions;
        bool exactOnly = !conditions.empty() &&
                         std::all_of(conditions.begin(), conditions.end(),
                                     [](const auto& c) { return c.kind == Kind::ExactString; });
        if (exactOnly) {
          key = &leaf;
          break;
        }
      }
      if (!key) {
        p.unkeyed.push_back({r, b});
        continue;
      }
      auto slotKeys = std::find_if(p.keyed.begin(), p.keyed.end(),
                                   [&](const auto& k) { return k.slot == key->slot; });
      if (slotKeys == p.keyed.end()) {
        p.keyed.push_back({key->slot, {}});
        slotKeys = std::prev(p.keyed.end());
      }
      for (const auto& c : key->leaf->conditions) {
        auto& refs = slotKeys->byValue[c.text];
        // A value listed twice in one leaf files the branch once.
        if (refs.empty() || refs.back().rule != r || refs.back().branch != b) {
          refs.push_back({r, b});
        }
      }
    }
  }
}

PatternIndex::~PatternIndex() = default;

bool PatternIndex::match(std::string_view eventJson, std::vector<size_t>& matched) const {
  thread_local simdjson::dom::parser parser;
  thread_local Scratch scratch;
  thread_local std::string path;
  simdjson::dom::element root;
  if (parser.parse(eventJson.data(), eventJson.size()).get(root) != simdjson::SUCCESS ||
      root.type() != simdjson::dom::element_type::OBJECT) {
    return false;
  }
  const auto& p = *paths_;
  scratch.reset(p.slotCount);
  path.clear();
  p.collect(root, path, scratch);
  thread_local std::vector<size_t> found;
  found.clear();
  auto check = [&](Paths::BranchRef ref) {
    for (const auto& leaf : p.rules[ref.rule][ref.branch]) {
      const auto& values = scratch.slots[leaf.slot];
      if (!leafMatches(*leaf.leaf, values.data(), values.size())) return;
    }
    found.push_back(ref.rule);
  };
  for (const auto& keys : p.keyed) {
    for (const auto& value : scratch.slots[keys.slot]) {
      if (value.type != Value::Type::String) continue;
      auto it = keys.byValue.find(value.text);
      if (it == keys.byValue.end()) continue;
      for (auto ref : it->second) check(ref);
    }
  }
  for (auto ref : p.unkeyed) check(ref);
  // A rule matched through several branches or values counts once, in the rules' order.
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  matched.insert(matched.end(), found.begin(), found.end());
  return true;
}

}  // namespace nimbus::aws::events
