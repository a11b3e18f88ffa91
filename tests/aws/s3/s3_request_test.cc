// How S3 requests are addressed (path and virtual-hosted style), ranges and conditions.
#include "aws/s3/s3_request.h"

#include <gtest/gtest.h>

#include "aws/s3/object_conditions.h"
#include "aws/s3/s3_impl.h"

namespace nimbus::aws::s3 {
namespace {

RequestPtr parse(std::string target, std::string host) {
  HttpRequest http;
  http.method = "GET";
  http.target = std::move(target);
  http.headers.push_back({"Host", std::move(host)});
  return parseS3Request(std::move(http), http::Responder());
}

TEST(S3Addressing, PathStyleDecodesBucketAndKey) {
  auto r = parse("/photos/dir/red%20flower+1.jpg?versionId=abc&tagging", "127.0.0.1:4566");
  EXPECT_EQ(r->bucket, "photos");
  EXPECT_EQ(r->key, "dir/red flower+1.jpg");  // '+' is a plus in a path.
  EXPECT_EQ(r->param("versionId"), "abc");
  EXPECT_TRUE(r->has("tagging"));
  EXPECT_EQ(r->resource(), "/photos/dir/red flower+1.jpg");
  auto bucketOnly = parse("/photos?list-type=2", "localhost:4566");
  EXPECT_EQ(bucketOnly->bucket, "photos");
  EXPECT_EQ(bucketOnly->key, "");
  auto service = parse("/", "127.0.0.1");
  EXPECT_EQ(service->bucket, "");
}

TEST(S3Addressing, VirtualHostedStyleTakesTheBucketFromHost) {
  auto r = parse("/a/b.txt", "photos.s3.localhost:4566");
  EXPECT_EQ(r->bucket, "photos");
  EXPECT_EQ(r->key, "a/b.txt");
  EXPECT_EQ(parse("/k", "my.bucket.s3.us-east-1.amazonaws.com")->bucket, "my.bucket");
  EXPECT_EQ(parse("/k", "logs.s3-eu-west-1.example.test")->bucket, "logs");
  EXPECT_EQ(parse("/k", "assets.localhost:4566")->bucket, "assets");
  // Plain hosts are path style.
  EXPECT_EQ(parse("/b/k", "s3.localhost:4566")->bucket, "b");
  EXPECT_EQ(parse("/b/k", "build-server:4566")->bucket, "b");
}

TEST(S3Ranges, SingleRangesAsS3ReadsThem) {
  auto r = parseRange("bytes=0-9", 100);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  r = parseRange("bytes=90-", 100);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = parseRange("bytes=-10", 100);
  EXPECT_EQ(r.first, 90u);
  r = parseRange("bytes=-500", 100);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parseRange("bytes=50-1000", 100);
  EXPECT_EQ(r.last, 99u);
  EXPECT_TRUE(parseRange("bytes=100-", 100).unsatisfiable);
  EXPECT_TRUE(parseRange("bytes=-0", 100).unsatisfiable);
  // Ignored: whole object.
  EXPECT_FALSE(parseRange("bytes=0-1,5-6", 100).valid);
  EXPECT_FALSE(parseRange("items=0-1", 100).valid);
  EXPECT_FALSE(parseRange("bytes=9-3", 100).valid);
}

TEST(S3Conditions, ReadConditionsInRfc7232Order) {
  ObjectVersion v;
  v.etag = "abc";
  v.lastModifiedMs = 1700000000000;
  auto with = [](std::vector<HttpHeader> headers) {
    S3Request r;
    r.http.headers = std::move(headers);
    return r;
  };
  EXPECT_FALSE(checkReadConditions(with({{"If-Match", "\"abc\""}}), v));
  EXPECT_EQ(checkReadConditions(with({{"If-Match", "\"x\""}}), v)->status, 412);
  EXPECT_EQ(checkReadConditions(with({{"If-None-Match", "\"abc\""}}), v)->status, 304);
  EXPECT_EQ(checkReadConditions(with({{"If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT"}}), v)
                ->status,
            304);
  EXPECT_FALSE(
      checkReadConditions(with({{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}}), v));
  EXPECT_EQ(checkReadConditions(with({{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}}), v)
                ->status,
            412);
  // A matching If-Match makes If-Unmodified-Since moot.
  EXPECT_FALSE(checkReadConditions(
      with({{"If-Match", "abc"}, {"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}}), v));
  // Copies answer 412 where reads answer 304.
  EXPECT_EQ(
      checkCopySourceConditions(with({{"x-amz-copy-source-if-none-match", "abc"}}), v)->status,
      412);
  EXPECT_EQ(checkWriteConditions(with({{"If-None-Match", "*"}}), &v)->status, 412);
  EXPECT_FALSE(checkWriteConditions(with({{"If-None-Match", "*"}}), nullptr));
}

TEST(S3Events, KeysAreFormEncodedAsInNotifications) {
  EXPECT_EQ(eventKey("uploads/red flower.jpg"), "uploads/red+flower.jpg");
  EXPECT_EQ(eventKey("a+b=c"), "a%2Bb%3Dc");
  EXPECT_EQ(eventKey("caf\xc3\xa9"), "caf%C3%A9");
}

TEST(S3BucketNames, S3sRules) {
  EXPECT_TRUE(isValidBucketName("photos-in"));
  EXPECT_TRUE(isValidBucketName("a.b.c"));
  EXPECT_FALSE(isValidBucketName("ab"));
  EXPECT_FALSE(isValidBucketName("Photos"));
  EXPECT_FALSE(isValidBucketName("bad_name"));
  EXPECT_FALSE(isValidBucketName("-start"));
  EXPECT_FALSE(isValidBucketName("a..b"));
  EXPECT_FALSE(isValidBucketName("192.168.5.4"));
  EXPECT_FALSE(isValidBucketName("xn--bucket"));
  EXPECT_FALSE(isValidBucketName(std::string(64, 'a')));
}

}  // namespace
}  // namespace nimbus::aws::s3
