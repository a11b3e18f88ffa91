// S3 in serverless.yml: `s3` events (the bucket they create, S3Bucket{Name}), AWS::S3::Bucket
// resources with their notification, CORS and versioning configurations, and
// AWS::S3::BucketPolicy.
#include <fmt/format.h>

#include <cctype>
#include <set>

#include "config/intrinsics.h"
#include "config/model_builder.h"
#include "config/text.h"
#include "core/s3_names.h"

namespace nimbus::config {

namespace {

constexpr std::string_view kAccount = "000000000000";

// Properties of AWS::S3::Bucket that have no effect on a local run.
const std::set<std::string, std::less<>> kIgnoredBucketProperties = {
    "AccessControl",
    "BucketEncryption",
    "LifecycleConfiguration",
    "LoggingConfiguration",
    "OwnershipControls",
    "PublicAccessBlockConfiguration",
    "Tags",
    "WebsiteConfiguration",
    "ObjectLockEnabled",
    "ObjectLockConfiguration",
    "IntelligentTieringConfigurations",
    "MetricsConfigurations",
    "AnalyticsConfigurations",
    "InventoryConfigurations",
    "ReplicationConfiguration",
    "AccelerateConfiguration"};

const Node* child(const Node& map, std::string_view key) {
  if (map.kind != Node::Kind::Map) return nullptr;
  int at = map.indexOf(std::string(key));
  return at < 0 ? nullptr : &map.children[at];
}

std::vector<std::string> stringList(const Node* node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node->kind == Node::Kind::Seq) {
    for (const auto& item : node->children) {
      if (auto text = scalarToString(item)) out.push_back(*text);
    }
  } else if (auto text = scalarToString(*node)) {
    out.push_back(*text);
  }
  return out;
}

// Filter: {S3Key: {Rules: [{Name: prefix, Value: uploads/}]}}.
void readFilter(const Node* filter, std::string& prefix, std::string& suffix) {
  const Node* key = filter ? child(*filter, "S3Key") : nullptr;
  const Node* rules = key ? child(*key, "Rules") : nullptr;
  for (size_t i = 0; rules && rules->kind == Node::Kind::Seq && i < rules->children.size(); ++i) {
    const Node* name = child(rules->children[i], "Name");
    const Node* value = child(rules->children[i], "Value");
    auto nameText = name ? scalarToString(*name) : std::nullopt;
    auto valueText = value ? scalarToString(*value) : std::nullopt;
    if (!nameText || !valueText) continue;
    std::string lower = *nameText;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    (lower == "prefix" ? prefix : suffix) = *valueText;
  }
}

}  // namespace

std::string s3BucketLogicalId(std::string_view bucket) {
  // The Framework's S3Bucket{Name}: the name's letters and digits, the first one capitalized.
  std::string id;
  for (char c : bucket) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
  }
  if (!id.empty()) id[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(id[0])));
  return "S3Bucket" + id;
}

// `s3: bucket-name` or `s3: {bucket, event, rules: [{prefix}, {suffix}], existing,
// forceDeploy}`.
std::optional<S3Event> ModelBuilder::s3Event(Node& value, const SourceLocation& where,
                                             const std::string& path) {
  S3Event event;
  event.where = where;
  if (value.kind == Node::Kind::String) {
    event.bucket = value.text;
  } else if (value.kind == Node::Kind::Map) {
    warnUnsupportedKeys(value, path, {"bucket", "event", "rules", "existing", "forceDeploy"});
    Entry bucket = get(value, "bucket", path);
    if (bucket.failed) return std::nullopt;
    if (!bucket.node) {
      error(where, path, "needs bucket: the name of the bucket whose events reach the function");
      return std::nullopt;
    }
    auto name = stringSetting(bucket);
    if (!name) return std::nullopt;
    event.bucket = *name;
    if (Entry type = get(value, "event", path); type.node) {
      auto text = stringSetting(type);
      if (!text) return std::nullopt;
      if (!text->starts_with("s3:")) {
        error(type.where, type.path, "must name an S3 event type, such as s3:ObjectCreated:*");
        return std::nullopt;
      }
      event.event = *text;
    }
    if (Entry existing = get(value, "existing", path); existing.node) {
      auto flag = booleanSetting(existing);
      if (!flag) return std::nullopt;
      event.existing = *flag;
    }
    if (Entry rules = get(value, "rules", path); rules.node) {
      if (rules.node->kind != Node::Kind::Seq) {
        error(rules.where, rules.path, "must be a list of {prefix: ...} and {suffix: ...}");
        return std::nullopt;
      }
      for (size_t i = 0; i < rules.node->children.size(); ++i) {
        Node& rule = rules.node->children[i];
        std::string rulePath = itemPath(rules.path, i);
        if (!resolver_.resolveShallow(rule, rulePath)) return std::nullopt;
        if (rule.kind != Node::Kind::Map || rule.keys.size() != 1 ||
            (rule.keys[0] != "prefix" && rule.keys[0] != "suffix")) {
          error(rules.where, rulePath, "must be {prefix: TEXT} or {suffix: TEXT}");
          return std::nullopt;
        }
        Entry text = get(rule, rule.keys[0], rulePath);
        auto setting = text.node ? stringSetting(text) : std::nullopt;
        if (!setting) return std::nullopt;
        (rule.keys[0] == "prefix" ? event.prefix : event.suffix) = *setting;
      }
    }
  } else {
    error(where, path, "must be a bucket name or a mapping with bucket, event and rules");
    return std::nullopt;
  }
  if (event.bucket.empty()) {
    error(where, path, "needs a bucket name");
    return std::nullopt;
  }
  return event;
}

