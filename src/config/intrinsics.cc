#include "config/intrinsics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/dynamodb_names.h"
#include "core/hash.h"

namespace nimbus::config {

std::string StackInfo::queueUrl(std::string_view name) const {
  return fmt::format("{}/{}/{}", awsEndpointUrl, kAccountId, name);
}

std::string StackInfo::queueArn(std::string_view name) const {
  return fmt::format("arn:aws:sqs:{}:{}:{}", region, kAccountId, name);
}

std::string StackInfo::tableArn(std::string_view name) const {
  return fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region, kAccountId, name);
}

namespace {

constexpr size_t kQueueNameLimit = 80;
constexpr size_t kTopicNameLimit = 256;
constexpr size_t kTableNameLimit = 255;

// The marker `Ref: AWS::NoValue` evaluates to; the map or list holding it drops it.
const char* const kNoValue = "AWS::NoValue";

bool isNoValue(const Node& node) {
  return node.kind == Node::Kind::Null && node.text == kNoValue;
}

Node makeList(std::vector<Node> items, const SourceLocation& where) {
  Node list;
  list.kind = Node::Kind::Seq;
  list.where = where;
  list.children = std::move(items);
  return list;
}

IntrinsicProblem problem(const SourceLocation& where, std::string message) {
  return IntrinsicProblem{where, std::move(message)};
}

// A scalar argument as text; CloudFormation takes numbers and booleans where strings go.
std::optional<std::string> text(const Node& node) {
  if (node.kind == Node::Kind::String) return node.text;
  if (node.kind == Node::Kind::Number || node.kind == Node::Kind::Bool) {
    return scalarToString(node);
  }
  return std::nullopt;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// A UUID-shaped id that stays the same for the same input: CloudFormation's ids (a stack's, a
// global table's) are random, nimbus's are derived from names so that a restart keeps them.
std::string stableUuid(std::string_view from) {
  std::string h = hexEncode(sha256(from));
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20, 12));
}

// A name CloudFormation makes up for a resource that names none: the stack's name and the
// logical id (CloudFormation adds a random suffix; nimbus leaves it out so that the name stays
// the same from one start to the next), shortened to the service's limit.
std::string generatedName(const StackInfo& stack, const std::string& logicalId, size_t limit,
                          std::string_view suffix) {
  std::string name = stack.stackName() + "-" + logicalId;
  if (name.size() + suffix.size() > limit) name.resize(limit - suffix.size());
  return name + std::string(suffix);
}

bool truthy(const Node* node) {
  if (!node) return false;
  if (node->kind == Node::Kind::Bool) return node->boolean;
  return node->kind == Node::Kind::String && node->text == "true";
}

const Node* property(const Node* properties, std::string_view key) {
  if (!properties || properties->kind != Node::Kind::Map) return nullptr;
  int at = properties->indexOf(key);
  return at < 0 ? nullptr : &properties->children[at];
}

nlohmann::json toJson(const Node& node) {
  switch (node.kind) {
    case Node::Kind::Null:
      return nullptr;
    case Node::Kind::Bool:
      return node.boolean;
    case Node::Kind::Number:
      if (std::trunc(node.number) == node.number && std::fabs(node.number) < 9.007199254740992e15) {
        return static_cast<int64_t>(node.number);
      }
      return node.number;
    case Node::Kind::String:
      return node.text;
    case Node::Kind::Seq: {
      auto list = nlohmann::json::array();
      for (const auto& child : node.children) list.push_back(toJson(child));
      return list;
    }
    case Node::Kind::Map: {
      auto object = nlohmann::json::object();
      for (size_t i = 0; i < node.keys.size(); ++i) object[node.keys[i]] = toJson(node.children[i]);
      return object;
    }
  }
  return nullptr;
}

}  // namespace

bool isIntrinsic(const Node& node) {
  return node.kind == Node::Kind::Map && node.keys.size() == 1 &&
         (node.keys[0] == "Ref" || node.keys[0].rfind("Fn::", 0) == 0);
}

std::string normalizedFunctionName(std::string_view functionKey) {
  std::string id;
  for (char c : functionKey) {
    if (c == '-') {
      id += "Dash";
    } else if (c == '_') {
      id += "Underscore";
    } else {
      id += c;
    }
  }
  return capitalized(std::move(id));
}

