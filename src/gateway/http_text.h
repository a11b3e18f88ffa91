// Text helpers for the gateway's request and response handling: request-target splitting,
// percent-decoding, query strings and media types. Internal to the gateway module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nimbus::gateway::detail {

struct TargetParts {
  std::string_view path;   // Everything before '?', undecoded.
  std::string_view query;  // Everything after the first '?' (without it), undecoded.
};

// Splits a raw request target ("/a/b?x=1"). A fragment, if a client sent one, is dropped.
TargetParts splitTarget(std::string_view target);

// Appends `in` percent-decoded to `out`. Malformed escapes ("%zz", a trailing "%") are kept
// literally rather than rejected, so a decoded value never loses bytes. With `plusAsSpace`,
// '+' becomes ' ' (form encoding, as API Gateway decodes query strings).
void appendPercentDecoded(std::string& out, std::string_view in, bool plusAsSpace);

// True when `in` contains something appendPercentDecoded would change.
bool needsDecoding(std::string_view in, bool plusAsSpace);

// Calls fn(name, value) for each "name=value" pair of a raw query string, both decoded with
// '+' as space. Empty pairs ("a=1&&b=2") are skipped; "flag" without '=' has the value "".
template <typename Fn>
void forEachQueryParameter(std::string_view query, Fn&& fn) {
  std::string name;
  std::string value;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    name.clear();
    value.clear();
    appendPercentDecoded(name, pair.substr(0, eq), true);
    if (eq != std::string_view::npos) appendPercentDecoded(value, pair.substr(eq + 1), true);
    fn(std::string_view(name), std::string_view(value));
  }
}

// "Text/HTML; charset=UTF-8" -> "Text/HTML": the media type without parameters, trimmed.
std::string_view mediaTypeEssence(std::string_view contentType);

// The value of parameter `name` ("charset") in a Content-Type, or "" when absent.
std::string_view mediaTypeParameter(std::string_view contentType, std::string_view name);

// Whether an HTTP API (payload 2.0) passes a request body with this Content-Type as text. Measured
// on AWS: text/*, application/json, application/xml and application/javascript are text; any other
// type, a missing Content-Type and application/x-www-form-urlencoded are base64-encoded. A
// charset other than UTF-8 also makes the body binary.
bool isHttpApiTextMediaType(std::string_view contentType);

// Whether a media type matches one of a REST API's binaryMediaTypes ("image/png", "image/*",
// "*/*"), case-insensitively and ignoring parameters.
bool matchesBinaryMediaTypes(std::string_view contentType,
                             const std::vector<std::string>& binaryMediaTypes);

// The first media range of an Accept header ("image/png, */*;q=0.8" -> "image/png"): REST APIs
// decide whether to decode a base64 response body from the client's first Accept value.
std::string_view firstAcceptedMediaType(std::string_view accept);

void appendLowerAscii(std::string& out, std::string_view s);

}  // namespace nimbus::gateway::detail
