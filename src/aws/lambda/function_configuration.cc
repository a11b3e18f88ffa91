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

void writeFunctionConfiguration(JsonWriter& w, const lambda::FunctionSpec& spec) {
  // Functions deployed from a folder have no zip: their CodeSha256 identifies the deployment
  // (code revision and configuration) instead, so that it changes exactly when they do.
  std::string identity = fmt::format("{}\n{}\n{}\n{}", spec.name, spec.codeDirectory.string(),
                                     spec.handler, spec.codeRevision);
  w.beginObject()
      .field("FunctionName", spec.name)
      .field("FunctionArn", spec.arn())
      .field("Runtime", spec.runtime)
      .field("Role", fmt::format("arn:aws:iam::{}:role/{}-{}-lambdaRole", spec.accountId, spec.name,
                                 spec.region))
      .field("Handler", spec.handler)
      .field("CodeSize", int64_t{0})
      .field("Description", spec.description)
      .field("Timeout", spec.timeoutSeconds)
      .field("MemorySize", spec.memorySizeMb)
      .field("LastModified", lambdaTimestamp(spec.lastModified))
      .field("CodeSha256", base64Encode(sha256(identity)))
      .field("Version", spec.version);
  w.key("Environment").beginObject().key("Variables").beginObject();
  for (const auto& [k, v] : spec.environment) w.field(k, v);
  w.endObject().endObject();
  w.key("TracingConfig").beginObject().field("Mode", "PassThrough").endObject();
  w.field("State", "Active").field("LastUpdateStatus", "Successful").field("PackageType", "Zip");
  w.key("Architectures").beginArray().string("x86_64").endArray();
  w.key("EphemeralStorage").beginObject().field("Size", 512).endObject();
  w.key("LoggingConfig")
      .beginObject()
      .field("LogFormat", "Text")
      .field("LogGroup", spec.logGroup())
      .endObject();
  w.endObject();
}

}  // namespace nimbus::aws