std::string functionLogicalId(std::string_view functionKey) {
  return normalizedFunctionName(functionKey) + "LambdaFunction";
}

std::string topicLogicalId(std::string_view topicName) {
  std::string id;
  for (char c : topicName) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
  }
  return "SNSTopic" + capitalized(std::move(id));
}

std::string toJsonText(const Node& node) {
  return toJson(node).dump();
}

TemplateScope::TemplateScope(StackInfo stack) : stack_(std::move(stack)) {}

void TemplateScope::addResource(const std::string& logicalId, const std::string& type,
                                const Node* properties, const SourceLocation& where) {
  Resource& resource = resources_[logicalId];
  resource = Resource{};
  resource.type = type;
  resource.properties = properties;
  resource.where = where;
}

void TemplateScope::addNamedResource(const std::string& logicalId, const std::string& type,
                                     std::string name) {
  Resource& resource = resources_[logicalId];
  resource = Resource{};
  resource.type = type;
  resource.naming = Resource::Naming::Done;
  resource.name = std::move(name);
}

bool TemplateScope::hasResource(const std::string& logicalId) const {
  return resources_.count(logicalId) != 0;
}

std::variant<std::string, IntrinsicProblem> TemplateScope::physicalName(
    const std::string& logicalId) {
  auto it = resources_.find(logicalId);
  if (it == resources_.end()) {
    return problem({}, fmt::format("there is no resource {}", logicalId));
  }
  return nameOf(it->second, logicalId);
}

