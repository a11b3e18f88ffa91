// One execution environment: a runtime process, its own Runtime API endpoint on loopback, its
// log pipes, its memory limit and its invocation deadline. The scheduling state (which
// invocation it runs, whether its runtime waits in `next`) belongs to its FunctionPool and is
// guarded by the pool's mutex; this class owns the I/O.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/server.h"
#include "lambda/child_process.h"
#include "lambda/function_spec.h"
#include "lambda/invoker.h"
#include "lambda/memory_limit.h"
#include "observe/log_store.h"

namespace nimbus::lambda {

class FunctionPool;

using SteadyTime = std::chrono::steady_clock::time_point;

// An accepted invocation waiting for, or running on, an environment.
struct Invocation {
  std::string requestId;
  InvokeRequest request;
  InvokeCallback done;
  // The invocation's span in its trace, set when it is delivered.
  std::string traceRoot;
  std::string spanId;
  std::string parentSpanId;
  int64_t startedNs = 0;
};

class ExecutionEnvironment : public std::enable_shared_from_this<ExecutionEnvironment> {
 public:
  enum class State {
    Starting,  // Process started; its runtime has not asked for work yet (init phase).
    Ready,     // Initialized and without an invocation: may take one.
    Busy,      // Has an invocation (delivered once the runtime asks for it).
    Dead,      // Exited, killed or retired; awaits removal.
  };

  ExecutionEnvironment(boost::asio::io_context& io, std::shared_ptr<const FunctionSpec> spec,
                       std::weak_ptr<FunctionPool> pool, observe::LogStore& logs);
  ~ExecutionEnvironment();

  // Opens the Runtime API endpoint and starts the runtime process. False with `error` set if
  // either fails (the environment is then Dead).
  bool start(const std::vector<std::string>& argv, std::vector<std::string> environment,
             std::unique_ptr<MemoryLimit> memory, std::string& error);

  // Kills the runtime's process group. Exit is then observed as for any other exit.
  void kill();

  // Reads whatever the runtime has written so far into the log stream; a trailing partial line
  // is kept for later unless `flushPartial`.
  void drainLogs(bool flushPartial = false);
  // Appends one platform line (START, END, REPORT, ...) to the log stream.
  void log(std::string text);

  // Starts keeping a copy of the lines logged from now on (LogType: Tail).
  void startCapture();
  // The lines kept since startCapture, at most the last `maxBytes`; stops keeping them.
  std::string takeCapture(size_t maxBytes);

  // Arms the invocation deadline; `generation` ties the timer to one invocation.
  void armDeadline(SteadyTime deadline, uint64_t generation);
  void cancelDeadline();

  // The larger of the limit's own peak and the runtime's resident high-water mark: a cgroup
  // charges only pages the environment brought into memory, while Lambda's figure counts the
  // runtime's whole resident set, shared libraries included.
  uint64_t peakMemoryBytes() const;
  bool oomKilled() const { return memory_ && memory_->oomKilled(); }
  void pollMemory() {
    if (memory_ && process_) memory_->poll(process_->pid());
  }

  const FunctionSpec& spec() const { return *spec_; }
  const std::shared_ptr<const FunctionSpec>& specPtr() const { return spec_; }
  const std::string& logStream() const { return logStream_; }
  uint16_t runtimeApiPort() const { return runtimeApiPort_; }

  // Scheduling state, guarded by the owning FunctionPool's mutex.
  State state = State::Starting;
  std::optional<Invocation> invocation;  // Set while Busy.
  bool delivered = false;                // The runtime has received `invocation`.
  http::Responder pendingNext;           // The runtime's open `GET next`, if any.
  uint64_t generation = 0;               // Bumped per invocation, for stale timers.
  bool initialized = false;              // The runtime asked for work at least once.
  bool retiring = false;                 // Stop instead of going Ready again.
  bool coldStartReported = false;        // Init Duration already reported in a REPORT.
  // Provisioned concurrency: initialized before any invocation, kept however long it idles.
  bool provisioned = false;
  bool timedOut = false;
  bool finishing = false;        // END/REPORT of the last invocation not yet written.
  std::string initErrorPayload;  // What the runtime posted to /init/error.
  std::string initErrorType;
  SteadyTime startedAt{};
  SteadyTime initDoneAt{};
  SteadyTime invocationStartedAt{};
  SteadyTime lastUsed{};

 private:
  void handleRuntimeApi(HttpRequest&& request, http::Responder responder);
  void watchExit();
  void watchPipe(boost::asio::posix::stream_descriptor& pipe, std::string& partial);
  // Reads until the pipe is empty and logs complete lines. True at end of file.
  bool readPipe(int fd, std::string& partial, bool flushPartial);

  boost::asio::io_context& io_;
  std::shared_ptr<const FunctionSpec> spec_;
  std::weak_ptr<FunctionPool> pool_;
  observe::LogStore& logs_;
  std::string logStream_;
  std::unique_ptr<http::HttpServer> runtimeApi_;
  uint16_t runtimeApiPort_ = 0;
  std::optional<ChildProcess> process_;
  std::unique_ptr<MemoryLimit> memory_;
  std::optional<boost::asio::posix::stream_descriptor> exitWatch_;
  std::optional<boost::asio::posix::stream_descriptor> stdoutPipe_;
  std::optional<boost::asio::posix::stream_descriptor> stderrPipe_;
  boost::asio::steady_timer deadline_;
  std::mutex logMutex_;  // Serializes pipe reads so that lines keep their order.
  std::mutex captureMutex_;
  bool capturing_ = false;
  std::string capture_;
  std::string stdoutPartial_;
  std::string stderrPartial_;
};

}  // namespace nimbus::lambda
