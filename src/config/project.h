// The serverless.yml model nimbus runs, and its loader: parses the file, resolves Serverless
// Framework v3 variables (${opt:}, ${env:}, ${self:}, ${file()}, ...), validates what nimbus uses
// and warns about what it does not use yet. docs/configuration.md is the user-facing reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace nimbus::config {

// Where a value came from. `file` is shown to people: relative to the service folder when the
// file lies inside it ("serverless.yml", "config/dev.yml"), else absolute. 1-based; 0 = unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// Throttle limits for a stage, as the serverless-api-gateway-throttling plugin names them
// (`custom.apiGatewayThrottling`); the Framework itself has no such setting.
struct ThrottleConfig {
  double maxRequestsPerSecond = 10000;   // Token refill rate (the plugin's default).
  int64_t maxConcurrentRequests = 5000;  // Bucket size, the burst (the plugin's default).
  SourceLocation where;
};

// An event's own `throttling:` (the same plugin): each limit left out is the stage's.
struct RouteThrottleConfig {
  std::optional<double> maxRequestsPerSecond;
  std::optional<int64_t> maxConcurrentRequests;
  bool disabled = false;  // `disabled: true`: the route is not throttled.
  SourceLocation where;
};

// API keys and usage plans of the REST API (`provider.apiGateway.apiKeys` and `usagePlan`,
// config/model_api_keys.cc), as the Serverless Framework v3 compiles them: one usage plan per
// entry of a `usagePlan` list, else one plan named "default"; every key is in one plan.
struct UsagePlanConfig {
  // `limit` requests per key per `period` (DAY, WEEK or MONTH, UTC), `offset` fewer in the
  // plan's first period.
  struct Quota {
    int64_t limit = 0;
    int64_t offset = 0;
    std::string period;
  };
  // A token bucket per key: `burstLimit` tokens, refilled at `rateLimit` a second.
  struct Throttle {
    int64_t burstLimit = 0;
    int64_t rateLimit = 0;
  };
  std::string name;  // The list entry's key, or "default" for the single-mapping form.
  std::optional<Quota> quota;
  std::optional<Throttle> throttle;  // Only when both limits are given.
  SourceLocation where;
  std::string path;  // provider.apiGateway.usagePlan[0].free
};

struct ApiKeyConfig {
  std::string name;
  // As written; none: nimbus generates one and keeps it in its store, so that it stays the same
  // across restarts.
  std::optional<std::string> value;
  std::string description;
  std::string customerId;
  bool enabled = true;
  std::string plan;  // The usage plan the key is in.
  SourceLocation where;
  std::string path;  // provider.apiGateway.apiKeys[1].free[0]
};

// An `http` event's `cors:` (REST), as written; `true` is the Framework's defaults.
struct RestCorsConfig {
  bool objectForm = false;
  std::optional<std::string> origin;
  std::vector<std::string> origins;
  std::optional<std::vector<std::string>> headers;
  std::vector<std::string> methods;
  bool allowCredentials = false;
  std::optional<int> maxAge;
  std::string cacheControl;
  SourceLocation where;
};

// `provider.httpApi.cors` as the Framework compiles it into the API's CorsConfiguration: `true`
// (or a mapping without allowedMethods) allows OPTIONS and the methods of the httpApi routes.
struct HttpApiCorsConfig {
  std::vector<std::string> allowedOrigins;
  std::vector<std::string> allowedHeaders;
  std::vector<std::string> allowedMethods;
  std::vector<std::string> exposedResponseHeaders;
  bool allowCredentials = false;
  std::optional<int> maxAge;
  SourceLocation where;
};

// One statement of `provider.apiGateway.resourcePolicy`, as written: single values become lists
// of one. `Principal: {AWS: X}` keeps X's values.
struct PolicyStatementConfig {
  bool allow = true;
  std::vector<std::string> principals;
  bool notPrincipal = false;
  std::vector<std::string> actions;
  bool notAction = false;
  std::vector<std::string> resources;
  bool notResource = false;
  struct Condition {
    std::string op;   // IpAddress, NotIpAddress, ...
    std::string key;  // aws:SourceIp
    std::vector<std::string> values;
    SourceLocation where;
    std::string path;  // provider.apiGateway.resourcePolicy[0].Condition.IpAddress.aws:SourceIp
  };
  std::vector<Condition> conditions;
  SourceLocation where;
  std::string path;  // provider.apiGateway.resourcePolicy[0]
};

