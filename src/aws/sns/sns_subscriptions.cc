// Subscribe, Unsubscribe, ConfirmSubscription, the subscription lists and attributes.
#include <fmt/format.h>

#include <set>

#include "aws/pattern_json.h"
#include "aws/sns/sns_call.h"
#include "aws/sns/sns_service.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::sns {

namespace {

constexpr size_t kPageSize = 100;

const std::set<std::string, std::less<>> kKnownProtocols = {
    "http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"};
const std::set<std::string, std::less<>> kServedProtocols = {"http", "https", "sqs", "lambda"};

bool settableSubscriptionAttribute(std::string_view name) {
  return name == "DeliveryPolicy" || name == "FilterPolicy" || name == "FilterPolicyScope" ||
         name == "RawMessageDelivery" || name == "RedrivePolicy" || name == "SubscriptionRoleArn" ||
         name == "ReplayPolicy";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The attributes a subscription would have after setting `changes`, with its filter policy
// compiled; or why they are refused. `fromSubscribe` words errors as Subscribe does.
std::optional<SnsError> applySubscriptionAttributes(
    const std::vector<std::pair<std::string, std::string>>& changes, bool fromSubscribe,
    Subscription& s) {
  std::string reason = fromSubscribe ? "Attributes Reason: " : "";
  bool policyTouched = false;
  for (const auto& [name, given] : changes) {
    std::string value = given;
    if (!settableSubscriptionAttribute(name)) {
      return invalidParameter(fromSubscribe
                                  ? fmt::format("Invalid parameter: Attributes Reason: Unknown "
                                                "attribute: {}",
                                                name)
                                  : "Invalid parameter: AttributeName");
    }
    if (name == "RawMessageDelivery") {
      value = lower(value);
      if (value != "true" && value != "false") {
        return invalidParameter(fmt::format(
            "Invalid parameter: {}RawMessageDelivery: Invalid value [{}]. Must be true or false.",
            reason, given));
      }
    } else if (name == "FilterPolicyScope") {
      if (value != "MessageAttributes" && value != "MessageBody") {
        return invalidParameter(fmt::format(
            "Invalid parameter: {}FilterPolicyScope: Invalid value [{}]. Please use either "
            "MessageBody or MessageAttributes",
            reason, value));
      }
      policyTouched = true;
    } else if (name == "FilterPolicy") {
      policyTouched = true;
    } else if (name == "RedrivePolicy" && !value.empty()) {
      if (auto syntax = checkJsonSyntax(value)) {
        return invalidParameter(fmt::format(
            "Invalid parameter: {}RedrivePolicy: failed to parse JSON. {}\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, column: {}]",
            reason, syntax->message, syntax->line, syntax->column));
      }
      auto start = value.find("\"deadLetterTargetArn\"");
      std::string target;
      if (start != std::string::npos) {
        size_t quote = value.find('"', value.find(':', start) + 1);
        if (quote != std::string::npos) readJsonString(value, quote, target);
      }
      auto parts = splitArn(target);
      if (parts.size() < 6 || parts[0] != "arn" || parts[2] != "sqs") {
        return invalidParameter(fmt::format(
            "Invalid parameter: {}RedrivePolicy: deadLetterTargetArn is an invalid arn", reason));
      }
    } else if (name == "DeliveryPolicy" && !value.empty()) {
      if (auto why = checkDeliveryPolicy(value); !why.empty()) {
        return invalidParameter(fmt::format("Invalid parameter: {}{}", reason, why));
      }
    }
    if (value.empty() && name != "RawMessageDelivery") {
      s.attributes.erase(name);  // An empty value removes the attribute.
    } else {
      s.attributes[name] = value;
    }
  }
  if (policyTouched) {
    s.filter.reset();
    auto policy = s.attributes.find("FilterPolicy");
    if (policy != s.attributes.end()) {
      auto compiled = FilterPolicy::compile(policy->second, s.filterScope());
      if (auto* error = std::get_if<FilterPolicyError>(&compiled)) {
        return invalidParameter(filterPolicyErrorMessage(*error, fromSubscribe));
      }
      s.filter = std::get<std::shared_ptr<const FilterPolicy>>(compiled);
    }
  }
  return std::nullopt;
}

std::optional<SnsError> checkEndpoint(const std::string& protocol, const std::string& endpoint,
                                      bool fifoTopic) {
  if (!kKnownProtocols.count(protocol)) {
    return invalidParameter(fmt::format(
        "Invalid parameter: Amazon SNS does not support this protocol string: {}", protocol));
  }
  if (!kServedProtocols.count(protocol)) {
    return invalidParameter(fmt::format(
        "Invalid parameter: Protocol Reason: nimbus does not deliver to {} endpoints (it "
        "serves sqs, lambda, http and https)",
        protocol));
  }
  if (endpoint.empty()) return invalidParameter("Invalid parameter: Endpoint");
  if (protocol == "http" || protocol == "https") {
    if (endpoint.rfind(protocol + "://", 0) != 0) {
      return invalidParameter("Invalid parameter: Endpoint must match the specified protocol");
    }
  }
  if (protocol == "sqs") {
    auto parts = splitArn(endpoint);
    if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5].empty()) {
      return invalidParameter("Invalid parameter: SQS endpoint ARN");
    }
    bool fifoQueue = parts[5].size() > 5 && parts[5].substr(parts[5].size() - 5) == ".fifo";
    if (fifoQueue && !fifoTopic) {
      return invalidParameter(
          "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
          "subscribed to standard SNS topics");
    }
  }
  if (protocol == "lambda") {
    auto parts = splitArn(endpoint);
    if (parts.size() < 7 || parts.size() > 8 || parts[0] != "arn" || parts[2] != "lambda" ||
        parts[5] != "function" || parts[6].empty()) {
      return invalidParameter("Invalid parameter: Lambda endpoint ARN");
    }
  }
  if (fifoTopic && protocol != "sqs") {
    return invalidParameter(
        fmt::format("Invalid parameter: Endpoint Reason: FIFO topics deliver to SQS queues only, "
                    "not to {} endpoints",
                    protocol));
  }
  return std::nullopt;
}

