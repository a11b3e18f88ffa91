#include "aws/s3/presign.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "core/hash.h"
#include "core/url.h"

namespace nimbus::aws::s3 {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr int64_t kMaxExpiresSeconds = 604800;  // A week, S3's limit for presigned URLs.
constexpr int64_t kMaxSkewSeconds = 15 * 60;

constexpr std::string_view kMissingQueryParameters =
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
constexpr std::string_view kMalformedCredential =
    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";

struct QueryParameter {
  std::string name;  // Decoded.
  std::string value;
};

std::vector<QueryParameter> parseQuery(std::string_view query) {
  std::vector<QueryParameter> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    // SigV4 encodes a space as %20, never '+', so '+' stays itself here.
    out.push_back(
        {percentDecode(pair.substr(0, eq), false),
         eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), false)});
  }
  return out;
}

const std::string* findParameter(const std::vector<QueryParameter>& params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p.value;
  return nullptr;
}

// SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex); '/' kept
// only in paths.
std::string uriEncode(std::string_view in, bool keepSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/');
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header value as canonical headers carry it: trimmed, runs of spaces collapsed to one.
void appendCanonicalValue(std::string& out, std::string_view value) {
  value = trimSpaces(value);
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

// "20261207T120000Z" as a time point, or nullopt when not in that exact form.
std::optional<Clock::time_point> parseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  return Clock::from_time_t(timegm(&tm));
}

// "2026-12-07T13:00:00Z", the form of S3's Expires and ServerTime error details.
std::string isoSeconds(Clock::time_point t) {
  std::time_t seconds = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// S3 shows the bytes of StringToSign and CanonicalRequest as two-digit hex separated by spaces.
std::string spacedHex(std::string_view bytes) {
  std::string hex = hexEncode(bytes);
  std::string out;
  out.reserve(hex.size() * 3 / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ' ';
    out.append(hex, i, 2);
  }
  return out;
}

S3Error queryError(std::string message) {
  return s3Error("AuthorizationQueryParametersError", std::move(message));
}

S3Error headerError(std::string message) {
  return s3Error("AuthorizationHeaderMalformed", std::move(message));
}

struct Credential {
  std::string accessKeyId, date, region, service;
};

// "AKID/20261207/us-east-1/s3/aws4_request"; the error text without its leading words.
std::optional<std::string> parseCredential(std::string_view text, Credential& out) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t slash = text.find('/');
    parts.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty())
    return std::string(kMalformedCredential);
  if (parts[3] != "s3")
    return "incorrect service \"" + std::string(parts[3]) + "\". This endpoint belongs to \"s3\".";
  if (parts[4] != "aws4_request")
    return "incorrect terminal \"" + std::string(parts[4]) +
           "\". This endpoint uses \"aws4_request\".";
  out = {std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
         std::string(parts[3])};
  return std::nullopt;
}

// What both forms have once parsed.
struct SignatureInputs {
  Credential credential;
  std::string amzDate;
  std::vector<std::string> signedHeaders;  // Lower case, as listed.
  std::string signature;
  std::string payloadHash;
};

std::string canonicalRequest(const SignedRequest& request, std::string_view canonicalUri,
                             const std::vector<QueryParameter>& params, bool skipSignature,
                             const SignatureInputs& in) {
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& p : params) {
    if (skipSignature && p.name == "X-Amz-Signature") continue;
    query.emplace_back(uriEncode(p.name, false), uriEncode(p.value, false));
  }
  std::sort(query.begin(), query.end());
  std::string out;
  out.append(request.method).append("\n").append(canonicalUri).append("\n");
  for (size_t i = 0; i < query.size(); ++i) {
    if (i) out += '&';
    out.append(query[i].first).append("=").append(query[i].second);
  }
  out += '\n';
  for (const auto& name : in.signedHeaders) {
    out.append(name).append(":");
    bool first = true;
    for (const auto& h : request.headers) {
      if (!iequals(h.name, name)) continue;
      if (!first) out += ',';
      first = false;
      appendCanonicalValue(out, h.value);
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < in.signedHeaders.size(); ++i) {
    if (i) out += ';';
    out += in.signedHeaders[i];
  }
  out.append("\n").append(in.payloadHash);
  return out;
}

