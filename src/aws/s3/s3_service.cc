#include "aws/s3/s3_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <set>

#include "aws/s3/s3_impl.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "store/store.h"

namespace nimbus::aws::s3 {

S3Service::Impl::Impl(store::Store& s, S3EventTargets& t, S3Settings options)
    : store(s), targets(t), settings(std::move(options)), files(settings.dataDir) {}

BucketEntry* S3Service::Impl::findBucket(const std::string& name) {
  auto it = buckets.find(name);
  return it == buckets.end() ? nullptr : &it->second;
}

const ObjectVersion* S3Service::Impl::newestVersion(const BucketEntry& bucket,
                                                    const std::string& key) const {
  auto it = bucket.objects.find(key);
  if (it == bucket.objects.end() || it->second.empty()) return nullptr;
  return &it->second.front();
}

void S3Service::Impl::commitVersion(const std::string& bucketName, ObjectVersion version,
                                    EventSource event,
                                    std::function<void(std::string, const ObjectVersion&)> done) {
  std::string bucketId;
  std::vector<OutboxEntry> outbox;
  {
    std::lock_guard lock(mutex);
    BucketEntry* bucket = findBucket(bucketName);
    if (!bucket) {
      files.remove(DataFiles::Area::Objects, version.dataFile);
      done("the bucket was deleted", version);
      return;
    }
    bucketId = bucket->bucket.id;
    if (version.sequence == 0) version.sequence = nextSequence();
    outbox = outboxFor(bucket->bucket, version, event);
  }
  auto committed = std::make_shared<std::atomic<bool>>(false);
  std::string record = objectRecord(bucketId, version);
  std::string recordKey = objectRecordKey(bucketId, version.key, version.versionId);
  store.putRecord({std::string(kObjectRecord), std::move(recordKey), std::move(record)},
                  [this, bucketName, bucketId, committed, version = std::move(version),
                   done = std::move(done)](std::string error) mutable {
                    if (!error.empty()) {
                      files.remove(DataFiles::Area::Objects, version.dataFile);
                      done(std::move(error), version);
                      return;
                    }
                    committed->store(true);
                    std::string replacedFile;
                    ObjectVersion applied = version;
                    {
                      std::lock_guard lock(mutex);
                      BucketEntry* bucket = findBucket(bucketName);
                      if (bucket && bucket->bucket.id == bucketId) {
                        auto& versions = bucket->objects[version.key];
                        for (auto it = versions.begin(); it != versions.end(); ++it) {
                          if (it->versionId == version.versionId) {
                            replacedFile = it->dataFile;
                            versions.erase(it);
                            break;
                          }
                        }
                        versions.insert(versions.begin(), std::move(version));
                      }
                    }
                    if (!replacedFile.empty() && replacedFile != applied.dataFile) {
                      files.remove(DataFiles::Area::Objects, replacedFile);
                    }
                    done("", applied);
                  });
  // Submitted right after the record, so that both usually share one commit; delivered only
  // once the record is durable.
  submitOutbox(std::move(outbox), committed);
}

void S3Service::Impl::updateVersion(const std::string& bucketName, ObjectVersion version,
                                    std::function<void(std::string)> done) {
  std::string bucketId;
  {
    std::lock_guard lock(mutex);
    BucketEntry* bucket = findBucket(bucketName);
    if (!bucket) {
      done("the bucket was deleted");
      return;
    }
    bucketId = bucket->bucket.id;
  }
  std::string record = objectRecord(bucketId, version);
  std::string recordKey = objectRecordKey(bucketId, version.key, version.versionId);
  store.putRecord({std::string(kObjectRecord), std::move(recordKey), std::move(record)},
                  [this, bucketName, bucketId, version = std::move(version),
                   done = std::move(done)](std::string error) mutable {
                    if (error.empty()) reconcileUpdate(bucketName, bucketId, std::move(version));
                    done(std::move(error));
                  });
}

void S3Service::Impl::reconcileUpdate(const std::string& bucketName, const std::string& bucketId,
                                      ObjectVersion version) {
  std::lock_guard lock(mutex);
  BucketEntry* bucket = findBucket(bucketName);
  if (!bucket || bucket->bucket.id != bucketId) return;
  auto it = bucket->objects.find(version.key);
  ObjectVersion* current = nullptr;
  if (it != bucket->objects.end()) {
    for (auto& v : it->second) {
      if (v.versionId == version.versionId) current = &v;
    }
  }
  std::string recordKey = objectRecordKey(bucketId, version.key, version.versionId);
  if (current && current->sequence == version.sequence) {
    *current = std::move(version);
  } else if (current) {
    // A newer write of the same version id committed between this update's read and its
    // commit, and this update overwrote its record: write the newer one again.
    store.putRecord({std::string(kObjectRecord), recordKey, objectRecord(bucketId, *current)},
                    [](std::string) {});
  } else {
    // The version was deleted meanwhile; the update must not bring its record back.
    store.deleteRecord(std::string(kObjectRecord), recordKey, [](std::string) {});
  }
}

void S3Service::Impl::removeVersion(const std::string& bucketName, const std::string& key,
                                    const std::string& versionId, EventSource event,
                                    std::function<void(std::string)> done) {
  std::string bucketId;
  std::vector<OutboxEntry> outbox;
  {
    std::lock_guard lock(mutex);
    BucketEntry* bucket = findBucket(bucketName);
    if (!bucket) {
      done("");
      return;
    }
    bucketId = bucket->bucket.id;
    if (auto it = bucket->objects.find(key); it != bucket->objects.end()) {
      for (const auto& v : it->second) {
        if (v.versionId == versionId && !v.deleteMarker) {
          outbox = outboxFor(bucket->bucket, v, event);
        }
      }
    }
  }
  auto committed = std::make_shared<std::atomic<bool>>(false);
  store.deleteRecord(std::string(kObjectRecord), objectRecordKey(bucketId, key, versionId),
                     [this, bucketName, bucketId, key, versionId, committed,
                      done = std::move(done)](std::string error) {
                       if (!error.empty()) {
                         done(std::move(error));
                         return;
                       }
                       committed->store(true);
                       std::string removedFile;
                       {
                         std::lock_guard lock(mutex);
                         BucketEntry* bucket = findBucket(bucketName);
                         if (bucket && bucket->bucket.id == bucketId) {
                           auto it = bucket->objects.find(key);
                           if (it != bucket->objects.end()) {
                             auto& versions = it->second;
                             for (auto v = versions.begin(); v != versions.end(); ++v) {
                               if (v->versionId == versionId) {
                                 removedFile = v->dataFile;
                                 versions.erase(v);
                                 break;
                               }
                             }
                             if (versions.empty()) bucket->objects.erase(it);
                           }
                         }
                       }
                       files.remove(DataFiles::Area::Objects, removedFile);
                       done("");
                     });
  submitOutbox(std::move(outbox), committed);
}

void S3Service::Impl::saveBucket(const Bucket& bucket, std::function<void(std::string)> done) {
  store.putRecord({std::string(kBucketRecord), bucket.name, bucketRecord(bucket)}, std::move(done));
}

void S3Service::Impl::saveUpload(const MultipartUpload& upload,
                                 std::function<void(std::string)> done) {
  store.putRecord({std::string(kUploadRecord), upload.id, uploadRecord(upload)}, std::move(done));
}

std::string newVersionId(const Bucket& bucket) {
  if (bucket.versioning != "Enabled") return "null";
  // S3's version ids are 32 URL-safe characters.
  return randomAlnum(32);
}

S3Service::S3Service(store::Store& store, S3EventTargets& targets, S3Settings settings)
    : impl_(std::make_unique<Impl>(store, targets, std::move(settings))) {
  auto pool = std::make_shared<boost::asio::thread_pool>(2);
  impl_->onDisk = [pool](std::function<void()> work) { boost::asio::post(*pool, std::move(work)); };
  joinDiskWork_ = [pool] { pool->join(); };
}

S3Service::~S3Service() {
  stop();
}

void S3Service::stop() {
  if (impl_->stopped.exchange(true)) return;
  if (joinDiskWork_) joinDiskWork_();
}

std::vector<std::string> S3Service::load() {
  std::vector<std::string> warnings;
  std::string error;
  if (!impl_->files.prepare(error)) {
    warnings.push_back(error);
    return warnings;
  }
  std::map<std::string, std::string> bucketById;
  std::lock_guard lock(impl_->mutex);
  for (const auto& record : impl_->store.records(std::string(kBucketRecord))) {
    auto bucket = parseBucketRecord(record.value);
    if (!bucket) {
      warnings.push_back("S3: cannot read the record of bucket " + record.key);
      continue;
    }
    bucketById[bucket->id] = bucket->name;
    std::string name = bucket->name;
    impl_->buckets[name].bucket = std::move(*bucket);
  }
  std::set<std::string> objectFiles;
  for (auto& record : impl_->store.records(std::string(kObjectRecord))) {
    auto parsed = parseObjectRecord(record.value);
    auto owner = parsed ? bucketById.find(parsed->first) : bucketById.end();
    if (owner == bucketById.end()) {
      // A version of a bucket deleted while the record's removal was in flight.
      impl_->store.deleteRecord(std::string(kObjectRecord), record.key, [](std::string) {});
      continue;
    }
    ObjectVersion& v = parsed->second;
    impl_->sequence = std::max(impl_->sequence, v.sequence);
    if (!v.dataFile.empty()) objectFiles.insert(v.dataFile);
    impl_->buckets[owner->second].objects[v.key].push_back(std::move(v));
  }
  for (auto& [name, bucket] : impl_->buckets) {
    for (auto& [key, versions] : bucket.objects) {
      std::sort(
          versions.begin(), versions.end(),
          [](const ObjectVersion& a, const ObjectVersion& b) { return a.sequence > b.sequence; });
    }
  }
  std::set<std::string> partFiles;
  for (const auto& record : impl_->store.records(std::string(kUploadRecord))) {
    auto upload = parseUploadRecord(record.value);
    if (!upload) {
      warnings.push_back("S3: cannot read the record of multipart upload " + record.key);
      continue;
    }
    for (const auto& [n, part] : upload->parts) partFiles.insert(part.dataFile);
    impl_->uploads[upload->id] = std::move(*upload);
  }
  // Bytes of uploads that were never acknowledged: no record names them.
  impl_->files.removeUnnamed(DataFiles::Area::Objects, objectFiles);
  impl_->files.removeUnnamed(DataFiles::Area::Parts, partFiles);
  for (auto& record : impl_->store.records("s3.outbox")) {
    impl_->outboxSequence =
        std::max(impl_->outboxSequence,
                 static_cast<uint64_t>(std::strtoull(record.key.c_str(), nullptr, 10)));
    impl_->deliverOutbox(record.key, record.value);
  }
  return warnings;
}

void S3Service::handle(HttpRequest&& request, const RequestIdentity&, http::Responder responder) {
  RequestPtr r = parseS3Request(std::move(request), std::move(responder));
  if (impl_->stopped.load()) {
    return fail(*r, s3Error("ServiceUnavailable", "Please reduce your request rate.", 503));
  }
  if (r->http.method == "OPTIONS") return answerPreflight(*impl_, r);
  if (auto denied = checkSignature(*impl_, *r)) return fail(*r, denied->error, denied->details);
  if (r->bucket.empty()) {
    if (r->http.method == "GET") return listBuckets(*impl_, r);
    return fail(*r, s3Error("MethodNotAllowed",
                            "The specified method is not allowed against this resource.", 405));
  }
  {
    std::lock_guard lock(impl_->mutex);
    if (BucketEntry* bucket = impl_->findBucket(r->bucket)) {
      if (findHeader(r->http.headers, "Origin"))
        r->corsHeaders = corsHeadersFor(bucket->bucket, *r);
    }
  }
  if (r->key.empty()) return bucketOperation(*impl_, r);
  if (r->has("uploadId") || r->has("uploads")) return multipartOperation(*impl_, r);
  objectOperation(*impl_, r);
}

void S3Service::applyProjectBucket(ProjectBucket wanted, std::function<void(std::string)> done) {
  if (!isValidBucketName(wanted.name)) {
    done("bucket name '" + wanted.name + "' is not valid for S3");
    return;
  }
  Bucket bucket;
  {
    std::lock_guard lock(impl_->mutex);
    BucketEntry* entry = impl_->findBucket(wanted.name);
    if (entry) {
      bucket = entry->bucket;
    } else if (!wanted.createIfMissing) {
      done("the bucket " + wanted.name +
           " is declared existing: true but does not exist; create it (aws s3 mb s3://" +
           wanted.name + ") and save serverless.yml again");
      return;
    } else {
      bucket.name = wanted.name;
      bucket.id = newUuid();
      bucket.region = impl_->settings.region;
      bucket.createdMs = nowMs();
    }
    bucket.notifications = wanted.notifications;
    bucket.eventBridge = wanted.eventBridge;
    if (!wanted.policy.empty()) bucket.policy = wanted.policy;
    if (wanted.cors) {
      bucket.cors = *wanted.cors;
      bucket.hasCors = !wanted.cors->empty();
    }
    if (!wanted.versioning.empty()) bucket.versioning = wanted.versioning;
    BucketEntry& stored = impl_->buckets[wanted.name];
    stored.bucket = bucket;
  }
  impl_->saveBucket(bucket, std::move(done));
}

std::vector<std::pair<std::string, size_t>> S3Service::bucketSummary() {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::pair<std::string, size_t>> out;
  for (const auto& [name, bucket] : impl_->buckets) {
    size_t count = 0;
    for (const auto& [key, versions] : bucket.objects) {
      if (!versions.empty() && !versions.front().deleteMarker) ++count;
    }
    out.emplace_back(name, count);
  }
  return out;
}

}  // namespace nimbus::aws::s3
