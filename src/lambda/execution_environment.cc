#include "lambda/execution_environment.h"

#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "core/ids.h"
#include "core/time_format.h"
#include "lambda/function_pool.h"

namespace nimbus::lambda {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kInitError = "/2018-06-01/runtime/init/error";

HttpResponse jsonResponse(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

}  // namespace

ExecutionEnvironment::ExecutionEnvironment(asio::io_context& io,
                                           std::shared_ptr<const FunctionSpec> spec,
                                           std::weak_ptr<FunctionPool> pool,
                                           observe::LogStore& logs)
    : io_(io), spec_(std::move(spec)), pool_(std::move(pool)), logs_(logs), deadline_(io) {
  // "2026/11/28/[$LATEST]" followed by 32 hex digits, as Lambda names log streams.
  logStream_ =
      logStreamDate(std::chrono::system_clock::now()) + "/[" + spec_->version + "]" + randomHex(32);
}

ExecutionEnvironment::~ExecutionEnvironment() {
  if (runtimeApi_) runtimeApi_->stop();
}

bool ExecutionEnvironment::start(const std::vector<std::string>& argv,
                                 std::vector<std::string> environment,
                                 std::unique_ptr<MemoryLimit> memory, std::string& error) {
  http::ServerLimits limits;
  // Oversized responses are refused by the handler with Lambda's own error, so the transport
  // limit sits well above the 6 MB payload limit.
  limits.maxBodyBytes = 64 * 1024 * 1024;
  std::weak_ptr<ExecutionEnvironment> weak = weak_from_this();
  runtimeApi_ = std::make_unique<http::HttpServer>(
      io_,
      [weak](HttpRequest&& request, http::Responder responder) {
        if (auto self = weak.lock())
          self->handleRuntimeApi(std::move(request), std::move(responder));
      },
      limits);
  runtimeApiPort_ = runtimeApi_->listen("127.0.0.1", 0, error);
  if (runtimeApiPort_ == 0) return false;

  environment.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(runtimeApiPort_));
  environment.push_back("AWS_LAMBDA_LOG_STREAM_NAME=" + logStream_);
  memory_ = std::move(memory);
  SpawnOptions options;
  options.argv = argv;
  options.environment = std::move(environment);
  options.workingDirectory = spec_->codeDirectory.string();
  options.cgroupProcsFile = memory_ ? memory_->procsFile() : std::string();
  startedAt = std::chrono::steady_clock::now();
  process_ = ChildProcess::spawn(options, error);
  if (!process_) return false;

  stdoutPipe_.emplace(io_, process_->takeStdoutFd());
  stderrPipe_.emplace(io_, process_->takeStderrFd());
  watchPipe(*stdoutPipe_, stdoutPartial_);
  watchPipe(*stderrPipe_, stderrPartial_);
  watchExit();
  return true;
}

uint64_t ExecutionEnvironment::peakMemoryBytes() const {
  uint64_t peak = memory_ ? memory_->peakBytes() : 0;
  if (!process_) return peak;
  std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      peak = std::max<uint64_t>(peak, std::stoull(line.substr(6)) * 1024);
      break;
    }
  }
  return peak;
}

void ExecutionEnvironment::kill() {
  if (process_) process_->killGroup();
}

void ExecutionEnvironment::watchExit() {
  if (!exitWatch_) {
    int pidFd = process_->takePidFd();
    if (pidFd < 0) {
      // Kernels without pidfd_open (before 5.3) are not supported: exits would go unnoticed.
      log("nimbus: this kernel has no pidfd_open; runtime exits cannot be observed");
      return;
    }
    exitWatch_.emplace(io_, pidFd);
  }
  exitWatch_->async_wait(asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](boost::system::error_code ec) {
                           if (ec) return;
                           // Only waitpid tells for sure that the runtime has exited; a
                           // readiness report without it is not an exit.
                           auto status = self->process_->tryReap();
                           if (!status) {
                             self->watchExit();
                             return;
                           }
                           if (auto pool = self->pool_.lock()) pool->onExit(self, *status);
                         });
}

