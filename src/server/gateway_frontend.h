// API Gateway's front door: takes HTTP requests on the gateway port, routes them with the current
// deployment's route table, builds the proxy event, invokes the function through the Lambda core
// and maps its answer (or its failure) to the HTTP response API Gateway would send.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "core/http_message.h"
#include "http/server.h"
#include "server/deployment.h"
#include "server/usage_plans.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::lambda {
class LambdaService;
}

namespace nimbus::observe {
class TraceRecorder;
}

namespace nimbus::server {

class GatewayFrontend {
 public:
  GatewayFrontend(boost::asio::io_context& io, lambda::LambdaService& lambda);

  void setDeployment(std::shared_ptr<const Deployment> deployment);
  std::shared_ptr<const Deployment> deployment() const;
  // The API keys and usage plans that private REST methods check (set before serving).
  void setUsagePlans(const UsagePlans* usagePlans) { usagePlans_ = usagePlans; }
  // Where each request's API Gateway span goes; null records none (set before serving).
  void setTraceRecorder(observe::TraceRecorder* traces) { traces_ = traces; }

  void handle(HttpRequest&& request, http::Responder responder);

 private:
  boost::asio::io_context& io_;
  lambda::LambdaService& lambda_;
  mutable std::mutex mutex_;  // Guards the pointer swap only.
  std::shared_ptr<const Deployment> deployment_;
  const UsagePlans* usagePlans_ = nullptr;
  observe::TraceRecorder* traces_ = nullptr;
};

}  // namespace nimbus::server
