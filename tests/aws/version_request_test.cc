// PublishVersion and alias request members, qualifiers and MaxItems, checked as Lambda checks
// them.
#include "aws/lambda/version_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::aws {
namespace {

using nlohmann::json;

TEST(VersionRequest, Qualifiers) {
  EXPECT_FALSE(checkQualifier(""));
  EXPECT_FALSE(checkQualifier("$LATEST"));
  EXPECT_FALSE(checkQualifier("12"));
  EXPECT_FALSE(checkQualifier("live_2-b"));
  auto e = checkQualifier("bad:one");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
  EXPECT_EQ(e->message,
            "1 validation error detected: Value 'bad:one' at 'qualifier' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
  EXPECT_TRUE(checkQualifier(std::string(129, 'a')));
}

TEST(VersionRequest, AliasNames) {
  EXPECT_FALSE(checkAliasName("live"));
  EXPECT_FALSE(checkAliasName("blue-green_2"));
  EXPECT_FALSE(checkAliasName("2live"));
  for (const char* bad : {"", "12", "$LATEST", "a.b"}) {
    auto e = checkAliasName(bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->code, "ValidationException");
  }
}

TEST(VersionRequest, PublishVersionMembers) {
  lambda::PublishRequest publish;
  EXPECT_FALSE(readPublishVersion(json::object(), publish));
  EXPECT_EQ(publish.codeSha256, "");
  EXPECT_FALSE(publish.description);
  EXPECT_FALSE(readPublishVersion(
      {{"CodeSha256", "abc"}, {"RevisionId", "r"}, {"Description", "d"}}, publish));
  EXPECT_EQ(publish.codeSha256, "abc");
  EXPECT_EQ(publish.revisionId, "r");
  EXPECT_EQ(publish.description, "d");
  auto e = readPublishVersion({{"CodeSha256", 5}}, publish);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidRequestContentException");
}

TEST(VersionRequest, CreateAliasNeedsNameAndVersion) {
  AliasSettings settings;
  auto e = readAliasSettings({{"FunctionVersion", "1"}}, true, settings);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null");
  e = readAliasSettings({{"Name", "live"}}, true, settings);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("'functionVersion'"), std::string::npos);
  e = readAliasSettings({{"Name", "live"}, {"FunctionVersion", "latest"}}, true, settings);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("(\\$LATEST|[0-9]+)"), std::string::npos);

  AliasSettings ok;
  EXPECT_FALSE(readAliasSettings({{"Name", "live"},
                                  {"FunctionVersion", "1"},
                                  {"RoutingConfig", {{"AdditionalVersionWeights", {{"2", 0.5}}}}}},
                                 true, ok));
  lambda::FunctionAlias alias;
  ok.applyTo(alias);
  EXPECT_EQ(alias.functionVersion, "1");
  EXPECT_EQ(alias.additionalVersion, "2");
  EXPECT_EQ(alias.additionalWeight, 0.5);
}

TEST(VersionRequest, RoutingWeights) {
  auto routing = [](json weights) {
    AliasSettings settings;
    auto e = readAliasSettings({{"RoutingConfig", {{"AdditionalVersionWeights", weights}}}}, false,
                               settings);
    return std::make_pair(e, settings);
  };
  auto [tooMany, _] = routing({{"2", 0.1}, {"3", 0.1}});
  ASSERT_TRUE(tooMany);
  EXPECT_EQ(tooMany->code, "InvalidParameterValueException");
  EXPECT_EQ(tooMany->message,
            "Number of items in AdditionalVersionWeights cannot be greater than 1");
  auto [heavy, __] = routing({{"2", 2}});
  ASSERT_TRUE(heavy);
  EXPECT_EQ(heavy->code, "ValidationException");
  EXPECT_NE(heavy->message.find("Value '{2=2.0}' at 'routingConfig.additionalVersionWeights'"),
            std::string::npos)
      << heavy->message;
  auto [latest, ___] = routing({{"$LATEST", 0.5}});
  ASSERT_TRUE(latest);
  EXPECT_NE(latest->message.find("Map keys must satisfy constraint"), std::string::npos);

  // An empty map removes the routing.
  auto [none, cleared] = routing(json::object());
  EXPECT_FALSE(none);
  lambda::FunctionAlias alias{"f", "live", "1", "", "2", 0.5, "r"};
  cleared.applyTo(alias);
  EXPECT_EQ(alias.additionalVersion, "");
  EXPECT_EQ(alias.additionalWeight, 0);
  // UpdateAlias without RoutingConfig keeps it.
  AliasSettings untouched;
  EXPECT_FALSE(readAliasSettings({{"Description", "d"}}, false, untouched));
  lambda::FunctionAlias kept{"f", "live", "1", "", "2", 0.5, "r"};
  untouched.applyTo(kept);
  EXPECT_EQ(kept.additionalVersion, "2");
  EXPECT_EQ(kept.description, "d");
}

TEST(VersionRequest, MaxItems) {
  std::optional<int> max;
  EXPECT_FALSE(readMaxItems("", max));
  EXPECT_FALSE(max);
  EXPECT_FALSE(readMaxItems("MaxItems=5&Marker=2", max));
  EXPECT_EQ(max, 5);
  auto e = readMaxItems("MaxItems=0", max);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("greater than or equal to 1"), std::string::npos);
  EXPECT_TRUE(readMaxItems("MaxItems=10001", max));
  EXPECT_TRUE(readMaxItems("MaxItems=x", max));
}

}  // namespace
}  // namespace nimbus::aws
