#include "gateway/http_text.h"

#include "core/http_message.h"

namespace nimbus::gateway::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Case-insensitive match of a media type against a pattern that may be "type/*" or "*/*".
bool mediaTypeMatches(std::string_view type, std::string_view pattern) {
  pattern = trim(pattern);
  if (pattern == "*/*") return !type.empty();
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "/*") {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // "image/"
    return type.size() > prefix.size() && iequals(type.substr(0, prefix.size()), prefix);
  }
  return iequals(type, pattern);
}

}  // namespace

TargetParts splitTarget(std::string_view target) {
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string_view mediaTypeEssence(std::string_view contentType) {
  return trim(contentType.substr(0, contentType.find(';')));
}

std::string_view mediaTypeParameter(std::string_view contentType, std::string_view name) {
  size_t semi = contentType.find(';');
  while (semi != std::string_view::npos) {
    contentType.remove_prefix(semi + 1);
    semi = contentType.find(';');
    std::string_view param = trim(contentType.substr(0, semi));
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!iequals(trim(param.substr(0, eq)), name)) continue;
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

bool isHttpApiTextMediaType(std::string_view contentType) {
  std::string_view type = mediaTypeEssence(contentType);
  bool text = (type.size() > 5 && iequals(type.substr(0, 5), "text/")) ||
              iequals(type, "application/json") || iequals(type, "application/xml") ||
              iequals(type, "application/javascript");
  if (!text) return false;
  // "text/plain; charset=iso-8859-1" was measured as binary; "charset=utf-8" stays text.
  std::string_view charset = mediaTypeParameter(contentType, "charset");
  return charset.empty() || iequals(charset, "utf-8") || iequals(charset, "utf8");
}

bool matchesBinaryMediaTypes(std::string_view contentType,
                             const std::vector<std::string>& binaryMediaTypes) {
  std::string_view type = mediaTypeEssence(contentType);
  if (type.empty()) return false;
  for (const auto& pattern : binaryMediaTypes) {
    if (mediaTypeMatches(type, pattern)) return true;
  }
  return false;
}

std::string_view firstAcceptedMediaType(std::string_view accept) {
  return mediaTypeEssence(accept.substr(0, accept.find(',')));
}

void appendLowerAscii(std::string& out, std::string_view s) {
  size_t at = out.size();
  out.resize(at + s.size());
  for (char c : s) out[at++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace nimbus::gateway::detail
