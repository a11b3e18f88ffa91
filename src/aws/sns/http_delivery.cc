#include "aws/sns/http_delivery.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/ids.h"
#include "store/store.h"

namespace nimbus::aws::sns {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using nlohmann::json;

namespace {

int intField(const json& j, const char* key, int fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

void applyRetry(const json& retry, HttpRetryPolicy& p) {
  if (!retry.is_object()) return;
  p.numRetries = intField(retry, "numRetries", p.numRetries);
  p.numNoDelayRetries = intField(retry, "numNoDelayRetries", p.numNoDelayRetries);
  p.minDelayTarget = intField(retry, "minDelayTarget", p.minDelayTarget);
  p.maxDelayTarget = intField(retry, "maxDelayTarget", p.maxDelayTarget);
}

void applyRequest(const json& request, HttpRetryPolicy& p) {
  if (!request.is_object()) return;
  auto it = request.find("headerContentType");
  if (it != request.end() && it->is_string()) p.headerContentType = it->get<std::string>();
}

void logLine(const std::string& line) {
  std::fprintf(stderr, "sns: %s\n", line.c_str());
  std::fflush(stderr);
}

std::string recordValue(const HttpDelivery& d) {
  json j;
  j["subscriptionArn"] = d.subscriptionArn;
  j["url"] = d.url;
  json headers = json::array();
  for (const auto& h : d.headers) headers.push_back({h.name, h.value});
  j["headers"] = headers;
  j["body"] = d.body;
  j["what"] = d.what;
  j["policy"] = {{"numRetries", d.policy.numRetries},
                 {"numNoDelayRetries", d.policy.numNoDelayRetries},
                 {"minDelayTarget", d.policy.minDelayTarget},
                 {"maxDelayTarget", d.policy.maxDelayTarget}};
  return j.dump();
}

std::optional<HttpDelivery> parseRecord(const std::string& key, const std::string& value) {
  json j = json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  HttpDelivery d;
  d.id = key;
  d.subscriptionArn = j.value("subscriptionArn", "");
  d.url = j.value("url", "");
  d.body = j.value("body", "");
  d.what = j.value("what", "");
  if (auto it = j.find("headers"); it != j.end() && it->is_array()) {
    for (const auto& h : *it) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        d.headers.push_back({h[0].get<std::string>(), h[1].get<std::string>()});
      }
    }
  }
  if (auto it = j.find("policy"); it != j.end()) applyRetry(*it, d.policy);
  return d;
}

}  // namespace

