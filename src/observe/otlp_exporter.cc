#include "observe/otlp_exporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/url.h"
#include "http/client.h"

namespace nimbus::observe {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first of the variables that is set and not empty.
std::optional<std::string> setting(const EnvironmentLookup& getenv, const char* specific,
                                   const char* general) {
  for (const char* name : {specific, general}) {
    if (!name) continue;
    const char* value = getenv(name);
    if (value && *value) return std::string(trimmed(value));
  }
  return std::nullopt;
}

// "k=v,k2=v2" with percent-encoded values into `headers`; a later name replaces an earlier one.
void addHeaders(std::vector<HttpHeader>& headers, std::string_view list) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view pair = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = percentDecode(trimmed(pair.substr(0, eq)));
    std::string value = percentDecode(trimmed(pair.substr(eq + 1)));
    if (name.empty()) continue;
    std::erase_if(headers, [&](const HttpHeader& h) { return iequals(h.name, name); });
    headers.push_back({std::move(name), std::move(value)});
  }
}

// Splits "http://host:port/path" into the config; false with `warning` set when it cannot.
bool parseEndpoint(const std::string& url, OtlpConfig& config, std::string& warning) {
  std::string_view rest = url;
  if (lower(url.substr(0, 8)) == "https://") {
    warning = "OTLP trace export disabled: " + url +
              " uses https, which nimbus's exporter does not support yet; use an http:// "
              "endpoint (a local collector)";
    return false;
  }
  if (lower(url.substr(0, 7)) != "http://") {
    warning = "OTLP trace export disabled: the endpoint " + url + " is not an http:// URL";
    return false;
  }
  rest.remove_prefix(7);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target.front() == '?') target.insert(0, "/");
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      host = {};
    else {
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (after.starts_with(':'))
        port = after.substr(1);
      else if (!after.empty())
        host = {};
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  unsigned value = 80;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      host = {};
    }
  }
  if (host.empty()) {
    warning = "OTLP trace export disabled: cannot read host and port from " + url;
    return false;
  }
  config.endpoint = url;
  config.host = std::string(host);
  config.port = static_cast<uint16_t>(value);
  config.target = std::move(target);
  return true;
}

}  // namespace

