#include "aws/sns/filter_policy.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "aws/sns/policy_json.h"

namespace nimbus::aws::sns {

using nlohmann::json;

struct FilterPolicy::Condition {
  enum class Kind {
    ExactString,
    ExactNumber,
    ExactBool,
    ExactNull,
    Prefix,
    Suffix,
    EqualsIgnoreCase,
    AnythingButStrings,
    AnythingButNumbers,
    AnythingButPrefix,
    Numeric,
    Exists,
    Cidr,
  };
  Kind kind = Kind::ExactString;
  std::string text;
  double number = 0;
  bool flag = false;  // ExactBool's value, Exists's value.
  std::vector<std::string> strings;
  std::vector<double> numbers;
  // Numeric: bounds present, and whether each excludes its value.
  bool hasLower = false;
  bool lowerOpen = false;
  double lower = 0;
  bool hasUpper = false;
  bool upperOpen = false;
  double upper = 0;
  // Cidr: network address bytes (4 or 16 used) and prefix length.
  std::array<unsigned char, 16> network{};
  bool ipv6 = false;
  int prefixBits = 0;
};

struct FilterPolicy::Leaf {
  std::vector<std::string> path;      // Attribute name, or keys from the body's root.
  std::vector<Condition> conditions;  // Any one matching is enough.
};

namespace {

using Condition = FilterPolicy::Condition;
using Leaf = FilterPolicy::Leaf;
using Branch = FilterPolicy::Branch;
using Kind = Condition::Kind;

constexpr size_t kMaxKeys = 5;
constexpr size_t kMaxCombinations = 150;
constexpr size_t kSourceSnippet = 500;

// The fields of a message (an attribute, or a body property) that a leaf is compared with.
struct Value {
  enum class Type { String, Number, Bool, Null } type = Type::String;
  std::string text;
  double number = 0;
  bool boolean = false;
};

// Numbers compare with five digits after the decimal point, as SNS documents.
int64_t quantize(double v) {
  return static_cast<int64_t>(std::llround(v * 100000.0));
}

bool numbersEqual(double a, double b) {
  if (std::fabs(a) <= 1e9 && std::fabs(b) <= 1e9) return quantize(a) == quantize(b);
  return a == b;
}

int compareNumbers(double a, double b) {
  if (numbersEqual(a, b)) return 0;
  return a < b ? -1 : 1;
}

bool iequalsAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Parses an IPv4 or IPv6 address into network byte order.
bool parseIp(const std::string& text, std::array<unsigned char, 16>& bytes, bool& ipv6) {
  bytes.fill(0);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    ipv6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    ipv6 = true;
    return true;
  }
  return false;
}

bool inNetwork(const Condition& c, const std::string& address) {
  std::array<unsigned char, 16> bytes{};
  bool ipv6 = false;
  if (!parseIp(address, bytes, ipv6) || ipv6 != c.ipv6) return false;
  int bits = c.prefixBits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xFF : static_cast<unsigned char>(0xFF << (8 - bits));
    if ((bytes[i] & mask) != (c.network[i] & mask)) return false;
  }
  return true;
}

bool conditionMatches(const Condition& c, const Value& v) {
  using T = Value::Type;
  switch (c.kind) {
    case Kind::ExactString:
      return v.type == T::String && v.text == c.text;
    case Kind::ExactNumber:
      return v.type == T::Number && numbersEqual(v.number, c.number);
    case Kind::ExactBool:
      return v.type == T::Bool && v.boolean == c.flag;
    case Kind::ExactNull:
      return v.type == T::Null;
    case Kind::Prefix:
      return v.type == T::String && v.text.compare(0, c.text.size(), c.text) == 0;
    case Kind::Suffix:
      return v.type == T::String && v.text.size() >= c.text.size() &&
             v.text.compare(v.text.size() - c.text.size(), c.text.size(), c.text) == 0;
    case Kind::EqualsIgnoreCase:
      return v.type == T::String && iequalsAscii(v.text, c.text);
    case Kind::AnythingButStrings:
      if (v.type != T::String) return true;
      for (const auto& s : c.strings) {
        if (s == v.text) return false;
      }
      return true;
    case Kind::AnythingButNumbers:
      if (v.type != T::Number) return true;
      for (double n : c.numbers) {
        if (numbersEqual(n, v.number)) return false;
      }
      return true;
    case Kind::AnythingButPrefix:
      return v.type != T::String || v.text.compare(0, c.text.size(), c.text) != 0;
    case Kind::Numeric: {
      if (v.type != T::Number) return false;
      if (c.hasLower) {
        int cmp = compareNumbers(v.number, c.lower);
        if (cmp < 0 || (cmp == 0 && c.lowerOpen)) return false;
      }
      if (c.hasUpper) {
        int cmp = compareNumbers(v.number, c.upper);
        if (cmp > 0 || (cmp == 0 && c.upperOpen)) return false;
      }
      return true;
    }
    case Kind::Cidr:
      return v.type == T::String && inNetwork(c, v.text);
    case Kind::Exists:
      break;  // Decided from all the values together.
  }
  return false;
}

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
    v.text = node.get<std::string>();
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
  out.push_back(std::move(v));
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

