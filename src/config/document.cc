#include "config/document.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

namespace nimbus::config {

Node Node::makeString(std::string value, SourceLocation where) {
  Node node;
  node.kind = Kind::String;
  node.text = std::move(value);
  node.where = std::move(where);
  return node;
}

Node Node::makeNumber(double value, SourceLocation where) {
  Node node;
  node.kind = Kind::Number;
  node.number = value;
  node.text = formatNumber(value);
  node.where = std::move(where);
  return node;
}

Node Node::makeBool(bool value, SourceLocation where) {
  Node node;
  node.kind = Kind::Bool;
  node.boolean = value;
  node.text = value ? "true" : "false";
  node.where = std::move(where);
  return node;
}

Node Node::makeNull(SourceLocation where) {
  Node node;
  node.where = std::move(where);
  return node;
}

int Node::indexOf(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

std::string Node::kindName() const {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "a boolean";
    case Kind::Number:
      return "a number";
    case Kind::String:
      return "a string";
    case Kind::Map:
      return "a mapping";
    case Kind::Seq:
      return "a list";
  }
  return "a value";
}

void Node::markVariables() {
  if (kind == Kind::String) {
    if (state == State::Plain && text.find("${") != std::string::npos) state = State::Pending;
    return;
  }
  for (auto& child : children) child.markVariables();
}

std::string formatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == std::floor(value) && std::fabs(value) < 1e21) return fmt::format("{:.0f}", value);
  // fmt's shortest round-trip form, with the exponent written as JavaScript writes it.
  std::string text = fmt::format("{}", value);
  auto e = text.find('e');
  if (e == std::string::npos) return text;
  std::string mantissa = text.substr(0, e);
  char sign = text[e + 1] == '-' ? '-' : '+';
  size_t digits = text.find_first_not_of("+-0", e + 1);
  return mantissa + "e" + sign + (digits == std::string::npos ? "0" : text.substr(digits));
}

std::optional<std::string> scalarToString(const Node& node) {
  switch (node.kind) {
    case Node::Kind::String:
      return node.text;
    case Node::Kind::Number:
      return formatNumber(node.number);
    case Node::Kind::Bool:
      return node.boolean ? "true" : "false";
    default:
      return std::nullopt;
  }
}

namespace {

SourceLocation locate(const YAML::Mark& mark, const std::string& file) {
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// YAML 1.2 core schema number forms, as js-yaml reads plain scalars.
std::optional<double> yamlNumber(const std::string& s) {
  static const std::regex decimal("[-+]?[0-9]+");
  static const std::regex hex("0x[0-9a-fA-F]+");
  static const std::regex octal("0o[0-7]+");
  static const std::regex real("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex inf("[-+]?\\.(inf|Inf|INF)");
  static const std::regex nan("\\.(nan|NaN|NAN)");
  if (s.empty()) return std::nullopt;
  if (std::regex_match(s, decimal) || std::regex_match(s, real))
    return std::strtod(s.c_str(), nullptr);
  if (std::regex_match(s, hex)) return static_cast<double>(std::stoull(s.substr(2), nullptr, 16));
  if (std::regex_match(s, octal)) return static_cast<double>(std::stoull(s.substr(2), nullptr, 8));
  if (std::regex_match(s, inf)) return s[0] == '-' ? -INFINITY : INFINITY;
  if (std::regex_match(s, nan)) return NAN;
  return std::nullopt;
}

Node plainScalar(const std::string& s, SourceLocation where) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return Node::makeNull(std::move(where));
  }
  if (s == "true" || s == "True" || s == "TRUE") return Node::makeBool(true, std::move(where));
  if (s == "false" || s == "False" || s == "FALSE") return Node::makeBool(false, std::move(where));
  if (auto number = yamlNumber(s)) {
    Node node = Node::makeNumber(*number, std::move(where));
    node.text = s;
    return node;
  }
  return Node::makeString(s, std::move(where));
}

class YamlConverter {
 public:
  explicit YamlConverter(const std::string& file) : file_(file) {}

