// The part of the model builder that reads what a project asks AWS to create besides its
// functions: `resources.Resources` (queues, topics, subscriptions; tables are read in
// model_tables.cc) and the topics and subscriptions of `sns` events, and the template scope that
// gives CloudFormation's intrinsic functions their values.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "config/model_builder.h"

namespace nimbus::config {

namespace {

// AWS::SQS::Queue properties that are SQS queue attributes of the same name.
const std::set<std::string, std::less<>> kQueueAttributes = {"ContentBasedDeduplication",
                                                             "DeduplicationScope",
                                                             "DelaySeconds",
                                                             "FifoQueue",
                                                             "FifoThroughputLimit",
                                                             "KmsDataKeyReusePeriodSeconds",
                                                             "KmsMasterKeyId",
                                                             "MaximumMessageSize",
                                                             "MessageRetentionPeriod",
                                                             "ReceiveMessageWaitTimeSeconds",
                                                             "RedriveAllowPolicy",
                                                             "RedrivePolicy",
                                                             "SqsManagedSseEnabled",
                                                             "VisibilityTimeout"};

// AWS::SNS::Topic properties that are SNS topic attributes of the same name.
const std::set<std::string, std::less<>> kTopicAttributes = {
    "ContentBasedDeduplication", "DisplayName",  "FifoTopic", "KmsMasterKeyId",
    "SignatureVersion",          "TracingConfig"};

// Resources that grant permissions (the roles and policies that name a project's tables and
// queues among them). nimbus does not enforce IAM, so there is nothing to create and nothing to
// warn about.
const std::set<std::string, std::less<>> kPermissionTypes = {
    "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::Lambda::Permission",
    "AWS::IAM::Role",        "AWS::IAM::Policy",      "AWS::IAM::ManagedPolicy"};

// The resource types nimbus creates.
const std::set<std::string, std::less<>> kCreatedTypes = {"AWS::SQS::Queue",
                                                          "AWS::SNS::Topic",
                                                          "AWS::SNS::Subscription",
                                                          "AWS::DynamoDB::Table",
                                                          "AWS::DynamoDB::GlobalTable",
                                                          "AWS::S3::Bucket",
                                                          "AWS::S3::BucketPolicy"};

// Template sections with no meaning for a local run.
const std::set<std::string, std::less<>> kQuietSections = {"Outputs", "Description",
                                                           "AWSTemplateFormatVersion"};

// Keys of a resource beside Type and Properties that change nothing nimbus does.
const std::initializer_list<std::string_view> kResourceKeys = {
    "Type", "Properties", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"};

// A property's value as the service's API takes it: JSON text for objects and lists.
std::string attributeText(const Node& value) {
  if (auto text = scalarToString(value)) return *text;
  if (value.kind == Node::Kind::Null) return "";
  return toJsonText(value);
}

std::string topicArn(const std::string& region, const std::string& name) {
  return fmt::format("arn:aws:sns:{}:{}:{}", region, kAccountId, name);
}

bool isSnsArn(const std::string& text) {
  return text.rfind("arn:aws:sns:", 0) == 0 && std::count(text.begin(), text.end(), ':') == 5;
}

}  // namespace

TemplateScope& ModelBuilder::scope() {
  if (scope_) return *scope_;
  StackInfo stack{service_, resolver_.stage().value_or("dev"),
                  resolver_.region().value_or("us-east-1"), options_.awsEndpointUrl};
  scope_ = std::make_unique<TemplateScope>(std::move(stack));
  collectResources();
  for (auto& resource : resources_) {
    Node& node = *resource.node;
    int typeAt = node.indexOf("Type");
    if (typeAt < 0) continue;
    Node& type = node.children[typeAt];
    if (!resolver_.resolveShallow(type, resource.path + ".Type") ||
        type.kind != Node::Kind::String) {
      continue;
    }
    int propertiesAt = node.indexOf("Properties");
    Node* properties = propertiesAt < 0 ? nullptr : &node.children[propertiesAt];
    std::string propertiesPath = resource.path + ".Properties";
    if (properties && kCreatedTypes.count(type.text)) {
      // Variables are resolved only in what nimbus creates, so that a resource it ignores can
      // hold sources it cannot reach (${ssm:}, ${cf:}).
      if (!resolver_.resolveDeep(*properties, propertiesPath)) properties = nullptr;
    } else if (properties && resolver_.resolveShallow(*properties, propertiesPath) &&
               properties->kind == Node::Kind::Map) {
      // A bucket's name is all that Ref and Fn::GetAtt need of it.
      if (int at = properties->indexOf("BucketName"); at >= 0) {
        resolver_.resolveDeep(properties->children[at], childPath(propertiesPath, "BucketName"));
      }
    }
    scope_->addResource(resource.logicalId, type.text, properties, resource.where);
  }
  registerFunctionsAndTopics(*scope_);
  return *scope_;
}

void ModelBuilder::collectResources() {
  int at = root_.indexOf("resources");
  if (at < 0) return;
  Node& resources = root_.children[at];
  if (!resolver_.resolveShallow(resources, "resources")) return;
  // `resources` is a template, or a list of templates (often one ${file()} each) merged in order.
  std::vector<std::pair<Node*, std::string>> templates;
  if (resources.kind == Node::Kind::Map) {
    templates.emplace_back(&resources, "resources");
  } else if (resources.kind == Node::Kind::Seq) {
    for (size_t i = 0; i < resources.children.size(); ++i) {
      Node& item = resources.children[i];
      std::string path = itemPath("resources", i);
      if (!resolver_.resolveShallow(item, path) || item.kind == Node::Kind::Null) continue;
      if (item.kind != Node::Kind::Map) {
        error(item.where, path,
              fmt::format("must be a mapping (Resources, Outputs), got {}", item.kindName()));
        continue;
      }
      templates.emplace_back(&item, path);
    }
  } else if (resources.kind != Node::Kind::Null) {
    error(root_.keyLocations[at], "resources",
          fmt::format("must be a mapping (Resources, Outputs) or a list of them, got {}",
                      resources.kindName()));
  }
  for (auto& [templateNode, templatePath] : templates) {
    Node& map = *templateNode;
    for (size_t i = 0; i < map.keys.size(); ++i) {
      std::string path = childPath(templatePath, map.keys[i]);
      if (kQuietSections.count(map.keys[i])) continue;
      if (map.keys[i] != "Resources") {
        warn(map.keyLocations[i], fmt::format("{} is not supported yet and is ignored", path));
        continue;
      }
      Node& list = map.children[i];
      if (!resolver_.resolveShallow(list, path) || list.kind == Node::Kind::Null) continue;
      if (list.kind != Node::Kind::Map) {
        error(
            map.keyLocations[i], path,
            fmt::format("must be a mapping of logical ids to resources, got {}", list.kindName()));
        continue;
      }
      for (size_t j = 0; j < list.keys.size(); ++j) {
        std::string resourcePath = childPath(path, list.keys[j]);
        Node& resource = list.children[j];
        if (!resolver_.resolveShallow(resource, resourcePath)) continue;
        if (resource.kind != Node::Kind::Map) {
          error(list.keyLocations[j], resourcePath,
                fmt::format("must be a mapping (Type, Properties), got {}", resource.kindName()));
          continue;
        }
        ResourceEntry entry{list.keys[j], &resource, list.keyLocations[j], resourcePath};
        auto same = std::find_if(resources_.begin(), resources_.end(),
                                 [&](const auto& r) { return r.logicalId == entry.logicalId; });
        if (same != resources_.end()) {
          *same = entry;  // A later template overrides an earlier one's resource.
        } else {
          resources_.push_back(entry);
        }
      }
    }
  }
}

// The functions' logical ids (`WorkerLambdaFunction`), and the topics `sns` events create
// (`SNSTopicOrders`) unless a resource of that logical id is the topic already.
void ModelBuilder::registerFunctionsAndTopics(TemplateScope& scope) {
  int at = root_.indexOf("functions");
  if (at < 0 || !resolver_.resolveShallow(root_.children[at], "functions")) return;
  Node& functions = root_.children[at];
  std::vector<Node*> maps;
  if (functions.kind == Node::Kind::Map) maps.push_back(&functions);
  for (size_t i = 0; functions.kind == Node::Kind::Seq && i < functions.children.size(); ++i) {
    Node& item = functions.children[i];
    if (resolver_.resolveShallow(item, itemPath("functions", i)) && item.kind == Node::Kind::Map)
      maps.push_back(&item);
  }
  // Problems here are reported when the functions are built; this pass only names things.
  auto quietText = [&](Node& map, const char* key, const std::string& path) {
    int index = map.kind == Node::Kind::Map ? map.indexOf(key) : -1;
    if (index < 0 || !resolver_.resolveShallow(map.children[index], childPath(path, key))) {
      return std::optional<std::string>();
    }
    return scalarToString(map.children[index]);
  };
  for (Node* map : maps) {
    for (size_t i = 0; i < map->keys.size(); ++i) {
      const std::string& key = map->keys[i];
      std::string path = childPath("functions", key);
      Node& function = map->children[i];
      if (!resolver_.resolveShallow(function, path) || function.kind != Node::Kind::Map) continue;
      std::string name = quietText(function, "name", path)
                             .value_or(fmt::format("{}-{}-{}", service_, scope.stack().stage, key));
      scope.addNamedResource(functionLogicalId(key), "AWS::Lambda::Function", name);

      int eventsAt = function.indexOf("events");
      if (eventsAt < 0) continue;
      Node& events = function.children[eventsAt];
      std::string eventsPath = childPath(path, "events");
      if (!resolver_.resolveShallow(events, eventsPath) || events.kind != Node::Kind::Seq) continue;
      for (size_t e = 0; e < events.children.size(); ++e) {
        Node& event = events.children[e];
        std::string eventPath = itemPath(eventsPath, e);
        if (!resolver_.resolveShallow(event, eventPath) || event.kind != Node::Kind::Map ||
            event.keys.size() != 1 || (event.keys[0] != "sns" && event.keys[0] != "s3")) {
          continue;
        }
        if (event.keys[0] == "s3") {
          // The bucket an s3 event creates: S3Bucket{Name}, which `Ref` names.
          Node& s3 = event.children[0];
          std::string s3Path = childPath(eventPath, "s3");
          if (!resolver_.resolveShallow(s3, s3Path)) continue;
          std::optional<std::string> bucket;
          bool existing = false;
          if (s3.kind == Node::Kind::String) bucket = s3.text;
          if (s3.kind == Node::Kind::Map) {
            bucket = quietText(s3, "bucket", s3Path);
            existing = quietText(s3, "existing", s3Path).value_or("") == "true";
          }
          if (bucket && !bucket->empty() && !existing &&
              !scope.hasResource(s3BucketLogicalId(*bucket))) {
            scope.addNamedResource(s3BucketLogicalId(*bucket), "AWS::S3::Bucket", *bucket);
          }
          continue;
        }
        Node& sns = event.children[0];
        std::string snsPath = childPath(eventPath, "sns");
        if (!resolver_.resolveShallow(sns, snsPath)) continue;
        std::optional<std::string> topic;
        if (sns.kind == Node::Kind::String && sns.text.rfind("arn:", 0) != 0) topic = sns.text;
        if (sns.kind == Node::Kind::Map && sns.indexOf("arn") < 0) {
          topic = quietText(sns, "topicName", snsPath);
        }
        if (topic && !topic->empty() && !scope.hasResource(topicLogicalId(*topic))) {
          scope.addNamedResource(topicLogicalId(*topic), "AWS::SNS::Topic", *topic);
        }
      }
    }
  }
}

void ModelBuilder::buildResources(ProjectConfig& project) {
  TemplateScope& template_ = scope();
  for (const auto& resource : resources_) {
    Entry type = get(*resource.node, "Type", resource.path);
    if (!type.node) {
      if (!type.failed) error(resource.where, type.path, "is required (AWS::SQS::Queue, ...)");
      continue;
    }
    auto typeName = stringSetting(type);
    if (!typeName) continue;
    warnUnsupportedKeys(*resource.node, resource.path, kResourceKeys);
    if (kPermissionTypes.count(*typeName)) continue;
    if (!kCreatedTypes.count(*typeName)) {
      warn(resource.where,
           fmt::format("{}: {} is not created by nimbus (it creates AWS::SQS::Queue, "
                       "AWS::SNS::Topic, AWS::SNS::Subscription, AWS::DynamoDB::Table, "
                       "AWS::DynamoDB::GlobalTable, AWS::S3::Bucket and AWS::S3::BucketPolicy)",
                       resource.path, *typeName));
      continue;
    }
    Node properties;
    properties.kind = Node::Kind::Map;
    properties.where = resource.where;
    if (Entry given = get(*resource.node, "Properties", resource.path); given.node) {
      if (given.node->kind != Node::Kind::Map && given.node->kind != Node::Kind::Null) {
        error(given.where, given.path,
              fmt::format("must be a mapping, got {}", given.node->kindName()));
        continue;
      }
      if (given.node->kind == Node::Kind::Map) {
        auto evaluated = template_.evaluate(*given.node);
        if (auto* problem = std::get_if<IntrinsicProblem>(&evaluated)) {
          report(*problem, given.where, given.path);
          continue;
        }
        properties = std::get<Node>(std::move(evaluated));
      }
    } else if (given.failed) {
      continue;
    }
    if (*typeName == "AWS::SQS::Queue") {
      buildQueue(project, resource, properties);
    } else if (*typeName == "AWS::SNS::Topic") {
      buildTopic(project, resource, properties);
    } else if (*typeName == "AWS::DynamoDB::Table") {
      buildTable(project, resource, properties, false);
    } else if (*typeName == "AWS::DynamoDB::GlobalTable") {
      buildTable(project, resource, properties, true);
    } else if (*typeName == "AWS::S3::Bucket") {
      buildBucket(project, resource, properties);
    } else if (*typeName == "AWS::S3::BucketPolicy") {
      buildBucketPolicy(project, resource, properties);
    } else {
      buildSubscription(project, resource, properties);
    }
  }
}

namespace {

// CloudFormation's `Tags: [{Key: k, Value: v}, ...]`.
std::optional<std::string> readTags(const Node& value, std::map<std::string, std::string>& tags) {
  if (value.kind != Node::Kind::Seq) return "must be a list of {Key, Value}";
  for (const auto& tag : value.children) {
    int key = tag.kind == Node::Kind::Map ? tag.indexOf("Key") : -1;
    int text = tag.kind == Node::Kind::Map ? tag.indexOf("Value") : -1;
    auto keyText = key < 0 ? std::nullopt : scalarToString(tag.children[key]);
    auto valueText = text < 0 ? std::nullopt : scalarToString(tag.children[text]);
    if (!keyText || !valueText) return "must be a list of {Key, Value}";
    tags[*keyText] = *valueText;
  }
  return std::nullopt;
}

}  // namespace

bool ModelBuilder::isQueueAttribute(std::string_view property) {
  return kQueueAttributes.count(property) != 0;
}

std::optional<std::string> ModelBuilder::resourceName(const ResourceEntry& resource) {
  auto name = scope().physicalName(resource.logicalId);
  if (auto* problem = std::get_if<IntrinsicProblem>(&name)) {
    report(*problem, resource.where, resource.path);
    return std::nullopt;
  }
  return std::get<std::string>(name);
}

void ModelBuilder::buildQueue(ProjectConfig& project, const ResourceEntry& resource,
                              const Node& properties) {
  auto name = resourceName(resource);
  if (!name) return;
  QueueResource queue{resource.logicalId, *name, {}, {}, resource.where, resource.path};
  std::string propertiesPath = resource.path + ".Properties";
  for (size_t i = 0; i < properties.keys.size(); ++i) {
    const std::string& key = properties.keys[i];
    const Node& value = properties.children[i];
    std::string path = childPath(propertiesPath, key);
    if (key == "QueueName") continue;
    if (key == "Tags") {
      if (auto problem = readTags(value, queue.tags))
        error(properties.keyLocations[i], path, *problem);
    } else if (kQueueAttributes.count(key)) {
      queue.attributes[key] = attributeText(value);
    } else {
      warn(properties.keyLocations[i], fmt::format("{} is not supported yet and is ignored", path));
    }
  }
  // SQS takes FifoQueue only to make a FIFO queue.
  if (auto fifo = queue.attributes.find("FifoQueue");
      fifo != queue.attributes.end() && fifo->second == "false") {
    queue.attributes.erase(fifo);
  }
  project.queues.push_back(std::move(queue));
}

void ModelBuilder::buildTopic(ProjectConfig& project, const ResourceEntry& resource,
                              const Node& properties) {
  auto name = resourceName(resource);
  if (!name) return;
  TopicResource topic{resource.logicalId, *name, {}, {}, resource.where, resource.path};
  std::string arn = topicArn(scope().stack().region, topic.name);
  std::string propertiesPath = resource.path + ".Properties";
  for (size_t i = 0; i < properties.keys.size(); ++i) {
    const std::string& key = properties.keys[i];
    const Node& value = properties.children[i];
    const SourceLocation& where = properties.keyLocations[i];
    std::string path = childPath(propertiesPath, key);
    if (key == "TopicName") continue;
    if (key == "Tags") {
      if (auto problem = readTags(value, topic.tags)) error(where, path, *problem);
    } else if (key == "Subscription") {
      // Inline subscriptions: [{Endpoint, Protocol}].
      for (size_t j = 0; value.kind == Node::Kind::Seq && j < value.children.size(); ++j) {
        const Node& item = value.children[j];
        int endpoint = item.kind == Node::Kind::Map ? item.indexOf("Endpoint") : -1;
        int protocol = item.kind == Node::Kind::Map ? item.indexOf("Protocol") : -1;
        auto endpointText = endpoint < 0 ? std::nullopt : scalarToString(item.children[endpoint]);
        auto protocolText = protocol < 0 ? std::nullopt : scalarToString(item.children[protocol]);
        if (!endpointText || !protocolText) {
          error(where, itemPath(path, j), "must be a mapping with Endpoint and Protocol");
          continue;
        }
        project.subscriptions.push_back(
            {arn, *protocolText, *endpointText, {}, where, itemPath(path, j)});
      }
      if (value.kind != Node::Kind::Seq)
        error(where, path, "must be a list of {Endpoint, Protocol}");
    } else if (kTopicAttributes.count(key)) {
      topic.attributes[key] = attributeText(value);
    } else {
      warn(where, fmt::format("{} is not supported yet and is ignored", path));
    }
  }
  if (auto fifo = topic.attributes.find("FifoTopic");
      fifo != topic.attributes.end() && fifo->second == "false") {
    topic.attributes.erase(fifo);
  }
  project.topics.push_back(std::move(topic));
}

void ModelBuilder::buildSubscription(ProjectConfig& project, const ResourceEntry& resource,
                                     const Node& properties) {
  SubscriptionResource subscription;
  subscription.where = resource.where;
  subscription.path = resource.path;
  std::string propertiesPath = resource.path + ".Properties";
  bool complete = true;
  for (const char* required : {"TopicArn", "Protocol"}) {
    int at = properties.indexOf(required);
    auto value = at < 0 ? std::nullopt : scalarToString(properties.children[at]);
    if (!value || value->empty()) {
      error(at < 0 ? resource.where : properties.keyLocations[at],
            childPath(propertiesPath, required), "is required and must be a string");
      complete = false;
      continue;
    }
    (std::string_view(required) == "TopicArn" ? subscription.topicArn : subscription.protocol) =
        *value;
  }
  for (size_t i = 0; i < properties.keys.size(); ++i) {
    const std::string& key = properties.keys[i];
    const Node& value = properties.children[i];
    std::string path = childPath(propertiesPath, key);
    if (key == "TopicArn" || key == "Protocol") continue;
    if (key == "Endpoint") {
      subscription.endpoint = attributeText(value);
    } else if (key == "FilterPolicy" || key == "FilterPolicyScope" || key == "RawMessageDelivery" ||
               key == "RedrivePolicy") {
      subscription.attributes[key] = attributeText(value);
    } else if (key == "Region") {
      continue;  // The topic's region: nimbus has one.
    } else {
      warn(properties.keyLocations[i], fmt::format("{} is not supported yet and is ignored", path));
    }
  }
  if (complete) project.subscriptions.push_back(std::move(subscription));
}

// `sns: NAME`, `sns: arn:aws:sns:...` or `sns: {arn | topicName, displayName, filterPolicy,
// filterPolicyScope}`.
std::optional<SnsEvent> ModelBuilder::snsEvent(Node& value, const SourceLocation& where,
                                               const std::string& path) {
  SnsEvent event;
  event.where = where;
  std::optional<std::string> arn, topicName;
  if (value.kind == Node::Kind::String) {
    (value.text.rfind("arn:", 0) == 0 ? arn : topicName) = value.text;
  } else if (value.kind == Node::Kind::Map) {
    if (Entry e = get(value, "arn", path); e.node) {
      arn = stringSetting(e);
      if (!arn) return std::nullopt;
    } else if (e.failed) {
      return std::nullopt;
    }
    if (Entry e = get(value, "topicName", path); e.node) topicName = stringSetting(e);
    if (Entry e = get(value, "displayName", path); e.node) {
      if (auto text = stringSetting(e)) event.displayName = *text;
    }
    if (Entry e = get(value, "filterPolicy", path); e.node) {
      if (e.node->kind == Node::Kind::Map && resolver_.resolveDeep(*e.node, e.path)) {
        event.filterPolicy = toJsonText(*e.node);
      } else if (e.node->kind != Node::Kind::Map) {
        error(e.where, e.path,
              fmt::format("must be a mapping (a filter policy), got {}", e.node->kindName()));
      }
    }
    if (Entry e = get(value, "filterPolicyScope", path); e.node) {
      if (auto text = stringSetting(e)) {
        if (*text != "MessageAttributes" && *text != "MessageBody") {
          error(e.where, e.path,
                fmt::format("'{}' is not MessageAttributes or MessageBody", *text));
        } else {
          event.filterPolicyScope = *text;
        }
      }
    }
    warnUnsupportedKeys(value, path,
                        {"arn", "topicName", "displayName", "filterPolicy", "filterPolicyScope"});
  } else {
    error(where, path,
          fmt::format("must be a topic name, a topic ARN or a mapping (arn or topicName, "
                      "filterPolicy, ...), got {}",
                      value.kindName()));
    return std::nullopt;
  }
  if (arn) {
    if (!isSnsArn(*arn)) {
      error(where, path, fmt::format("'{}' is not an SNS topic ARN", *arn));
      return std::nullopt;
    }
    event.topicArn = *arn;
    event.topicName = arn->substr(arn->rfind(':') + 1);
    return event;
  }
  if (!topicName || topicName->empty()) {
    error(where, path, "needs a topic: its name (a topic nimbus creates) or arn");
    return std::nullopt;
  }
  // A topic the Framework creates, unless a resource of its logical id is that topic.
  event.topicName = *topicName;
  event.createsTopic = true;
  auto name = scope().physicalName(topicLogicalId(*topicName));
  event.topicArn = topicArn(scope().stack().region, std::holds_alternative<std::string>(name)
                                                        ? std::get<std::string>(name)
                                                        : *topicName);
  return event;
}

void ModelBuilder::buildSnsEventResources(ProjectConfig& project) {
  for (const auto& function : project.functions) {
    std::string functionArn = fmt::format("arn:aws:lambda:{}:{}:function:{}",
                                          scope().stack().region, kAccountId, function.name);
    for (const auto& event : function.snsEvents) {
      std::string logicalId = topicLogicalId(event.topicName);
      bool declared = std::any_of(project.topics.begin(), project.topics.end(),
                                  [&](const auto& t) { return t.logicalId == logicalId; });
      if (event.createsTopic && !declared) {
        TopicResource topic{logicalId, event.topicName, {}, {}, event.where, "sns"};
        if (!event.displayName.empty()) topic.attributes["DisplayName"] = event.displayName;
        project.topics.push_back(std::move(topic));
      }
      SubscriptionResource subscription{
          event.topicArn, "lambda",
          functionArn,    {},
          event.where,    fmt::format("functions.{}.events.sns", function.key)};
      if (!event.filterPolicy.empty()) subscription.attributes["FilterPolicy"] = event.filterPolicy;
      if (!event.filterPolicyScope.empty()) {
        subscription.attributes["FilterPolicyScope"] = event.filterPolicyScope;
      }
      project.subscriptions.push_back(std::move(subscription));
    }
  }
}

}  // namespace nimbus::config
