// The Lambda runtime names nimbus knows, runs, or knows and does not run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::config {

// Why `runtime` cannot be used ("unknown runtime ...", "... is not supported by nimbus"), or
// nullopt when nimbus runs it.
std::optional<std::string> runtimeProblem(std::string_view runtime);

// provided, provided.al2, provided.al2023: the handler string is the bootstrap's business, so
// nimbus does not check its form.
bool isProvidedRuntime(std::string_view runtime);

// Environment variables Lambda sets itself and refuses in a function's configuration
// (AWS_REGION, _HANDLER, LAMBDA_TASK_ROOT, TZ, ...).
bool isReservedEnvironmentName(std::string_view name);

}  // namespace nimbus::config