void ExecutionEnvironment::watchPipe(asio::posix::stream_descriptor& pipe, std::string& partial) {
  pipe.async_wait(asio::posix::stream_descriptor::wait_read,
                  [self = shared_from_this(), &pipe, &partial](boost::system::error_code ec) {
                    if (ec) return;
                    bool eof;
                    {
                      std::lock_guard lock(self->logMutex_);
                      eof = self->readPipe(pipe.native_handle(), partial, false);
                      if (eof) self->readPipe(pipe.native_handle(), partial, true);
                    }
                    if (!eof) self->watchPipe(pipe, partial);
                  });
}

bool ExecutionEnvironment::readPipe(int fd, std::string& partial, bool flushPartial) {
  char buf[16384];
  bool eof = false;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      partial.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) eof = true;
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: nothing more for now.
  }
  size_t begin = 0;
  for (size_t nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n', begin)) {
    log(partial.substr(begin, nl - begin));
    begin = nl + 1;
  }
  partial.erase(0, begin);
  if ((flushPartial || eof) && !partial.empty()) {
    log(std::move(partial));
    partial.clear();
  }
  return eof;
}

void ExecutionEnvironment::drainLogs(bool flushPartial) {
  std::lock_guard lock(logMutex_);
  if (stdoutPipe_) readPipe(stdoutPipe_->native_handle(), stdoutPartial_, flushPartial);
  if (stderrPipe_) readPipe(stderrPipe_->native_handle(), stderrPartial_, flushPartial);
}

void ExecutionEnvironment::startCapture() {
  std::lock_guard lock(captureMutex_);
  capturing_ = true;
  capture_.clear();
}

std::string ExecutionEnvironment::takeCapture(size_t maxBytes) {
  std::lock_guard lock(captureMutex_);
  capturing_ = false;
  std::string out = std::move(capture_);
  capture_.clear();
  if (out.size() > maxBytes) out.erase(0, out.size() - maxBytes);
  return out;
}

void ExecutionEnvironment::log(std::string text) {
  if (!text.empty() && text.back() == '\r') text.pop_back();
  {
    std::lock_guard lock(captureMutex_);
    if (capturing_) {
      capture_ += text;
      capture_.push_back('\n');
    }
  }
  logs_.append(observe::LogLine{spec_->logGroup(), logStream_, spec_->shortName, std::move(text)});
}

void ExecutionEnvironment::armDeadline(SteadyTime deadline, uint64_t forGeneration) {
  deadline_.expires_at(deadline);
  deadline_.async_wait([weak = weak_from_this(), forGeneration](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    if (auto pool = self->pool_.lock()) pool->onDeadline(self, forGeneration);
  });
}

void ExecutionEnvironment::cancelDeadline() {
  deadline_.cancel();
}

void ExecutionEnvironment::handleRuntimeApi(HttpRequest&& request, http::Responder responder) {
  auto pool = pool_.lock();
  if (!pool) {
    responder.send(jsonResponse(
        500, R"({"errorMessage":"environment is shutting down","errorType":"ServiceException"})"));
    return;
  }
  std::string_view path = request.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  auto self = shared_from_this();
  if (path.substr(0, kInvocationPrefix.size()) == kInvocationPrefix) {
    std::string_view rest = path.substr(kInvocationPrefix.size());
    if (rest == "next") {
      if (request.method != "GET") {
        responder.send(jsonResponse(
            405, R"({"errorMessage":"Method Not Allowed","errorType":"MethodNotAllowed"})"));
        return;
      }
      pool->onNext(self, std::move(responder));
      return;
    }
    auto slash = rest.find('/');
    if (slash != std::string_view::npos && request.method == "POST") {
      std::string requestId(rest.substr(0, slash));
      std::string_view action = rest.substr(slash + 1);
      if (action == "response") {
        pool->onResponse(self, requestId, std::move(request.body), std::move(responder));
        return;
      }
      if (action == "error") {
        const HttpHeader* type = findHeader(request.headers, "Lambda-Runtime-Function-Error-Type");
        pool->onError(self, requestId, std::move(request.body), type ? type->value : std::string(),
                      std::move(responder));
        return;
      }
    }
  } else if (path == kInitError && request.method == "POST") {
    const HttpHeader* type = findHeader(request.headers, "Lambda-Runtime-Function-Error-Type");
    pool->onInitError(self, std::move(request.body), type ? type->value : std::string(),
                      std::move(responder));
    return;
  }
  responder.send(jsonResponse(404, R"({"errorMessage":"Not Found","errorType":"NotFound"})"));
}

}  // namespace nimbus::lambda
