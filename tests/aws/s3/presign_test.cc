#include "aws/s3/presign.h"

#include <gtest/gtest.h>

#include <ctime>

#include "core/hash.h"

namespace nimbus::aws::s3 {
namespace {

using Clock = std::chrono::system_clock;
using Outcome = S3Authentication::Outcome;

Clock::time_point at(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return Clock::from_time_t(timegm(&tm));
}

std::optional<std::string> testKeys(std::string_view id) {
  if (id == "test") return std::string("test");
  return std::nullopt;
}

// URLs signed by boto3's generate_presigned_url (botocore 1.43) with keys test/test, region
// us-east-1, its clock fixed at 2026-12-07T12:00:00Z.
constexpr const char* kGetPathStyle =
    "/photos/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-east-"
    "1%2Fs3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders="
    "host&X-Amz-Signature=695abb4cbae76fcd1f9771cf34248c15015816a32558aead09d9f266b3289165";
constexpr const char* kPutEncodedKey =
    "/photos/up/load%20me%2B%281%29%21.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
    "test%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires="
    "600&X-Amz-SignedHeaders=host&X-Amz-Signature="
    "71692e3832779ee6a6befefa436efa1b3bd7c72254be72001325217b2dffa380";
constexpr const char* kGetUnicodeWithResponseType =
    "/photos/dir/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9.txt?response-content-type=text%2Fplain%3B%20"
    "charset%3Dutf-8&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-"
    "east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=604800&X-Amz-"
    "SignedHeaders=host&X-Amz-Signature="
    "e4ad9816dbbaa6e478e89c75096bb7c3d2951abd3ff9292044e3f3a10e865a0a";
constexpr const char* kGetWithToken =
    "/photos/a~b?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-east-1%2F"
    "s3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-"
    "Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2Ftoken%2B%3D&X-Amz-Signature="
    "2dfe87a0e7d03f607c47977962a56247877dd59346adc75af95d666836a51dcf";
// Virtual-hosted style, endpoint http://s3.localhost:4566.
constexpr const char* kVirtualGet =
    "/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-east-1%2Fs3%"
    "2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-"
    "Amz-Signature=926687b2d58633424474b01be38f0450ef91b3a16bdc94fc998d63a836097351";
constexpr const char* kVirtualPut =
    "/new.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-east-1%2Fs3%"
    "2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-"
    "Amz-Signature=ca1eedf455687b2bbf0672f0a60cdb80f7a2c99113ed73231995a089b8133c32";

const Clock::time_point kSoon = at(2026, 12, 7, 12, 0, 30);

S3Authentication check(std::string_view method, std::string_view target, std::string host,
                       Clock::time_point now = kSoon) {
  std::vector<HttpHeader> headers = {{"Host", std::move(host)}, {"User-Agent", "curl/7.88"}};
  return authenticateS3Request({method, target, headers}, testKeys, now);
}

TEST(Presign, BotocoreUrlsVerify) {
  struct Case {
    const char* method;
    const char* target;
    const char* host;
  };
  for (const Case& c :
       {Case{"GET", kGetPathStyle, "127.0.0.1:4566"}, Case{"PUT", kPutEncodedKey, "127.0.0.1:4566"},
        Case{"GET", kGetUnicodeWithResponseType, "127.0.0.1:4566"},
        Case{"GET", kGetWithToken, "127.0.0.1:4566"},
        Case{"GET", kVirtualGet, "photos.s3.localhost:4566"},
        Case{"PUT", kVirtualPut, "photos.s3.localhost:4566"}}) {
    S3Authentication auth = check(c.method, c.target, c.host);
    EXPECT_EQ(auth.outcome, Outcome::Verified) << c.target << "\n" << auth.error.message;
    EXPECT_TRUE(auth.presigned);
    EXPECT_EQ(auth.accessKeyId, "test");
    EXPECT_EQ(auth.region, "us-east-1");
    EXPECT_EQ(auth.payloadHash, "UNSIGNED-PAYLOAD");
    EXPECT_EQ(auth.signingKey.size(), 32u);
  }
  EXPECT_EQ(check("GET", kGetWithToken, "127.0.0.1:4566").securityToken,
            "FQoGZXIvYXdzEXAMPLE/token+=");
}

TEST(Presign, TamperedRequestsDoNotMatch) {
  // Another key, another method, another host, an added parameter.
  std::string otherKey = kGetPathStyle;
  otherKey.replace(otherKey.find("cat.jpg"), 7, "dog.jpg");
  S3Authentication auth = check("GET", otherKey, "127.0.0.1:4566");
  ASSERT_EQ(auth.outcome, Outcome::Rejected);
  EXPECT_EQ(auth.error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(auth.error.status, 403);
  EXPECT_EQ(auth.error.message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
  ASSERT_EQ(auth.error.details.size(), 6u);
  EXPECT_EQ(auth.error.details[0], (std::pair<std::string, std::string>{"AWSAccessKeyId", "test"}));
  EXPECT_EQ(auth.error.details[1].first, "StringToSign");
  EXPECT_EQ(auth.error.details[1].second.substr(0, 69),
            "AWS4-HMAC-SHA256\n20261207T120000Z\n20261207/us-east-1/s3/aws4_request\n");
  EXPECT_EQ(auth.error.details[4].first, "CanonicalRequest");
  EXPECT_EQ(
      auth.error.details[4].second,
      "GET\n/photos/dog.jpg\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207"
      "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-Expires=3600&X-Amz-"
      "SignedHeaders=host\nhost:127.0.0.1:4566\n\nhost\nUNSIGNED-PAYLOAD");
  EXPECT_EQ(auth.error.details[5].second.substr(0, 11), "47 45 54 0a");

  EXPECT_EQ(check("PUT", kGetPathStyle, "127.0.0.1:4566").outcome, Outcome::Rejected);
  EXPECT_EQ(check("GET", kGetPathStyle, "127.0.0.1:4567").outcome, Outcome::Rejected);
  EXPECT_EQ(check("GET", std::string(kGetPathStyle) + "&versionId=1", "127.0.0.1:4566").outcome,
            Outcome::Rejected);
  std::string otherSignature = kGetPathStyle;
  otherSignature.back() = '0';
  EXPECT_EQ(check("GET", otherSignature, "127.0.0.1:4566").error.code, "SignatureDoesNotMatch");
}

TEST(Presign, WrongSecret) {
  std::vector<HttpHeader> headers = {{"host", "127.0.0.1:4566"}};
  S3Authentication auth = authenticateS3Request(
      {"GET", kGetPathStyle, headers},
      [](std::string_view) { return std::optional<std::string>("not-the-secret"); }, kSoon);
  EXPECT_EQ(auth.outcome, Outcome::Rejected);
  EXPECT_EQ(auth.error.code, "SignatureDoesNotMatch");
}

TEST(Presign, UnknownAccessKey) {
  std::vector<HttpHeader> headers = {{"host", "127.0.0.1:4566"}};
  S3Authentication auth = authenticateS3Request(
      {"GET", kGetPathStyle, headers}, [](std::string_view) { return std::nullopt; }, kSoon);
  EXPECT_EQ(auth.outcome, Outcome::UnknownAccessKey);
  EXPECT_EQ(auth.accessKeyId, "test");
  EXPECT_EQ(auth.error.code, "InvalidAccessKeyId");
  EXPECT_EQ(auth.error.status, 403);
}

TEST(Presign, Expired) {
  // Valid through 13:00:00 (3600 s after 12:00:00).
  EXPECT_EQ(check("GET", kGetPathStyle, "127.0.0.1:4566", at(2026, 12, 7, 13, 0, 0)).outcome,
            Outcome::Verified);
  S3Authentication auth = check("GET", kGetPathStyle, "127.0.0.1:4566", at(2026, 12, 7, 13, 0, 1));
  ASSERT_EQ(auth.outcome, Outcome::Rejected);
  EXPECT_EQ(auth.error.code, "AccessDenied");
  EXPECT_EQ(auth.error.status, 403);
  EXPECT_EQ(auth.error.message, "Request has expired");
  std::vector<std::pair<std::string, std::string>> details = {
      {"X-Amz-Expires", "3600"},
      {"Expires", "2026-12-07T13:00:00Z"},
      {"ServerTime", "2026-12-07T13:00:01Z"}};
  EXPECT_EQ(auth.error.details, details);
  // Expiry comes before the key lookup: an expired URL of an unknown key is still expired.
  std::vector<HttpHeader> headers = {{"host", "127.0.0.1:4566"}};
  EXPECT_EQ(authenticateS3Request(
                {"GET", kGetPathStyle, headers}, [](std::string_view) { return std::nullopt; },
                at(2026, 12, 8, 0, 0, 0))
                .error.message,
            "Request has expired");
}

TEST(Presign, MalformedParameters) {
  std::string base =
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Fus-"
      "east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T120000Z&X-Amz-SignedHeaders="
      "host&X-Amz-Signature=00";
  struct Case {
    std::string target;
    std::string message;
  };
  std::vector<Case> cases = {
      {base,
       "Query-string authentication version 4 requires the X-Amz-Algorithm, "
       "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
       "X-Amz-Expires parameters."},
      {base + "&X-Amz-Expires=604801",
       "X-Amz-Expires must be less than a week (in seconds) that is; 604800"},
      {base + "&X-Amz-Expires=-1", "X-Amz-Expires must be non-negative"},
      {base + "&X-Amz-Expires=soon", "X-Amz-Expires should be a number"},
      {"/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Expires=1",
       "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""},
  };
  std::string badCredential = base + "&X-Amz-Expires=60";
  badCredential.replace(badCredential.find("test%2F"), 7, "");
  cases.push_back({badCredential,
                   "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
                   "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."});
  std::string badDate = base + "&X-Amz-Expires=60";
  badDate.replace(badDate.find("20261207T120000Z"), 16, "2026-12-07");
  cases.push_back(
      {badDate, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""});
  for (const auto& c : cases) {
    S3Authentication auth = check("GET", c.target, "h");
    ASSERT_EQ(auth.outcome, Outcome::Rejected) << c.target;
    EXPECT_EQ(auth.error.code, "AuthorizationQueryParametersError");
    EXPECT_EQ(auth.error.status, 400);
    EXPECT_EQ(auth.error.message, c.message);
  }
}

TEST(Presign, Anonymous) {
  EXPECT_EQ(check("GET", "/photos/cat.jpg?versionId=3", "h").outcome, Outcome::Anonymous);
}

// A PutObject as @aws-sdk/client-s3 3.967 sent it (keys test/test), captured from the wire.
std::vector<HttpHeader> jsPutObjectHeaders() {
  return {
      {"content-type", "application/octet-stream"},
      {"content-length", "11"},
      {"x-amz-sdk-checksum-algorithm", "CRC32"},
      {"x-amz-checksum-crc32", "DUoRhQ=="},
      {"x-amz-user-agent", "aws-sdk-js/3.967.0"},
      {"user-agent",
       "aws-sdk-js/3.967.0 ua/2.1 os/linux#6.18.44-fc-v1300 lang/js md/nodejs#20.20.2 "
       "api/s3#3.967.0 m/N,Z,b,U,E,e"},
      {"host", "127.0.0.1:44659"},
      {"amz-sdk-invocation-id", "32cdc4d3-6f7e-4a4a-8082-67e5131f6f19"},
      {"amz-sdk-request", "attempt=1; max=3"},
      {"x-amz-date", "20261207T135043Z"},
      {"x-amz-content-sha256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
      {"authorization",
       "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/s3/aws4_request, "
       "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;"
       "x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm;"
       "x-amz-user-agent, "
       "Signature=eca11dda791cf22c3f8c9bb63e739d8fc3ae8ec55072ed9d5952e2641976e401"},
      {"connection", "keep-alive"},
  };
}

TEST(HeaderAuth, JavaScriptSdkRequestVerifies) {
  auto headers = jsPutObjectHeaders();
  S3Authentication auth = authenticateS3Request({"PUT", "/b/buf.txt?x-id=PutObject", headers},
                                                testKeys, at(2026, 12, 7, 13, 51, 0));
  EXPECT_EQ(auth.outcome, Outcome::Verified) << auth.error.message;
  EXPECT_FALSE(auth.presigned);
  EXPECT_EQ(auth.payloadHash, hexEncode(sha256("hello world")));
  EXPECT_EQ(auth.scope, "20261207/us-east-1/s3/aws4_request");
  EXPECT_EQ(auth.signature, "eca11dda791cf22c3f8c9bb63e739d8fc3ae8ec55072ed9d5952e2641976e401");

  // A signed header changed on the way.
  headers[3].value = "AAAAAA==";
  EXPECT_EQ(authenticateS3Request({"PUT", "/b/buf.txt?x-id=PutObject", headers}, testKeys,
                                  at(2026, 12, 7, 13, 51, 0))
                .error.code,
            "SignatureDoesNotMatch");
}

TEST(HeaderAuth, Skew) {
  auto headers = jsPutObjectHeaders();
  S3Authentication auth = authenticateS3Request({"PUT", "/b/buf.txt?x-id=PutObject", headers},
                                                testKeys, at(2026, 12, 7, 14, 10, 0));
  EXPECT_EQ(auth.error.code, "RequestTimeTooSkewed");
  EXPECT_EQ(auth.error.status, 403);
  EXPECT_EQ(auth.error.details[0].second, "20261207T135043Z");
}

TEST(HeaderAuth, Malformed) {
  auto headers = jsPutObjectHeaders();
  headers[11].value = "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/s3/aws4_request";
  EXPECT_EQ(authenticateS3Request({"PUT", "/b/k", headers}, testKeys, at(2026, 12, 7, 13, 51, 0))
                .error.code,
            "AuthorizationHeaderMalformed");
  headers[11].value = "AWS test:abc";
  EXPECT_EQ(authenticateS3Request({"PUT", "/b/k", headers}, testKeys, at(2026, 12, 7, 13, 51, 0))
                .error.message,
            "The authorization mechanism you have provided is not supported. Please use "
            "AWS4-HMAC-SHA256.");
}

// The example of S3's "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks": its seed signature and the signature of its first 64 KiB chunk of 'a'.
TEST(ChunkSignature, DocumentedExample) {
  std::string key =
      sigV4SigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  std::string stringToSign =
      chunkStringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
                        hexEncode(sha256(std::string(65536, 'a'))));
  EXPECT_EQ(sigV4Signature(key, stringToSign),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
}

}  // namespace
}  // namespace nimbus::aws::s3
