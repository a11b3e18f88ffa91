#include "aws/sns/sns_service.h"

#include <fmt/format.h>

#include <cstdio>
#include <set>

#include "aws/sns/sns_call.h"
#include "core/ids.h"
#include "store/store.h"

namespace nimbus::aws::sns {

namespace {

constexpr size_t kPageSize = 100;
constexpr size_t kMaxTags = 50;

bool validTopicName(std::string_view name, bool fifo) {
  if (fifo) {
    constexpr std::string_view kSuffix = ".fifo";
    if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
      return false;
    }
    name.remove_suffix(kSuffix.size());
  }
  if (name.empty() || name.size() > (fifo ? 251u : 256u)) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Topic attributes a caller may set (CreateTopic adds FifoTopic).
bool settableTopicAttribute(std::string_view name) {
  static const std::set<std::string_view> kNames = {
      "DeliveryPolicy",
      "DisplayName",
      "Policy",
      "KmsMasterKeyId",
      "SignatureVersion",
      "TracingConfig",
      "ContentBasedDeduplication",
      "ArchivePolicy",
      "FifoThroughputScope",
  };
  if (kNames.count(name)) return true;
  for (std::string_view suffix :
       {"SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return true;
    }
  }
  return false;
}

std::optional<SnsError> checkTopicAttribute(const std::string& name, const std::string& value,
                                            bool fifo) {
  if (name == "ContentBasedDeduplication") {
    if (value != "true" && value != "false") {
      return invalidParameter("Invalid parameter: ContentBasedDeduplication");
    }
    if (!fifo) {
      return invalidParameter(
          "Invalid parameter: ContentBasedDeduplication Reason: ContentBasedDeduplication can "
          "only be set for FIFO topics");
    }
  }
  if (name == "SignatureVersion" && value != "1" && value != "2") {
    return invalidParameter("Invalid parameter: SignatureVersion");
  }
  if (name == "DeliveryPolicy" && !value.empty()) {
    if (auto why = checkDeliveryPolicy(value); !why.empty()) {
      return invalidParameter("Invalid parameter: " + why);
    }
  }
  return std::nullopt;
}

void writeAttributes(XmlWriter& w, const std::map<std::string, std::string>& attributes) {
  w.open("Attributes");
  for (const auto& [key, value] : attributes) {
    w.open("entry").element("key", key).element("value", value).close("entry");
  }
  w.close("Attributes");
}

// Reads Tags.member.N.Key / .Value; refuses a key given twice.
std::optional<SnsError> readTags(const QueryParams& params,
                                 std::vector<std::pair<std::string, std::string>>& out) {
  std::set<std::string> seen;
  for (const auto& tag : params.elements("Tags", "member")) {
    const std::string& key = tag.get("Key");
    if (!seen.insert(key).second) {
      return invalidParameter("Invalid parameter: Duplicated keys are not allowed.");
    }
    if (key.empty() || key.size() > 128 || tag.get("Value").size() > 256) {
      return invalidParameter(
          "Invalid parameter: Tags Reason: Tag keys must be 1 to 128 "
          "characters, values at most 256");
    }
    out.emplace_back(key, tag.get("Value"));
  }
  return std::nullopt;
}

}  // namespace

std::optional<SnsError> checkArn(std::string_view parameter, std::string_view arn) {
  if (arn.empty()) {
    return invalidParameter(
        fmt::format("Invalid parameter: {} Reason: no value for required parameter", parameter));
  }
  size_t parts = splitArn(arn).size();
  if (parts < 6) {
    return invalidParameter(
        fmt::format("Invalid parameter: {} Reason: An ARN must have at least 6 elements, not {}",
                    parameter, parts));
  }
  return std::nullopt;
}

void logSns(const std::string& line) {
  std::fprintf(stderr, "sns: %s\n", line.c_str());
  std::fflush(stderr);
}

SnsService::SnsService(store::Store& store, SnsDeliveryTargets& targets, SnsSettings settings)
    : store_(store),
      targets_(targets),
      settings_(std::move(settings)),
      http_(store, settings_.http),
      endpointUrl_("http://127.0.0.1:4566") {}

SnsService::~SnsService() {
  stop();
}

std::vector<std::string> SnsService::load() {
  std::vector<std::string> warnings;
  auto topics = store_.records(std::string(kTopicRecord));
  auto subscriptions = store_.records(std::string(kSubscriptionRecord));
  std::lock_guard lock(mutex_);
  for (const auto& r : topics) {
    auto topic = parseTopicRecord(r.value);
    if (!topic) {
      warnings.push_back(
          fmt::format("sns: the stored topic {} cannot be read; it is skipped", r.key));
      continue;
    }
    topics_[topic->arn].topic = std::move(*topic);
  }
  for (const auto& r : subscriptions) {
    std::string warning;
    auto s = parseSubscriptionRecord(r.value, warning);
    if (!warning.empty()) warnings.push_back("sns: " + warning);
    if (!s) {
      warnings.push_back(
          fmt::format("sns: the stored subscription {} cannot be read; it is skipped", r.key));
      continue;
    }
    if (!findTopicLocked(s->topicArn)) continue;  // Its topic is gone.
    putSubscriptionLocked(std::make_shared<const Subscription>(std::move(*s)));
  }
  return warnings;
}

void SnsService::setEndpointUrl(std::string url) {
  std::lock_guard lock(mutex_);
  endpointUrl_ = std::move(url);
}

std::string SnsService::endpointUrl() const {
  std::lock_guard lock(mutex_);
  return endpointUrl_;
}

void SnsService::start() {
  if (size_t resumed = http_.start()) {
    logSns(fmt::format("resuming {} HTTP deliver{} left from the last run", resumed,
                       resumed == 1 ? "y" : "ies"));
  }
}

void SnsService::stop() {
  http_.stop();
}

SnsService::TopicEntry* SnsService::findTopicLocked(const std::string& arn) {
  auto it = topics_.find(arn);
  return it == topics_.end() ? nullptr : &it->second;
}

const Subscription* SnsService::findSubscriptionLocked(const std::string& arn) const {
  auto t = subscriptionTopics_.find(arn);
  if (t == subscriptionTopics_.end()) return nullptr;
  auto topic = topics_.find(t->second);
  if (topic == topics_.end()) return nullptr;
  auto s = topic->second.subscriptions.find(arn);
  return s == topic->second.subscriptions.end() ? nullptr : s->second.get();
}

void SnsService::putSubscriptionLocked(std::shared_ptr<const Subscription> subscription) {
  subscriptionTopics_[subscription->arn] = subscription->topicArn;
  topics_[subscription->topicArn].subscriptions[subscription->arn] = std::move(subscription);
}

namespace {

// Hands an in-process call's answer to its callback.
class CallbackSink : public http::Responder::Sink {
 public:
  explicit CallbackSink(std::function<void(HttpResponse)> done) : done_(std::move(done)) {}
  void respond(HttpResponse&& response) override { done_(std::move(response)); }
  void abandon() override { done_(HttpResponse{500, {}, "the call was abandoned"}); }

