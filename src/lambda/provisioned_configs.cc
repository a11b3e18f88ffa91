// The function registry's provisioned concurrency configs: stored by "name:qualifier", applied
// to the Lambda core's pool of the version the qualifier stands for.
#include <nlohmann/json.hpp>

#include "lambda/function_registry.h"
#include "lambda/registry_state.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

std::string configKey(const std::string& name, const std::string& qualifier) {
  return name + ":" + qualifier;
}

int64_t toMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string FunctionRegistry::provisionedVersion(const std::string& name,
                                                 const std::string& qualifier) const {
  std::lock_guard lock(state_->mutex);
  if (isVersionNumber(qualifier)) {
    return state_->versionLocked(name, qualifier) ? qualifier : "";
  }
  auto fn = state_->aliases.find(name);
  if (fn == state_->aliases.end()) return "";
  auto alias = fn->second.find(qualifier);
  return alias == fn->second.end() ? "" : alias->second.functionVersion;
}

void FunctionRegistry::setProvisionedConcurrency(const std::string& name,
                                                 const std::string& qualifier,
                                                 std::optional<int> requested,
                                                 std::function<void(std::string)> done) {
  auto state = state_;
  std::string version = provisionedVersion(name, qualifier);
  std::string key = configKey(name, qualifier);
  auto apply = [state, name, version, requested, key, qualifier](std::string error) {
    if (!error.empty()) return error;
    std::string previous;
    {
      std::lock_guard lock(state->mutex);
      if (auto it = state->provisioned.find(key); it != state->provisioned.end()) {
        previous = it->second.appliedVersion;
      }
      if (requested) {
        state->provisioned[key] = {name, qualifier, *requested, std::chrono::system_clock::now(),
                                   version};
      } else {
        state->provisioned.erase(key);
      }
    }
    // An alias moved to another version: the old one's environments are no longer provisioned.
    if (!previous.empty() && previous != version) {
      state->lambda.setProvisionedConcurrency(name, previous, 0);
    }
    if (!version.empty()) {
      state->lambda.setProvisionedConcurrency(name, version, requested.value_or(0));
    }
    return error;
  };
  if (!requested) {
    state->store.deleteRecord(kProvisionedKind, key,
                              [apply, done](std::string error) { done(apply(std::move(error))); });
    return;
  }
  nlohmann::json value = {{"functionName", name},
                          {"qualifier", qualifier},
                          {"requested", *requested},
                          {"lastModifiedMs", toMillis(std::chrono::system_clock::now())}};
  state->store.putRecord({kProvisionedKind, key, value.dump()},
                         [apply, done](std::string error) { done(apply(std::move(error))); });
}

std::optional<ProvisionedConfig> FunctionRegistry::provisionedConfig(
    const std::string& name, const std::string& qualifier) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->provisioned.find(configKey(name, qualifier));
  if (it == state_->provisioned.end()) return std::nullopt;
  return it->second;
}

std::vector<ProvisionedConfig> FunctionRegistry::provisionedConfigs(const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  std::vector<ProvisionedConfig> out;
  for (const auto& [_, config] : state_->provisioned) {
    if (config.functionName == name) out.push_back(config);
  }
  return out;
}

// Called by load(): the stored configs, applied to the versions they name.
void FunctionRegistry::loadProvisioned(std::vector<std::string>& warnings) {
  std::vector<ProvisionedConfig> configs;
  for (const auto& record : state_->store.records(kProvisionedKind)) {
    auto value = nlohmann::json::parse(record.value, nullptr, false);
    if (!value.is_object() || !value.contains("requested") ||
        !value["requested"].is_number_integer()) {
      warnings.push_back("provisioned concurrency " + record.key + ": its record is unreadable");
      continue;
    }
    ProvisionedConfig config;
    config.functionName = value.value("functionName", "");
    config.qualifier = value.value("qualifier", "");
    config.requested = value["requested"].get<int>();
    config.lastModified = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(value.value("lastModifiedMs", int64_t{0})));
    configs.push_back(config);
  }
  for (auto& config : configs) {
    std::string version = provisionedVersion(config.functionName, config.qualifier);
    config.appliedVersion = version;
    {
      std::lock_guard lock(state_->mutex);
      state_->provisioned[configKey(config.functionName, config.qualifier)] = config;
    }
    if (!version.empty()) {
      state_->lambda.setProvisionedConcurrency(config.functionName, version, config.requested);
    }
  }
}

}  // namespace nimbus::lambda
