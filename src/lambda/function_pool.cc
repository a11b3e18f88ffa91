#include "lambda/function_pool.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "core/ids.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "observe/trace.h"
#include "observe/trace_recorder.h"

namespace nimbus::lambda {

namespace {

using Clock = std::chrono::steady_clock;

// Lambda allows a response of 6 MiB plus a little framing before it refuses it.
constexpr size_t kResponseSlackBytes = 100;

double millisBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// {"errorType":..., "errorMessage":"RequestId: <id> Error: <message>"}: the shape Lambda uses for
// errors that the platform, not the function, reports.
std::string platformError(std::string_view errorType, std::string_view requestId,
                          std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .field("errorType", errorType)
      .field("errorMessage", fmt::format("RequestId: {} Error: {}", requestId, message))
      .endObject();
  return out;
}

int64_t unixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse accepted() {
  return HttpResponse{202, {{"Content-Type", "application/json"}}, "{\"status\":\"OK\"}\n"};
}

HttpResponse runtimeApiError(int status, std::string_view type, std::string_view message) {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("errorMessage", message).field("errorType", type).endObject();
  body.push_back('\n');
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

// "Runtime.ImportModuleError" from a runtime's error body when the header is missing.
std::string errorTypeOf(std::string_view header, std::string_view body) {
  if (!header.empty()) return std::string(header);
  auto key = body.find("\"errorType\"");
  if (key != std::string_view::npos) {
    auto open = body.find('"', body.find(':', key) + 1);
    auto close = open == std::string_view::npos ? open : body.find('"', open + 1);
    if (close != std::string_view::npos)
      return std::string(body.substr(open + 1, close - open - 1));
  }
  return "Runtime.Unknown";
}

std::string runtimeVersionLine(const FunctionSpec& spec) {
  // "nodejs20.x" -> "nodejs:20", "python3.12" -> "python:3.12", "provided.al2023" ->
  // "provided:al2023"
  std::string runtime = spec.runtime;
  std::string family, version;
  if (runtime.rfind("nodejs", 0) == 0) {
    family = "nodejs";
    version = runtime.substr(6);
    if (auto x = version.find(".x"); x != std::string::npos) version.erase(x);
  } else if (runtime.rfind("python", 0) == 0) {
    family = "python";
    version = runtime.substr(6);
  } else {
    family = "provided";
    version = runtime.size() > 9 ? runtime.substr(9) : "al1";
  }
  std::string hex;
  for (char c : runtime) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
  hex.resize(64, '0');
  return fmt::format(
      "INIT_START Runtime Version: {}:{}.v1\tRuntime Version ARN: arn:aws:lambda:{}::runtime:{}",
      family, version, spec.region, hex);
}

// Queues `response` to be sent once the pool's lock is released.
void sendLater(std::vector<std::function<void()>>& later, http::Responder responder,
               HttpResponse response) {
  // std::function needs a copyable callable: the move-only pieces travel in shared_ptrs.
  later.push_back(
      [r = std::make_shared<http::Responder>(std::move(responder)),
       m = std::make_shared<HttpResponse>(std::move(response))] { r->send(std::move(*m)); });
}

}  // namespace

ServiceContext::ServiceContext(boost::asio::io_context& io, observe::LogStore& logs,
                               LambdaOptions opts)
    : io(io),
      logs(logs),
      options(std::move(opts)),
      catalog(options.runtimesDir),
      memory("nimbus-" + std::to_string(::getpid())),
      housekeeping(io) {}

FunctionPool::FunctionPool(ServiceContext& context, FunctionSpec spec)
    : context_(context),
      spec_(std::make_shared<const FunctionSpec>(std::move(spec))),
      counters_(context_.metrics.function(spec_->name)) {
  launch_ = context_.catalog.launch(spec_->runtime, spec_->codeDirectory);
}

std::vector<std::string> FunctionPool::environmentVariables(bool provisioned) const {
  const FunctionSpec& s = *spec_;
  std::vector<std::string> env;
  // The function's own variables first: the reserved ones below take precedence, as on Lambda,
  // which refuses to let configuration override them.
  for (const auto& [k, v] : s.environment) env.push_back(k + "=" + v);
  const char* path = std::getenv("PATH");
  env.push_back(std::string("PATH=") + (path ? path : "/usr/local/bin:/usr/bin:/bin"));
  env.push_back("LANG=en_US.UTF-8");
  env.push_back("TZ=:UTC");
  env.push_back("AWS_REGION=" + s.region);
  env.push_back("AWS_DEFAULT_REGION=" + s.region);
  env.push_back("AWS_LAMBDA_FUNCTION_NAME=" + s.name);
  env.push_back("AWS_LAMBDA_FUNCTION_VERSION=" + s.version);
  env.push_back("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(s.memorySizeMb));
  env.push_back("AWS_LAMBDA_LOG_GROUP_NAME=" + s.logGroup());
  env.push_back(std::string("AWS_LAMBDA_INITIALIZATION_TYPE=") +
                (provisioned ? "provisioned-concurrency" : "on-demand"));
  env.push_back("LAMBDA_TASK_ROOT=" + s.codeDirectory.string());
  env.push_back("LAMBDA_RUNTIME_DIR=" + context_.options.runtimesDir.string());
  env.push_back("_HANDLER=" + s.handler);
  if (launch_ && !launch_->executionEnv.empty()) {
    env.push_back("AWS_EXECUTION_ENV=" + launch_->executionEnv);
  }
  if (launch_) {
    for (const auto& [name, value] : launch_->environment) {
      bool own = std::any_of(s.environment.begin(), s.environment.end(),
                             [&](const auto& variable) { return variable.first == name; });
      if (!own) env.push_back(name + "=" + value);
    }
  }
  // Credentials of the function's role: placeholders that nimbus's own endpoint accepts, so
  // that AWS SDKs in handlers sign requests without extra setup.
  env.push_back("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE");
  env.push_back("AWS_SECRET_ACCESS_KEY=nimbus-local-secret");
  env.push_back("AWS_SESSION_TOKEN=nimbus-local-session");
  if (!context_.options.awsEndpointUrl.empty()) {
    env.push_back("AWS_ENDPOINT_URL=" + context_.options.awsEndpointUrl);
  }
  return env;
}

size_t FunctionPool::environmentCount() const {
  std::lock_guard lock(mutex_);
  return environments_.size();
}

void FunctionPool::invoke(Invocation&& invocation) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    std::shared_ptr<ExecutionEnvironment> env;
    // Provisioned environments take invocations first; the others are spill-over.
    auto provisioned = std::find_if(ready_.rbegin(), ready_.rend(), [](const auto& e) {
      return e->provisioned && e->state == ExecutionEnvironment::State::Ready;
    });
    if (provisioned != ready_.rend()) {
      env = *provisioned;
      ready_.erase(std::next(provisioned).base());
    }
    while (!ready_.empty() && !env) {
      env = ready_.back();
      ready_.pop_back();
      if (env->state != ExecutionEnvironment::State::Ready) env.reset();
    }
    if (env) {
      assign(env, std::move(invocation), later);
    } else {
      startEnvironment(std::move(invocation), later);
    }
  }
  for (auto& f : later) f();
}

std::shared_ptr<ExecutionEnvironment> FunctionPool::startEnvironment(Invocation&& invocation,
                                                                     Deferred& later) {
  auto env =
      std::make_shared<ExecutionEnvironment>(context_.io, spec_, weak_from_this(), context_.logs);
  coldStarts_.fetch_add(1);
  env->state = ExecutionEnvironment::State::Busy;
  std::string requestId = invocation.requestId;
  env->invocation = std::move(invocation);
  environments_.push_back(env);

  std::string error;
  std::string errorType;
  if (!spawn(env, errorType, error)) {
    env->state = ExecutionEnvironment::State::Dead;
    InvokeResult result;
    result.status = InvokeStatus::FunctionError;
    result.requestId = requestId;
    result.errorType = errorType;
    result.payload = platformError(errorType, requestId, error);
    logInitFailure(env, 0.0, errorType, later);
    complete(env, std::move(result), "Status: error\tError Type: " + errorType, later);
    remove(env);
    return env;
  }
  env->log(runtimeVersionLine(*spec_));
  // The init phase has its own limit; a runtime that never asks for work is abandoned.
  env->armDeadline(Clock::now() + context_.options.initTimeout, 0);
  return env;
}

bool FunctionPool::spawn(const std::shared_ptr<ExecutionEnvironment>& env, std::string& errorType,
                         std::string& error) {
  errorType = "Runtime.Unknown";
  if (!spec_->buildError.empty()) {
    // The handler could not be built, so Lambda's runtime would not find it: its error type,
    // with the reason.
    errorType = "Runtime.ImportModuleError";
    error = spec_->buildError;
    return false;
  }
  if (!launch_) {
    error = "Runtime " + spec_->runtime + " is not supported";
    return false;
  }
  if (launch_->family == RuntimeFamily::Provided && ::access(launch_->argv[0].c_str(), X_OK) != 0) {
    // Lambda's wording for a custom runtime package without an executable bootstrap.
    errorType = "Runtime.InvalidEntrypoint";
    error = "Couldn't find valid bootstrap(s): [" + launch_->argv[0] + "]";
    return false;
  }
  auto memory =
      context_.memory.create(spec_->name + "-" + std::to_string(++context_.nextEnvironmentId),
                             static_cast<uint64_t>(spec_->memorySizeMb) * 1024 * 1024);
  std::string spawnError;
  if (!env->start(launch_->argv, environmentVariables(env->provisioned), std::move(memory),
                  spawnError)) {
    error = "fork/exec " + launch_->argv[0] + ": " + spawnError;
    return false;
  }
  return true;
}

void FunctionPool::startProvisioned(Deferred& later) {
  auto env =
      std::make_shared<ExecutionEnvironment>(context_.io, spec_, weak_from_this(), context_.logs);
  env->state = ExecutionEnvironment::State::Starting;
  env->provisioned = true;
  env->coldStartReported = true;  // Its init is not any invocation's: no Init Duration.
  environments_.push_back(env);
  std::string errorType, error;
  if (!spawn(env, errorType, error)) {
    env->state = ExecutionEnvironment::State::Dead;
    remove(env);
    ++provisionFailures_;
    later.push_back([env, errorType, error] {
      env->log(error);
      env->log(fmt::format(
          "INIT_REPORT Init Duration: 0.00 ms\tPhase: init\tStatus: error\tError Type: {}",
          errorType));
    });
    return;
  }
  env->log(runtimeVersionLine(*spec_));
  env->armDeadline(Clock::now() + context_.options.initTimeout, 0);
}

void FunctionPool::provision(int count) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    provisionTarget_ = count;
    provisionFailures_ = 0;
    int alive = 0;
    for (auto& env : environments_) {
      if (!env->provisioned || env->state == ExecutionEnvironment::State::Dead) continue;
      if (alive < count) {
        ++alive;
      } else {
        env->provisioned = false;  // Beyond the new count: on-demand from now on.
        env->lastUsed = Clock::now();
      }
    }
    if (!retired_) {
      for (; alive < count; ++alive) startProvisioned(later);
    }
  }
  for (auto& f : later) f();
}