std::optional<OtlpConfig> OtlpConfig::fromEnvironment(const EnvironmentLookup& getenv,
                                                      std::string& warning) {
  warning.clear();
  if (auto disabled = setting(getenv, "OTEL_SDK_DISABLED", nullptr);
      disabled && lower(*disabled) == "true") {
    return std::nullopt;
  }
  if (auto exporters = setting(getenv, "OTEL_TRACES_EXPORTER", nullptr)) {
    bool otlp = false;
    std::string_view list = *exporters;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string name = lower(trimmed(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (name == "none") return std::nullopt;
      otlp = otlp || name == "otlp";
    }
    if (!otlp) {
      warning = "OTLP trace export disabled: OTEL_TRACES_EXPORTER=" + *exporters +
                " names no exporter nimbus has (it has otlp)";
      return std::nullopt;
    }
  }

  std::string url;
  if (auto traces = setting(getenv, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", nullptr)) {
    url = *traces;  // The signal's own endpoint is used as given.
  } else if (auto base = setting(getenv, "OTEL_EXPORTER_OTLP_ENDPOINT", nullptr)) {
    url = *base + (base->ends_with('/') ? "v1/traces" : "/v1/traces");
  } else {
    return std::nullopt;
  }

  OtlpConfig config;
  std::string protocol =
      lower(setting(getenv, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
                .value_or("http/protobuf"));
  if (protocol == "http/protobuf") {
    config.protocol = OtlpProtocol::kProtobuf;
  } else if (protocol == "http/json") {
    config.protocol = OtlpProtocol::kJson;
  } else if (protocol == "grpc") {
    warning =
        "OTLP trace export disabled: OTLP over gRPC is not supported; set "
        "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf (or http/json) and the collector's HTTP port "
        "(4318)";
    return std::nullopt;
  } else {
    warning = "OTLP trace export disabled: unknown OTLP protocol '" + protocol +
              "' (nimbus supports http/protobuf and http/json)";
    return std::nullopt;
  }

  if (!parseEndpoint(url, config, warning)) return std::nullopt;

  if (const char* general = getenv("OTEL_EXPORTER_OTLP_HEADERS"))
    addHeaders(config.headers, general);
  if (const char* traces = getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS")) {
    addHeaders(config.headers, traces);
  }
  if (auto timeout =
          setting(getenv, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(timeout->data(), timeout->data() + timeout->size(), ms);
    if (ec == std::errc() && end == timeout->data() + timeout->size() && ms > 0) {
      config.timeout = std::chrono::milliseconds(ms);
    }
  }
  config.resource = OtlpResource::fromEnvironment(getenv);
  return config;
}

OtlpExporter::OtlpExporter(OtlpConfig config) : config_(std::move(config)) {
  thread_ = std::thread([this] { run(); });
}

OtlpExporter::~OtlpExporter() {
  stop();
}

void OtlpExporter::enqueue(std::vector<Span> spans) {
  bool batchReady;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      dropped_.fetch_add(spans.size(), std::memory_order_relaxed);
      return;
    }
    size_t room = config_.maxQueued > queue_.size() ? config_.maxQueued - queue_.size() : 0;
    size_t taken = std::min(room, spans.size());
    for (size_t i = 0; i < taken; ++i) queue_.push_back(std::move(spans[i]));
    if (taken < spans.size()) {
      dropped_.fetch_add(spans.size() - taken, std::memory_order_relaxed);
    }
    batchReady = queue_.size() >= config_.maxBatch;
  }
  if (batchReady) wake_.notify_one();
}

void OtlpExporter::stop() {
  std::lock_guard stopLock(stopMutex_);
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::string OtlpExporter::lastError() const {
  std::lock_guard lock(mutex_);
  return lastError_;
}

void OtlpExporter::run() {
  std::unique_lock lock(mutex_);
  auto due = std::chrono::steady_clock::now() + config_.interval;
  for (;;) {
    wake_.wait_until(lock, due, [&] { return stopping_ || queue_.size() >= config_.maxBatch; });
    if (queue_.empty()) {
      if (stopping_) return;
      due = std::chrono::steady_clock::now() + config_.interval;
      continue;
    }
    if (!stopping_ && queue_.size() < config_.maxBatch && std::chrono::steady_clock::now() < due) {
      continue;  // Woken early (spurious): a partial batch waits for its time.
    }
    size_t count = std::min(config_.maxBatch, queue_.size());
    std::vector<Span> batch(
        std::make_move_iterator(queue_.begin()),
        std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(count)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(count));
    lock.unlock();
    send(batch);
    lock.lock();
    if (queue_.size() < config_.maxBatch) due = std::chrono::steady_clock::now() + config_.interval;
  }
}

void OtlpExporter::send(const std::vector<Span>& batch) {
  HttpRequest request;
  request.method = "POST";
  request.target = config_.target;
  bool json = config_.protocol == OtlpProtocol::kJson;
  request.headers.push_back({"Content-Type", json ? "application/json" : "application/x-protobuf"});
  for (const auto& h : config_.headers) request.headers.push_back(h);
  request.body =
      json ? encodeOtlpJson(batch, config_.resource) : encodeOtlpProtobuf(batch, config_.resource);
  auto result = http::sendRequest(config_.host, config_.port, request, config_.timeout);
  std::string error;
  if (!result.ok) {
    error = result.error;
  } else if (result.response.status < 200 || result.response.status >= 300) {
    error = fmt::format("HTTP {}: {}", result.response.status, result.response.body.substr(0, 200));
  }
  if (error.empty()) {
    exported_.fetch_add(batch.size(), std::memory_order_relaxed);
    return;
  }
  failed_.fetch_add(batch.size(), std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  lastError_ = fmt::format("OTLP export to {} failed: {}", config_.endpoint, error);
}

}  // namespace nimbus::observe
