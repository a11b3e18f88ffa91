// Lambda's FunctionConfiguration JSON for a function the core runs.
#pragma once

#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "lambda/function_spec.h"

namespace nimbus::aws {

// Where a function stands in Lambda's state machine when its configuration is written.
enum class FunctionPhase {
  Settled,   // Active, last update Successful: every read.
  Creating,  // The CreateFunction answer: State Pending.
  Updating,  // The Update* answers: LastUpdateStatus InProgress.
};

// `arnQualifier`, when not empty, qualifies FunctionArn (":3", ":$LATEST", ":live"), as Lambda
// answers for a version, or for a request that named a qualifier.
void writeFunctionConfiguration(JsonWriter& w, const lambda::FunctionSpec& spec,
                                FunctionPhase phase = FunctionPhase::Settled,
                                std::string_view arnQualifier = {});

// Lambda's AliasConfiguration: AliasArn, Name, FunctionVersion, Description, RoutingConfig (when
// it routes to a second version) and RevisionId.
void writeAliasConfiguration(JsonWriter& w, const lambda::FunctionAlias& alias,
                             const std::string& region, const std::string& accountId);

// "2026-11-28T03:10:00.000+0000", Lambda's LastModified form.
std::string lambdaTimestamp(std::chrono::system_clock::time_point t);

}  // namespace nimbus::aws
