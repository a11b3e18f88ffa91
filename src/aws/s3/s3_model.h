// Buckets, object versions and multipart uploads as S3 keeps them, and their durable records in
// the store (kinds "s3.bucket", "s3.object" and "s3.upload", values in JSON). Object bytes live in
// files beside the store; a record names its file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::aws::s3 {

inline constexpr std::string_view kBucketRecord = "s3.bucket";
inline constexpr std::string_view kObjectRecord = "s3.object";
inline constexpr std::string_view kUploadRecord = "s3.upload";

using NameValues = std::vector<std::pair<std::string, std::string>>;

// The headers S3 stores with an object and answers on GET and HEAD, by their canonical names.
inline constexpr std::string_view kStoredContentHeaders[] = {"Cache-Control",
                                                             "Content-Disposition",
                                                             "Content-Encoding",
                                                             "Content-Language",
                                                             "Content-Type",
                                                             "Expires",
                                                             "x-amz-website-redirect-location"};

// The checksum an object carries, as S3 reports it (x-amz-checksum-{algorithm}).
struct ObjectChecksum {
  std::string algorithm;  // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; empty: none
  std::string value;      // base64
  std::string type;       // "FULL_OBJECT" or "COMPOSITE"
};

// One version of an object (the only one, "null", in a bucket that never had versioning).
struct ObjectVersion {
  std::string key;
  std::string versionId = "null";
  bool deleteMarker = false;
  uint64_t size = 0;
  std::string etag;  // Without quotes: 32 hex digits, or "{hex}-{parts}" after a multipart upload.
  int64_t lastModifiedMs = 0;
  uint64_t sequence = 0;      // Creation order within the service: orders versions, names events.
  std::string dataFile;       // File name under the objects folder; empty for markers and 0 bytes.
  NameValues contentHeaders;  // Of kStoredContentHeaders, as given.
  NameValues metadata;        // x-amz-meta-* without the prefix, names in lower case.
  NameValues tags;
  ObjectChecksum checksum;
  int partsCount = 0;  // Parts of the multipart upload that made it; 0 otherwise.
  std::string storageClass = "STANDARD";
};

// One CORS rule of a bucket (PutBucketCors).
struct CorsRule {
  std::string id;
  std::vector<std::string> allowedOrigins;
  std::vector<std::string> allowedMethods;
  std::vector<std::string> allowedHeaders;
  std::vector<std::string> exposeHeaders;
  std::optional<int> maxAgeSeconds;
};

// Where a bucket sends notifications (PutBucketNotificationConfiguration).
struct NotificationTarget {
  // EventBridge is the default bus of a bucket with EventBridgeConfiguration: it names outbox
  // entries only, never one of a bucket's `notifications`.
  enum class Kind { Queue, Topic, Function, EventBridge };
  Kind kind = Kind::Queue;
  std::string id;
  std::string arn;
  std::vector<std::string> events;  // "s3:ObjectCreated:*", "s3:ObjectRemoved:Delete", ...
  std::string prefix;               // Filter rules; empty matches everything.
  std::string suffix;
};

struct Bucket {
  std::string name;
  std::string id;  // Never reused: objects of a deleted bucket never reappear in a new one.
  std::string region;
  int64_t createdMs = 0;
  std::string versioning;  // "", "Enabled" or "Suspended"
  std::vector<CorsRule> cors;
  bool hasCors = false;
  std::string policy;  // JSON as given; empty when none.
  NameValues tags;
  bool hasTags = false;
  std::vector<NotificationTarget> notifications;
  bool eventBridge = false;  // EventBridgeConfiguration: events go to the default bus.
};

// A multipart upload in progress, with the parts uploaded so far.
struct UploadPart {
  int number = 0;
  uint64_t size = 0;
  std::string etag;      // 32 hex digits
  std::string md5;       // raw 16 bytes, hex-encoded: the multipart ETag is made of these
  std::string dataFile;  // Under the parts folder.
  int64_t lastModifiedMs = 0;
  std::string checksum;  // base64 of the part's checksum in the upload's algorithm; may be empty
};

struct MultipartUpload {
  std::string id;
  std::string bucket;
  std::string key;
  int64_t initiatedMs = 0;
  NameValues contentHeaders;
  NameValues metadata;
  NameValues tags;
  std::string checksumAlgorithm;  // From CreateMultipartUpload; empty when none.
  std::string checksumType;       // "COMPOSITE" or "FULL_OBJECT"
  std::map<int, UploadPart> parts;
};

std::string bucketRecord(const Bucket& bucket);
std::optional<Bucket> parseBucketRecord(std::string_view value);

// Object records are keyed by bucket id, key and version id, so that each version is one record.
std::string objectRecordKey(std::string_view bucketId, std::string_view key,
                            std::string_view versionId);
std::string objectRecord(std::string_view bucketId, const ObjectVersion& version);
// Returns the bucket id beside the version.
std::optional<std::pair<std::string, ObjectVersion>> parseObjectRecord(std::string_view value);

std::string uploadRecord(const MultipartUpload& upload);
std::optional<MultipartUpload> parseUploadRecord(std::string_view value);

}  // namespace nimbus::aws::s3
