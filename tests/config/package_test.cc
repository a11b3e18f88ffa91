// `package:` at service and function level (patterns, include/exclude, individually, artifact,
// excludeDevDependencies).
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Package = ProjectTest;

TEST_F(Package, AbsentMeansDefaults) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  app:
    handler: handler.main
)yaml");
  EXPECT_TRUE(project.package.patterns.empty());
  EXPECT_FALSE(project.package.individually);
  EXPECT_TRUE(project.package.artifact.empty());
  EXPECT_TRUE(project.package.excludeDevDependencies);
  EXPECT_EQ(project.package.where.line, 0);
  EXPECT_FALSE(project.useDotenv);
  EXPECT_TRUE(project.functions.at(0).package.patterns.empty());
  EXPECT_TRUE(project.functions.at(0).onError.empty());
}

TEST_F(Package, ServiceAndFunctionKeys) {
  cli_["dir"] = "src";
  auto project = ok(R"yaml(
service: shop
useDotenv: true
provider:
  name: aws
  runtime: nodejs20.x
package:
  individually: true
  excludeDevDependencies: false
  patterns:
    - '!tests/**'
    - ${opt:dir}/**
  include: [a.txt]
  exclude: [b.txt]
  artifact: build/all.zip
functions:
  app:
    handler: handler.main
    onError: arn:aws:sns:us-east-1:000000000000:failures
    package:
      individually: 'false'
      patterns: '!docs/**'
      artifact: build/app.zip
  worker:
    handler: worker.main
)yaml");
  EXPECT_TRUE(project.useDotenv);
  const auto& p = project.package;
  EXPECT_TRUE(p.individually);
  EXPECT_FALSE(p.excludeDevDependencies);
  EXPECT_EQ(p.patterns, (std::vector<std::string>{"!tests/**", "src/**"}));
  EXPECT_EQ(p.include, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(p.exclude, std::vector<std::string>{"b.txt"});
  EXPECT_EQ(p.artifact, "build/all.zip");
  EXPECT_EQ(p.artifactWhere.line, 14);
  EXPECT_EQ(p.where.line, 6);
  const auto& app = project.functions.at(0);
  EXPECT_EQ(app.onError, "arn:aws:sns:us-east-1:000000000000:failures");
  EXPECT_FALSE(app.package.individually);
  // One string is a list of one, as the Framework's schema coerces it.
  EXPECT_EQ(app.package.patterns, std::vector<std::string>{"!docs/**"});
  EXPECT_EQ(app.package.artifact, "build/app.zip");
  EXPECT_EQ(app.package.where.line, 19);
  EXPECT_TRUE(project.functions.at(1).package.patterns.empty());
}

TEST_F(Package, WrongTypesAreErrorsWithTheirLocation) {
  auto errors = failing(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
package:
  patterns:
    a: b
  individually: maybe
  artifact: [x.zip]
  include:
    - ok.txt
    - {not: a string}
functions:
  app:
    handler: handler.main
    onError: [arn]
    package:
      exclude: 42x
      individually: 2
      artifact: ''
  other:
    handler: handler.other
    package: yes please
)yaml");
  EXPECT_EQ(errorAt(errors, "package.patterns").where.line, 6);
  EXPECT_TRUE(contains(errorAt(errors, "package.patterns").message, "list of strings"));
  EXPECT_EQ(errorAt(errors, "package.individually").where.line, 8);
  EXPECT_TRUE(contains(errorAt(errors, "package.individually").message, "true or false"));
  EXPECT_EQ(errorAt(errors, "package.artifact").where.line, 9);
  EXPECT_EQ(errorAt(errors, "package.include[1]").where.line, 12);
  EXPECT_EQ(errorAt(errors, "functions.app.onError").where.line, 16);
  EXPECT_EQ(errorAt(errors, "functions.app.package.individually").where.line, 19);
  EXPECT_EQ(errorAt(errors, "functions.app.package.artifact").where.line, 20);
  auto other = errorAt(errors, "functions.other.package");
  EXPECT_EQ(other.where.line, 23);
  EXPECT_TRUE(contains(other.message, "must be a mapping")) << other.message;
  EXPECT_EQ(errors.size(), 8u) << describe(errors);
  EXPECT_TRUE(contains(errorAt(errors, "package.patterns").format(), "serverless.yml:6:"));
}

TEST_F(Package, UnknownKeysAreWarnedAbout) {
  auto project = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
package:
  path: out
functions:
  app:
    handler: handler.main
    package:
      disable: true
      excludeDevDependencies: false
)yaml");
  std::string all;
  for (const auto& w : project.warnings) all += w + "\n";
  EXPECT_TRUE(contains(all, "serverless.yml:6: package.path is not supported yet")) << all;
  EXPECT_TRUE(contains(all, "serverless.yml:11: functions.app.package.disable is not supported"))
      << all;
  EXPECT_TRUE(contains(all, "functions.app.package.excludeDevDependencies is not supported"))
      << all;
}

}  // namespace
}  // namespace nimbus::config::testing