FunctionPool::Provisioned FunctionPool::provisioned() const {
  std::lock_guard lock(mutex_);
  Provisioned p;
  p.requested = provisionTarget_;
  p.failed = provisionFailures_;
  for (const auto& env : environments_) {
    if (env->provisioned && env->initialized && env->state != ExecutionEnvironment::State::Dead) {
      ++p.available;
      if (env->state == ExecutionEnvironment::State::Busy) ++p.busy;
    }
  }
  return p;
}

void FunctionPool::assign(const std::shared_ptr<ExecutionEnvironment>& env, Invocation&& invocation,
                          Deferred& later) {
  env->state = ExecutionEnvironment::State::Busy;
  env->invocation = std::move(invocation);
  env->delivered = false;
  if (env->pendingNext && !env->finishing) deliver(env, std::move(env->pendingNext), later);
  // Otherwise the runtime is between its last response and its next `GET next`; the invocation
  // is delivered when that request arrives.
}

void FunctionPool::deliver(const std::shared_ptr<ExecutionEnvironment>& env,
                           http::Responder responder, Deferred& later) {
  Invocation& inv = *env->invocation;
  env->delivered = true;
  ++env->generation;  // Generation 0 is the init phase; each delivery gets its own.
  env->invocationStartedAt = Clock::now();
  auto timeout = std::chrono::seconds(spec_->timeoutSeconds);
  auto deadlineWall = std::chrono::system_clock::now() + timeout;
  HttpResponse next;
  next.status = 200;
  next.headers.reserve(7);
  next.headers.push_back({"Content-Type", "application/json"});
  next.headers.push_back({"Lambda-Runtime-Aws-Request-Id", inv.requestId});
  next.headers.push_back({"Lambda-Runtime-Deadline-Ms", std::to_string(epochMillis(deadlineWall))});
  // The ARN the caller invoked: qualified with the version or alias it named, as on Lambda.
  next.headers.push_back(
      {"Lambda-Runtime-Invoked-Function-Arn",
       inv.request.qualifier.empty() ? spec_->arn() : spec_->arn() + ":" + inv.request.qualifier});
  // The function's own span continues the caller's trace (or starts one); what the function
  // calls next is its child.
  auto caller = observe::TraceContext::parse(inv.request.traceHeader);
  observe::TraceContext trace = caller ? *caller : observe::TraceContext::start();
  inv.traceRoot = trace.root;
  inv.parentSpanId = trace.parent;
  inv.spanId = observe::newSpanId();
  inv.startedNs = unixNanos();
  next.headers.push_back({"Lambda-Runtime-Trace-Id", trace.child(inv.spanId).header()});
  if (!inv.request.clientContext.empty()) {
    next.headers.push_back({"Lambda-Runtime-Client-Context", inv.request.clientContext});
  }
  if (!inv.request.cognitoIdentity.empty()) {
    next.headers.push_back({"Lambda-Runtime-Cognito-Identity", inv.request.cognitoIdentity});
  }
  next.body = std::move(inv.request.payload);  // The event is not needed after delivery.
  if (inv.request.tailLog) env->startCapture();
  env->log(fmt::format("START RequestId: {} Version: {}", inv.requestId, spec_->version));
  env->armDeadline(env->invocationStartedAt + timeout, env->generation);
  sendLater(later, std::move(responder), std::move(next));
}

