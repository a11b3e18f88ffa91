#include "lambda/function_registry.h"

#include <fmt/format.h>

#include "core/ids.h"
#include "lambda/code_store.h"
#include "lambda/invoker.h"
#include "lambda/registry_state.h"
#include "store/store.h"

namespace nimbus::lambda {

FunctionRegistry::FunctionRegistry(boost::asio::io_context& io, LambdaService& lambda,
                                   store::Store& store, CodeStore& code)
    : state_(std::make_shared<State>(io, lambda, store, code)) {}

FunctionRegistry::~FunctionRegistry() = default;

std::vector<std::string> FunctionRegistry::load() {
  std::vector<std::string> warnings;
  std::set<std::filesystem::path> packages;
  std::unique_lock lock(state_->mutex);
  for (const auto& record : state_->store.records(kFunctionKind)) {
    auto spec = decodeFunctionRecord(record.value);
    if (!spec || !std::filesystem::is_directory(spec->codeDirectory)) {
      warnings.push_back(
          fmt::format("function {}: its stored record or code is unreadable; it is "
                      "not served (delete it and create it again)",
                      record.key));
      continue;
    }
    packages.insert(spec->codeDirectory);
    state_->api[spec->name] = std::move(*spec);
  }
  for (const auto& record : state_->store.records(kVersionKind)) {
    auto spec = decodeFunctionRecord(record.value);
    if (!spec || !isVersionNumber(spec->version) || !state_->api.contains(spec->name) ||
        !std::filesystem::is_directory(spec->codeDirectory)) {
      warnings.push_back(
          fmt::format("function version {}: its stored record or code is unreadable, or its "
                      "function is gone; it is not served",
                      record.key));
      continue;
    }
    packages.insert(spec->codeDirectory);
    int number = std::stoi(spec->version);
    int& last = state_->lastVersion[spec->name];
    last = std::max(last, number);
    state_->versions[spec->name][number] = std::move(*spec);
  }
  for (const auto& record : state_->store.records(kVersionCounterKind)) {
    if (!state_->api.contains(record.key)) continue;
    int& last = state_->lastVersion[record.key];
    try {
      last = std::max(last, std::stoi(record.value));
    } catch (const std::exception&) {
      warnings.push_back(
          fmt::format("function {}: its stored version counter is unreadable", record.key));
    }
  }
  for (const auto& record : state_->store.records(kAliasKind)) {
    auto alias = decodeAliasRecord(record.value);
    if (!alias || !state_->api.contains(alias->functionName)) {
      warnings.push_back(fmt::format(
          "alias {}: its stored record is unreadable, or its function is gone", record.key));
      continue;
    }
    std::string name = alias->name;
    state_->aliases[alias->functionName][name] = std::move(*alias);
  }
  for (const auto& record : state_->store.records(kEventInvokeConfigKind)) {
    if (auto config = decodeEventInvokeConfig(record.value)) {
      state_->invokeConfigs[record.key] = std::move(*config);
    } else {
      warnings.push_back(
          fmt::format("function {}: its stored EventInvokeConfig is unreadable", record.key));
    }
  }
  state_->code.removeUnused(packages);
  state_->publishLocked();
  lock.unlock();
  loadProvisioned(warnings);
  return warnings;
}

void FunctionRegistry::setProjectFunctions(std::vector<FunctionSpec> functions) {
  std::lock_guard lock(state_->mutex);
  state_->project.clear();
  for (auto& spec : functions) {
    std::string name = spec.name;
    state_->project.emplace(std::move(name), std::move(spec));
  }
  state_->publishLocked();
}

std::vector<FunctionSpec> FunctionRegistry::functions() const {
  std::lock_guard lock(state_->mutex);
  return state_->allLocked();
}

std::optional<FunctionSpec> FunctionRegistry::function(const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  return state_->effectiveLocked(name);
}

void FunctionRegistry::create(FunctionSpec spec, RegistryCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    if (state->project.contains(spec.name) || state->api.contains(spec.name) ||
        !state->claimLocked(spec.name)) {
      state->complete(std::move(done), {RegistryStatus::Exists, {}, std::move(spec)});
      return;
    }
  }
  spec.origin = FunctionOrigin::Api;
  if (spec.revisionId.empty()) spec.revisionId = newUuid();
  // The record is built before `spec` moves into the callback (argument order is unspecified).
  store::Record record{kFunctionKind, spec.name, encodeFunctionRecord(spec)};
  state->store.putRecord(std::move(record), [state, spec = std::move(spec),
                                             done = std::move(done)](std::string error) mutable {
    std::lock_guard lock(state->mutex);
    state->busy.erase(spec.name);
    if (!error.empty()) {
      state->complete(std::move(done), {RegistryStatus::StoreFailed, error, std::move(spec)});
      return;
    }
    state->api[spec.name] = spec;
    state->publishLocked();
    state->complete(std::move(done), {RegistryStatus::Ok, {}, *state->effectiveLocked(spec.name)});
  });
}

void FunctionRegistry::update(const std::string& name, const std::string& expectedRevision,
                              std::function<void(FunctionSpec&)> change, RegistryCallback done) {
  modify(name, expectedRevision, std::move(change), true, std::move(done));
}

void FunctionRegistry::setReservedConcurrency(const std::string& name, std::optional<int> reserved,
                                              RegistryCallback done) {
  modify(
      name, "", [reserved](FunctionSpec& spec) { spec.reservedConcurrency = reserved; }, false,
      std::move(done));
}

