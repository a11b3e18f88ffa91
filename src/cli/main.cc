// The nimbus command line: parses arguments and hands them to the part that does the work.
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "client/deploy_command.h"
#include "client/doctor_command.h"
#include "client/info_command.h"
#include "client/invoke_command.h"
#include "client/logs_command.h"
#include "client/remove_command.h"
#include "client/rollback_command.h"
#include "lambda/runtime_catalog.h"
#include "server/server.h"

#ifndef NIMBUS_VERSION
#define NIMBUS_VERSION "0.0.0"
#endif

namespace {

// The configuration file of the project in this folder, found as the Serverless Framework finds
// it: serverless.yml, then .yaml, then .json (the .js and .ts forms need a JavaScript program run
// and are not read). serverless.yml when there is none.
std::string projectConfigFile() {
  for (const char* name : {"serverless.yml", "serverless.yaml", "serverless.json"}) {
    std::error_code ec;
    if (std::filesystem::exists(name, ec)) return name;
  }
  return "serverless.yml";
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to a closed socket or pipe must fail with EPIPE, never kill the server.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "nimbus runs Serverless Framework projects with the behaviour of AWS Lambda and API "
      "Gateway, on this machine, without Docker or a cloud account."};
  app.set_version_flag("--version", std::string("nimbus ") + NIMBUS_VERSION);
  app.require_subcommand(1);

  nimbus::server::ServeOptions serve;
  std::string configFile = projectConfigFile();
  std::string stage, region, dataDir;
  int idleSeconds = 600;
  bool noWatch = false;
  auto* serveCmd = app.add_subcommand(
      "serve", "Serve the project in this folder: API Gateway on --port, AWS APIs on --aws-port");
  auto* serveConfig =
      serveCmd
          ->add_option("--config", configFile,
                       "Path to serverless.yml (without one in this folder, only the AWS "
                       "endpoint is served)")
          ->capture_default_str();
  serveCmd->add_option("--stage", stage, "Stage (default: provider.stage, else dev)");
  serveCmd->add_option("--region", region, "Region (default: provider.region, else us-east-1)");
  serveCmd->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
  serveCmd->add_option("--port", serve.port, "API Gateway port")->capture_default_str();
  serveCmd->add_option("--aws-port", serve.awsPort, "AWS endpoint port")->capture_default_str();
  serveCmd->add_option(
      "--data-dir", dataDir,
      "Where durable state and logs live (default: .nimbus beside serverless.yml)");
  serveCmd
      ->add_option("--idle-timeout", idleSeconds, "Seconds before an idle environment is stopped")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serveCmd->add_option("--concurrency", serve.concurrencyLimit, "Account concurrency limit")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serveCmd
      ->add_option("--io-threads", serve.ioThreads,
                   "Threads serving network I/O (default: one per core)")
      ->capture_default_str();
  double asyncRetryDelay = 60;
  serveCmd
      ->add_option("--async-retry-delay", asyncRetryDelay,
                   "Seconds before the first retry of a failed asynchronous invocation (the second "
                   "waits twice as long), as Lambda's one minute")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  serveCmd
      ->add_option(
          "--async-payload-limit", serve.maxAsyncPayloadBytes,
          "Largest asynchronous event in bytes (Lambda: 1 MB; 262144 holds the older limit)")
      ->capture_default_str();
  serveCmd
      ->add_option("--sync-payload-limit", serve.maxSyncPayloadBytes,
                   "Largest synchronous request and response payload in bytes (Lambda: 6 MB)")
      ->capture_default_str();
  serveCmd->add_flag("--no-watch", noWatch, "Do not reload when code or serverless.yml change");

