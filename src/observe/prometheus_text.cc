#include "observe/prometheus_text.h"

#include <fmt/format.h>

namespace nimbus::observe {

namespace {

// Label values escape backslash, double quote and line feed.
std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string labelText(const Labels& labels, std::string_view extraName = {},
                      std::string_view extraValue = {}) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", name, escape(value));
  }
  if (!extraName.empty()) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", extraName, extraValue);
  }
  return out.empty() ? "" : "{" + out + "}";
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string number(double v) {
  return fmt::format("{}", v);
}

// One histogram's series, in seconds, with cumulative buckets.
void histogram(std::string& out, std::string_view name, const Labels& labels,
               const DurationHistogram& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i].load(std::memory_order_relaxed);
    std::string le =
        i < kDurationBucketsMs.size() ? number(kDurationBucketsMs[i] / 1000.0) : "+Inf";
    out += fmt::format("{}_bucket{} {}\n", name, labelText(labels, "le", le), cumulative);
  }
  out +=
      fmt::format("{}_sum{} {}\n", name, labelText(labels),
                  number(static_cast<double>(h.sumMicros.load(std::memory_order_relaxed)) / 1e6));
  out += fmt::format("{}_count{} {}\n", name, labelText(labels),
                     h.count.load(std::memory_order_relaxed));
}

}  // namespace

std::string prometheusText(const FunctionMetrics& metrics, const std::vector<GaugeFamily>& gauges,
                           uint64_t droppedLogLines) {
  std::string out;
  auto functions = metrics.functions();
  struct Counter {
    const char* name;
    const char* help;
    std::atomic<uint64_t> FunctionCounters::*field;
  };
  static const Counter kCounters[] = {
      {"nimbus_lambda_invocations_total", "Invocations of each function, as Lambda counts them.",
       &FunctionCounters::invocations},
      {"nimbus_lambda_errors_total", "Invocations that ended in a function error.",
       &FunctionCounters::errors},
      {"nimbus_lambda_throttles_total", "Invocations refused for want of concurrency.",
       &FunctionCounters::throttles},
      {"nimbus_lambda_cold_starts_total", "Invocations that started a new execution environment.",
       &FunctionCounters::coldStarts},
      {"nimbus_lambda_billed_milliseconds_total",
       "Billed duration, as Lambda would bill it (init included on cold starts).",
       &FunctionCounters::billedMs},
  };
  for (const auto& c : kCounters) {
    header(out, c.name, "counter", c.help);
    for (const auto& f : functions) {
      out += fmt::format("{}{} {}\n", c.name, labelText({{"function", f->name}}),
                         ((*f).*(c.field)).load(std::memory_order_relaxed));
    }
  }
  header(out, "nimbus_lambda_gb_seconds_total", "counter",
         "Billed GB-seconds: memory size in GB times billed seconds.");
  for (const auto& f : functions) {
    double gbSeconds =
        static_cast<double>(f->mbMs.load(std::memory_order_relaxed)) / 1024.0 / 1000.0;
    out += fmt::format("nimbus_lambda_gb_seconds_total{} {}\n", labelText({{"function", f->name}}),
                       number(gbSeconds));
  }
  header(out, "nimbus_lambda_duration_seconds", "histogram",
         "Time from the event's delivery to the function's answer.");
  for (const auto& f : functions) {
    histogram(out, "nimbus_lambda_duration_seconds", {{"function", f->name}}, f->duration);
  }
  header(out, "nimbus_lambda_init_duration_seconds", "histogram",
         "Time the function's init phase took, on cold starts.");
  for (const auto& f : functions) {
    histogram(out, "nimbus_lambda_init_duration_seconds", {{"function", f->name}}, f->initDuration);
  }

  auto routes = metrics.routes();
  header(out, "nimbus_gateway_requests_total", "counter", "API Gateway requests per route.");
  for (const auto& r : routes) {
    out += fmt::format("nimbus_gateway_requests_total{} {}\n",
                       labelText({{"api", r->kind}, {"route", r->route}}),
                       r->requests.load(std::memory_order_relaxed));
  }
  header(out, "nimbus_gateway_errors_total", "counter",
         "API Gateway answers with a 4XX or 5XX status, per route.");
  for (const auto& r : routes) {
    Labels labels{{"api", r->kind}, {"route", r->route}};
    out += fmt::format("nimbus_gateway_errors_total{} {}\n", labelText(labels, "class", "4xx"),
                       r->clientErrors.load(std::memory_order_relaxed));
    out += fmt::format("nimbus_gateway_errors_total{} {}\n", labelText(labels, "class", "5xx"),
                       r->serverErrors.load(std::memory_order_relaxed));
  }
  header(out, "nimbus_gateway_latency_seconds", "histogram",
         "Time from a request's arrival at the gateway to its answer.");
  for (const auto& r : routes) {
    histogram(out, "nimbus_gateway_latency_seconds", {{"api", r->kind}, {"route", r->route}},
              r->latency);
  }

  for (const auto& g : gauges) {
    header(out, g.name, "gauge", g.help);
    for (const auto& [labels, value] : g.samples) {
      out += fmt::format("{}{} {}\n", g.name, labelText(labels), number(value));
    }
  }
  header(out, "nimbus_log_lines_dropped_total", "counter",
         "Function output lines dropped because the log store's queue was full.");
  out += fmt::format("nimbus_log_lines_dropped_total {}\n", droppedLogLines);
  return out;
}

}  // namespace nimbus::observe
