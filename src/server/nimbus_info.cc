#include "server/nimbus_info.h"

#include "core/json_writer.h"

namespace nimbus::server {

HttpResponse nimbusInfo(const Deployment* deployment, const std::string& gatewayUrl,
                        const std::string& version) {
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
    w.endArray().endObject();
  }
  w.endArray().endObject();
  return HttpResponse{200, {{"Content-Type", "application/json"}}, std::move(body)};
}

}  // namespace nimbus::server
