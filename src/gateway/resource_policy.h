// REST API resource policies (`provider.apiGateway.resourcePolicy`): IAM policy statements that
// decide whether a caller may invoke a method, evaluated as API Gateway evaluates them for
// unauthenticated callers ("anonymous"): an explicit Deny wins, otherwise an Allow is needed.
// The one condition key a local request has is aws:SourceIp (IpAddress / NotIpAddress, IPv4 and
// IPv6 CIDRs).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {

// An IPv4 or IPv6 address; IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) are IPv4.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4.
};
std::optional<IpAddress> parseIpAddress(std::string_view text);

// "10.0.0.0/8", "2001:db8::/32", or a single address (a /32 or /128).
struct Cidr {
  IpAddress network;
  int prefixLength = 0;
  bool contains(const IpAddress& address) const;
};
std::optional<Cidr> parseCidr(std::string_view text);

// IAM's wildcard match: '*' any run of characters (including none), '?' any one character.
bool matchesWildcard(std::string_view pattern, std::string_view text, bool ignoreCase = false);

// One statement as written in serverless.yml, with lists for the fields that take one.
struct PolicyStatementSpec {
  bool allow = true;                    // Effect: Allow or Deny.
  std::vector<std::string> principals;  // "*" for anyone; from Principal or NotPrincipal.
  bool notPrincipal = false;
  std::vector<std::string> actions;
  bool notAction = false;
  std::vector<std::string> resources;  // ARNs, abbreviated "execute-api:/stage/METHOD/path", "*".
  bool notResource = false;
  struct Condition {
    std::string op;   // "IpAddress", "NotIpAddress", "StringEquals", ...
    std::string key;  // "aws:SourceIp"
    std::vector<std::string> values;
  };
  std::vector<Condition> conditions;
};

// Where the request sits in API Gateway's ARN space.
struct PolicyScope {
  std::string region;
  std::string accountId = "000000000000";
  std::string apiId;
};

class ResourcePolicy {
 public:
  // A problem in one statement (index into the specs) or one of its conditions (-1: none).
  struct Problem {
    size_t statement = 0;
    int condition = -1;
    std::string message;
  };
  // Compiles the statements: expands abbreviated resources, parses CIDRs. Problems (a value of
  // aws:SourceIp that is not an address or CIDR) are returned instead of a policy.
  static std::variant<ResourcePolicy, std::vector<Problem>> compile(
      const std::vector<PolicyStatementSpec>& statements, const PolicyScope& scope);

  // Whether an anonymous caller from `sourceIp` may invoke `methodArn`.
  bool allows(std::string_view methodArn, std::string_view sourceIp) const {
    return decide(methodArn, sourceIp) == Decision::Allow;
  }
  // The same, telling an explicit Deny from the absence of an Allow (their answers differ).
  enum class Decision { Allow, ExplicitDeny, ImplicitDeny };
  Decision decide(std::string_view methodArn, std::string_view sourceIp) const;

 private:
  struct Condition {
    enum class Kind { SourceIp, NotSourceIp, KeyAbsent };
    Kind kind = Kind::KeyAbsent;
    bool ifExists = false;
    std::vector<Cidr> cidrs;
    bool absentResult = false;  // KeyAbsent: what the operator gives for a key the request lacks.
  };
  struct Statement {
    bool allow = true;
    bool appliesToAnonymous = true;
    std::vector<std::string> actions;
    bool notAction = false;
    std::vector<std::string> resources;
    bool notResource = false;
    std::vector<Condition> conditions;
  };
  bool applies(const Statement& s, std::string_view methodArn,
               const std::optional<IpAddress>& source) const;

  std::vector<Statement> statements_;
};

// The ARN API Gateway checks a REST request against:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path without its leading /}.
std::string methodArn(const PolicyScope& scope, std::string_view stage, std::string_view method,
                      std::string_view path);

// API Gateway's 403 for a caller the resource policy does not allow: {"Message":"User:
// anonymous is not authorized to perform: execute-api:Invoke on resource: ARN"}, with the
// account id masked but for its last four digits, and x-amzn-ErrorType AccessDeniedException.
HttpResponse resourcePolicyDenial(std::string_view methodArn, const ResponseIds& ids);

}  // namespace nimbus::gateway
