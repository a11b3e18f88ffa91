// Published versions and aliases of API functions: PublishVersion, DeleteFunction of a version,
// and the alias operations. Versions are immutable snapshots of $LATEST; aliases route to one
// version, or split invocations between two. Every change is durable before it is published to
// the Lambda core and answered.
#include <fmt/format.h>

#include "core/ids.h"
#include "lambda/function_registry.h"
#include "lambda/registry_state.h"
#include "store/store.h"

namespace nimbus::lambda {

namespace {

// Why a version or alias operation on `name` cannot go ahead, or Ok.
RegistryStatus apiFunctionRefusal(const FunctionRegistry::State& state, const std::string& name) {
  if (state.project.contains(name)) return RegistryStatus::ProjectOwned;
  if (!state.api.contains(name)) return RegistryStatus::NotFound;
  return RegistryStatus::Ok;
}

// A version an alias may name: $LATEST, or a published version of the function.
bool versionExistsLocked(const FunctionRegistry::State& state, const std::string& name,
                         const std::string& version) {
  return version == "$LATEST" || state.versionLocked(name, version) != nullptr;
}

// Checks an alias's versions and routing before it is stored.
AliasResult checkAliasLocked(const FunctionRegistry::State& state, const FunctionAlias& alias) {
  for (const auto* version : {&alias.functionVersion, &alias.additionalVersion}) {
    if (!version->empty() && !versionExistsLocked(state, alias.functionName, *version)) {
      return {RegistryStatus::VersionNotFound, *version, {}};
    }
  }
  if (auto problem = aliasRoutingProblem(alias)) {
    return {RegistryStatus::InvalidParameter, *problem, {}};
  }
  return {};
}

}  // namespace

std::optional<std::string> aliasRoutingProblem(const FunctionAlias& alias) {
  if (alias.additionalVersion.empty()) return std::nullopt;
  if (alias.additionalVersion == alias.functionVersion) {
    return fmt::format(
        "Invalid function version {0}. Function version {0} is already included in routing "
        "configuration.",
        alias.functionVersion);
  }
  if (alias.functionVersion == "$LATEST" || alias.additionalVersion == "$LATEST") {
    return "$LATEST is not supported for an alias pointing to more than 1 version";
  }
  return std::nullopt;
}

void FunctionRegistry::publishVersion(const std::string& name, PublishRequest request,
                                      RegistryCallback done) {
  auto state = state_;
  FunctionSpec version;
  {
    std::lock_guard lock(state->mutex);
    RegistryStatus refusal = apiFunctionRefusal(*state, name);
    std::string message;
    const FunctionSpec* latest = refusal == RegistryStatus::Ok ? &state->api.at(name) : nullptr;
    if (latest && !request.revisionId.empty() && request.revisionId != latest->revisionId) {
      refusal = RegistryStatus::RevisionMismatch;
    } else if (latest && !request.codeSha256.empty() && request.codeSha256 != latest->codeSha256) {
      refusal = RegistryStatus::CodeShaMismatch;
      message = latest->codeSha256;
    }
    if (refusal == RegistryStatus::Ok) {
      // Lambda publishes nothing when $LATEST is what the last version was published from.
      auto published = state->versions.find(name);
      if (published != state->versions.end() && !published->second.empty() &&
          published->second.rbegin()->second.sourceRevisionId == latest->revisionId) {
        state->complete(std::move(done),
                        {RegistryStatus::Ok, {}, published->second.rbegin()->second});
        return;
      }
      if (!state->claimLocked(name)) refusal = RegistryStatus::UpdateInProgress;
    }
    if (refusal != RegistryStatus::Ok) {
      state->complete(std::move(done), {refusal, std::move(message), {}});
      return;
    }
    version = *latest;
    version.version = std::to_string(state->lastVersion[name] + 1);
  }
  version.sourceRevisionId = version.revisionId;
  version.revisionId = newUuid();
  version.lastModified = std::chrono::system_clock::now();
  version.eventInvokeConfig.reset();
  if (request.description) version.description = *request.description;
  std::string number = version.version;
  // The counter first: once the version is durable, so is the number it took.
  state->store.putRecord({kVersionCounterKind, name, number}, [](std::string) {});
  // The record is built before `version` moves into the callback.
  store::Record record{kVersionKind, name + ":" + number, encodeFunctionRecord(version)};
  state->store.putRecord(std::move(record), [state, version = std::move(version),
                                             done = std::move(done)](std::string error) mutable {
    std::lock_guard lock(state->mutex);
    state->busy.erase(version.name);
    if (!error.empty()) {
      state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
      return;
    }
    int number = std::stoi(version.version);
    state->lastVersion[version.name] = number;
    state->versions[version.name][number] = version;
    state->publishLocked();
    state->complete(std::move(done), {RegistryStatus::Ok, {}, std::move(version)});
  });
}

std::vector<FunctionSpec> FunctionRegistry::versions(const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  std::vector<FunctionSpec> out;
  auto latest = state_->effectiveLocked(name);
  if (!latest) return out;
  out.push_back(std::move(*latest));
  if (state_->project.contains(name)) return out;
  if (auto it = state_->versions.find(name); it != state_->versions.end()) {
    for (const auto& [_, spec] : it->second) out.push_back(spec);
  }
  return out;
}

std::optional<FunctionSpec> FunctionRegistry::resolve(const std::string& name,
                                                      const std::string& qualifier) const {
  std::lock_guard lock(state_->mutex);
  if (qualifier.empty() || qualifier == "$LATEST") return state_->effectiveLocked(name);
  std::string version = qualifier;
  if (!isVersionNumber(qualifier)) {
    auto fn = state_->aliases.find(name);
    if (fn == state_->aliases.end() || state_->project.contains(name)) return std::nullopt;
    auto alias = fn->second.find(qualifier);
    if (alias == fn->second.end()) return std::nullopt;
    version = alias->second.functionVersion;
    if (version == "$LATEST") return state_->effectiveLocked(name);
  }
  const FunctionSpec* spec = state_->versionLocked(name, version);
  if (!spec) return std::nullopt;
  return *spec;
}

void FunctionRegistry::deleteVersion(const std::string& name, const std::string& version,
                                     RegistryCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    RegistryStatus refusal = apiFunctionRefusal(*state, name);
    std::string message;
    if (refusal == RegistryStatus::Ok && !state->versionLocked(name, version)) {
      refusal = RegistryStatus::VersionNotFound;
      message = version;
    }
    if (refusal == RegistryStatus::Ok) {
      std::vector<std::string> users;
      if (auto it = state->aliases.find(name); it != state->aliases.end()) {
        for (const auto& [aliasName, alias] : it->second) {
          if (alias.references(version)) users.push_back(aliasName);
        }
      }
      if (!users.empty()) {
        refusal = RegistryStatus::VersionInUse;
        message = fmt::format("[{}]", fmt::join(users, ", "));
      } else if (!state->claimLocked(name)) {
        refusal = RegistryStatus::UpdateInProgress;
      }
    }
    if (refusal != RegistryStatus::Ok) {
      state->complete(std::move(done), {refusal, std::move(message), {}});
      return;
    }
  }
  state->store.deleteRecord(
      kVersionKind, name + ":" + version,
      [state, name, version, done = std::move(done)](std::string error) mutable {
        std::lock_guard lock(state->mutex);
        state->busy.erase(name);
        if (!error.empty()) {
          state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
          return;
        }
        FunctionSpec removed;
        auto& numbered = state->versions[name];
        if (auto it = numbered.find(std::stoi(version)); it != numbered.end()) {
          removed = std::move(it->second);
          numbered.erase(it);
        }
        state->publishLocked();
        state->complete(std::move(done), {RegistryStatus::Ok, {}, std::move(removed)});
      });
}

