// Publish and PublishBatch: checking a message, numbering FIFO messages, and handing a message to
// every subscription whose filter policy lets it through.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/sns/sns_call.h"
#include "aws/sns/sns_service.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::sns {

namespace {

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxBatchEntryId = 80;
constexpr int64_t kDeduplicationWindowMs = 5 * 60 * 1000;

bool validSubject(std::string_view subject) {
  if (subject.empty() || subject.size() > 100) return false;
  for (char c : subject) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// Which topic a Publish names: TopicArn, or TargetArn when that is a topic.
std::optional<SnsError> publishTarget(const QueryParams& p, std::string& arn) {
  if (p.has("PhoneNumber") && !p.get("PhoneNumber").empty()) {
    return invalidParameter(
        "Invalid parameter: PhoneNumber Reason: nimbus does not send SMS messages");
  }
  const std::string& topic = p.get("TopicArn");
  const std::string& target = p.get("TargetArn");
  if (!topic.empty()) {
    arn = topic;
    return checkArn("TopicArn", topic);
  }
  if (target.empty()) {
    return invalidParameter(
        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
  }
  if (auto e = checkArn("TargetArn", target)) return e;
  auto parts = splitArn(target);
  if (parts[2] != "sns" || parts.size() != 6) {
    return invalidParameter(
        "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified");
  }
  arn = target;
  return std::nullopt;
}

void logRejected(const PublishedMessage& m, const Subscription& s, const std::string& why) {
  logSns(fmt::format("message {} from {} was not delivered to {} ({} {}): {}", m.messageId,
                     m.topicArn, s.arn, s.protocol, s.endpoint, why));
}

}  // namespace

std::optional<SnsError> SnsService::readMessage(const QueryParams& p, std::string_view fieldPath,
                                                const Topic& topic, PublishedMessage& out) const {
  out.topicArn = topic.arn;
  out.fifo = topic.fifo;
  out.signatureVersion = topic.signatureVersion();
  if (p.has("Subject")) {
    if (!validSubject(p.get("Subject"))) return invalidParameter("Invalid parameter: Subject");
    out.subject = p.get("Subject");
  }
  out.message = p.get("Message");
  if (out.message.empty()) return invalidParameter("Invalid parameter: Empty message");
  std::string prefix = "MessageAttributes";
  if (auto e = readMessageAttributes(p, prefix, fieldPath, out.attributes)) return e;
  if (publishedSize(out.message, out.attributes) > settings_.maxMessageBytes) {
    return invalidParameter("Invalid parameter: Message too long");
  }
  if (p.has("MessageStructure")) {
    if (p.get("MessageStructure") != "json") {
      return invalidParameter("Invalid parameter: MessageStructure");
    }
    auto parsed = nlohmann::json::parse(out.message, nullptr, false);
    if (!parsed.is_object()) {
      return invalidParameter(
          "Invalid parameter: Message Structure - JSON message body failed to parse");
    }
    auto fallback = parsed.find("default");
    if (fallback == parsed.end() || !fallback->is_string()) {
      return invalidParameter(
          "Invalid parameter: Message Structure - No default entry in JSON message body");
    }
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
      if (it.value().is_string() && it.key() != "default") {
        out.perProtocol[it.key()] = it.value().get<std::string>();
      }
    }
    out.message = fallback->get<std::string>();
  }
  out.messageGroupId = p.get("MessageGroupId");
  out.messageDeduplicationId = p.get("MessageDeduplicationId");
  if (topic.fifo) {
    if (out.messageGroupId.empty()) {
      return invalidParameter(
          "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
    }
    if (out.messageDeduplicationId.empty()) {
      if (!topic.contentBasedDeduplication()) {
        return invalidParameter(
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled "
            "or MessageDeduplicationId provided explicitly");
      }
      // Content-based deduplication: the SHA-256 of the message body, as SQS computes it.
      out.messageDeduplicationId = hexEncode(sha256(out.message));
    }
  } else if (!out.messageDeduplicationId.empty()) {
    return invalidParameter(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes "
        "MessageDeduplicationId parameter that is not valid for this topic type");
  }
  out.messageId = newUuid();
  out.timestamp = isoTimeMillis(std::chrono::system_clock::now());
  return std::nullopt;
}

bool SnsService::sequenceLocked(TopicEntry& entry, PublishedMessage& m) {
  if (!m.fifo) return false;
  int64_t now = nowMs();
  for (auto it = entry.deduplication.begin(); it != entry.deduplication.end();) {
    it = it->second.expiresAtMs <= now ? entry.deduplication.erase(it) : std::next(it);
  }
  auto seen = entry.deduplication.find(m.messageDeduplicationId);
  if (seen != entry.deduplication.end()) {
    m.messageId = seen->second.messageId;
    m.sequenceNumber = seen->second.sequenceNumber;
    return true;
  }
  // Sequence numbers grow across restarts too: they start from the clock.
  uint64_t floor = static_cast<uint64_t>(now) * 1000000ull;
  entry.lastSequence = std::max(entry.lastSequence + 1, floor);
  m.sequenceNumber = fmt::format("{:020}", entry.lastSequence);
  entry.deduplication[m.messageDeduplicationId] =
      TopicEntry::Seen{m.messageId, m.sequenceNumber, now + kDeduplicationWindowMs};
  return false;
}

void SnsService::fanOut(std::shared_ptr<const PublishedMessage> message,
                        std::vector<std::shared_ptr<const Subscription>> subscriptions,
                        std::function<void(bool ok)> done) {
  std::string endpoint = endpointUrl();
  auto completion =
      Completion::make([done = std::move(done)](const std::string& error) { done(error.empty()); });
  // The metrics name a topic by its name, the ARN's last part.
  std::string topicName = message->topicArn.substr(message->topicArn.rfind(':') + 1);
  if (metricSink_) {
    metricSink_(topicName, "NumberOfMessagesPublished", 1, "Count");
    metricSink_(topicName, "PublishSize", static_cast<double>(message->message.size()), "Bytes");
  }
  for (const auto& s : subscriptions) {
    if (s->pendingConfirmation) continue;
    const std::string& body = message->messageFor(s->protocol);
    if (s->filter && !s->filter->matches(message->attributes, body)) continue;
    bool raw = s->rawMessageDelivery();
    completion->add();
    auto handed = [completion, message, s, sink = metricSink_, topicName](DeliveryResult result) {
      if (sink) {
        sink(topicName,
             result.status == DeliveryResult::Status::Accepted ? "NumberOfNotificationsDelivered"
                                                               : "NumberOfNotificationsFailed",
             1, "Count");
      }
      switch (result.status) {
        case DeliveryResult::Status::Accepted:
          return completion->complete("");
        case DeliveryResult::Status::Rejected:
          // SNS has accepted the message; a target that will never take it loses it (on AWS,
          // to the subscription's dead-letter queue when it has one).
          logRejected(*message, *s, result.detail);
          return completion->complete("");
        case DeliveryResult::Status::Unavailable:
          logRejected(*message, *s, result.detail);
          return completion->complete(result.detail.empty() ? "unavailable" : result.detail);
      }
    };
    if (s->protocol == "sqs") {
      QueueDelivery q;
      q.queueArn = s->endpoint;
      q.body = raw ? body : notificationJson(*message, body, s->arn, endpoint);
      if (raw) q.messageAttributes = message->attributes;
      q.messageGroupId = message->messageGroupId;
      q.messageDeduplicationId = message->messageDeduplicationId;
      q.topicArn = message->topicArn;
      q.subscriptionArn = s->arn;
      q.messageId = message->messageId;
      q.traceHeader = message->traceHeader;
      targets_.sendToQueue(std::move(q), std::move(handed));
    } else if (s->protocol == "lambda") {
      targets_.invokeFunction(s->endpoint, lambdaEventJson(*message, body, s->arn, endpoint),
                              message->traceHeader, std::move(handed));
    } else {
      HttpDelivery d;
      d.subscriptionArn = s->arn;
      d.url = s->endpoint;
      d.what = "Notification " + message->messageId;
      std::string topicPolicy;
      {
        std::lock_guard lock(mutex_);
        auto topic = topics_.find(s->topicArn);
        if (topic != topics_.end()) {
          auto p = topic->second.topic.attributes.find("DeliveryPolicy");
          if (p != topic->second.topic.attributes.end()) topicPolicy = p->second;
        }
      }
      auto own = s->attributes.find("DeliveryPolicy");
      d.policy = effectiveRetryPolicy(
          topicPolicy, own == s->attributes.end() ? std::string_view() : own->second);
      d.headers = {{"Content-Type", d.policy.headerContentType},
                   {"User-Agent", "Amazon Simple Notification Service Agent"},
                   {"x-amz-sns-message-type", "Notification"},
                   {"x-amz-sns-message-id", message->messageId},
                   {"x-amz-sns-topic-arn", message->topicArn},
                   {"x-amz-sns-subscription-arn", s->arn}};
      if (raw) d.headers.push_back({"x-amz-sns-rawdelivery", "true"});
      d.body = raw ? body : notificationJson(*message, body, s->arn, endpoint);
      http_.enqueue(std::move(d), [handed](const std::string& error) {
        handed(error.empty() ? DeliveryResult::accepted() : DeliveryResult::unavailable(error));
      });
    }
  }
  completion->complete("");
}

void SnsService::publish(Call& call) {
  std::string arn;
  if (auto e = publishTarget(call.params, arn)) return call.fail(*e);
  Topic topic;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    topic = entry->topic;
  }
  // The message is read and checked without holding the lock: it may be 256 KB of JSON.
  auto message = std::make_shared<PublishedMessage>();
  message->traceHeader = call.traceHeader;
  if (auto e = readMessage(call.params, "messageAttributes", topic, *message)) {
    return call.fail(*e);
  }
  std::vector<std::shared_ptr<const Subscription>> subscriptions;
  bool duplicate = false;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    duplicate = sequenceLocked(*entry, *message);
    for (const auto& [subscriptionArn, s] : entry->subscriptions) subscriptions.push_back(s);
  }
  auto answer = [call, message] {
    std::string xml;
    XmlWriter w(xml);
    w.element("MessageId", message->messageId);
    if (message->fifo) w.element("SequenceNumber", message->sequenceNumber);
    call.respond(xml);
  };
  if (duplicate) return answer();  // Accepted again, delivered once.
  fanOut(message, std::move(subscriptions), [call, answer](bool ok) {
    if (!ok) return call.failInternal("a subscriber's store could not take the message; retry");
    answer();
  });
}

