// The S3 service's shared state and the operations, one file per family (bucket_api.cc,
// object_api.cc, list_api.cc, multipart_api.cc, cors.cc, notifications.cc). Private to
// src/aws/s3.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/s3/data_files.h"
#include "aws/s3/event_targets.h"
#include "aws/s3/s3_model.h"
#include "aws/s3/s3_request.h"
#include "aws/s3/s3_service.h"
#include "core/s3_names.h"
#include "store/store.h"

namespace nimbus::aws::s3 {

using BucketEntry = S3Service::BucketEntry;

// What a write does to an object, for notifications: the event's name ("ObjectCreated:Put",
// without "s3:"; empty for none) and the request that caused it.
struct EventSource {
  std::string name;
  std::string requestId;
  std::string sourceIp;
};

// A notification waiting in the store's outbox (kind "s3.outbox").
struct OutboxEntry {
  std::string key;
  std::string value;
};

struct S3Service::Impl {
  Impl(store::Store& store, S3EventTargets& targets, S3Settings settings);

  store::Store& store;
  S3EventTargets& targets;
  S3Settings settings;
  DataFiles files;
  // Runs blocking disk work (hashing, writing, copying files) off the I/O threads.
  std::function<void(std::function<void()>)> onDisk;
  std::atomic<bool> stopped{false};

  std::mutex mutex;  // Guards everything below.
  std::map<std::string, BucketEntry> buckets;
  std::map<std::string, MultipartUpload> uploads;  // By upload id.
  uint64_t sequence = 0;
  uint64_t outboxSequence = 0;

  // With the lock held.
  BucketEntry* findBucket(const std::string& name);
  const ObjectVersion* newestVersion(const BucketEntry& bucket, const std::string& key) const;
  uint64_t nextSequence() { return ++sequence; }

  // Makes `version` durable and then the newest version of its key (replacing a version with
  // the same id: the "null" version of an unversioned or suspended bucket). A replaced version's
  // file is removed. `done` gets "" or the store's error, on the store's thread.
  // The notification of `event` goes into the outbox with the version's record, and is handed
  // on once both are durable. `done` gets the version as committed (its sequence assigned).
  void commitVersion(const std::string& bucket, ObjectVersion version, EventSource event,
                     std::function<void(std::string error, const ObjectVersion& committed)> done);
  // Replaces a version's record in place (its tags changed): the version keeps its position.
  void updateVersion(const std::string& bucket, ObjectVersion version,
                     std::function<void(std::string error)> done);
  void reconcileUpdate(const std::string& bucket, const std::string& bucketId,
                       ObjectVersion version);
  // Removes one version for good (DeleteObject with a version id, or of an unversioned key).
  void removeVersion(const std::string& bucket, const std::string& key,
                     const std::string& versionId, EventSource event,
                     std::function<void(std::string error)> done);
  // Writes the bucket's record; the in-memory bucket is updated by the caller under the lock.
  void saveBucket(const Bucket& bucket, std::function<void(std::string error)> done);
  void saveUpload(const MultipartUpload& upload, std::function<void(std::string error)> done);

