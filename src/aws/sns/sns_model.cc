#include "aws/sns/sns_model.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace nimbus::aws::sns {

using nlohmann::json;

namespace {

std::map<std::string, std::string> stringMap(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

std::string stringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool boolField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

bool Topic::contentBasedDeduplication() const {
  auto it = attributes.find("ContentBasedDeduplication");
  return it != attributes.end() && it->second == "true";
}

std::string Topic::signatureVersion() const {
  auto it = attributes.find("SignatureVersion");
  return it != attributes.end() && it->second == "2" ? "2" : "1";
}

bool Subscription::rawMessageDelivery() const {
  auto it = attributes.find("RawMessageDelivery");
  return it != attributes.end() && it->second == "true";
}

FilterScope Subscription::filterScope() const {
  auto it = attributes.find("FilterPolicyScope");
  return it != attributes.end() && it->second == "MessageBody" ? FilterScope::MessageBody
                                                               : FilterScope::MessageAttributes;
}

std::string topicRecord(const Topic& topic) {
  json j;
  j["arn"] = topic.arn;
  j["name"] = topic.name;
  j["fifo"] = topic.fifo;
  j["attributes"] = topic.attributes;
  j["tags"] = topic.tags;
  return j.dump();
}

std::optional<Topic> parseTopicRecord(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Topic t;
  t.arn = stringField(j, "arn");
  t.name = stringField(j, "name");
  t.fifo = boolField(j, "fifo");
  if (auto it = j.find("attributes"); it != j.end()) t.attributes = stringMap(*it);
  if (auto it = j.find("tags"); it != j.end()) t.tags = stringMap(*it);
  if (t.arn.empty() || t.name.empty()) return std::nullopt;
  return t;
}

std::string subscriptionRecord(const Subscription& s) {
  json j;
  j["arn"] = s.arn;
  j["topicArn"] = s.topicArn;
  j["protocol"] = s.protocol;
  j["endpoint"] = s.endpoint;
  j["pendingConfirmation"] = s.pendingConfirmation;
  j["confirmationWasAuthenticated"] = s.confirmationWasAuthenticated;
  j["token"] = s.token;
  j["attributes"] = s.attributes;
  return j.dump();
}

std::optional<Subscription> parseSubscriptionRecord(std::string_view value, std::string& warning) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Subscription s;
  s.arn = stringField(j, "arn");
  s.topicArn = stringField(j, "topicArn");
  s.protocol = stringField(j, "protocol");
  s.endpoint = stringField(j, "endpoint");
  s.pendingConfirmation = boolField(j, "pendingConfirmation");
  s.confirmationWasAuthenticated = boolField(j, "confirmationWasAuthenticated");
  s.token = stringField(j, "token");
  if (auto it = j.find("attributes"); it != j.end()) s.attributes = stringMap(*it);
  if (s.arn.empty() || s.topicArn.empty()) return std::nullopt;
  if (auto policy = s.attributes.find("FilterPolicy"); policy != s.attributes.end()) {
    auto compiled = FilterPolicy::compile(policy->second, s.filterScope());
    if (auto* p = std::get_if<std::shared_ptr<const FilterPolicy>>(&compiled)) {
      s.filter = *p;
    } else {
      warning = fmt::format(
          "subscription {}: its filter policy no longer compiles ({}); it "
          "now receives every message",
          s.arn, std::get<FilterPolicyError>(compiled).message);
    }
  }
  return s;
}

std::string topicArn(std::string_view region, std::string_view account, std::string_view name) {
  return fmt::format("arn:aws:sns:{}:{}:{}", region, account, name);
}

std::vector<std::string> splitArn(std::string_view arn) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = arn.find(':', start);
    parts.emplace_back(arn.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return parts;
}

std::string defaultTopicPolicy(std::string_view account, std::string_view topicArn) {
  json statement;
  statement["Sid"] = "__default_statement_ID";
  statement["Effect"] = "Allow";
  statement["Principal"] = {{"AWS", "*"}};
  statement["Action"] = {"SNS:GetTopicAttributes",
                         "SNS:SetTopicAttributes",
                         "SNS:AddPermission",
                         "SNS:RemovePermission",
                         "SNS:DeleteTopic",
                         "SNS:Subscribe",
                         "SNS:ListSubscriptionsByTopic",
                         "SNS:Publish"};
  statement["Resource"] = topicArn;
  statement["Condition"] = {{"StringEquals", {{"AWS:SourceOwner", account}}}};
  json policy;
  policy["Version"] = "2008-10-17";
  policy["Id"] = "__default_policy_ID";
  policy["Statement"] = json::array({statement});
  return policy.dump();
}

std::string defaultEffectiveDeliveryPolicy() {
  return R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,)"
         R"("numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,)"
         R"("backoffFunction":"linear"},"disableSubscriptionOverrides":false,)"
         R"("defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";
}

}  // namespace nimbus::aws::sns