std::string scopeOf(const Credential& c) {
  return c.date + "/" + c.region + "/" + c.service + "/aws4_request";
}

std::vector<std::string> splitSignedHeaders(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t semi = text.find(';');
    if (semi != 0) out.push_back(lower(text.substr(0, semi)));
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return out;
}

// Compares the signature over each candidate canonical URI; on failure, the details S3 gives for
// the first candidate.
void checkSignature(const SignedRequest& request, std::string_view rawPath,
                    const std::vector<QueryParameter>& params, bool presigned,
                    const SignatureInputs& in, const std::string& secret, S3Authentication& out) {
  std::string scope = scopeOf(in.credential);
  std::string key =
      sigV4SigningKey(secret, in.credential.date, in.credential.region, in.credential.service);
  // SDKs sign the path as they send it, each segment encoded once; clients that leave some bytes
  // unencoded on the wire still signed the encoded form, which the first candidate rebuilds.
  std::string path = rawPath.empty() ? std::string("/") : std::string(rawPath);
  std::vector<std::string> candidates = {uriEncode(percentDecode(path, false), true)};
  if (candidates[0] != path) candidates.push_back(path);
  std::string firstCanonical, firstStringToSign;
  for (const auto& uri : candidates) {
    std::string canonical = canonicalRequest(request, uri, params, presigned, in);
    std::string stringToSign = std::string(kAlgorithm) + "\n" + in.amzDate + "\n" + scope + "\n" +
                               hexEncode(sha256(canonical));
    if (sigV4Signature(key, stringToSign) == in.signature) {
      out.outcome = S3Authentication::Outcome::Verified;
      out.signingKey = key;
      return;
    }
    if (firstCanonical.empty()) {
      firstCanonical = std::move(canonical);
      firstStringToSign = std::move(stringToSign);
    }
  }
  out.outcome = S3Authentication::Outcome::Rejected;
  out.error = s3Error("SignatureDoesNotMatch", std::string(kSignatureMismatch));
  out.error.details = {{"AWSAccessKeyId", in.credential.accessKeyId},
                       {"StringToSign", firstStringToSign},
                       {"SignatureProvided", in.signature},
                       {"StringToSignBytes", spacedHex(firstStringToSign)},
                       {"CanonicalRequest", firstCanonical},
                       {"CanonicalRequestBytes", spacedHex(firstCanonical)}};
}

void reject(S3Authentication& out, S3Error error) {
  out.outcome = S3Authentication::Outcome::Rejected;
  out.error = std::move(error);
}

