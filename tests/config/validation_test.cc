// Defaults, naming, validation errors (each with its location and key) and warnings.
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Validation = ProjectTest;

TEST_F(Validation, Defaults) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: handler.main
)yaml");
  EXPECT_EQ(project.service, "shop");
  EXPECT_EQ(project.stage, "dev");
  EXPECT_EQ(project.region, "us-east-1");
  EXPECT_EQ(project.configFile, dir_ / "serverless.yml");
  EXPECT_EQ(project.serviceDir, dir_);
  ASSERT_EQ(project.functions.size(), 1u);
  const auto& app = project.functions[0];
  EXPECT_EQ(app.key, "app");
  EXPECT_EQ(app.name, "shop-dev-app");
  EXPECT_EQ(app.handler, "handler.main");
  EXPECT_EQ(app.runtime, "nodejs20.x");
  EXPECT_EQ(app.memorySizeMb, 1024);
  EXPECT_EQ(app.timeoutSeconds, 6);
  EXPECT_TRUE(app.environment.empty());
  EXPECT_TRUE(app.httpEvents.empty());
  EXPECT_EQ(app.where.line, 6);
  EXPECT_EQ(app.where.column, 3);
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(Validation, ProviderSettingsAndFunctionOverrides) {
  region_ = "eu-west-1";
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: python3.12
  stage: staging
  region: us-west-2
  memorySize: 256
  timeout: 10
  environment:
    A: provider-a
    B: provider-b
functions:
  api:
    handler: src/api/index.main
    runtime: nodejs22.x
    memorySize: 2048
    timeout: 900
    name: custom-name
    description: The API
    environment:
      B: function-b
      C: function-c
  worker:
    handler: worker.run
)yaml");
  EXPECT_EQ(project.stage, "staging");
  EXPECT_EQ(project.region, "eu-west-1");
  const auto& api = project.functions.at(0);
  EXPECT_EQ(api.runtime, "nodejs22.x");
  EXPECT_EQ(api.memorySizeMb, 2048);
  EXPECT_EQ(api.timeoutSeconds, 900);
  EXPECT_EQ(api.name, "custom-name");
  EXPECT_EQ(api.description, "The API");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"A", "provider-a"}, {"B", "function-b"}, {"C", "function-c"}};
  EXPECT_EQ(api.environment, expected);
  const auto& worker = project.functions.at(1);
  EXPECT_EQ(worker.runtime, "python3.12");
  EXPECT_EQ(worker.memorySizeMb, 256);
  EXPECT_EQ(worker.timeoutSeconds, 10);
  EXPECT_EQ(worker.name, "shop-staging-worker");
  EXPECT_EQ(worker.environment.size(), 2u);
}

TEST_F(Validation, ServiceObjectFormAndFunctionsList) {
  auto project = ok(R"yaml(
service:
  name: legacy
provider:
  name: aws
  runtime: nodejs18.x
functions:
  - a:
      handler: a.main
  - b:
      handler: b.main
)yaml");
  EXPECT_EQ(project.service, "legacy");
  ASSERT_EQ(project.functions.size(), 2u);
  EXPECT_EQ(project.functions[1].name, "legacy-dev-b");
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "object form")) << project.warnings[0];
}

