#include "gateway/resource_policy.h"

#include <gtest/gtest.h>

namespace nimbus::gateway {
namespace {

const PolicyScope kScope{"us-east-1", "000000000000", "abcdef1234"};
const ResponseIds kIds{"req-1", "ext-1", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"};

PolicyStatementSpec statement(bool allow, std::vector<std::string> resources,
                              std::vector<PolicyStatementSpec::Condition> conditions = {}) {
  PolicyStatementSpec s;
  s.allow = allow;
  s.principals = {"*"};
  s.actions = {"execute-api:Invoke"};
  s.resources = std::move(resources);
  s.conditions = std::move(conditions);
  return s;
}

ResourcePolicy compiled(const std::vector<PolicyStatementSpec>& specs) {
  auto result = ResourcePolicy::compile(specs, kScope);
  EXPECT_TRUE(std::holds_alternative<ResourcePolicy>(result));
  return std::get<ResourcePolicy>(std::move(result));
}

std::string arn(std::string_view method, std::string_view path) {
  return methodArn(kScope, "dev", method, path);
}

TEST(ResourcePolicyTest, Addresses) {
  auto v4 = parseIpAddress("192.168.1.10");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->v6);
  auto mapped = parseIpAddress("::ffff:192.168.1.10");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  EXPECT_EQ(mapped->bytes, v4->bytes);
  EXPECT_TRUE(parseIpAddress("2001:db8::1")->v6);
  EXPECT_FALSE(parseIpAddress("192.168.1"));
  EXPECT_FALSE(parseIpAddress("localhost"));
  EXPECT_FALSE(parseIpAddress(""));

  auto net = parseCidr("192.168.0.0/16");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(*v4));
  EXPECT_FALSE(parseCidr("10.0.0.0/8")->contains(*v4));
  EXPECT_TRUE(parseCidr("0.0.0.0/0")->contains(*v4));
  EXPECT_TRUE(parseCidr("192.168.1.10")->contains(*v4));
  EXPECT_FALSE(parseCidr("192.168.1.11")->contains(*v4));
  EXPECT_TRUE(parseCidr("192.168.1.8/29")->contains(*v4));
  EXPECT_FALSE(parseCidr("192.168.1.0/29")->contains(*v4));
  EXPECT_TRUE(parseCidr("2001:db8::/32")->contains(*parseIpAddress("2001:db8:ffff::2")));
  EXPECT_FALSE(parseCidr("2001:db8::/32")->contains(*parseIpAddress("2001:db9::2")));
  EXPECT_FALSE(parseCidr("::/0")->contains(*v4));  // Families never match each other.
  EXPECT_FALSE(parseCidr("10.0.0.0/33"));
  EXPECT_FALSE(parseCidr("10.0.0.0/"));
  EXPECT_FALSE(parseCidr("10.0.0.0/x"));
}

TEST(ResourcePolicyTest, Wildcards) {
  EXPECT_TRUE(
      matchesWildcard("arn:aws:execute-api:*:*:*", "arn:aws:execute-api:us-east-1:0:a/dev/GET/"));
  EXPECT_TRUE(matchesWildcard("a*/GET/*", "abc/GET/items/1"));
  EXPECT_FALSE(matchesWildcard("a*/GET/*", "abc/POST/items"));
  EXPECT_TRUE(matchesWildcard("a?c", "abc"));
  EXPECT_FALSE(matchesWildcard("a?c", "ac"));
  EXPECT_TRUE(matchesWildcard("execute-api:*", "EXECUTE-API:Invoke", true));
  EXPECT_FALSE(matchesWildcard("execute-api:*", "EXECUTE-API:Invoke"));
}

TEST(ResourcePolicyTest, MethodArnAndDenial) {
  EXPECT_EQ(arn("GET", "/items/1"),
            "arn:aws:execute-api:us-east-1:000000000000:abcdef1234/dev/GET/items/1");
  EXPECT_EQ(arn("GET", "/"), "arn:aws:execute-api:us-east-1:000000000000:abcdef1234/dev/GET/");
  HttpResponse r = resourcePolicyDenial(arn("GET", "/items"), kIds);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body,
            R"({"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on )"
            R"(resource: arn:aws:execute-api:us-east-1:********0000:abcdef1234/dev/GET/items"})");
  EXPECT_EQ(findHeader(r.headers, "x-amzn-ErrorType")->value, "AccessDeniedException");
  EXPECT_EQ(findHeader(r.headers, "Content-Type")->value, "application/json");
  EXPECT_EQ(findHeader(r.headers, "x-amzn-RequestId")->value, "req-1");
}

