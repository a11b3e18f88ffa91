// The set of functions nimbus serves, from both of their sources: serverless.yml (set by the
// server on every load) and the Lambda API (CreateFunction and friends, kept in the store so
// they outlive restarts), together with each function's EventInvokeConfig and, for API
// functions, their published versions and aliases. Every change is durable before its callback
// runs, and then published to the Lambda core, so an acknowledged CreateFunction (or
// PublishVersion, or UpdateAlias) takes effect at once and after a restart.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lambda/function_spec.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}

namespace nimbus::lambda {

class LambdaService;
class CodeStore;

enum class RegistryStatus {
  Ok,
  NotFound,          // No such function (or, for EventInvokeConfig, no config).
  Exists,            // CreateFunction of a name already taken.
  ProjectOwned,      // The function belongs to serverless.yml; the API may not change it.
  UpdateInProgress,  // Another change to the same function is being stored.
  RevisionMismatch,  // The caller's RevisionId is not the current one.
  StoreFailed,       // The change could not be made durable; nothing changed.
  VersionNotFound,   // A published version named does not exist; `message` is its qualifier.
  AliasNotFound,     // The alias named does not exist.
  AliasExists,       // CreateAlias of a name already taken.
  VersionInUse,      // DeleteFunction of a version aliases route to; `message` names them.
  CodeShaMismatch,   // PublishVersion's CodeSha256 is not $LATEST's; `message` is $LATEST's.
  InvalidParameter,  // Lambda's InvalidParameterValueException; `message` is Lambda's words.
};

struct RegistryResult {
  RegistryStatus status = RegistryStatus::Ok;
  std::string message;  // For StoreFailed: what went wrong; see RegistryStatus for others.
  FunctionSpec spec;    // The function (or version) as it is after the change.
};
using RegistryCallback = std::function<void(RegistryResult&&)>;

struct AliasResult {
  RegistryStatus status = RegistryStatus::Ok;
  std::string message;
  FunctionAlias alias;  // The alias as it is after the change.
};
using AliasCallback = std::function<void(AliasResult&&)>;

// A provisioned concurrency config (PutProvisionedConcurrencyConfig) of a version or alias.
struct ProvisionedConfig {
  std::string functionName;
  std::string qualifier;  // A version number or an alias name.
  int requested = 0;
  std::chrono::system_clock::time_point lastModified{};
  std::string appliedVersion;  // The version provisioned for it; "" when none.
};

// PublishVersion's preconditions and override.
struct PublishRequest {
  std::string codeSha256;                  // When not empty, must be $LATEST's.
  std::string revisionId;                  // When not empty, must be $LATEST's.
  std::optional<std::string> description;  // The version's; $LATEST's when not given.
};

class FunctionRegistry {
 public:
  // Callbacks run on `io`'s threads.
  FunctionRegistry(boost::asio::io_context& io, LambdaService& lambda, store::Store& store,
                   CodeStore& code);
  ~FunctionRegistry();
  FunctionRegistry(const FunctionRegistry&) = delete;
  FunctionRegistry& operator=(const FunctionRegistry&) = delete;

  // Reads the functions and EventInvokeConfigs kept in the store and deletes stored packages
  // no function uses. Call once, before serving. Returns warnings about records it skipped.
  std::vector<std::string> load();

  // Replaces the serverless.yml functions and publishes the whole set.
  void setProjectFunctions(std::vector<FunctionSpec> functions);

  // The functions served, in name order, with their EventInvokeConfigs in force.
  std::vector<FunctionSpec> functions() const;
  std::optional<FunctionSpec> function(const std::string& name) const;