  nimbus::client::InvokeOptions invoke;
  std::string invokeData, invokePath, invokeStage;
  std::string invokeConfig = projectConfigFile();
  auto* invokeCmd = app.add_subcommand(
      "invoke",
      "Invoke a function on a running nimbus (through its Lambda API) and print the result");
  invokeCmd
      ->add_option("-f,--function", invoke.function,
                   "Function: its name under `functions:`, its deployed name or its ARN")
      ->required();
  auto* dataOption = invokeCmd->add_option("-d,--data", invokeData, "Event JSON");
  invokeCmd->add_option("-p,--path", invokePath, "File holding the event JSON")
      ->excludes(dataOption);
  invokeCmd->add_option("-t,--type", invoke.type, "RequestResponse, Event or DryRun")
      ->capture_default_str();
  invokeCmd->add_option("-q,--qualifier", invoke.qualifier, "Version or alias");
  invokeCmd->add_flag("-l,--log", invoke.log, "Print the end of the invocation's log (stderr)");
  invokeCmd->add_option("--endpoint", invoke.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();
  invokeCmd->add_option("--config", invokeConfig, "serverless.yml that names the functions")
      ->capture_default_str();
  invokeCmd->add_option("--stage", invokeStage, "Stage used to name the functions");

  nimbus::client::LogsOptions logs;
  std::string logsStart, logsStage, logsConfig = projectConfigFile();
  int64_t logsIntervalMs = 1000;
  auto* logsCmd = app.add_subcommand(
      "logs", "Print a function's logs from a running nimbus (CloudWatch Logs), or follow them");
  logsCmd
      ->add_option("-f,--function", logs.function,
                   "Function: its name under `functions:` or its deployed name")
      ->required();
  logsCmd->add_flag("-t,--tail", logs.tail, "Keep printing new events as they are written");
  logsCmd->add_option("--startTime", logsStart,
                      "From when: 30m, 2h, 1d, 2026-12-08, an ISO time or epoch ms (default 10m)");
  logsCmd->add_option("--filter", logs.filter, "CloudWatch Logs filter pattern, e.g. ERROR");
  logsCmd->add_option("-i,--interval", logsIntervalMs, "Milliseconds between polls with --tail")
      ->capture_default_str();
  logsCmd->add_option("--endpoint", logs.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();
  logsCmd->add_option("--config", logsConfig, "serverless.yml that names the functions")
      ->capture_default_str();
  logsCmd->add_option("--stage", logsStage, "Stage used to name the functions");

  nimbus::client::InfoOptions info;
  auto* infoCmd = app.add_subcommand(
      "info",
      "Show what a running nimbus serves: its functions, their configuration and HTTP endpoints");
  infoCmd->add_option("--endpoint", info.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();

  nimbus::client::DeployOptions deploy;
  std::string deployConfig = projectConfigFile(), deployStage, deployRegion;
  auto* deployCmd = app.add_subcommand(
      "deploy",
      "Package the project as the Serverless Framework does and deploy its functions to a "
      "running nimbus (through its Lambda API)");
  deployCmd->add_option("--config", deployConfig, "Path to serverless.yml")->capture_default_str();
  deployCmd->add_option("--stage", deployStage, "Stage (default: provider.stage, else dev)");
  deployCmd->add_option("--region", deployRegion,
                        "Region (default: provider.region, else us-east-1)");
  deployCmd->add_option("-f,--function", deploy.function,
                        "Deploy only this function (its name under `functions:`)");
  deployCmd->add_option("--endpoint", deploy.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();

  nimbus::client::RemoveOptions removal;
  std::string removeConfig = projectConfigFile(), removeStage, removeRegion;
  auto* removeCmd = app.add_subcommand(
      "remove", "Delete the project's functions (for the stage) from a running nimbus");
  removeCmd->add_option("--config", removeConfig, "Path to serverless.yml")->capture_default_str();
  removeCmd->add_option("--stage", removeStage, "Stage (default: provider.stage, else dev)");
  removeCmd->add_option("--region", removeRegion,
                        "Region (default: provider.region, else us-east-1)");
  removeCmd->add_option("--endpoint", removal.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();

  nimbus::client::RollbackOptions rollback;
  std::string rollbackConfig = projectConfigFile(), rollbackStage;
  auto* rollbackCmd = app.add_subcommand(
      "rollback",
      "Point an alias of a function on a running nimbus back to a published version, at once");
  rollbackCmd
      ->add_option("-f,--function", rollback.function,
                   "Function: its name under `functions:`, its deployed name or its ARN")
      ->required();
  rollbackCmd->add_option("--version", rollback.version, "The published version to run")
      ->required();
  rollbackCmd->add_option("--alias", rollback.alias, "The alias to point at it")
      ->capture_default_str();
  rollbackCmd->add_option("--endpoint", rollback.endpoint, "AWS endpoint of the running nimbus")
      ->capture_default_str();
  rollbackCmd->add_option("--config", rollbackConfig, "serverless.yml that names the functions")
      ->capture_default_str();
  rollbackCmd->add_option("--stage", rollbackStage, "Stage used to name the functions");

  nimbus::client::DoctorOptions doctor;
  std::string doctorConfig = projectConfigFile(), doctorStage, doctorRegion;
  auto* doctorCmd = app.add_subcommand(
      "doctor",
      "Check the project in this folder without serving it: what will run, what will not "
      "(missing handlers or interpreters), and what nimbus ignores and why. Exits 0 when "
      "everything will run, 1 when something will not, 2 on configuration errors");
  doctorCmd->add_option("--config", doctorConfig, "Path to serverless.yml")->capture_default_str();
  doctorCmd->add_option("--stage", doctorStage, "Stage (default: provider.stage, else dev)");
  doctorCmd->add_option("--region", doctorRegion,
                        "Region (default: provider.region, else us-east-1)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // Usage errors exit 2, as the contract says; --help and --version exit 0.
    return code == 0 ? 0 : 2;
  }

  if (serveCmd->parsed()) {
    serve.configFile = configFile;
    serve.configRequired = serveConfig->count() > 0;
    serve.version = NIMBUS_VERSION;
    if (!stage.empty()) serve.stage = stage;
    if (!region.empty()) serve.region = region;
    serve.dataDir = dataDir;
    serve.idleTimeout = std::chrono::seconds(idleSeconds);
    serve.watch = !noWatch;
    serve.asyncRetryDelay = std::chrono::milliseconds(static_cast<int64_t>(asyncRetryDelay * 1000));
    return nimbus::server::serve(serve);
  }
  if (infoCmd->parsed()) return nimbus::client::runInfo(info);
  if (doctorCmd->parsed()) {
    doctor.configFile = doctorConfig;
    if (!doctorStage.empty()) doctor.stage = doctorStage;
    if (!doctorRegion.empty()) doctor.region = doctorRegion;
    return nimbus::client::runDoctor(doctor);
  }
  if (deployCmd->parsed()) {
    deploy.configFile = deployConfig;
    deploy.runtimesDir = nimbus::lambda::locateRuntimesDir();
    if (!deployStage.empty()) deploy.stage = deployStage;
    if (!deployRegion.empty()) deploy.region = deployRegion;
    return nimbus::client::runDeploy(deploy);
  }
  if (removeCmd->parsed()) {
    removal.configFile = removeConfig;
    if (!removeStage.empty()) removal.stage = removeStage;
    if (!removeRegion.empty()) removal.region = removeRegion;
    return nimbus::client::runRemove(removal);
  }
  if (rollbackCmd->parsed()) {
    rollback.configFile = rollbackConfig;
    if (!rollbackStage.empty()) rollback.stage = rollbackStage;
    return nimbus::client::runRollback(rollback);
  }
  if (logsCmd->parsed()) {
    if (!logsStart.empty()) logs.startTime = logsStart;
    if (!logsStage.empty()) logs.stage = logsStage;
    logs.configFile = logsConfig;
    logs.interval = std::chrono::milliseconds(std::max<int64_t>(logsIntervalMs, 100));
    return nimbus::client::runLogs(logs);
  }
  if (invokeCmd->parsed()) {
    if (dataOption->count() > 0) invoke.data = invokeData;
    if (!invokePath.empty()) invoke.path = invokePath;
    if (!invokeStage.empty()) invoke.stage = invokeStage;
    invoke.configFile = invokeConfig;
    return nimbus::client::runInvoke(invoke);
  }
  return 2;
}
