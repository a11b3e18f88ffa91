#include "server/server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include "aws/cloudwatch/cloudwatch_service.h"
#include "aws/dynamodb/dynamodb_service.h"
#include "aws/events/events_service.h"
#include "aws/lambda/lambda_api.h"
#include "aws/logs/logs_service.h"
#include "aws/request_identity.h"
#include "aws/s3/s3_service.h"
#include "aws/scheduler/schedule_runner.h"
#include "aws/scheduler/scheduler_service.h"
#include "aws/sns/sns_service.h"
#include "aws/sqs/sqs_api.h"
#include "aws/sqs/sqs_service.h"
#include "aws/xray/xray_service.h"
#include "build/project_build.h"
#include "config/project.h"
#include "core/time_format.h"
#include "http/server.h"
#include "lambda/async_invoker.h"
#include "lambda/code_store.h"
#include "lambda/event_source_mappings.h"
#include "lambda/function_registry.h"
#include "lambda/function_spec.h"
#include "lambda/invoker.h"
#include "lambda/runtime_catalog.h"
#include "observe/dashboard.h"
#include "observe/live_events.h"
#include "observe/log_store.h"
#include "observe/otlp_exporter.h"
#include "observe/trace_recorder.h"
#include "server/aws_metrics.h"
#include "server/deployment.h"
#include "server/gateway_frontend.h"
#include "server/live_feed.h"
#include "server/metrics_page.h"
#include "server/nimbus_info.h"
#include "server/project_resources.h"
#include "server/service_bridges.h"
#include "server/source_watcher.h"
#include "server/usage_plans.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::server {

namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

// Runs the project's build plugins and prints what the tools said. Nullopt when a reload's build
// failed (the previous deployment keeps serving); at start a failed build is served with its
// error.
std::optional<build::BuildOutput> runBuild(const config::ProjectConfig& project, uint64_t revision,
                                           build::ProjectBuilder& builder, bool initial) {
  build::BuildOutput built = builder.build(project, revision);
  if (built.reused) return built;  // Reported when it was made.
  FILE* stream = built.ok ? stdout : stderr;
  if (!built.log.empty()) {
    std::fputs(built.log.c_str(), stream);
    if (built.log.back() != '\n') std::fputc('\n', stream);
  }
  if (!built.summary.empty()) fmt::print("{}\n", built.summary);
  if (!built.ok) {
    fmt::print(stderr, "error: the build of {} failed{}\n", project.configFile.filename().string(),
               initial ? "; its functions answer with this error until an edit fixes it" : "");
  }
  std::fflush(stdout);
  std::fflush(stderr);
  if (!built.ok && !initial) return std::nullopt;
  return built;
}

// Loads and validates the project and runs its build. Prints every error (file:line: key:
// message) and returns nullptr when the configuration cannot be served or a reload's build
// failed.
std::shared_ptr<const Deployment> load(const ServeOptions& options, uint64_t revision,
                                       const std::string& awsEndpointUrl,
                                       build::ProjectBuilder& builder, bool initial) {
  std::error_code ec;
  if (!options.configRequired && !fs::exists(options.configFile, ec)) {
    // No project here: serve the AWS endpoint alone, named after this folder.
    config::ProjectConfig none;
    none.serviceDir = fs::absolute(fs::current_path());
    none.configFile = none.serviceDir / options.configFile;
    none.region = options.region.value_or("us-east-1");
    none.stage = options.stage.value_or("dev");
    return buildDeployment(std::move(none), revision);
  }
  config::LoadOptions load;
  load.configFile = options.configFile;
  load.stage = options.stage;
  load.region = options.region;
  load.awsEndpointUrl = awsEndpointUrl;
  auto result = config::loadProject(load);
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    for (const auto& e : *errors) fmt::print(stderr, "error: {}\n", e.format());
    return nullptr;
  }
  auto& project = std::get<config::ProjectConfig>(result);
  std::optional<build::BuildOutput> built;
  if (build::hasBuildSteps(project)) {
    built = runBuild(project, revision, builder, initial);
    if (!built) return nullptr;
  }
  auto deployment = buildDeployment(std::move(project), revision, built ? &*built : nullptr);
  if (!deployment->routeErrors.empty()) {
    for (const auto& e : deployment->routeErrors) fmt::print(stderr, "error: {}\n", e);
    return nullptr;
  }
  return deployment;
}