void FunctionPool::complete(const std::shared_ptr<ExecutionEnvironment>& env, InvokeResult&& result,
                            std::string reportStatus, Deferred& later) {
  env->cancelDeadline();
  Invocation inv = std::move(*env->invocation);
  env->invocation.reset();
  SteadyTime now = Clock::now();
  bool wasDelivered = env->delivered;
  env->delivered = false;
  double duration = wasDelivered ? millisBetween(env->invocationStartedAt, now) : 0.0;
  std::optional<double> initDuration;
  if (!env->coldStartReported && env->initialized) {
    env->coldStartReported = true;
    initDuration = millisBetween(env->startedAt, env->initDoneAt);
  }
  result.executedVersion = spec_->version;
  int memorySize = spec_->memorySizeMb;
  // Served by provisioned concurrency, or by a standard environment while the version has some:
  // Lambda counts these apart (ProvisionedConcurrencyInvocations, ...SpilloverInvocations).
  bool provisioned = env->provisioned;
  bool spillover = !provisioned && provisionTarget_ > 0;
  // The caller is answered first; the log lines follow. Until they are written the environment
  // may take its next invocation but does not deliver it, so that its START never precedes
  // this END and REPORT in the stream.
  env->finishing = true;
  later.push_back([self = shared_from_this(), env, inv = std::move(inv), result = std::move(result),
                   duration, initDuration, memorySize, status = std::move(reportStatus),
                   wasDelivered, provisioned, spillover]() mutable {
    std::string requestId = inv.requestId;
    bool failed = result.status != InvokeStatus::Ok;
    bool tail = inv.request.tailLog;
    if (!tail) inv.done(std::move(result));
    env->drainLogs(env->state == ExecutionEnvironment::State::Dead);
    if (!wasDelivered) {
      if (tail) env->startCapture();
      // The invocation never reached the runtime (init failed): Lambda still frames it.
      env->log(fmt::format("START RequestId: {} Version: {}", requestId, env->spec().version));
    }
    env->log(fmt::format("END RequestId: {}", requestId));
    uint64_t peak = env->peakMemoryBytes();
    uint64_t usedMb = (peak + 1024 * 1024 - 1) / (1024 * 1024);
    if (usedMb > static_cast<uint64_t>(memorySize)) usedMb = static_cast<uint64_t>(memorySize);
    // Since August 2025 the init phase is billed too, so a cold start's billed duration
    // covers both phases.
    double billed = std::ceil(duration + initDuration.value_or(0.0));
    std::string report = fmt::format(
        "REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} MB\t"
        "Max Memory Used: {} MB\t",
        requestId, duration, static_cast<int64_t>(billed), memorySize, usedMb);
    if (initDuration) report += fmt::format("Init Duration: {:.2f} ms\t", *initDuration);
    report += status;
    env->log(std::move(report));
    observe::InvocationSample sample;
    sample.version = env->spec().version;
    sample.durationMs = duration;
    sample.coldStart = initDuration.has_value();
    sample.initDurationMs = initDuration.value_or(0.0);
    sample.error = failed;
    sample.memorySizeMb = memorySize;
    sample.billedMs = static_cast<int64_t>(billed);
    sample.provisioned = provisioned;
    sample.spillover = spillover;
    self->context_.metrics.recordInvocation(*self->counters_, sample);
    if (auto* traces = self->context_.traces.load(std::memory_order_acquire);
        traces && !inv.spanId.empty()) {
      observe::Span span;
      span.traceRoot = inv.traceRoot;
      span.spanId = inv.spanId;
      span.parentId = inv.parentSpanId;
      span.name = self->spec_->name;
      span.kind = "server";
      span.origin = "AWS::Lambda::Function";
      span.startNs = inv.startedNs;
      span.endNs = unixNanos();
      span.error = failed;
      span.attributes = {{"faas.name", self->spec_->name},
                         {"faas.version", self->spec_->version},
                         {"faas.invocation_id", requestId},
                         {"faas.coldstart", sample.coldStart ? "true" : "false"},
                         {"cloud.provider", "aws"},
                         {"cloud.region", self->spec_->region}};
      traces->record(std::move(span));
    }
    if (tail) {
      // Lambda's LogResult: the last 4 KB of the invocation's log.
      result.logTail = env->takeCapture(4096);
      inv.done(std::move(result));
    }
    self->finishedLogging(env);
  });
}

