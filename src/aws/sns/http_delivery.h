// Deliveries to HTTP subscribers: each is written to the store before the publisher is answered,
// POSTed from a thread of its own (never an I/O thread of the server), retried on failure as the
// subscription's delivery policy says, and removed from the store once delivered or given up.
// Deliveries left when nimbus stopped (or crashed) are sent again on the next start.
//
// The retry policy, simplified from SNS's: a 2xx answer is a delivery; a connection failure, a
// timeout (15 s), a 5xx or a 429 is retried up to numRetries times (numNoDelayRetries of them at
// once, the others spread linearly from minDelayTarget to maxDelayTarget seconds; SNS's default
// is 3 retries 20 s apart); any other answer ends the delivery. https endpoints are not served.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::aws::sns {

inline constexpr std::string_view kHttpDeliveryRecord = "sns.http-delivery";

struct HttpRetryPolicy {
  int numRetries = 3;
  int numNoDelayRetries = 0;
  int minDelayTarget = 20;  // Seconds.
  int maxDelayTarget = 20;
  std::string headerContentType = "text/plain; charset=UTF-8";

  // The delay before retry number `retry` (1-based).
  std::chrono::milliseconds delayBefore(int retry) const;
};

// The policy in force for a subscription: SNS's default, then the topic's DeliveryPolicy
// ({"http":{"defaultHealthyRetryPolicy":{...},"defaultRequestPolicy":{...}}}), then the
// subscription's ({"healthyRetryPolicy":{...},"requestPolicy":{...}}) unless the topic sets
// disableSubscriptionOverrides.
HttpRetryPolicy effectiveRetryPolicy(std::string_view topicPolicy,
                                     std::string_view subscriptionPolicy);

// The subscription's EffectiveDeliveryPolicy attribute for `policy`.
std::string effectiveDeliveryPolicyJson(const HttpRetryPolicy& policy);

// Checks a DeliveryPolicy value; returns an error message or "".
std::string checkDeliveryPolicy(std::string_view json);

struct HttpDelivery {
  std::string id;  // Record key; set by enqueue when empty.
  std::string subscriptionArn;
  std::string url;
  std::vector<HttpHeader> headers;
  std::string body;
  HttpRetryPolicy policy;
  std::string what;  // For log lines: "Notification {messageId}".
};

// The parts of an http:// URL. Returns false (with `error`) for anything else.
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};
bool parseHttpUrl(std::string_view url, HttpUrl& out, std::string& error);

class HttpDeliverer {
 public:
  struct Options {
    std::chrono::milliseconds timeout = std::chrono::seconds(15);
  };

  HttpDeliverer(store::Store& store, Options options);
  ~HttpDeliverer();
  HttpDeliverer(const HttpDeliverer&) = delete;
  HttpDeliverer& operator=(const HttpDeliverer&) = delete;

  // Starts the delivery thread and sends the deliveries an earlier run left in the store.
  // Returns how many there were.
  size_t start();
  // Stops sending. Deliveries not yet done stay in the store for the next start.
  void stop();

  // Makes `delivery` durable, then runs `accepted` with "" (or what went wrong), then sends it.
  void enqueue(HttpDelivery delivery, std::function<void(const std::string& error)> accepted);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace nimbus::aws::sns