std::variant<std::string, IntrinsicProblem> TemplateScope::nameOf(Resource& resource,
                                                                  const std::string& logicalId) {
  if (resource.naming == Resource::Naming::Done) return resource.name;
  if (resource.naming == Resource::Naming::InProgress) {
    return problem(resource.where,
                   fmt::format("the name of {} depends on the resource itself", logicalId));
  }
  // Which property names the resource, and how CloudFormation names it when it is absent.
  struct Naming {
    std::string_view type, property, fifoProperty;
    size_t limit;
  };
  static const Naming kNamings[] = {
      {"AWS::SQS::Queue", "QueueName", "FifoQueue", kQueueNameLimit},
      {"AWS::SNS::Topic", "TopicName", "FifoTopic", kTopicNameLimit},
      {"AWS::DynamoDB::Table", "TableName", "", kTableNameLimit},
      {"AWS::DynamoDB::GlobalTable", "TableName", "", kTableNameLimit},
      {"AWS::S3::Bucket", "BucketName", "", 63},
  };
  const Naming* naming = nullptr;
  for (const auto& n : kNamings) {
    if (n.type == resource.type) naming = &n;
  }
  if (!naming) {
    return problem(resource.where, fmt::format("nimbus does not know the name of {}, an {}",
                                               logicalId, resource.type));
  }
  resource.naming = Resource::Naming::InProgress;
  std::string name;
  if (const Node* given = property(resource.properties, naming->property)) {
    auto value = evaluate(*given);
    if (auto* failed = std::get_if<IntrinsicProblem>(&value)) {
      resource.naming = Resource::Naming::NotYet;
      return *failed;
    }
    auto written = text(std::get<Node>(value));
    if (!written || written->empty()) {
      resource.naming = Resource::Naming::NotYet;
      return problem(given->where,
                     fmt::format("{} of {} must be a string", naming->property, logicalId));
    }
    name = *written;
  } else {
    bool fifo = !naming->fifoProperty.empty() &&
                truthy(property(resource.properties, naming->fifoProperty));
    // Bucket names are lower-case; table names keep the logical id's case, as CloudFormation's
    // own example shows ("testddbstack-myDynamoDBTable-012A1SL7SMP5Q").
    std::string id = logicalId;
    if (resource.type == "AWS::S3::Bucket") {
      for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    name = generatedName(stack_, id, naming->limit, fifo ? ".fifo" : "");
  }
  resource.naming = Resource::Naming::Done;
  resource.name = name;
  return name;
}

std::optional<std::string> TemplateScope::pseudoParameter(std::string_view name) const {
  if (name == "AWS::Region") return stack_.region;
  if (name == "AWS::AccountId") return std::string(kAccountId);
  if (name == "AWS::StackName") return stack_.stackName();
  if (name == "AWS::Partition") return "aws";
  if (name == "AWS::URLSuffix") return "amazonaws.com";
  if (name == "AWS::StackId") {
    // Stable per stack: the id CloudFormation gives is a UUID, this one is derived from the name.
    return fmt::format("arn:aws:cloudformation:{}:{}:stack/{}/{}", stack_.region, kAccountId,
                       stack_.stackName(), stableUuid(stack_.region + "/" + stack_.stackName()));
  }
  return std::nullopt;
}

std::variant<Node, IntrinsicProblem> TemplateScope::evaluate(const Node& value) {
  if (isIntrinsic(value)) return call(value);
  if (value.kind != Node::Kind::Map && value.kind != Node::Kind::Seq) return value;
  Node out;
  out.kind = value.kind;
  out.where = value.where;
  for (size_t i = 0; i < value.children.size(); ++i) {
    auto child = evaluate(value.children[i]);
    if (auto* failed = std::get_if<IntrinsicProblem>(&child)) return *failed;
    if (isNoValue(std::get<Node>(child))) continue;
    if (value.kind == Node::Kind::Map) {
      out.keys.push_back(value.keys[i]);
      out.keyLocations.push_back(value.keyLocations[i]);
    }
    out.children.push_back(std::get<Node>(std::move(child)));
  }
  return out;
}

std::variant<Node, IntrinsicProblem> TemplateScope::call(const Node& node) {
  const std::string& function = node.keys[0];
  const SourceLocation& where = node.keyLocations[0].line ? node.keyLocations[0] : node.where;
  const Node& raw = node.children[0];

  if (function == "Ref") {
    auto target = text(raw);
    if (!target) return problem(where, "Ref takes the logical id of a resource or a parameter");
    return ref(*target, where);
  }
  if (function == "Fn::Sub") return sub(raw, where);

  // The other functions take evaluated arguments.
  auto evaluated = evaluate(raw);
  if (auto* failed = std::get_if<IntrinsicProblem>(&evaluated)) return *failed;
  const Node& argument = std::get<Node>(evaluated);
  const auto& items = argument.children;
  bool isList = argument.kind == Node::Kind::Seq;

  if (function == "Fn::GetAtt") {
    std::optional<std::string> id, attribute;
    if (isList && items.size() == 2) {
      id = text(items[0]);
      attribute = text(items[1]);
    } else if (auto dotted = text(argument); dotted && dotted->find('.') != std::string::npos) {
      id = dotted->substr(0, dotted->find('.'));
      attribute = dotted->substr(dotted->find('.') + 1);
    }
    if (!id || !attribute) {
      return problem(where, "Fn::GetAtt takes [LogicalId, Attribute] (or LogicalId.Attribute)");
    }
    return getAtt(*id, *attribute, where);
  }
  if (function == "Fn::Join") {
    if (!isList || items.size() != 2 || !text(items[0]) || items[1].kind != Node::Kind::Seq) {
      return problem(where, "Fn::Join takes [delimiter, [values...]]");
    }
    std::string joined;
    std::string delimiter = *text(items[0]);
    for (size_t i = 0; i < items[1].children.size(); ++i) {
      auto part = text(items[1].children[i]);
      if (!part) return problem(where, "Fn::Join can only join strings");
      if (i > 0) joined += delimiter;
      joined += *part;
    }
    return Node::makeString(std::move(joined), where);
  }
  if (function == "Fn::Select") {
    if (!isList || items.size() != 2 || items[1].kind != Node::Kind::Seq) {
      return problem(where, "Fn::Select takes [index, [values...]]");
    }
    auto index = text(items[0]);
    size_t at = 0;
    bool valid = index && !index->empty() &&
                 std::all_of(index->begin(), index->end(), [](char c) { return std::isdigit(c); });
    if (valid) at = std::stoul(*index);
    if (!valid || at >= items[1].children.size()) {
      return problem(where, fmt::format("Fn::Select index {} is not within the list of {}",
                                        index.value_or("?"), items[1].children.size()));
    }
    return items[1].children[at];
  }
  if (function == "Fn::Split") {
    if (!isList || items.size() != 2 || !text(items[0]) || !text(items[1]) ||
        text(items[0])->empty()) {
      return problem(where, "Fn::Split takes [delimiter, string]");
    }
    std::string delimiter = *text(items[0]), source = *text(items[1]);
    std::vector<Node> parts;
    size_t start = 0;
    while (true) {
      size_t at = source.find(delimiter, start);
      parts.push_back(Node::makeString(source.substr(start, at - start), where));
      if (at == std::string::npos) break;
      start = at + delimiter.size();
    }
    return makeList(std::move(parts), where);
  }
  if (function == "Fn::GetAZs") {
    std::string region = text(argument).value_or("");
    if (region.empty()) region = stack_.region;
    std::vector<Node> zones;
    for (char zone : {'a', 'b', 'c'}) zones.push_back(Node::makeString(region + zone, where));
    return makeList(std::move(zones), where);
  }
  if (function == "Fn::Base64") {
    auto value = text(argument);
    if (!value) return problem(where, "Fn::Base64 takes a string");
    return Node::makeString(base64Encode(*value), where);
  }
  return problem(where, fmt::format("{} is not supported by nimbus (it evaluates Ref, "
                                    "Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, "
                                    "Fn::GetAZs and Fn::Base64)",
                                    function));
}

std::variant<Node, IntrinsicProblem> TemplateScope::ref(const std::string& target,
                                                        const SourceLocation& where) {
  if (target == kNoValue) {
    Node none = Node::makeNull(where);
    none.text = kNoValue;
    return none;
  }
  if (target == "AWS::NotificationARNs") return makeList({}, where);
  if (auto value = pseudoParameter(target)) return Node::makeString(*value, where);
  auto it = resources_.find(target);
  if (it == resources_.end()) {
    return problem(where, fmt::format("Ref {}: there is no such resource or parameter", target));
  }
  const std::string& type = it->second.type;
  auto name = nameOf(it->second, target);
  if (auto* failed = std::get_if<IntrinsicProblem>(&name)) return *failed;
  const std::string& physical = std::get<std::string>(name);
  if (type == "AWS::SQS::Queue") {
    return Node::makeString(stack_.queueUrl(physical), where);
  }
  if (type == "AWS::SNS::Topic") {
    return Node::makeString(
        fmt::format("arn:aws:sns:{}:{}:{}", stack_.region, kAccountId, physical), where);
  }
  // Functions, tables and buckets: Ref gives the name.
  return Node::makeString(physical, where);
}

std::variant<Node, IntrinsicProblem> TemplateScope::getAtt(const std::string& logicalId,
                                                           const std::string& attribute,
                                                           const SourceLocation& where) {
  auto it = resources_.find(logicalId);
  if (it == resources_.end()) {
    return problem(where, fmt::format("Fn::GetAtt {}.{}: there is no resource {}", logicalId,
                                      attribute, logicalId));
  }
  const std::string& type = it->second.type;
  auto name = nameOf(it->second, logicalId);
  if (auto* failed = std::get_if<IntrinsicProblem>(&name)) return *failed;
  const std::string& physical = std::get<std::string>(name);
  const std::string& region = stack_.region;
  std::optional<std::string> value;
  if (type == "AWS::SQS::Queue") {
    if (attribute == "Arn") value = stack_.queueArn(physical);
    if (attribute == "QueueName") value = physical;
    if (attribute == "QueueUrl") {
      value = stack_.queueUrl(physical);
    }
  } else if (type == "AWS::SNS::Topic") {
    if (attribute == "TopicArn") {
      value = fmt::format("arn:aws:sns:{}:{}:{}", region, kAccountId, physical);
    }
    if (attribute == "TopicName") value = physical;
  } else if (type == "AWS::Lambda::Function") {
    if (attribute == "Arn") {
      value = fmt::format("arn:aws:lambda:{}:{}:function:{}", region, kAccountId, physical);
    }
  } else if (type == "AWS::DynamoDB::Table" || type == "AWS::DynamoDB::GlobalTable") {
    std::string tableArn = stack_.tableArn(physical);
    if (attribute == "Arn") value = tableArn;
    if (attribute == "StreamArn") {
      // CloudFormation has the attribute only for a table with a StreamSpecification.
      if (!property(it->second.properties, "StreamSpecification")) {
        return problem(where, fmt::format("Fn::GetAtt {}.StreamArn: {} has no "
                                          "StreamSpecification, so it has no stream",
                                          logicalId, logicalId));
      }
      value = fmt::format("{}/stream/{}", tableArn, kProjectStreamLabel);
    }
    if (attribute == "TableId" && type == "AWS::DynamoDB::GlobalTable") {
      value = stableUuid(tableArn);
    }
  } else if (type == "AWS::S3::Bucket") {
    if (attribute == "Arn") value = "arn:aws:s3:::" + physical;
    if (attribute == "DomainName") value = physical + ".s3.amazonaws.com";
    if (attribute == "DualStackDomainName") {
      value = fmt::format("{}.s3.dualstack.{}.amazonaws.com", physical, stack_.region);
    }
    if (attribute == "RegionalDomainName") {
      value = fmt::format("{}.s3.{}.amazonaws.com", physical, stack_.region);
    }
    if (attribute == "WebsiteURL") {
      value = fmt::format("http://{}.s3-website-{}.amazonaws.com", physical, stack_.region);
    }
  }
  if (!value) {
    return problem(where, fmt::format("Fn::GetAtt {}.{}: nimbus does not know {} of an {}",
                                      logicalId, attribute, attribute, type));
  }
  return Node::makeString(std::move(*value), where);
}

// Fn::Sub: "${Name}" is a variable of the second argument, a parameter or a Ref;
// "${Id.Attribute}" a Fn::GetAtt; "${!Text}" the literal "${Text}".
std::variant<Node, IntrinsicProblem> TemplateScope::sub(const Node& argument,
                                                        const SourceLocation& where) {
  const Node* templateNode = &argument;
  std::map<std::string, std::string> variables;
  if (argument.kind == Node::Kind::Seq) {
    if (argument.children.size() != 2 || argument.children[1].kind != Node::Kind::Map) {
      return problem(where, "Fn::Sub takes a string, or [string, {Name: value, ...}]");
    }
    templateNode = &argument.children[0];
    const Node& map = argument.children[1];
    for (size_t i = 0; i < map.keys.size(); ++i) {
      auto value = evaluate(map.children[i]);
      if (auto* failed = std::get_if<IntrinsicProblem>(&value)) return *failed;
      auto written = text(std::get<Node>(value));
      if (!written)
        return problem(where, fmt::format("Fn::Sub variable {} is not a string", map.keys[i]));
      variables[map.keys[i]] = *written;
    }
  }
  auto source = text(*templateNode);
  if (!source) return problem(where, "Fn::Sub takes a string, or [string, {Name: value, ...}]");
  std::string out;
  size_t i = 0;
  while (i < source->size()) {
    size_t open = source->find("${", i);
    if (open == std::string::npos) {
      out.append(*source, i, std::string::npos);
      break;
    }
    out.append(*source, i, open - i);
    size_t close = source->find('}', open);
    if (close == std::string::npos) {
      return problem(where, fmt::format("Fn::Sub: '${{' without '}}' in \"{}\"", *source));
    }
    std::string name = source->substr(open + 2, close - open - 2);
    i = close + 1;
    if (!name.empty() && name[0] == '!') {
      out += "${" + name.substr(1) + "}";
      continue;
    }
    if (auto it = variables.find(name); it != variables.end()) {
      out += it->second;
      continue;
    }
    std::variant<Node, IntrinsicProblem> value;
    size_t dot = name.find('.');
    if (name.rfind("AWS::", 0) != 0 && dot != std::string::npos) {
      value = getAtt(name.substr(0, dot), name.substr(dot + 1), where);
    } else {
      value = ref(name, where);
    }
    if (auto* failed = std::get_if<IntrinsicProblem>(&value)) return *failed;
    auto written = text(std::get<Node>(value));
    if (!written) return problem(where, fmt::format("Fn::Sub: ${{{}}} is not a string", name));
    out += *written;
  }
  return Node::makeString(std::move(out), where);
}

}  // namespace nimbus::config