std::vector<Value> attributeValues(const MessageAttribute& a) {
  std::vector<Value> out;
  std::string_view type = a.baseType();
  if (a.isStringArray()) {
    json parsed = json::parse(a.stringValue, nullptr, false);
    if (parsed.is_array()) {
      static const std::vector<std::string> kNoPath;
      collect(parsed, kNoPath, 0, out);
    }
  } else if (type == "String") {
    out.push_back(Value{Value::Type::String, a.stringValue, 0, false});
  } else if (type == "Number") {
    const char* begin = a.stringValue.c_str();
    char* end = nullptr;
    double n = std::strtod(begin, &end);
    if (end != begin && *end == '\0') out.push_back(Value{Value::Type::Number, a.stringValue, n});
  }
  // Binary attributes are ignored by filter policies.
  return out;
}

// ---- Compiling -------------------------------------------------------------------------------

class Compiler {
 public:
  explicit Compiler(std::string_view source) : source_(source), reader_(source) {}

  std::optional<FilterPolicyError> error;

  bool run(std::vector<Branch>& branches) {
    if (reader_.next() != PolicyToken::StartObject) return barf("Filter is not an object");
    std::vector<std::string> path;
    return parseObject(branches, path, false);
  }

 private:
  // A problem found while reading, with where the reader stands.
  bool barf(const std::string& message) {
    if (error) return false;
    std::string snippet(source_.substr(0, kSourceSnippet));
    std::string truncated;
    if (source_.size() > kSourceSnippet) {
      truncated = fmt::format("[truncated {} chars]", source_.size() - kSourceSnippet);
    }
    error = FilterPolicyError{
        fmt::format("{}\n at [Source: (String)\"{}\"{}; line: {}, column: {}]", message, snippet,
                    truncated, reader_.line(), reader_.column()),
        true};
    return false;
  }

  // A problem with no position (the value was read whole and then found wanting).
  bool refuse(const std::string& message) {
    if (!error) error = FilterPolicyError{message, true};
    return false;
  }

  static bool isReservedInOr(const std::string& name) {
    return name == "prefix" || name == "suffix" || name == "anything-but" || name == "numeric" ||
           name == "exists" || name == "cidr" || name == "equals-ignore-case" || name == "exact" ||
           name == "wildcard";
  }

  bool parseObject(std::vector<Branch>& branches, std::vector<std::string>& path, bool insideOr) {
    bool fieldsPresent = false;
    while (reader_.next() != PolicyToken::EndObject) {
      if (reader_.current() != PolicyToken::FieldName) return barf("Unexpected token");
      fieldsPresent = true;
      std::string name = reader_.text();
      if (name == "$or") {
        if (!parseOr(branches, path)) return false;
        continue;
      }
      if (insideOr && isReservedInOr(name)) {
        return barf(name + " is Ruler reserved fieldName which cannot be used inside $or.");
      }
      switch (reader_.next()) {
        case PolicyToken::StartObject:
          path.push_back(name);
          if (!parseObject(branches, path, insideOr)) return false;
          path.pop_back();
          break;
        case PolicyToken::StartArray: {
          path.push_back(name);
          bool ok = writeLeaf(branches, path);
          path.pop_back();
          if (!ok) return false;
          break;
        }
        default:
          return barf(fmt::format("\"{}\" must be an object or an array", name));
      }
    }
    if (!fieldsPresent) return barf("Empty objects are not allowed");
    return true;
  }

