// Amazon S3 on the AWS endpoint (REST-XML, path-style and virtual-hosted-style addressing):
// buckets with versioning, CORS, policies, tags and notifications; objects with metadata, tags,
// checksums, ranges and conditions; listings; multipart uploads; presigned URLs.
//
// Durability: an object's bytes are written to a file of their own (fdatasync'd) off the I/O
// threads, then its record is committed to the store; the API answers after the commit. An
// object becomes visible when its record commits, so a crash mid-upload leaves no object, only a
// file nobody names, which load() removes. docs/s3.md is the reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/request_identity.h"
#include "aws/s3/data_files.h"
#include "aws/s3/event_targets.h"
#include "aws/s3/s3_model.h"
#include "core/http_message.h"
#include "core/result.h"
#include "http/server.h"

namespace nimbus::store {
class Store;
}

namespace boost::asio {
class thread_pool;
}

namespace nimbus::aws::s3 {

struct S3Settings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::filesystem::path dataDir;  // Object bytes go under dataDir/objects and dataDir/parts.
  // Credentials whose presigned URLs are verified; a URL signed with an access key not listed
  // here is accepted (nimbus does not authenticate yet) once its expiry is checked.
  std::map<std::string, std::string> secrets = {{"test", "test"}};
};

struct S3Request;

class S3Service {
 public:
  // `store` and `targets` must outlive the service.
  S3Service(store::Store& store, S3EventTargets& targets, S3Settings settings);
  ~S3Service();
  S3Service(const S3Service&) = delete;
  S3Service& operator=(const S3Service&) = delete;

  // Reads buckets, objects and uploads from the store, removes files no record names, and
  // sends notifications an earlier run accepted but did not deliver. Returns warnings.
  std::vector<std::string> load();
  // Waits for disk work in flight; later requests are answered with ServiceUnavailable.
  void stop();

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // serverless.yml's buckets (s3 events, AWS::S3::Bucket resources), made as CloudFormation
  // makes them: created when missing (an existing one is kept as it is), with notifications
  // and CORS replaced by the project's when given. `done` gets an empty string or the error.
  struct ProjectBucket {
    std::string name;
    bool createIfMissing = true;  // false: `existing: true`, the bucket must be there already.
    std::vector<NotificationTarget> notifications;
    std::optional<std::vector<CorsRule>> cors;
    std::string versioning;    // "" leaves it as it is
    std::string policy;        // "" leaves it as it is
    bool eventBridge = false;  // EventBridgeConfiguration: events also go to the default bus.
  };
  void applyProjectBucket(ProjectBucket bucket, std::function<void(std::string error)> done);

  // For `nimbus info`: bucket names and object counts.
  std::vector<std::pair<std::string, size_t>> bucketSummary();

  // Implementation details shared by the operation files (bucket_api.cc, object_api.cc, ...).
  struct BucketEntry {
    Bucket bucket;
    // Versions of each key, newest first.
    std::map<std::string, std::vector<ObjectVersion>> objects;
  };
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::function<void()> joinDiskWork_;
};

}  // namespace nimbus::aws::s3