void SnsService::publishMessage(const std::string& topicArn, std::string text,
                                std::vector<MessageAttribute> attributes,
                                std::function<void(std::string error)> done,
                                std::optional<std::string> subject) {
  auto message = std::make_shared<PublishedMessage>();
  message->subject = std::move(subject);
  std::vector<std::shared_ptr<const Subscription>> subscriptions;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(topicArn);
    if (!entry) return done("Topic does not exist: " + topicArn);
    if (entry->topic.fifo) return done("FIFO topics need a MessageGroupId: " + topicArn);
    message->topicArn = entry->topic.arn;
    message->signatureVersion = entry->topic.signatureVersion();
    for (const auto& [arn, s] : entry->subscriptions) subscriptions.push_back(s);
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  message->message = std::move(text);
  message->attributes = std::move(attributes);
  message->messageId = newUuid();
  message->timestamp = isoTimeMillis(std::chrono::system_clock::now());
  fanOut(message, std::move(subscriptions), [done = std::move(done)](bool ok) {
    done(ok ? "" : "a subscriber's store could not take the message");
  });
}

void SnsService::publishBatch(Call& call) {
  const std::string& arn = call.params.get("TopicArn");
  if (auto e = checkArn("TopicArn", arn)) return call.fail(*e);
  auto entries = call.params.elements("PublishBatchRequestEntries", "member");
  if (entries.empty()) {
    return call.fail(
        SnsError{400, "EmptyBatchRequest", "The batch request doesn't contain any entries."});
  }
  if (entries.size() > kMaxBatchEntries) {
    return call.fail(SnsError{400, "TooManyEntriesInBatchRequest",
                              "The batch request contains more entries than permissible."});
  }
  std::set<std::string> ids;
  size_t totalSize = 0;
  for (const auto& e : entries) {
    const std::string& id = e.get("Id");
    if (id.size() > kMaxBatchEntryId) {
      return call.fail(SnsError{400, "InvalidBatchEntryId",
                                "The Id of a batch entry in the batch request is too long: " + id});
    }
    for (char c : id) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) {
        return call.fail(SnsError{
            400, "InvalidBatchEntryId",
            "The Id of a batch entry in the batch request contains an impermissible character: " +
                id});
      }
    }
    if (!ids.insert(id).second) {
      return call.fail(SnsError{400, "BatchEntryIdsNotDistinct",
                                "Two or more batch entries in the request have the same Id."});
    }
    totalSize += e.get("Message").size();
  }
  if (totalSize > settings_.maxMessageBytes) {
    return call.fail(SnsError{400, "BatchRequestTooLong",
                              "The length of all the messages put together is more than the "
                              "limit."});
  }

  struct Outcome {
    std::string id;
    std::shared_ptr<PublishedMessage> message;
    std::optional<SnsError> error;
    bool duplicate = false;
    bool unavailable = false;
  };
  auto outcomes = std::make_shared<std::vector<Outcome>>(entries.size());
  Topic topic;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    topic = entry->topic;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    Outcome& o = (*outcomes)[i];
    o.id = entries[i].get("Id");
    o.message = std::make_shared<PublishedMessage>();
    o.message->traceHeader = call.traceHeader;
    std::string fieldPath =
        fmt::format("publishBatchRequestEntries.{}.member.messageAttributes", i + 1);
    o.error = readMessage(entries[i], fieldPath, topic, *o.message);
    if (!o.error) continue;
    // A malformed request, or a FIFO topic's ordering rules, refuse the whole batch, as SNS
    // does; other problems fail their entry only.
    bool ordering = o.error->message.find("MessageGroupId") != std::string::npos ||
                    o.error->message.find("ContentBasedDeduplication") != std::string::npos;
    if (ordering || o.error->code == "ValidationError") return call.fail(*o.error);
  }
  std::vector<std::shared_ptr<const Subscription>> subscriptions;
  {
    std::lock_guard lock(mutex_);
    TopicEntry* entry = findTopicLocked(arn);
    if (!entry) return call.fail(SnsError{404, "NotFound", "Topic does not exist"});
    for (auto& o : *outcomes) {
      if (!o.error) o.duplicate = sequenceLocked(*entry, *o.message);
    }
    for (const auto& [subscriptionArn, s] : entry->subscriptions) subscriptions.push_back(s);
  }

  auto answer = [call, outcomes] {
    std::string xml;
    XmlWriter w(xml);
    w.open("Successful");
    for (const auto& o : *outcomes) {
      if (o.error || o.unavailable) continue;
      w.open("member").element("Id", o.id).element("MessageId", o.message->messageId);
      if (o.message->fifo) w.element("SequenceNumber", o.message->sequenceNumber);
      w.close("member");
    }
    w.close("Successful").open("Failed");
    for (const auto& o : *outcomes) {
      if (!o.error && !o.unavailable) continue;
      w.open("member").element("Id", o.id);
      if (o.error) {
        w.element("Code", o.error->code).element("Message", o.error->message);
        w.element("SenderFault", "true");
      } else {
        w.element("Code", "InternalError")
            .element("Message", "a subscriber's store could not take the message; retry");
        w.element("SenderFault", "false");
      }
      w.close("member");
    }
    w.close("Failed");
    call.respond(xml);
  };
  auto completion = Completion::make([answer](const std::string&) { answer(); });
  for (size_t i = 0; i < outcomes->size(); ++i) {
    Outcome& o = (*outcomes)[i];
    if (o.error || o.duplicate) continue;
    completion->add();
    // Each entry's outcome is written by its own callback only, before the completion counts it.
    fanOut(o.message, subscriptions, [completion, outcomes, i](bool ok) {
      if (!ok) (*outcomes)[i].unavailable = true;
      completion->complete("");
    });
  }
  completion->complete("");
}

}  // namespace nimbus::aws::sns
