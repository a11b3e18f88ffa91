// The build and packaging plugins nimbus runs itself: which plugin builds, its `custom` settings
// handed on as JSON (variables resolved), the forms each takes, and the errors and warnings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using BuildPlugins = ProjectTest;

TEST_F(BuildPlugins, EsbuildSettingsAreHandedOnResolved) {
  env_["MINIFY"] = "true";
  auto project = ok(R"yaml(
service: shop
plugins:
  - serverless-esbuild
  - serverless-offline
custom:
  esbuild:
    bundle: true
    minify: ${strToBool(${env:MINIFY})}
    external: [pg-native]
    target: node20
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: src/handler.main
)yaml");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::Esbuild);
  EXPECT_EQ(project.build.plugin, "serverless-esbuild");
  EXPECT_EQ(project.build.where.line, 3);
  auto settings = nlohmann::json::parse(project.build.settingsJson);
  EXPECT_EQ(settings["minify"], true);
  EXPECT_EQ(settings["external"], nlohmann::json::array({"pg-native"}));
  EXPECT_EQ(settings["target"], "node20");
  // The plugin nimbus runs is not named among the ignored ones.
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "ignored: serverless-offline"));
  EXPECT_FALSE(contains(project.warnings[0], "esbuild"));
}

TEST_F(BuildPlugins, WithoutSettingsTheSettingsAreEmpty) {
  auto project = ok(R"yaml(
service: shop
plugins: [serverless-plugin-typescript]
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::Typescript);
  EXPECT_EQ(project.build.settingsJson, "{}");
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(BuildPlugins, AScopedForkBuildsAsThePluginItForks) {
  auto project = ok(R"yaml(
service: shop
plugins: ['@hewmen/serverless-plugin-typescript']
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::Typescript);
  EXPECT_EQ(project.build.plugin, "@hewmen/serverless-plugin-typescript");
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(BuildPlugins, TypescriptReadsItsOwnSection) {
  auto project = ok(R"yaml(
service: shop
plugins: [serverless-plugin-typescript]
custom:
  serverlessPluginTypescript:
    tsConfigFileLocation: ./tsconfig.build.json
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  auto settings = nlohmann::json::parse(project.build.settingsJson);
  EXPECT_EQ(settings["tsConfigFileLocation"], "./tsconfig.build.json");
}

TEST_F(BuildPlugins, WebpackTakesTheOlderStringForm) {
  auto project = ok(R"yaml(
service: shop
plugins: [serverless-webpack]
custom:
  webpack: ./config/webpack.js
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::Webpack);
  EXPECT_EQ(nlohmann::json::parse(project.build.settingsJson)["webpackConfig"],
            "./config/webpack.js");
}

TEST_F(BuildPlugins, ASecondBuildPluginIsWarnedAboutAndTheFirstBuilds) {
  auto project = ok(R"yaml(
service: shop
plugins:
  - serverless-webpack
  - serverless-esbuild
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::Webpack);
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_EQ(project.warnings[0],
            "serverless.yml:4: plugins[1]: serverless-webpack already builds the functions; "
            "serverless-esbuild is ignored");
}

TEST_F(BuildPlugins, SettingsThatAreNotAMappingAreAnError) {
  auto errors = failing(R"yaml(
service: shop
plugins: [serverless-esbuild]
custom:
  esbuild: [bundle]
provider:
  name: aws
  runtime: nodejs20.x
)yaml");
  auto error = errorAt(errors, "custom.esbuild");
  EXPECT_EQ(error.where.line, 4);
  EXPECT_TRUE(contains(error.message, "mapping"));
}

TEST_F(BuildPlugins, WsgiNeedsItsApplication) {
  auto project = ok(R"yaml(
service: flask
plugins: [serverless-wsgi, serverless-python-requirements]
custom:
  wsgi:
    app: api.app
  pythonRequirements:
    fileName: requirements/prod.txt
provider:
  name: aws
  runtime: python3.11
functions:
  api:
    handler: wsgi_handler.handler
)yaml");
  EXPECT_EQ(project.python.wsgiApp, "api.app");
  EXPECT_EQ(project.python.wsgiWhere.line, 5);
  EXPECT_TRUE(project.python.requirements);
  EXPECT_EQ(project.python.requirementsFile, "requirements/prod.txt");
  EXPECT_EQ(project.build.tool, BuildConfig::Tool::None);
  EXPECT_TRUE(project.warnings.empty());

  auto errors = failing(R"yaml(
service: flask
plugins: [serverless-wsgi]
provider:
  name: aws
  runtime: python3.11
)yaml");
  auto error = errorAt(errors, "custom.wsgi.app");
  EXPECT_EQ(error.where.line, 2);
  EXPECT_TRUE(contains(error.message, "custom.wsgi.app"));
}

TEST_F(BuildPlugins, RequirementsDefaultToRequirementsTxt) {
  auto project = ok(R"yaml(
service: py
plugins: [serverless-python-requirements]
provider:
  name: aws
  runtime: python3.11
)yaml");
  EXPECT_TRUE(project.python.requirements);
  EXPECT_EQ(project.python.requirementsFile, "requirements.txt");
}

}  // namespace
}  // namespace nimbus::config::testing
