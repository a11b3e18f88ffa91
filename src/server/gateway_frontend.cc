#include "server/gateway_frontend.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <regex>

#include "core/ids.h"
#include "gateway/cors.h"
#include "gateway/jwt.h"
#include "gateway/lambda_authorizer.h"
#include "gateway/lambda_integration.h"
#include "gateway/lambda_proxy.h"
#include "gateway/resource_policy.h"
#include "gateway/verified_jwt_cache.h"
#include "lambda/invoker.h"
#include "observe/function_metrics.h"
#include "observe/trace.h"
#include "observe/trace_recorder.h"

namespace nimbus::server {

namespace {

using gateway::ApiKind;
using gateway::GatewayError;

// One request's state shared between the invocation callback and the integration timer:
// whichever finishes first answers.
struct Exchange {
  http::Responder responder;
  gateway::RequestContextInfo info;
  ApiKind kind = ApiKind::Http;
  std::string accept;
  bool httpApiPayloadV2 = true;  // An HTTP API route's integration format: how to read the answer.
  std::string origin;  // HTTP API with CORS: the request's Origin, for the response's headers.
  std::shared_ptr<const Deployment> deployment;
  const UsagePlans* usagePlans = nullptr;
  // An `integration: lambda` route: its integration (kept alive by `deployment`) and what its
  // response templates see of the request.
  const gateway::LambdaIntegration* integration = nullptr;
  std::unique_ptr<gateway::MappingContext> mapping;
  std::atomic<bool> answered{false};
  std::unique_ptr<boost::asio::steady_timer> timer;
  // The matched route's counters (null when no route matched), and when the request arrived.
  std::shared_ptr<observe::RouteCounters> route;
  observe::FunctionMetrics* metrics = nullptr;
  std::chrono::steady_clock::time_point arrived;
  // How long the integration (the function's invocation) took; negative when none answered.
  std::atomic<double> integrationMs{-1};
  // The request's span: it continues the caller's X-Amzn-Trace-Id or starts a trace, and the
  // integration's invocation is its child.
  observe::TraceRecorder* traces = nullptr;
  observe::TraceContext trace;
  std::string spanId;
  int64_t arrivedNs = 0;
  std::string spanName;

  std::string childTraceHeader() const { return trace.child(spanId).header(); }

