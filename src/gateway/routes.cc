#include "gateway/routes.h"

#include <fmt/format.h>

#include <array>
#include <functional>
#include <unordered_map>

#include "gateway/http_text.h"

namespace nimbus::gateway {

namespace {

// The methods ANY stands for, as API Gateway defines it.
constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "OPTIONS"};

int methodIndex(std::string_view method) {
  for (size_t i = 0; i < kMethods.size(); ++i) {
    if (kMethods[i] == method) return static_cast<int>(i);
  }
  return -1;
}

// More path variables than this in one route is refused, so that matching can keep its
// captures on the stack.
constexpr size_t kMaxVariables = 32;

struct Endpoint {
  std::array<int32_t, kMethods.size()> byMethod;
  int32_t any = -1;

  Endpoint() { byMethod.fill(-1); }

  // The exact method's route first; ANY covers only the methods it stands for.
  int32_t find(int method) const {
    if (method < 0) return -1;
    return byMethod[method] >= 0 ? byMethod[method] : any;
  }
  int32_t& slot(int method) { return method < 0 ? any : byMethod[method]; }
  bool empty() const {
    if (any >= 0) return false;
    for (int32_t r : byMethod) {
      if (r >= 0) return false;
    }
    return true;
  }
};

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool validVariableName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A short stable id for a REST resource, in the 6-character [a-z0-9] form AWS uses.
std::string resourceIdFor(std::string_view path) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : path) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(6, 'a');
  for (char& c : id) {
    c = kChars[h % 36];
    h /= 36;
  }
  return id;
}

