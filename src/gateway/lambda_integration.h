// REST API's non-proxy Lambda integration (type AWS, the Framework's `integration: lambda`): a
// request mapping template turns the request into the function's event, and the function's
// answer goes through the integration responses (a selection pattern matched against the
// error message, status code, header mappings and response templates). Pure functions, as the
// rest of the module; the caller invokes the function between the two halves.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"
#include "gateway/routes.h"
#include "gateway/vtl.h"

namespace nimbus::gateway {

// One integration response as written: the status it answers with, the regular expression
// selecting it ("" for the default one), the method response headers and their mapping
// expressions ("'text/html'", "integration.response.body.id"), and templates by content type.
struct IntegrationResponseSource {
  std::string statusCode;
  std::string selectionPattern;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> templates;
};

// What API Gateway does with a request whose Content-Type has no template.
enum class PassthroughBehavior { WhenNoMatch, Never, WhenNoTemplates };

struct LambdaIntegrationSource {
  std::vector<std::pair<std::string, std::string>> requestTemplates;  // Content type, template.
  PassthroughBehavior passthrough = PassthroughBehavior::Never;
  std::vector<IntegrationResponseSource> responses;  // In order; patterns are tried in it.
};

// The same with its templates parsed and patterns compiled, ready for requests.
class LambdaIntegration {
 public:
  // Fails with the first problem found ("request template application/json: line 2: ...").
  static std::variant<LambdaIntegration, std::string> compile(const LambdaIntegrationSource& src);

  struct Response {
    int statusCode = 200;
    std::optional<std::regex> pattern;  // None: the default response.
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::pair<std::string, std::shared_ptr<const vtl::Template>>> templates;
  };
  std::vector<std::pair<std::string, std::shared_ptr<const vtl::Template>>> requestTemplates;
  PassthroughBehavior passthrough = PassthroughBehavior::Never;
  std::vector<Response> responses;
};

// What the templates of one request see besides its body: $context, $input.params() and
// $stageVariables. Made once per request, kept for the response templates.
struct MappingContext {
  vtl::Value context;
  vtl::Value params;
  vtl::Value stageVariables;
};
MappingContext mappingContext(const HttpRequest& request, const RouteMatch& match,
                              const RequestContextInfo& info);

// The event the function receives, or the answer API Gateway gives instead: 415 when no
// template takes the Content-Type and passthrough is not allowed, 400 when a template reads a
// JSON body that is not JSON, 500 when a template fails or does not make JSON.
struct IntegrationRequest {
  std::optional<std::string> payload;
  HttpResponse refusal;
};
IntegrationRequest integrationRequest(const LambdaIntegration& integration,
                                      const HttpRequest& request, const MappingContext& mapping,
                                      const ResponseIds& ids);

// The client's answer from the function's: a function error's errorMessage selects the
// integration response whose pattern matches it in full (else the default one); a result
// takes the default one. Its template (by the Accept header, else application/json, else the
// first) renders the answer with $input over the function's payload; without one the payload
// passes through as application/json.
HttpResponse integrationResponse(const LambdaIntegration& integration, bool functionError,
                                 std::string_view payload, std::string_view accept,
                                 const MappingContext& mapping, const ResponseIds& ids);

namespace detail {
// $util.escapeJavaScript, as Java's StringEscapeUtils escapes: quotes, backslash and '/' get a
// backslash, control characters their short or \u form, everything past ASCII \uXXXX.
std::string escapeJavaScript(std::string_view s);
// A JSONPath of API Gateway's templates ($, $.a.b, $['a'], $.list[0], $.list[*]) into `root`;
// nullopt when the path does not parse.
std::optional<vtl::Value> jsonPath(const vtl::Value& root, std::string_view path);
}  // namespace detail

}  // namespace nimbus::gateway