std::vector<BucketCorsRule> ModelBuilder::corsRules(const Node& rules, const SourceLocation& where,
                                                    const std::string& path) {
  // CloudFormation's keys, or Lift's (the same in lower camel case: Lift capitalizes them).
  auto field = [](const Node& rule, std::string key) {
    if (const Node* found = child(rule, key)) return found;
    key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
    return child(rule, key);
  };
  std::vector<BucketCorsRule> cors;
  for (const auto& rule : rules.children) {
    BucketCorsRule r;
    if (const Node* id = field(rule, "Id")) r.id = scalarToString(*id).value_or("");
    r.allowedOrigins = stringList(field(rule, "AllowedOrigins"));
    r.allowedMethods = stringList(field(rule, "AllowedMethods"));
    r.allowedHeaders = stringList(field(rule, "AllowedHeaders"));
    r.exposedHeaders = stringList(field(rule, "ExposedHeaders"));
    if (const Node* age = field(rule, "MaxAge")) {
      if (auto text = scalarToString(*age)) r.maxAge = std::atoi(text->c_str());
    }
    if (r.allowedOrigins.empty() || r.allowedMethods.empty()) {
      error(where, path, "each rule needs AllowedOrigins and AllowedMethods");
      continue;
    }
    cors.push_back(std::move(r));
  }
  return cors;
}

void ModelBuilder::buildBucket(ProjectConfig& project, const ResourceEntry& resource,
                               const Node& properties) {
  auto name = resourceName(resource);
  if (!name) return;
  BucketResource bucket;
  bucket.logicalId = resource.logicalId;
  bucket.name = *name;
  bucket.where = resource.where;
  bucket.path = resource.path;
  std::string propertiesPath = resource.path + ".Properties";
  for (size_t i = 0; i < properties.keys.size(); ++i) {
    const std::string& key = properties.keys[i];
    const Node& value = properties.children[i];
    const SourceLocation& where = properties.keyLocations[i];
    std::string path = childPath(propertiesPath, key);
    if (key == "BucketName" || kIgnoredBucketProperties.count(key)) continue;
    if (key == "VersioningConfiguration") {
      const Node* status = child(value, "Status");
      auto text = status ? scalarToString(*status) : std::nullopt;
      if (!text || (*text != "Enabled" && *text != "Suspended")) {
        error(where, path + ".Status", "must be Enabled or Suspended");
        continue;
      }
      bucket.versioning = *text;
    } else if (key == "CorsConfiguration") {
      const Node* rules = child(value, "CorsRules");
      if (!rules || rules->kind != Node::Kind::Seq) {
        error(where, path + ".CorsRules", "must be a list of CORS rules");
        continue;
      }
      bucket.cors = corsRules(*rules, where, path + ".CorsRules");
    } else if (key == "NotificationConfiguration") {
      static const std::pair<const char*, BucketNotification::Kind> kLists[] = {
          {"LambdaConfigurations", BucketNotification::Kind::Function},
          {"QueueConfigurations", BucketNotification::Kind::Queue},
          {"TopicConfigurations", BucketNotification::Kind::Topic}};
      static const char* kArnKeys[] = {"Function", "Queue", "Topic"};
      for (size_t k = 0; k < 3; ++k) {
        const Node* list = child(value, kLists[k].first);
        if (!list) continue;
        for (const auto& item : list->children) {
          BucketNotification n;
          n.kind = kLists[k].second;
          const Node* arn = child(item, kArnKeys[k]);
          const Node* event = child(item, "Event");
          n.arn = arn ? scalarToString(*arn).value_or("") : "";
          n.event = event ? scalarToString(*event).value_or("") : "";
          if (n.arn.empty() || n.event.empty()) {
            error(where, path + "." + kLists[k].first,
                  fmt::format("each entry needs {} and Event", kArnKeys[k]));
            continue;
          }
          readFilter(child(item, "Filter"), n.prefix, n.suffix);
          bucket.notifications.push_back(std::move(n));
        }
      }
      if (const Node* eventBridge = child(value, "EventBridgeConfiguration")) {
        // CloudFormation's EventBridgeEnabled is true by default once the element is there.
        const Node* enabled = child(*eventBridge, "EventBridgeEnabled");
        bucket.eventBridge = !enabled || scalarToString(*enabled).value_or("true") == "true";
      }
    } else {
      warn(where, fmt::format("{} is not supported yet and is ignored", path));
    }
  }
  project.buckets.push_back(std::move(bucket));
}

