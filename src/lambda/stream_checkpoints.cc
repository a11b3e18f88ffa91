#include "lambda/stream_checkpoints.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace nimbus::lambda {

namespace {

constexpr const char* kCheckpointKind = "lambda.stream-position";

}  // namespace

std::vector<std::string> StreamCheckpoints::load() {
  std::vector<std::string> warnings;
  std::lock_guard lock(mutex_);
  for (const auto& record : store_.records(kCheckpointKind)) {
    auto json = nlohmann::json::parse(record.value, nullptr, false);
    if (!json.is_object() || !json.contains("stream") || !json["stream"].is_string() ||
        !json.contains("position") || !json["position"].is_number_integer()) {
      warnings.push_back(fmt::format(
          "event source mapping {}: its stored stream position is unreadable; it starts again "
          "from its starting position",
          record.key));
      continue;
    }
    checkpoints_[record.key] = {json["stream"].get<std::string>(), json["position"].get<int64_t>()};
  }
  return warnings;
}

std::optional<StreamCheckpoint> StreamCheckpoints::get(const std::string& uuid) const {
  std::lock_guard lock(mutex_);
  auto it = checkpoints_.find(uuid);
  if (it == checkpoints_.end()) return std::nullopt;
  return it->second;
}

void StreamCheckpoints::save(const std::string& uuid, StreamCheckpoint checkpoint,
                             std::function<void(std::string error)> done) {
  std::string value =
      nlohmann::json{{"stream", checkpoint.streamId}, {"position", checkpoint.position}}.dump();
  // Submitted under the lock, so that the store keeps the order memory has.
  std::lock_guard lock(mutex_);
  checkpoints_[uuid] = std::move(checkpoint);
  store_.putRecord({kCheckpointKind, uuid, std::move(value)}, std::move(done));
}

void StreamCheckpoints::remove(const std::string& uuid) {
  std::lock_guard lock(mutex_);
  if (checkpoints_.erase(uuid) == 0) return;
  store_.deleteRecord(kCheckpointKind, uuid, [](std::string) {});
}

std::vector<std::string> StreamCheckpoints::uuids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [uuid, _] : checkpoints_) out.push_back(uuid);
  return out;
}

}  // namespace nimbus::lambda