  // "$or": [ {...}, {...} ]: every branch so far is combined with each alternative.
  bool parseOr(std::vector<Branch>& branches, std::vector<std::string>& path) {
    std::vector<Branch> before = std::move(branches);
    branches.clear();
    if (reader_.next() != PolicyToken::StartArray)
      return barf("It must be an Array followed with $or.");
    int alternatives = 0;
    while (reader_.next() != PolicyToken::EndArray) {
      ++alternatives;
      if (reader_.current() != PolicyToken::StartObject) {
        return barf("Only JSON object is allowed in array of $or relationship.");
      }
      std::vector<Branch> alternative = before;
      if (alternative.empty()) alternative.emplace_back();
      if (!parseObject(alternative, path, true)) return false;
      for (auto& b : alternative) branches.push_back(std::move(b));
      // Every branch adds at least one combination: past the limit, stop expanding.
      if (branches.size() > kMaxCombinations) return refuse("Filter policy is too complex");
    }
    if (alternatives < 2) return barf("There must have at least 2 Objects in $or relationship.");
    return true;
  }

  bool writeLeaf(std::vector<Branch>& branches, const std::vector<std::string>& path) {
    Leaf leaf;
    leaf.path = path;
    while (reader_.next() != PolicyToken::EndArray) {
      Condition c;
      switch (reader_.current()) {
        case PolicyToken::StartObject:
          if (!matchExpression(c)) return false;
          break;
        case PolicyToken::String:
          c.kind = Kind::ExactString;
          c.text = reader_.text();
          break;
        case PolicyToken::Number:
          c.kind = Kind::ExactNumber;
          c.number = reader_.number();
          break;
        case PolicyToken::True:
        case PolicyToken::False:
          c.kind = Kind::ExactBool;
          c.flag = reader_.current() == PolicyToken::True;
          break;
        case PolicyToken::Null:
          c.kind = Kind::ExactNull;
          break;
        default:
          return barf("Match value must be String, number, true, false, or null");
      }
      leaf.conditions.push_back(std::move(c));
    }
    if (leaf.conditions.empty()) return barf("Empty arrays are not allowed");
    if (branches.empty()) branches.emplace_back();
    for (auto& branch : branches) {
      bool replaced = false;
      for (auto& existing : branch) {
        if (existing.path == leaf.path) {
          existing = leaf;  // A repeated key: the last one counts.
          replaced = true;
        }
      }
      if (!replaced) branch.push_back(leaf);
    }
    return true;
  }

  bool endOfExpression() {
    if (reader_.next() != PolicyToken::EndObject) {
      return barf("Only one key allowed in match expression");
    }
    return true;
  }

  bool stringOperand(const char* what, Condition& c) {
    if (reader_.next() != PolicyToken::String) {
      return barf(fmt::format("{} match pattern must be a string", what));
    }
    c.text = reader_.text();
    return endOfExpression();
  }

  bool matchExpression(Condition& c) {
    if (reader_.next() != PolicyToken::FieldName) return barf("Match expression name not found");
    std::string type = reader_.text();
    if (type == "prefix") {
      c.kind = Kind::Prefix;
      return stringOperand("prefix", c);
    }
    if (type == "suffix") {
      c.kind = Kind::Suffix;
      return stringOperand("suffix", c);
    }
    if (type == "equals-ignore-case") {
      c.kind = Kind::EqualsIgnoreCase;
      return stringOperand("equals-ignore-case", c);
    }
    if (type == "numeric") {
      c.kind = Kind::Numeric;
      if (reader_.next() != PolicyToken::StartArray) {
        return barf("Value of numeric must be an array.");
      }
      if (!numericExpression(c)) return false;
      if (reader_.next() != PolicyToken::EndObject) {
        return barf("Too many elements in numeric expression");
      }
      return true;
    }
    if (type == "anything-but") return anythingBut(c);
    if (type == "exists") {
      c.kind = Kind::Exists;
      PolicyToken t = reader_.next();
      if (t != PolicyToken::True && t != PolicyToken::False) {
        return barf("exists match pattern must be either true or false.");
      }
      c.flag = t == PolicyToken::True;
      return endOfExpression();
    }
    if (type == "cidr") {
      c.kind = Kind::Cidr;
      if (reader_.next() != PolicyToken::String) {
        return barf("prefix match pattern must be a string");
      }
      if (!parseCidr(reader_.text(), c)) return false;
      return endOfExpression();
    }
    return barf("Unrecognized match type " + type);
  }

