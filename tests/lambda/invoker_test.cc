// Exercises the Lambda core with real processes: a scripted custom runtime (fixtures/scripted)
// driven by its events, started, reused, scaled, killed and limited by the real service.
#include "lambda/invoker.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "observe/log_store.h"

namespace nimbus::lambda {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class InvokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dataDir_ = fs::temp_directory_path() /
               ("nimbus-invoker-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dataDir_);
    fs::create_directories(dataDir_);
    logs_ = std::make_unique<observe::LogStore>(dataDir_, nullptr);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    if (service_) service_->stop();
    service_.reset();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    logs_.reset();
    fs::remove_all(dataDir_);
  }

  void startService(LambdaOptions options = {}) {
    options.runtimesDir = fs::path(NIMBUS_SOURCE_DIR) / "runtimes";
    service_ = std::make_unique<LambdaService>(io_, *logs_, options);
  }

  FunctionSpec scripted(std::vector<std::pair<std::string, std::string>> env = {}) {
    FunctionSpec spec;
    spec.name = "svc-dev-scripted";
    spec.shortName = "scripted";
    spec.handler = "unused";
    spec.runtime = "provided.al2023";
    spec.memorySizeMb = 128;
    spec.timeoutSeconds = 3;
    spec.codeDirectory = fs::path(NIMBUS_SOURCE_DIR) / "tests/lambda/fixtures/scripted";
    spec.environment = std::move(env);
    return spec;
  }

  InvokeResult invoke(const std::string& payload, const std::string& name = "svc-dev-scripted") {
    return invokeAsync(payload, name).get();
  }

  std::future<InvokeResult> invokeAsync(const std::string& payload,
                                        const std::string& name = "svc-dev-scripted") {
    auto promise = std::make_shared<std::promise<InvokeResult>>();
    auto future = promise->get_future();
    service_->invoke(InvokeRequest{name, payload, {}, {}},
                     [promise](InvokeResult&& r) { promise->set_value(std::move(r)); });
    return future;
  }

  // Log lines are written after the caller has its answer: waits (bounded) until `needle` is
  // in the logs, then returns them all.
  std::string logsOnceContaining(const std::string& needle) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string logs = allLogs();
    while (logs.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
      logs = allLogs();
    }
    return logs;
  }

  // Every log line written for the function so far, across its streams, oldest first.
  std::string allLogs() {
    std::promise<std::string> found;
    logs_->read([&found](observe::LogDatabase* db) {
      std::string out;
      for (const auto& group : db->groups("", "", 1000)) {
        observe::FilterQuery query;
        query.group = group.name;
        auto page = db->filter(query);
        if (!page) continue;
        for (const auto& event : page->events) out += event.message + "\n";
      }
      found.set_value(std::move(out));
    });
    return found.get_future().get();
  }

  fs::path dataDir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<observe::LogStore> logs_;
  std::unique_ptr<LambdaService> service_;
};

TEST_F(InvokerTest, ColdStartThenWarmReuseOfTheSameEnvironment) {
  startService();
  service_->deploy({scripted({{"MY_SETTING", "on"}})});
  auto first = invoke(R"({"n":1})");
  ASSERT_EQ(first.status, InvokeStatus::Ok) << first.payload;
  auto second = invoke(R"({"n":2})");
  ASSERT_EQ(second.status, InvokeStatus::Ok) << second.payload;
  auto a = json::parse(first.payload);
  auto b = json::parse(second.payload);
  EXPECT_EQ(a["event"]["n"], 1);
  EXPECT_EQ(a["pid"], b["pid"]) << "the second invocation must reuse the warm environment";
  EXPECT_EQ(service_->coldStarts("svc-dev-scripted"), 1u);
  EXPECT_NE(first.requestId, second.requestId);

  auto env = a["env"];
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "svc-dev-scripted");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["AWS_DEFAULT_REGION"], "us-east-1");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/svc-dev-scripted");
  EXPECT_EQ(env["TZ"], ":UTC");
  EXPECT_EQ(env["MY_SETTING"], "on");
  EXPECT_EQ(env["_HANDLER"], "unused");
  EXPECT_FALSE(env.contains("AWS_EXECUTION_ENV")) << "custom runtimes have no AWS_EXECUTION_ENV";
  EXPECT_TRUE(std::string(env["AWS_LAMBDA_LOG_STREAM_NAME"]).find("/[$LATEST]") !=
              std::string::npos);

  std::string logs = logsOnceContaining("REPORT RequestId: " + second.requestId);
  EXPECT_NE(logs.find("START RequestId: " + first.requestId + " Version: $LATEST"),
            std::string::npos);
  EXPECT_NE(logs.find("handling echo"), std::string::npos);
  EXPECT_NE(logs.find("END RequestId: " + first.requestId), std::string::npos);
  auto report = logs.find("REPORT RequestId: " + first.requestId + "\tDuration: ");
  ASSERT_NE(report, std::string::npos);
  auto reportLine = logs.substr(report, logs.find('\n', report) - report);
  EXPECT_NE(reportLine.find("Memory Size: 128 MB\tMax Memory Used: "), std::string::npos);
  EXPECT_NE(reportLine.find("Init Duration: "), std::string::npos) << "cold start: " << reportLine;
  auto warmReport = logs.find("REPORT RequestId: " + second.requestId);
  ASSERT_NE(warmReport, std::string::npos);
  EXPECT_EQ(logs.substr(warmReport, logs.find('\n', warmReport) - warmReport).find("Init Duration"),
            std::string::npos);
  // The function's output sits between its START and END lines.
  EXPECT_LT(logs.find("START RequestId: " + first.requestId), logs.find("handling echo"));
  EXPECT_LT(logs.find("handling echo"), logs.find("END RequestId: " + first.requestId));
}