TEST_F(Validation, YamlSyntaxErrorHasLineAndColumn) {
  auto errors = failing("service: shop\nprovider:\n  name: aws\n  runtime: [nodejs20.x\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.file, "serverless.yml");
  EXPECT_GE(errors[0].where.line, 4);
  EXPECT_GT(errors[0].where.column, 0);
  EXPECT_TRUE(contains(errors[0].message, "invalid YAML")) << errors[0].message;
}

TEST_F(Validation, DuplicateKeysAreErrors) {
  auto errors = failing("service: a\nservice: b\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 2);
  EXPECT_TRUE(contains(errors[0].message, "duplicate key 'service'")) << errors[0].message;
}

TEST_F(Validation, MissingFileAndEmptyFile) {
  auto result = loadProject(options("nope.yml"));
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(result));
  EXPECT_TRUE(contains(std::get<std::vector<ConfigError>>(result).at(0).message, "not found"));
  auto errors = failing("# nothing\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(contains(errors[0].message, "empty"));
}

TEST_F(Validation, CollectsEveryErrorWithItsLocation) {
  auto errors = failing(R"yaml(
provider:
  name: google
  runtime: nodejs99.x
  memorySize: 64
functions:
  app:
    runtime: java17
    timeout: 901
  other:
    handler: index
    memorySize: 10241
    timeout: 0
  third:
    handler: ok.main
    runtime: provided.al2023
    timeout: 1.5
)yaml");
  auto service = errorAt(errors, "service");
  EXPECT_EQ(service.where.line, 1);

  auto name = errorAt(errors, "provider.name");
  EXPECT_EQ(name.where.line, 2);
  EXPECT_EQ(name.where.column, 3);
  EXPECT_TRUE(contains(name.message, "'google'"));

  auto runtime = errorAt(errors, "provider.runtime");
  EXPECT_EQ(runtime.where.line, 3);
  EXPECT_TRUE(contains(runtime.message, "unknown runtime 'nodejs99.x'")) << runtime.message;

  auto memory = errorAt(errors, "provider.memorySize");
  EXPECT_EQ(memory.where.line, 4);
  EXPECT_TRUE(contains(memory.message, "128 to 10240 MB")) << memory.message;

  auto java = errorAt(errors, "functions.app.runtime");
  EXPECT_EQ(java.where.line, 7);
  EXPECT_EQ(java.where.column, 5);
  EXPECT_TRUE(contains(java.message, "not supported by nimbus")) << java.message;

  auto handler = errorAt(errors, "functions.app.handler");
  EXPECT_EQ(handler.where.line, 6);
  EXPECT_TRUE(contains(handler.message, "required"));

  EXPECT_EQ(errorAt(errors, "functions.app.timeout").where.line, 8);

  auto form = errorAt(errors, "functions.other.handler");
  EXPECT_EQ(form.where.line, 10);
  EXPECT_TRUE(contains(form.message, "path/module.export")) << form.message;
  EXPECT_EQ(errorAt(errors, "functions.other.memorySize").where.line, 11);
  EXPECT_EQ(errorAt(errors, "functions.other.timeout").where.line, 12);
  EXPECT_TRUE(contains(errorAt(errors, "functions.third.timeout").message, "whole number"));
  // Functions that inherit the invalid provider runtime are not reported again.
  for (const auto& error : errors) EXPECT_NE(error.key, "functions.other.runtime");
}

TEST_F(Validation, ErrorFormat) {
  auto errors = failing(R"yaml(
service: shop
provider:
  name: aws
functions:
  app:
    handler: handler.main
    runtime: nodejs99.x
)yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].format().rfind("serverless.yml:7:5: functions.app.runtime: unknown runtime "
                                     "'nodejs99.x'",
                                     0),
            0u)
      << errors[0].format();
  ConfigError bare{{"serverless.yml", 0, 0}, "", "configuration file not found"};
  EXPECT_EQ(bare.format(), "serverless.yml: configuration file not found");
}

TEST_F(Validation, FunctionWithoutAnyRuntime) {
  auto errors = failing(R"yaml(
service: shop
provider:
  name: aws
functions:
  app:
    handler: handler.main
)yaml");
  auto error = errorAt(errors, "functions.app.runtime");
  EXPECT_EQ(error.where.line, 5);
  EXPECT_TRUE(contains(error.message, "neither is provider.runtime")) << error.message;
}

TEST_F(Validation, ProvidedRuntimesTakeAnyHandler) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: provided.al2023
functions:
  app:
    handler: bootstrap
)yaml");
  EXPECT_EQ(project.functions.at(0).handler, "bootstrap");
}

TEST_F(Validation, MissingServiceAndProvider) {
  auto errors = failing("functions: {}\n");
  EXPECT_EQ(errorAt(errors, "service").where.line, 1);
  EXPECT_EQ(errorAt(errors, "provider").where.line, 1);
  errors = failing("service: 9lives\nprovider:\n  runtime: nodejs20.x\n");
  EXPECT_TRUE(contains(errorAt(errors, "service").message, "invalid"));
  EXPECT_EQ(errorAt(errors, "provider.name").where.line, 2);
}