// Fills `in` from the presigned URL's parameters, or rejects.
bool parsePresigned(const std::vector<QueryParameter>& params, Clock::time_point now,
                    SignatureInputs& in, S3Authentication& out) {
  const std::string* algorithm = findParameter(params, "X-Amz-Algorithm");
  const std::string* credential = findParameter(params, "X-Amz-Credential");
  const std::string* signature = findParameter(params, "X-Amz-Signature");
  const std::string* date = findParameter(params, "X-Amz-Date");
  const std::string* signedHeaders = findParameter(params, "X-Amz-SignedHeaders");
  const std::string* expires = findParameter(params, "X-Amz-Expires");
  if (algorithm && *algorithm != kAlgorithm) {
    reject(out, queryError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
    return false;
  }
  if (!algorithm || !credential || !signature || !date || !signedHeaders || !expires) {
    reject(out, queryError(std::string(kMissingQueryParameters)));
    return false;
  }
  if (auto problem = parseCredential(*credential, in.credential)) {
    reject(out, queryError("Error parsing the X-Amz-Credential parameter; " + *problem));
    return false;
  }
  out.accessKeyId = in.credential.accessKeyId;
  out.region = in.credential.region;
  int64_t expiresSeconds = 0;
  auto [end, ec] =
      std::from_chars(expires->data(), expires->data() + expires->size(), expiresSeconds);
  if (ec != std::errc() || end != expires->data() + expires->size()) {
    reject(out, queryError("X-Amz-Expires should be a number"));
    return false;
  }
  if (expiresSeconds < 0) {
    reject(out, queryError("X-Amz-Expires must be non-negative"));
    return false;
  }
  if (expiresSeconds > kMaxExpiresSeconds) {
    reject(out, queryError("X-Amz-Expires must be less than a week (in seconds) that is; 604800"));
    return false;
  }
  auto signedAt = parseAmzDate(*date);
  if (!signedAt) {
    reject(out,
           queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""));
    return false;
  }
  if (date->substr(0, 8) != in.credential.date) {
    reject(out, queryError("Invalid credential date \"" + in.credential.date +
                           "\". This date is not the same as X-Amz-Date: \"" + date->substr(0, 8) +
                           "\"."));
    return false;
  }
  Clock::time_point expiresAt = *signedAt + std::chrono::seconds(expiresSeconds);
  if (now > expiresAt) {
    S3Error error = s3Error("AccessDenied", "Request has expired");
    error.details = {{"X-Amz-Expires", *expires},
                     {"Expires", isoSeconds(expiresAt)},
                     {"ServerTime", isoSeconds(now)}};
    reject(out, std::move(error));
    return false;
  }
  in.amzDate = *date;
  in.signature = lower(*signature);
  in.signedHeaders = splitSignedHeaders(*signedHeaders);
  const std::string* contentSha = findParameter(params, "X-Amz-Content-Sha256");
  in.payloadHash = contentSha ? *contentSha : "UNSIGNED-PAYLOAD";
  if (const std::string* token = findParameter(params, "X-Amz-Security-Token"))
    out.securityToken = *token;
  return true;
}

// Fills `in` from "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...", or rejects.
bool parseHeaderAuth(const SignedRequest& request, std::string_view authorization,
                     Clock::time_point now, SignatureInputs& in, S3Authentication& out) {
  std::string_view rest = trimSpaces(authorization.substr(kAlgorithm.size()));
  std::optional<std::string_view> credential, signedHeaders, signature;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trimSpaces(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trimSpaces(item.substr(0, eq));
    std::string_view value = trimSpaces(item.substr(eq + 1));
    if (name == "Credential") credential = value;
    if (name == "SignedHeaders") signedHeaders = value;
    if (name == "Signature") signature = value;
  }
  if (!credential) {
    reject(out, headerError("The authorization header is malformed; " +
                            std::string(kMalformedCredential)));
    return false;
  }
  if (auto problem = parseCredential(*credential, in.credential)) {
    reject(out, headerError("The authorization header is malformed; " + *problem));
    return false;
  }
  out.accessKeyId = in.credential.accessKeyId;
  out.region = in.credential.region;
  if (!signedHeaders || !signature) {
    reject(out, headerError("The authorization header is malformed; the authorization header "
                            "requires three components: Credential, SignedHeaders, and "
                            "Signature."));
    return false;
  }
  const HttpHeader* date = findHeader(request.headers, "x-amz-date");
  std::optional<Clock::time_point> signedAt;
  if (date) signedAt = parseAmzDate(date->value);
  if (!signedAt) {
    reject(out, s3Error("AccessDenied",
                        "AWS authentication requires a valid Date or x-amz-date "
                        "header"));
    return false;
  }
  if (std::string_view(date->value).substr(0, 8) != in.credential.date) {
    reject(out, headerError("The authorization header is malformed; Invalid credential date. "
                            "Date is not the same as X-Amz-Date."));
    return false;
  }
  auto skew = now > *signedAt ? now - *signedAt : *signedAt - now;
  if (skew > std::chrono::seconds(kMaxSkewSeconds)) {
    S3Error error = s3Error("RequestTimeTooSkewed",
                            "The difference between the request time and the current time is "
                            "too large.");
    error.details = {{"RequestTime", date->value},
                     {"ServerTime", isoSeconds(now)},
                     {"MaxAllowedSkewMilliseconds", "900000"}};
    reject(out, std::move(error));
    return false;
  }
  const HttpHeader* contentSha = findHeader(request.headers, "x-amz-content-sha256");
  if (!contentSha) {
    reject(out, s3Error("InvalidRequest",
                        "Missing required header for this request: "
                        "x-amz-content-sha256"));
    return false;
  }
  in.amzDate = date->value;
  in.signature = lower(*signature);
  in.signedHeaders = splitSignedHeaders(*signedHeaders);
  in.payloadHash = contentSha->value;
  if (const HttpHeader* token = findHeader(request.headers, "x-amz-security-token"))
    out.securityToken = token->value;
  return true;
}

}  // namespace

