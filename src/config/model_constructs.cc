// The model builder's part for serverless-lift's `constructs:`. Lift turns each construct into
// CloudFormation resources and Framework functions; nimbus builds the same things from the
// services it has: a `queue` becomes an SQS queue, its dead-letter queue and a worker function
// fed by an event source mapping; a `database/dynamodb-single-table` becomes a DynamoDB table; a
// `storage` becomes a versioned S3 bucket. The types that need CloudFront or API Gateway's
// service integrations are read, validated and warned about, and their `${construct:}` variables
// still resolve, so the rest of the project serves.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "config/constructs.h"
#include "config/intrinsics.h"
#include "config/model_builder.h"
#include "config/text.h"
#include "core/dynamodb_names.h"
#include "core/hash.h"

namespace nimbus::config {

namespace {

using Json = nlohmann::ordered_json;

// Lift's construct ids: ^[a-zA-Z0-9-_]+$.
bool isConstructId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// A construct's id as CloudFormation logical ids and CDK names hold it: letters and digits.
std::string alphanumeric(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

// A short stable digest standing in for the random parts CloudFormation and CDK add to generated
// names: the same project gives the same names from one run to the next.
std::string stableSuffix(const std::string& seed, size_t length) {
  return hexEncode(sha256(seed)).substr(0, length);
}

// A name CloudFormation generates for a resource without one: "{stack}-{logical id}-{suffix}",
// at most `limit` characters (the stack and logical id parts shortened first, as it does).
std::string generatedName(const StackInfo& stack, const std::string& logicalId, size_t limit,
                          bool lowerCase) {
  std::string suffix = stableSuffix(stack.stackName() + "/" + logicalId, 12);
  if (!lowerCase) suffix = upper(suffix);
  std::string stackPart = stack.stackName();
  std::string idPart = logicalId;
  size_t room = limit - suffix.size() - 2;
  while (stackPart.size() + idPart.size() > room) {
    if (stackPart.size() >= idPart.size()) {
      stackPart.pop_back();
    } else {
      idPart.pop_back();
    }
  }
  std::string name = stackPart + "-" + idPart + "-" + suffix;
  return lowerCase ? lower(name) : name;
}

// CDK's logical id of a construct's child: the path's letters and digits, then 8 hex digits.
std::string cdkLogicalId(const std::string& id, const std::string& child) {
  return alphanumeric(id) + child + upper(stableSuffix(id + "/" + child, 8));
}

std::string bucketName(const StackInfo& stack, const std::string& id, const std::string& child) {
  // S3 bucket names are lower-case, at most 63 characters.
  return generatedName(stack, cdkLogicalId(id, child), 63, true);
}

std::string distributionDomain(const StackInfo& stack, const std::string& id) {
  // CloudFront's "d" and 13 lower-case letters and digits.
  std::string digest = stableSuffix(stack.stackName() + "/" + id + "/CDN", 13);
  return "d" + digest + ".cloudfront.net";
}

struct ConstructType {
  std::string_view name;
  // The settings Lift's schema allows besides type, provider and extensions.
  std::set<std::string, std::less<>> settings;
  std::set<std::string, std::less<>> required;
  // What nimbus does not serve of it; empty when it is served.
  std::string_view notServed;
};

const std::vector<ConstructType>& constructTypes() {
  static const std::vector<ConstructType> types = {
      {"queue",
       {"worker", "maxRetries", "alarm", "batchSize", "maxBatchingWindow", "maxConcurrency", "fifo",
        "delay", "encryption", "encryptionKey"},
       {"worker"},
       ""},
      {"storage",
       {"archive", "encryption", "allowAcl", "publicPath", "cors", "lifecycleRules"},
       {},
       ""},
      {"webhook",
       {"authorizer", "insecure", "path", "eventType", "method"},
       {"path"},
       "its HTTP endpoint and EventBridge bus are not created (API Gateway's integration with "
       "EventBridge is not served yet)"},
      {"static-website",
       {"path", "domain", "certificate", "security", "errorPage", "redirectToMainDomain",
        "versionedAssets"},
       {"path"},
       "its S3 bucket and CloudFront distribution are not created (CloudFront is not served "
       "yet)"},
      {"single-page-app",
       {"path", "domain", "certificate", "security", "errorPage", "redirectToMainDomain",
        "versionedAssets"},
       {"path"},
       "its S3 bucket and CloudFront distribution are not created (CloudFront is not served "
       "yet)"},
      {"server-side-website",
       {"apiGateway", "assets", "errorPage", "versionedAssets", "domain", "redirectToMainDomain",
        "certificate", "forwardedHeaders"},
       {},
       "its assets bucket and CloudFront distribution are not created (CloudFront is not "
       "served yet); the API's own routes are served from its functions' events"},
      {"database/dynamodb-single-table", {"localSecondaryIndexes", "gsiCount"}, {}, ""},
      {"vpc",
       {},
       {},
       "its VPC is not created: functions run on this machine's network, which reaches "
       "everything"},
  };
  return types;
}

const ConstructType* findType(std::string_view name) {
  for (const auto& type : constructTypes()) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

}  // namespace

bool isLiftConstructType(std::string_view type) {
  return findType(type) != nullptr;
}

std::string liftConstructTypes() {
  std::string out;
  for (const auto& type : constructTypes()) {
    if (!out.empty()) out += ", ";
    out += type.name;
  }
  return out;
}

std::string liftQueueName(const StackInfo& stack, const std::string& id, bool fifo, bool dlq) {
  return stack.stackName() + "-" + id + (dlq ? "-dlq" : "") + (fifo ? ".fifo" : "");
}

std::string liftTableName(const StackInfo& stack, const std::string& id) {
  // DynamoDB table names take up to 255 characters; CloudFormation keeps the case.
  return generatedName(stack, cdkLogicalId(id, "Table"), 255, false);
}

std::vector<std::pair<std::string, std::string>> liftConstructVariables(
    std::string_view type, const std::string& id, const ConstructVariableInputs& inputs,
    const StackInfo& stack) {
  std::vector<std::pair<std::string, std::string>> variables;
  if (type == "queue") {
    std::string queue = liftQueueName(stack, id, inputs.fifo, false);
    std::string dlq = liftQueueName(stack, id, inputs.fifo, true);
    variables = {{"queueUrl", stack.queueUrl(queue)},
                 {"queueArn", stack.queueArn(queue)},
                 {"dlqUrl", stack.queueUrl(dlq)},
                 {"dlqArn", stack.queueArn(dlq)}};
  } else if (type == "storage") {
    std::string bucket = bucketName(stack, id, "Bucket");
    variables = {{"bucketArn", "arn:aws:s3:::" + bucket}, {"bucketName", bucket}};
    if (inputs.publicPath) {
      variables.emplace_back("publicUrl",
                             fmt::format("https://{}.s3.{}.amazonaws.com", bucket, stack.region));
    }
  } else if (type == "webhook") {
    // CDK names an EventBus without a name after its path: "{id}Bus" and a digest.
    variables = {{"busName", cdkLogicalId(id, "Bus")}};
  } else if (type == "static-website" || type == "single-page-app") {
    variables = {{"cname", distributionDomain(stack, id)},
                 {"assetsBucketName", bucketName(stack, id, "Bucket")}};
  } else if (type == "server-side-website") {
    std::string cname = distributionDomain(stack, id);
    variables = {{"url", "https://" + (inputs.domain.empty() ? cname : inputs.domain)},
                 {"cname", cname},
                 {"assetsBucketName", bucketName(stack, id, "Assets")}};
  } else if (type == "database/dynamodb-single-table") {
    std::string table = liftTableName(stack, id);
    std::string arn = stack.tableArn(table);
    variables = {{"tableName", table},
                 {"tableArn", arn},
                 {"tableStreamArn", fmt::format("{}/stream/{}", arn, kProjectStreamLabel)}};
  }
  return variables;
}

void ModelBuilder::buildConstructs(ProjectConfig& project, const Settings& provider) {
  Entry entry = get(root_, "constructs", "");
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node& constructs = *entry.node;
  if (constructs.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping of construct names to their settings, got {}",
                      constructs.kindName()));
    return;
  }
  StackInfo stack{service_, stage_, project.region, options_.awsEndpointUrl};
  for (size_t i = 0; i < constructs.keys.size(); ++i) {
    const std::string& id = constructs.keys[i];
    const SourceLocation& where = constructs.keyLocations[i];
    std::string path = childPath("constructs", id);
    if (!isConstructId(id)) {
      error(where, path,
            fmt::format("construct name '{}' is invalid: use letters, digits, hyphens and "
                        "underscores",
                        id));
      continue;
    }
    Node& node = constructs.children[i];
    if (!resolver_.resolveShallow(node, path)) continue;
    if (node.kind != Node::Kind::Map) {
      error(where, path,
            fmt::format("must be a mapping with a type (queue, storage, ...), got {}",
                        node.kindName()));
      continue;
    }
    Entry typeEntry = get(node, "type", path);
    if (typeEntry.failed) continue;
    if (!typeEntry.node) {
      error(where, typeEntry.path,
            fmt::format("is required: the construct's type ({})", liftConstructTypes()));
      continue;
    }
    auto typeName = stringSetting(typeEntry);
    if (!typeName) continue;
    const ConstructType* type = findType(*typeName);
    if (!type) {
      error(typeEntry.where, typeEntry.path,
            fmt::format("unknown construct type '{}' (serverless-lift has {})", *typeName,
                        liftConstructTypes()));
      continue;
    }

    // Lift's schema: its own keys, and for every type `type`, `provider` and `extensions`.
    bool complete = true;
    for (const auto& key : type->required) {
      if (node.indexOf(key) < 0) {
        error(where, childPath(path, key),
              fmt::format("is required for a {} construct", type->name));
        complete = false;
      }
    }
    for (size_t k = 0; k < node.keys.size(); ++k) {
      const std::string& key = node.keys[k];
      if (key == "type" || type->settings.count(key) != 0) continue;
      std::string keyPath = childPath(path, key);
      if (key == "extensions") {
        if (type->name == "queue") continue;  // Applied to its queues.
        warn(node.keyLocations[k],
             fmt::format("{}: CloudFormation overrides are not applied and are ignored", keyPath));
      } else if (key == "provider") {
        warn(node.keyLocations[k],
             fmt::format("{}: Lift's construct providers are not served; the construct is "
                         "served as an AWS one",
                         keyPath));
      } else {
        warn(node.keyLocations[k],
             fmt::format("{} is not a setting of Lift's {} construct and is ignored", keyPath,
                         type->name));
      }
    }
    if (!complete) continue;

    ConstructConfig construct;
    construct.id = id;
    construct.type = std::string(type->name);
    construct.where = where;
    construct.notServed = std::string(type->notServed);
    construct.served = construct.notServed.empty();
    ConstructVariableInputs inputs;
    size_t errorsBefore = errors_.size();
    if (type->name == "queue") {
      buildQueueConstruct(project, provider, node, construct, path);
      // Already read (and reported if invalid) as the queue was built.
      if (int at = node.indexOf("fifo"); at >= 0) {
        const Node& fifo = node.children[at];
        inputs.fifo = (fifo.kind == Node::Kind::Bool && fifo.boolean) ||
                      (fifo.kind == Node::Kind::String && fifo.text == "true");
      }
    } else if (type->name == "database/dynamodb-single-table") {
      buildTableConstruct(project, node, construct, path);
    } else if (type->name == "webhook") {
      Entry insecure = get(node, "insecure", path);
      bool open = insecure.node && booleanSetting(insecure).value_or(false);
      Entry authorizer = get(node, "authorizer", path);
      if (Entry method = get(node, "method", path); method.node) {
        auto value = stringSetting(method);
        if (value && *value != "POST" && *value != "PUT" && *value != "PATCH") {
          error(method.where, method.path, fmt::format("'{}' is not POST, PUT or PATCH", *value));
        }
      }
      if (Entry webhookPath = get(node, "path", path); webhookPath.node) stringSetting(webhookPath);
      if (!open && !authorizer.node && !authorizer.failed) {
        error(where, authorizer.path,
              "is required unless insecure: true (a function that checks the webhook's "
              "signature)");
      } else if (!open && authorizer.node) {
        // Lift adds the authorizer as a function of the service, "{id}Authorizer": it runs
        // and can be invoked even though the endpoint in front of it is not served yet.
        if (authorizer.node->kind != Node::Kind::Map) {
          error(authorizer.where, authorizer.path,
                fmt::format("must be a function's settings (handler, ...), got {}",
                            authorizer.node->kindName()));
        } else if (auto index =
                       constructFunction(project, provider, id + "Authorizer", authorizer)) {
          construct.functions.push_back(project.functions[*index].key);
        }
      }
    } else if (type->name == "storage") {
      if (Entry publicPath = get(node, "publicPath", path); publicPath.node) {
        inputs.publicPath = stringSetting(publicPath).has_value();
      }
      if (Entry encryption = get(node, "encryption", path); encryption.node) {
        auto value = stringSetting(encryption);
        if (value && *value != "s3" && *value != "kms") {
          error(encryption.where, encryption.path, fmt::format("'{}' is not s3 or kms", *value));
        }
      }
      if (Entry archive = get(node, "archive", path); archive.node) {
        numberSetting(archive, 30, 1e9, false);
      }
      buildStorageConstruct(project, node, construct, path);
    } else if (type->name == "static-website" || type->name == "single-page-app" ||
               type->name == "server-side-website") {
      if (Entry sitePath = get(node, "path", path); sitePath.node) stringSetting(sitePath);
      if (Entry domain = get(node, "domain", path); domain.node) {
        if (auto domains = stringListSetting(domain); domains && !domains->empty()) {
          inputs.domain = domains->front();
        }
      }
      if (Entry api = get(node, "apiGateway", path); api.node) {
        auto value = stringSetting(api);
        if (value && *value != "http" && *value != "rest") {
          error(api.where, api.path, fmt::format("'{}' is not http or rest", *value));
        }
      }
    }
    if (errors_.size() != errorsBefore) continue;
    construct.variables = liftConstructVariables(type->name, id, inputs, stack);
    if (!construct.served) {
      warn(where, fmt::format("{} ({}) is not served yet: {}", path, type->name, type->notServed));
    }
    project.constructs.push_back(std::move(construct));
  }
}

std::optional<size_t> ModelBuilder::constructFunction(ProjectConfig& project,
                                                      const Settings& provider,
                                                      const std::string& key, const Entry& entry) {
  auto clash = std::find_if(project.functions.begin(), project.functions.end(),
                            [&](const FunctionConfig& f) { return f.key == key; });
  if (clash != project.functions.end()) {
    error(entry.where, entry.path,
          fmt::format("Lift adds this function as '{}', which functions.{} already is ({}:{})", key,
                      key, clash->where.file, clash->where.line));
    return std::nullopt;
  }
  size_t before = project.functions.size();
  buildFunction(project, provider, key, *entry.node, entry.where, entry.path);
  if (project.functions.size() == before) return std::nullopt;
  const FunctionConfig& added = project.functions.back();
  for (size_t i = 0; i + 1 < project.functions.size(); ++i) {
    if (project.functions[i].name == added.name) {
      error(entry.where, entry.path,
            fmt::format("the deployed name '{}' is already used by function '{}'", added.name,
                        project.functions[i].key));
      return std::nullopt;
    }
  }
  return project.functions.size() - 1;
}

// A `storage` construct, as Lift builds it: a versioned bucket, with the CORS rules of `cors` (an
// origin allowed to GET, PUT and DELETE with any header, or a list of rules). Encryption, archive
// tiers and lifecycle rules change nothing observable here.
void ModelBuilder::buildStorageConstruct(ProjectConfig& project, Node& node,
                                         ConstructConfig& construct, const std::string& path) {
  StackInfo stack{service_, stage_, project.region, options_.awsEndpointUrl};
  BucketResource bucket;
  bucket.logicalId = cdkLogicalId(construct.id, "Bucket");
  bucket.name = bucketName(stack, construct.id, "Bucket");
  bucket.versioning = "Enabled";
  bucket.where = construct.where;
  bucket.path = path;
  if (Entry cors = get(node, "cors", path); cors.node) {
    if (cors.node->kind == Node::Kind::Seq) {
      bucket.cors = corsRules(*cors.node, cors.where, cors.path);
    } else if (auto origin = stringSetting(cors)) {
      BucketCorsRule rule;
      rule.allowedOrigins = {*origin};
      rule.allowedMethods = {"GET", "PUT", "DELETE"};
      rule.allowedHeaders = {"*"};
      bucket.cors = std::vector<BucketCorsRule>{rule};
    }
  }
  project.buckets.push_back(std::move(bucket));
}

// A `queue` construct, as Lift builds it: the queue "{stack}-{id}" with a visibility timeout of
// six times the worker's timeout plus the batching window (AWS's advice for SQS event sources),
// its dead-letter queue "{stack}-{id}-dlq" keeping messages 14 days after maxRetries receives
// (3 by default), and the worker consuming one message at a time by default with partial batch
// responses on.
void ModelBuilder::buildQueueConstruct(ProjectConfig& project, const Settings& provider, Node& node,
                                       ConstructConfig& construct, const std::string& path) {
  const std::string& id = construct.id;
  int maxRetries = 3;
  if (Entry e = get(node, "maxRetries", path); e.node) {
    // SQS takes a maxReceiveCount from 1 to 1000.
    if (auto v = numberSetting(e, 1, 1000, true)) maxRetries = static_cast<int>(*v);
  }
  bool fifo = false;
  if (Entry e = get(node, "fifo", path); e.node) fifo = booleanSetting(e).value_or(false);
  int batchSize = 1;
  Entry batchEntry = get(node, "batchSize", path);
  if (batchEntry.node) {
    if (auto v = numberSetting(batchEntry, 1, 10000, true)) batchSize = static_cast<int>(*v);
  }
  int batchingWindow = 0;
  if (Entry e = get(node, "maxBatchingWindow", path); e.node) {
    if (auto v = numberSetting(e, 0, 300, true)) batchingWindow = static_cast<int>(*v);
  }
  std::optional<int> maxConcurrency;
  if (Entry e = get(node, "maxConcurrency", path); e.node) {
    if (auto v = numberSetting(e, 2, 1000, true)) maxConcurrency = static_cast<int>(*v);
  }
  std::optional<int> delay;
  if (Entry e = get(node, "delay", path); e.node) {
    if (auto v = numberSetting(e, 0, 900, true)) delay = static_cast<int>(*v);
  }
  if (batchEntry.node && batchSize > 10) {
    if (fifo) {
      error(batchEntry.where, batchEntry.path,
            fmt::format("must be from 1 to 10 for a FIFO queue, got {}", batchSize));
    } else if (batchingWindow == 0) {
      error(batchEntry.where, batchEntry.path,
            "over 10 needs maxBatchingWindow of at least 1 second (as Lambda requires for SQS)");
    }
  }
  std::string encryption;
  Entry encryptionEntry = get(node, "encryption", path);
  if (encryptionEntry.node) encryption = stringSetting(encryptionEntry).value_or("");
  if (!encryption.empty() && encryption != "kmsManaged" && encryption != "kms") {
    error(encryptionEntry.where, encryptionEntry.path,
          fmt::format("'{}' is not kmsManaged or kms", encryption));
  }
  if (encryption == "kms") {
    Entry key = get(node, "encryptionKey", path);
    auto keyText = key.node ? stringSetting(key) : std::nullopt;
    if (!key.failed && (!keyText || keyText->empty())) {
      error(encryptionEntry.where, key.path, "is required when encryption is kms");
    }
  }
  if (Entry alarm = get(node, "alarm", path); alarm.node) {
    if (auto email = stringSetting(alarm)) {
      warn(alarm.where,
           fmt::format("{}: the CloudWatch alarm that emails {} about failed messages is not "
                       "served yet; the dead-letter queue is",
                       alarm.path, *email));
    }
  }

  // The worker: a function's settings (added as "{id}Worker") or the key of one in functions.
  Entry worker = get(node, "worker", path);
  if (!worker.node) return;
  std::optional<size_t> workerIndex;
  // Lift takes the worker's own timeout, else the Framework's default of 6 s; provider.timeout
  // does not count, as it is applied after Lift reads the function.
  std::optional<int> writtenTimeout;
  auto ownTimeout = [&](Node& function, const std::string& functionPath) {
    if (function.kind != Node::Kind::Map) return;
    if (Entry timeout = get(function, "timeout", functionPath); timeout.node) {
      if (auto text = scalarToString(*timeout.node)) {
        char* end = nullptr;
        double value = std::strtod(text->c_str(), &end);
        if (end == text->c_str() + text->size()) writtenTimeout = static_cast<int>(value);
      }
    }
  };
  if (worker.node->kind == Node::Kind::Map) {
    workerIndex = constructFunction(project, provider, id + "Worker", worker);
    ownTimeout(*worker.node, worker.path);
  } else if (auto name = scalarToString(*worker.node)) {
    for (size_t i = 0; i < project.functions.size(); ++i) {
      if (project.functions[i].key == *name) workerIndex = i;
    }
    if (!workerIndex) {
      error(worker.where, worker.path,
            fmt::format("'{}' is not a function of this service (under functions:)", *name));
      return;
    }
    if (Entry functions = get(root_, "functions", ""); functions.node) {
      if (Entry function = get(*functions.node, *name, "functions"); function.node) {
        ownTimeout(*function.node, function.path);
      }
    }
  } else {
    error(worker.where, worker.path,
          fmt::format("must be a function's settings (handler, ...) or the name of a function, "
                      "got {}",
                      worker.node->kindName()));
    return;
  }
  if (!workerIndex) return;
  int visibilityTimeout = writtenTimeout.value_or(6) * 6 + batchingWindow;

  StackInfo stack{service_, stage_, project.region, options_.awsEndpointUrl};
  std::string dlqName = liftQueueName(stack, id, fifo, true);
  std::string queueName = liftQueueName(stack, id, fifo, false);
  std::string dlqArn = stack.queueArn(dlqName);

  QueueResource dlq{alphanumeric(id) + "Dlq", dlqName, {}, {}, construct.where, path};
  dlq.attributes["MessageRetentionPeriod"] = "1209600";  // 14 days, SQS's longest.
  QueueResource queue{alphanumeric(id) + "Queue", queueName, {}, {}, construct.where, path};
  queue.attributes["VisibilityTimeout"] = std::to_string(visibilityTimeout);
  queue.attributes["RedrivePolicy"] =
      fmt::format(R"({{"deadLetterTargetArn":"{}","maxReceiveCount":{}}})", dlqArn, maxRetries);
  if (delay) queue.attributes["DelaySeconds"] = std::to_string(*delay);
  if (fifo) {
    dlq.attributes["FifoQueue"] = "true";
    queue.attributes["FifoQueue"] = "true";
    // Lift turns content-based deduplication on for FIFO queues.
    queue.attributes["ContentBasedDeduplication"] = "true";
  }
  if (encryption == "kmsManaged") {
    // SQS's own key, as CDK's KMS_MANAGED encryption names it.
    dlq.attributes["KmsMasterKeyId"] = "alias/aws/sqs";
    queue.attributes["KmsMasterKeyId"] = "alias/aws/sqs";
  }
  // Lift's escape hatch: CloudFormation properties merged into the queues it creates (the one
  // its documentation shows turns a FIFO queue's content-based deduplication off).
  if (Entry extensions = get(node, "extensions", path); extensions.node) {
    Node& map = *extensions.node;
    if (map.kind != Node::Kind::Map) {
      error(extensions.where, extensions.path,
            fmt::format("must be a mapping (queue, dlq, alarm), got {}", map.kindName()));
    }
    for (size_t i = 0; map.kind == Node::Kind::Map && i < map.keys.size(); ++i) {
      Entry extension = get(map, map.keys[i], extensions.path);
      if (!extension.node) continue;
      if (map.keys[i] == "queue" || map.keys[i] == "dlq") {
        extendQueue(map.keys[i] == "queue" ? queue : dlq, extension);
      } else {
        warn(extension.where,
             fmt::format("{} is not applied and is ignored (a queue construct extends queue and "
                         "dlq; its alarm is not served)",
                         extension.path));
      }
    }
  }
  project.queues.push_back(std::move(dlq));
  project.queues.push_back(std::move(queue));

  FunctionConfig& function = project.functions[*workerIndex];
  SqsEvent event;
  event.arn = stack.queueArn(queueName);
  event.batchSize = batchSize;
  event.maximumBatchingWindow = batchingWindow;
  event.reportBatchItemFailures = true;
  event.maximumConcurrency = maxConcurrency;
  event.where = worker.where;
  function.sqsEvents.push_back(event);
  construct.functions.push_back(function.key);
}

void ModelBuilder::extendQueue(QueueResource& queue, const Entry& extension) {
  Node& map = *extension.node;
  if (map.kind != Node::Kind::Map) {
    error(extension.where, extension.path,
          fmt::format("must be a mapping with Properties, got {}", map.kindName()));
    return;
  }
  for (size_t i = 0; i < map.keys.size(); ++i) {
    if (map.keys[i] == "Properties") continue;
    warn(map.keyLocations[i], fmt::format("{} is not applied and is ignored (only Properties are)",
                                          childPath(extension.path, map.keys[i])));
  }
  Entry properties = get(map, "Properties", extension.path);
  if (!properties.node || properties.node->kind == Node::Kind::Null) return;
  Node& values = *properties.node;
  if (values.kind != Node::Kind::Map) {
    error(
        properties.where, properties.path,
        fmt::format("must be a mapping of AWS::SQS::Queue properties, got {}", values.kindName()));
    return;
  }
  if (!evaluateInPlace(values, properties.where, properties.path)) return;
  for (size_t i = 0; i < values.keys.size(); ++i) {
    const std::string& key = values.keys[i];
    const Node& value = values.children[i];
    const SourceLocation& where = values.keyLocations[i];
    std::string keyPath = childPath(properties.path, key);
    if (isQueueAttribute(key)) {
      auto text = scalarToString(value);
      queue.attributes[key] = text ? *text : toJsonText(value);
    } else if (key == "Tags" && value.kind == Node::Kind::Seq) {
      for (const auto& tag : value.children) {
        int name = tag.kind == Node::Kind::Map ? tag.indexOf("Key") : -1;
        int text = tag.kind == Node::Kind::Map ? tag.indexOf("Value") : -1;
        auto nameText = name < 0 ? std::nullopt : scalarToString(tag.children[name]);
        auto valueText = text < 0 ? std::nullopt : scalarToString(tag.children[text]);
        if (!nameText || !valueText) {
          error(where, keyPath, "must be a list of {Key, Value}");
          break;
        }
        queue.tags[*nameText] = *valueText;
      }
    } else if (key == "QueueName") {
      // The ${construct:} variables and the worker's event name Lift's queue name.
      warn(where, fmt::format("{} is not applied and is ignored: the queue keeps Lift's name {}",
                              keyPath, queue.name));
    } else {
      warn(where, fmt::format("{} is not supported yet and is ignored", keyPath));
    }
  }
  // SQS takes FifoQueue only to make a FIFO queue.
  if (auto fifo = queue.attributes.find("FifoQueue");
      fifo != queue.attributes.end() && fifo->second == "false") {
    queue.attributes.erase(fifo);
  }
}

// A `database/dynamodb-single-table` construct: a table with string keys PK and SK, billed per
// request, time to live on TimeToLive, a stream of new and old images, and optionally five local
// indexes (LSI-1..5 on LSI-n-SK) and gsiCount global ones (GSI-n on GSI-n-PK, GSI-n-SK).
void ModelBuilder::buildTableConstruct(ProjectConfig& project, Node& node,
                                       ConstructConfig& construct, const std::string& path) {
  bool localIndexes = false;
  if (Entry e = get(node, "localSecondaryIndexes", path); e.node) {
    localIndexes = booleanSetting(e).value_or(false);
  }
  int gsiCount = 0;
  if (Entry e = get(node, "gsiCount", path); e.node) {
    if (auto v = numberSetting(e, 1, 20, true)) gsiCount = static_cast<int>(*v);
  }
  StackInfo stack{service_, stage_, project.region, options_.awsEndpointUrl};
  std::string name = liftTableName(stack, construct.id);
  auto key = [](const std::string& attribute, const char* type) {
    return Json{{"AttributeName", attribute}, {"KeyType", type}};
  };
  Json attributes = Json::array();
  auto attribute = [&](const std::string& attributeName) {
    attributes.push_back({{"AttributeName", attributeName}, {"AttributeType", "S"}});
  };
  attribute("PK");
  attribute("SK");
  Json request;
  request["TableName"] = name;
  request["BillingMode"] = "PAY_PER_REQUEST";
  request["KeySchema"] = Json::array({key("PK", "HASH"), key("SK", "RANGE")});
  if (localIndexes) {
    Json indexes = Json::array();
    for (int n = 1; n <= 5; ++n) {
      std::string sortKey = fmt::format("LSI-{}-SK", n);
      attribute(sortKey);
      indexes.push_back({{"IndexName", fmt::format("LSI-{}", n)},
                         {"KeySchema", Json::array({key("PK", "HASH"), key(sortKey, "RANGE")})},
                         {"Projection", {{"ProjectionType", "ALL"}}}});
    }
    request["LocalSecondaryIndexes"] = indexes;
  }
  if (gsiCount > 0) {
    Json indexes = Json::array();
    for (int n = 1; n <= gsiCount; ++n) {
      std::string partitionKey = fmt::format("GSI-{}-PK", n);
      std::string sortKey = fmt::format("GSI-{}-SK", n);
      attribute(partitionKey);
      attribute(sortKey);
      indexes.push_back(
          {{"IndexName", fmt::format("GSI-{}", n)},
           {"KeySchema", Json::array({key(partitionKey, "HASH"), key(sortKey, "RANGE")})},
           {"Projection", {{"ProjectionType", "ALL"}}}});
    }
    request["GlobalSecondaryIndexes"] = indexes;
  }
  request["AttributeDefinitions"] = attributes;
  request["StreamSpecification"] = {{"StreamEnabled", true},
                                    {"StreamViewType", "NEW_AND_OLD_IMAGES"}};
  TableResource table;
  table.logicalId = cdkLogicalId(construct.id, "Table");
  table.name = name;
  table.createTableRequest = request.dump();
  table.ttlAttribute = "TimeToLive";
  table.ttlEnabled = true;
  table.where = construct.where;
  table.path = path;
  project.tables.push_back(std::move(table));
}

}  // namespace nimbus::config