TEST_F(Validation, StageAndRegionAreChecked) {
  stage_ = "bad stage";
  auto errors = failing("service: shop\nprovider:\n  name: aws\n  region: nowhere\n");
  EXPECT_TRUE(contains(errorAt(errors, "--stage").message, "'bad stage'"));
  EXPECT_EQ(errorAt(errors, "provider.region").where.line, 4);
}

TEST_F(Validation, EnvironmentValues) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    NUMBER: 42
    FLOAT: 0.25
    BOOL: false
    NULL_VALUE:
    BUCKET: !Ref Bucket
    ARN:
      Fn::GetAtt: [Queue, Arn]
functions:
  app:
    handler: handler.main
)yaml");
  const auto& app = project.functions.at(0);
  EXPECT_EQ(envValue(app, "NUMBER"), "42");
  EXPECT_EQ(envValue(app, "FLOAT"), "0.25");
  EXPECT_EQ(envValue(app, "BOOL"), "false");
  EXPECT_FALSE(hasEnv(app, "NULL_VALUE"));
  EXPECT_FALSE(hasEnv(app, "BUCKET"));
  EXPECT_FALSE(hasEnv(app, "ARN"));
  ASSERT_EQ(project.warnings.size(), 3u);
  EXPECT_TRUE(contains(project.warnings[0], "serverless.yml:9: provider.environment.NULL_VALUE"))
      << project.warnings[0];
  EXPECT_TRUE(contains(project.warnings[1], "BUCKET: Ref Bucket: there is no such resource"))
      << project.warnings[1];
  EXPECT_TRUE(contains(project.warnings[2], "ARN: Fn::GetAtt Queue.Arn: there is no resource"))
      << project.warnings[2];
}

TEST_F(Validation, EnvironmentErrors) {
  std::string big(4100, 'x');
  auto errors = failing(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    AWS_REGION: us-east-1
    1BAD: x
    LIST: [a, b]
functions:
  app:
    handler: handler.main
    environment:
      BIG: )yaml" + big +
                        "\n");
  EXPECT_TRUE(contains(errorAt(errors, "provider.environment.AWS_REGION").message, "reserved"));
  EXPECT_EQ(errorAt(errors, "provider.environment.1BAD").where.line, 7);
  EXPECT_TRUE(contains(errorAt(errors, "provider.environment.LIST").message, "a list"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.environment").message, "4096"));
}

TEST_F(Validation, FunctionNames) {
  auto errors = failing(R"yaml(
service: a-very-long-service-name-that-goes-on-and-on
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a-function-with-a-long-name-too:
    handler: handler.main
  named:
    handler: handler.main
    name: has spaces
  "bad key":
    handler: handler.main
  dup1:
    handler: handler.main
    name: same
  dup2:
    handler: handler.main
    name: same
)yaml");
  EXPECT_TRUE(contains(errorAt(errors, "functions.a-function-with-a-long-name-too").message,
                       "64 characters"));
  EXPECT_EQ(errorAt(errors, "functions.named.name").where.line, 10);
  EXPECT_EQ(errorAt(errors, "functions.bad key").where.line, 11);
  EXPECT_TRUE(contains(errorAt(errors, "functions.dup2").message,
                       "already used by function "
                       "'dup1'"));
}

TEST_F(Validation, PluginsGetOneWarningNamingAllOfThem) {
  auto project = ok(R"yaml(
service: shop
plugins:
  - serverless-offline
  - serverless-prune-plugin
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: handler.main
)yaml");
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_EQ(project.warnings[0],
            "serverless.yml:2: plugins are not loaded by nimbus and are ignored: "
            "serverless-offline, serverless-prune-plugin");

  project = ok(R"yaml(
service: shop
plugins:
  localPath: ./plugins
  modules: [serverless-offline]
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "ignored: serverless-offline"));
}