// Interpreter versions are learned by starting the interpreters, which takes tens of
// milliseconds each: worth a warning, never worth delaying the first request.
void printRuntimeWarnings(const Deployment& d, const lambda::LambdaService& lambda) {
  std::set<std::string> runtimes;
  for (const auto& f : d.functions) runtimes.insert(f.runtime);
  for (const auto& r : runtimes) {
    if (auto w = lambda.runtimeWarning(r); !w.empty()) fmt::print(stderr, "warning: {}\n", w);
  }
  std::fflush(stderr);
}

void printDeployment(const Deployment& d, const ServeOptions& options, uint16_t port) {
  const auto& p = d.project;
  if (p.service.empty()) {
    fmt::print(
        "no {} in {}: serving the AWS endpoint only; create functions with `nimbus deploy` or "
        "the Lambda API\n",
        options.configFile.string(), p.serviceDir.string());
    std::fflush(stdout);
    return;
  }
  for (const auto& w : p.warnings) fmt::print(stderr, "warning: {}\n", w);
  fmt::print("service {} (stage {}, region {}): {} function{}\n", p.service, p.stage, p.region,
             d.functions.size(), d.functions.size() == 1 ? "" : "s");
  for (const auto& f : p.functions) {
    fmt::print("  {}  {}  {} MB  {} s  {}\n", f.key, f.runtime, f.memorySizeMb, f.timeoutSeconds,
               f.name);
    for (const auto& e : f.httpEvents) {
      bool rest = e.kind == config::HttpEvent::Kind::Rest;
      std::string path = e.isDefaultRoute ? "/*" : (rest ? "/" + p.stage + e.path : e.path);
      fmt::print("    {:<6} http://{}:{}{}{}\n", e.isDefaultRoute ? "ANY" : e.method, options.host,
                 port, path, rest ? "  (REST API)" : "");
    }
    for (const auto& e : f.sqsEvents) {
      fmt::print("    sqs    {}  (batch {}{})\n", e.arn, e.batchSize,
                 e.enabled ? "" : ", disabled");
    }
    for (const auto& e : f.streamEvents) {
      fmt::print("    stream {}  (batch {}, {}{})\n", e.arn, e.batchSize, e.startingPosition,
                 e.enabled ? "" : ", disabled");
    }
    for (const auto& e : f.snsEvents) {
      fmt::print("    sns    {}{}\n", e.topicArn, e.filterPolicy.empty() ? "" : "  (filtered)");
    }
    for (const auto& e : f.s3Events) {
      std::string filter = e.prefix.empty() && e.suffix.empty()
                               ? ""
                               : fmt::format("  (prefix '{}', suffix '{}')", e.prefix, e.suffix);
      fmt::print("    s3     {}  {}{}\n", e.bucket, e.event, filter);
    }
    for (const auto& e : f.eventRules) {
      fmt::print("    {:<6} rule {} on {}{}{}\n", e.type == "schedule" ? "cron" : "events", e.name,
                 e.busName, e.scheduleExpression.empty() ? "" : "  " + e.scheduleExpression,
                 e.enabled ? "" : "  (disabled)");
    }
  }
  auto names = [](const auto& items) {
    std::string list;
    for (const auto& item : items) list += (list.empty() ? "" : ", ") + item.name;
    return list;
  };
  if (!p.tables.empty()) fmt::print("  tables: {}\n", names(p.tables));
  if (!p.queues.empty()) fmt::print("  queues: {}\n", names(p.queues));
  if (!p.topics.empty()) fmt::print("  topics: {}\n", names(p.topics));
  if (!p.buckets.empty()) fmt::print("  buckets: {}\n", names(p.buckets));
  std::fflush(stdout);
}