  void answer(HttpResponse&& response) {
    if (answered.exchange(true)) return;
    if (timer) timer->cancel();
    if (route) {
      double latencyMs =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - arrived)
              .count();
      metrics->recordGatewayRequest(*route, response.status, latencyMs, integrationMs.load());
    }
    if (traces) {
      observe::Span span;
      span.traceRoot = trace.root;
      span.spanId = spanId;
      span.parentId = trace.parent;
      span.name = spanName;
      span.kind = "server";
      span.origin = "AWS::ApiGateway::Stage";
      span.startNs = arrivedNs;
      span.endNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
      span.error = response.status >= 500;
      span.attributes = {{"http.response.status_code", std::to_string(response.status)},
                         {"aws.api_gateway.api_id", info.apiId},
                         {"aws.api_gateway.stage", info.stage}};
      traces->record(std::move(span));
    }
    // API Gateway's CORS headers go on every HTTP API answer, its own errors included.
    if (kind == ApiKind::Http && deployment->httpApiCors) {
      gateway::applyHttpApiCors(*deployment->httpApiCors, origin, response);
    }
    responder.send(std::move(response));
  }
};

// API Gateway's checks between routing and the integration, in its order: throttling, then
// (REST) the resource policy. Returns the answer that ends the request, if any. A method that
// requires an API key is throttled after its key's usage plan (in dispatch()).
std::optional<HttpResponse> protect(const Deployment& d, const HttpRequest& request,
                                    const gateway::RoutedRequest& routed,
                                    const gateway::RequestContextInfo& info) {
  const gateway::Route& route = *routed.match->route;
  const RouteGuard& guard = d.guards[route.guard];
  if (guard.limiter && !guard.apiKeyRequired && !guard.limiter->tryAcquire()) {
    return gateway::errorResponse(routed.kind, GatewayError::Throttled, gateway::responseIds(info));
  }
  if (routed.kind == ApiKind::Rest && d.resourcePolicy) {
    std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
    std::string arn = gateway::methodArn(d.policyScope, info.stage, request.method,
                                         gateway::splitRestPath(path, info.stage).path);
    if (!d.resourcePolicy->allows(arn, request.sourceIp)) {
      return gateway::resourcePolicyDenial(arn, gateway::responseIds(info));
    }
  }
  return std::nullopt;
}

enum class AuthStep { Allowed, Answered, NeedKeys };

// An HTTP API route's JWT authorizer. Without the token's key at hand, asks for the keys to be
// fetched when `mayFetch`, else refuses as API Gateway does for a kid its issuer does not list.
AuthStep authorize(Exchange& exchange, const HttpRequest& request, const RouteGuard& guard,
                   bool mayFetch) {
  std::string scratch;
  const gateway::JwtAuthorizerSpec& spec = guard.jwt->spec();
  std::string_view token = gateway::jwtIdentity(spec, request, scratch);
  auto keys = guard.jwt->keys();
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  gateway::JwtDecision decision = gateway::authorizeJwtCached(spec, token, guard.jwtScopes, keys,
                                                              guard.jwt->verifiedTokens(), now);
  if (decision.outcome == gateway::JwtOutcome::Allowed) {
    exchange.info.authorizer = std::move(decision.authorizerJson);
    return AuthStep::Allowed;
  }
  if (decision.outcome == gateway::JwtOutcome::UnknownKey && mayFetch) return AuthStep::NeedKeys;
  exchange.answer(
      gateway::jwtRefusal(decision, guard.jwtScopes, gateway::responseIds(exchange.info)));
  return AuthStep::Answered;
}

// A request waiting for its authorizer's keys.
struct PendingRequest {
  PendingRequest(HttpRequest&& r, gateway::RoutedRequest&& m)
      : request(std::move(r)), routed(std::move(m)) {}
  HttpRequest request;
  gateway::RoutedRequest routed;
};

void dispatch(boost::asio::io_context& io, lambda::LambdaService& lambda,
              const std::shared_ptr<Exchange>& exchange, const HttpRequest& request,
              const gateway::RoutedRequest& routed);

// The ARN an authorizer judges: REST's method ARN (the stage, the method, the path as
// requested), or an HTTP API's route ARN (stage $default).
std::string authorizerArn(const Deployment& d, const HttpRequest& request,
                          const gateway::RoutedRequest& routed,
                          const gateway::RequestContextInfo& info) {
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (routed.kind == ApiKind::Rest) {
    return gateway::methodArn(d.policyScope, info.stage, request.method,
                              gateway::splitRestPath(path, info.stage).path);
  }
  return gateway::methodArn(d.policyScope, "$default", request.method, path);
}

// The request without its body, at `target`.
HttpRequest withoutBody(const HttpRequest& request, std::string target) {
  return {request.method,   std::move(target), request.headers, {},
          request.sourceIp, request.protocol};
}

// The event a REQUEST authorizer gets is the route's proxy event of its payload version, less
// the body. An HTTP API authorizer of payload 1.0 gets the REST shape, stage "$default".
std::string requestAuthorizerEvent(const gateway::LambdaAuthorizerSpec& spec,
                                   const HttpRequest& request, const gateway::RoutedRequest& routed,
                                   const gateway::RequestContextInfo& info, std::string_view arn,
                                   const std::vector<std::string>& identity) {
  std::string integrationEvent;
  if (routed.kind == ApiKind::Rest) {
    integrationEvent =
        gateway::buildRestEvent(withoutBody(request, request.target), *routed.match, info, {});
  } else if (spec.payloadV2) {
    integrationEvent =
        gateway::buildHttpApiEvent(withoutBody(request, request.target), *routed.match, info);
  } else {
    gateway::RequestContextInfo restInfo = info;
    restInfo.stage = "$default";
    integrationEvent = gateway::buildRestEvent(withoutBody(request, "/$default" + request.target),
                                               *routed.match, restInfo, {});
  }
  return gateway::requestAuthorizerEvent(spec, integrationEvent, arn, identity);
}

// What an authorizer function's invocation result means: its answer read, or the error that
// refuses the request ("Unauthorized" thrown by the function is API Gateway's signal for 401).
std::shared_ptr<const gateway::AuthorizerVerdict> verdictOf(
    const Deployment& d, const gateway::LambdaAuthorizerSpec& spec,
    const lambda::InvokeResult& result, gateway::AuthorizerOutcome& failure) {
  failure = gateway::AuthorizerOutcome::Failed;
  if (result.status == lambda::InvokeStatus::FunctionError &&
      gateway::isUnauthorizedError(result.payload)) {
    failure = gateway::AuthorizerOutcome::Unauthorized;
  }
  if (result.status != lambda::InvokeStatus::Ok) return nullptr;
  auto verdict = std::make_shared<gateway::AuthorizerVerdict>(
      gateway::parseAuthorizerAnswer(spec, result.payload, d.policyScope));
  return verdict;
}

// A route's Lambda authorizer: the identity, the cached answer or the function's, then the
// integration (dispatch) or API Gateway's refusal. Answers from the function arrive on a Lambda
// thread and continue on an I/O thread.
void authorizeWithLambda(boost::asio::io_context& io, lambda::LambdaService& lambda,
                         const std::shared_ptr<Exchange>& exchange, HttpRequest&& request,
                         gateway::RoutedRequest&& routed,
                         const std::shared_ptr<AuthorizerCache>& authorizer) {
  const Deployment& d = *exchange->deployment;
  const gateway::LambdaAuthorizerSpec& spec = authorizer->spec();
  auto refuse = [&](gateway::AuthorizerOutcome outcome) {
    exchange->answer(
        gateway::authorizerRefusal(routed.kind, outcome, gateway::responseIds(exchange->info)));
  };
  auto identity = gateway::identityValues(spec, request, exchange->info);
  if (!identity) return refuse(gateway::AuthorizerOutcome::Unauthorized);
  if (spec.tokenPattern && !std::regex_match((*identity)[0], *spec.tokenPattern)) {
    return refuse(gateway::AuthorizerOutcome::Unauthorized);
  }
  std::string arn = authorizerArn(d, request, routed, exchange->info);
  std::string key = gateway::authorizerCacheKey(*identity);
  if (auto cached = authorizer->find(key, AuthorizerCache::Clock::now())) {
    auto outcome = gateway::decideAuthorizer(*cached, arn, request.sourceIp);
    if (outcome != gateway::AuthorizerOutcome::Allowed) return refuse(outcome);
    exchange->info.authorizer = gateway::authorizerContextJson(routed.kind, *cached, 0);
    dispatch(io, lambda, exchange, request, routed);
    return;
  }

  lambda::InvokeRequest invoke;
  invoke.functionName = spec.functionName;
  invoke.qualifier = spec.qualifier;
  invoke.traceHeader = exchange->childTraceHeader();
  invoke.payload = spec.tokenType ? gateway::tokenAuthorizerEvent((*identity)[0], arn)
                                  : requestAuthorizerEvent(spec, request, routed, exchange->info,
                                                           arn, *identity);
  auto pending = std::make_shared<PendingRequest>(std::move(request), std::move(routed));
  auto started = AuthorizerCache::Clock::now();
  // The frontend (and with it the I/O context and the Lambda service) outlives its requests.
  boost::asio::io_context* ioPtr = &io;
  lambda::LambdaService* lambdaPtr = &lambda;
  lambda.invoke(std::move(invoke), [ioPtr, lambdaPtr, exchange, pending, authorizer,
                                    key = std::move(key), arn = std::move(arn),
                                    started](lambda::InvokeResult&& result) {
    boost::asio::post(*ioPtr, [ioPtr, lambdaPtr, exchange, pending, authorizer, key, arn, started,
                               result = std::move(result)] {
      auto now = AuthorizerCache::Clock::now();
      gateway::AuthorizerOutcome failure;
      auto verdict = verdictOf(*exchange->deployment, authorizer->spec(), result, failure);
      gateway::AuthorizerOutcome outcome = failure;
      if (verdict) {
        authorizer->remember(key, verdict, now);
        outcome = gateway::decideAuthorizer(*verdict, arn, pending->request.sourceIp);
      }
      if (outcome != gateway::AuthorizerOutcome::Allowed) {
        exchange->answer(gateway::authorizerRefusal(pending->routed.kind, outcome,
                                                    gateway::responseIds(exchange->info)));
        return;
      }
      auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
      exchange->info.authorizer =
          gateway::authorizerContextJson(pending->routed.kind, *verdict, latency);
      dispatch(*ioPtr, *lambdaPtr, exchange, pending->request, pending->routed);
    });
  });
}

// The integration: size checks, the event, the invocation and the mapping of its answer.
void dispatch(boost::asio::io_context& io, lambda::LambdaService& lambda,
              const std::shared_ptr<Exchange>& exchange, const HttpRequest& request,
              const gateway::RoutedRequest& routed) {
  auto& info = exchange->info;
  if (request.body.size() > gateway::kApiPayloadLimit) {
    exchange->answer(gateway::errorResponse(routed.kind, GatewayError::RequestTooLarge,
                                            gateway::responseIds(info)));
    return;
  }
  // After any authorizer: the API key, its usage plan's throttle and quota.
  if (const RouteGuard& guard = exchange->deployment->guards[routed.match->route->guard];
      guard.apiKeyRequired) {
    auto refusal =
        exchange->usagePlans
            ? exchange->usagePlans->admit(request, guard.limiter.get(), info)
            : gateway::apiKeyRefusal(gateway::ApiKeyOutcome::Forbidden, gateway::responseIds(info));
    if (refusal) {
      exchange->answer(std::move(*refusal));
      return;
    }
  }
  const GatewayTarget& target = exchange->deployment->targets[routed.match->route->target];
  if (target.restCors) {
    exchange->answer(gateway::restPreflightResponse(
        exchange->deployment->restCors[*target.restCors], request, gateway::responseIds(info)));
    return;
  }
  std::string event;
  if (routed.kind == ApiKind::Http) {
    // The function's integration format (httpApi.payload), as the Framework compiles it into
    // its PayloadFormatVersion.
    exchange->httpApiPayloadV2 = target.httpApiPayloadV2;
    event = target.httpApiPayloadV2 ? gateway::buildHttpApiEvent(request, *routed.match, info)
                                    : gateway::buildHttpApiV1Event(request, *routed.match, info);
  } else if (target.lambdaIntegration) {
    if (const HttpHeader* accept = findHeader(request.headers, "Accept")) {
      exchange->accept = accept->value;
    }
    exchange->integration = target.lambdaIntegration.get();
    exchange->mapping = std::make_unique<gateway::MappingContext>(
        gateway::mappingContext(request, *routed.match, info));
    auto mapped = gateway::integrationRequest(*exchange->integration, request, *exchange->mapping,
                                              gateway::responseIds(info));
    if (!mapped.payload) {
      exchange->answer(std::move(mapped.refusal));
      return;
    }
    event = std::move(*mapped.payload);
  } else {
    if (const HttpHeader* accept = findHeader(request.headers, "Accept")) {
      exchange->accept = accept->value;
    }
    event = gateway::buildRestEvent(request, *routed.match, info,
                                    exchange->deployment->binaryMediaTypes);
  }

  // API Gateway stops waiting after its integration timeout even when the function may run
  // longer (HTTP API 30 s, REST 29 s); only then is a timer worth its cost.
  int integrationTimeout =
      routed.kind == ApiKind::Http ? gateway::kHttpApiTimeoutSeconds : gateway::kRestTimeoutSeconds;
  if (target.timeoutSeconds >= integrationTimeout) {
    exchange->timer = std::make_unique<boost::asio::steady_timer>(io);
    exchange->timer->expires_after(std::chrono::seconds(integrationTimeout));
    exchange->timer->async_wait([exchange](boost::system::error_code ec) {
      if (ec) return;
      exchange->answer(gateway::errorResponse(exchange->kind, GatewayError::IntegrationTimeout,
                                              gateway::responseIds(exchange->info)));
    });
  }

  lambda::InvokeRequest invoke;
  invoke.functionName = target.functionName;
  invoke.payload = std::move(event);
  invoke.traceHeader = exchange->childTraceHeader();
  auto integrationStarted = std::chrono::steady_clock::now();
  lambda.invoke(std::move(invoke), [exchange, integrationStarted](lambda::InvokeResult&& result) {
    exchange->integrationMs = std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - integrationStarted)
                                  .count();
    if (exchange->answered.load()) return;
    auto ids = gateway::responseIds(exchange->info);
    switch (result.status) {
      case lambda::InvokeStatus::Ok:
        if (exchange->integration) {
          exchange->answer(gateway::integrationResponse(*exchange->integration, false,
                                                        result.payload, exchange->accept,
                                                        *exchange->mapping, ids));
        } else if (exchange->kind == ApiKind::Http) {
          exchange->answer(exchange->httpApiPayloadV2
                               ? gateway::mapHttpApiResponse(result.payload, ids)
                               : gateway::mapHttpApiV1Response(result.payload, ids));
        } else {
          exchange->answer(gateway::mapRestResponse(result.payload, ids, exchange->accept,
                                                    exchange->deployment->binaryMediaTypes));
        }
        return;
      case lambda::InvokeStatus::FunctionError:
        // A non-proxy integration selects its response by the error's message.
        if (exchange->integration && result.errorType != "Function.ResponseSizeTooLarge") {
          exchange->answer(gateway::integrationResponse(*exchange->integration, true,
                                                        result.payload, exchange->accept,
                                                        *exchange->mapping, ids));
          return;
        }
        exchange->answer(gateway::errorResponse(exchange->kind,
                                                result.errorType == "Function.ResponseSizeTooLarge"
                                                    ? GatewayError::ResponseTooLarge
                                                    : GatewayError::FunctionError,
                                                ids));
        return;
      case lambda::InvokeStatus::Throttled:
        exchange->answer(
            gateway::errorResponse(exchange->kind, GatewayError::LambdaThrottled, ids));
        return;
      case lambda::InvokeStatus::RequestTooLarge:
        exchange->answer(gateway::errorResponse(exchange->kind, GatewayError::EventTooLarge, ids));
        return;
      case lambda::InvokeStatus::NotFound:
      case lambda::InvokeStatus::ServiceError:
        exchange->answer(gateway::errorResponse(exchange->kind, GatewayError::InternalError, ids));
        return;
    }
  });
}

}  // namespace

