// Turns the configuration tree into the ProjectConfig nimbus runs: reads (and so resolves) the
// keys nimbus uses, validates them, and warns about every key it does not use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/document.h"
#include "config/intrinsics.h"
#include "config/project.h"
#include "config/resolver.h"

namespace nimbus::config {

class ModelBuilder {
 public:
  ModelBuilder(Node& root, Resolver& resolver, const LoadOptions& options,
               std::vector<ConfigError>& errors, std::vector<std::string>& warnings);
  ~ModelBuilder();

  // Fills in all it can; problems go to `errors` and `warnings`.
  void build(ProjectConfig& project);

 private:
  // A key of a mapping, its value resolved (shallowly), and an intrinsic function there
  // (`!GetAtt Jobs.Arn`) replaced by its result. `node` is null when the key is absent or its
  // value failed to resolve (`failed`, the error already recorded).
  struct Entry {
    Node* node = nullptr;
    SourceLocation where;  // Of the key.
    std::string path;
    bool failed = false;
  };
  struct Settings {  // What provider and function both may set.
    std::optional<std::string> runtime;
    bool runtimeGiven = false;  // Written, even if invalid (then already reported).
    std::optional<int> memorySizeMb;
    std::optional<int> timeoutSeconds;
    std::vector<std::pair<std::string, std::string>> environment;
    std::optional<bool> versionFunctions;  // provider only.
  };
  struct Route {
    HttpEvent::Kind kind;
    std::string method, path, function;
    SourceLocation where;
    std::string keyPath;  // functions.app.events[0].httpApi
  };

  Entry get(Node& map, const std::string& key, const std::string& mapPath);

  std::string buildService();
  void buildProvider(Settings& provider);
  void buildPlugins(ProjectConfig& project);
  // Build and packaging plugins nimbus runs itself (model_build.cc): reads the plugin's settings
  // into `project` and answers true, or false for a plugin nimbus does not run.
  bool buildPlugin(ProjectConfig& project, const std::string& name, const SourceLocation& where,
                   const std::string& path);
  void checkTopLevelKeys();
  void buildFunctions(ProjectConfig& project, const Settings& provider);
  void buildFunction(ProjectConfig& project, const Settings& provider, const std::string& key,
                     Node& node, const SourceLocation& keyWhere, const std::string& path);
  void buildEvents(FunctionConfig& function, const Entry& events);
  std::optional<HttpEvent> httpApiEvent(Node& value, const SourceLocation& where,
                                        const std::string& path);
  std::optional<HttpEvent> restEvent(Node& value, const SourceLocation& where,
                                     const std::string& path);
  std::optional<SqsEvent> sqsEvent(Node& value, const SourceLocation& where,
                                   const std::string& path);
  std::optional<SnsEvent> snsEvent(Node& value, const SourceLocation& where,
                                   const std::string& path);
  // `stream` events (model_streams.cc).
  std::optional<StreamEvent> streamEvent(Node& value, const SourceLocation& where,
                                         const std::string& path);
  std::optional<std::string> streamFailureDestination(const Entry& destinations);
  void checkRoutes();
  // `eventBridge` and `schedule` events (model_events.cc).
  void eventBridgeEvent(FunctionConfig& function, Node& value, const SourceLocation& where,
                        const std::string& path, size_t index);
  void scheduleEvents(FunctionConfig& function, Node& value, const SourceLocation& where,
                      const std::string& path, int& scheduleNumber);
  // A rule target's input, inputPath and inputTransformer (at most one); false when reported.
  bool ruleTargetInput(const Node& map, const std::string& path, EventRuleConfig& rule);
  // A rule's `name`: 1-64 of [.-_A-Za-z0-9]; false when reported.
  bool ruleName(const Entry& entry, std::string& name);

