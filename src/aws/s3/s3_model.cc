#include "aws/s3/s3_model.h"

#include <nlohmann/json.hpp>

namespace nimbus::aws::s3 {

using nlohmann::json;

namespace {

json pairs(const NameValues& values) {
  json out = json::array();
  for (const auto& [name, value] : values) out.push_back(json::array({name, value}));
  return out;
}

NameValues readPairs(const json& in) {
  NameValues out;
  if (!in.is_array()) return out;
  for (const auto& p : in) {
    if (p.is_array() && p.size() == 2 && p[0].is_string() && p[1].is_string()) {
      out.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> strings(const json& in) {
  std::vector<std::string> out;
  if (in.is_array()) {
    for (const auto& s : in) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

std::optional<json> parse(std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

std::string bucketRecord(const Bucket& b) {
  json cors = json::array();
  for (const auto& r : b.cors) {
    json rule = {{"id", r.id},
                 {"origins", r.allowedOrigins},
                 {"methods", r.allowedMethods},
                 {"headers", r.allowedHeaders},
                 {"expose", r.exposeHeaders}};
    if (r.maxAgeSeconds) rule["maxAge"] = *r.maxAgeSeconds;
    cors.push_back(std::move(rule));
  }
  json notifications = json::array();
  for (const auto& n : b.notifications) {
    notifications.push_back({{"kind", static_cast<int>(n.kind)},
                             {"id", n.id},
                             {"arn", n.arn},
                             {"events", n.events},
                             {"prefix", n.prefix},
                             {"suffix", n.suffix}});
  }
  json j = {{"name", b.name},
            {"id", b.id},
            {"region", b.region},
            {"created", b.createdMs},
            {"versioning", b.versioning},
            {"cors", cors},
            {"hasCors", b.hasCors},
            {"policy", b.policy},
            {"tags", pairs(b.tags)},
            {"hasTags", b.hasTags},
            {"notifications", notifications},
            {"eventBridge", b.eventBridge}};
  return j.dump();
}

std::optional<Bucket> parseBucketRecord(std::string_view value) {
  auto j = parse(value);
  if (!j) return std::nullopt;
  Bucket b;
  b.name = j->value("name", "");
  b.id = j->value("id", "");
  if (b.name.empty() || b.id.empty()) return std::nullopt;
  b.region = j->value("region", "us-east-1");
  b.createdMs = j->value("created", int64_t{0});
  b.versioning = j->value("versioning", "");
  for (const auto& r : j->value("cors", json::array())) {
    CorsRule rule;
    rule.id = r.value("id", "");
    rule.allowedOrigins = strings(r.value("origins", json::array()));
    rule.allowedMethods = strings(r.value("methods", json::array()));
    rule.allowedHeaders = strings(r.value("headers", json::array()));
    rule.exposeHeaders = strings(r.value("expose", json::array()));
    if (r.contains("maxAge")) rule.maxAgeSeconds = r.value("maxAge", 0);
    b.cors.push_back(std::move(rule));
  }
  b.hasCors = j->value("hasCors", false);
  b.policy = j->value("policy", "");
  b.tags = readPairs(j->value("tags", json::array()));
  b.hasTags = j->value("hasTags", false);
  for (const auto& n : j->value("notifications", json::array())) {
    NotificationTarget t;
    t.kind = static_cast<NotificationTarget::Kind>(n.value("kind", 0));
    t.id = n.value("id", "");
    t.arn = n.value("arn", "");
    t.events = strings(n.value("events", json::array()));
    t.prefix = n.value("prefix", "");
    t.suffix = n.value("suffix", "");
    b.notifications.push_back(std::move(t));
  }
  b.eventBridge = j->value("eventBridge", false);
  return b;
}

std::string objectRecordKey(std::string_view bucketId, std::string_view key,
                            std::string_view versionId) {
  // Unit separators keep the parts apart: neither a bucket id nor a version id contains one.
  std::string out;
  out.reserve(bucketId.size() + key.size() + versionId.size() + 2);
  out.append(bucketId).push_back('\x1f');
  out.append(versionId).push_back('\x1f');
  out.append(key);
  return out;
}

std::string objectRecord(std::string_view bucketId, const ObjectVersion& v) {
  json j = {{"bucket", bucketId},
            {"key", v.key},
            {"version", v.versionId},
            {"marker", v.deleteMarker},
            {"size", v.size},
            {"etag", v.etag},
            {"modified", v.lastModifiedMs},
            {"seq", v.sequence},
            {"file", v.dataFile},
            {"headers", pairs(v.contentHeaders)},
            {"meta", pairs(v.metadata)},
            {"tags", pairs(v.tags)},
            {"parts", v.partsCount},
            {"class", v.storageClass}};
  if (!v.checksum.algorithm.empty()) {
    j["checksum"] = {v.checksum.algorithm, v.checksum.value, v.checksum.type};
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::pair<std::string, ObjectVersion>> parseObjectRecord(std::string_view value) {
  auto j = parse(value);
  if (!j) return std::nullopt;
  ObjectVersion v;
  std::string bucketId = j->value("bucket", "");
  v.key = j->value("key", "");
  if (bucketId.empty() || v.key.empty()) return std::nullopt;
  v.versionId = j->value("version", "null");
  v.deleteMarker = j->value("marker", false);
  v.size = j->value("size", uint64_t{0});
  v.etag = j->value("etag", "");
  v.lastModifiedMs = j->value("modified", int64_t{0});
  v.sequence = j->value("seq", uint64_t{0});
  v.dataFile = j->value("file", "");
  v.contentHeaders = readPairs(j->value("headers", json::array()));
  v.metadata = readPairs(j->value("meta", json::array()));
  v.tags = readPairs(j->value("tags", json::array()));
  v.partsCount = j->value("parts", 0);
  v.storageClass = j->value("class", "STANDARD");
  if (auto c = j->find("checksum"); c != j->end() && c->is_array() && c->size() == 3) {
    v.checksum = {(*c)[0].get<std::string>(), (*c)[1].get<std::string>(),
                  (*c)[2].get<std::string>()};
  }
  return std::make_pair(std::move(bucketId), std::move(v));
}

std::string uploadRecord(const MultipartUpload& u) {
  json parts = json::array();
  for (const auto& [number, p] : u.parts) {
    parts.push_back({{"n", p.number},
                     {"size", p.size},
                     {"etag", p.etag},
                     {"md5", p.md5},
                     {"file", p.dataFile},
                     {"modified", p.lastModifiedMs},
                     {"checksum", p.checksum}});
  }
  json j = {{"id", u.id},
            {"bucket", u.bucket},
            {"key", u.key},
            {"initiated", u.initiatedMs},
            {"headers", pairs(u.contentHeaders)},
            {"meta", pairs(u.metadata)},
            {"tags", pairs(u.tags)},
            {"checksum", u.checksumAlgorithm},
            {"checksumType", u.checksumType},
            {"parts", parts}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<MultipartUpload> parseUploadRecord(std::string_view value) {
  auto j = parse(value);
  if (!j) return std::nullopt;
  MultipartUpload u;
  u.id = j->value("id", "");
  u.bucket = j->value("bucket", "");
  u.key = j->value("key", "");
  if (u.id.empty() || u.bucket.empty()) return std::nullopt;
  u.initiatedMs = j->value("initiated", int64_t{0});
  u.contentHeaders = readPairs(j->value("headers", json::array()));
  u.metadata = readPairs(j->value("meta", json::array()));
  u.tags = readPairs(j->value("tags", json::array()));
  u.checksumAlgorithm = j->value("checksum", "");
  u.checksumType = j->value("checksumType", "");
  for (const auto& p : j->value("parts", json::array())) {
    UploadPart part;
    part.number = p.value("n", 0);
    part.size = p.value("size", uint64_t{0});
    part.etag = p.value("etag", "");
    part.md5 = p.value("md5", "");
    part.dataFile = p.value("file", "");
    part.lastModifiedMs = p.value("modified", int64_t{0});
    part.checksum = p.value("checksum", "");
    u.parts[part.number] = std::move(part);
  }
  return u;
}

}  // namespace nimbus::aws::s3
