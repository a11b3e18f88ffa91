#include "lambda/function_registry.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/ids.h"
#include "lambda/code_store.h"
#include "lambda/invoker.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

constexpr const char* kFunctionKind = "lambda.function";
constexpr const char* kEventInvokeConfigKind = "lambda.event-invoke-config";

}  // namespace

struct FunctionRegistry::State : std::enable_shared_from_this<FunctionRegistry::State> {
  State(boost::asio::io_context& io, LambdaService& lambda, store::Store& store, CodeStore& code)
      : io(io), lambda(lambda), store(store), code(code) {}

  boost::asio::io_context& io;
  LambdaService& lambda;
  store::Store& store;
  CodeStore& code;

  mutable std::mutex mutex;
  std::map<std::string, FunctionSpec> project;             // Guarded by mutex.
  std::map<std::string, FunctionSpec> api;                 // Guarded by mutex.
  std::map<std::string, EventInvokeConfig> invokeConfigs;  // Guarded by mutex.
  std::set<std::string> busy;  // Names with a change being stored. Guarded by mutex.

  // The function as served: serverless.yml's functions shadow API ones of the same name, and
  // an EventInvokeConfig set through the API replaces the file's async settings.
  std::optional<FunctionSpec> effectiveLocked(const std::string& name) const {
    const FunctionSpec* base = nullptr;
    if (auto it = project.find(name); it != project.end()) {
      base = &it->second;
    } else if (auto api_it = api.find(name); api_it != api.end()) {
      base = &api_it->second;
    }
    if (!base) return std::nullopt;
    FunctionSpec spec = *base;
    if (auto it = invokeConfigs.find(name); it != invokeConfigs.end()) {
      spec.eventInvokeConfig = it->second;
    }
    return spec;
  }

  std::vector<FunctionSpec> allLocked() const {
    std::set<std::string> names;
    for (const auto& [name, _] : project) names.insert(name);
    for (const auto& [name, _] : api) names.insert(name);
    std::vector<FunctionSpec> out;
    for (const auto& name : names) out.push_back(*effectiveLocked(name));
    return out;
  }

  // Hands the current set to the Lambda core. Called with `mutex` held, so that publications
  // reach the core in the order the changes were made.
  void publishLocked() { lambda.deploy(allLocked()); }

  // Runs `done` on an I/O thread: store callbacks arrive on the store's writer thread, which
  // must not be held up by the callers' work.
  void complete(RegistryCallback done, RegistryResult result) {
    boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  // Claims `name` for a change; false when another change to it is being stored.
  bool claimLocked(const std::string& name) { return busy.insert(name).second; }
};

FunctionRegistry::FunctionRegistry(boost::asio::io_context& io, LambdaService& lambda,
                                   store::Store& store, CodeStore& code)
    : state_(std::make_shared<State>(io, lambda, store, code)) {}

FunctionRegistry::~FunctionRegistry() = default;

std::vector<std::string> FunctionRegistry::load() {
  std::vector<std::string> warnings;
  std::set<std::filesystem::path> packages;
  std::lock_guard lock(state_->mutex);
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
  std::string value = encodeFunctionRecord(spec);
  state->store.putRecord({kFunctionKind, spec.name, std::move(value)}, [state,
                                                                        spec = std::move(spec),
                                                                        done = std::move(done)](
                                                                           std::string
                                                                               error) mutable {
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
  spec.revisionId = newUuid();
  spec.lastModified = std::chrono::system_clock::now();
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
  // The store commits in order: once the function's delete is durable, so is the config's.
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
