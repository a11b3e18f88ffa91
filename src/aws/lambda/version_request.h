// The members of PublishVersion and the alias operations, and qualifiers, parsed and checked as
// Lambda checks them (the service model's constraints answer ValidationException, Lambda's own
// rules InvalidParameterValueException).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "aws/lambda/function_request.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

// A Qualifier (query parameter or ARN suffix): ValidationException unless it matches the
// model's (|[a-zA-Z0-9$_-]+), at most 128 characters.
std::optional<ApiError> checkQualifier(const std::string& qualifier);

// An alias name (path or body): ValidationException unless it matches the model's
// (?!^[0-9]+$)([a-zA-Z0-9-_]+), 1-128 characters.
std::optional<ApiError> checkAliasName(const std::string& name);

// PublishVersion's CodeSha256, Description and RevisionId.
std::optional<ApiError> readPublishVersion(const nlohmann::json& body, lambda::PublishRequest& out);

// What CreateAlias or UpdateAlias asks for; unset members leave the alias as it is.
struct AliasSettings {
  std::optional<std::string> name;             // CreateAlias only.
  std::optional<std::string> functionVersion;  // "$LATEST" or a version number.
  std::optional<std::string> description;
  std::optional<std::string> revisionId;  // UpdateAlias's precondition.
  // RoutingConfig, when given: the second version and its weight, or none (an empty
  // AdditionalVersionWeights removes the routing).
  bool routingGiven = false;
  std::string additionalVersion;
  double additionalWeight = 0;

  void applyTo(lambda::FunctionAlias& alias) const;
};

// Reads and checks CreateAlias's body (`create`: Name and FunctionVersion required) or
// UpdateAlias's.
std::optional<ApiError> readAliasSettings(const nlohmann::json& body, bool create,
                                          AliasSettings& out);

// MaxItems of the list operations, when present: 1-10000 (ValidationException outside).
std::optional<ApiError> readMaxItems(const std::string& query, std::optional<int>& out);

}  // namespace nimbus::aws