  // CreateFunction: `spec` must have its code stored. Fails with Exists if the name is taken.
  void create(FunctionSpec spec, RegistryCallback done);
  // UpdateFunctionCode / UpdateFunctionConfiguration: applies `change` to a copy of the API
  // function `name` and stores it. An empty `expectedRevision` skips the RevisionId check.
  void update(const std::string& name, const std::string& expectedRevision,
              std::function<void(FunctionSpec&)> change, RegistryCallback done);
  // DeleteFunction of an API function, with its EventInvokeConfig, versions and aliases.
  void remove(const std::string& name, RegistryCallback done);
  // PutFunctionConcurrency (a value) and DeleteFunctionConcurrency (nullopt) of an API
  // function: stored with it, in force at once; no new RevisionId, as Lambda does.
  void setReservedConcurrency(const std::string& name, std::optional<int> reserved,
                              RegistryCallback done);
  // Provisioned concurrency (provisioned_configs.cc): `requested` environments of the version
  // the qualifier names (an alias: the version it points to) kept initialized; nullopt deletes
  // the config. Stored; applied at once and again after a restart.
  void setProvisionedConcurrency(const std::string& name, const std::string& qualifier,
                                 std::optional<int> requested,
                                 std::function<void(std::string)> done);
  std::optional<ProvisionedConfig> provisionedConfig(const std::string& name,
                                                     const std::string& qualifier) const;
  std::vector<ProvisionedConfig> provisionedConfigs(const std::string& name) const;
  // The version a provisioned config's qualifier stands for, or "" if none.
  std::string provisionedVersion(const std::string& name, const std::string& qualifier) const;
  // The reservations of all functions, leaving out `except`'s.
  int reservedTotal(const std::string& except = "") const;

  // PublishVersion: snapshots $LATEST of the API function `name` as version N+1 (numbers are
  // never reused, even after a delete). When $LATEST has not changed since the last version was
  // published, answers with that version and publishes nothing, as Lambda does.
  void publishVersion(const std::string& name, PublishRequest request, RegistryCallback done);
  // $LATEST then the published versions in order; empty when there is no such function.
  std::vector<FunctionSpec> versions(const std::string& name) const;
  // The function version a qualifier names: empty or "$LATEST", a version number, or an alias
  // (the version it routes most invocations to).
  std::optional<FunctionSpec> resolve(const std::string& name, const std::string& qualifier) const;
  // DeleteFunction with a version qualifier. Fails with VersionInUse while an alias routes to it.
  void deleteVersion(const std::string& name, const std::string& version, RegistryCallback done);

  std::optional<FunctionAlias> alias(const std::string& name, const std::string& alias) const;
  // The function's aliases in name order; with `version`, only those routing to it.
  std::vector<FunctionAlias> aliases(const std::string& name,
                                     const std::string& version = "") const;
  // CreateAlias: `alias` names the function, the alias and its routing.
  void createAlias(FunctionAlias alias, AliasCallback done);
  // UpdateAlias: applies `change` to a copy of the alias and stores it. An empty
  // `expectedRevision` skips the RevisionId check.
  void updateAlias(const std::string& name, const std::string& alias,
                   const std::string& expectedRevision, std::function<void(FunctionAlias&)> change,
                   AliasCallback done);
  // DeleteAlias. Deleting an alias that does not exist succeeds, as on Lambda.
  void deleteAlias(const std::string& name, const std::string& alias, AliasCallback done);

  // Put (replace) or, with nullopt, delete the function's EventInvokeConfig. A function from
  // serverless.yml may have one set here too; it takes precedence over the file's settings.
  void setEventInvokeConfig(const std::string& name, std::optional<EventInvokeConfig> config,
                            RegistryCallback done);

  // What the registry holds; defined in registry_state.h, for its implementation files only.
  struct State;

 private:
  void loadProvisioned(std::vector<std::string>& warnings);
  void modify(const std::string& name, const std::string& expectedRevision,
              std::function<void(FunctionSpec&)> change, bool revise, RegistryCallback done);

  std::shared_ptr<State> state_;
};

// Lambda's objection to an alias's routing, or nullopt when it may be stored: a second version
// equal to the first, or a second version beside $LATEST.
std::optional<std::string> aliasRoutingProblem(const FunctionAlias& alias);

// The store's representation of API-created functions (and their published versions), aliases
// and EventInvokeConfigs (JSON).
std::string encodeFunctionRecord(const FunctionSpec& spec);
std::optional<FunctionSpec> decodeFunctionRecord(const std::string& value);
std::string encodeAliasRecord(const FunctionAlias& alias);
std::optional<FunctionAlias> decodeAliasRecord(const std::string& value);
std::string encodeEventInvokeConfig(const EventInvokeConfig& config);
std::optional<EventInvokeConfig> decodeEventInvokeConfig(const std::string& value);

}  // namespace nimbus::lambda
