// The pure parts of versions and aliases: qualifiers, alias routing, the checks on an alias's
// routing and the store records of versions and aliases.
#include <gtest/gtest.h>

#include "lambda/function_registry.h"
#include "lambda/function_spec.h"

namespace nimbus::lambda {
namespace {

TEST(Versions, VersionNumbersAreDigitsOnly) {
  EXPECT_TRUE(isVersionNumber("1"));
  EXPECT_TRUE(isVersionNumber("42"));
  EXPECT_FALSE(isVersionNumber(""));
  EXPECT_FALSE(isVersionNumber("$LATEST"));
  EXPECT_FALSE(isVersionNumber("live"));
  EXPECT_FALSE(isVersionNumber("1a"));
  EXPECT_FALSE(isVersionNumber("99999999999"));  // Would not fit a version counter.
}

TEST(Versions, QualifiedNamesAndArns) {
  auto ref = parseFunctionReference("arn:aws:lambda:us-east-1:000000000000:function:orders:live");
  EXPECT_EQ(ref.name, "orders");
  EXPECT_EQ(ref.qualifier, "live");
  ref = parseFunctionReference("orders:3");
  EXPECT_EQ(ref.name, "orders");
  EXPECT_EQ(ref.qualifier, "3");

  FunctionSpec spec;
  spec.name = "orders";
  EXPECT_EQ(spec.poolKey(), "orders");
  EXPECT_EQ(spec.versionArn(), "arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST");
  spec.version = "3";
  EXPECT_EQ(spec.poolKey(), "orders:3");
  EXPECT_EQ(spec.versionArn(), "arn:aws:lambda:us-east-1:000000000000:function:orders:3");
}

TEST(Versions, AliasRoutesByWeight) {
  FunctionAlias alias;
  alias.functionVersion = "1";
  EXPECT_EQ(alias.route(0.0), "1");
  EXPECT_EQ(alias.route(0.99), "1");
  alias.additionalVersion = "2";
  alias.additionalWeight = 0.25;
  EXPECT_EQ(alias.route(0.0), "2");
  EXPECT_EQ(alias.route(0.2499), "2");
  EXPECT_EQ(alias.route(0.25), "1");
  EXPECT_EQ(alias.route(0.9), "1");
  alias.additionalWeight = 0;
  EXPECT_EQ(alias.route(0.0), "1") << "weight 0 sends nothing to the second version";
  alias.additionalWeight = 1;
  EXPECT_EQ(alias.route(0.999), "2");
  EXPECT_TRUE(alias.references("1"));
  EXPECT_TRUE(alias.references("2"));
  EXPECT_FALSE(alias.references("3"));
}

TEST(Versions, AliasRoutingProblemsInLambdasWords) {
  FunctionAlias alias;
  alias.functionVersion = "1";
  EXPECT_FALSE(aliasRoutingProblem(alias));
  alias.additionalVersion = "2";
  EXPECT_FALSE(aliasRoutingProblem(alias));
  alias.additionalVersion = "1";
  EXPECT_EQ(aliasRoutingProblem(alias),
            "Invalid function version 1. Function version 1 is already included in routing "
            "configuration.");
  alias.functionVersion = "$LATEST";
  alias.additionalVersion = "2";
  EXPECT_EQ(aliasRoutingProblem(alias),
            "$LATEST is not supported for an alias pointing to more than 1 version");
}

TEST(Versions, RecordsRoundTrip) {
  FunctionSpec spec;
  spec.name = "orders";
  spec.version = "7";
  spec.sourceRevisionId = "rev-latest";
  spec.revisionId = "rev-7";
  spec.codeSha256 = "sha";
  auto decoded = decodeFunctionRecord(encodeFunctionRecord(spec));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->version, "7");
  EXPECT_EQ(decoded->sourceRevisionId, "rev-latest");
  EXPECT_EQ(decoded->revisionId, "rev-7");
  // Records from before versions existed are $LATEST.
  auto old = decodeFunctionRecord(R"({"name":"orders","handler":"main.handler"})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->version, "$LATEST");

  FunctionAlias alias{"orders", "live", "3", "production", "4", 0.125, "rev"};
  auto back = decodeAliasRecord(encodeAliasRecord(alias));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->functionName, "orders");
  EXPECT_EQ(back->name, "live");
  EXPECT_EQ(back->functionVersion, "3");
  EXPECT_EQ(back->description, "production");
  EXPECT_EQ(back->additionalVersion, "4");
  EXPECT_EQ(back->additionalWeight, 0.125);
  EXPECT_EQ(back->revisionId, "rev");
  EXPECT_FALSE(decodeAliasRecord("not json"));
  EXPECT_FALSE(decodeAliasRecord(R"({"name":"live"})"));
}

}  // namespace
}  // namespace nimbus::lambda