 private:
  std::function<void(HttpResponse)> done_;
};

}  // namespace

void SnsService::call(std::vector<std::pair<std::string, std::string>> params,
                      std::function<void(HttpResponse)> done) {
  QueryParams query;
  for (auto& [name, value] : params) query.set(std::move(name), std::move(value));
  dispatch(std::move(query), http::Responder(std::make_shared<CallbackSink>(std::move(done))));
}

void SnsService::handle(HttpRequest&& request, const RequestIdentity& identity,
                        http::Responder responder) {
  (void)identity;
  const HttpHeader* trace = findHeader(request.headers, "X-Amzn-Trace-Id");
  dispatch(QueryParams::fromRequest(request), std::move(responder),
           trace ? trace->value : std::string());
}

void SnsService::dispatch(QueryParams params, http::Responder responder, std::string traceHeader) {
  Call call{newUuid(),
            {},
            std::move(params),
            std::move(traceHeader),
            std::make_shared<http::Responder>(std::move(responder))};
  call.action = call.params.get("Action");
  using Handler = void (SnsService::*)(Call&);
  static const std::map<std::string, Handler, std::less<>> kActions = {
      {"CreateTopic", &SnsService::createTopic},
      {"DeleteTopic", &SnsService::deleteTopic},
      {"ListTopics", &SnsService::listTopics},
      {"GetTopicAttributes", &SnsService::getTopicAttributes},
      {"SetTopicAttributes", &SnsService::setTopicAttributes},
      {"TagResource", &SnsService::tagResource},
      {"UntagResource", &SnsService::untagResource},
      {"ListTagsForResource", &SnsService::listTagsForResource},
      {"Subscribe", &SnsService::subscribe},
      {"Unsubscribe", &SnsService::unsubscribe},
      {"ConfirmSubscription", &SnsService::confirmSubscription},
      {"GetSubscriptionAttributes", &SnsService::getSubscriptionAttributes},
      {"SetSubscriptionAttributes", &SnsService::setSubscriptionAttributes},
      {"Publish", &SnsService::publish},
      {"PublishBatch", &SnsService::publishBatch},
  };
  if (call.action == "ListSubscriptions") return listSubscriptions(call, false);
  if (call.action == "ListSubscriptionsByTopic") return listSubscriptions(call, true);
  auto it = kActions.find(call.action);
  if (it != kActions.end()) return (this->*(it->second))(call);
  if (call.action.empty()) {
    return call.fail(
        SnsError{400, "MissingAction", "The request must contain the parameter Action."});
  }
  call.fail(SnsError{400, "InvalidAction",
                     fmt::format("The SNS action {} is not available in nimbus", call.action)});
}

// ---- Topics ----------------------------------------------------------------------------------

void SnsService::createTopic(Call& call) {
  const std::string& name = call.params.get("Name");
  auto attributes = call.params.stringMap("Attributes");
  std::vector<std::pair<std::string, std::string>> tags;
  if (auto e = readTags(call.params, tags)) return call.fail(*e);

  bool fifo = false;
  std::map<std::string, std::string> given;
  for (auto& [key, value] : attributes) {
    if (key == "FifoTopic") {
      if (value != "true" && value != "false") {
        return call.fail(invalidParameter("Invalid parameter: FifoTopic Reason: Invalid value"));
      }
      fifo = value == "true";
      continue;
    }
    if (!settableTopicAttribute(key)) {
      return call.fail(invalidParameter(
          fmt::format("Invalid parameter: Attributes Reason: Invalid attribute name: {}", key)));
    }
    given[key] = value;
  }
  if (!validTopicName(name, fifo))
    return call.fail(invalidParameter("Invalid parameter: Topic Name"));
  for (const auto& [key, value] : given) {
    if (auto e = checkTopicAttribute(key, value, fifo)) return call.fail(*e);
  }
  if (tags.size() > kMaxTags) {
    return call.fail(SnsError{400, "TagLimitExceeded",
                              "Could not complete request: tag quota of per resource exceeded"});
  }

  std::string arn = topicArn(settings_.region, settings_.accountId, name);
  store::Record record;
  {
    std::lock_guard lock(mutex_);
    if (TopicEntry* existing = findTopicLocked(arn)) {
      // CreateTopic is idempotent, as long as it asks for nothing different.
      const Topic& t = existing->topic;
      if (fifo != t.fifo) {
        return call.fail(invalidParameter(
            "Invalid parameter: Attributes Reason: Topic already exists with different "
            "attributes"));
      }
      for (const auto& [key, value] : given) {
        auto it = t.attributes.find(key);
        if (it == t.attributes.end() || it->second != value) {
          return call.fail(invalidParameter(
              "Invalid parameter: Attributes Reason: Topic already exists with different "
              "attributes"));
        }
      }
      for (const auto& [key, value] : tags) {
        auto it = t.tags.find(key);
        if (it == t.tags.end() || it->second != value) {
          return call.fail(invalidParameter(
              "Invalid parameter: Tags Reason: Topic already exists with different tags"));
        }
      }
      std::string xml;
      XmlWriter(xml).element("TopicArn", arn);
      return call.respond(xml);
    }
    TopicEntry& entry = topics_[arn];
    entry.topic.arn = arn;
    entry.topic.name = name;
    entry.topic.fifo = fifo;
    entry.topic.attributes = given;
    for (auto& [key, value] : tags) entry.topic.tags[key] = value;
    record = store::Record{std::string(kTopicRecord), arn, topicRecord(entry.topic)};
  }
  store_.putRecord(std::move(record), [call, arn](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    std::string xml;
    XmlWriter(xml).element("TopicArn", arn);
    call.respond(xml);
  });
}

void SnsService::deleteTopic(Call& call) {
  const std::string& arn = call.params.get("TopicArn");
  if (auto e = checkArn("TopicArn", arn)) return call.fail(*e);
  std::vector<std::string> subscriptions;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(arn);
    if (it == topics_.end()) return call.respondEmpty();  // Deleting twice is fine.
    for (const auto& [subscriptionArn, s] : it->second.subscriptions) {
      subscriptions.push_back(subscriptionArn);
      subscriptionTopics_.erase(subscriptionArn);
    }
    topics_.erase(it);
  }
  auto completion = Completion::make([call](const std::string& error) {
    if (!error.empty()) return call.failInternal(error);
    call.respondEmpty();
  });
  for (const auto& s : subscriptions) {
    completion->add();
    store_.deleteRecord(std::string(kSubscriptionRecord), s,
                        [completion](std::string error) { completion->complete(error); });
  }
  completion->add();
  store_.deleteRecord(std::string(kTopicRecord), arn,
                      [completion](std::string error) { completion->complete(error); });
  completion->complete("");
}