// A Lambda authorizer: the `authorizer` of an `http` event (REST: TOKEN or REQUEST), or a
// `provider.httpApi.authorizers` entry of type request. API Gateway asks its function whether a
// caller may pass, and caches the answer by identity for resultTtlInSeconds.
struct LambdaAuthorizerConfig {
  std::string name;
  // The function that decides: `functionKey` (functions.KEY, resolved into `functionName` once
  // every function is read), or the function an ARN names, with the ARN's version or alias.
  std::string functionKey;
  std::string functionName;
  std::string qualifier;
  bool tokenType = true;  // REST TOKEN (the default) or REQUEST; HTTP API ones are REQUEST.
  // As written: "method.request.header.NAME", "method.request.querystring.NAME",
  // "stageVariables.NAME" (REST); "$request.header.NAME", "$request.querystring.NAME",
  // "$stageVariables.NAME" (HTTP API).
  std::vector<std::string> identitySources;
  int resultTtlSeconds = 300;
  std::string identityValidationExpression;  // REST TOKEN: a regular expression the token matches.
  bool payloadV2 = true;                     // HTTP API: payloadVersion '2.0' (else '1.0').
  bool enableSimpleResponses = false;        // HTTP API 2.0: {isAuthorized, context} answers.
  SourceLocation where;
  std::string path;
};

// `provider.httpApi.authorizers.NAME`. Of type jwt (the default type), API Gateway checks a JSON
// Web Token from `identitySource` against the keys of `issuerUrl` and its `audience`; of type
// request, `lambda` holds the Lambda authorizer.
struct HttpApiAuthorizerConfig {
  std::string name;
  std::optional<LambdaAuthorizerConfig> lambda;
  // "$request.header.Authorization" unless given; "$request.header.NAME" or
  // "$request.querystring.NAME".
  std::string identitySource = "$request.header.Authorization";
  std::string issuerUrl;
  std::vector<std::string> audience;
  SourceLocation where;
  std::string path;  // provider.httpApi.authorizers.NAME
};

// `authorizer:` of an httpApi event: `NAME` or `{ name, scopes }`.
struct RouteAuthorizerConfig {
  std::string name;
  std::vector<std::string> scopes;  // The token must carry one of them (none: any token).
  SourceLocation where;
  std::string path;
};

// An `http` event's `integration: lambda` (API Gateway's non-proxy type AWS), as the Serverless
// Framework v3 compiles it (config/model_integration.cc): its default request templates
// overlaid with `request.template`, `request.passThrough` (NEVER unless given), and one
// integration response per `response.statusCodes` entry (the Framework's defaults without one).
struct RestIntegrationConfig {
  std::vector<std::pair<std::string, std::string>> requestTemplates;  // Content type, VTL.
  std::string passThrough = "NEVER";  // NEVER, WHEN_NO_MATCH or WHEN_NO_TEMPLATES.
  struct StatusCode {
    std::string code;     // "200"
    std::string pattern;  // Matched against a function error's message; "" is the default.
    // Header name and mapping expression ("'text/html'", "integration.response.body.id").
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::pair<std::string, std::string>> templates;  // Content type, VTL.
  };
  std::vector<StatusCode> statusCodes;  // In the Framework's order (by status code).
  SourceLocation where;
  std::string path;  // functions.app.events[0].http
};

struct HttpEvent {
  // `httpApi:` events (API Gateway HTTP API, payload 2.0 or 1.0: see
  // FunctionConfig::httpApiPayloadV2) and `http:` events (REST API, payload 1.0).
  enum class Kind { HttpApi, Rest };
  Kind kind;
  std::string method;  // Upper-case verb, or "ANY".
  // "/items/{id}", "/{proxy+}", "/". For the httpApi catch-all `'*'` the path is "*" and
  // isDefaultRoute is true (API Gateway's `$default` route).
  std::string path;
  bool isDefaultRoute = false;
  std::optional<RestCorsConfig> cors;                      // `http` events only.
  std::optional<RouteThrottleConfig> throttling;           // Either kind.
  std::optional<RouteAuthorizerConfig> authorizer;         // `httpApi` events only.
  std::optional<LambdaAuthorizerConfig> lambdaAuthorizer;  // `http` events only.
  bool apiKeyRequired = false;                             // `private: true` (`http` events only).
  std::optional<RestIntegrationConfig> lambdaIntegration;  // `integration: lambda` (`http` only).
  SourceLocation where;
};

