#include "server/jwks_cache.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <optional>

#include "http/client.h"

namespace nimbus::server {

namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(5);

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string target;
};

// http://host[:port]/path. https needs a TLS client, which nimbus does not have.
std::optional<Url> parseHttpUrl(std::string_view url, std::string& error) {
  if (url.starts_with("https://")) {
    error = fmt::format(
        "{}: https issuers are not supported (nimbus has no TLS client); serve "
        "the issuer's discovery document and keys over http",
        url);
    return std::nullopt;
  }
  if (!url.starts_with("http://")) {
    error = fmt::format("{}: not an http:// URL", url);
    return std::nullopt;
  }
  url.remove_prefix(7);
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  Url out;
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    int port = 0;
    for (char c : authority.substr(colon + 1)) {
      if (c < '0' || c > '9' || port > 65535) {
        error = fmt::format("{}: bad port", url);
        return std::nullopt;
      }
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) {
      error = fmt::format("{}: bad port", url);
      return std::nullopt;
    }
    out.port = uint16_t(port);
    authority = authority.substr(0, colon);
  }
  if (authority.starts_with('[') && authority.ends_with(']')) {
    authority = authority.substr(1, authority.size() - 2);
  }
  out.host = std::string(authority);
  if (out.host.empty()) {
    error = "empty host";
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> httpGet(const std::string& url, std::string& error) {
  auto parsed = parseHttpUrl(url, error);
  if (!parsed) return std::nullopt;
  HttpRequest request;
  request.method = "GET";
  request.target = parsed->target;
  request.headers.push_back({"Accept", "application/json"});
  http::ClientResult result = http::sendRequest(parsed->host, parsed->port, request, kFetchTimeout);
  if (!result.ok) {
    error = fmt::format("GET {}: {}", url, result.error);
    return std::nullopt;
  }
  if (result.response.status != 200) {
    error = fmt::format("GET {}: status {}", url, result.response.status);
    return std::nullopt;
  }
  return std::move(result.response.body);
}

}  // namespace

JwksCache::JwksCache(gateway::JwtAuthorizerSpec spec) : spec_(std::move(spec)) {}

JwksCache::~JwksCache() {
  if (!worker_.joinable()) return;
  // The last holder of the deployment may be a waiter that the fetch thread itself releases.
  if (worker_.get_id() == std::this_thread::get_id()) {
    worker_.detach();
  } else {
    worker_.join();
  }
}

std::shared_ptr<const gateway::JsonWebKeySet> JwksCache::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::string JwksCache::lastError() const {
  std::lock_guard lock(mutex_);
  return lastError_;
}

void JwksCache::refresh(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (fetching_) {
      waiters_.push_back(std::move(done));
      return;
    }
    // The first fetch is always allowed; later ones are rate limited.
    bool first = !keys_ && lastError_.empty();
    if (first || refetchLimiter_.tryAcquire()) {
      fetching_ = true;
      waiters_.push_back(std::move(done));
      // The previous fetch has finished (fetching_ was false): reap its thread.
      if (worker_.joinable()) worker_.join();
      worker_ = std::thread([this] { fetch(); });
      return;
    }
  }
  done();  // Rate limited: decide with the keys at hand.
}

void JwksCache::fetch() {
  std::string error;
  std::shared_ptr<const gateway::JsonWebKeySet> fetched;
  std::string discoveryUrl = spec_.issuer;
  while (!discoveryUrl.empty() && discoveryUrl.back() == '/') discoveryUrl.pop_back();
  discoveryUrl += "/.well-known/openid-configuration";
  if (auto discovery = httpGet(discoveryUrl, error)) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view jwksUri;
    if (parser.parse(*discovery).get(root) || root["jwks_uri"].get(jwksUri)) {
      error = fmt::format("{}: no jwks_uri", discoveryUrl);
    } else if (auto jwks = httpGet(std::string(jwksUri), error)) {
      std::string why;
      if (auto set = gateway::JsonWebKeySet::parse(*jwks, &why)) {
        fetched = std::make_shared<const gateway::JsonWebKeySet>(std::move(*set));
      } else {
        error = fmt::format("{}: {}", jwksUri, why);
      }
    }
  }
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (fetched) keys_ = std::move(fetched);
    lastError_ = error;
    fetching_ = false;
    waiters.swap(waiters_);
  }
  if (!error.empty()) {
    fmt::print(stderr, "warning: JWT authorizer {}: cannot fetch the issuer's keys: {}\n",
               spec_.name, error);
  }
  for (auto& waiter : waiters) waiter();
}

}  // namespace nimbus::server
