// Topics and subscriptions as SNS keeps them, and their durable records in the store (kinds
// "sns.topic" and "sns.subscription", keyed by ARN, values in JSON).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sns/filter_policy.h"

namespace nimbus::aws::sns {

inline constexpr std::string_view kTopicRecord = "sns.topic";
inline constexpr std::string_view kSubscriptionRecord = "sns.subscription";

struct Topic {
  std::string arn;
  std::string name;
  bool fifo = false;
  // Attributes as the caller set them (DisplayName, Policy, DeliveryPolicy,
  // ContentBasedDeduplication, SignatureVersion, ...); the computed ones are added on read.
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> tags;

  bool contentBasedDeduplication() const;
  std::string signatureVersion() const;  // "1" unless set to "2".
};

struct Subscription {
  std::string arn;
  std::string topicArn;
  std::string protocol;  // "sqs", "lambda", "http", "https"
  std::string endpoint;
  bool pendingConfirmation = false;
  bool confirmationWasAuthenticated = false;
  std::string token;  // The confirmation token sent to http(s) endpoints.
  // RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy, ...
  std::map<std::string, std::string> attributes;
  // FilterPolicy compiled for FilterPolicyScope; null when there is no policy.
  std::shared_ptr<const FilterPolicy> filter;

  bool rawMessageDelivery() const;
  FilterScope filterScope() const;
  bool isHttp() const { return protocol == "http" || protocol == "https"; }
};

std::string topicRecord(const Topic& topic);
std::optional<Topic> parseTopicRecord(std::string_view value);

std::string subscriptionRecord(const Subscription& subscription);
// The filter policy is compiled again; a record whose policy no longer compiles yields a
// subscription without one, and `warning` says so.
std::optional<Subscription> parseSubscriptionRecord(std::string_view value, std::string& warning);

// ARNs: arn:aws:sns:{region}:{account}:{topic}, and {topicArn}:{uuid} for subscriptions.
std::string topicArn(std::string_view region, std::string_view account, std::string_view name);

// The parts of an ARN split at ':' ("arn", partition, service, region, account, resource...).
std::vector<std::string> splitArn(std::string_view arn);

// SNS's default topic access policy and HTTP delivery policy, as GetTopicAttributes shows them.
std::string defaultTopicPolicy(std::string_view account, std::string_view topicArn);
std::string defaultEffectiveDeliveryPolicy();

}  // namespace nimbus::aws::sns
