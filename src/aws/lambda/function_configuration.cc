#include "aws/lambda/function_configuration.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/hash.h"
#include "core/time_format.h"

namespace nimbus::aws {

std::string lambdaTimestamp(std::chrono::system_clock::time_point t) {
  std::string iso = isoTimeMillis(t);  // "2026-11-28T03:10:00.000Z"
  iso.pop_back();
  return iso + "+0000";
}

void writeFunctionConfiguration(JsonWriter& w, const lambda::FunctionSpec& spec,
                                FunctionPhase phase, std::string_view arnQualifier) {
  std::string arn = spec.arn();
  if (!arnQualifier.empty()) arn += ":" + std::string(arnQualifier);
  w.beginObject()
      .field("FunctionName", spec.name)
      .field("FunctionArn", arn)
      .field("Runtime", spec.runtime)
      .field("Role", spec.role)
      .field("Handler", spec.handler)
      .field("CodeSize", spec.codeSize)
      .field("Description", spec.description)
      .field("Timeout", spec.timeoutSeconds)
      .field("MemorySize", spec.memorySizeMb)
      .field("LastModified", lambdaTimestamp(spec.lastModified))
      .field("CodeSha256", spec.codeSha256)
      .field("Version", spec.version);
  w.key("Environment").beginObject().key("Variables").beginObject();
  for (const auto& [k, v] : spec.environment) w.field(k, v);
  w.endObject().endObject();
  if (!spec.deadLetterTargetArn.empty()) {
    w.key("DeadLetterConfig")
        .beginObject()
        .field("TargetArn", spec.deadLetterTargetArn)
        .endObject();
  }
  w.key("TracingConfig").beginObject().field("Mode", "PassThrough").endObject();
  w.field("RevisionId", spec.revisionId);
  // What Lambda reports right after the change: CreateFunction answers while the function is
  // still Pending, updates while LastUpdateStatus is InProgress. nimbus is ready at once, so
  // the next read shows Active / Successful.
  switch (phase) {
    case FunctionPhase::Creating:
      w.field("State", "Pending")
          .field("StateReason", "The function is being created.")
          .field("StateReasonCode", "Creating");
      break;
    case FunctionPhase::Updating:
      w.field("State", "Active")
          .field("LastUpdateStatus", "InProgress")
          .field("LastUpdateStatusReason", "The function is being created.")
          .field("LastUpdateStatusReasonCode", "Creating");
      break;
    case FunctionPhase::Settled:
      w.field("State", "Active").field("LastUpdateStatus", "Successful");
      break;
  }
  w.field("PackageType", "Zip");
  w.key("Architectures").beginArray().string(spec.architecture).endArray();
  w.key("EphemeralStorage").beginObject().field("Size", 512).endObject();
  w.key("SnapStart")
      .beginObject()
      .field("ApplyOn", "None")
      .field("OptimizationStatus", "Off")
      .endObject();
  w.key("LoggingConfig")
      .beginObject()
      .field("LogFormat", "Text")
      .field("LogGroup", spec.logGroup())
      .endObject();
  w.endObject();
}

void writeAliasConfiguration(JsonWriter& w, const lambda::FunctionAlias& alias,
                             const std::string& region, const std::string& accountId) {
  w.beginObject()
      .field("AliasArn", lambda::FunctionSpec::functionArn(region, accountId, alias.functionName) +
                             ":" + alias.name)
      .field("Name", alias.name)
      .field("FunctionVersion", alias.functionVersion)
      .field("Description", alias.description);
  if (!alias.additionalVersion.empty()) {
    w.key("RoutingConfig").beginObject().key("AdditionalVersionWeights").beginObject();
    w.key(alias.additionalVersion).number(alias.additionalWeight);
    w.endObject().endObject();
  }
  w.field("RevisionId", alias.revisionId).endObject();
}

}  // namespace nimbus::aws