std::string sigV4SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string key = hmacSha256("AWS4" + std::string(secret), date);
  key = hmacSha256(key, region);
  key = hmacSha256(key, service);
  return hmacSha256(key, "aws4_request");
}

std::string sigV4Signature(std::string_view signingKey, std::string_view stringToSign) {
  return hexEncode(hmacSha256(signingKey, stringToSign));
}

std::string chunkStringToSign(std::string_view amzDate, std::string_view scope,
                              std::string_view previousSignature, std::string_view chunkSha256Hex) {
  std::string out = "AWS4-HMAC-SHA256-PAYLOAD\n";
  out.append(amzDate).append("\n").append(scope).append("\n").append(previousSignature);
  out.append("\n").append(hexEncode(sha256(""))).append("\n").append(chunkSha256Hex);
  return out;
}

S3Authentication authenticateS3Request(const SignedRequest& request, const SecretLookup& secretFor,
                                       Clock::time_point now) {
  S3Authentication out;
  size_t question = request.target.find('?');
  std::string_view rawPath = request.target.substr(0, question);
  std::vector<QueryParameter> params;
  if (question != std::string_view::npos) params = parseQuery(request.target.substr(question + 1));

  bool presigned = findParameter(params, "X-Amz-Algorithm") ||
                   findParameter(params, "X-Amz-Credential") ||
                   findParameter(params, "X-Amz-Signature");
  const HttpHeader* authorization = findHeader(request.headers, "authorization");
  SignatureInputs in;
  if (presigned) {
    out.presigned = true;
    if (!parsePresigned(params, now, in, out)) return out;
  } else if (authorization) {
    std::string_view value = trimSpaces(authorization->value);
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm ||
        (value.size() > kAlgorithm.size() && value[kAlgorithm.size()] != ' ')) {
      // SigV2 ("AWS AKID:signature") and anything else: S3's answer in regions without SigV2.
      reject(out, s3Error("InvalidRequest",
                          "The authorization mechanism you have provided is not supported. "
                          "Please use AWS4-HMAC-SHA256."));
      return out;
    }
    if (!parseHeaderAuth(request, value, now, in, out)) return out;
  } else {
    return out;  // Anonymous.
  }
  out.payloadHash = in.payloadHash;
  out.signature = in.signature;
  out.amzDate = in.amzDate;
  out.scope = scopeOf(in.credential);

  std::optional<std::string> secret = secretFor(in.credential.accessKeyId);
  if (!secret) {
    out.outcome = S3Authentication::Outcome::UnknownAccessKey;
    out.error = s3Error("InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records.");
    out.error.details = {{"AWSAccessKeyId", in.credential.accessKeyId}};
    return out;
  }
  checkSignature(request, rawPath, params, presigned, in, *secret, out);
  return out;
}

}  // namespace nimbus::aws::s3