void SnsService::listTopics(Call& call) {
  const std::string& token = call.params.get("NextToken");
  std::string xml;
  XmlWriter w(xml);
  w.open("Topics");
  std::string next;
  {
    std::lock_guard lock(mutex_);
    auto it = token.empty() ? topics_.begin() : topics_.lower_bound(token);
    for (size_t n = 0; it != topics_.end(); ++it, ++n) {
      if (n == kPageSize) {
        next = it->first;
        break;
      }
      w.open("member").element("TopicArn", it->first).close("member");
    }
  }
  w.close("Topics");
  if (!next.empty()) w.element("NextToken", next);
  call.respond(xml);
}

void SnsService::getTopicAttributes(Call& call) {
  const std::string& arn = call.params.get("TopicArn");
  if (auto e = checkArn("TopicArn", arn)) return call.fail(*e);
  std::map<std::string, std::string> attributes;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    const Topic& t = entry->topic;
    attributes = t.attributes;
    int confirmed = 0;
    int pending = 0;
    for (const auto& [subscriptionArn, s] : entry->subscriptions) {
      (s->pendingConfirmation ? pending : confirmed)++;
    }
    attributes["TopicArn"] = t.arn;
    attributes["Owner"] = settings_.accountId;
    if (!attributes.count("Policy")) {
      attributes["Policy"] = defaultTopicPolicy(settings_.accountId, t.arn);
    }
    if (!attributes.count("DisplayName")) attributes["DisplayName"] = "";
    attributes["SubscriptionsConfirmed"] = std::to_string(confirmed);
    attributes["SubscriptionsPending"] = std::to_string(pending);
    attributes["SubscriptionsDeleted"] = std::to_string(entry->subscriptionsDeleted);
    auto delivery = t.attributes.find("DeliveryPolicy");
    attributes["EffectiveDeliveryPolicy"] =
        delivery != t.attributes.end() && !delivery->second.empty()
            ? delivery->second
            : defaultEffectiveDeliveryPolicy();
    if (t.fifo) {
      attributes["FifoTopic"] = "true";
      attributes["ContentBasedDeduplication"] = t.contentBasedDeduplication() ? "true" : "false";
    }
  }
  std::string xml;
  XmlWriter w(xml);
  writeAttributes(w, attributes);
  call.respond(xml);
}

