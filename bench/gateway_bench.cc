// Gateway hot path: route matching, event building and response mapping. Each measurement runs
// beside a reference in the same process and the ratio is printed at the end:
//   route matching    vs. a straightforward linear scan over the same 50 routes,
//   event building    vs. copying a string as long as the event (a lower bound),
//   response mapping  vs. parsing the same payload with simdjson alone (a lower bound).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gateway/lambda_proxy.h"
#include "gateway/routes.h"

namespace nimbus::gateway {
namespace {

// 50 routes shaped like a real API: static collections, {id} items, nested resources, greedy
// proxies, and a $default catch-all.
std::vector<std::pair<std::string, std::string>> benchRoutes() {
  std::vector<std::pair<std::string, std::string>> routes;
  const char* resources[] = {"users",    "orders",  "products",  "carts",   "invoices",
                             "payments", "reviews", "shipments", "coupons", "stores"};
  for (const char* r : resources) {
    std::string base = std::string("/") + r;
    routes.push_back({"GET", base});
    routes.push_back({"POST", base});
    routes.push_back({"GET", base + "/{id}"});
    routes.push_back({"PUT", base + "/{id}"});
    routes.push_back({"DELETE", base + "/{id}/items/{itemId}"});
  }
  routes.resize(47);
  routes.push_back({"GET", "/static/{proxy+}"});
  routes.push_back({"ANY", "/{proxy+}"});
  routes.push_back({"", "$default"});
  return routes;
}

const std::vector<std::pair<std::string, std::string>> kRequests = {{"GET", "/users"},
                                                                    {"GET", "/orders/123"},
                                                                    {"PUT", "/products/9"},
                                                                    {"DELETE", "/carts/1/items/2"},
                                                                    {"GET", "/static/css/site.css"},
                                                                    {"PATCH", "/unknown/path"},
                                                                    {"GET", "/stores/77"},
                                                                    {"POST", "/reviews"}};

RouteTable buildTable() {
  RouteTable table;
  size_t target = 0;
  for (const auto& [method, path] : benchRoutes()) {
    if (auto error = table.add({ApiKind::Http, method, path, target++})) {
      std::fprintf(stderr, "bench route refused: %s\n", error->c_str());
    }
  }
  return table;
}

void BM_RouteMatch50(benchmark::State& state) {
  RouteTable table = buildTable();
  size_t i = 0;
  for (auto _ : state) {
    const auto& [method, path] = kRequests[i++ % kRequests.size()];
    auto m = table.match(ApiKind::Http, method, path);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_RouteMatch50);

// Reference: what a first implementation would do: split the request path, compare it with
// every route, keep the best by (no greedy, static count, exact method).
struct LinearRoute {
  std::string method;
  std::vector<std::string> segments;
  bool greedy = false;
  bool isDefault = false;
};

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

void BM_Reference_LinearScan50(benchmark::State& state) {
  std::vector<LinearRoute> routes;
  for (const auto& [method, path] : benchRoutes()) {
    LinearRoute r{method, {}, false, path == "$default"};
    if (!r.isDefault) r.segments = splitPath(path);
    r.greedy = !r.segments.empty() && r.segments.back().back() == '}' &&
               r.segments.back()[r.segments.back().size() - 2] == '+';
    routes.push_back(std::move(r));
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [method, path] = kRequests[i++ % kRequests.size()];
    std::vector<std::string> segs = splitPath(path);
    std::map<std::string, std::string> params;
    int best = -1;
    int bestScore = -1;
    for (size_t k = 0; k < routes.size(); ++k) {
      const auto& r = routes[k];
      if (r.isDefault || (r.method != method && r.method != "ANY")) continue;
      size_t n = r.greedy ? r.segments.size() - 1 : r.segments.size();
      if (r.greedy ? segs.size() <= n : segs.size() != n) continue;
      int score = r.greedy ? 0 : 1000;
      bool ok = true;
      std::map<std::string, std::string> captured;
      for (size_t s = 0; s < n && ok; ++s) {
        if (r.segments[s].front() == '{') {
          captured[r.segments[s]] = segs[s];
        } else if (r.segments[s] == segs[s]) {
          score += 10;
        } else {
          ok = false;
        }
      }
      score += r.method == method ? 1 : 0;
      if (ok && score > bestScore) {
        best = static_cast<int>(k);
        bestScore = score;
        params = std::move(captured);
      }
    }
    benchmark::DoNotOptimize(best);
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK(BM_Reference_LinearScan50);

HttpRequest typicalRequest(std::string target) {
  HttpRequest r;
  r.method = "POST";
  r.target = std::move(target);
  r.sourceIp = "127.0.0.1";
  r.headers = {
      {"Host", "127.0.0.1:3000"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},
      {"Accept", "application/json, text/plain, */*"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Accept-Language", "en-US,en;q=0.9"},
      {"Content-Type", "application/json"},
      {"Content-Length", "58"},
      {"Cookie", "session=abc123; theme=dark"},
      {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9"},
      {"Connection", "keep-alive"}};
  r.body = R"({"name":"Widget","price":12.5,"tags":["a","b"],"stock":3})";
  return r;
}

RequestContextInfo benchInfo() {
  RequestContextInfo info;
  info.apiId = "a1b2c3d4e5";
  info.requestId = newGatewayRequestId();
  info.extendedRequestId = newGatewayRequestId();
  info.domainName = "127.0.0.1:3000";
  info.deploymentId = "x1y2z3";
  info.time = std::chrono::system_clock::now();
  return info;
}

void BM_BuildHttpApiEvent(benchmark::State& state) {
  RouteTable table = buildTable();
  HttpRequest request = typicalRequest("/orders/123?expand=items&expand=payments&page=2");
  request.method = "PUT";
  auto match = table.match(ApiKind::Http, "PUT", "/orders/123");
  RequestContextInfo info = benchInfo();
  std::string out;
  for (auto _ : state) {
    out.clear();
    appendHttpApiEvent(out, request, *match, info);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_BuildHttpApiEvent);

void BM_BuildRestEvent(benchmark::State& state) {
  RouteTable table;
  table.setRestStage("dev");
  table.add({ApiKind::Rest, "ANY", "/{proxy+}", 0});
  HttpRequest request = typicalRequest("/dev/orders/123?expand=items&expand=payments&page=2");
  auto routed = table.route(request.method, request.target);
  RequestContextInfo info = benchInfo();
  std::vector<std::string> binary = {"image/*"};
  std::string out;
  for (auto _ : state) {
    out.clear();
    appendRestEvent(out, request, *routed.match, info, binary);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_BuildRestEvent);

void BM_Reference_CopyEventSizedString(benchmark::State& state) {
  std::string source(1100, 'x');  // About the size of the events above.
  std::string out;
  for (auto _ : state) {
    out.assign(source);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Reference_CopyEventSizedString);

const std::string kStructured =
    R"({"statusCode":200,"headers":{"content-type":"application/json","x-request-id":"abc",)"
    R"("cache-control":"no-store"},"cookies":["a=1; Path=/","b=2; HttpOnly"],)"
    R"("body":"{\"id\":123,\"name\":\"Widget\",\"items\":[1,2,3]}","isBase64Encoded":false})";
const std::string kRestStructured =
    R"({"statusCode":200,"headers":{"Content-Type":"application/json","x-request-id":"abc"},)"
    R"("multiValueHeaders":{"Set-Cookie":["a=1; Path=/","b=2; HttpOnly"]},)"
    R"("body":"{\"id\":123,\"name\":\"Widget\",\"items\":[1,2,3]}","isBase64Encoded":false})";
const std::string kInferred = R"({"id":123,"name":"Widget","items":[1,2,3],"ok":true})";

void BM_MapHttpApiResponse(benchmark::State& state) {
  ResponseIds ids{"LV7fzho-PHcEJPw=", "", ""};
  for (auto _ : state) {
    HttpResponse r = mapHttpApiResponse(kStructured, ids);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_MapHttpApiResponse);

void BM_MapHttpApiResponseInferred(benchmark::State& state) {
  ResponseIds ids{"LV7fzho-PHcEJPw=", "", ""};
  for (auto _ : state) {
    HttpResponse r = mapHttpApiResponse(kInferred, ids);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_MapHttpApiResponseInferred);

void BM_MapRestResponse(benchmark::State& state) {
  ResponseIds ids{"deef4878-7910-11e6-8f14-25afc3e9ae33", "TWegAcC4EowCHnA=", ""};
  std::vector<std::string> binary;
  for (auto _ : state) {
    HttpResponse r = mapRestResponse(kRestStructured, ids, "*/*", binary);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_MapRestResponse);

void BM_Reference_SimdjsonParseOnly(benchmark::State& state) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element e;
    auto error = parser.parse(kStructured).get(e);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_Reference_SimdjsonParseOnly);

// Prints "measured / reference" for each pair once every benchmark has run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) times_[run.benchmark_name()] = run.GetAdjustedRealTime();
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    const std::pair<const char*, const char*> pairs[] = {
        {"BM_RouteMatch50", "BM_Reference_LinearScan50"},
        {"BM_BuildHttpApiEvent", "BM_Reference_CopyEventSizedString"},
        {"BM_BuildRestEvent", "BM_Reference_CopyEventSizedString"},
        {"BM_MapHttpApiResponse", "BM_Reference_SimdjsonParseOnly"},
        {"BM_MapHttpApiResponseInferred", "BM_Reference_SimdjsonParseOnly"},
        {"BM_MapRestResponse", "BM_Reference_SimdjsonParseOnly"}};
    std::printf("\n%-32s %-36s %s\n", "measured", "reference", "time ratio");
    for (const auto& [measured, reference] : pairs) {
      auto m = times_.find(measured);
      auto r = times_.find(reference);
      if (m == times_.end() || r == times_.end() || r->second <= 0) continue;
      std::printf("%-32s %-36s %.2fx\n", measured, reference, m->second / r->second);
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace
}  // namespace nimbus::gateway

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  nimbus::gateway::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