void FunctionPool::logInitFailure(const std::shared_ptr<ExecutionEnvironment>& env, double initMs,
                                  const std::string& errorType, Deferred& later) {
  later.push_back([env, initMs, errorType] {
    env->drainLogs(true);
    env->log(fmt::format(
        "INIT_REPORT Init Duration: {:.2f} ms\tPhase: init\tStatus: error\tError Type: {}", initMs,
        errorType));
  });
}

void FunctionPool::finishedLogging(const std::shared_ptr<ExecutionEnvironment>& env) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    env->finishing = false;
    if (env->state == ExecutionEnvironment::State::Busy && !env->delivered && env->pendingNext) {
      deliver(env, std::move(env->pendingNext), later);
    }
  }
  for (auto& f : later) f();
}

void FunctionPool::makeReady(const std::shared_ptr<ExecutionEnvironment>& env, Deferred& later) {
  env->lastUsed = Clock::now();
  if (env->retiring || retired_) {
    env->state = ExecutionEnvironment::State::Dead;
    later.push_back([env] { env->kill(); });
    return;
  }
  env->state = ExecutionEnvironment::State::Ready;
  ready_.push_back(env);
}

void FunctionPool::remove(const std::shared_ptr<ExecutionEnvironment>& env) {
  std::erase(environments_, env);
  std::erase(ready_, env);
}