// `package:` at service or function level, read as the Serverless Framework reads it when it
// builds a function's zip (`serverless package`, `nimbus deploy`). Globs and paths are relative
// to the service folder.
struct PackageConfig {
  // Globs applied in order, later ones winning: "src/**" includes, "!test/**" excludes.
  std::vector<std::string> patterns;
  // The older form (v2, deprecated in v3): excludes go first, then includes re-add.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool individually = false;  // One zip per function, with that function's own globs.
  std::string artifact;       // A prebuilt zip to upload as it is, as written.
  SourceLocation artifactWhere;
  // Service level only: leave out node_modules packages that only devDependencies need
  // (the Framework's default, true).
  bool excludeDevDependencies = true;
  SourceLocation where;  // Of the `package` key; line 0 when there is none.
};

// An `sqs` event: the function consumes a queue through an event source mapping.
struct SqsEvent {
  std::string arn;  // arn:aws:sqs:{region}:{account}:{queue}
  int batchSize = 10;
  int maximumBatchingWindow = 0;         // Seconds.
  bool reportBatchItemFailures = false;  // functionResponseType: ReportBatchItemFailures
  bool enabled = true;
  std::optional<int> maximumConcurrency;
  SourceLocation where;
};

// A `stream` event: the function consumes a DynamoDB stream through an event source mapping,
// with the Serverless Framework v3's defaults (batches of 10 from TRIM_HORIZON) and Lambda's for
// the rest. `type: kinesis` streams are not served (a warning, and no event).
struct StreamEvent {
  std::string arn;  // arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}
  int batchSize = 10;
  std::string startingPosition = "TRIM_HORIZON";  // or LATEST
  bool enabled = true;
  int batchWindow = 0;                 // MaximumBatchingWindowInSeconds, 0-300.
  int maximumRetryAttempts = -1;       // -1 (until the record expires) or 0-10000.
  int maximumRecordAgeInSeconds = -1;  // -1 (no limit) or 60-604800.
  bool bisectBatchOnFunctionError = false;
  int parallelizationFactor = 1;            // 1-10.
  bool reportBatchItemFailures = false;     // functionResponseType: ReportBatchItemFailures
  std::vector<std::string> filterPatterns;  // Each pattern as JSON text.
  std::string onFailure;  // destinations.onFailure: an SQS queue or SNS topic ARN.
  SourceLocation where;
  std::string path;  // functions.worker.events[0].stream, for messages.
};

// An `sns` event: the function subscribes to a topic (protocol lambda). A topic given by name
// is created, as the Framework creates it; one given by ARN must exist.
struct SnsEvent {
  std::string topicArn;
  std::string topicName;
  bool createsTopic = false;  // Given by name: nimbus creates it (logical id SNSTopic{Name}).
  std::string displayName;
  std::string filterPolicy;       // JSON text; empty for none.
  std::string filterPolicyScope;  // "MessageAttributes" or "MessageBody"; empty: the default.
  SourceLocation where;
};

// An `s3` event: the function is notified of object events in a bucket. The bucket is created
// (logical id S3Bucket{Name}) unless `existing: true` says it exists already.
struct S3Event {
  std::string bucket;
  std::string event = "s3:ObjectCreated:*";
  std::string prefix;  // From `rules: [{prefix: ...}, {suffix: ...}]`.
  std::string suffix;
  bool existing = false;
  SourceLocation where;
};

