// The set of functions nimbus serves, from both of their sources: serverless.yml (set by the
// server on every load) and the Lambda API (CreateFunction and friends, kept in the store so
// they outlive restarts), together with each function's EventInvokeConfig. Every change is
// durable before its callback runs, and then published to the Lambda core, so an acknowledged
// CreateFunction is invocable at once and after a restart.
#pragma once

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
};

struct RegistryResult {
  RegistryStatus status = RegistryStatus::Ok;
  std::string message;  // For StoreFailed: what went wrong.
  FunctionSpec spec;    // The function as it is after the change.
};
using RegistryCallback = std::function<void(RegistryResult&&)>;

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
  // DeleteFunction of an API function, with its EventInvokeConfig.
  void remove(const std::string& name, RegistryCallback done);

  // Put (replace) or, with nullopt, delete the function's EventInvokeConfig. A function from
  // serverless.yml may have one set here too; it takes precedence over the file's settings.
  void setEventInvokeConfig(const std::string& name, std::optional<EventInvokeConfig> config,
                            RegistryCallback done);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The store's representation of API-created functions and EventInvokeConfigs (JSON).
std::string encodeFunctionRecord(const FunctionSpec& spec);
std::optional<FunctionSpec> decodeFunctionRecord(const std::string& value);
std::string encodeEventInvokeConfig(const EventInvokeConfig& config);
std::optional<EventInvokeConfig> decodeEventInvokeConfig(const std::string& value);

}  // namespace nimbus::lambda
