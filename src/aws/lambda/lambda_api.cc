#include "aws/lambda/lambda_api.h"

#include <fmt/format.h>

#include <boost/asio/thread_pool.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "aws/lambda/version_request.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/code_store.h"
#include "lambda/function_registry.h"
#include "lambda/invoker.h"

namespace nimbus::aws {

namespace {

std::vector<std::string_view> pathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

}  // namespace

ApiError functionNotFound(const LambdaApiSettings& settings, const std::string& name,
                          const std::string& qualifier) {
  std::string arn = lambda::FunctionSpec::functionArn(settings.region, settings.accountId, name);
  if (!qualifier.empty()) arn += ":" + qualifier;
  return {404, "ResourceNotFoundException", "Function not found: " + arn};
}

ApiError registryRefusal(const lambda::RegistryResult& result, const LambdaApiSettings& settings,
                         const std::string& name) {
  using lambda::RegistryStatus;
  switch (result.status) {
    case RegistryStatus::NotFound:
      return functionNotFound(settings, name, "");
    case RegistryStatus::Exists:
      return {409, "ResourceConflictException", "Function already exist: " + name};
    case RegistryStatus::ProjectOwned:
      return {409, "ResourceConflictException",
              fmt::format("The function {} is defined in the serverless.yml this nimbus serves: "
                          "edit that file (nimbus reloads it), or deploy to another stage",
                          name)};
    case RegistryStatus::UpdateInProgress:
      return {409, "ResourceConflictException",
              fmt::format(
                  "The operation cannot be performed at this time. An update is in "
                  "progress for resource: {}",
                  lambda::FunctionSpec::functionArn(settings.region, settings.accountId, name))};
    case RegistryStatus::RevisionMismatch:
      return {412, "PreconditionFailedException",
              "The Revision Id provided does not match the latest Revision Id. Call the "
              "GetFunction/GetAlias API to retrieve the latest Revision Id"};
    case RegistryStatus::VersionNotFound:
      return functionNotFound(settings, name, result.message);
    case RegistryStatus::AliasNotFound:
    case RegistryStatus::AliasExists:
      // Answered by the alias operations, which know the alias's name.
      break;
    case RegistryStatus::VersionInUse:
      return {
          409, "ResourceConflictException",
          "Unable to delete version because the following aliases reference it: " + result.message};
    case RegistryStatus::CodeShaMismatch:
    case RegistryStatus::InvalidParameter:
      return {400, "InvalidParameterValueException", result.message};
    case RegistryStatus::StoreFailed:
    case RegistryStatus::Ok:
      break;
  }
  return {500, "ServiceException", "the change could not be stored: " + result.message};
}

HttpResponse configurationResponse(int status, const lambda::FunctionSpec& spec,
                                   FunctionPhase phase, const std::string& requestId,
                                   std::string_view arnQualifier) {
  std::string body;
  JsonWriter w(body);
  writeFunctionConfiguration(w, spec, phase, arnQualifier);
  return restJsonResponse(status, std::move(body), requestId);
}

HttpResponse LambdaApi::uploadTooLarge() {
  return restJsonError(413, "RequestEntityTooLargeException",
                       fmt::format("Request must be smaller than {} bytes for the CreateFunction "
                                   "operation",
                                   kMaxFunctionUploadBytes),
                       newUuid());
}

LambdaApi::LambdaApi(lambda::LambdaService& lambda, lambda::FunctionRegistry& registry,
                     lambda::CodeStore& code, lambda::EventSourceMappings& mappings,
                     lambda::AsyncInvoker* async, LambdaApiSettings settings)
    : lambda_(lambda),
      registry_(registry),
      code_(code),
      mappings_(mappings),
      async_(async),
      settings_(std::move(settings)),
      packageWorker_(std::make_unique<boost::asio::thread_pool>(1)) {}

LambdaApi::~LambdaApi() {
  packageWorker_->join();
}

void LambdaApi::handle(HttpRequest&& request, const RequestIdentity& identity,
                       http::Responder responder) {
  (void)identity;
  Call call{newUuid(), std::make_shared<http::Responder>(std::move(responder)), {}, {}, {}};
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    call.query = std::string(target.substr(q + 1));
    target = target.substr(0, q);
  }
  auto segments = pathSegments(target);
  const std::string& method = request.method;
  auto is = [&](size_t size, std::string_view version, std::string_view m) {
    return segments.size() == size && segments[0] == version && method == m;
  };