  bool anythingBut(Condition& c) {
    PolicyToken t = reader_.next();
    if (t == PolicyToken::StartObject) {
      if (reader_.next() != PolicyToken::FieldName) {
        return barf("Anything-But expression name not found");
      }
      std::string op = reader_.text();
      if (op != "prefix") return barf("Unsupported anything-but pattern: " + op);
      if (reader_.next() != PolicyToken::String) {
        return barf("prefix match pattern must be a string");
      }
      c.kind = Kind::AnythingButPrefix;
      c.text = reader_.text();
      if (c.text.empty()) return barf("Null prefix/suffix not allowed");
      if (!endOfExpression()) return false;
      return endOfExpression();
    }
    if (t != PolicyToken::StartArray && t != PolicyToken::String && t != PolicyToken::Number) {
      return barf("Value of anything-but must be an array or single string/number value.");
    }
    bool hasString = false;
    bool hasNumber = false;
    auto add = [&](PolicyToken token) {
      if (token == PolicyToken::String) {
        c.strings.push_back(reader_.text());
        hasString = true;
        return true;
      }
      if (token == PolicyToken::Number) {
        c.numbers.push_back(reader_.number());
        hasNumber = true;
        return true;
      }
      return false;
    };
    if (t == PolicyToken::StartArray) {
      while (reader_.next() != PolicyToken::EndArray) {
        if (!add(reader_.current())) {
          return barf("Inside anything but list, start|null|boolean is not supported.");
        }
      }
      if (hasString == hasNumber) {
        return barf(
            "Inside anything but list, either all values are number or string, mixed type is "
            "not supported");
      }
    } else {
      add(t);
    }
    c.kind = hasNumber ? Kind::AnythingButNumbers : Kind::AnythingButStrings;
    if (reader_.next() != PolicyToken::EndObject) {
      return barf("Too many elements in numeric expression");
    }
    return true;
  }

  // ["=", n] | [">" or ">=", n (, "<" or "<=", m)] | ["<" or "<=", n]
  bool numericExpression(Condition& c) {
    if (reader_.next() != PolicyToken::String) {
      return barf("Invalid member in numeric match: " + reader_.tokenText());
    }
    std::string op = reader_.text();
    reader_.next();
    auto valueOf = [&](const std::string& name, double& out) {
      if (!reader_.isNumber()) return barf(fmt::format("Value of {} must be numeric", name));
      out = reader_.number();
      return true;
    };
    if (op == "=") {
      double v = 0;
      if (!valueOf("equals", v)) return false;
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many elements in numeric expression");
      }
      c.hasLower = c.hasUpper = true;
      c.lower = c.upper = v;
      return true;
    }
    if (op == ">=" || op == ">") {
      if (!valueOf(op, c.lower)) return false;
      c.hasLower = true;
      c.lowerOpen = op == ">";
      if (reader_.next() == PolicyToken::EndArray) return true;
      if (reader_.current() != PolicyToken::String) {
        return barf("Bad value in numeric range: " + reader_.tokenText());
      }
      std::string top = reader_.text();
      if (top != "<" && top != "<=") return barf("Bad numeric range operator: " + top);
      reader_.next();
      if (!valueOf(top, c.upper)) return false;
      c.hasUpper = true;
      c.upperOpen = top == "<";
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many terms in numeric range expression");
      }
      if (compareNumbers(c.lower, c.upper) >= 0) return barf("Bottom must be less than top");
      return true;
    }
    if (op == "<=" || op == "<") {
      if (!valueOf(op, c.upper)) return false;
      c.hasUpper = true;
      c.upperOpen = op == "<";
      if (reader_.next() != PolicyToken::EndArray) {
        return barf("Too many elements in numeric expression");
      }
      return true;
    }
    return barf("Unrecognized numeric range operator: " + op);
  }

  bool parseCidr(const std::string& text, Condition& c) {
    auto slash = text.find('/');
    if (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos) {
      return refuse("Malformed CIDR, one '/' required");
    }
    std::string address = text.substr(0, slash);
    std::string bits = text.substr(slash + 1);
    char* end = nullptr;
    long prefix = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || *end != '\0') return refuse("Malformed CIDR, mask bits must be an integer");
    if (!parseIp(address, c.network, c.ipv6)) return refuse("Nonstandard IP address: " + address);
    long maxBits = c.ipv6 ? 128 : 32;
    if (prefix < 0 || prefix > maxBits) {
      return refuse(fmt::format("Malformed CIDR, mask bits must be between 0 and {}", maxBits));
    }
    c.prefixBits = static_cast<int>(prefix);
    return true;
  }

  std::string_view source_;
  PolicyTokenReader reader_;
};

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
  Compiler compiler(text);
  if (!compiler.run(branches)) return *compiler.error;

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
      // An attribute with nothing to compare (Binary, an empty String.Array) is still there:
      // it fails "exists": false, and it cannot satisfy "exists": true.
      bool present = false;
      for (const auto& a : attributes) {
        if (a.name != leaf.path.front()) continue;
        values = attributeValues(a);
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