std::chrono::milliseconds HttpRetryPolicy::delayBefore(int retry) const {
  if (retry <= numNoDelayRetries) return std::chrono::milliseconds(0);
  int backoffRetries = numRetries - numNoDelayRetries;
  int index = retry - numNoDelayRetries - 1;
  double seconds = minDelayTarget;
  if (backoffRetries > 1) {
    seconds += static_cast<double>(maxDelayTarget - minDelayTarget) * index / (backoffRetries - 1);
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

HttpRetryPolicy effectiveRetryPolicy(std::string_view topicPolicy,
                                     std::string_view subscriptionPolicy) {
  HttpRetryPolicy p;
  bool overridesDisabled = false;
  if (!topicPolicy.empty()) {
    json t = json::parse(topicPolicy, nullptr, false);
    if (t.is_object() && t.contains("http") && t["http"].is_object()) {
      const json& http = t["http"];
      if (http.contains("defaultHealthyRetryPolicy")) {
        applyRetry(http["defaultHealthyRetryPolicy"], p);
      }
      if (http.contains("defaultRequestPolicy")) applyRequest(http["defaultRequestPolicy"], p);
      overridesDisabled = http.value("disableSubscriptionOverrides", false);
    }
  }
  if (!subscriptionPolicy.empty() && !overridesDisabled) {
    json s = json::parse(subscriptionPolicy, nullptr, false);
    if (s.is_object()) {
      if (s.contains("healthyRetryPolicy")) applyRetry(s["healthyRetryPolicy"], p);
      if (s.contains("requestPolicy")) applyRequest(s["requestPolicy"], p);
    }
  }
  return p;
}

std::string effectiveDeliveryPolicyJson(const HttpRetryPolicy& p) {
  json j;
  j["healthyRetryPolicy"] = {{"minDelayTarget", p.minDelayTarget},
                             {"maxDelayTarget", p.maxDelayTarget},
                             {"numRetries", p.numRetries},
                             {"numMaxDelayRetries", 0},
                             {"numNoDelayRetries", p.numNoDelayRetries},
                             {"numMinDelayRetries", 0},
                             {"backoffFunction", "linear"}};
  j["sicklyRetryPolicy"] = nullptr;
  j["throttlePolicy"] = nullptr;
  j["requestPolicy"] = {{"headerContentType", p.headerContentType}};
  j["guaranteed"] = false;
  return j.dump();
}

std::string checkDeliveryPolicy(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return "DeliveryPolicy: failed to parse JSON";
  // Both the topic form ({"http": {...}}) and the subscription form are checked for the bounds
  // SNS applies to a healthy retry policy.
  const json* retry = nullptr;
  if (j.contains("healthyRetryPolicy")) retry = &j["healthyRetryPolicy"];
  if (j.contains("http") && j["http"].is_object() &&
      j["http"].contains("defaultHealthyRetryPolicy")) {
    retry = &j["http"]["defaultHealthyRetryPolicy"];
  }
  if (retry && retry->is_object()) {
    HttpRetryPolicy p;
    applyRetry(*retry, p);
    if (p.numRetries < 0 || p.numRetries > 100) {
      return "DeliveryPolicy: numRetries must be between 0 and 100";
    }
    if (p.minDelayTarget < 1 || p.maxDelayTarget > 3600 || p.minDelayTarget > p.maxDelayTarget) {
      return "DeliveryPolicy: minDelayTarget must be between 1 and maxDelayTarget, and "
             "maxDelayTarget at most 3600";
    }
    if (p.numNoDelayRetries < 0 || p.numNoDelayRetries > p.numRetries) {
      return "DeliveryPolicy: numNoDelayRetries must be between 0 and numRetries";
    }
  }
  return "";
}

bool parseHttpUrl(std::string_view url, HttpUrl& out, std::string& error) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, 8) == "https://") {
    error = "https endpoints are not served by nimbus's HTTP deliveries";
    return false;
  }
  if (url.substr(0, kScheme.size()) != kScheme) {
    error = "not an http:// URL";
    return false;
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t pathStart = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, pathStart);
  out.target = pathStart == std::string_view::npos ? "/" : std::string(rest.substr(pathStart));
  if (!out.target.empty() && out.target.front() == '?') out.target = "/" + out.target;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "malformed host";
      return false;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    error = "no host";
    return false;
  }
  out.host = std::string(host);
  out.port = 80;
  if (!port.empty()) {
    unsigned long p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) {
        error = "bad port";
        return false;
      }
      p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (p == 0 || p > 65535) {
      error = "bad port";
      return false;
    }
    out.port = static_cast<uint16_t>(p);
  }
  return true;
}

// ---- Delivering ------------------------------------------------------------------------------

// Owns the delivery thread and its io_context. Handlers on that io_context refer to the State by
// plain pointer: they only ever run on the delivery thread, which stop() joins before the State
// can be destroyed. Callbacks from the store (another thread) hold a weak_ptr instead.
struct HttpDeliverer::State {
  State(store::Store& s, Options o) : store(s), options(o), work(asio::make_work_guard(io)) {}

  store::Store& store;
  Options options;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  std::mutex mutex;
  bool running = false;

  void attempt(std::shared_ptr<HttpDelivery> d, int attemptNumber);
  void finished(const std::shared_ptr<HttpDelivery>& d, int attemptNumber, bool retryable,
                const std::string& why);
};

namespace {

// One POST, from resolving to the answer.
struct Exchange {
  explicit Exchange(asio::io_context& io) : resolver(io), stream(io) {}
  asio::ip::tcp::resolver resolver;
  beast::tcp_stream stream;
  bhttp::request<bhttp::string_body> request;
  bhttp::response_parser<bhttp::string_body> parser;
  beast::flat_buffer buffer;
};

}  // namespace