void ModelBuilder::buildBucketPolicy(ProjectConfig& project, const ResourceEntry& resource,
                                     const Node& properties) {
  std::string propertiesPath = resource.path + ".Properties";
  const Node* bucket = child(properties, "Bucket");
  const Node* document = child(properties, "PolicyDocument");
  auto name = bucket ? scalarToString(*bucket) : std::nullopt;
  if (!name || !document) {
    error(resource.where, propertiesPath, "needs Bucket and PolicyDocument");
    return;
  }
  pendingBucketPolicies_.push_back({*name, toJsonText(*document), resource.where, resource.path});
  (void)project;
}

// The buckets `s3` events create (or, with `existing: true`, only configure), with each
// function's notification; and the bucket policies, on the buckets they name.
void ModelBuilder::buildS3EventResources(ProjectConfig& project) {
  for (const auto& function : project.functions) {
    std::string functionArn = fmt::format("arn:aws:lambda:{}:{}:function:{}",
                                          scope().stack().region, kAccount, function.name);
    for (const auto& event : function.s3Events) {
      auto it = std::find_if(project.buckets.begin(), project.buckets.end(),
                             [&](const auto& b) { return b.name == event.bucket; });
      if (it == project.buckets.end()) {
        BucketResource bucket;
        bucket.logicalId = s3BucketLogicalId(event.bucket);
        bucket.name = event.bucket;
        bucket.existing = event.existing;
        bucket.where = event.where;
        bucket.path = fmt::format("functions.{}.events.s3", function.key);
        project.buckets.push_back(std::move(bucket));
        it = std::prev(project.buckets.end());
      } else if (!event.existing && !it->existing && it->path.starts_with("resources.")) {
        // The Framework refuses an s3 event on a bucket the resources also define; nimbus
        // follows what the project means: the event's notification on that bucket.
      } else if (!event.existing) {
        it->existing = false;
      }
      it->notifications.push_back({BucketNotification::Kind::Function, functionArn, event.event,
                                   event.prefix, event.suffix});
    }
  }
  for (const auto& bucket : project.buckets) {
    if (!bucket.existing && !isValidBucketName(bucket.name)) {
      error(bucket.where, bucket.path,
            fmt::format("'{}' is not a valid S3 bucket name: 3 to 63 lower-case letters, digits, "
                        "dots and hyphens, starting and ending with a letter or a digit",
                        bucket.name));
    }
  }
  for (const auto& [bucketName, policy, where, path] : pendingBucketPolicies_) {
    auto it = std::find_if(project.buckets.begin(), project.buckets.end(),
                           [&](const auto& b) { return b.name == bucketName; });
    if (it == project.buckets.end()) {
      warn(where, fmt::format("{}: the bucket {} is not one nimbus creates; its policy is ignored",
                              path, bucketName));
      continue;
    }
    it->policy = policy;
  }
}

}  // namespace nimbus::config