  Node convert(const YAML::Node& yaml, const SourceLocation& fallback) {
    SourceLocation where = locate(yaml.Mark(), file_);
    if (where.line == 0) where = fallback;
    Node node = convertUntagged(yaml, where);
    const std::string& tag = yaml.Tag();
    if (tag.empty() || tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0) {
      return node;
    }
    return applyCloudFormationTag(tag, std::move(node), where);
  }

  std::vector<ParseProblem> problems;

 private:
  Node convertUntagged(const YAML::Node& yaml, const SourceLocation& where) {
    const std::string& tag = yaml.Tag();
    switch (yaml.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Node::makeNull(where);
      case YAML::NodeType::Scalar: {
        if (tag == "!" || tag == "tag:yaml.org,2002:str" ||
            (tag != "?" && tag.rfind("tag:", 0) != 0)) {
          // Quoted, explicitly a string, or the operand of a CloudFormation tag.
          return Node::makeString(yaml.Scalar(), where);
        }
        return plainScalar(yaml.Scalar(), where);
      }
      case YAML::NodeType::Sequence: {
        Node node;
        node.kind = Node::Kind::Seq;
        node.where = where;
        for (auto it = yaml.begin(); it != yaml.end(); ++it) {
          const YAML::Node item = *it;
          node.children.push_back(convert(item, where));
        }
        return node;
      }
      case YAML::NodeType::Map:
        return convertMap(yaml, where);
    }
    return Node::makeNull(where);
  }

  Node convertMap(const YAML::Node& yaml, const SourceLocation& where) {
    Node node;
    node.kind = Node::Kind::Map;
    node.where = where;
    // Keys that came from a merge (`<<`) may be overridden by explicit keys; explicit keys may not
    // repeat, as js-yaml rejects duplicated mapping keys.
    std::vector<bool> fromMerge;
    for (auto it = yaml.begin(); it != yaml.end(); ++it) {
      // Copies of the pair's handles: yaml-cpp's iterator hands out a temporary proxy.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      SourceLocation keyWhere = locate(key.Mark(), file_);
      if (!key.IsScalar() && !key.IsNull()) {
        problems.push_back({keyWhere, "mapping keys must be plain strings"});
        continue;
      }
      std::string name = key.IsNull() ? "null" : key.Scalar();
      if (name == "<<" && key.Tag() == "?") {
        mergeInto(node, fromMerge, value, keyWhere);
        continue;
      }
      Node converted = convert(value, keyWhere);
      int existing = node.indexOf(name);
      if (existing >= 0) {
        if (!fromMerge[existing]) {
          problems.push_back({keyWhere, fmt::format("duplicate key '{}' (first defined on line {})",
                                                    name, node.keyLocations[existing].line)});
          continue;
        }
        node.children[existing] = std::move(converted);
        node.keyLocations[existing] = keyWhere;
        fromMerge[existing] = false;
        continue;
      }
      node.keys.push_back(name);
      node.keyLocations.push_back(keyWhere);
      node.children.push_back(std::move(converted));
      fromMerge.push_back(false);
    }
    return node;
  }

  void mergeInto(Node& node, std::vector<bool>& fromMerge, const YAML::Node& source,
                 const SourceLocation& keyWhere) {
    std::vector<YAML::Node> sources;
    if (source.IsMap()) {
      sources.push_back(source);
    } else if (source.IsSequence()) {
      for (auto it = source.begin(); it != source.end(); ++it) sources.push_back(*it);
    }
    for (const auto& item : sources) {
      if (!item.IsMap()) {
        problems.push_back({keyWhere, "a merge key (<<) takes a mapping or a list of mappings"});
        return;
      }
    }
    if (sources.empty()) {
      problems.push_back({keyWhere, "a merge key (<<) takes a mapping or a list of mappings"});
      return;
    }
    // Earlier sources win over later ones, and keys already present win over merged ones.
    for (const auto& item : sources) {
      Node merged = convertMap(item, keyWhere);
      for (size_t i = 0; i < merged.keys.size(); ++i) {
        if (node.indexOf(merged.keys[i]) >= 0) continue;
        node.keys.push_back(merged.keys[i]);
        node.keyLocations.push_back(merged.keyLocations[i]);
        node.children.push_back(std::move(merged.children[i]));
        fromMerge.push_back(true);
      }
    }
  }