TEST_F(InvokerTest, ConcurrentInvocationsScaleOutToSeparateEnvironments) {
  startService();
  service_->deploy({scripted()});
  std::vector<std::future<InvokeResult>> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(invokeAsync(R"({"action":"sleep","seconds":0.5})"));
  std::set<int> pids;
  for (auto& f : pending) {
    auto r = f.get();
    ASSERT_EQ(r.status, InvokeStatus::Ok) << r.payload;
    pids.insert(json::parse(r.payload)["pid"].get<int>());
  }
  EXPECT_EQ(pids.size(), 4u) << "one invocation at a time per environment";
  EXPECT_EQ(service_->environmentCount("svc-dev-scripted"), 4u);
}

TEST_F(InvokerTest, AccountConcurrencyLimitThrottlesAtOnce) {
  LambdaOptions options;
  options.accountConcurrencyLimit = 1;
  startService(options);
  service_->deploy({scripted()});
  auto slow = invokeAsync(R"({"action":"sleep","seconds":1})");
  // The first invocation holds the only slot until it returns, so this one is over the limit.
  auto throttled = invoke("{}");
  EXPECT_EQ(throttled.status, InvokeStatus::Throttled);
  EXPECT_EQ(slow.get().status, InvokeStatus::Ok);
  EXPECT_EQ(invoke("{}").status, InvokeStatus::Ok);
}

TEST_F(InvokerTest, TimeoutStopsTheEnvironmentAndTheNextInvocationGetsAFreshOne) {
  startService();
  auto spec = scripted();
  spec.timeoutSeconds = 1;
  service_->deploy({spec});
  auto warm = json::parse(invoke("{}").payload)["pid"].get<int>();
  auto r = invoke(R"({"action":"sleep","seconds":30})");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Sandbox.Timedout");
  auto error = json::parse(r.payload);
  EXPECT_EQ(error["errorType"], "Sandbox.Timedout");
  EXPECT_EQ(error["errorMessage"],
            "RequestId: " + r.requestId + " Error: Task timed out after 1.00 seconds");
  auto next = invoke("{}");
  ASSERT_EQ(next.status, InvokeStatus::Ok);
  EXPECT_NE(json::parse(next.payload)["pid"].get<int>(), warm);
  std::string logs = logsOnceContaining("REPORT RequestId: " + r.requestId);
  auto report = logs.find("REPORT RequestId: " + r.requestId);
  ASSERT_NE(report, std::string::npos);
  EXPECT_NE(logs.substr(report, logs.find('\n', report) - report).find("Status: timeout"),
            std::string::npos);
}

TEST_F(InvokerTest, ProcessExitDuringAnInvocationIsARuntimeExitError) {
  startService();
  service_->deploy({scripted()});
  auto r = invoke(R"({"action":"exit","code":7})");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Runtime.ExitError");
  EXPECT_EQ(json::parse(r.payload)["errorMessage"],
            "RequestId: " + r.requestId + " Error: Runtime exited with error: exit status 7");
  EXPECT_EQ(invoke("{}").status, InvokeStatus::Ok) << "a fresh environment serves the next one";
}

TEST_F(InvokerTest, HandlerErrorIsPassedThroughAndTheEnvironmentStaysWarm) {
  startService();
  service_->deploy({scripted()});
  auto pid = json::parse(invoke("{}").payload)["pid"].get<int>();
  auto r = invoke(R"({"action":"error"})");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "CustomError");
  EXPECT_EQ(json::parse(r.payload)["errorMessage"], "boom");
  EXPECT_EQ(json::parse(invoke("{}").payload)["pid"].get<int>(), pid);
}