  // API Gateway settings (model_gateway.cc): provider.apiGateway.resourcePolicy,
  // provider.httpApi.cors, custom.apiGatewayThrottling, and the `cors` and `throttling` of
  // events.
  void buildGatewaySettings(ProjectConfig& project);
  void buildResourcePolicy(ProjectConfig& project, const Entry& entry);
  void buildHttpApiCors(ProjectConfig& project, const Entry& entry);
  // provider.httpApi.payload or functions.KEY.httpApi.payload: true for '2.0', false for '1.0',
  // nullopt when absent or wrong (an error is recorded).
  std::optional<bool> httpApiPayloadV2(const Entry& entry);
  void buildStageThrottle(ProjectConfig& project);
  // provider.apiGateway.binaryMediaTypes, and custom.apigwBinary.types (serverless-apigw-binary).
  void buildBinaryMediaTypes(ProjectConfig& project, const Entry& entry);
  void buildApigwBinaryPlugin(ProjectConfig& project);
  std::optional<RestCorsConfig> restCors(const Entry& entry);
  std::optional<RouteThrottleConfig> routeThrottle(const Entry& entry);
  // Authorizers (model_authorizers.cc): provider.httpApi.authorizers and the `authorizer` of
  // httpApi events (checked against them), and the Lambda authorizers of http events.
  void buildHttpApiAuthorizers(ProjectConfig& project, const Entry& entry);
  std::optional<LambdaAuthorizerConfig> httpApiLambdaAuthorizer(const Entry& item);
  std::optional<RouteAuthorizerConfig> routeAuthorizer(const Entry& entry);
  // provider.apiGateway.apiKeys, usagePlan and apiKeySourceType, and `private` on events
  // (model_api_keys.cc).
  void buildApiKeys(ProjectConfig& project, Node& provider, Node* apiGateway);
  // `provider.apiGateway.KEY` (`apiGateway` may be null), else the v2 place `provider.KEY`
  // (apiKeys, usagePlan, resourcePolicy), with a warning.
  Entry apiGatewaySetting(Node& provider, Node* apiGateway, const std::string& key);
  void checkPrivateRoutes(const ProjectConfig& project);
  bool privateRoute(const Entry& entry, HttpEvent::Kind kind);
  std::optional<UsagePlanConfig> usagePlan(const Entry& entry, const std::string& name);
  std::optional<ApiKeyConfig> apiKey(Node& item, const SourceLocation& where,
                                     const std::string& path, const std::string& plan);
  std::optional<LambdaAuthorizerConfig> restAuthorizer(const Entry& entry);
  // `integration`, `request` and `response` of an http event (model_integration.cc): the
  // non-proxy Lambda integration, or nothing for the proxy one.
  std::optional<RestIntegrationConfig> restIntegration(Node& event, const SourceLocation& where,
                                                       const std::string& path,
                                                       const std::optional<RestCorsConfig>& cors);
  std::optional<std::vector<std::pair<std::string, std::string>>> templateMap(const Entry& entry,
                                                                              bool allowNull);
  bool authorizerFunctionArn(const Entry& entry, const std::string& arn,
                             LambdaAuthorizerConfig& authorizer);
  bool authorizerIdentitySources(const Entry& entry, bool rest, LambdaAuthorizerConfig& authorizer);
  // Once every function is read: authorizer functions named by key, and the names routes use.
  void checkRouteAuthorizers(ProjectConfig& project);
  // A number from `min` to `max` (a whole one when `whole`), or nullopt (reported).
  std::optional<double> numberSetting(const Entry& entry, double min, double max, bool whole);
  // A string or a list of strings, as IAM policies take them.
  std::optional<std::vector<std::string>> policyValues(const Entry& entry);
  void buildPackage(const Entry& entry, PackageConfig& package, bool serviceLevel);

