// Variable resolution through loadProject(): every source, fallbacks, nesting, types, files,
// .env loading, cycles.
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Variables = ProjectTest;

constexpr const char* kHead = R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
)yaml";

// kHead, then a function `app` whose environment is `environment` (indented 6 spaces).
std::string withEnvironment(const std::string& environment, const std::string& extra = "") {
  return std::string(kHead) + extra +
         "functions:\n  app:\n    handler: handler.main\n    environment:\n" + environment;
}

TEST_F(Variables, OptWithFallbackAndCliOptions) {
  cli_["memory"] = "512";
  auto project = ok(std::string(kHead) + R"yaml(
  memorySize: ${opt:memory}
  timeout: ${opt:timeout, 30}
functions:
  app:
    handler: handler.main
    environment:
      STAGE: ${opt:stage, 'fallback-stage'}
)yaml");
  ASSERT_EQ(project.functions.size(), 1u);
  EXPECT_EQ(project.functions[0].memorySizeMb, 512);
  EXPECT_EQ(project.functions[0].timeoutSeconds, 30);
  EXPECT_EQ(envValue(project.functions[0], "STAGE"), "fallback-stage");

  stage_ = "prod";
  project = ok(std::string(kHead) + R"yaml(
functions:
  app:
    handler: handler.main
    environment:
      STAGE: ${opt:stage, 'fallback-stage'}
)yaml");
  EXPECT_EQ(envValue(project.functions.at(0), "STAGE"), "prod");
}

