#include "server/nimbus_info.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "aws/s3/s3_service.h"
#include "aws/scheduler/scheduler_service.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace nimbus::server {

namespace {

void writeConcurrency(JsonWriter& w, const lambda::LambdaService& lambda) {
  // Pools come in name order, $LATEST ("name") before its versions ("name:N").
  std::map<std::string, std::vector<lambda::FunctionSpec>> byName;
  for (auto& spec : lambda.functions()) byName[spec.name].push_back(std::move(spec));
  w.key("concurrency").beginObject();
  w.field("limit", lambda.accountConcurrencyLimit())
      .field("unreserved", lambda.unreservedConcurrency());
  w.key("functions").beginArray();
  for (const auto& [name, versions] : byName) {
    auto figures = lambda.concurrency(name);
    w.beginObject().field("name", name);
    if (figures.reserved) w.field("reserved", *figures.reserved);
    w.field("running", figures.inflight)
        .field("throttles", static_cast<int64_t>(figures.throttles));
    w.key("versions").beginArray();
    for (const auto& spec : versions) {
      w.beginObject()
          .field("version", spec.version)
          .field("environments", static_cast<int64_t>(lambda.environmentCount(name, spec.version)))
          .field("coldStarts", static_cast<int64_t>(lambda.coldStarts(name, spec.version)));
      if (auto provisioned = lambda.provisionedConcurrency(name, spec.version)) {
        w.key("provisioned")
            .beginObject()
            .field("requested", provisioned->requested)
            .field("available", provisioned->available)
            .endObject();
      }
      w.endObject();
    }
    w.endArray().endObject();
  }
  w.endArray().endObject();
}

// The keys as `serverless info` lists them, with each key's plan and its quota use in the
// current period.
void writeApiKeys(JsonWriter& w, const gateway::ApiKeyGate& gate) {
  auto now = std::chrono::system_clock::now();
  int64_t nowMs = epochMillis(now);
  w.key("apiKeys").beginArray();
  for (const auto& key : gate.keys()) {
    w.beginObject()
        .field("name", key.name)
        .field("id", key.id)
        .field("value", key.value)
        .field("description", key.description)
        .field("enabled", key.enabled);
    if (key.plan) {
      const gateway::UsagePlanSpec& plan = gate.plans()[*key.plan];
      w.field("plan", plan.name);
      if (plan.quota && key.counter) {
        int64_t index = gateway::quotaPeriodIndex(plan.quota->period, nowMs);
        WallTime start{
            std::chrono::milliseconds(gateway::quotaPeriodStartMs(plan.quota->period, index))};
        WallTime end{
            std::chrono::milliseconds(gateway::quotaPeriodStartMs(plan.quota->period, index + 1))};
        w.key("quota")
            .beginObject()
            .field("period", gateway::quotaPeriodName(plan.quota->period))
            .field("periodStart", isoTimeMillis(start))
            .field("periodEnd", isoTimeMillis(end))
            .field("limit", gateway::quotaLimit(*plan.quota, index, plan.firstPeriod))
            .field("used", key.counter->usedIn(index))
            .endObject();
      }
    }
    w.endObject();
  }
  w.endArray();
}

// "rules": [{bus, name, arn, state, schedule, targets, nextFiring}], nextFiring as ISO 8601.
void writeRules(JsonWriter& w, const aws::events::EventsService& events) {
  w.key("rules").beginArray();
  for (const auto& rule : events.rules()) {
    w.beginObject()
        .field("bus", rule.bus)
        .field("name", rule.name)
        .field("arn", rule.arn)
        .field("state", rule.state)
        .field("targets", static_cast<int64_t>(rule.targets));
    if (!rule.scheduleExpression.empty()) w.field("schedule", rule.scheduleExpression);
    if (rule.nextFiringMs) {
      w.field("nextFiring", isoTimeMillis(WallTime(std::chrono::milliseconds(*rule.nextFiringMs))));
    }
    w.endObject();
  }
  w.endArray();
}

}  // namespace

std::vector<InfoResource> serviceResources(aws::s3::S3Service& s3,
                                           const aws::scheduler::SchedulerService& scheduler,
                                           const aws::events::EventsService& events) {
  auto firing = [](int64_t ms) {
    return "next firing " + isoTimeMillis(WallTime(std::chrono::milliseconds(ms)));
  };
  std::vector<InfoResource> out;
  for (const auto& [name, objects] : s3.bucketSummary()) {
    out.push_back({"bucket", name, fmt::format("{} object{}", objects, objects == 1 ? "" : "s")});
  }
  for (const auto& s : scheduler.schedules()) {
    std::string detail = s.state == "DISABLED" ? "disabled" : "no firing left";
    if (s.nextFireMs) detail = firing(*s.nextFireMs);
    out.push_back({"schedule", s.arn, std::move(detail)});
  }
  for (const auto& bus : events.buses()) {
    out.push_back(
        {"bus", bus.name, fmt::format("{} rule{}", bus.rules, bus.rules == 1 ? "" : "s")});
  }
  for (const auto& rule : events.rules()) {
    std::string detail = rule.state == "ENABLED" ? "" : rule.state;
    if (rule.nextFiringMs) {
      detail = (detail.empty() ? "" : detail + ", ") + rule.scheduleExpression + ", " +
               firing(*rule.nextFiringMs);
    }
    out.push_back({"rule", rule.bus + "/" + rule.name, detail});
  }
  return out;
}

HttpResponse nimbusInfo(const Deployment* deployment, const std::string& gatewayUrl,
                        const std::string& version, const lambda::LambdaService& lambda,
                        const gateway::ApiKeyGate* apiKeys,
                        const std::vector<InfoResource>& resources,
                        const aws::events::EventsService* events) {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("version", version).field("gateway", gatewayUrl);
  w.key("services").beginArray();
  if (deployment && !deployment->project.service.empty()) {
    const auto& p = deployment->project;
    w.beginObject()
        .field("service", p.service)
        .field("stage", p.stage)
        .field("region", p.region)
        .field("apiId", deployment->apiId);
    w.key("routes").beginArray();
    for (const auto& f : p.functions) {
      for (const auto& e : f.httpEvents) {
        bool rest = e.kind == config::HttpEvent::Kind::Rest;
        std::string path = e.isDefaultRoute ? "/*" : (rest ? "/" + p.stage + e.path : e.path);
        w.beginObject()
            .field("api", rest ? "rest" : "httpApi")
            .field("method", e.isDefaultRoute ? "ANY" : e.method)
            .field("path", path)
            .field("url", gatewayUrl + path)
            .field("function", f.name)
            .endObject();
      }
    }
    w.endArray();
    if (apiKeys) writeApiKeys(w, *apiKeys);
    w.endObject();
  }
  w.endArray();
  w.key("resources").beginArray();
  for (const auto& r : resources) {
    w.beginObject()
        .field("kind", r.kind)
        .field("name", r.name)
        .field("detail", r.detail)
        .endObject();
  }
  w.endArray();
  writeConcurrency(w, lambda);
  if (events) writeRules(w, *events);
  w.endObject();
  return HttpResponse{200, {{"Content-Type", "application/json"}}, std::move(body)};
}

}  // namespace nimbus::server