void writeSubscriptionMember(XmlWriter& w, const Subscription& s, const std::string& owner) {
  w.open("member")
      .element("SubscriptionArn", s.pendingConfirmation ? "PendingConfirmation" : s.arn)
      .element("Owner", owner)
      .element("Protocol", s.protocol)
      .element("Endpoint", s.endpoint)
      .element("TopicArn", s.topicArn)
      .close("member");
}

}  // namespace

void SnsService::sendConfirmation(const Subscription& subscription, const std::string& type,
                                  std::function<void(const std::string& error)> accepted) {
  ConfirmationMessage m;
  m.type = type;
  m.messageId = newUuid();
  m.topicArn = subscription.topicArn;
  m.subscriptionArn = subscription.arn;
  m.token = subscription.token;
  m.timestamp = isoTimeMillis(std::chrono::system_clock::now());
  HttpDelivery d;
  d.subscriptionArn = subscription.arn;
  d.url = subscription.endpoint;
  d.body = confirmationJson(m, endpointUrl());
  d.what = fmt::format("{} {}", type, m.messageId);
  d.headers = {{"Content-Type", "text/plain; charset=UTF-8"},
               {"User-Agent", "Amazon Simple Notification Service Agent"},
               {"x-amz-sns-message-type", type},
               {"x-amz-sns-message-id", m.messageId},
               {"x-amz-sns-topic-arn", m.topicArn}};
  if (type != "SubscriptionConfirmation") {
    d.headers.push_back({"x-amz-sns-subscription-arn", subscription.arn});
  }
  http_.enqueue(std::move(d), std::move(accepted));
}