void FunctionPool::onNext(const std::shared_ptr<ExecutionEnvironment>& env,
                          http::Responder responder) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    if (env->state == ExecutionEnvironment::State::Dead) return;  // Connection just closes.
    if (!env->initialized) {
      env->initialized = true;
      env->initDoneAt = Clock::now();
      env->cancelDeadline();  // The init-phase limit no longer applies.
    }
    if (env->state == ExecutionEnvironment::State::Starting) {
      // A provisioned environment has finished its init and waits for work.
      env->pendingNext = std::move(responder);
      makeReady(env, later);
      for (auto& f : later) f();
      return;
    }
    if (env->state == ExecutionEnvironment::State::Busy && !env->delivered && !env->finishing) {
      deliver(env, std::move(responder), later);
    } else {
      // Idle: the runtime now waits for work. (A runtime that asks again while its invocation
      // is running simply waits too.)
      env->pendingNext = std::move(responder);
    }
  }
  for (auto& f : later) f();
}

void FunctionPool::acceptResult(const std::shared_ptr<ExecutionEnvironment>& env,
                                const std::string& requestId, http::Responder responder,
                                const std::function<HttpResponse(InvokeResult&)>& fill) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    if (env->state != ExecutionEnvironment::State::Busy || !env->delivered ||
        env->invocation->requestId != requestId) {
      sendLater(later, std::move(responder),
                runtimeApiError(400, "InvalidRequestID", "Invalid request ID"));
    } else {
      InvokeResult result;
      result.requestId = requestId;
      HttpResponse reply = fill(result);
      // The runtime hears back first, so that it can ask for its next invocation at once.
      sendLater(later, std::move(responder), std::move(reply));
      complete(env, std::move(result), std::string(), later);
      makeReady(env, later);
    }
  }
  for (auto& f : later) f();
}