  // With the lock held: the outbox entries for `event` on `version`, one per notification
  // target of the bucket that asks for it.
  std::vector<OutboxEntry> outboxFor(const Bucket& bucket, const ObjectVersion& version,
                                     const EventSource& event);
  // Writes the entries after a record submitted just before them; hands each on once durable if
  // `recordCommitted` says that record committed, else drops it.
  void submitOutbox(std::vector<OutboxEntry> entries,
                    std::shared_ptr<std::atomic<bool>> recordCommitted);
  void deliverOutbox(std::string key, std::string value);
};

// The version a request names (versionId) or the newest; with the lock held. Fails with
// NoSuchKey, NoSuchVersion, or (for a delete marker) the answer S3 gives: 404 without a version
// id, 405 with one; `marker` tells the caller to add x-amz-delete-marker.
struct VersionLookup {
  const ObjectVersion* version = nullptr;
  std::optional<ServiceError> error;
  bool marker = false;
  std::string markerVersionId;
};
VersionLookup lookupVersion(const BucketEntry& bucket, const S3Request& r);

// The object's stored headers, metadata and identity headers for GET and HEAD answers.
void addObjectHeaders(std::vector<HttpHeader>& headers, const ObjectVersion& v,
                      const Bucket& bucket, bool withChecksum);
// Content headers and x-amz-meta-* of a request, as PutObject stores them. Fails with
// MetadataTooLarge past S3's 2 KB.
Result<std::pair<NameValues, NameValues>> requestObjectHeaders(const S3Request& r);

std::string lowerCase(std::string_view text);

// The outcome of deleting one key (or one version of it), for DeleteObject and DeleteObjects.
struct DeleteOutcome {
  std::optional<ServiceError> error;
  std::string versionId;      // Of the version removed, or of the delete marker made.
  bool deleteMarker = false;  // A delete marker was made, or the version removed was one.
};
void deleteOne(S3Service::Impl& s3, const std::string& bucket, const std::string& key,
               const std::string& versionId, const std::string& requestId,
               const std::string& sourceIp, std::function<void(DeleteOutcome)> done);
void deleteObject(S3Service::Impl& s3, const RequestPtr& r);

// The version id a new version gets in a bucket with this versioning state.
std::string newVersionId(const Bucket& bucket);
// "Happy+Face.jpg": a key as S3 writes it into event notifications.
std::string eventKey(std::string_view key);

// A presigned URL's (or signed header's) verdict when it must be refused: expired, or signed
// with a known access key's secret that does not match. Nullopt: go on.
struct Refusal {
  ServiceError error;
  std::string details;  // Extra elements of the error document (StringToSign, Expires, ...).
};
std::optional<Refusal> checkSignature(const S3Service::Impl& s3, const S3Request& r);

// Request documents (request_xml.cc), checked as S3 checks them.
Result<std::string> readLocationConstraint(std::string_view xml);
Result<std::string> readVersioningStatus(std::string_view xml);
// Tag sets: PutObjectTagging's and PutBucketTagging's documents, and the x-amz-tagging header.
Result<NameValues> readTagging(std::string_view xml, size_t maxTags);
Result<NameValues> readTaggingHeader(std::string_view header);
struct DeleteList {
  std::vector<std::pair<std::string, std::string>> objects;  // Key, version id ("" for none).
  bool quiet = false;
};
Result<DeleteList> readDeleteList(std::string_view xml);
struct CompletedPart {
  int number = 0;
  std::string etag;  // Without quotes.
};
Result<std::vector<CompletedPart>> readCompletedParts(std::string_view xml);

// Operations. Each answers through the request's responder.
void listBuckets(S3Service::Impl& s3, const RequestPtr& r);
void bucketOperation(S3Service::Impl& s3, const RequestPtr& r);
void objectOperation(S3Service::Impl& s3, const RequestPtr& r);
void listObjects(S3Service::Impl& s3, const RequestPtr& r, BucketEntry& bucket);
void listObjectVersions(S3Service::Impl& s3, const RequestPtr& r, BucketEntry& bucket);
void listMultipartUploads(S3Service::Impl& s3, const RequestPtr& r, BucketEntry& bucket);
void multipartOperation(S3Service::Impl& s3, const RequestPtr& r);
void deleteObjects(S3Service::Impl& s3, const RequestPtr& r);
// A browser's form upload (POST to the bucket), post_object.cc.
void postObject(S3Service::Impl& s3, const RequestPtr& r);
// CORS: the preflight (OPTIONS) answer, and the headers an actual request's answer carries.
void answerPreflight(S3Service::Impl& s3, const RequestPtr& r);
std::vector<HttpHeader> corsHeadersFor(const Bucket& bucket, const S3Request& r);
// Notification configuration (PutBucketNotificationConfiguration) parsing and checking.
Result<std::vector<NotificationTarget>> parseNotificationConfiguration(std::string_view xml,
                                                                       bool& eventBridge);
std::string notificationConfigurationXml(const Bucket& bucket);
Result<std::vector<CorsRule>> parseCorsConfiguration(std::string_view xml);
std::string corsConfigurationXml(const Bucket& bucket);

}  // namespace nimbus::aws::s3
