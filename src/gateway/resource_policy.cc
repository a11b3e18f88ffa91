#include "gateway/resource_policy.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/json_writer.h"

namespace nimbus::gateway {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "execute-api:/stage/METHOD/path" (API Gateway's abbreviation) becomes the API's full ARN.
std::string expandResource(const std::string& resource, const PolicyScope& scope) {
  static constexpr std::string_view kAbbreviated = "execute-api:/";
  if (resource.rfind(kAbbreviated, 0) != 0) return resource;
  return fmt::format("arn:aws:execute-api:{}:{}:{}/{}", scope.region, scope.accountId, scope.apiId,
                     std::string_view(resource).substr(kAbbreviated.size()));
}

}  // namespace

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) return address;
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(address.bytes.data(), kMapped, sizeof kMapped) == 0) {
    std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
    std::fill(address.bytes.begin() + 4, address.bytes.end(), 0);
    return address;
  }
  address.v6 = true;
  return address;
}

std::optional<Cidr> parseCidr(std::string_view text) {
  size_t slash = text.find('/');
  auto address = parseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  int maxLength = address->v6 ? 128 : 32;
  Cidr cidr{*address, maxLength};
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cidr.prefixLength);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        cidr.prefixLength < 0 || cidr.prefixLength > maxLength) {
      return std::nullopt;
    }
  }
  return cidr;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.v6 != network.v6) return false;
  int full = prefixLength / 8;
  if (std::memcmp(address.bytes.data(), network.bytes.data(), full) != 0) return false;
  int rest = prefixLength % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full] & mask) == (network.bytes[full] & mask);
}

bool matchesWildcard(std::string_view pattern, std::string_view text, bool ignoreCase) {
  // Iterative glob match with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto same = [&](char a, char b) { return ignoreCase ? lower(a) == lower(b) : a == b; };
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::variant<ResourcePolicy, std::vector<ResourcePolicy::Problem>> ResourcePolicy::compile(
    const std::vector<PolicyStatementSpec>& specs, const PolicyScope& scope) {
  ResourcePolicy policy;
  std::vector<Problem> problems;
  for (size_t i = 0; i < specs.size(); ++i) {
    const PolicyStatementSpec& spec = specs[i];
    Statement s;
    s.allow = spec.allow;
    // Requests reach a local gateway unsigned: the caller is anonymous, whom only a "*"
    // principal names.
    bool namesAnyone =
        std::find(spec.principals.begin(), spec.principals.end(), "*") != spec.principals.end();
    s.appliesToAnonymous = spec.notPrincipal ? !namesAnyone : namesAnyone;
    s.actions = spec.actions;
    s.notAction = spec.notAction;
    for (const auto& resource : spec.resources)
      s.resources.push_back(expandResource(resource, scope));
    s.notResource = spec.notResource;
    for (size_t c = 0; c < spec.conditions.size(); ++c) {
      const auto& written = spec.conditions[c];
      Condition condition;
      std::string_view op = written.op;
      if (size_t colon = op.find(':'); colon != std::string_view::npos) {
        op = op.substr(colon + 1);  // ForAnyValue:, ForAllValues: qualifiers.
      }
      if (endsWith(op, "IfExists")) {
        condition.ifExists = true;
        op.remove_suffix(std::string_view("IfExists").size());
      }
      bool sourceIp = equalsNoCase(written.key, "aws:SourceIp");
      if (sourceIp && (op == "IpAddress" || op == "NotIpAddress")) {
        condition.kind =
            op == "IpAddress" ? Condition::Kind::SourceIp : Condition::Kind::NotSourceIp;
        for (const auto& value : written.values) {
          auto cidr = parseCidr(value);
          if (!cidr) {
            problems.push_back({i, static_cast<int>(c),
                                fmt::format("'{}' is not an IP address or CIDR block", value)});
            continue;
          }
          condition.cidrs.push_back(*cidr);
        }
      } else {
        // A key a local request does not carry (aws:SourceVpce, aws:PrincipalOrgID, ...): IAM
        // gives false for positive operators and true for negated ones, for IfExists, and for
        // Null: true.
        condition.kind = Condition::Kind::KeyAbsent;
        bool negated = op.find("Not") != std::string_view::npos;
        bool nullTrue = op == "Null" && std::find(written.values.begin(), written.values.end(),
                                                  "true") != written.values.end();
        condition.absentResult = condition.ifExists || negated || nullTrue;
      }
      s.conditions.push_back(std::move(condition));
    }
    policy.statements_.push_back(std::move(s));
  }
  if (!problems.empty()) return problems;
  return policy;
}

bool ResourcePolicy::applies(const Statement& s, std::string_view arn,
                             const std::optional<IpAddress>& source) const {
  if (!s.appliesToAnonymous) return false;
  bool action = std::any_of(s.actions.begin(), s.actions.end(), [](const std::string& a) {
    return matchesWildcard(a, "execute-api:Invoke", true);
  });
  if (action == s.notAction) return false;
  bool resource = std::any_of(s.resources.begin(), s.resources.end(),
                              [&](const std::string& r) { return matchesWildcard(r, arn); });
  if (resource == s.notResource) return false;
  for (const auto& c : s.conditions) {
    bool result = false;
    switch (c.kind) {
      case Condition::Kind::KeyAbsent:
        result = c.absentResult;
        break;
      case Condition::Kind::SourceIp:
      case Condition::Kind::NotSourceIp: {
        if (!source) {
          result = c.ifExists || c.kind == Condition::Kind::NotSourceIp;
          break;
        }
        bool inside = std::any_of(c.cidrs.begin(), c.cidrs.end(),
                                  [&](const Cidr& cidr) { return cidr.contains(*source); });
        result = c.kind == Condition::Kind::SourceIp ? inside : !inside;
        break;
      }
    }
    if (!result) return false;
  }
  return true;
}

ResourcePolicy::Decision ResourcePolicy::decide(std::string_view arn,
                                                std::string_view sourceIp) const {
  std::optional<IpAddress> source = parseIpAddress(sourceIp);
  bool allowed = false;
  for (const auto& s : statements_) {
    if (!applies(s, arn, source)) continue;
    if (!s.allow) return Decision::ExplicitDeny;  // An explicit Deny wins over any Allow.
    allowed = true;
  }
  return allowed ? Decision::Allow : Decision::ImplicitDeny;
}

std::string methodArn(const PolicyScope& scope, std::string_view stage, std::string_view method,
                      std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return fmt::format("arn:aws:execute-api:{}:{}:{}/{}/{}/{}", scope.region, scope.accountId,
                     scope.apiId, stage, method, path);
}

HttpResponse resourcePolicyDenial(std::string_view arn, const ResponseIds& ids) {
  // API Gateway masks the account id in the message: arn:aws:execute-api:region:********1234:...
  std::string shown(arn);
  size_t accountStart = 0;
  for (int colons = 0; accountStart < shown.size() && colons < 4; ++accountStart) {
    if (shown[accountStart] == ':') ++colons;
  }
  size_t accountEnd = shown.find(':', accountStart);
  if (accountEnd != std::string::npos && accountEnd - accountStart > 4) {
    std::fill(shown.begin() + accountStart, shown.begin() + accountEnd - 4, '*');
  }
  HttpResponse response;
  response.status = 403;
  response.body = R"({"Message":)";
  appendJsonString(
      response.body,
      "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + shown);
  response.body += '}';
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back({"x-amzn-ErrorType", "AccessDeniedException"});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

}  // namespace nimbus::gateway
