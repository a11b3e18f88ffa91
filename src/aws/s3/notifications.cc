// Event notifications: which of a bucket's destinations an object event reaches (event type
// and key filters), the S3 event record they receive, and delivery that survives a crash: the
// event is written to the store's outbox before it is handed on, and removed once the target
// holds it durably; load() hands on what an earlier run left.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "aws/s3/s3_impl.h"
#include "core/time_format.h"

namespace nimbus::aws::s3 {

namespace {

constexpr std::string_view kOutboxRecord = "s3.outbox";

// "s3:ObjectCreated:*" matches "ObjectCreated:Put"; "s3:ObjectCreated:Put" only itself.
bool eventMatches(std::string_view configured, std::string_view event) {
  if (configured.starts_with("s3:")) configured.remove_prefix(3);
  if (configured.ends_with(":*")) {
    return event.starts_with(configured.substr(0, configured.size() - 1));
  }
  return configured == event;
}

std::string eventRecord(const S3Service::Impl& s3, const EventSource& e, const ObjectVersion& v,
                        const NotificationTarget& target, const Bucket& bucket) {
  nlohmann::ordered_json object = {{"key", eventKey(v.key)}};
  if (e.name.starts_with("ObjectCreated")) {
    object["size"] = v.size;
    object["eTag"] = v.etag;
  }
  if (!bucket.versioning.empty()) object["versionId"] = v.versionId;
  object["sequencer"] = fmt::format("{:016X}", v.sequence);
  nlohmann::ordered_json record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", bucket.region},
      {"eventTime", xmlTime(nowMs())},
      {"eventName", e.name},
      {"userIdentity", {{"principalId", "AWS:" + s3.settings.accountId}}},
      {"requestParameters", {{"sourceIPAddress", e.sourceIp.empty() ? "127.0.0.1" : e.sourceIp}}},
      {"responseElements", {{"x-amz-request-id", e.requestId}, {"x-amz-id-2", e.requestId}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", target.id},
        {"bucket",
         {{"name", bucket.name},
          {"ownerIdentity", {{"principalId", s3.settings.accountId}}},
          {"arn", "arn:aws:s3:::" + bucket.name}}},
        {"object", object}}}};
  nlohmann::ordered_json body = {{"Records", nlohmann::ordered_json::array({record})}};
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The "detail" of the event EventBridge receives from "aws.s3", and its "detail-type".
std::pair<std::string, std::string> eventBridgeDetail(const S3Service::Impl& s3,
                                                      const EventSource& e, const ObjectVersion& v,
                                                      const Bucket& bucket) {
  bool created = e.name.starts_with("ObjectCreated");
  nlohmann::ordered_json object = {{"key", eventKey(v.key)}};
  if (created) {
    object["size"] = v.size;
    object["etag"] = v.etag;
  }
  if (!bucket.versioning.empty()) object["version-id"] = v.versionId;
  object["sequencer"] = fmt::format("{:016X}", v.sequence);
  static const std::map<std::string_view, std::string_view> kReasons = {
      {"ObjectCreated:Put", "PutObject"},
      {"ObjectCreated:Post", "POST Object"},
      {"ObjectCreated:Copy", "CopyObject"},
      {"ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload"}};
  auto reason = kReasons.find(e.name);
  nlohmann::ordered_json detail = {
      {"version", "0"},
      {"bucket", {{"name", bucket.name}}},
      {"object", object},
      {"request-id", e.requestId},
      {"requester", s3.settings.accountId},
      {"source-ip-address", e.sourceIp.empty() ? "127.0.0.1" : e.sourceIp},
      {"reason", reason != kReasons.end() ? reason->second : "DeleteObject"}};
  if (!created) {
    detail["deletion-type"] = e.name == "ObjectRemoved:DeleteMarkerCreated"
                                  ? "Delete Marker Created"
                                  : "Permanently Deleted";
  }
  return {detail.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
          created ? "Object Created" : "Object Deleted"};
}

}  // namespace

std::string eventKey(std::string_view key) {
  // Form encoding, as S3 writes keys into events ("red flower.jpg" -> "red+flower.jpg"), with
  // '/' kept.
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::vector<OutboxEntry> S3Service::Impl::outboxFor(const Bucket& bucket,
                                                    const ObjectVersion& version,
                                                    const EventSource& event) {
  std::vector<OutboxEntry> entries;
  if (event.name.empty()) return entries;
  for (const auto& target : bucket.notifications) {
    bool wanted = std::any_of(target.events.begin(), target.events.end(),
                              [&](const std::string& e) { return eventMatches(e, event.name); });
    if (!wanted || !version.key.starts_with(target.prefix) ||
        !version.key.ends_with(target.suffix)) {
      continue;
    }
    nlohmann::json entry = {{"kind", static_cast<int>(target.kind)},
                            {"arn", target.arn},
                            {"body", eventRecord(*this, event, version, target, bucket)}};
    entries.push_back({fmt::format("{:020}", ++outboxSequence), entry.dump()});
  }
  if (bucket.eventBridge) {
    auto [detail, detailType] = eventBridgeDetail(*this, event, version, bucket);
    nlohmann::json entry = {{"kind", static_cast<int>(NotificationTarget::Kind::EventBridge)},
                            {"arn", "arn:aws:s3:::" + bucket.name},
                            {"detailType", detailType},
                            {"body", detail}};
    entries.push_back({fmt::format("{:020}", ++outboxSequence), entry.dump()});
  }
  return entries;
}

void S3Service::Impl::submitOutbox(std::vector<OutboxEntry> entries,
                                   std::shared_ptr<std::atomic<bool>> recordCommitted) {
  for (auto& entry : entries) {
    store.putRecord(
        {std::string(kOutboxRecord), entry.key, entry.value},
        [this, entry, recordCommitted](std::string error) {
          if (!recordCommitted->load()) {
            // The object's write failed: there is nothing to tell.
            store.deleteRecord(std::string(kOutboxRecord), entry.key, [](std::string) {});
            return;
          }
          // An event the store could not keep is still handed on, once.
          if (!error.empty()) {
            std::fprintf(stderr, "warning: S3 notification not kept: %s\n", error.c_str());
          }
          deliverOutbox(entry.key, entry.value);
        });
  }
}

void S3Service::Impl::deliverOutbox(std::string key, std::string value) {
  auto entry = nlohmann::json::parse(value, nullptr, false);
  if (entry.is_discarded()) {
    store.deleteRecord(std::string(kOutboxRecord), key, [](std::string) {});
    return;
  }
  auto kind = static_cast<NotificationTarget::Kind>(entry.value("kind", 0));
  std::string arn = entry.value("arn", "");
  std::string body = entry.value("body", "");
  auto done = [this, key, arn](std::string error) {
    if (!error.empty()) {
      // S3 gives up on a destination that refuses an event; so does nimbus, saying so.
      std::fprintf(stderr, "warning: S3 notification to %s failed: %s\n", arn.c_str(),
                   error.c_str());
    }
    store.deleteRecord(std::string(kOutboxRecord), key, [](std::string) {});
  };
  switch (kind) {
    case NotificationTarget::Kind::Queue:
      targets.sendToQueue(arn, std::move(body), std::move(done));
      break;
    case NotificationTarget::Kind::Topic:
      targets.publishToTopic(arn, std::move(body), "Amazon S3 Notification", std::move(done));
      break;
    case NotificationTarget::Kind::Function:
      targets.invokeFunction(arn, std::move(body), std::move(done));
      break;
    case NotificationTarget::Kind::EventBridge:
      targets.putEventBridgeEvent(entry.value("detailType", ""), std::move(body), arn,
                                  std::move(done));
      break;
  }
}

std::string notificationConfigurationXml(const Bucket& bucket) {
  std::string out;
  for (const auto& t : bucket.notifications) {
    const char* element = t.kind == NotificationTarget::Kind::Queue ? "QueueConfiguration"
                          : t.kind == NotificationTarget::Kind::Topic
                              ? "TopicConfiguration"
                              : "CloudFunctionConfiguration";
    const char* arnElement = t.kind == NotificationTarget::Kind::Queue   ? "Queue"
                             : t.kind == NotificationTarget::Kind::Topic ? "Topic"
                                                                         : "CloudFunction";
    out += fmt::format("<{0}><Id>{1}</Id><{2}>{3}</{2}>", element, xmlEscaped(t.id), arnElement,
                       xmlEscaped(t.arn));
    for (const auto& e : t.events) out += "<Event>" + xmlEscaped(e) + "</Event>";
    if (!t.prefix.empty() || !t.suffix.empty()) {
      out += "<Filter><S3Key>";
      if (!t.prefix.empty()) {
        out += "<FilterRule><Name>Prefix</Name><Value>" + xmlEscaped(t.prefix) +
               "</Value></FilterRule>";
      }
      if (!t.suffix.empty()) {
        out += "<FilterRule><Name>Suffix</Name><Value>" + xmlEscaped(t.suffix) +
               "</Value></FilterRule>";
      }
      out += "</S3Key></Filter>";
    }
    out += fmt::format("</{}>", element);
  }
  if (bucket.eventBridge) out += "<EventBridgeConfiguration></EventBridgeConfiguration>";
  return fmt::format("<NotificationConfiguration xmlns=\"{}\">{}</NotificationConfiguration>",
                     kS3Namespace, out);
}

}  // namespace nimbus::aws::s3