void FunctionPool::onResponse(const std::shared_ptr<ExecutionEnvironment>& env,
                              const std::string& requestId, std::string body,
                              http::Responder responder) {
  size_t limit = context_.options.maxResponseBytes + kResponseSlackBytes;
  acceptResult(env, requestId, std::move(responder), [&](InvokeResult& result) {
    if (body.size() <= limit) {
      result.status = InvokeStatus::Ok;
      result.payload = std::move(body);
      return accepted();
    }
    result.status = InvokeStatus::FunctionError;
    result.errorType = "Function.ResponseSizeTooLarge";
    JsonWriter(result.payload)
        .beginObject()
        .field(
            "errorMessage",
            fmt::format("Response payload size exceeded maximum allowed payload size ({} bytes).",
                        limit))
        .field("errorType", "Function.ResponseSizeTooLarge")
        .endObject();
    return runtimeApiError(413, "RequestEntityTooLarge",
                           fmt::format("Exceeded maximum allowed payload size ({} bytes).", limit));
  });
}

void FunctionPool::onError(const std::shared_ptr<ExecutionEnvironment>& env,
                           const std::string& requestId, std::string body, std::string errorType,
                           http::Responder responder) {
  acceptResult(env, requestId, std::move(responder), [&](InvokeResult& result) {
    result.status = InvokeStatus::FunctionError;
    result.errorType = errorTypeOf(errorType, body);
    result.payload = body.empty() ? platformError(result.errorType, requestId,
                                                  "Unknown application error occurred")
                                  : std::move(body);
    return accepted();
  });
}

void FunctionPool::onInitError(const std::shared_ptr<ExecutionEnvironment>& env, std::string body,
                               std::string errorType, http::Responder responder) {
  Deferred later;
  sendLater(later, std::move(responder), accepted());
  {
    std::lock_guard lock(mutex_);
    if (env->state != ExecutionEnvironment::State::Dead && !env->initialized) {
      std::string type = errorTypeOf(errorType, body);
      double initMs = millisBetween(env->startedAt, Clock::now());
      if (env->provisioned) ++provisionFailures_;
      env->state = ExecutionEnvironment::State::Dead;
      remove(env);
      logInitFailure(env, initMs, type, later);
      later.push_back([env] { env->kill(); });
      if (env->invocation) {
        InvokeResult result;
        result.requestId = env->invocation->requestId;
        result.status = InvokeStatus::FunctionError;
        result.errorType = type;
        result.payload = std::move(body);
        complete(env, std::move(result), "Status: error\tError Type: " + type, later);
      }
    }
  }
  for (auto& f : later) f();
}