TEST(ResourcePolicyTest, AllowByIpAndImplicitDeny) {
  auto policy = compiled({statement(true, {"execute-api:/*/*/*"},
                                    {{"IpAddress", "aws:SourceIp", {"127.0.0.0/8", "::1"}}})});
  EXPECT_TRUE(policy.allows(arn("GET", "/items"), "127.0.0.1"));
  EXPECT_TRUE(policy.allows(arn("POST", "/"), "::1"));
  EXPECT_TRUE(policy.allows(arn("GET", "/items"), "::ffff:127.0.0.1"));
  EXPECT_FALSE(policy.allows(arn("GET", "/items"), "10.1.2.3"));  // No Allow applies.
  EXPECT_FALSE(policy.allows(arn("GET", "/items"), ""));
}

TEST(ResourcePolicyTest, ExplicitDenyWins) {
  auto policy = compiled({
      statement(true, {"execute-api:/*"}),
      statement(false, {"execute-api:/*/POST/*"},
                {{"NotIpAddress", "aws:SourceIp", {"10.0.0.0/8"}}}),
  });
  EXPECT_TRUE(policy.allows(arn("GET", "/items"), "127.0.0.1"));
  EXPECT_FALSE(policy.allows(arn("POST", "/items"), "127.0.0.1"));
  EXPECT_TRUE(policy.allows(arn("POST", "/items"), "10.0.0.7"));
  EXPECT_FALSE(policy.allows(arn("POST", "/"), "127.0.0.1"));  // "*" matches the empty path.
}

TEST(ResourcePolicyTest, ResourcesPrincipalsAndActions) {
  PolicyStatementSpec other = statement(true, {"*"});
  other.principals = {"arn:aws:iam::123456789012:root"};  // Never an unsigned caller.
  PolicyStatementSpec wrongApi = statement(true, {"arn:aws:execute-api:us-east-1:*:otherapi/*"});
  PolicyStatementSpec wrongAction = statement(true, {"*"});
  wrongAction.actions = {"execute-api:ManageConnections"};
  EXPECT_FALSE(compiled({other}).allows(arn("GET", "/x"), "127.0.0.1"));
  EXPECT_FALSE(compiled({wrongApi}).allows(arn("GET", "/x"), "127.0.0.1"));
  EXPECT_FALSE(compiled({wrongAction}).allows(arn("GET", "/x"), "127.0.0.1"));

  PolicyStatementSpec full =
      statement(true, {"arn:aws:execute-api:us-east-1:000000000000:abcdef1234/dev/GET/items/*"});
  full.actions = {"execute-api:*"};
  EXPECT_TRUE(compiled({full}).allows(arn("GET", "/items/1"), "127.0.0.1"));
  EXPECT_FALSE(compiled({full}).allows(arn("GET", "/other"), "127.0.0.1"));

  PolicyStatementSpec notResource = statement(true, {});
  notResource.resources = {"execute-api:/*/DELETE/*"};
  notResource.notResource = true;
  EXPECT_TRUE(compiled({notResource}).allows(arn("GET", "/x"), "127.0.0.1"));
  EXPECT_FALSE(compiled({notResource}).allows(arn("DELETE", "/x"), "127.0.0.1"));
}

TEST(ResourcePolicyTest, ConditionsOnKeysALocalRequestLacks) {
  // aws:SourceVpce is absent: StringEquals is false, StringNotEquals true.
  auto vpce = compiled({statement(true, {"*"}, {{"StringEquals", "aws:SourceVpce", {"vpce-1"}}})});
  EXPECT_FALSE(vpce.allows(arn("GET", "/x"), "127.0.0.1"));
  auto notVpce =
      compiled({statement(true, {"*"}, {{"StringNotEquals", "aws:SourceVpce", {"vpce-1"}}})});
  EXPECT_TRUE(notVpce.allows(arn("GET", "/x"), "127.0.0.1"));
  // All conditions of a statement must hold.
  auto both = compiled({statement(true, {"*"},
                                  {{"IpAddress", "aws:SourceIp", {"127.0.0.1"}},
                                   {"StringEquals", "aws:SourceVpce", {"vpce-1"}}})});
  EXPECT_FALSE(both.allows(arn("GET", "/x"), "127.0.0.1"));
}

TEST(ResourcePolicyTest, BadCidrsAreProblems) {
  auto result = ResourcePolicy::compile(
      {statement(true, {"*"}),
       statement(true, {"*"}, {{"IpAddress", "aws:SourceIp", {"1.2.3.4/40"}}})},
      kScope);
  auto* problems = std::get_if<std::vector<ResourcePolicy::Problem>>(&result);
  ASSERT_TRUE(problems);
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_EQ((*problems)[0].statement, 1u);
  EXPECT_EQ((*problems)[0].condition, 0);
  EXPECT_EQ((*problems)[0].message, "'1.2.3.4/40' is not an IP address or CIDR block");
}

}  // namespace
}  // namespace nimbus::gateway