int FunctionRegistry::reservedTotal(const std::string& except) const {
  std::lock_guard lock(state_->mutex);
  int total = 0;
  for (const auto& spec : state_->allLocked()) {
    if (spec.name != except) total += spec.reservedConcurrency.value_or(0);
  }
  return total;
}

void FunctionRegistry::modify(const std::string& name, const std::string& expectedRevision,
                              std::function<void(FunctionSpec&)> change, bool revise,
                              RegistryCallback done) {
  auto state = state_;
  FunctionSpec spec;
  {
    std::lock_guard lock(state->mutex);
    RegistryStatus refusal = RegistryStatus::Ok;
    auto it = state->api.find(name);
    if (state->project.contains(name)) {
      refusal = RegistryStatus::ProjectOwned;
    } else if (it == state->api.end()) {
      refusal = RegistryStatus::NotFound;
    } else if (!expectedRevision.empty() && expectedRevision != it->second.revisionId) {
      refusal = RegistryStatus::RevisionMismatch;
    } else if (!state->claimLocked(name)) {
      refusal = RegistryStatus::UpdateInProgress;
    }
    if (refusal != RegistryStatus::Ok) {
      state->complete(std::move(done), {refusal, {}, {}});
      return;
    }
    spec = it->second;
  }
  change(spec);
  if (revise) {
    spec.revisionId = newUuid();
    spec.lastModified = std::chrono::system_clock::now();
  }
  std::string value = encodeFunctionRecord(spec);
  state->store.putRecord({kFunctionKind, name, std::move(value)}, [state, spec = std::move(spec),
                                                                   done = std::move(done)](
                                                                      std::string error) mutable {
    std::lock_guard lock(state->mutex);
    state->busy.erase(spec.name);
    if (!error.empty()) {
      state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
      return;
    }
    state->api[spec.name] = spec;
    state->publishLocked();
    state->complete(std::move(done), {RegistryStatus::Ok, {}, *state->effectiveLocked(spec.name)});
  });
}

void FunctionRegistry::remove(const std::string& name, RegistryCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    RegistryStatus refusal = RegistryStatus::Ok;
    if (state->project.contains(name)) {
      refusal = RegistryStatus::ProjectOwned;
    } else if (!state->api.contains(name)) {
      refusal = RegistryStatus::NotFound;
    } else if (!state->claimLocked(name)) {
      refusal = RegistryStatus::UpdateInProgress;
    }
    if (refusal != RegistryStatus::Ok) {
      state->complete(std::move(done), {refusal, {}, {}});
      return;
    }
  }
  // The store commits in order: once the function's delete is durable, so are those before it.
  // The function's record goes last, so that a crash between leaves a function that can be
  // deleted again, never versions or aliases of a function that is gone.
  std::vector<std::pair<const char*, std::string>> dependents;
  {
    std::lock_guard lock(state->mutex);
    if (auto it = state->aliases.find(name); it != state->aliases.end()) {
      for (const auto& [alias, _] : it->second)
        dependents.emplace_back(kAliasKind, name + ":" + alias);
    }
    if (auto it = state->versions.find(name); it != state->versions.end()) {
      for (const auto& [number, _] : it->second) {
        dependents.emplace_back(kVersionKind, name + ":" + std::to_string(number));
      }
    }
  }
  for (const auto& [kind, key] : dependents)
    state->store.deleteRecord(kind, key, [](std::string) {});
  state->store.deleteRecord(kVersionCounterKind, name, [](std::string) {});
  state->store.deleteRecord(kEventInvokeConfigKind, name, [](std::string) {});
  state->store.deleteRecord(
      kFunctionKind, name, [state, name, done = std::move(done)](std::string error) mutable {
        std::lock_guard lock(state->mutex);
        state->busy.erase(name);
        if (!error.empty()) {
          state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
          return;
        }
        FunctionSpec removed = std::move(state->api[name]);
        state->api.erase(name);
        state->invokeConfigs.erase(name);
        state->versions.erase(name);
        state->lastVersion.erase(name);
        state->aliases.erase(name);
        state->publishLocked();
        state->complete(std::move(done), {RegistryStatus::Ok, {}, std::move(removed)});
      });
}

void FunctionRegistry::setEventInvokeConfig(const std::string& name,
                                            std::optional<EventInvokeConfig> config,
                                            RegistryCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    RegistryStatus refusal = RegistryStatus::Ok;
    if (!state->project.contains(name) && !state->api.contains(name)) {
      refusal = RegistryStatus::NotFound;
    } else if (!state->claimLocked(name)) {
      refusal = RegistryStatus::UpdateInProgress;
    }
    if (refusal != RegistryStatus::Ok) {
      state->complete(std::move(done), {refusal, {}, {}});
      return;
    }
  }
  auto finish = [state, name, config, done = std::move(done)](std::string error) mutable {
    std::lock_guard lock(state->mutex);
    state->busy.erase(name);
    if (!error.empty()) {
      state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
      return;
    }
    if (config) {
      state->invokeConfigs[name] = *config;
    } else {
      state->invokeConfigs.erase(name);
    }
    auto spec = state->effectiveLocked(name);
    if (!spec) {
      // Deleted while the config was being stored; the stale record is harmless.
      state->complete(std::move(done), {RegistryStatus::NotFound, {}, {}});
      return;
    }
    state->complete(std::move(done), {RegistryStatus::Ok, {}, std::move(*spec)});
  };
  if (config) {
    state->store.putRecord({kEventInvokeConfigKind, name, encodeEventInvokeConfig(*config)},
                           std::move(finish));
  } else {
    state->store.deleteRecord(kEventInvokeConfigKind, name, std::move(finish));
  }
}

}  // namespace nimbus::lambda
