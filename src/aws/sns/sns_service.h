// Amazon SNS on the AWS endpoint (query protocol): topics (standard and FIFO), subscriptions
// (sqs, lambda, http, https) with filter policies and raw delivery, Publish and PublishBatch,
// tags. Topics and subscriptions are records in the store, committed before the API answers.
// A Publish is answered once every matching subscription's delivery has been handed to its
// durable path: the SQS queue or the Lambda asynchronous queue (through SnsDeliveryTargets), or
// SNS's own store of pending HTTP deliveries. docs/sns.md is the reference.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/request_identity.h"
#include "aws/sns/delivery_targets.h"
#include "aws/sns/http_delivery.h"
#include "aws/sns/messages.h"
#include "aws/sns/query_protocol.h"
#include "aws/sns/sns_model.h"
#include "core/http_message.h"
#include "http/server.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::aws::sns {

struct SnsSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  size_t maxMessageBytes = 256 * 1024;  // SNS's limit on a message and its attributes.
  HttpDeliverer::Options http;
};

class SnsService {
 public:
  // `store` and `targets` must outlive the service.
  SnsService(store::Store& store, SnsDeliveryTargets& targets, SnsSettings settings);
  ~SnsService();
  SnsService(const SnsService&) = delete;
  SnsService& operator=(const SnsService&) = delete;

  // Reads the topics and subscriptions kept in the store. Returns warnings for records that
  // could not be read whole.
  std::vector<std::string> load();

  // The AWS endpoint's base URL ("http://127.0.0.1:4566"), which SubscribeURL and
  // UnsubscribeURL point at. Known once the endpoint listens.
  void setEndpointUrl(std::string url);

  // Sends the HTTP deliveries an earlier run left unfinished, and those accepted from now on.
  void start();
  // Stops delivering over HTTP; unfinished deliveries stay in the store.
  void stop();

  // Answers one query-protocol request (a POST form, or a GET such as a SubscribeURL).
  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // Answers an action called from inside nimbus: `params` are what a client's request would
  // carry (Action and its parameters, unencoded). serverless.yml's topics and subscriptions are
  // made this way, as CloudFormation makes them through the API, with its checks and errors.
  // `done` gets the query-protocol answer (XML), from any thread, possibly while the service
  // holds its lock: it must hand the answer on (post it) before calling SNS again.
  void call(std::vector<std::pair<std::string, std::string>> params,
            std::function<void(HttpResponse)> done);

  // Publishes from inside nimbus (asynchronous invocations' destinations and dead-letter
  // topics) to a standard topic, as a Publish with `message` and `attributes` would. `done`
  // gets an empty error once every subscriber's delivery is durable, or why it could not be.
  // `subject` is the Subject subscribers see (CloudWatch's alarm notifications have one).
  void publishMessage(const std::string& topicArn, std::string message,
                      std::vector<MessageAttribute> attributes,
                      std::function<void(std::string error)> done,
                      std::optional<std::string> subject = std::nullopt);

  // Where the AWS/SNS counters go (NumberOfMessagesPublished, PublishSize,
  // NumberOfNotificationsDelivered, NumberOfNotificationsFailed), by topic name. Set before the
  // service is used.
  using MetricSink = std::function<void(const std::string& topic, std::string_view metric,
                                        double value, std::string_view unit)>;
  void setMetricSink(MetricSink sink) { metricSink_ = std::move(sink); }

  struct Call;

 private:
  struct TopicEntry {
    Topic topic;
    std::map<std::string, std::shared_ptr<const Subscription>> subscriptions;  // By ARN.
    int subscriptionsDeleted = 0;
    // FIFO topics: the last sequence number, and deduplication ids seen in the last 5 minutes.
    uint64_t lastSequence = 0;
    struct Seen {
      std::string messageId;
      std::string sequenceNumber;
      int64_t expiresAtMs = 0;
    };
    std::map<std::string, Seen> deduplication;
  };

  void dispatch(QueryParams params, http::Responder responder, std::string traceHeader = {});
  // Topics.
  void createTopic(Call& call);
  void deleteTopic(Call& call);
  void listTopics(Call& call);
  void getTopicAttributes(Call& call);
  void setTopicAttributes(Call& call);
  void tagResource(Call& call);
  void untagResource(Call& call);
  void listTagsForResource(Call& call);
  // Subscriptions.
  void subscribe(Call& call);
  void unsubscribe(Call& call);
  void confirmSubscription(Call& call);
  void listSubscriptions(Call& call, bool byTopic);
  void getSubscriptionAttributes(Call& call);
  void setSubscriptionAttributes(Call& call);
  // Publishing.
  void publish(Call& call);
  void publishBatch(Call& call);

  // Reads and checks one message of a Publish (the request's parameters) or of a PublishBatch
  // (one entry's); `fieldPath` names its attributes in validation errors.
  std::optional<SnsError> readMessage(const QueryParams& params, std::string_view fieldPath,
                                      const Topic& topic, PublishedMessage& out) const;
  // Numbers a FIFO message, or finds it a duplicate of one sent in the last five minutes (then
  // `out` gets the first one's id and sequence number, and the result is true). Locked.
  bool sequenceLocked(TopicEntry& entry, PublishedMessage& out);
  // Hands `message` to every matching subscription; `done` runs once all have it durably, with
  // false when some target could not take it now.
  void fanOut(std::shared_ptr<const PublishedMessage> message,
              std::vector<std::shared_ptr<const Subscription>> subscriptions,
              std::function<void(bool ok)> done);
  // Sends a SubscriptionConfirmation or UnsubscribeConfirmation to an http(s) subscriber.
  void sendConfirmation(const Subscription& subscription, const std::string& type,
                        std::function<void(const std::string& error)> accepted);

  std::string endpointUrl() const;
  TopicEntry* findTopicLocked(const std::string& arn);
  const Subscription* findSubscriptionLocked(const std::string& arn) const;
  void putSubscriptionLocked(std::shared_ptr<const Subscription> subscription);

  store::Store& store_;
  SnsDeliveryTargets& targets_;
  SnsSettings settings_;
  HttpDeliverer http_;

  mutable std::mutex mutex_;
  std::string endpointUrl_;
  std::map<std::string, TopicEntry> topics_;               // By ARN.
  std::map<std::string, std::string> subscriptionTopics_;  // Subscription ARN -> topic ARN.
  MetricSink metricSink_;
};

}  // namespace nimbus::aws::sns