TEST_F(InvokerTest, InitErrorReachesTheCallerAndIsLogged) {
  startService();
  service_->deploy({scripted({{"INIT_MODE", "error"}})});
  auto r = invoke("{}");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Runtime.ImportModuleError");
  EXPECT_EQ(json::parse(r.payload)["errorMessage"], "init failed on purpose");
  std::string logs = logsOnceContaining("REPORT RequestId: " + r.requestId);
  EXPECT_NE(logs.find("failing init on purpose"), std::string::npos);
  EXPECT_NE(logs.find("INIT_REPORT Init Duration: "), std::string::npos);
  EXPECT_NE(logs.find("Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError"),
            std::string::npos);
}

TEST_F(InvokerTest, ExitDuringInitIsARuntimeExitError) {
  startService();
  service_->deploy({scripted({{"INIT_MODE", "exit"}})});
  auto r = invoke("{}");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Runtime.ExitError");
  EXPECT_NE(std::string(json::parse(r.payload)["errorMessage"]).find("exit status 3"),
            std::string::npos);
}

TEST_F(InvokerTest, InitThatNeverFinishesIsAbandonedAfterTheInitLimit) {
  LambdaOptions options;
  options.initTimeout = std::chrono::milliseconds(500);
  startService(options);
  service_->deploy({scripted({{"INIT_MODE", "hang"}})});
  auto r = invoke("{}");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Sandbox.Timedout");
}

TEST_F(InvokerTest, ResponsesOverTheLimitBecomeResponseSizeTooLarge) {
  LambdaOptions options;
  options.maxResponseBytes = 1000;
  startService(options);
  service_->deploy({scripted()});
  auto r = invoke(R"({"action":"big","bytes":5000})");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(json::parse(r.payload)["errorType"], "Function.ResponseSizeTooLarge");
  EXPECT_EQ(invoke(R"({"action":"big","bytes":900})").status, InvokeStatus::Ok);
}

TEST_F(InvokerTest, NonJsonResponsesPassThroughByteForByte) {
  startService();
  service_->deploy({scripted()});
  auto r = invoke(R"({"action":"raw","text":"not json at all"})");
  ASSERT_EQ(r.status, InvokeStatus::Ok);
  EXPECT_EQ(r.payload, "not json at all");
}

TEST_F(InvokerTest, PayloadsOverTheRequestLimitAreRefused) {
  LambdaOptions options;
  options.maxRequestBytes = 100;
  startService(options);
  service_->deploy({scripted()});
  EXPECT_EQ(invoke(std::string(200, ' ')).status, InvokeStatus::RequestTooLarge);
  EXPECT_EQ(invoke("{}", "no-such-function").status, InvokeStatus::NotFound);
}

TEST_F(InvokerTest, MemoryLimitStopsARunawayFunction) {
  startService();
  service_->deploy({scripted()});
  auto r = invoke(R"({"action":"alloc","mb":400})");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError) << r.payload;
  EXPECT_EQ(r.errorType, "Runtime.OutOfMemory") << service_->memoryEnforcement();
  EXPECT_EQ(invoke("{}").status, InvokeStatus::Ok);
}

TEST_F(InvokerTest, IdleEnvironmentsAreReaped) {
  LambdaOptions options;
  options.idleTimeout = std::chrono::milliseconds(300);
  startService(options);
  service_->deploy({scripted()});
  ASSERT_EQ(invoke("{}").status, InvokeStatus::Ok);
  // Reaping is observable as a new cold start; wait for it by polling the count with a bound.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (service_->environmentCount("svc-dev-scripted") != 0 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  EXPECT_EQ(service_->environmentCount("svc-dev-scripted"), 0u);
  ASSERT_EQ(invoke("{}").status, InvokeStatus::Ok);
  EXPECT_EQ(service_->coldStarts("svc-dev-scripted"), 2u);
}

TEST_F(InvokerTest, RedeployWithChangedConfigurationUsesNewEnvironments) {
  startService();
  service_->deploy({scripted({{"MY_SETTING", "old"}})});
  auto before = json::parse(invoke("{}").payload);
  service_->deploy({scripted({{"MY_SETTING", "new"}})});
  auto after = json::parse(invoke("{}").payload);
  EXPECT_EQ(before["env"]["MY_SETTING"], "old");
  EXPECT_EQ(after["env"]["MY_SETTING"], "new");
  EXPECT_NE(before["pid"], after["pid"]);
  // An unchanged redeploy keeps the warm environment.
  service_->deploy({scripted({{"MY_SETTING", "new"}})});
  EXPECT_EQ(json::parse(invoke("{}").payload)["pid"], after["pid"]);
}