void HttpDeliverer::State::attempt(std::shared_ptr<HttpDelivery> d, int attemptNumber) {
  HttpUrl url;
  std::string error;
  if (!parseHttpUrl(d->url, url, error)) return finished(d, attemptNumber, false, error);
  auto x = std::make_shared<Exchange>(io);
  x->request.method(bhttp::verb::post);
  x->request.target(url.target);
  x->request.version(11);
  x->request.set(bhttp::field::host,
                 url.port == 80 ? url.host : fmt::format("{}:{}", url.host, url.port));
  for (const auto& h : d->headers) x->request.set(h.name, h.value);
  x->request.body() = d->body;
  x->request.prepare_payload();
  x->parser.body_limit(16 * 1024 * 1024);
  State* self = this;
  auto fail = [self, d, attemptNumber](const std::string& why) {
    self->finished(d, attemptNumber, true, why);
  };
  x->stream.expires_after(options.timeout);
  x->resolver.async_resolve(
      url.host, std::to_string(url.port),
      [self, d, x, attemptNumber, fail](beast::error_code ec,
                                        asio::ip::tcp::resolver::results_type results) {
        if (ec) return fail("cannot resolve the endpoint's host: " + ec.message());
        x->stream.async_connect(results, [self, d, x, attemptNumber, fail](beast::error_code ec,
                                                                           const auto&) {
          if (ec) return fail("cannot connect: " + ec.message());
          bhttp::async_write(
              x->stream, x->request,
              [self, d, x, attemptNumber, fail](beast::error_code ec, size_t) {
                if (ec) return fail("cannot send: " + ec.message());
                bhttp::async_read(x->stream, x->buffer, x->parser,
                                  [self, d, x, attemptNumber, fail](beast::error_code ec, size_t) {
                                    if (ec) return fail("no answer: " + ec.message());
                                    beast::error_code ignored;
                                    x->stream.socket().shutdown(
                                        asio::ip::tcp::socket::shutdown_both, ignored);
                                    int status = static_cast<int>(x->parser.get().result_int());
                                    if (status >= 200 && status < 300) {
                                      return self->finished(d, attemptNumber, false, "");
                                    }
                                    bool retryable = status >= 500 || status == 429;
                                    self->finished(d, attemptNumber, retryable,
                                                   fmt::format("the endpoint answered {}", status));
                                  });
              });
        });
      });
}

void HttpDeliverer::State::finished(const std::shared_ptr<HttpDelivery>& d, int attemptNumber,
                                    bool retryable, const std::string& why) {
  if (!why.empty() && retryable && attemptNumber <= d->policy.numRetries) {
    auto timer = std::make_shared<asio::steady_timer>(io, d->policy.delayBefore(attemptNumber));
    State* self = this;
    timer->async_wait([self, d, timer, attemptNumber](beast::error_code ec) {
      if (!ec) self->attempt(d, attemptNumber + 1);
    });
    return;
  }
  if (!why.empty()) {
    logLine(fmt::format("{} for {} was not delivered to {} after {} attempt{}: {}", d->what,
                        d->subscriptionArn, d->url, attemptNumber, attemptNumber == 1 ? "" : "s",
                        why));
  }
  store.deleteRecord(std::string(kHttpDeliveryRecord), d->id, [d](const std::string& error) {
    if (!error.empty()) logLine("cannot remove delivery " + d->id + ": " + error);
  });
}

HttpDeliverer::HttpDeliverer(store::Store& store, Options options)
    : state_(std::make_shared<State>(store, options)) {}

HttpDeliverer::~HttpDeliverer() {
  stop();
}

size_t HttpDeliverer::start() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->running) return 0;
    state_->running = true;
  }
  auto records = state_->store.records(std::string(kHttpDeliveryRecord));
  size_t resumed = 0;
  for (const auto& r : records) {
    auto d = parseRecord(r.key, r.value);
    if (!d) continue;
    ++resumed;
    auto delivery = std::make_shared<HttpDelivery>(std::move(*d));
    State* self = state_.get();
    asio::post(state_->io, [self, delivery] { self->attempt(delivery, 1); });
  }
  state_->thread = std::thread([s = state_.get()] { s->io.run(); });
  return resumed;
}

void HttpDeliverer::stop() {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->running) return;
    state_->running = false;
  }
  state_->work.reset();
  state_->io.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

void HttpDeliverer::enqueue(HttpDelivery delivery,
                            std::function<void(const std::string& error)> accepted) {
  if (delivery.id.empty()) delivery.id = newUuid();
  auto d = std::make_shared<HttpDelivery>(std::move(delivery));
  store::Record record{std::string(kHttpDeliveryRecord), d->id, recordValue(*d)};
  std::weak_ptr<State> weak = state_;
  state_->store.putRecord(std::move(record),
                          [weak, d, accepted = std::move(accepted)](std::string error) {
                            accepted(error);
                            if (!error.empty()) return;
                            auto state = weak.lock();
                            if (!state)
                              return;  // Stopped for good: the record is sent on the next start.
                            std::lock_guard lock(state->mutex);
                            if (!state->running) return;
                            State* self = state.get();
                            asio::post(state->io, [self, d] { self->attempt(d, 1); });
                          });
}

}  // namespace nimbus::aws::sns