TEST_F(Validation, UnsupportedKeysAreWarnedWithTheirLine) {
  auto project = ok(R"yaml(
service: shop
frameworkVersion: '3'
useDotenv: true
variablesResolutionMode: '20210326'
configValidationMode: error
custom:
  anything: goes
package:
  individually: true
provider:
  name: aws
  runtime: nodejs20.x
  iam:
    role:
      statements: []
  tracing:
    lambda: true
functions:
  app:
    handler: handler.main
    layers: [arn:aws:lambda:us-east-1:1:layer:x:1]
    events:
      - sqs: arn:aws:sqs:us-east-1:000000000000:queue
      - cloudwatchLog: /aws/lambda/other
layers:
  x:
    path: x
)yaml");
  std::vector<std::string> expected = {
      "serverless.yml:25: layers is not supported yet and is ignored",
      "serverless.yml:16: provider.tracing is not supported yet and is ignored",
      "serverless.yml:24: functions.app.events[1].cloudwatchLog is not supported yet and is "
      "ignored",
      "serverless.yml:21: functions.app.layers is not supported yet and is ignored",
  };
  EXPECT_EQ(project.warnings, expected);
}

TEST_F(Validation, EmptyFunctionIsWarnedNotDropped) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: handler.main
  placeholder:
)yaml");
  EXPECT_EQ(project.functions.size(), 1u);
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "serverless.yml:8: functions.placeholder"));
}

TEST_F(Validation, SupportedRuntimeNames) {
  for (const char* name :
       {"nodejs",     "nodejs4.3",    "nodejs6.10",     "nodejs8.10", "nodejs10.x", "nodejs12.x",
        "nodejs14.x", "nodejs16.x",   "nodejs18.x",     "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "python2.7",  "python3.6",    "python3.9",      "python3.10", "python3.13", "python3.14",
        "provided",   "provided.al2", "provided.al2023"}) {
    EXPECT_TRUE(isSupportedRuntime(name)) << name;
  }
  for (const char* name : {"", "nodejs99.x", "node20", "python3", "python4.0", "java17", "go1.x",
                           "ruby3.2", "dotnet8", "provided.al2024", "nodejs20.X"}) {
    EXPECT_FALSE(isSupportedRuntime(name)) << name;
  }
}

}  // namespace
}  // namespace nimbus::config::testing

namespace nimbus::config::testing {
namespace {

using AsyncSettings = ProjectTest;

TEST_F(AsyncSettings, RetriesEventAgeAndDestinations) {
  ProjectConfig p = ok(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a:
    handler: h.main
    maximumRetryAttempts: 0
    maximumEventAge: 120
    destinations:
      onSuccess: b
      onFailure:
        type: function
        arn: arn:aws:lambda:us-east-1:000000000000:function:svc-dev-b
  b:
    handler: h.main
)");
  ASSERT_EQ(p.functions.size(), 2u);
  EXPECT_EQ(p.functions[0].maximumRetryAttempts, 0);
  EXPECT_EQ(p.functions[0].maximumEventAgeSeconds, 120);
  EXPECT_EQ(p.functions[0].onSuccess, "b");
  EXPECT_EQ(p.functions[0].onFailure, "arn:aws:lambda:us-east-1:000000000000:function:svc-dev-b");
  EXPECT_FALSE(p.functions[1].maximumRetryAttempts.has_value());
}

TEST_F(AsyncSettings, OutOfRangeRetriesAreAnError) {
  auto errors = failing(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a:
    handler: h.main
    maximumRetryAttempts: 3
)");
  EXPECT_EQ(errorAt(errors, "functions.a.maximumRetryAttempts").where.line, 8);
}

TEST_F(AsyncSettings, OnErrorTakesAnSqsQueueOrSnsTopic) {
  ProjectConfig p = ok(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a:
    handler: h.main
    onError: arn:aws:sqs:us-east-1:000000000000:dead-letters
)");
  EXPECT_EQ(p.functions[0].onError, "arn:aws:sqs:us-east-1:000000000000:dead-letters");
  auto errors = failing(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a:
    handler: h.main
    onError: arn:aws:lambda:us-east-1:000000000000:function:other
)");
  EXPECT_EQ(errorAt(errors, "functions.a.onError").where.line, 8);
}

}  // namespace
}  // namespace nimbus::config::testing