void SnsService::subscribe(Call& call) {
  const std::string& topicArn = call.params.get("TopicArn");
  const std::string& protocol = call.params.get("Protocol");
  const std::string& endpoint = call.params.get("Endpoint");
  bool returnArn = lower(call.params.get("ReturnSubscriptionArn")) == "true";
  auto attributes = call.params.stringMap("Attributes");
  if (auto e = checkArn("TopicArn", topicArn)) return call.fail(*e);

  std::shared_ptr<Subscription> created;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(topicArn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    if (auto e = checkEndpoint(protocol, endpoint, entry->topic.fifo)) return call.fail(*e);
    // FilterPolicyScope first, so that the policy compiles for the scope it comes with.
    std::stable_sort(attributes.begin(), attributes.end(), [](const auto& a, const auto& b) {
      return a.first == "FilterPolicyScope" && b.first != "FilterPolicyScope";
    });
    Subscription candidate;
    if (auto e = applySubscriptionAttributes(attributes, true, candidate)) return call.fail(*e);

    // An endpoint subscribes to a topic once: asking again answers the same subscription.
    for (const auto& [arn, existing] : entry->subscriptions) {
      if (existing->protocol != protocol || existing->endpoint != endpoint) continue;
      for (const auto& [name, value] : candidate.attributes) {
        auto it = existing->attributes.find(name);
        if (it == existing->attributes.end() || it->second != value) {
          return call.fail(invalidParameter(
              "Invalid parameter: Attributes Reason: Subscription already exists with different "
              "attributes"));
        }
      }
      std::string xml;
      XmlWriter(xml).element("SubscriptionArn", existing->pendingConfirmation && !returnArn
                                                    ? "pending confirmation"
                                                    : existing->arn);
      return call.respond(xml);
    }

    created = std::make_shared<Subscription>(std::move(candidate));
    created->arn = topicArn + ":" + newUuid();
    created->topicArn = topicArn;
    created->protocol = protocol;
    created->endpoint = endpoint;
    if (created->isHttp()) {
      created->pendingConfirmation = true;
      created->token = randomHex(128);
    } else {
      // Queues and functions of the same account are confirmed at once, as on AWS.
      created->confirmationWasAuthenticated = true;
    }
    putSubscriptionLocked(created);
  }

  bool pending = created->pendingConfirmation;
  std::string answer = pending && !returnArn ? "pending confirmation" : created->arn;
  auto completion = Completion::make([call, answer](const std::string& error) {
    if (!error.empty()) return call.failInternal(error);
    std::string xml;
    XmlWriter(xml).element("SubscriptionArn", answer);
    call.respond(xml);
  });
  completion->add();
  store_.putRecord(
      store::Record{std::string(kSubscriptionRecord), created->arn, subscriptionRecord(*created)},
      [completion](std::string error) { completion->complete(error); });
  if (pending) {
    completion->add();
    sendConfirmation(*created, "SubscriptionConfirmation",
                     [completion](const std::string& error) { completion->complete(error); });
  }
  completion->complete("");
}

void SnsService::unsubscribe(Call& call) {
  const std::string& arn = call.params.get("SubscriptionArn");
  if (auto e = checkArn("SubscriptionArn", arn)) return call.fail(*e);
  if (splitArn(arn).size() < 7)
    return call.fail(invalidParameter("Invalid parameter: SubscriptionId"));
  std::shared_ptr<const Subscription> removed;
  {
    std::lock_guard lock(mutex_);
    auto t = subscriptionTopics_.find(arn);
    if (t == subscriptionTopics_.end()) return call.respondEmpty();  // Already gone.
    TopicEntry* entry = findTopicLocked(t->second);
    if (entry) {
      auto s = entry->subscriptions.find(arn);
      if (s != entry->subscriptions.end()) {
        removed = s->second;
        entry->subscriptions.erase(s);
        ++entry->subscriptionsDeleted;
      }
    }
    subscriptionTopics_.erase(t);
  }
  auto completion = Completion::make([call](const std::string& error) {
    if (!error.empty()) return call.failInternal(error);
    call.respondEmpty();
  });
  completion->add();
  store_.deleteRecord(std::string(kSubscriptionRecord), arn,
                      [completion](std::string error) { completion->complete(error); });
  if (removed && removed->isHttp() && !removed->pendingConfirmation) {
    // HTTP subscribers are told, with a link to subscribe again.
    completion->add();
    sendConfirmation(*removed, "UnsubscribeConfirmation",
                     [completion](const std::string& error) { completion->complete(error); });
  }
  completion->complete("");
}

void SnsService::confirmSubscription(Call& call) {
  const std::string& topicArn = call.params.get("TopicArn");
  const std::string& token = call.params.get("Token");
  bool authenticate = lower(call.params.get("AuthenticateOnUnsubscribe")) == "true";
  auto parts = splitArn(topicArn);
  if (parts.size() != 6 || parts[3] != settings_.region) {
    return call.fail(invalidParameter("Invalid parameter: Topic"));
  }
  if (token.empty()) return call.fail(invalidParameter("Invalid parameter: Token"));
  std::shared_ptr<Subscription> confirmed;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(topicArn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    for (const auto& [arn, s] : entry->subscriptions) {
      if (s->token != token) continue;
      if (!s->pendingConfirmation) {
        std::string xml;
        XmlWriter(xml).element("SubscriptionArn", arn);
        return call.respond(xml);
      }
      confirmed = std::make_shared<Subscription>(*s);
      break;
    }
    if (!confirmed) return call.fail(invalidParameter("Invalid parameter: Token"));
    confirmed->pendingConfirmation = false;
    confirmed->confirmationWasAuthenticated = authenticate;
    putSubscriptionLocked(confirmed);
  }
  std::string arn = confirmed->arn;
  store_.putRecord(
      store::Record{std::string(kSubscriptionRecord), arn, subscriptionRecord(*confirmed)},
      [call, arn](std::string error) {
        if (!error.empty()) return call.failInternal(error);
        std::string xml;
        XmlWriter(xml).element("SubscriptionArn", arn);
        call.respond(xml);
      });
}

