// Private to the function registry's implementation files (function_registry.cc and
// function_versions.cc): what the registry holds and how it publishes it to the Lambda core.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "lambda/function_registry.h"
#include "lambda/invoker.h"

namespace nimbus::lambda {

// Store record kinds.
inline constexpr const char* kFunctionKind = "lambda.function";
inline constexpr const char* kEventInvokeConfigKind = "lambda.event-invoke-config";
inline constexpr const char* kVersionKind = "lambda.version";  // Key "name:3".
inline constexpr const char* kAliasKind = "lambda.alias";      // Key "name:alias".
// The highest version number published per function (key: name), so that numbers are never
// reused after the highest version is deleted.
inline constexpr const char* kVersionCounterKind = "lambda.version-counter";
// Provisioned concurrency configs, key "name:qualifier" (a version or an alias).
inline constexpr const char* kProvisionedKind = "lambda.provisioned-concurrency";

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
  // API functions' published versions by number, and their aliases by name. Guarded by mutex.
  std::map<std::string, std::map<int, FunctionSpec>> versions;
  std::map<std::string, int> lastVersion;
  std::map<std::string, std::map<std::string, FunctionAlias>> aliases;
  // Provisioned concurrency by "name:qualifier". Guarded by mutex.
  std::map<std::string, ProvisionedConfig> provisioned;

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

  // A published version of an API function.
  const FunctionSpec* versionLocked(const std::string& name, const std::string& version) const {
    if (!isVersionNumber(version) || project.contains(name)) return nullptr;
    auto fn = versions.find(name);
    if (fn == versions.end()) return nullptr;
    auto it = fn->second.find(std::stoi(version));
    return it == fn->second.end() ? nullptr : &it->second;
  }

  // Hands the current set (every $LATEST, every published version, every alias) to the Lambda
  // core. Called with `mutex` held, so that publications reach the core in the order the
  // changes were made.
  void publishLocked() {
    auto specs = allLocked();
    auto served = [&](const std::string& name) {
      return api.contains(name) && !project.contains(name);
    };
    for (const auto& [name, numbered] : versions) {
      if (!served(name)) continue;
      for (const auto& [_, spec] : numbered) specs.push_back(spec);
    }
    std::vector<FunctionAlias> routes;
    for (const auto& [name, named] : aliases) {
      if (!served(name)) continue;
      for (const auto& [_, alias] : named) routes.push_back(alias);
    }
    lambda.deploy(std::move(specs));
    lambda.setAliases(std::move(routes));
  }

  // Runs `done` on an I/O thread: store callbacks arrive on the store's writer thread, which
  // must not be held up by the callers' work.
  void complete(RegistryCallback done, RegistryResult result) {
    boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }
  void complete(AliasCallback done, AliasResult result) {
    boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  // Claims `name` for a change; false when another change to it is being stored.
  bool claimLocked(const std::string& name) { return busy.insert(name).second; }
};

}  // namespace nimbus::lambda