// An `eventBridge` or `schedule` event: an EventBridge rule with the function as its one target,
// named as the Serverless Framework names it. A bus given by name (not `default`, not an ARN) is
// created, as the Framework creates it.
struct EventRuleConfig {
  std::string type;  // "eventBridge" or "schedule".
  std::string busName = "default";
  bool createsBus = false;
  std::string name;                // The rule's name.
  std::string targetId;            // The target's Id.
  std::string eventPattern;        // JSON text; empty when the rule is scheduled only.
  std::string scheduleExpression;  // "rate(1 minute)", "cron(...)"; empty for patterns only.
  bool enabled = true;
  std::string description;
  std::optional<std::string> input;             // JSON text.
  std::optional<std::string> inputPath;         // A JSON path.
  std::optional<std::string> inputTransformer;  // {"InputPathsMap":...,"InputTemplate":...}
  std::optional<int> maximumRetryAttempts;      // retryPolicy.maximumRetryAttempts (0-185).
  std::optional<int> maximumEventAge;           // retryPolicy.maximumEventAge (60-86400 s).
  std::string deadLetterArn;                    // deadLetterQueueArn: an SQS queue.
  SourceLocation where;
  std::string path;  // functions.app.events[2].eventBridge, for messages.
};

struct FunctionConfig {
  std::string key;          // Short name under `functions:` ("app").
  std::string name;         // Deployed name: `name:` if given, else "{service}-{stage}-{key}".
  std::string handler;      // "handler.handler", "src/api/index.main".
  std::string runtime;      // Function's runtime or provider.runtime, exactly as written.
  int memorySizeMb = 1024;  // Function, else provider, else 1024 (Serverless Framework default).
  int timeoutSeconds = 6;   // Function, else provider, else 6.
  // provider.environment merged with the function's environment (function wins), values as
  // strings: provider keys first in their order, then the function's new keys in theirs.
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<HttpEvent> httpEvents;
  // functions.KEY.httpApi.payload, when given: this function's HTTP API integration is '2.0'
  // (true) or '1.0' (false), over provider.httpApi.payload.
  std::optional<bool> httpApiPayloadV2;
  std::vector<SqsEvent> sqsEvents;
  std::vector<SnsEvent> snsEvents;
  std::vector<StreamEvent> streamEvents;
  std::vector<S3Event> s3Events;
  std::vector<EventRuleConfig> eventRules;  // `eventBridge` and `schedule` events, in file order.
  std::string description;
  // Asynchronous invocation settings (Lambda's EventInvokeConfig): retries (0-2) and event age
  // (60-21600 s) when set; destinations as written (a function key, a function name or an ARN).
  // `reservedConcurrency`: the function's reserved concurrency (0 throttles it entirely).
  std::optional<int> reservedConcurrency;
  // `provisionedConcurrency`: environments `nimbus serve` initializes ahead and keeps warm.
  std::optional<int> provisionedConcurrency;
  std::optional<int> maximumRetryAttempts;
  std::optional<int> maximumEventAgeSeconds;
  std::string onSuccess;
  std::string onFailure;
  std::string onError;    // Dead-letter target ARN (SQS queue or SNS topic), if any.
  PackageConfig package;  // The function's own `package:`.
  SourceLocation where;   // Location of the function's key.
};

// What `resources.Resources` and `sns` events ask nimbus to create, in the form the service's
// API takes it: attribute and tag values as strings, JSON-valued properties (RedrivePolicy,
// FilterPolicy) as JSON text.
struct QueueResource {
  std::string logicalId;
  std::string name;
  std::map<std::string, std::string> attributes;  // SQS attribute names (VisibilityTimeout, ...).
  std::map<std::string, std::string> tags;
  SourceLocation where;
  std::string path;  // "resources.Resources.Jobs", for messages.
};

struct TopicResource {
  std::string logicalId;
  std::string name;
  std::map<std::string, std::string> attributes;  // DisplayName, FifoTopic, ...
  std::map<std::string, std::string> tags;
  SourceLocation where;
  std::string path;
};

struct SubscriptionResource {
  std::string topicArn;
  std::string protocol;  // sqs, lambda, http, https
  std::string endpoint;  // Queue ARN, function ARN, URL.
  // FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy.
  std::map<std::string, std::string> attributes;
  SourceLocation where;
  std::string path;
};

