// Route tables for the two API Gateway flavours nimbus serves on one port: HTTP APIs (`httpApi`
// events, payload 2.0) at "/path" and REST APIs (`http` events, payload 1.0) at "/{stage}/path".
// Routes are compiled into a segment trie once; matching does no allocation beyond the captured
// path parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::gateway {

namespace detail {
struct RouteTrie;
}

enum class ApiKind { Http, Rest };

struct Route {
  ApiKind kind = ApiKind::Http;
  // "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" or "ANY" (upper case). Ignored for
  // the "$default" route.
  std::string method;
  // "/items/{id}", "/files/{proxy+}", "/", or "$default" (HTTP API only: the catch-all route the
  // Serverless Framework creates for `httpApi: '*'`).
  std::string path;
  // Opaque id of what the route invokes (the caller's function index).
  size_t target = 0;
  // Opaque index of the route's own protections (its rate limiter, ...) in the caller's table.
  size_t guard = 0;
};

struct RouteMatch {
  const Route* route = nullptr;
  // "GET /items/{id}", "ANY /{proxy+}" or "$default": the event's routeKey.
  std::string_view routeKey;
  // The route's path ("/items/{id}"; "$default" for the catch-all): REST's resource/resourcePath.
  std::string_view resourcePath;
  // REST: a stable 6-character id of the resource ("roq9wj"), as requestContext.resourceId.
  std::string_view resourceId;
  // In route order. HTTP API values are URL-decoded (HTTP APIs decode the path before routing);
  // REST values stay percent-encoded exactly as the client sent them, as REST APIs deliver them.
  // A greedy parameter holds the rest of the path without its leading slash ("hello/world").
  std::vector<std::pair<std::string, std::string>> pathParameters;
};

// What a request on the shared gateway port is addressed to.
struct RoutedRequest {
  ApiKind kind = ApiKind::Http;
  // Nothing matched: answer errorResponse(kind, GatewayError::NoRoute, ...).
  std::optional<RouteMatch> match;
};

class RouteTable {
 public:
  RouteTable();
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // The stage REST routes are served under ("dev"): "/dev/items" reaches REST "/items".
  void setRestStage(std::string stage);
  const std::string& restStage() const { return restStage_; }

  // Adds a route. Returns a message when the route is one API Gateway would refuse: a bad method,
  // a path not starting with '/', an empty segment, a malformed or non-final greedy variable, two
  // differently named variables at the same position, "$default" on a REST API, or a duplicate.
  std::optional<std::string> add(Route route);

  // Matches a path as the API sees it (REST: without the "/{stage}" prefix), raw and undecoded,
  // with AWS's precedence:
  //  1. a full match (static and {param} segments); at each position a static segment beats a
  //     variable, leftmost first ("/pets/dog/1" beats "/pets/dog/{id}" beats "/pets/{kind}/1");
  //  2. otherwise a greedy {name+} route, the one with the longest matched prefix;
  //  3. otherwise (HTTP API) the "$default" route.
  // On a given path a route for the exact method beats "ANY". A path without a route for the
  // method (nor ANY) does not match, and less specific routes are tried. Repeated leading slashes
  // collapse and one trailing slash is ignored ("/items/" matches "/items"); a greedy variable
  // needs at least one character, so "/{proxy+}" does not match "/".
  std::optional<RouteMatch> match(ApiKind kind, std::string_view method,
                                  std::string_view path) const;

  // Decides which API a request target ("/dev/items?x=1") belongs to and matches it. When the
  // project has REST routes and the first path segment is the REST stage, the request is a REST
  // request, even if no REST route matches (then REST's 403 applies, as on AWS, where the stage
  // is part of every REST URL). Otherwise it is an HTTP API request.
  RoutedRequest route(std::string_view method, std::string_view target) const;

  bool hasRoutes(ApiKind kind) const;
  size_t size() const { return routes_.size(); }

 private:
  std::deque<Route> routes_;                        // Stable addresses: RouteMatch points into it.
  std::deque<std::string> keys_;                    // routeKey per route.
  std::deque<std::string> ids_;                     // resourceId per route.
  std::deque<std::vector<std::string>> variables_;  // Path variable names per route, in order.
  std::unique_ptr<detail::RouteTrie> http_;
  std::unique_ptr<detail::RouteTrie> rest_;
  std::string restStage_ = "dev";
};

// Splits the path of a REST request target ("/dev//items/") into what REST events report:
//   path       "/items/": the path inside the API, without the "/{stage}" segment and with
//              leading slashes collapsed to one ("/" when nothing follows the stage);
//   afterStage "//items/": the raw remainder after "/{stage}", so that requestContext.path is
//              "/{stage}" + afterStage, exactly as AWS reports it.
// Both are views into `targetPath`, except the "/" literal.
struct RestPath {
  std::string_view path;
  std::string_view afterStage;
};
RestPath splitRestPath(std::string_view targetPath, std::string_view stage);

}  // namespace nimbus::gateway