// Leading slashes collapse and one trailing slash is ignored; the result has no leading slash
// ("" is the root).
std::string_view normalizeForMatch(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

namespace detail {

struct RouteTrie {
  struct Node {
    std::unordered_map<std::string, uint32_t, TransparentHash, std::equal_to<>> statics;
    int32_t param = -1;  // Child node for a {name} segment.
    std::string paramName;
    Endpoint endpoint;  // Routes ending here.
    Endpoint greedy;    // Routes ending here with a {name+} segment.
    std::string greedyName;
  };

  std::vector<Node> nodes = std::vector<Node>(1);
  int32_t defaultRoute = -1;
  size_t routeCount = 0;
};

}  // namespace detail

namespace {

using detail::RouteTrie;

struct Found {
  int32_t route = -1;
  size_t captureCount = 0;
};

// Depth-first matcher. `path` is normalized (no leading slash); `pos` is the offset of the next
// segment, or npos once every segment is consumed. Captures are views into `path`.
class Matcher {
 public:
  Matcher(const RouteTrie& trie, std::string_view path, int method)
      : trie_(trie), path_(path), method_(method) {}

  // Pass 1: routes made of static and {param} segments only.
  bool full(uint32_t node, size_t pos, size_t depth) {
    const auto& n = trie_.nodes[node];
    if (pos == std::string_view::npos) {
      int32_t r = n.endpoint.find(method_);
      if (r < 0) return false;
      found_ = {r, depth};
      return true;
    }
    size_t slash = path_.find('/', pos);
    std::string_view segment =
        path_.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    size_t next = slash == std::string_view::npos ? slash : slash + 1;
    if (!n.statics.empty()) {
      auto it = n.statics.find(segment);
      if (it != n.statics.end() && full(it->second, next, depth)) return true;
    }
    if (n.param >= 0 && !segment.empty() && depth < kMaxVariables) {
      captures_[depth] = segment;
      if (full(static_cast<uint32_t>(n.param), next, depth + 1)) return true;
    }
    return false;
  }

  // Pass 2: greedy routes; deeper prefixes first, static before variable, as pass 1.
  bool greedy(uint32_t node, size_t pos, size_t depth) {
    if (pos == std::string_view::npos) return false;  // A greedy variable needs a segment.
    const auto& n = trie_.nodes[node];
    size_t slash = path_.find('/', pos);
    std::string_view segment =
        path_.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    size_t next = slash == std::string_view::npos ? slash : slash + 1;
    if (!n.statics.empty()) {
      auto it = n.statics.find(segment);
      if (it != n.statics.end() && greedy(it->second, next, depth)) return true;
    }
    if (n.param >= 0 && !segment.empty() && depth < kMaxVariables) {
      captures_[depth] = segment;
      if (greedy(static_cast<uint32_t>(n.param), next, depth + 1)) return true;
    }
    int32_t r = n.greedy.find(method_);
    if (r >= 0 && depth < kMaxVariables && pos < path_.size()) {
      captures_[depth] = path_.substr(pos);
      found_ = {r, depth + 1};
      return true;
    }
    return false;
  }

  const Found& found() const { return found_; }
  std::string_view capture(size_t i) const { return captures_[i]; }

 private:
  const RouteTrie& trie_;
  std::string_view path_;
  int method_;
  Found found_;
  std::array<std::string_view, kMaxVariables> captures_;
};

}  // namespace

RouteTable::RouteTable()
    : http_(std::make_unique<RouteTrie>()), rest_(std::make_unique<RouteTrie>()) {}
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

void RouteTable::setRestStage(std::string stage) {
  restStage_ = std::move(stage);
}

bool RouteTable::hasRoutes(ApiKind kind) const {
  return (kind == ApiKind::Http ? http_ : rest_)->routeCount > 0;
}

std::optional<std::string> RouteTable::add(Route route) {
  RouteTrie& trie = route.kind == ApiKind::Http ? *http_ : *rest_;
  const auto index = static_cast<int32_t>(routes_.size());

  if (route.path == "$default") {
    if (route.kind == ApiKind::Rest) return "a REST API has no $default route";
    if (trie.defaultRoute >= 0) return "duplicate route $default";
    trie.defaultRoute = index;
    ++trie.routeCount;
    routes_.push_back(std::move(route));
    keys_.emplace_back("$default");
    ids_.push_back(resourceIdFor("$default"));
    variables_.emplace_back();
    return std::nullopt;
  }

  int method = -1;
  if (route.method != "ANY") {
    method = methodIndex(route.method);
    if (method < 0) return fmt::format("unsupported method '{}'", route.method);
  }
  if (route.path.empty() || route.path.front() != '/') {
    return fmt::format("path '{}' must start with '/'", route.path);
  }
  // A trailing slash names the same resource ("/items/" is "/items").
  if (route.path.size() > 1 && route.path.back() == '/') route.path.pop_back();

  // Validate every segment before touching the trie, so a refused route leaves no trace.
  struct Segment {
    std::string_view text;
    enum { Static, Variable, Greedy } kind;
    std::string_view name;
  };
  std::vector<Segment> segments;
  std::string_view rest = std::string_view(route.path).substr(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view text = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (text.empty()) return fmt::format("path '{}' has an empty segment", route.path);
    if (!segments.empty() && segments.back().kind == Segment::Greedy) {
      return fmt::format("path '{}': a greedy variable must be the last segment", route.path);
    }
    if (text.front() == '{' && text.back() == '}') {
      std::string_view name = text.substr(1, text.size() - 2);
      bool greedy = !name.empty() && name.back() == '+';
      if (greedy) name.remove_suffix(1);
      if (!validVariableName(name)) {
        return fmt::format("path '{}': malformed variable '{}'", route.path, text);
      }
      segments.push_back({text, greedy ? Segment::Greedy : Segment::Variable, name});
    } else if (text.find_first_of("{}") != std::string_view::npos) {
      return fmt::format("path '{}': malformed segment '{}'", route.path, text);
    } else {
      segments.push_back({text, Segment::Static, {}});
    }
    if (slash == std::string_view::npos) break;
  }
  size_t variableCount = 0;
  for (const auto& s : segments) variableCount += s.kind != Segment::Static;
  if (variableCount > kMaxVariables)
    return fmt::format("path '{}': too many variables", route.path);

  // Check conflicts along the existing trie without modifying it.
  uint32_t node = 0;
  bool exists = true;
  for (const auto& s : segments) {
    const auto& n = trie.nodes[node];
    if (s.kind == Segment::Static) {
      auto it = n.statics.find(s.text);
      if (it == n.statics.end()) {
        exists = false;
        break;
      }
      node = it->second;
    } else if (s.kind == Segment::Variable) {
      if (n.param >= 0 && n.paramName != s.name) {
        return fmt::format(
            "path '{}': variable '{{{}}}' conflicts with '{{{}}}' at the same position", route.path,
            s.name, n.paramName);
      }
      // REST allows one variable child per resource, greedy or not.
      if (route.kind == ApiKind::Rest && !n.greedy.empty()) {
        return fmt::format("path '{}': '{{{}}}' conflicts with '{{{}+}}' at the same position",
                           route.path, s.name, n.greedyName);
      }
      if (n.param < 0) {
        exists = false;
        break;
      }
      node = static_cast<uint32_t>(n.param);
    } else {
      if (!n.greedy.empty() && n.greedyName != s.name) {
        return fmt::format(
            "path '{}': variable '{{{}+}}' conflicts with '{{{}+}}' at the same position",
            route.path, s.name, n.greedyName);
      }
      if (route.kind == ApiKind::Rest && n.param >= 0) {
        return fmt::format("path '{}': '{{{}+}}' conflicts with '{{{}}}' at the same position",
                           route.path, s.name, n.paramName);
      }
    }
  }
  if (exists) {
    const auto& n = trie.nodes[node];
    bool greedy = !segments.empty() && segments.back().kind == Segment::Greedy;
    const Endpoint& e = greedy ? n.greedy : n.endpoint;
    int32_t existing = method < 0 ? e.any : e.byMethod[method];
    if (existing >= 0) return fmt::format("duplicate route {} {}", route.method, route.path);
  }

  // Insert.
  node = 0;
  std::vector<std::string> names;
  for (const auto& s : segments) {
    if (s.kind == Segment::Static) {
      auto it = trie.nodes[node].statics.find(s.text);
      if (it == trie.nodes[node].statics.end()) {
        auto child = static_cast<uint32_t>(trie.nodes.size());
        trie.nodes.emplace_back();
        trie.nodes[node].statics.emplace(std::string(s.text), child);
        node = child;
      } else {
        node = it->second;
      }
    } else if (s.kind == Segment::Variable) {
      names.emplace_back(s.name);
      if (trie.nodes[node].param < 0) {
        auto child = static_cast<int32_t>(trie.nodes.size());
        trie.nodes.emplace_back();
        trie.nodes[node].param = child;
        trie.nodes[node].paramName = std::string(s.name);
      }
      node = static_cast<uint32_t>(trie.nodes[node].param);
    } else {
      names.emplace_back(s.name);
      trie.nodes[node].greedyName = std::string(s.name);
    }
  }
  bool greedy = !segments.empty() && segments.back().kind == Segment::Greedy;
  auto& n = trie.nodes[node];
  (greedy ? n.greedy : n.endpoint).slot(method) = index;
  ++trie.routeCount;

  keys_.push_back(fmt::format("{} {}", route.method, route.path));
  ids_.push_back(resourceIdFor(route.path));
  variables_.push_back(std::move(names));
  routes_.push_back(std::move(route));
  return std::nullopt;
}

std::optional<RouteMatch> RouteTable::match(ApiKind kind, std::string_view method,
                                            std::string_view path) const {
  const RouteTrie& trie = kind == ApiKind::Http ? *http_ : *rest_;
  // HTTP APIs route on the decoded path (and deliver it decoded); REST APIs keep it encoded.
  std::string decoded;
  if (kind == ApiKind::Http && detail::needsDecoding(path, false)) {
    detail::appendPercentDecoded(decoded, path, false);
    path = decoded;
  }
  std::string_view normalized = normalizeForMatch(path);
  int methodIdx = methodIndex(method);

  Matcher matcher(trie, normalized, methodIdx);
  size_t start = normalized.empty() ? std::string_view::npos : 0;
  int32_t routeIndex = -1;
  if (trie.nodes.size() > 1 || !trie.nodes[0].endpoint.empty() || !trie.nodes[0].greedy.empty()) {
    if (matcher.full(0, start, 0) || matcher.greedy(0, start, 0))
      routeIndex = matcher.found().route;
  }

  RouteMatch result;
  if (routeIndex < 0) {
    if (kind != ApiKind::Http || trie.defaultRoute < 0) return std::nullopt;
    routeIndex = trie.defaultRoute;
  } else {
    const auto& names = variables_[routeIndex];
    size_t count = matcher.found().captureCount;
    result.pathParameters.reserve(count);
    for (size_t i = 0; i < count && i < names.size(); ++i) {
      result.pathParameters.emplace_back(names[i], matcher.capture(i));
    }
  }
  result.route = &routes_[routeIndex];
  result.routeKey = keys_[routeIndex];
  result.resourcePath = routes_[routeIndex].path;
  result.resourceId = ids_[routeIndex];
  return result;
}

RestPath splitRestPath(std::string_view targetPath, std::string_view stage) {
  std::string_view p = targetPath;
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  RestPath result;
  result.afterStage = p.substr(0, p.find('/')) == stage ? p.substr(stage.size()) : targetPath;
  std::string_view after = result.afterStage;
  size_t firstNonSlash = after.find_first_not_of('/');
  if (firstNonSlash == std::string_view::npos) {
    result.path = "/";
  } else if (firstNonSlash == 0) {
    result.path = after;  // No stage and no leading slash: nothing to collapse.
  } else {
    result.path = after.substr(firstNonSlash - 1);  // Keep exactly one leading slash.
  }
  return result;
}

RoutedRequest RouteTable::route(std::string_view method, std::string_view target) const {
  std::string_view path = detail::splitTarget(target).path;
  RoutedRequest routed;
  if (rest_->routeCount > 0) {
    std::string_view p = path;
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    if (p.substr(0, p.find('/')) == restStage_) {
      routed.kind = ApiKind::Rest;
      routed.match = match(ApiKind::Rest, method, splitRestPath(path, restStage_).path);
      return routed;
    }
  }
  routed.kind = ApiKind::Http;
  routed.match = match(ApiKind::Http, method, path);
  return routed;
}

}  // namespace nimbus::gateway