  Node applyCloudFormationTag(const std::string& tag, Node operand, const SourceLocation& where) {
    static const std::vector<std::string> functions = {
        "Base64", "Cidr",  "FindInMap", "GetAZs",    "ImportValue", "Join",
        "Select", "Split", "Sub",       "Transform", "And",         "Equals",
        "If",     "Not",   "Or",        "GetAtt",    "Ref",         "Condition"};
    std::string name = tag.substr(1);
    if (tag[0] != '!' || std::find(functions.begin(), functions.end(), name) == functions.end()) {
      problems.push_back({where, fmt::format("unknown tag '{}'", tag)});
      return operand;
    }
    Node node;
    node.kind = Node::Kind::Map;
    node.where = where;
    node.keyLocations.push_back(where);
    if (name == "Ref" || name == "Condition") {
      node.keys.push_back(name);
    } else {
      node.keys.push_back("Fn::" + name);
    }
    if (name == "GetAtt" && operand.kind == Node::Kind::String) {
      // `!GetAtt Resource.Attribute` is `Fn::GetAtt: [Resource, Attribute]`.
      Node list;
      list.kind = Node::Kind::Seq;
      list.where = where;
      auto dot = operand.text.find('.');
      list.children.push_back(Node::makeString(operand.text.substr(0, dot), where));
      if (dot != std::string::npos) {
        list.children.push_back(Node::makeString(operand.text.substr(dot + 1), where));
      }
      operand = std::move(list);
    }
    node.children.push_back(std::move(operand));
    return node;
  }

  const std::string& file_;
};

Node fromJson(const nlohmann::json& json, const SourceLocation& where) {
  switch (json.type()) {
    case nlohmann::json::value_t::object: {
      Node node;
      node.kind = Node::Kind::Map;
      node.where = where;
      for (const auto& [key, value] : json.items()) {
        node.keys.push_back(key);
        node.keyLocations.push_back(where);
        node.children.push_back(fromJson(value, where));
      }
      return node;
    }
    case nlohmann::json::value_t::array: {
      Node node;
      node.kind = Node::Kind::Seq;
      node.where = where;
      for (const auto& value : json) node.children.push_back(fromJson(value, where));
      return node;
    }
    case nlohmann::json::value_t::string:
      return Node::makeString(json.get<std::string>(), where);
    case nlohmann::json::value_t::boolean:
      return Node::makeBool(json.get<bool>(), where);
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return Node::makeNumber(json.get<double>(), where);
    default:
      return Node::makeNull(where);
  }
}

}  // namespace

std::variant<Node, std::vector<ParseProblem>> parseYaml(const std::string& text,
                                                        const std::string& displayFile) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return std::vector<ParseProblem>{{locate(e.mark, displayFile), "invalid YAML: " + e.msg}};
  } catch (const YAML::Exception& e) {
    return std::vector<ParseProblem>{{locate(e.mark, displayFile), "invalid YAML: " + e.msg}};
  }
  YamlConverter converter(displayFile);
  Node node;
  try {
    node = converter.convert(root, {displayFile, 1, 1});
  } catch (const YAML::Exception& e) {
    converter.problems.push_back({locate(e.mark, displayFile), "invalid YAML: " + e.msg});
  }
  if (!converter.problems.empty()) return std::move(converter.problems);
  node.markVariables();
  return node;
}

std::variant<Node, ParseProblem> parseJson(const std::string& text, const SourceLocation& where) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return ParseProblem{where, fmt::format("invalid JSON: {}", e.what())};
  }
  Node node = fromJson(json, where);
  node.markVariables();
  return node;
}

}  // namespace nimbus::config
