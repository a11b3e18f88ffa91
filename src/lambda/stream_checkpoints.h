// Where each stream event source mapping is in its stream: the sequence number of the next
// record to hand to the function, kept in the store (kind "lambda.stream-position", by mapping
// UUID) so that a restart, or a mapping's poller restarted with new settings, resumes after the
// last record processed rather than from its starting position. Read once at start-up; every
// change is written through.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::store {
class Store;
}

namespace nimbus::lambda {

struct StreamCheckpoint {
  std::string streamId;  // The stream's own ARN: a position in another stream is not resumed.
  int64_t position = 0;  // The sequence number of the next record to process.
};

class StreamCheckpoints {
 public:
  explicit StreamCheckpoints(store::Store& store) : store_(store) {}

  // Reads every stored checkpoint. Returns warnings for unreadable ones.
  std::vector<std::string> load();

  std::optional<StreamCheckpoint> get(const std::string& uuid) const;
  // Keeps the checkpoint; `done` runs (on the store's thread) once it is durable, with an empty
  // string or what went wrong.
  void save(const std::string& uuid, StreamCheckpoint checkpoint,
            std::function<void(std::string error)> done);
  // Forgets the mapping's checkpoint (the mapping was deleted).
  void remove(const std::string& uuid);
  // The UUIDs that have a checkpoint.
  std::vector<std::string> uuids() const;

 private:
  store::Store& store_;
  mutable std::mutex mutex_;
  std::map<std::string, StreamCheckpoint> checkpoints_;
};

}  // namespace nimbus::lambda