  if (segments.size() == 2 && segments[1] == "account-settings" && is(2, "2016-08-19", "GET")) {
    return accountSettings(call);
  }
  if ((segments.size() == 2 || segments.size() == 3) && segments[0] == "2015-03-31" &&
      segments[1] == "event-source-mappings") {
    std::string uuid = segments.size() == 3 ? std::string(segments[2]) : std::string();
    return eventSourceMappings(call, method, uuid, std::move(request));
  }
  bool functions = segments.size() >= 2 && segments[1] == "functions" &&
                   (segments[0] == "2015-03-31" || segments[0] == "2019-09-25" ||
                    segments[0] == "2017-10-31" || segments[0] == "2019-09-30");
  if (functions && segments.size() == 2) {
    if (is(2, "2015-03-31", "GET")) return listFunctions(call);
    if (is(2, "2015-03-31", "POST")) return createFunction(call, std::move(request));
  }
  if (functions && segments.size() >= 3) {
    auto ref = lambda::parseFunctionReference(percentDecode(segments[2]));
    call.functionName = std::move(ref.name);
    call.qualifier = queryParameter(call.query, "Qualifier");
    if (call.qualifier.empty()) call.qualifier = std::move(ref.qualifier);
    std::string_view action = segments.size() >= 4 ? segments[3] : std::string_view{};
    if (segments[0] == "2019-09-25" && action == "event-invoke-config") {
      bool list = segments.size() == 5 && segments[4] == "list" && method == "GET";
      if (segments.size() == 4 || list) {
        return eventInvokeConfig(call, method, list, std::move(request));
      }
    }
    if (action == "provisioned-concurrency" && segments.size() == 4 &&
        segments[0] == "2019-09-30") {
      return provisionedConcurrency(call, method, std::move(request));
    }
    if (action == "concurrency" && segments.size() == 4 &&
        ((segments[0] == "2017-10-31" && (method == "PUT" || method == "DELETE")) ||
         (segments[0] == "2019-09-30" && method == "GET"))) {
      return functionConcurrency(call, method, std::move(request));
    }
    if (segments[0] == "2015-03-31" && action == "versions" && segments.size() == 4) {
      if (method == "POST") return publishVersion(call, std::move(request));
      if (method == "GET") return listVersions(call);
    }
    if (segments[0] == "2015-03-31" && action == "aliases") {
      if (segments.size() == 4 && method == "POST") return createAlias(call, std::move(request));
      if (segments.size() == 4 && method == "GET") return listAliases(call);
      if (segments.size() == 5) {
        std::string alias = percentDecode(segments[4]);
        if (method == "GET") return getAlias(call, alias);
        if (method == "PUT") return updateAlias(call, alias, std::move(request));
        if (method == "DELETE") return deleteAlias(call, alias);
      }
    }
    if (segments[0] == "2015-03-31") {
      if (auto e = checkQualifier(call.qualifier)) return call.fail(*e);
      // Only $LATEST takes changes; versions are immutable and aliases are changed as such.
      bool change = method == "PUT" && (action == "configuration" || action == "code");
      if (change && !call.qualifier.empty() && call.qualifier != "$LATEST") {
        return call.fail(functionNotFound(settings_, call.functionName, call.qualifier));
      }
      if (is(3, "2015-03-31", "GET")) return getFunction(call, false);
      if (is(3, "2015-03-31", "DELETE")) return deleteFunction(call);
      if (action == "configuration" && is(4, "2015-03-31", "GET")) return getFunction(call, true);
      if (action == "configuration" && is(4, "2015-03-31", "PUT")) {
        return updateFunctionConfiguration(call, std::move(request));
      }
      if (action == "code" && is(4, "2015-03-31", "PUT")) {
        return updateFunctionCode(call, std::move(request));
      }
      if (action == "invocations" && is(4, "2015-03-31", "POST")) {
        return invoke(call, std::move(request));
      }
    }
  }
  call.send(restJsonError(
      404, "UnknownOperationException",
      fmt::format("This Lambda operation is not available in nimbus yet: {} {}", method, target),
      call.requestId));
}

void LambdaApi::accountSettings(Call& call) {
  auto functions = registry_.functions();
  int64_t codeSize = 0;
  for (const auto& f : functions) codeSize += f.codeSize;
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("AccountLimit").beginObject();
  w.field("TotalCodeSize", int64_t{80530636800})
      .field("CodeSizeUnzipped", lambda::CodeStore::kMaxUnzippedBytes)
      .field("CodeSizeZipped", int64_t{52428800})
      .field("ConcurrentExecutions", settings_.accountConcurrencyLimit)
      .field("UnreservedConcurrentExecutions",
             settings_.accountConcurrencyLimit - registry_.reservedTotal())
      .endObject();
  w.key("AccountUsage").beginObject().field("TotalCodeSize", codeSize);
  w.field("FunctionCount", static_cast<int64_t>(functions.size())).endObject().endObject();
  call.send(restJsonResponse(200, std::move(body), call.requestId));
}

void LambdaApi::listFunctions(Call& call) {
  auto functions = registry_.functions();
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Functions").beginArray();
  for (const auto& spec : functions) writeFunctionConfiguration(w, spec);
  w.endArray().endObject();
  call.send(restJsonResponse(200, std::move(body), call.requestId));
}

void LambdaApi::getFunction(Call& call, bool configurationOnly) {
  auto spec = registry_.resolve(call.functionName, call.qualifier);
  if (!spec) {
    return call.fail(functionNotFound(settings_, call.functionName,
                                      registry_.function(call.functionName) ? call.qualifier : ""));
  }
  // A version always answers with its qualified ARN; $LATEST and aliases when named.
  std::string arnQualifier =
      call.qualifier.empty() && spec->version != "$LATEST" ? spec->version : call.qualifier;
  if (configurationOnly) {
    return call.send(
        configurationResponse(200, *spec, FunctionPhase::Settled, call.requestId, arnQualifier));
  }
  std::string location = spec->origin == lambda::FunctionOrigin::Api
                             ? code_.zipOf(spec->codeDirectory).string()
                             : spec->codeDirectory.string();
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Configuration");
  writeFunctionConfiguration(w, *spec, FunctionPhase::Settled, arnQualifier);
  w.key("Code").beginObject().field("RepositoryType", "S3");
  w.field("Location", "file://" + location).endObject();
  if (auto latest = registry_.function(call.functionName); latest && latest->reservedConcurrency) {
    w.key("Concurrency").beginObject();
    w.field("ReservedConcurrentExecutions", *latest->reservedConcurrency).endObject();
  }
  w.key("Tags").beginObject().endObject().endObject();
  call.send(restJsonResponse(200, std::move(body), call.requestId));
}

}  // namespace nimbus::aws
