#include "observe/trace.h"

#include "core/ids.h"

namespace nimbus::observe {

namespace {

bool isHex(std::string_view s) {
  for (char c : s) {
    bool digit = c >= '0' && c <= '9';
    bool lower = c >= 'a' && c <= 'f';
    bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !upper) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// X-Ray's trace id: version 1, 8 hex digits of epoch seconds, 24 hex digits of randomness.
bool isTraceRoot(std::string_view root) {
  return root.size() == 35 && root.substr(0, 2) == "1-" && root[10] == '-' &&
         isHex(root.substr(2, 8)) && isHex(root.substr(11));
}

}  // namespace

bool isValidTraceRoot(std::string_view root) {
  return isTraceRoot(root);
}

bool isValidSpanId(std::string_view id) {
  return id.size() == 16 && isHex(id);
}

std::optional<TraceContext> TraceContext::parse(std::string_view header) {
  TraceContext context;
  bool haveRoot = false;
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view field = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(field.substr(0, eq));
    std::string_view value = trim(field.substr(eq + 1));
    if (key == "Root") {
      if (!isTraceRoot(value)) return std::nullopt;
      context.root = std::string(value);
      haveRoot = true;
    } else if (key == "Parent") {
      // A malformed parent cannot be linked to; the trace itself is still worth continuing.
      if (isValidSpanId(value)) context.parent = std::string(value);
    } else if (key == "Sampled") {
      // "?" asks the receiver to decide; nimbus records everything, so it counts as sampled.
      context.sampled = value != "0";
    }
  }
  if (!haveRoot) return std::nullopt;
  return context;
}

TraceContext TraceContext::start() {
  TraceContext context;
  std::string header = newTraceRoot();  // "Root=1-...".
  context.root = header.substr(header.find('=') + 1);
  return context;
}

TraceContext TraceContext::child(std::string_view spanId) const {
  TraceContext next = *this;
  next.parent = std::string(spanId);
  return next;
}

std::string TraceContext::header() const {
  std::string out;
  out.reserve(80);
  out += "Root=";
  out += root;
  if (!parent.empty()) {
    out += ";Parent=";
    out += parent;
  }
  out += sampled ? ";Sampled=1" : ";Sampled=0";
  return out;
}

std::string newSpanId() {
  return randomHex(16);
}

}  // namespace nimbus::observe