// A DynamoDB table of `resources.Resources`: an AWS::DynamoDB::Table, or an
// AWS::DynamoDB::GlobalTable served as a table of the stack's region (its replica there gives the
// tags, table class and deletion protection; the other replicas are not served).
struct TableResource {
  std::string logicalId;
  std::string name;
  // The table as a DynamoDB CreateTable request body (JSON text), from the resource's Properties
  // with their CloudFormation functions evaluated: TableName, AttributeDefinitions, KeySchema,
  // BillingMode, ProvisionedThroughput, LocalSecondaryIndexes, GlobalSecondaryIndexes,
  // StreamSpecification ({StreamEnabled: true, StreamViewType}), TableClass,
  // DeletionProtectionEnabled and Tags, each only when the resource gives it.
  std::string createTableRequest;
  // TimeToLiveSpecification: set when the resource has one (its AttributeName, or "" when it
  // names none, which CloudFormation allows only to turn TTL off); none leaves TTL as it is.
  std::optional<std::string> ttlAttribute;
  bool ttlEnabled = false;
  SourceLocation where;
  std::string path;  // "resources.Resources.Users", for messages.
};

// An S3 bucket nimbus creates: an AWS::S3::Bucket of `resources.Resources` (with its
// NotificationConfiguration, CorsConfiguration and VersioningConfiguration, and the policy of an
// AWS::S3::BucketPolicy naming it), or the bucket of `s3` events.
struct BucketNotification {
  enum class Kind { Queue, Topic, Function };
  Kind kind = Kind::Function;
  std::string arn;
  std::string event;  // "s3:ObjectCreated:*", ...
  std::string prefix;
  std::string suffix;
};

struct BucketCorsRule {
  std::string id;
  std::vector<std::string> allowedOrigins, allowedMethods, allowedHeaders, exposedHeaders;
  std::optional<int> maxAge;
};

struct BucketResource {
  std::string logicalId;
  std::string name;
  bool existing = false;  // Of an `s3` event with `existing: true`: not created by nimbus.
  std::vector<BucketNotification> notifications;
  std::optional<std::vector<BucketCorsRule>> cors;
  std::string versioning;    // "Enabled", "Suspended" or "" (unversioned).
  std::string policy;        // JSON text of an AWS::S3::BucketPolicy's PolicyDocument.
  bool eventBridge = false;  // NotificationConfiguration.EventBridgeConfiguration enabled.
  SourceLocation where;
  std::string path;
};

// How the project's code is built before it runs, as its build plugin builds it for
// `serverless deploy` (config/model_build.cc). nimbus runs the plugin's own tool from the
// project's node_modules (src/build) and serves the functions from what it builds.
struct BuildConfig {
  enum class Tool {
    None,
    Esbuild,     // serverless-esbuild, with custom.esbuild.
    Webpack,     // serverless-webpack: the project's webpack.config.js (custom.webpack).
    Typescript,  // serverless-plugin-typescript: the project's tsconfig.json.
  };
  Tool tool = Tool::None;
  std::string plugin;        // The plugin's name as listed ("serverless-esbuild").
  std::string settingsJson;  // The plugin's `custom` section as JSON text ("{}" when absent).
  SourceLocation where;      // Of the plugin's entry in `plugins`.
};

// Python packaging plugins: serverless-wsgi (a Flask or Django app behind the `wsgi_handler`
// adapter) and serverless-python-requirements (requirements.txt installed into the package).
struct PythonPackagingConfig {
  std::string wsgiApp;  // custom.wsgi.app ("app.app"); empty without serverless-wsgi.
  SourceLocation wsgiWhere;
  bool requirements = false;  // serverless-python-requirements is listed.
  // custom.pythonRequirements.fileName, relative to the service folder.
  std::string requirementsFile = "requirements.txt";
  SourceLocation requirementsWhere;
};

// A serverless-lift construct (`constructs.ID`, config/model_constructs.cc): what nimbus made
// of it. A `queue` (its queues and worker, in `queues` and `functions`) and a
// `database/dynamodb-single-table` (in `tables`) are served; the other types are read and
// validated, and their AWS resources are not served yet (`notServed` says which).
struct ConstructConfig {
  std::string id;    // "jobs"
  std::string type;  // "queue", "storage", "webhook", ...
  bool served = false;
  std::string notServed;  // What is missing when not served, for warnings and `nimbus doctor`.
  // `${construct:ID.NAME}` values, in Lift's order (queueUrl, queueArn, ...).
  std::vector<std::pair<std::string, std::string>> variables;
  std::vector<std::string> functions;  // Keys of the functions it adds ("jobsWorker").
  SourceLocation where;
};