TEST_F(InvokerTest, EachVersionHasItsOwnEnvironmentsAndAliasesRouteBetweenThem) {
  startService();
  auto version = [this](const std::string& number, const std::string& setting) {
    auto spec = scripted({{"MY_SETTING", setting}});
    spec.version = number;
    return spec;
  };
  auto invokeQualified = [this](const std::string& qualifier) {
    auto promise = std::make_shared<std::promise<InvokeResult>>();
    auto future = promise->get_future();
    InvokeRequest request{"svc-dev-scripted", "{}", {}, {}};
    request.qualifier = qualifier;
    service_->invoke(std::move(request),
                     [promise](InvokeResult&& r) { promise->set_value(std::move(r)); });
    return future.get();
  };
  std::vector<FunctionSpec> specs{version("$LATEST", "latest"), version("1", "one"),
                                  version("2", "two")};
  service_->deploy(specs);
  auto one = invokeQualified("1");
  ASSERT_EQ(one.status, InvokeStatus::Ok) << one.payload;
  EXPECT_EQ(one.executedVersion, "1");
  auto oneEnv = json::parse(one.payload);
  EXPECT_EQ(oneEnv["env"]["MY_SETTING"], "one");
  EXPECT_EQ(oneEnv["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "1");
  auto two = invokeQualified("2");
  EXPECT_EQ(two.executedVersion, "2");
  EXPECT_NE(json::parse(two.payload)["pid"], oneEnv["pid"]);
  EXPECT_EQ(invokeQualified("").executedVersion, "$LATEST");
  EXPECT_EQ(invokeQualified("3").status, InvokeStatus::NotFound);
  EXPECT_EQ(invokeQualified("live").status, InvokeStatus::NotFound);

  // An alias all on version 2, then shifted to version 1: each version keeps its environment.
  FunctionAlias live{"svc-dev-scripted", "live", "2", "", "", 0, "rev"};
  service_->setAliases({live});
  auto viaAlias = invokeQualified("live");
  EXPECT_EQ(viaAlias.executedVersion, "2");
  EXPECT_EQ(json::parse(viaAlias.payload)["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "2");
  live.functionVersion = "1";
  service_->setAliases({live});
  service_->deploy(specs);  // The registry republishes everything with an alias change.
  auto shifted = invokeQualified("live");
  EXPECT_EQ(shifted.executedVersion, "1");
  EXPECT_EQ(json::parse(shifted.payload)["pid"], oneEnv["pid"]);
  EXPECT_EQ(service_->coldStarts("svc-dev-scripted", "1"), 1u);
  EXPECT_EQ(service_->coldStarts("svc-dev-scripted", "2"), 1u);

  // Removing a version retires its pool only.
  service_->deploy({specs[0], specs[1]});
  EXPECT_EQ(invokeQualified("2").status, InvokeStatus::NotFound);
  EXPECT_EQ(json::parse(invokeQualified("1").payload)["pid"], oneEnv["pid"]);
}

TEST_F(InvokerTest, InvocationRunningDuringARedeployFinishesOnItsOldEnvironment) {
  startService();
  service_->deploy({scripted({{"MY_SETTING", "old"}})});
  auto running = invokeAsync(R"({"action":"sleep","seconds":0.5})");
  // Replaces the function while the invocation runs: its pool retires, and nothing else holds
  // the pool but the service's list of retiring pools.
  service_->deploy({scripted({{"MY_SETTING", "new"}})});
  auto r = running.get();
  ASSERT_EQ(r.status, InvokeStatus::Ok) << r.payload;
  EXPECT_EQ(json::parse(r.payload)["env"]["MY_SETTING"], "old");
  EXPECT_EQ(json::parse(invoke("{}").payload)["env"]["MY_SETTING"], "new");
}

TEST_F(InvokerTest, MissingBootstrapIsAnInvalidEntrypoint) {
  startService();
  auto spec = scripted();
  spec.codeDirectory = dataDir_;
  service_->deploy({spec});
  auto r = invoke("{}");
  ASSERT_EQ(r.status, InvokeStatus::FunctionError);
  EXPECT_EQ(r.errorType, "Runtime.InvalidEntrypoint");
  std::string logs = logsOnceContaining("REPORT RequestId: " + r.requestId);
  EXPECT_NE(logs.find("INIT_REPORT Init Duration: 0.00 ms\tPhase: init\tStatus: error\tError Type: "
                      "Runtime.InvalidEntrypoint"),
            std::string::npos)
      << logs;
}

}  // namespace
}  // namespace nimbus::lambda
