#include "aws/s3/object_conditions.h"

#include <charconv>

namespace nimbus::aws::s3 {

namespace {

ServiceError preconditionFailed() {
  return s3Error("PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold", 412);
}

ServiceError notModified() {
  return s3Error("NotModified", "Not Modified", 304);
}

// An If-Match / If-None-Match list ("\"abc\", \"def\"", "*", with or without quotes or W/).
bool etagListMatches(std::string_view list, const std::string& etag) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (item == "*" || item == etag) return true;
  }
  return false;
}

// HTTP dates have whole seconds: S3 compares Last-Modified at that precision.
int64_t seconds(int64_t ms) {
  return ms / 1000;
}

struct Conditions {
  const std::string* ifMatch;
  const std::string* ifNoneMatch;
  const std::string* ifModifiedSince;
  const std::string* ifUnmodifiedSince;
};

std::optional<ServiceError> evaluate(const Conditions& c, const ObjectVersion& v, bool copy) {
  bool matchHeld = false;
  if (c.ifMatch) {
    if (!etagListMatches(*c.ifMatch, v.etag)) return preconditionFailed();
    matchHeld = true;
  }
  if (c.ifUnmodifiedSince && !matchHeld) {
    auto since = parseHttpTime(*c.ifUnmodifiedSince);
    if (since && seconds(v.lastModifiedMs) > seconds(*since)) return preconditionFailed();
  }
  bool noneMatchHeld = false;
  if (c.ifNoneMatch) {
    if (etagListMatches(*c.ifNoneMatch, v.etag)) {
      return copy ? preconditionFailed() : notModified();
    }
    noneMatchHeld = true;
  }
  if (c.ifModifiedSince && !noneMatchHeld) {
    auto since = parseHttpTime(*c.ifModifiedSince);
    if (since && seconds(v.lastModifiedMs) <= seconds(*since)) {
      return copy ? preconditionFailed() : notModified();
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ServiceError> checkReadConditions(const S3Request& r, const ObjectVersion& v) {
  return evaluate({r.header("If-Match"), r.header("If-None-Match"), r.header("If-Modified-Since"),
                   r.header("If-Unmodified-Since")},
                  v, false);
}

std::optional<ServiceError> checkCopySourceConditions(const S3Request& r, const ObjectVersion& v) {
  return evaluate(
      {r.header("x-amz-copy-source-if-match"), r.header("x-amz-copy-source-if-none-match"),
       r.header("x-amz-copy-source-if-modified-since"),
       r.header("x-amz-copy-source-if-unmodified-since")},
      v, true);
}

std::optional<ServiceError> checkWriteConditions(const S3Request& r, const ObjectVersion* current) {
  if (const std::string* noneMatch = r.header("If-None-Match")) {
    if (*noneMatch != "*") {
      return s3Error("NotImplemented",
                     "A header you provided implies functionality that is not implemented", 501);
    }
    if (current) return preconditionFailed();
  }
  if (const std::string* match = r.header("If-Match")) {
    if (!current) return s3Error("NoSuchKey", "The specified key does not exist.", 404);
    if (!etagListMatches(*match, current->etag)) return preconditionFailed();
  }
  return std::nullopt;
}

ByteRange parseRange(std::string_view header, uint64_t size) {
  ByteRange range;
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit)) return range;
  std::string_view spec = header.substr(kUnit.size());
  if (spec.find(',') != std::string_view::npos) return range;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return range;
  std::string_view from = spec.substr(0, dash);
  std::string_view to = spec.substr(dash + 1);
  if (from.empty()) {
    auto suffix = number(to);
    if (!suffix) return range;
    if (*suffix == 0 || size == 0) {
      range.unsatisfiable = true;
      return range;
    }
    range.first = *suffix >= size ? 0 : size - *suffix;
    range.last = size - 1;
    range.valid = true;
    return range;
  }
  auto first = number(from);
  if (!first) return range;
  std::optional<uint64_t> last = to.empty() ? std::optional<uint64_t>(UINT64_MAX) : number(to);
  if (!last || *last < *first) return range;
  if (*first >= size) {
    range.unsatisfiable = true;
    return range;
  }
  range.first = *first;
  range.last = std::min(*last, size - 1);
  range.valid = true;
  return range;
}

}  // namespace nimbus::aws::s3