  // resources.Resources and the topics and subscriptions of `sns` events (model_resources.cc,
  // model_tables.cc).
  struct ResourceEntry {
    std::string logicalId;
    Node* node = nullptr;  // The resource's mapping (Type, Properties, ...).
    SourceLocation where;
    std::string path;
  };
  // The template scope, made when first needed: it knows the resources, the functions and the
  // topics of `sns` events by logical id.
  TemplateScope& scope();
  void collectResources();
  void registerFunctionsAndTopics(TemplateScope& scope);
  void buildResources(ProjectConfig& project);
  // The physical name of a queue or topic of `resources`, or nullopt (reported).
  std::optional<std::string> resourceName(const ResourceEntry& resource);
  void buildQueue(ProjectConfig& project, const ResourceEntry& resource, const Node& properties);
  void buildTopic(ProjectConfig& project, const ResourceEntry& resource, const Node& properties);
  void buildSubscription(ProjectConfig& project, const ResourceEntry& resource,
                         const Node& properties);
  // An AWS::DynamoDB::Table, or an AWS::DynamoDB::GlobalTable when `global` (model_tables.cc).
  void buildTable(ProjectConfig& project, const ResourceEntry& resource, const Node& properties,
                  bool global);
  void buildSnsEventResources(ProjectConfig& project);
  // S3 (model_s3.cc): `s3` events, AWS::S3::Bucket and AWS::S3::BucketPolicy resources, and the
  // buckets the events create or configure.
  std::optional<S3Event> s3Event(Node& value, const SourceLocation& where, const std::string& path);
  void buildBucket(ProjectConfig& project, const ResourceEntry& resource, const Node& properties);
  void buildBucketPolicy(ProjectConfig& project, const ResourceEntry& resource,
                         const Node& properties);
  void buildS3EventResources(ProjectConfig& project);
  // A bucket's CORS rules, with CloudFormation's keys or Lift's (allowedOrigins, ...); rules
  // without origins or methods are reported against `where` and `path` and left out.
  std::vector<BucketCorsRule> corsRules(const Node& rules, const SourceLocation& where,
                                        const std::string& path);
  struct PendingBucketPolicy {
    std::string bucket;
    std::string policy;
    SourceLocation where;
    std::string path;
  };
  std::vector<PendingBucketPolicy> pendingBucketPolicies_;
  // Evaluates the intrinsic functions in `node` (after resolving its variables); false (the
  // error recorded against `where` and `path`) when they cannot be.
  bool evaluateInPlace(Node& node, const SourceLocation& where, const std::string& path);

  // serverless-lift's `constructs:` (model_constructs.cc), read once `functions` are: a queue
  // construct's queue, dead-letter queue and worker (with its sqs event), a single-table
  // database's table; the other types validated and warned about.
  void buildConstructs(ProjectConfig& project, const Settings& provider);
  void buildQueueConstruct(ProjectConfig& project, const Settings& provider, Node& node,
                           ConstructConfig& construct, const std::string& path);
  void buildStorageConstruct(ProjectConfig& project, Node& node, ConstructConfig& construct,
                             const std::string& path);
  void buildTableConstruct(ProjectConfig& project, Node& node, ConstructConfig& construct,
                           const std::string& path);
  // A function a construct defines inline (a queue's worker, a webhook's authorizer), built as
  // functions.KEY would be; its index in project.functions, or nullopt (reported).
  std::optional<size_t> constructFunction(ProjectConfig& project, const Settings& provider,
                                          const std::string& key, const Entry& entry);
  // A queue construct's `extensions.queue` and `extensions.dlq`: their Properties as attributes.
  void extendQueue(QueueResource& queue, const Entry& extension);
  // Whether an AWS::SQS::Queue property is the SQS attribute of that name (model_resources.cc).
  static bool isQueueAttribute(std::string_view property);

  std::optional<std::string> stringSetting(const Entry& entry);
  std::optional<int> integerSetting(const Entry& entry, int min, int max, const char* unit);
  std::optional<bool> booleanSetting(const Entry& entry);
  // A list of strings; a single string counts as a list of one, as the Framework's schema
  // validation coerces it.
  std::optional<std::vector<std::string>> stringListSetting(const Entry& entry);
  std::optional<std::string> runtimeSetting(const Entry& entry);
  std::optional<std::vector<std::pair<std::string, std::string>>> environmentSetting(
      const Entry& entry);
  void warnUnsupportedKeys(const Node& map, const std::string& mapPath,
                           std::initializer_list<std::string_view> used);

  void error(const SourceLocation& where, const std::string& path, std::string message);
  void warn(const SourceLocation& where, const std::string& text);
  // An intrinsic function that could not be evaluated, at its own place if it has one.
  void report(const IntrinsicProblem& problem, const SourceLocation& fallback,
              const std::string& path);

  Node& root_;
  Resolver& resolver_;
  const LoadOptions& options_;
  std::vector<ConfigError>& errors_;
  std::vector<std::string>& warnings_;
  SourceLocation top_;  // serverless.yml:1:1, for what is missing at the top level.
  std::string service_, stage_;
  std::vector<Route> routes_;
  std::unique_ptr<TemplateScope> scope_;
  std::vector<ResourceEntry> resources_;
};

}  // namespace nimbus::config