GatewayFrontend::GatewayFrontend(boost::asio::io_context& io, lambda::LambdaService& lambda)
    : io_(io), lambda_(lambda) {}

void GatewayFrontend::setDeployment(std::shared_ptr<const Deployment> deployment) {
  std::lock_guard lock(mutex_);
  deployment_ = std::move(deployment);
}

std::shared_ptr<const Deployment> GatewayFrontend::deployment() const {
  std::lock_guard lock(mutex_);
  return deployment_;
}

void GatewayFrontend::handle(HttpRequest&& request, http::Responder responder) {
  auto deployment = this->deployment();
  auto exchange = std::make_shared<Exchange>();
  exchange->responder = std::move(responder);
  exchange->deployment = deployment;
  exchange->usagePlans = usagePlans_;
  exchange->arrived = std::chrono::steady_clock::now();
  auto& info = exchange->info;
  info.apiId = deployment->apiId;
  info.stage = deployment->project.stage;
  info.time = std::chrono::system_clock::now();
  const HttpHeader* host = findHeader(request.headers, "Host");
  info.domainName = host ? host->value : "127.0.0.1";

  gateway::RoutedRequest routed = deployment->routes.route(request.method, request.target);
  exchange->kind = routed.kind;
  // API Gateway continues the caller's trace (X-Amzn-Trace-Id) or starts one; its own span is
  // the parent of the integration's invocation.
  const HttpHeader* incomingTrace = findHeader(request.headers, "X-Amzn-Trace-Id");
  auto callerTrace = incomingTrace ? observe::TraceContext::parse(incomingTrace->value)
                                   : std::optional<observe::TraceContext>();
  exchange->trace = callerTrace ? *callerTrace : observe::TraceContext::start();
  exchange->spanId = observe::newSpanId();
  exchange->traces = traces_;
  exchange->arrivedNs =
      std::chrono::duration_cast<std::chrono::nanoseconds>(info.time.time_since_epoch()).count();
  exchange->spanName = request.method + " " + request.target.substr(0, request.target.find('?'));
  if (routed.kind == ApiKind::Http) {
    info.requestId = gateway::newGatewayRequestId();
  } else {
    info.requestId = newUuid();
    info.extendedRequestId = gateway::newGatewayRequestId();
    info.traceId = exchange->childTraceHeader();
  }
  if (routed.kind == ApiKind::Http && deployment->httpApiCors) {
    if (const HttpHeader* origin = findHeader(request.headers, "Origin")) {
      exchange->origin = origin->value;
    }
    // API Gateway answers preflights itself, unless an OPTIONS route of the API's own takes them.
    if (gateway::isCorsPreflight(request) &&
        !(routed.match && routed.match->route->method == "OPTIONS")) {
      HttpResponse preflight = gateway::httpApiPreflightResponse(
          *deployment->httpApiCors, exchange->origin, gateway::responseIds(info));
      exchange->responder.send(std::move(preflight));
      return;
    }
  }
  if (!routed.match) {
    exchange->answer(
        gateway::errorResponse(routed.kind, GatewayError::NoRoute, gateway::responseIds(info)));
    return;
  }
  exchange->metrics = &lambda_.metrics();
  // CloudWatch names an HTTP API by its id, a REST API by its name (the Framework's default,
  // "{stage}-{service}").
  exchange->route =
      routed.kind == ApiKind::Http
          ? exchange->metrics->route("http", deployment->apiId, routed.match->routeKey)
          : exchange->metrics->route("rest",
                                     deployment->project.stage + "-" + deployment->project.service,
                                     routed.match->routeKey);
  if (auto refusal = protect(*deployment, request, routed, info)) {
    exchange->answer(std::move(*refusal));
    return;
  }
  const RouteGuard& guard = deployment->guards[routed.match->route->guard];
  if (guard.lambdaAuthorizer) {
    authorizeWithLambda(io_, lambda_, exchange, std::move(request), std::move(routed),
                        guard.lambdaAuthorizer);
    return;
  }
  if (guard.jwt && routed.kind == ApiKind::Http) {
    switch (authorize(*exchange, request, guard, true)) {
      case AuthStep::Allowed:
        break;
      case AuthStep::Answered:
        return;
      case AuthStep::NeedKeys: {
        // The issuer's keys are fetched off this thread; the request resumes on an I/O thread
        // once they are in (or the fetch failed, or refetching is rate limited).
        auto pending = std::make_shared<PendingRequest>(std::move(request), std::move(routed));
        boost::asio::io_context* io = &io_;
        lambda::LambdaService* lambda = &lambda_;
        guard.jwt->refresh([io, lambda, exchange, pending] {
          boost::asio::post(*io, [io, lambda, exchange, pending] {
            const RouteGuard& g = exchange->deployment->guards[pending->routed.match->route->guard];
            if (authorize(*exchange, pending->request, g, false) != AuthStep::Allowed) return;
            dispatch(*io, *lambda, exchange, pending->request, pending->routed);
          });
        });
        return;
      }
    }
  }
  dispatch(io_, lambda_, exchange, request, routed);
}

}  // namespace nimbus::server
