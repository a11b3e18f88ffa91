// PublishVersion, ListVersionsByFunction and Create/Get/List/Update/DeleteAlias.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "aws/lambda/version_request.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

namespace {

// ListVersionsByFunction answers at most 50 versions per page, whatever MaxItems says.
constexpr int kMaxVersionsPerPage = 50;

std::string aliasArn(const LambdaApiSettings& settings, const std::string& function,
                     const std::string& alias) {
  return lambda::FunctionSpec::functionArn(settings.region, settings.accountId, function) + ":" +
         alias;
}

// The answer to an alias change that did not happen.
ApiError aliasRefusal(const lambda::AliasResult& r, const LambdaApiSettings& settings,
                      const std::string& function, const std::string& alias) {
  switch (r.status) {
    case lambda::RegistryStatus::AliasNotFound:
      return {404, "ResourceNotFoundException",
              "Cannot find alias arn: " + aliasArn(settings, function, alias)};
    case lambda::RegistryStatus::AliasExists:
      return {409, "ResourceConflictException",
              "Alias already exists: " + aliasArn(settings, function, alias)};
    default:
      return registryRefusal({r.status, r.message, {}}, settings, function);
  }
}

HttpResponse aliasResponse(int status, const lambda::FunctionAlias& alias,
                           const LambdaApiSettings& settings, const std::string& requestId) {
  std::string body;
  JsonWriter w(body);
  writeAliasConfiguration(w, alias, settings.region, settings.accountId);
  return restJsonResponse(status, std::move(body), requestId);
}

// The page of `items` that starts at the item whose key is `marker` (the start when empty) and
// holds at most `limit`; `next` is the key of the first item after it, or empty.
template <typename T, typename Key>
std::vector<const T*> page(const std::vector<T>& items, const std::string& marker, int limit,
                           Key key, std::string& next) {
  auto it = items.begin();
  if (!marker.empty()) {
    it = std::find_if(items.begin(), items.end(),
                      [&](const T& item) { return key(item) == marker; });
  }
  std::vector<const T*> out;
  for (; it != items.end() && static_cast<int>(out.size()) < limit; ++it) out.push_back(&*it);
  next = it == items.end() ? std::string() : key(*it);
  return out;
}

}  // namespace

void LambdaApi::publishVersion(Call& call, HttpRequest&& request) {
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  lambda::PublishRequest publish;
  if (auto e = readPublishVersion(body, publish)) return call.fail(*e);
  std::string given = publish.codeSha256;
  registry_.publishVersion(
      call.functionName, std::move(publish),
      [call, given, settings = settings_](lambda::RegistryResult&& r) {
        if (r.status == lambda::RegistryStatus::CodeShaMismatch) {
          return call.fail({400, "InvalidParameterValueException",
                            fmt::format("CodeSHA256 ({}) is different from current CodeSHA256 in "
                                        "$LATEST ({}). Please try again with the CodeSHA256 in "
                                        "$LATEST.",
                                        given, r.message)});
        }
        if (r.status != lambda::RegistryStatus::Ok) {
          return call.fail(registryRefusal(r, settings, call.functionName));
        }
        call.send(configurationResponse(201, r.spec, FunctionPhase::Settled, call.requestId,
                                        r.spec.version));
      });
}

void LambdaApi::listVersions(Call& call) {
  std::optional<int> maxItems;
  if (auto e = readMaxItems(call.query, maxItems)) return call.fail(*e);
  auto versions = registry_.versions(call.functionName);
  if (versions.empty()) return call.fail(functionNotFound(settings_, call.functionName, ""));
  std::string next;
  auto items = page(
      versions, queryParameter(call.query, "Marker"),
      std::min(maxItems.value_or(kMaxVersionsPerPage), kMaxVersionsPerPage),
      [](const lambda::FunctionSpec& s) { return s.version; }, next);
  std::string body;
  JsonWriter w(body);
  w.beginObject();
  if (!next.empty()) w.field("NextMarker", next);
  w.key("Versions").beginArray();
  for (const auto* spec : items) {
    writeFunctionConfiguration(w, *spec, FunctionPhase::Settled, spec->version);
  }
  w.endArray().endObject();
  call.send(restJsonResponse(200, std::move(body), call.requestId));
}