TEST_F(Variables, EnvSetUnsetAndDefault) {
  env_["TABLE"] = "orders";
  env_["EMPTY"] = "";
  auto project = ok(withEnvironment(R"yaml(
      TABLE: ${env:TABLE}
      WITH_DEFAULT: ${env:MISSING, 'default-value'}
      EMPTY_IS_SET: ${env:EMPTY, 'not-used'}
)yaml"));
  const auto& app = project.functions.at(0);
  EXPECT_EQ(envValue(app, "TABLE"), "orders");
  EXPECT_EQ(envValue(app, "WITH_DEFAULT"), "default-value");
  EXPECT_EQ(envValue(app, "EMPTY_IS_SET"), "");
}

TEST_F(Variables, UnsetEnvWithoutFallbackIsAnErrorAtItsLine) {
  auto errors = failing(withEnvironment(R"yaml(
      OK: fine
      SECRET: ${env:API_SECRET}
)yaml"));
  auto error = errorAt(errors, "functions.app.environment.SECRET");
  EXPECT_EQ(error.where.file, "serverless.yml");
  EXPECT_EQ(error.where.line, 11);
  EXPECT_TRUE(contains(error.message, "${env:API_SECRET}")) << error.message;
  EXPECT_TRUE(contains(error.message, "API_SECRET is not set")) << error.message;
}

TEST_F(Variables, ChainedFallbackSources) {
  env_["B"] = "from-b";
  auto project = ok(withEnvironment(R"yaml(
      FIRST_MISSING: ${env:A, env:B, 'x'}
      ALL_MISSING: ${env:A, env:C, 'x'}
      SELF_FALLBACK: ${opt:region, self:custom.region}
)yaml",
                                    "custom:\n  region: eu-west-1\n"));
  const auto& app = project.functions.at(0);
  EXPECT_EQ(envValue(app, "FIRST_MISSING"), "from-b");
  EXPECT_EQ(envValue(app, "ALL_MISSING"), "x");
  EXPECT_EQ(envValue(app, "SELF_FALLBACK"), "eu-west-1");
}

TEST_F(Variables, NestedVariableFallback) {
  env_["STAGE"] = "qa";
  auto project =
      ok(withEnvironment("      S: ${opt:stage, ${env:STAGE, 'dev'}}\n"
                         "      T: ${opt:stage, ${env:NOPE, 'dev'}}\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "S"), "qa");
  EXPECT_EQ(envValue(project.functions.at(0), "T"), "dev");
}

TEST_F(Variables, QuotedFallbackIsResolvedAgain) {
  auto project = ok(withEnvironment("      Q: ${opt:nope, '${self:service}-x'}\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "Q"), "shop-x");
}

TEST_F(Variables, VariablesInsideAddresses) {
  env_["dev_arn"] = "arn:dev";
  auto project =
      ok(withEnvironment("      ARN: ${env:${sls:stage}_arn}\n"
                         "      SIZE: ${self:custom.sizes.${sls:stage}}\n",
                         "custom:\n  sizes:\n    dev: small\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "ARN"), "arn:dev");
  EXPECT_EQ(envValue(project.functions.at(0), "SIZE"), "small");
}

TEST_F(Variables, SelfReferences) {
  stage_ = "cli-stage";
  auto project = ok(R"yaml(
service: shop
custom:
  table: ${self:service}-table
  deep:
    list: [a, b, c]
provider:
  name: aws
  runtime: nodejs20.x
  stage: config-stage
functions:
  app:
    handler: handler.main
    environment:
      TABLE: ${self:custom.table}
      PROVIDER_STAGE: ${self:provider.stage}
      SLS_STAGE: ${sls:stage}
      SECOND: ${self:custom.deep.list.1}
      MISSING: ${self:custom.nope, 'fallback'}
)yaml");
  const auto& app = project.functions.at(0);
  EXPECT_EQ(envValue(app, "TABLE"), "shop-table");
  // v3: ${self:provider.stage} is the configuration's own value, ${sls:stage} the one in effect.
  EXPECT_EQ(envValue(app, "PROVIDER_STAGE"), "config-stage");
  EXPECT_EQ(envValue(app, "SLS_STAGE"), "cli-stage");
  EXPECT_EQ(envValue(app, "SECOND"), "b");
  EXPECT_EQ(envValue(app, "MISSING"), "fallback");
  EXPECT_EQ(project.stage, "cli-stage");
  EXPECT_EQ(app.name, "shop-cli-stage-app");
}

TEST_F(Variables, MissingSelfReferenceIsAnError) {
  auto errors = failing(withEnvironment("      X: ${self:custom.nothing}\n"));
  auto error = errorAt(errors, "functions.app.environment.X");
  EXPECT_EQ(error.where.line, 9);
  EXPECT_TRUE(contains(error.message, "'custom.nothing' is not defined")) << error.message;
}

TEST_F(Variables, StringInterpolation) {
  stage_ = "prod";
  auto project =
      ok(withEnvironment("      TABLE: \"${self:service}-${sls:stage}-table\"\n"
                         "      URL: https://${opt:host, 'example.com'}:${self:custom.port}/x\n",
                         "custom:\n  port: 8443\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "TABLE"), "shop-prod-table");
  EXPECT_EQ(envValue(project.functions.at(0), "URL"), "https://example.com:8443/x");
}

TEST_F(Variables, WholeValueSubstitutionKeepsTheType) {
  auto project = ok(R"yaml(
service: shop
custom:
  memory: 2048
  timeout: 20
  shared:
    A: one
    B: 2
    C: true
    D: 1.5
provider:
  name: aws
  runtime: nodejs20.x
  environment: ${self:custom.shared}
functions:
  app:
    handler: handler.main
    memorySize: ${self:custom.memory}
    timeout: ${self:custom.timeout}
)yaml");
  const auto& app = project.functions.at(0);
  EXPECT_EQ(app.memorySizeMb, 2048);
  EXPECT_EQ(app.timeoutSeconds, 20);
  ASSERT_EQ(app.environment.size(), 4u);
  EXPECT_EQ(app.environment[0], (std::pair<std::string, std::string>{"A", "one"}));
  EXPECT_EQ(app.environment[1].second, "2");
  EXPECT_EQ(app.environment[2].second, "true");
  EXPECT_EQ(app.environment[3].second, "1.5");
}

TEST_F(Variables, NumberAndBooleanLiteralFallbacks) {
  auto project = ok(std::string(kHead) + R"yaml(
functions:
  app:
    handler: handler.main
    memorySize: ${opt:memory, 256}
    environment:
      FLAG: ${env:FLAG, true}
      COUNT: ${env:COUNT, 3}
)yaml");
  EXPECT_EQ(project.functions.at(0).memorySizeMb, 256);
  EXPECT_EQ(envValue(project.functions.at(0), "FLAG"), "true");
  EXPECT_EQ(envValue(project.functions.at(0), "COUNT"), "3");
}

TEST_F(Variables, ResolvedValuesAreResolvedAgain) {
  env_["TEMPLATE"] = "${self:service}-${opt:stage, 'dev'}";
  auto project =
      ok(withEnvironment("      NAME: ${env:TEMPLATE}\n"
                         "      CHAIN: ${self:custom.a}\n",
                         "custom:\n  a: ${self:custom.b}\n  b: ${env:TEMPLATE}\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "NAME"), "shop-dev");
  EXPECT_EQ(envValue(project.functions.at(0), "CHAIN"), "shop-dev");
}

TEST_F(Variables, CircularReferencesAreErrors) {
  auto errors = failing(withEnvironment("      LOOP: ${self:custom.a}\n",
                                        "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n"));
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_TRUE(contains(errors[0].message, "circular reference")) << errors[0].message;
  EXPECT_TRUE(contains(errors[0].message, "custom.a -> custom.b -> custom.a")) << errors[0].message;
  EXPECT_EQ(errors[0].key, "custom.a");
  EXPECT_EQ(errors[0].where.line, 6);
}

TEST_F(Variables, SelfNamingEnvironmentValueStopsInsteadOfHanging) {
  env_["LOOP"] = "${env:LOOP}";
  auto errors = failing(withEnvironment("      X: ${env:LOOP}\n"));
  auto error = errorAt(errors, "functions.app.environment.X");
  EXPECT_TRUE(contains(error.message, "more than 10 levels")) << error.message;
}

TEST_F(Variables, FileSources) {
  write("config/dev.yml", R"yaml(
memory: 512
db:
  host: db.local
  port: 5432
)yaml");
  write("settings.json", R"json({"a": {"b": "from-json", "n": 7}, "list": [1, 2]})json");
  write("env.yml", R"yaml(
FROM_FILE: yes-file
SERVICE: ${self:service}
)yaml");
  write("notes.txt", "plain text\n");
  auto project = ok(std::string(kHead) + R"yaml(
  environment: ${file(./env.yml)}
functions:
  app:
    handler: handler.main
    memorySize: ${file(./config/${sls:stage}.yml):memory}
    environment:
      HOST: ${file(config/dev.yml):db.host}
      PORT: ${file(./config/dev.yml):db.port}
      JSON: ${file(./settings.json):a.b}
      JSON_NUMBER: ${file(./settings.json):a.n}
      SECOND: ${file(./settings.json):list.1}
      TEXT: ${file(./notes.txt)}
      MISSING_FILE: ${file(./nope.yml):x, 'no-file'}
      MISSING_KEY: ${file(./config/dev.yml):nope, 'no-key'}
)yaml");
  const auto& app = project.functions.at(0);
  EXPECT_EQ(app.memorySizeMb, 512);
  EXPECT_EQ(envValue(app, "FROM_FILE"), "yes-file");
  EXPECT_EQ(envValue(app, "SERVICE"), "shop");
  EXPECT_EQ(envValue(app, "HOST"), "db.local");
  EXPECT_EQ(envValue(app, "PORT"), "5432");
  EXPECT_EQ(envValue(app, "JSON"), "from-json");
  EXPECT_EQ(envValue(app, "JSON_NUMBER"), "7");
  EXPECT_EQ(envValue(app, "SECOND"), "2");
  EXPECT_EQ(envValue(app, "TEXT"), "plain text\n");
  EXPECT_EQ(envValue(app, "MISSING_FILE"), "no-file");
  EXPECT_EQ(envValue(app, "MISSING_KEY"), "no-key");
  auto& files = project.sourceFiles;
  EXPECT_NE(std::find(files.begin(), files.end(), dir_ / "config/dev.yml"), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(), dir_ / "env.yml"), files.end());
}

TEST_F(Variables, FilePathsAreRelativeToTheConfigurationNotTheWorkingDirectory) {
  write("nested/service/vars.yml", "value: found\n");
  write("nested/service/serverless.yml", withEnvironment("      V: ${file(./vars.yml):value}\n"));
  auto result = loadProject(options("nested/service/serverless.yml"));
  ASSERT_TRUE(std::holds_alternative<ProjectConfig>(result))
      << describe(std::get<std::vector<ConfigError>>(result));
  const auto& project = std::get<ProjectConfig>(result);
  EXPECT_EQ(envValue(project.functions.at(0), "V"), "found");
  EXPECT_EQ(project.serviceDir, dir_ / "nested/service");
  EXPECT_EQ(project.configFile, dir_ / "nested/service/serverless.yml");
}

TEST_F(Variables, FileErrorsPointIntoTheIncludedFile) {
  write("env.yml", "# variables\nGOOD: fine\nBAD: ${env:NOT_SET}\n");
  auto errors = failing(std::string(kHead) + R"yaml(
  environment: ${file(./env.yml)}
functions:
  app:
    handler: handler.main
    environment:
      GONE: ${file(./missing.yml):key}
)yaml");
  auto bad = errorAt(errors, "provider.environment.BAD");
  EXPECT_EQ(bad.where.file, "env.yml");
  EXPECT_EQ(bad.where.line, 3);
  auto gone = errorAt(errors, "functions.app.environment.GONE");
  EXPECT_EQ(gone.where.file, "serverless.yml");
  EXPECT_EQ(gone.where.line, 11);
  EXPECT_TRUE(contains(gone.message, "'./missing.yml' does not exist")) << gone.message;
}

TEST_F(Variables, FunctionsFromAFileKeepThatFilesLocations) {
  write("functions.yml", R"yaml(
api:
  handler: api.main
  events:
    - httpApi: GET /items
worker:
  handler: worker.main
  memorySize: 99999
)yaml");
  auto errors = failing(std::string(kHead) + "functions: ${file(./functions.yml)}\n");
  auto error = errorAt(errors, "functions.worker.memorySize");
  EXPECT_EQ(error.where.file, "functions.yml");
  EXPECT_EQ(error.where.line, 7);

  write("functions.yml", "api:\n  handler: api.main\n  events:\n    - httpApi: GET /items\n");
  auto project = ok(std::string(kHead) + "functions: ${file(./functions.yml)}\n");
  const auto& event = project.functions.at(0).httpEvents.at(0);
  EXPECT_EQ(event.where.file, "functions.yml");
  EXPECT_EQ(event.where.line, 4);
  EXPECT_EQ(project.functions.at(0).where.line, 1);
}

TEST_F(Variables, BrokenIncludedYamlIsReportedInThatFile) {
  write("broken.yml", "a: [1, 2\n");
  auto errors = failing(withEnvironment("      X: ${file(./broken.yml):a}\n"));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].where.file, "broken.yml");
  EXPECT_EQ(errors[0].key, "functions.app.environment.X");
}

TEST_F(Variables, StrToBool) {
  env_["FLAG"] = " TRUE ";
  env_["BAD"] = "maybe";
  auto project =
      ok(withEnvironment("      ON: ${strToBool(${env:FLAG})}\n"
                         "      OFF: ${strToBool(0)}\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "ON"), "true");
  EXPECT_EQ(envValue(project.functions.at(0), "OFF"), "false");
  auto errors = failing(withEnvironment("      X: ${strToBool(${env:BAD})}\n"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.environment.X").message, "strToBool"));
}

TEST_F(Variables, AwsAndSlsSources) {
  region_ = "eu-central-1";
  auto project =
      ok(withEnvironment("      REGION: ${aws:region}\n"
                         "      ACCOUNT: ${aws:accountId}\n"
                         "      STAGE: ${sls:stage}\n"));
  const auto& app = project.functions.at(0);
  EXPECT_EQ(envValue(app, "REGION"), "eu-central-1");
  EXPECT_EQ(envValue(app, "ACCOUNT"), "000000000000");
  EXPECT_EQ(envValue(app, "STAGE"), "dev");
  EXPECT_EQ(project.region, "eu-central-1");
}

TEST_F(Variables, Params) {
  stage_ = "prod";
  auto project =
      ok(withEnvironment("      DOMAIN: ${param:domain}\n"
                         "      LEVEL: ${param:level}\n"
                         "      OTHER: ${param:other, 'none'}\n",
                         "params:\n  default:\n    level: info\n    domain: dev.x\n"
                         "  prod:\n    domain: x.com\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "DOMAIN"), "x.com");
  EXPECT_EQ(envValue(project.functions.at(0), "LEVEL"), "info");
  EXPECT_EQ(envValue(project.functions.at(0), "OTHER"), "none");
}

TEST_F(Variables, UnknownAndRemoteSources) {
  auto errors = failing(withEnvironment("      A: ${foo:bar}\n      B: ${ssm:/path/param}\n"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.environment.A").message,
                       "unknown variable source 'foo'"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.environment.B").message, "ssm"));

  auto project = ok(withEnvironment("      B: ${ssm:/path/param, 'local-value'}\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "B"), "local-value");
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "serverless.yml:9:")) << project.warnings[0];
  EXPECT_TRUE(contains(project.warnings[0], "fallback")) << project.warnings[0];
}

TEST_F(Variables, MappingInsideAStringIsAnError) {
  auto errors = failing(withEnvironment("      X: prefix-${self:provider}\n"));
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.app.environment.X").message, "resolves to a mapping"));
}

TEST_F(Variables, SyntaxErrorNamesTheKey) {
  auto errors = failing(withEnvironment("      X: ${opt:stage, dev}\n"));
  auto error = errorAt(errors, "functions.app.environment.X");
  EXPECT_EQ(error.where.line, 9);
  EXPECT_TRUE(contains(error.message, "invalid variable syntax")) << error.message;
}

TEST_F(Variables, EscapesAndCloudFormationTextPassThrough) {
  auto project =
      ok(withEnvironment("      ESCAPED: \\${opt:stage}\n"
                         "      CFN: arn:${AWS::Partition}:s3:::bucket\n"));
  EXPECT_EQ(envValue(project.functions.at(0), "ESCAPED"), "${opt:stage}");
  EXPECT_EQ(envValue(project.functions.at(0), "CFN"), "arn:${AWS::Partition}:s3:::bucket");
}

TEST_F(Variables, SectionsNimbusIgnoresAreNotResolved) {
  auto project = ok(std::string(kHead) + R"yaml(
custom:
  fromAws: ${cf:other-stack.Output}
resources:
  Resources:
    Cdn:
      Type: AWS::CloudFront::Distribution
      Properties:
        DistributionConfig: ${ssm:/cdn/config}
functions:
  app:
    handler: handler.main
)yaml");
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(
      contains(project.warnings[0], "AWS::CloudFront::Distribution is not created by nimbus"))
      << project.warnings[0];
}

TEST_F(Variables, YamlAnchorsAndMergeKeys) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
custom:
  base: &base
    handler: handler.main
    memorySize: 256
functions:
  a:
    <<: *base
  b:
    <<: *base
    memorySize: 512
)yaml");
  ASSERT_EQ(project.functions.size(), 2u);
  EXPECT_EQ(project.functions[0].handler, "handler.main");
  EXPECT_EQ(project.functions[0].memorySizeMb, 256);
  EXPECT_EQ(project.functions[1].memorySizeMb, 512);
}

// .env loading (useDotenv)

TEST_F(Variables, DotenvIsLoadedOnlyWithUseDotenv) {
  write(".env", "FROM_DOTENV=loaded\n");
  auto head = std::string(kHead) +
              "functions:\n  app:\n    handler: handler.main\n"
              "    environment:\n      V: ${env:FROM_DOTENV, 'absent'}\n";
  EXPECT_EQ(envValue(ok(head).functions.at(0), "V"), "absent");
  auto project = ok("useDotenv: true\n" + head);
  EXPECT_EQ(envValue(project.functions.at(0), "V"), "loaded");
  EXPECT_NE(std::find(project.sourceFiles.begin(), project.sourceFiles.end(), dir_ / ".env"),
            project.sourceFiles.end());
}

TEST_F(Variables, StageDotenvReplacesDotenvAndProcessEnvironmentWins) {
  write(".env", "ONLY_DEFAULT=default-file\nSHARED=default-file\n");
  write(".env.prod", "SHARED=prod-file\nPROCESS=prod-file\n");
  env_["PROCESS"] = "process";
  std::string yaml = std::string("useDotenv: true\n") + kHead +
                     "functions:\n  app:\n    handler: handler.main\n    environment:\n"
                     "      SHARED: ${env:SHARED}\n"
                     "      ONLY_DEFAULT: ${env:ONLY_DEFAULT, 'not-loaded'}\n"
                     "      PROCESS: ${env:PROCESS}\n";
  auto dev = ok(yaml);
  EXPECT_EQ(envValue(dev.functions.at(0), "SHARED"), "default-file");
  EXPECT_EQ(envValue(dev.functions.at(0), "ONLY_DEFAULT"), "default-file");

  stage_ = "prod";
  auto prod = ok(yaml);
  EXPECT_EQ(envValue(prod.functions.at(0), "SHARED"), "prod-file");
  // v3 loads .env.{stage} instead of .env, not on top of it.
  EXPECT_EQ(envValue(prod.functions.at(0), "ONLY_DEFAULT"), "not-loaded");
  EXPECT_EQ(envValue(prod.functions.at(0), "PROCESS"), "process");
}

TEST_F(Variables, DotenvStageComesFromProviderStage) {
  write(".env.qa", "V=qa-file\n");
  auto project = ok("useDotenv: true\n" + std::string(kHead) +
                    "  stage: qa\nfunctions:\n  app:\n    handler: handler.main\n"
                    "    environment:\n      V: ${env:V}\n");
  EXPECT_EQ(envValue(project.functions.at(0), "V"), "qa-file");
}

TEST_F(Variables, DotenvMayNotDefineWhatChoosesIt) {
  write(".env", "STAGE=qa\n");
  auto errors = failing("useDotenv: true\n" + std::string(kHead) +
                        "  stage: ${env:STAGE, 'dev'}\nfunctions:\n  app:\n"
                        "    handler: handler.main\n");
  auto error = errorAt(errors, "useDotenv");
  EXPECT_TRUE(contains(error.message, "STAGE")) << error.message;
}

TEST_F(Variables, LoadingTwiceGivesTheSameResult) {
  env_["X"] = "1";
  std::string yaml = withEnvironment("      X: ${env:X}\n");
  auto first = ok(yaml);
  auto second = loadProject(options());
  ASSERT_TRUE(std::holds_alternative<ProjectConfig>(second));
  EXPECT_EQ(std::get<ProjectConfig>(second).functions.at(0).environment,
            first.functions.at(0).environment);
}

}  // namespace
}  // namespace nimbus::config::testing