void FunctionPool::onExit(const std::shared_ptr<ExecutionEnvironment>& env, int waitStatus) {
  Deferred later;
  std::optional<Invocation> redispatch;
  {
    std::lock_guard lock(mutex_);
    bool expected = env->state == ExecutionEnvironment::State::Dead;
    env->state = ExecutionEnvironment::State::Dead;
    env->cancelDeadline();
    remove(env);
    if (env->invocation) {
      if (!env->delivered && env->initialized) {
        // It died between invocations; the waiting invocation never reached it, so it goes to
        // another environment as if this one had never been chosen.
        redispatch = std::move(env->invocation);
        env->invocation.reset();
      } else {
        std::string requestId = env->invocation->requestId;
        bool oom = env->oomKilled();
        std::string type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        std::string message =
            WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == 0
                ? "Runtime exited without providing a reason"
                : "Runtime exited with error: " + ChildProcess::describeExit(waitStatus);
        InvokeResult result;
        result.requestId = requestId;
        result.status = InvokeStatus::FunctionError;
        result.errorType = type;
        result.payload = platformError(type, requestId, message);
        if (!env->initialized) {
          logInitFailure(env, millisBetween(env->startedAt, Clock::now()), type, later);
        }
        complete(env, std::move(result), "Status: error\tError Type: " + type, later);
      }
    } else if (!expected) {
      later.push_back([env] { env->drainLogs(true); });
    }
    if (env->provisioned && !expected) {
      // Lambda replaces a provisioned environment that is gone; one whose init never
      // succeeded is counted as failed instead of being started over and over.
      if (env->initialized && !retired_) {
        startProvisioned(later);
      } else if (!env->initialized) {
        ++provisionFailures_;
      }
    }
  }
  for (auto& f : later) f();
  if (redispatch) invoke(std::move(*redispatch));
}

void FunctionPool::onDeadline(const std::shared_ptr<ExecutionEnvironment>& env,
                              uint64_t generation) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    if (env->state == ExecutionEnvironment::State::Starting && generation == 0 &&
        !env->initialized) {
      // A provisioned environment whose init ran out of time.
      env->state = ExecutionEnvironment::State::Dead;
      env->timedOut = true;
      ++provisionFailures_;
      remove(env);
      later.push_back([env] { env->kill(); });
      logInitFailure(
          env, std::chrono::duration<double, std::milli>(context_.options.initTimeout).count(),
          "Sandbox.Timedout", later);
    } else {
      if (env->state != ExecutionEnvironment::State::Busy || env->generation != generation) return;
      if (generation == 0 ? env->initialized : !env->delivered) return;
      std::string requestId = env->invocation->requestId;
      env->state = ExecutionEnvironment::State::Dead;
      env->timedOut = true;
      remove(env);
      later.push_back([env] { env->kill(); });
      InvokeResult result;
      result.requestId = requestId;
      result.status = InvokeStatus::FunctionError;
      result.errorType = "Sandbox.Timedout";
      double seconds = generation == 0
                           ? std::chrono::duration<double>(context_.options.initTimeout).count()
                           : static_cast<double>(spec_->timeoutSeconds);
      result.payload = platformError("Sandbox.Timedout", requestId,
                                     fmt::format("Task timed out after {:.2f} seconds", seconds));
      complete(env, std::move(result), "Status: timeout", later);
    }
  }
  for (auto& f : later) f();
}

void FunctionPool::retire() {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    retired_ = true;
    for (auto& env : environments_) {
      if (env->state == ExecutionEnvironment::State::Ready) {
        env->state = ExecutionEnvironment::State::Dead;
        later.push_back([env] { env->kill(); });
      } else {
        env->retiring = true;
      }
    }
    ready_.clear();
  }
  for (auto& f : later) f();
}

void FunctionPool::shutdown() {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    retired_ = true;
    for (auto& env : environments_) {
      if (env->invocation) {
        InvokeResult result;
        result.requestId = env->invocation->requestId;
        result.status = InvokeStatus::ServiceError;
        result.errorType = "ServiceException";
        result.payload = R"({"Type":"Service","message":"nimbus is shutting down"})";
        complete(env, std::move(result), "Status: error\tError Type: Runtime.ExitError", later);
      }
      env->state = ExecutionEnvironment::State::Dead;
      later.push_back([env] { env->kill(); });
    }
    ready_.clear();
  }
  for (auto& f : later) f();
}

void FunctionPool::housekeeping(SteadyTime now) {
  Deferred later;
  {
    std::lock_guard lock(mutex_);
    for (auto& env : environments_) {
      if (env->state == ExecutionEnvironment::State::Ready && env->pendingNext &&
          !env->provisioned && now - env->lastUsed > context_.options.idleTimeout) {
        env->state = ExecutionEnvironment::State::Dead;
        std::erase(ready_, env);
        later.push_back([env] { env->kill(); });
      } else if (env->state == ExecutionEnvironment::State::Busy) {
        later.push_back([env] { env->pollMemory(); });
      }
    }
  }
  for (auto& f : later) f();
}

}  // namespace nimbus::lambda