void LambdaApi::createAlias(Call& call, HttpRequest&& request) {
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  AliasSettings settings;
  if (auto e = readAliasSettings(body, true, settings)) return call.fail(*e);
  lambda::FunctionAlias alias;
  alias.functionName = call.functionName;
  alias.name = *settings.name;
  settings.applyTo(alias);
  std::string name = alias.name;
  registry_.createAlias(std::move(alias),
                        [call, name, settings = settings_](lambda::AliasResult&& r) {
                          if (r.status != lambda::RegistryStatus::Ok) {
                            return call.fail(aliasRefusal(r, settings, call.functionName, name));
                          }
                          call.send(aliasResponse(201, r.alias, settings, call.requestId));
                        });
}

void LambdaApi::listAliases(Call& call) {
  std::optional<int> maxItems;
  if (auto e = readMaxItems(call.query, maxItems)) return call.fail(*e);
  std::string version = queryParameter(call.query, "FunctionVersion");
  if (!registry_.function(call.functionName)) {
    return call.fail(functionNotFound(settings_, call.functionName, ""));
  }
  auto aliases = registry_.aliases(call.functionName, version);
  std::string next;
  auto items = page(
      aliases, queryParameter(call.query, "Marker"), maxItems.value_or(10000),
      [](const lambda::FunctionAlias& a) { return a.name; }, next);
  std::string body;
  JsonWriter w(body);
  w.beginObject();
  if (!next.empty()) w.field("NextMarker", next);
  w.key("Aliases").beginArray();
  for (const auto* alias : items) {
    writeAliasConfiguration(w, *alias, settings_.region, settings_.accountId);
  }
  w.endArray().endObject();
  call.send(restJsonResponse(200, std::move(body), call.requestId));
}

void LambdaApi::getAlias(Call& call, const std::string& name) {
  if (auto e = checkAliasName(name)) return call.fail(*e);
  if (!registry_.function(call.functionName)) {
    return call.fail(functionNotFound(settings_, call.functionName, ""));
  }
  auto alias = registry_.alias(call.functionName, name);
  if (!alias) {
    return call.fail(aliasRefusal({lambda::RegistryStatus::AliasNotFound, {}, {}}, settings_,
                                  call.functionName, name));
  }
  call.send(aliasResponse(200, *alias, settings_, call.requestId));
}

void LambdaApi::updateAlias(Call& call, const std::string& name, HttpRequest&& request) {
  if (auto e = checkAliasName(name)) return call.fail(*e);
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  AliasSettings settings;
  if (auto e = readAliasSettings(body, false, settings)) return call.fail(*e);
  std::string revision = settings.revisionId.value_or("");
  registry_.updateAlias(
      call.functionName, name, revision,
      [settings](lambda::FunctionAlias& alias) { settings.applyTo(alias); },
      [call, name, settings = settings_](lambda::AliasResult&& r) {
        if (r.status != lambda::RegistryStatus::Ok) {
          return call.fail(aliasRefusal(r, settings, call.functionName, name));
        }
        call.send(aliasResponse(200, r.alias, settings, call.requestId));
      });
}

void LambdaApi::deleteAlias(Call& call, const std::string& name) {
  if (auto e = checkAliasName(name)) return call.fail(*e);
  registry_.deleteAlias(call.functionName, name,
                        [call, name, settings = settings_](lambda::AliasResult&& r) {
                          if (r.status != lambda::RegistryStatus::Ok) {
                            return call.fail(aliasRefusal(r, settings, call.functionName, name));
                          }
                          call.send(restJsonResponse(204, "", call.requestId));
                        });
}

}  // namespace nimbus::aws
