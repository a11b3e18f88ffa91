#include "aws/lambda/version_request.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/url.h"

namespace nimbus::aws {

namespace {

using Json = nlohmann::json;

// A double as Java prints it in the service's validation messages: "0.5", "2.0".
std::string javaDouble(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

bool isFunctionVersion(const std::string& v) {
  return v == "$LATEST" || lambda::isVersionNumber(v);
}

std::optional<ApiError> readRouting(const Json& body, AliasSettings& out) {
  auto it = body.find("RoutingConfig");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) {
    return ApiError{400, "InvalidRequestContentException",
                    "Could not parse request body into json: 'RoutingConfig' must be an object"};
  }
  out.routingGiven = true;
  auto weights = it->find("AdditionalVersionWeights");
  if (weights == it->end() || weights->is_null()) return std::nullopt;
  if (!weights->is_object()) {
    return ApiError{400, "InvalidRequestContentException",
                    "Could not parse request body into json: 'AdditionalVersionWeights' must be "
                    "an object"};
  }
  if (weights->size() > 1) {
    return ApiError{400, "InvalidParameterValueException",
                    "Number of items in AdditionalVersionWeights cannot be greater than 1"};
  }
  for (const auto& [version, weight] : weights->items()) {
    if (!weight.is_number()) {
      return ApiError{400, "InvalidRequestContentException",
                      "Could not parse request body into json: a weight in "
                      "'AdditionalVersionWeights' must be a number"};
    }
    double value = weight.get<double>();
    std::string shown = fmt::format("{{{}={}}}", version, javaDouble(value));
    if (!(value >= 0.0 && value <= 1.0)) {
      return validationError(shown, "routingConfig.additionalVersionWeights",
                             "Map value must satisfy constraint: [Member must have value less "
                             "than or equal to 1.0, Member must have value greater than or "
                             "equal to 0.0, Member must not be null]");
    }
    if (!lambda::isVersionNumber(version)) {
      return validationError(shown, "routingConfig.additionalVersionWeights",
                             "Map keys must satisfy constraint: [Member must have length less "
                             "than or equal to 1024, Member must have length greater than or "
                             "equal to 1, Member must satisfy regular expression pattern: "
                             "[0-9]+, Member must not be null]");
    }
    out.additionalVersion = version;
    out.additionalWeight = value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> checkQualifier(const std::string& qualifier) {
  static const std::regex kQualifier("[a-zA-Z0-9$_-]*");
  if (qualifier.size() > 128) {
    return validationError(qualifier, "qualifier",
                           "Member must have length less than or equal to 128");
  }
  if (!std::regex_match(qualifier, kQualifier)) {
    return validationError(qualifier, "qualifier",
                           "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
  }
  return std::nullopt;
}

std::optional<ApiError> checkAliasName(const std::string& name) {
  static const std::regex kAlias("[a-zA-Z0-9_-]+");
  if (name.size() > 128) {
    return validationError(name, "name", "Member must have length less than or equal to 128");
  }
  if (!std::regex_match(name, kAlias) || lambda::isVersionNumber(name)) {
    return validationError(
        name, "name",
        "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  }
  return std::nullopt;
}

std::optional<ApiError> readPublishVersion(const Json& body, lambda::PublishRequest& out) {
  std::optional<std::string> codeSha256, revisionId;
  if (auto e = readString(body, "CodeSha256", "codeSha256", codeSha256)) return e;
  if (auto e = readString(body, "RevisionId", "revisionId", revisionId)) return e;
  if (auto e = readString(body, "Description", "description", out.description)) return e;
  if (out.description && out.description->size() > 256) {
    return validationError(*out.description, "description",
                           "Member must have length less than or equal to 256");
  }
  out.codeSha256 = codeSha256.value_or("");
  out.revisionId = revisionId.value_or("");
  return std::nullopt;
}

void AliasSettings::applyTo(lambda::FunctionAlias& alias) const {
  if (functionVersion) alias.functionVersion = *functionVersion;
  if (description) alias.description = *description;
  if (routingGiven) {
    alias.additionalVersion = additionalVersion;
    alias.additionalWeight = additionalVersion.empty() ? 0 : additionalWeight;
  }
}

std::optional<ApiError> readAliasSettings(const Json& body, bool create, AliasSettings& out) {
  if (create) {
    if (auto e = readString(body, "Name", "name", out.name)) return e;
    if (!out.name) return missing("name");
    if (auto e = checkAliasName(*out.name)) return e;
  }
  if (auto e = readString(body, "FunctionVersion", "functionVersion", out.functionVersion)) {
    return e;
  }
  if (create && !out.functionVersion) return missing("functionVersion");
  if (out.functionVersion && !isFunctionVersion(*out.functionVersion)) {
    return validationError(*out.functionVersion, "functionVersion",
                           "Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)");
  }
  if (auto e = readString(body, "Description", "description", out.description)) return e;
  if (out.description && out.description->size() > 256) {
    return validationError(*out.description, "description",
                           "Member must have length less than or equal to 256");
  }
  if (!create) {
    if (auto e = readString(body, "RevisionId", "revisionId", out.revisionId)) return e;
  }
  return readRouting(body, out);
}

std::optional<ApiError> readMaxItems(const std::string& query, std::optional<int>& out) {
  std::string raw = queryParameter(query, "MaxItems");
  if (raw.empty()) return std::nullopt;
  if (raw.size() > 9 || raw.find_first_not_of("0123456789") != std::string::npos) {
    return validationError(raw, "maxItems", "Member must have value less than or equal to 10000");
  }
  int value = std::stoi(raw);
  if (value < 1) {
    return validationError(raw, "maxItems", "Member must have value greater than or equal to 1");
  }
  if (value > 10000) {
    return validationError(raw, "maxItems", "Member must have value less than or equal to 10000");
  }
  out = value;
  return std::nullopt;
}

}  // namespace nimbus::aws