// Services not yet offered answer with an AWS-shaped error so that SDKs in handlers fail
// clearly rather than hang.
void answerUnavailable(const aws::RequestIdentity& identity, http::Responder responder) {
  std::string service =
      identity.service.empty() ? "this AWS API" : "the " + identity.service + " API";
  responder.send(HttpResponse{
      501,
      {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-ErrorType", "NotImplemented"}},
      fmt::format(
          R"({{"__type":"NotImplemented","message":"{} is not available in this version of nimbus"}})",
          service)});
}

std::string awsEndpointUrl(const ServeOptions& options, uint16_t port) {
  return fmt::format("http://{}:{}", options.host == "0.0.0.0" ? "127.0.0.1" : options.host, port);
}

}  // namespace

int serve(const ServeOptions& options) {
  uint64_t revision = 0;
  std::string endpointUrl = awsEndpointUrl(options, options.awsPort);
  build::ProjectBuilder builder(lambda::locateRuntimesDir());
  auto deployment = load(options, revision, endpointUrl, builder, true);
  if (!deployment) return 2;

  fs::path dataDir =
      options.dataDir.empty() ? deployment->project.serviceDir / ".nimbus" : options.dataDir;
  std::error_code ec;
  fs::create_directories(dataDir, ec);
  if (ec) {
    fmt::print(stderr, "error: cannot create data dir {}: {}\n", dataDir.string(), ec.message());
    return 1;
  }
  // Where the AWS endpoint spools S3 request bodies; files there at start belong to requests a
  // crash or stop interrupted.
  fs::path spoolDir = dataDir / "s3" / "incoming";
  fs::remove_all(spoolDir, ec);
  if (!ec) fs::create_directories(spoolDir, ec);
  if (ec) {
    fmt::print(stderr, "error: cannot prepare {}: {}\n", spoolDir.string(), ec.message());
    return 1;
  }

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  // Installed before anything is started, so that a SIGTERM arriving during start-up is queued
  // for the orderly stop below instead of killing the process with its environments orphaned.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  observe::LogStore logs(dataDir, stdout);
  if (!logs.error().empty()) {
    fmt::print(stderr, "warning: cannot open the log store in {}: {}; logs are only printed\n",
               dataDir.string(), logs.error());
  }

  lambda::LambdaOptions lambdaOptions;
  lambdaOptions.runtimesDir = lambda::locateRuntimesDir();
  lambdaOptions.awsEndpointUrl = fmt::format(
      "http://{}:{}", options.host == "0.0.0.0" ? "127.0.0.1" : options.host, options.awsPort);
  lambdaOptions.accountConcurrencyLimit = options.concurrencyLimit;
  lambdaOptions.idleTimeout = options.idleTimeout;
  lambdaOptions.maxRequestBytes = options.maxSyncPayloadBytes;
  lambdaOptions.maxResponseBytes = options.maxSyncPayloadBytes;
  lambda::LambdaService lambda(io, logs, lambdaOptions);
  // Recent traces in memory, exported over OTLP when the OpenTelemetry variables ask for it.
  std::string otlpWarning;
  auto otlp = observe::OtlpConfig::fromEnvironment(
      [](const char* name) { return std::getenv(name); }, otlpWarning);
  if (!otlpWarning.empty()) fmt::print(stderr, "warning: {}\n", otlpWarning);
  std::unique_ptr<observe::SpanExporter> exporter;
  if (otlp) {
    fmt::print("exporting traces to {} ({})\n", otlp->endpoint,
               otlp->protocol == observe::OtlpProtocol::kJson ? "http/json" : "http/protobuf");
    exporter = std::make_unique<observe::OtlpExporter>(std::move(*otlp));
  }
  observe::TraceRecorder traces({}, std::move(exporter));
  lambda.setTraceRecorder(&traces);

  std::string storeError;
  auto store = store::openSqliteStore(dataDir / "nimbus.db", storeError);
  if (!store) {
    fmt::print(stderr, "error: cannot open the store in {}: {}\n", dataDir.string(), storeError);
    lambda.stop();
    return 1;
  }
  lambda::AsyncOptions asyncOptions;
  asyncOptions.retryBaseDelay = options.asyncRetryDelay;
  asyncOptions.maxPayloadBytes = options.maxAsyncPayloadBytes;
  // Functions created through the Lambda API, kept across restarts, and their code.
  lambda::CodeStore code(dataDir / "code");
  lambda::FunctionRegistry registry(io, lambda, *store, code);
  for (const auto& w : registry.load()) fmt::print(stderr, "warning: {}\n", w);
  lambda::AsyncInvoker async(io, lambda, registry, *store, asyncOptions);
  // SQS queues and their messages, kept across restarts.
  aws::sqs::SqsService sqs(io, *store, {deployment->project.region, "000000000000"});
  for (const auto& w : sqs.load()) fmt::print(stderr, "warning: {}\n", w);
  aws::sqs::SqsApi sqsApi(sqs, fmt::format("127.0.0.1:{}", options.awsPort));
  // SQS event source mappings poll nimbus's own queues.
  SqsQueueSource queueSource(sqs);
  lambda::EventSourceMappings mappings(io, lambda, *store, &queueSource,
                                       deployment->project.region);
  for (const auto& w : mappings.load()) fmt::print(stderr, "warning: {}\n", w);
  SnsTargets snsTargets(sqs, async);
  aws::sns::SnsSettings snsSettings;
  snsSettings.region = deployment->project.region;
  aws::sns::SnsService sns(*store, snsTargets, snsSettings);
  for (const auto& w : sns.load()) fmt::print(stderr, "warning: {}\n", w);
  async.setDestinationSender(destinationSender(sqs, sns));
  // EventBridge Scheduler's schedules, fired once per scheduled time across restarts.
  SchedulerTargets schedulerTargets(sqs, sns, async);
  aws::scheduler::SchedulerService scheduler(io, *store, schedulerTargets,
                                             {deployment->project.region, "000000000000"});
  for (const auto& w : scheduler.load()) fmt::print(stderr, "warning: {}\n", w);
  // EventBridge buses, rules and targets, kept across restarts.
  EventsTargets eventsTargets(sqs, sns, async, registry);
  aws::events::EventsService events(io, *store, eventsTargets, {deployment->project.region});
  // Scheduled rules fire once per scheduled time, across restarts.
  aws::scheduler::ScheduleRunner ruleRunner(io, *store, "events.fired");
  RuleScheduleRunner ruleSchedules(ruleRunner);
  events.setSchedules(&ruleSchedules);
  for (const auto& w : events.load()) fmt::print(stderr, "warning: {}\n", w);
  // DynamoDB tables, their items and streams, kept across restarts.
  aws::dynamodb::DynamoDbService dynamodb(*store, {deployment->project.region, "000000000000"});
  for (const auto& w : dynamodb.load()) fmt::print(stderr, "warning: {}\n", w);
  // Stream event source mappings read DynamoDB's streams; records of batches they give up on go
  // to SQS queues and SNS topics.
  DynamoDbStreamSource streamSource(dynamodb.engine());
  mappings.setStreamSource(&streamSource, destinationSender(sqs, sns));
  // S3 buckets and objects: records in the store, bytes in files under the data dir.
  S3Targets s3Targets(sqs, sns, async, events);
  aws::s3::S3Settings s3Settings;
  s3Settings.region = deployment->project.region;
  s3Settings.dataDir = dataDir / "s3";
  aws::s3::S3Service s3(*store, s3Targets, s3Settings);
  for (const auto& w : s3.load()) fmt::print(stderr, "warning: {}\n", w);
  // CloudWatch metrics: what clients put, and the AWS/ metrics nimbus publishes about its own
  // work, kept across restarts.
  aws::cloudwatch::CloudWatchSettings cloudwatchSettings;
  cloudwatchSettings.region = deployment->project.region;
  cloudwatchSettings.dataDir = dataDir.string();
  aws::cloudwatch::CloudWatchService cloudwatch(cloudwatchSettings);
  for (const auto& w : cloudwatch.load()) fmt::print(stderr, "warning: {}\n", w);
  // Metric alarms, evaluated on their periods, notifying SNS topics.
  AlarmTopics alarmTopics(sns);
  aws::cloudwatch::AlarmService alarms(
      io, *store,
      [&cloudwatch](const aws::cloudwatch::MetricIdentity& metric, const std::string& statistic,
                    int64_t periodSec, int periods, int64_t endMs, const std::string& unit) {
        return cloudwatch.recentStatistics(metric, statistic, periodSec, periods, endMs, unit);
      },
      alarmTopics, {deployment->project.region, "000000000000", {}});
  for (const auto& w : alarms.load()) fmt::print(stderr, "warning: {}\n", w);
  cloudwatch.setAlarms(&alarms);
  AwsMetricsPublisher awsMetrics(io, cloudwatch, lambda, sqs, deployment->project.stage);
  sqs.setMetricSink([&cloudwatch](const std::string& queue, std::string_view metric, double value,
                                  std::string_view unit) {
    cloudwatch.putServiceMetric("AWS/SQS", metric, {{"QueueName", queue}}, value, unit);
  });
  sns.setMetricSink([&cloudwatch](const std::string& topic, std::string_view metric, double value,
                                  std::string_view unit) {
    cloudwatch.putServiceMetric("AWS/SNS", metric, {{"TopicName", topic}}, value, unit);
  });
  // The dashboard's live feed, and what feeds it and the AWS/ metrics.
  observe::LiveEvents liveEvents;
  LiveFeed liveFeed(liveEvents, awsMetrics);
  // serverless.yml's tables, queues, topics, subscriptions, buckets, buses and rules; the event
  // source mappings start once the tables and queues they read exist.
  ProjectResources resources(io, dynamodb, sqs, sns, s3, events, *store);
  // serverless.yml's provisionedConcurrency: nimbus serve runs the file's functions as
  // $LATEST, so that is where their provisioned environments are kept.
  std::set<std::string> provisionedFunctions;
  auto applyProvisioned = [&](const Deployment& d) {
    std::set<std::string> now;
    for (const auto& f : d.project.functions) {
      if (f.provisionedConcurrency.value_or(0) <= 0) continue;
      now.insert(f.name);
      lambda.setProvisionedConcurrency(f.name, "$LATEST", *f.provisionedConcurrency);
    }
    for (const auto& name : provisionedFunctions) {
      if (!now.contains(name)) lambda.setProvisionedConcurrency(name, "$LATEST", 0);
    }
    provisionedFunctions = std::move(now);
  };
  auto applyProject = [&](std::shared_ptr<const Deployment> d) {
    applyProvisioned(*d);
    resources.apply(d->project, [&io, &mappings, d](std::vector<std::string> errors) {
      asio::post(io, [&mappings, d, errors = std::move(errors)] {
        for (const auto& e : errors) fmt::print(stderr, "error: {}\n", e);
        std::fflush(stderr);
        mappings.setProjectMappings(d->eventSourceMappings);
        const auto& p = d->project;
        if (!p.tables.empty() || !p.queues.empty() || !p.topics.empty() ||
            !p.subscriptions.empty() || !p.buckets.empty()) {
          auto count = [](size_t n, const char* what) {
            return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
          };
          fmt::print("resources ready: {}, {}, {}, {}, {}\n", count(p.tables.size(), "table"),
                     count(p.queues.size(), "queue"), count(p.topics.size(), "topic"),
                     count(p.subscriptions.size(), "subscription"),
                     count(p.buckets.size(), "bucket"));
          std::fflush(stdout);
        }
      });
    });
  };

  GatewayFrontend frontend(io, lambda);
  frontend.setTraceRecorder(&traces);
  // X-Ray's API: segments SDKs put join the same traces; the dashboard reads them back.
  aws::xray::XRayService xray(traces, {deployment->project.region, "000000000000"});
  frontend.setDeployment(deployment);
  // API keys (generated values kept in the store) and usage plan quotas, counted across restarts.
  UsagePlans usagePlans(*store);
  frontend.setUsagePlans(&usagePlans);
  http::ServerLimits gatewayLimits;
  gatewayLimits.maxBodyBytes = 10 * 1024 * 1024;
  http::HttpServer gatewayServer(
      io,
      [&frontend](HttpRequest&& r, http::Responder w) {
        frontend.handle(std::move(r), std::move(w));
      },
      gatewayLimits);
  aws::LambdaApiSettings lambdaApiSettings;
  lambdaApiSettings.region = deployment->project.region;
  lambdaApiSettings.accountConcurrencyLimit = options.concurrencyLimit;
  lambdaApiSettings.maxAsyncPayloadBytes = options.maxAsyncPayloadBytes;
  lambdaApiSettings.maxSyncPayloadBytes = options.maxSyncPayloadBytes;
  aws::LambdaApi lambdaApi(lambda, registry, code, mappings, &async, lambdaApiSettings);
  // CloudWatch Logs reads what functions print, kept in the log store.
  aws::logs::LogsService logsApi(logs, {deployment->project.region, "000000000000"});
  // The AWS endpoint: one port for every service, told apart by the request's signature scope.
  // Its largest requests are CreateFunction's direct uploads.
  http::ServerLimits awsLimits;
  awsLimits.maxBodyBytes = aws::kMaxFunctionUploadBytes;
  awsLimits.tooLarge = aws::LambdaApi::uploadTooLarge();
  // S3 request bodies (objects up to 5 GB) are written to files as they arrive, never held in
  // memory.
  awsLimits.spoolDir = spoolDir.string();
  awsLimits.spoolBody = [](const HttpRequest& header) {
    return aws::identifyRequest(header).service == "s3";
  };
  std::string gatewayUrl;          // Set once the gateway listens, before the AWS endpoint does.
  std::atomic<bool> ready{false};  // The project is deployed and async work has started.
  http::HttpServer awsServer(
      io,
      [&](HttpRequest&& request, http::Responder responder) {
        // Operator probes: health while the process serves, ready once the project is deployed.
        if (request.method == "GET" && request.target == "/_nimbus/health") {
          return responder.send(
              HttpResponse{200, {{"Content-Type", "application/json"}}, R"({"status":"ok"})"});
        }
        if (request.method == "GET" && request.target == "/_nimbus/ready") {
          bool isReady = ready.load(std::memory_order_acquire);
          return responder.send(
              HttpResponse{isReady ? 200 : 503,
                           {{"Content-Type", "application/json"}},
                           isReady ? R"({"status":"ready"})" : R"({"status":"starting"})"});
        }
        if (request.method == "GET" && request.target == kMetricsPath) {
          return responder.send(metricsPage(lambda, sqs, logs));
        }
        if (request.method == "GET" &&
            (request.target == "/_nimbus/" || request.target == "/_nimbus")) {
          return responder.send(HttpResponse{
              200,
              {{"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", "no-cache"}},
              std::string(observe::kDashboardHtml)});
        }
        if (request.method == "GET" && request.target == "/_nimbus/events") {
          return responder.send(observe::liveEventsResponse(liveEvents));
        }
        if (request.method == "GET" && request.target == kNimbusInfoPath) {
          auto current = frontend.deployment();
          auto keys = usagePlans.gate();
          auto kept = serviceResources(s3, scheduler, events);
          return responder.send(nimbusInfo(current.get(), gatewayUrl, options.version, lambda,
                                           keys.get(), kept, &events));
        }
        aws::RequestIdentity identity = aws::identifyRequest(request);
        if (identity.service == "lambda") {
          lambdaApi.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "sns") {
          sns.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "sqs") {
          sqsApi.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "dynamodb") {
          dynamodb.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "events") {
          events.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "scheduler") {
          scheduler.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "xray") {
          xray.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "monitoring") {
          cloudwatch.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "logs") {
          logsApi.handle(std::move(request), identity, std::move(responder));
        } else if (identity.service == "s3") {
          s3.handle(std::move(request), identity, std::move(responder));
        } else {
          answerUnavailable(identity, std::move(responder));
        }
      },
      awsLimits);

  std::string error;
  uint16_t port = gatewayServer.listen(options.host, options.port, error);
  gatewayUrl = fmt::format("http://{}:{}", options.host, port);
  uint16_t awsPort = port ? awsServer.listen(options.host, options.awsPort, error) : 0;
  std::shared_ptr<const Deployment> served = deployment;
  if (port && awsPort && awsPort != options.awsPort && !deployment->project.service.empty()) {
    // Queue URLs in the configuration (Ref of a queue) name the port the endpoint got.
    endpointUrl = awsEndpointUrl(options, awsPort);
    served = load(options, revision, endpointUrl, builder, true);
  }
  std::optional<std::string> keysError;
  if (port && awsPort && served) keysError = usagePlans.apply(served->project);
  if (!port || !awsPort || !served || keysError) {
    if (!port || !awsPort) fmt::print(stderr, "error: {}\n", error);
    if (keysError) fmt::print(stderr, "error: {}\n", *keysError);
    sqs.stop();
    lambda.stop();
    store->stop();
    return served ? 1 : 2;
  }
  deployment = served;
  frontend.setDeployment(deployment);
  usagePlans.start();
  lambda.setAwsEndpointUrl(awsEndpointUrl(options, awsPort));
  registry.setProjectFunctions(deployment->functions);
  applyProject(deployment);
  // Events accepted before a restart (or a crash) run again now.
  async.start();
  sns.setEndpointUrl(awsEndpointUrl(options, awsPort));
  sns.start();
  dynamodb.start();
  scheduler.start();
  ruleRunner.start();
  lambda.metrics().setSink(&liveFeed);
  logs.setLineObserver([&liveFeed](const observe::LogLine& line) { liveFeed.logLine(line); });
  awsMetrics.start();
  alarms.start();
  ready.store(true, std::memory_order_release);
  fmt::print("nimbus serving on http://{}:{} (AWS endpoint http://{}:{})\n", options.host, port,
             options.host, awsPort);
  fmt::print("memory limits: {}\n", lambda.memoryEnforcement());
  fmt::print("data dir: {}\n", dataDir.string());
  printDeployment(*deployment, options, port);
  std::thread runtimeWarnings([&lambda, deployment] { printRuntimeWarnings(*deployment, lambda); });

  std::mutex reloadMutex;
  SourceWatcher watcher(deployment->project.serviceDir, std::chrono::milliseconds(150), [&] {
    std::lock_guard lock(reloadMutex);
    auto next = load(options, ++revision, endpointUrl, builder, false);
    if (!next) {
      fmt::print(stderr, "reload failed; the previous deployment keeps serving\n");
      std::fflush(stderr);
      return;
    }
    if (auto e = usagePlans.apply(next->project)) {
      fmt::print(stderr, "error: {}\nreload failed; the previous deployment keeps serving\n", *e);
      std::fflush(stderr);
      return;
    }
    registry.setProjectFunctions(next->functions);
    applyProject(next);
    frontend.setDeployment(next);
    fmt::print("reloaded {}\n", next->project.configFile.filename().string());
    printDeployment(*next, options, port);
    printRuntimeWarnings(*next, lambda);
  });
  bool projectServed = !deployment->project.service.empty();
  if (options.watch && projectServed && !watcher.start()) {
    fmt::print(stderr, "warning: cannot watch {} for changes; reload is off\n",
               deployment->project.serviceDir.string());
  }

  signals.async_wait([&](boost::system::error_code, int sig) {
    fmt::print("received {}, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    gatewayServer.stop();
    liveEvents.closeAll();
    awsServer.stop();
    mappings.stop();
    sqs.stop();
    sns.stop();
    events.stop();
    ruleRunner.stop();
    dynamodb.stop();
    s3.stop();
    scheduler.stop();
    awsMetrics.stop();
    alarms.stop();
    async.stop();
    lambda.stop();
    work.reset();
    io.stop();
  });

  unsigned threads =
      options.ioThreads ? options.ioThreads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  watcher.stop();
  runtimeWarnings.join();
  usagePlans.stop();  // Writes the last quota counts.
  store->stop();
  logs.flush();
  // Nothing reaches the publisher once this returns.
  logs.setLineObserver(nullptr);
  lambda.metrics().setSink(nullptr);
  cloudwatch.stop();
  liveEvents.closeAll();
  lambda.setTraceRecorder(nullptr);
  sqs.setMetricSink(nullptr);
  sns.setMetricSink(nullptr);
  traces.stop();  // Sends the spans still queued for the collector.
  return 0;
}

}  // namespace nimbus::server
