// What a rule's target receives: the event itself, a constant `Input`, the part an `InputPath`
// selects, or what an `InputTransformer` makes of it (InputPathsMap variables substituted into
// InputTemplate). JSON paths are the subset EventBridge accepts: `$`, dot notation with letters,
// digits, dashes and underscores, array indices and `*`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::aws::events {

// Why a JSON path, a template or a paths map is refused (PutTargets' ValidationException text).
std::optional<std::string> checkJsonPath(std::string_view path);

struct InputTransformer {
  std::vector<std::pair<std::string, std::string>> inputPathsMap;  // variable -> JSON path
  std::string inputTemplate;
};

// The checks PutTargets makes on a transformer: paths valid, at most 100 variables, names not
// reserved ("aws." prefix), and a JSON-looking template (starting with '{') valid JSON once every
// placeholder is replaced.
std::optional<std::string> checkInputTransformer(const InputTransformer& transformer);

// The value `path` selects in `eventJson`, as JSON text; nullopt when nothing is there. A path
// with `*` selects a JSON array of every match.
std::optional<std::string> selectJsonPath(std::string_view eventJson, std::string_view path);

// What the rule knows beyond the event, for the predefined variables.
struct TransformContext {
  std::string ruleArn;
  std::string ruleName;
  std::string ingestionTime;  // ISO 8601, when the event was received.
};

// Applies a transformer. In a JSON template a placeholder inside a string is replaced by the
// value's text (strings without their quotes, escaped for the string they land in), and outside
// one by the value as JSON (null when the path selects nothing); in any other template every
// placeholder is replaced by the value's text.
std::string applyInputTransformer(const InputTransformer& transformer, std::string_view eventJson,
                                  const TransformContext& context);

}  // namespace nimbus::aws::events