void SnsService::setTopicAttributes(Call& call) {
  const std::string& arn = call.params.get("TopicArn");
  const std::string& name = call.params.get("AttributeName");
  const std::string& value = call.params.get("AttributeValue");
  if (auto e = checkArn("TopicArn", arn)) return call.fail(*e);
  if (!settableTopicAttribute(name)) {
    return call.fail(invalidParameter("Invalid parameter: AttributeName"));
  }
  store::Record record;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    if (auto e = checkTopicAttribute(name, value, entry->topic.fifo)) return call.fail(*e);
    entry->topic.attributes[name] = value;
    record = store::Record{std::string(kTopicRecord), arn, topicRecord(entry->topic)};
  }
  store_.putRecord(std::move(record), [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respondEmpty();
  });
}

// ---- Tags ------------------------------------------------------------------------------------

void SnsService::tagResource(Call& call) {
  const std::string& arn = call.params.get("ResourceArn");
  if (auto e = checkArn("ResourceArn", arn)) return call.fail(*e);
  std::vector<std::pair<std::string, std::string>> tags;
  if (auto e = readTags(call.params, tags)) return call.fail(*e);
  store::Record record;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "ResourceNotFound", "Resource does not exist"});
    auto merged = entry->topic.tags;
    for (auto& [key, value] : tags) merged[key] = value;
    if (merged.size() > kMaxTags) {
      return call.fail(SnsError{400, "TagLimitExceeded",
                                "Could not complete request: tag quota of per resource exceeded"});
    }
    entry->topic.tags = std::move(merged);
    record = store::Record{std::string(kTopicRecord), arn, topicRecord(entry->topic)};
  }
  store_.putRecord(std::move(record), [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond("");
  });
}

void SnsService::untagResource(Call& call) {
  const std::string& arn = call.params.get("ResourceArn");
  if (auto e = checkArn("ResourceArn", arn)) return call.fail(*e);
  store::Record record;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "ResourceNotFound", "Resource does not exist"});
    for (const auto& key : call.params.elements("TagKeys", "member")) {
      entry->topic.tags.erase(key.get(""));
    }
    record = store::Record{std::string(kTopicRecord), arn, topicRecord(entry->topic)};
  }
  store_.putRecord(std::move(record), [call](std::string error) {
    if (!error.empty()) return call.failInternal(error);
    call.respond("");
  });
}

void SnsService::listTagsForResource(Call& call) {
  const std::string& arn = call.params.get("ResourceArn");
  if (auto e = checkArn("ResourceArn", arn)) return call.fail(*e);
  std::string xml;
  XmlWriter w(xml);
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "ResourceNotFound", "Resource does not exist"});
    w.open("Tags");
    for (const auto& [key, value] : entry->topic.tags) {
      w.open("member").element("Key", key).element("Value", value).close("member");
    }
    w.close("Tags");
  }
  call.respond(xml);
}

}  // namespace nimbus::aws::sns