std::optional<FunctionAlias> FunctionRegistry::alias(const std::string& name,
                                                     const std::string& alias) const {
  std::lock_guard lock(state_->mutex);
  if (state_->project.contains(name)) return std::nullopt;
  auto fn = state_->aliases.find(name);
  if (fn == state_->aliases.end()) return std::nullopt;
  auto it = fn->second.find(alias);
  if (it == fn->second.end()) return std::nullopt;
  return it->second;
}

std::vector<FunctionAlias> FunctionRegistry::aliases(const std::string& name,
                                                     const std::string& version) const {
  std::lock_guard lock(state_->mutex);
  std::vector<FunctionAlias> out;
  auto fn = state_->aliases.find(name);
  if (fn == state_->aliases.end() || state_->project.contains(name)) return out;
  for (const auto& [_, alias] : fn->second) {
    if (version.empty() || alias.references(version)) out.push_back(alias);
  }
  return out;
}

namespace {

// Stores a created or changed alias under a new RevisionId; once it is durable, serves it and
// answers. The caller has claimed the function (`busy`), which this releases.
void storeAlias(const std::shared_ptr<FunctionRegistry::State>& state, FunctionAlias alias,
                AliasCallback done) {
  alias.revisionId = newUuid();
  std::string key = alias.functionName + ":" + alias.name;
  std::string value = encodeAliasRecord(alias);
  state->store.putRecord(
      {kAliasKind, std::move(key), std::move(value)},
      [state, alias = std::move(alias), done = std::move(done)](std::string error) mutable {
        std::lock_guard lock(state->mutex);
        state->busy.erase(alias.functionName);
        if (!error.empty()) {
          state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
          return;
        }
        state->aliases[alias.functionName][alias.name] = alias;
        state->publishLocked();
        state->complete(std::move(done), {RegistryStatus::Ok, {}, std::move(alias)});
      });
}

}  // namespace

