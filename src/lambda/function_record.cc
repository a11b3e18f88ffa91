// The store's JSON form of API-created functions, their versions and aliases, and
// EventInvokeConfigs. Readers accept records written by older nimbus versions: missing members
// take their defaults.
#include <nlohmann/json.hpp>

#include "lambda/function_registry.h"

namespace nimbus::lambda {

namespace {

using Json = nlohmann::json;

int64_t toMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point fromMillis(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

Json optionalInt(const std::optional<int>& value) {
  return value ? Json(*value) : Json(nullptr);
}

std::optional<int> readOptionalInt(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

std::string encodeFunctionRecord(const FunctionSpec& spec) {
  Json environment = Json::array();
  for (const auto& [k, v] : spec.environment) environment.push_back(Json::array({k, v}));
  Json record = {
      {"name", spec.name},
      {"handler", spec.handler},
      {"runtime", spec.runtime},
      {"memorySizeMb", spec.memorySizeMb},
      {"timeoutSeconds", spec.timeoutSeconds},
      {"environment", environment},
      {"codeDirectory", spec.codeDirectory.string()},
      {"region", spec.region},
      {"accountId", spec.accountId},
      {"description", spec.description},
      {"lastModifiedMs", toMillis(spec.lastModified)},
      {"role", spec.role},
      {"codeSha256", spec.codeSha256},
      {"codeSize", spec.codeSize},
      {"revisionId", spec.revisionId},
      {"architecture", spec.architecture},
      {"deadLetterTargetArn", spec.deadLetterTargetArn},
      {"version", spec.version},
      {"sourceRevisionId", spec.sourceRevisionId},
      {"reservedConcurrency", optionalInt(spec.reservedConcurrency)},
  };
  return record.dump();
}

std::optional<FunctionSpec> decodeFunctionRecord(const std::string& value) {
  Json record = Json::parse(value, nullptr, false);
  if (!record.is_object() || !record.contains("name") || !record["name"].is_string()) {
    return std::nullopt;
  }
  try {
    FunctionSpec spec;
    spec.origin = FunctionOrigin::Api;
    spec.name = record["name"].get<std::string>();
    spec.shortName = spec.name;
    spec.handler = record.value("handler", "");
    spec.runtime = record.value("runtime", "");
    spec.memorySizeMb = record.value("memorySizeMb", 128);
    spec.timeoutSeconds = record.value("timeoutSeconds", 3);
    for (const auto& pair : record.value("environment", Json::array())) {
      spec.environment.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
    }
    spec.codeDirectory = record.value("codeDirectory", "");
    spec.region = record.value("region", spec.region);
    spec.accountId = record.value("accountId", spec.accountId);
    spec.reservedConcurrency = readOptionalInt(record, "reservedConcurrency");
    spec.description = record.value("description", "");
    spec.lastModified = fromMillis(record.value("lastModifiedMs", int64_t{0}));
    spec.role = record.value("role", "");
    spec.codeSha256 = record.value("codeSha256", "");
    spec.codeSize = record.value("codeSize", int64_t{0});
    spec.revisionId = record.value("revisionId", "");
    spec.architecture = record.value("architecture", spec.architecture);
    spec.deadLetterTargetArn = record.value("deadLetterTargetArn", "");
    spec.version = record.value("version", spec.version);
    spec.sourceRevisionId = record.value("sourceRevisionId", "");
    return spec;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::string encodeAliasRecord(const FunctionAlias& alias) {
  Json record = {
      {"functionName", alias.functionName},
      {"name", alias.name},
      {"functionVersion", alias.functionVersion},
      {"description", alias.description},
      {"additionalVersion", alias.additionalVersion},
      {"additionalWeight", alias.additionalWeight},
      {"revisionId", alias.revisionId},
  };
  return record.dump();
}

std::optional<FunctionAlias> decodeAliasRecord(const std::string& value) {
  Json record = Json::parse(value, nullptr, false);
  if (!record.is_object()) return std::nullopt;
  try {
    FunctionAlias alias;
    alias.functionName = record.at("functionName").get<std::string>();
    alias.name = record.at("name").get<std::string>();
    alias.functionVersion = record.at("functionVersion").get<std::string>();
    alias.description = record.value("description", "");
    alias.additionalVersion = record.value("additionalVersion", "");
    alias.additionalWeight = record.value("additionalWeight", 0.0);
    alias.revisionId = record.value("revisionId", "");
    return alias;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::string encodeEventInvokeConfig(const EventInvokeConfig& config) {
  Json record = {
      {"maximumRetryAttempts", optionalInt(config.maximumRetryAttempts)},
      {"maximumEventAgeSeconds", optionalInt(config.maximumEventAgeSeconds)},
      {"onSuccess", config.onSuccess},
      {"onFailure", config.onFailure},
      {"lastModifiedMs", toMillis(config.lastModified)},
  };
  return record.dump();
}

std::optional<EventInvokeConfig> decodeEventInvokeConfig(const std::string& value) {
  Json record = Json::parse(value, nullptr, false);
  if (!record.is_object()) return std::nullopt;
  try {
    EventInvokeConfig config;
    config.maximumRetryAttempts = readOptionalInt(record, "maximumRetryAttempts");
    config.maximumEventAgeSeconds = readOptionalInt(record, "maximumEventAgeSeconds");
    config.onSuccess = record.value("onSuccess", "");
    config.onFailure = record.value("onFailure", "");
    config.lastModified = fromMillis(record.value("lastModifiedMs", int64_t{0}));
    return config;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace nimbus::lambda