void SnsService::listSubscriptions(Call& call, bool byTopic) {
  const std::string& token = call.params.get("NextToken");
  const std::string& topicArn = call.params.get("TopicArn");
  if (byTopic) {
    if (auto e = checkArn("TopicArn", topicArn)) return call.fail(*e);
  }
  std::string xml;
  XmlWriter w(xml);
  w.open("Subscriptions");
  std::string next;
  {
    std::lock_guard lock(mutex_);
    if (byTopic && !findTopicLocked(topicArn)) {
      return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    }
    size_t n = 0;
    for (auto it = token.empty() ? subscriptionTopics_.begin()
                                 : subscriptionTopics_.lower_bound(token);
         it != subscriptionTopics_.end(); ++it) {
      if (byTopic && it->second != topicArn) continue;
      const Subscription* s = findSubscriptionLocked(it->first);
      if (!s) continue;
      if (n++ == kPageSize) {
        next = it->first;
        break;
      }
      writeSubscriptionMember(w, *s, settings_.accountId);
    }
  }
  w.close("Subscriptions");
  if (!next.empty()) w.element("NextToken", next);
  call.respond(xml);
}

void SnsService::getSubscriptionAttributes(Call& call) {
  const std::string& arn = call.params.get("SubscriptionArn");
  if (auto e = checkArn("SubscriptionArn", arn)) return call.fail(*e);
  std::map<std::string, std::string> attributes;
  {
    std::lock_guard lock(mutex_);
    const Subscription* s = findSubscriptionLocked(arn);
    if (!s) return call.fail(SnsError{404, "NotFound", "Subscription does not exist"});
    attributes = s->attributes;
    attributes["SubscriptionArn"] = s->arn;
    attributes["TopicArn"] = s->topicArn;
    attributes["Owner"] = settings_.accountId;
    attributes["Protocol"] = s->protocol;
    attributes["Endpoint"] = s->endpoint;
    attributes["PendingConfirmation"] = s->pendingConfirmation ? "true" : "false";
    attributes["ConfirmationWasAuthenticated"] = s->confirmationWasAuthenticated ? "true" : "false";
    attributes["RawMessageDelivery"] = s->rawMessageDelivery() ? "true" : "false";
    if (attributes.count("FilterPolicy") && !attributes.count("FilterPolicyScope")) {
      attributes["FilterPolicyScope"] = "MessageAttributes";
    }
    if (s->isHttp()) {
      auto topic = topics_.find(s->topicArn);
      std::string topicPolicy;
      if (topic != topics_.end()) {
        auto p = topic->second.topic.attributes.find("DeliveryPolicy");
        if (p != topic->second.topic.attributes.end()) topicPolicy = p->second;
      }
      auto own = s->attributes.find("DeliveryPolicy");
      attributes["EffectiveDeliveryPolicy"] = effectiveDeliveryPolicyJson(effectiveRetryPolicy(
          topicPolicy, own == s->attributes.end() ? std::string_view() : own->second));
    }
  }
  std::string xml;
  XmlWriter w(xml);
  w.open("Attributes");
  for (const auto& [key, value] : attributes) {
    w.open("entry").element("key", key).element("value", value).close("entry");
  }
  w.close("Attributes");
  call.respond(xml);
}

void SnsService::setSubscriptionAttributes(Call& call) {
  const std::string& arn = call.params.get("SubscriptionArn");
  const std::string& name = call.params.get("AttributeName");
  if (auto e = checkArn("SubscriptionArn", arn)) return call.fail(*e);
  std::shared_ptr<Subscription> updated;
  {
    std::lock_guard lock(mutex_);
    const Subscription* s = findSubscriptionLocked(arn);
    if (!s) return call.fail(SnsError{404, "NotFound", "Subscription does not exist"});
    updated = std::make_shared<Subscription>(*s);
    if (auto e = applySubscriptionAttributes({{name, call.params.get("AttributeValue")}}, false,
                                             *updated)) {
      return call.fail(*e);
    }
    putSubscriptionLocked(updated);
  }
  store_.putRecord(
      store::Record{std::string(kSubscriptionRecord), arn, subscriptionRecord(*updated)},
      [call](std::string error) {
        if (!error.empty()) return call.failInternal(error);
        call.respondEmpty();
      });
}

}  // namespace nimbus::aws::sns