void FunctionRegistry::createAlias(FunctionAlias alias, AliasCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    AliasResult refusal{apiFunctionRefusal(*state, alias.functionName), {}, {}};
    if (refusal.status == RegistryStatus::Ok) refusal = checkAliasLocked(*state, alias);
    if (refusal.status == RegistryStatus::Ok) {
      auto fn = state->aliases.find(alias.functionName);
      if (fn != state->aliases.end() && fn->second.contains(alias.name)) {
        refusal.status = RegistryStatus::AliasExists;
      } else if (!state->claimLocked(alias.functionName)) {
        refusal.status = RegistryStatus::UpdateInProgress;
      }
    }
    if (refusal.status != RegistryStatus::Ok) {
      state->complete(std::move(done), std::move(refusal));
      return;
    }
  }
  storeAlias(state, std::move(alias), std::move(done));
}

void FunctionRegistry::updateAlias(const std::string& name, const std::string& aliasName,
                                   const std::string& expectedRevision,
                                   std::function<void(FunctionAlias&)> change, AliasCallback done) {
  auto state = state_;
  FunctionAlias alias;
  {
    std::lock_guard lock(state->mutex);
    AliasResult refusal{apiFunctionRefusal(*state, name), {}, {}};
    const FunctionAlias* current = nullptr;
    if (refusal.status == RegistryStatus::Ok) {
      if (auto fn = state->aliases.find(name); fn != state->aliases.end()) {
        if (auto it = fn->second.find(aliasName); it != fn->second.end()) current = &it->second;
      }
      if (!current) {
        refusal.status = RegistryStatus::AliasNotFound;
      } else if (!expectedRevision.empty() && expectedRevision != current->revisionId) {
        refusal.status = RegistryStatus::RevisionMismatch;
      }
    }
    if (refusal.status == RegistryStatus::Ok) {
      alias = *current;
      change(alias);
      refusal = checkAliasLocked(*state, alias);
      if (refusal.status == RegistryStatus::Ok && !state->claimLocked(name)) {
        refusal.status = RegistryStatus::UpdateInProgress;
      }
    }
    if (refusal.status != RegistryStatus::Ok) {
      state->complete(std::move(done), std::move(refusal));
      return;
    }
  }
  storeAlias(state, std::move(alias), std::move(done));
}

void FunctionRegistry::deleteAlias(const std::string& name, const std::string& aliasName,
                                   AliasCallback done) {
  auto state = state_;
  {
    std::lock_guard lock(state->mutex);
    AliasResult refusal{apiFunctionRefusal(*state, name), {}, {}};
    if (refusal.status == RegistryStatus::Ok && !state->claimLocked(name)) {
      refusal.status = RegistryStatus::UpdateInProgress;
    }
    if (refusal.status != RegistryStatus::Ok) {
      state->complete(std::move(done), std::move(refusal));
      return;
    }
  }
  state->store.deleteRecord(
      kAliasKind, name + ":" + aliasName,
      [state, name, aliasName, done = std::move(done)](std::string error) mutable {
        std::lock_guard lock(state->mutex);
        state->busy.erase(name);
        if (!error.empty()) {
          state->complete(std::move(done), {RegistryStatus::StoreFailed, error, {}});
          return;
        }
        if (auto fn = state->aliases.find(name); fn != state->aliases.end()) {
          fn->second.erase(aliasName);
          if (fn->second.empty()) state->aliases.erase(fn);
        }
        state->publishLocked();
        state->complete(std::move(done), {RegistryStatus::Ok, {}, {}});
      });
}

}  // namespace nimbus::lambda