namespace nimbus::config::testing {
namespace {

using SqsEvents = ProjectTest;

TEST_F(SqsEvents, ArnStringAndObjectForms) {
  ProjectConfig p = ok(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  worker:
    handler: h.main
    events:
      - sqs: arn:aws:sqs:us-east-1:000000000000:jobs
      - sqs:
          arn: arn:aws:sqs:us-east-1:000000000000:other
          batchSize: 100
          maximumBatchingWindow: 5
          functionResponseType: ReportBatchItemFailures
          enabled: false
          maximumConcurrency: 4
)");
  const auto& events = p.functions[0].sqsEvents;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].arn, "arn:aws:sqs:us-east-1:000000000000:jobs");
  EXPECT_EQ(events[0].batchSize, 10);
  EXPECT_FALSE(events[0].reportBatchItemFailures);
  EXPECT_EQ(events[1].batchSize, 100);
  EXPECT_EQ(events[1].maximumBatchingWindow, 5);
  EXPECT_TRUE(events[1].reportBatchItemFailures);
  EXPECT_FALSE(events[1].enabled);
  EXPECT_EQ(events[1].maximumConcurrency, 4);
  EXPECT_EQ(events[1].where.line, 10);
}

TEST_F(SqsEvents, LambdasLimitsAreErrorsWithTheirLine) {
  auto errors = failing(R"(service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  worker:
    handler: h.main
    events:
      - sqs: not-an-arn
      - sqs:
          arn: arn:aws:sqs:us-east-1:000000000000:jobs
          batchSize: 50
      - sqs:
          arn: arn:aws:sqs:us-east-1:000000000000:jobs
          functionResponseType: Everything
)");
  EXPECT_EQ(errorAt(errors, "functions.worker.events[0].sqs").where.line, 9);
  EXPECT_NE(errorAt(errors, "functions.worker.events[1].sqs").message.find("maximumBatchingWindow"),
            std::string::npos);
  EXPECT_EQ(errorAt(errors, "functions.worker.events[2].sqs.functionResponseType").where.line, 15);
}

TEST_F(Validation, VersionFunctionsDefaultsToTrueAndIsABoolean) {
  const char* base = R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
%s
functions:
  app:
    handler: handler.main
)yaml";
  auto with = [&](const std::string& line) {
    std::string yaml = base;
    yaml.replace(yaml.find("%s"), 2, line);
    return yaml;
  };
  auto defaults = ok(with(""));
  EXPECT_TRUE(defaults.versionFunctions);
  EXPECT_TRUE(defaults.warnings.empty());
  auto off = ok(with("  versionFunctions: false"));
  EXPECT_FALSE(off.versionFunctions);
  EXPECT_TRUE(off.warnings.empty()) << off.warnings.front();
  auto errors = failing(with("  versionFunctions: sometimes"));
  EXPECT_EQ(errorAt(errors, "provider.versionFunctions").message,
            "must be true or false, got 'sometimes'");
}

}  // namespace
}  // namespace nimbus::config::testing

namespace nimbus::config::testing {
namespace {

using ReservedConcurrency = ProjectTest;

TEST_F(ReservedConcurrency, ReadAsAWholeNumberFromZero) {
  auto p = ok(R"(service: svc
provider: { name: aws, runtime: nodejs20.x }
functions:
  off: { handler: h.main, reservedConcurrency: 0 }
  some: { handler: h.main, reservedConcurrency: 5 }
  any: { handler: h.main }
)");
  EXPECT_EQ(p.functions.at(0).reservedConcurrency, 0);
  EXPECT_EQ(p.functions.at(1).reservedConcurrency, 5);
  EXPECT_FALSE(p.functions.at(2).reservedConcurrency.has_value());
  auto errors = failing(R"(service: svc
provider: { name: aws, runtime: nodejs20.x }
functions:
  bad: { handler: h.main, reservedConcurrency: -1 }
)");
  EXPECT_EQ(errorAt(errors, "functions.bad.reservedConcurrency").where.line, 4);
}

}  // namespace
}  // namespace nimbus::config::testing