struct ProjectConfig {
  std::filesystem::path configFile;  // Absolute.
  std::filesystem::path serviceDir;  // Folder of serverless.yml (absolute).
  // stage: --stage, else provider.stage, else "dev"; region: --region, else provider.region,
  // else "us-east-1".
  std::string service, stage, region;
  std::vector<FunctionConfig> functions;
  // Tables, queues, topics and subscriptions nimbus creates: `resources.Resources` and the
  // topics and subscriptions of `sns` events.
  std::vector<TableResource> tables;
  std::vector<QueueResource> queues;
  std::vector<TopicResource> topics;
  std::vector<SubscriptionResource> subscriptions;
  std::vector<BucketResource> buckets;
  PackageConfig package;         // The service's `package:`.
  BuildConfig build;             // The build plugin's, if any.
  PythonPackagingConfig python;  // serverless-wsgi and serverless-python-requirements.
  // API Gateway protections: stage throttling for both APIs, the HTTP API's CORS, the REST
  // API's resource policy.
  std::optional<ThrottleConfig> throttle;
  std::optional<HttpApiCorsConfig> httpApiCors;
  std::vector<PolicyStatementConfig> resourcePolicy;
  // provider.httpApi.payload: the payload format version of the httpApi routes' Lambda
  // integrations, '2.0' unless set to '1.0' (the Framework compiles it into each integration's
  // PayloadFormatVersion; a function's own httpApi.payload wins). 1.0 routes get the REST-like
  // event and 1.0 answer rules.
  bool httpApiPayloadV2 = true;
  std::vector<HttpApiAuthorizerConfig> httpApiAuthorizers;  // In file order.
  std::vector<UsagePlanConfig> usagePlans;                  // In file order.
  std::vector<ApiKeyConfig> apiKeys;                        // In file order.
  std::vector<ConstructConfig> constructs;                  // serverless-lift's, in file order.
  // The REST API's binary media types ("image/png", "image/*", "*/*"):
  // provider.apiGateway.binaryMediaTypes and the serverless-apigw-binary plugin's
  // custom.apigwBinary.types, in file order without repeats.
  std::vector<std::string> binaryMediaTypes;
  bool useDotenv = false;  // The Framework then also leaves `.env*` files out of packages.
  // provider.versionFunctions (default true, as the Framework's): `nimbus deploy` publishes a
  // version of each function whose code or configuration changed.
  bool versionFunctions = true;
  // Human-readable: ignored plugins (one warning naming all of them), unsupported keys and
  // settings (each named with file:line and key path). Nothing is dropped silently.
  std::vector<std::string> warnings;
  // Every file the configuration was read from (serverless.yml, ${file()} targets, .env files
  // that were loaded), so that a hot reload can watch them.
  std::vector<std::filesystem::path> sourceFiles;
};

struct ConfigError {
  SourceLocation where;
  std::string key;  // Dotted path, e.g. "functions.app.runtime"; list items as "events[0]".
  std::string message;
  // "serverless.yml:12:5: functions.app.runtime: unknown runtime 'nodejs99.x' ..."
  std::string format() const;
};

struct LoadOptions {
  std::filesystem::path configFile;  // Path to serverless.yml (or .yaml).
  // From the CLI (--stage/--region); these are also ${opt:stage}/${opt:region}.
  std::optional<std::string> stage, region;
  std::map<std::string, std::string> cliOptions;  // Any other ${opt:NAME} values.
  // The AWS endpoint's URL, which queue URLs (`Ref` of an AWS::SQS::Queue) start with.
  std::string awsEndpointUrl = "http://localhost:4566";
  // Defaults to ::getenv when empty; tests inject.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// Loads, resolves variables, validates. Collects all the errors it can find, not just the first.
// Pure: no global state, can be called again for a hot reload.
std::variant<ProjectConfig, std::vector<ConfigError>> loadProject(const LoadOptions& options);

// Lambda runtime names nimbus runs: every name AWS Lambda has had for Node.js (nodejs,
// nodejs4.3, nodejs6.10, nodejs8.10, nodejs10.x ... nodejs24.x), Python (python2.7,
// python3.6 ... python3.14), provided, provided.al2, provided.al2023.
bool isSupportedRuntime(std::string_view runtime);

}  // namespace nimbus::config
