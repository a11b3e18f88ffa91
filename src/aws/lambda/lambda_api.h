// The AWS Lambda API (REST-JSON, 2015-03-31 and 2019-09-25) on the AWS endpoint: function
// management (Create/Get/List/Update/Delete), versions and aliases, Invoke, EventInvokeConfig
// and account settings.
// docs/lambda-api.md lists what is served and how it differs from AWS.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace boost::asio {
class thread_pool;
}
namespace nimbus::lambda {
class AsyncInvoker;
class CodeStore;
class EventSourceMappings;
class FunctionRegistry;
class LambdaService;
struct FunctionSpec;
}  // namespace nimbus::lambda

namespace nimbus::aws {

struct ApiError;

struct LambdaApiSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  int accountConcurrencyLimit = 1000;
  size_t maxAsyncPayloadBytes = 1024 * 1024;
  size_t maxSyncPayloadBytes = 6 * 1024 * 1024;
};

// Lambda's limit on a direct-upload request (a 50 MB zip, base64-encoded, plus the JSON).
inline constexpr size_t kMaxFunctionUploadBytes = 69905067;

class LambdaApi {
 public:
  // `async` takes InvocationType Event; without it such invocations are refused. Everything
  // passed in must outlive the I/O threads that call handle().
  LambdaApi(lambda::LambdaService& lambda, lambda::FunctionRegistry& registry,
            lambda::CodeStore& code, lambda::EventSourceMappings& mappings,
            lambda::AsyncInvoker* async, LambdaApiSettings settings);
  ~LambdaApi();
  LambdaApi(const LambdaApi&) = delete;
  LambdaApi& operator=(const LambdaApi&) = delete;

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // The answer to a request over kMaxFunctionUploadBytes, which the server refuses unread.
  static HttpResponse uploadTooLarge();

 private:
  struct Call;  // One request: its id, responder and the function it names.

  void listFunctions(Call& call);
  void getFunction(Call& call, bool configurationOnly);
  void accountSettings(Call& call);
  void invoke(Call& call, HttpRequest&& request);
  void createFunction(Call& call, HttpRequest&& request);
  void updateFunctionCode(Call& call, HttpRequest&& request);
  void updateFunctionConfiguration(Call& call, HttpRequest&& request);
  // Unqualified: the function with its versions and aliases; qualified: one version.
  void deleteFunction(Call& call);
  // PublishVersion, ListVersionsByFunction and the alias operations (versions_api.cc).
  void publishVersion(Call& call, HttpRequest&& request);
  void listVersions(Call& call);
  void createAlias(Call& call, HttpRequest&& request);
  void listAliases(Call& call);
  void getAlias(Call& call, const std::string& alias);
  void updateAlias(Call& call, const std::string& alias, HttpRequest&& request);
  void deleteAlias(Call& call, const std::string& alias);
  // Put (PUT), Get (GET) and Delete (DELETE) of the function's reserved concurrency
  // (concurrency_api.cc).
  void functionConcurrency(Call& call, const std::string& method, HttpRequest&& request);
  int minimumUnreserved() const;
  // Put (PUT), Get (GET), List (GET ?List=ALL) and Delete (DELETE) of provisioned concurrency
  // configs (provisioned_api.cc).
  void provisionedConcurrency(Call& call, const std::string& method, HttpRequest&& request);
  // Put (replace), Update (merge), Get, Delete and List of the function's EventInvokeConfig.
  void eventInvokeConfig(Call& call, const std::string& method, bool list, HttpRequest&& request);
  // Create (POST, no uuid), List (GET, no uuid), Get, Update (PUT) and Delete of SQS event
  // source mappings.
  void eventSourceMappings(Call& call, const std::string& method, const std::string& uuid,
                           HttpRequest&& request);

  lambda::LambdaService& lambda_;
  lambda::FunctionRegistry& registry_;
  lambda::CodeStore& code_;
  lambda::EventSourceMappings& mappings_;
  lambda::AsyncInvoker* async_;
  LambdaApiSettings settings_;
  // Unzipping an upload touches the disk: it runs here, never on an I/O thread. Declared last
  // so that it is joined before the members its jobs use are destroyed.
  std::unique_ptr<boost::asio::thread_pool> packageWorker_;
};

}  // namespace nimbus::aws
