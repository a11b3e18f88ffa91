// The XML documents S3 requests carry, read into the service's own types and checked as S3
// checks them: MalformedXML for a document that is not well formed or not of the expected shape,
// the specific errors (InvalidTag, InvalidArgument, ...) for values S3 refuses.
#include <pugixml.hpp>

#include "aws/s3/s3_impl.h"
#include "core/ids.h"
#include "core/s3_names.h"
#include "core/url.h"

namespace nimbus::aws::s3 {

namespace {

// Parses `xml` and returns its root element when it is named `root` (any namespace).
Result<pugi::xml_node> rootElement(pugi::xml_document& doc, std::string_view xml,
                                   std::string_view root) {
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return malformedXml();
  pugi::xml_node node = doc.document_element();
  std::string_view name = node.name();
  if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  if (name != root) return malformedXml();
  return node;
}

std::string text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

ServiceError invalidTag(std::string message) {
  return s3Error("InvalidTag", std::move(message), 400);
}

// S3's limits on tags: distinct keys of 1-128 characters, values up to 256.
Result<NameValues> checkTags(NameValues tags, size_t maxTags) {
  if (tags.size() > maxTags) {
    return s3Error(maxTags == 10 ? "BadRequest" : "InvalidTag",
                   maxTags == 10 ? "Object tags cannot be greater than 10"
                                 : "Bucket tag count cannot be greater than 50",
                   400);
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    const auto& [key, value] = tags[i];
    if (key.empty() || key.size() > 128)
      return invalidTag("The TagKey you have provided is invalid");
    if (value.size() > 256) return invalidTag("The TagValue you have provided is invalid");
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].first == key) return invalidTag("Cannot provide multiple Tags with the same key");
    }
  }
  return tags;
}

}  // namespace

Result<std::string> readLocationConstraint(std::string_view xml) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "CreateBucketConfiguration");
  if (!root) return root.takeError();
  return std::string(text(*root, "LocationConstraint"));
}

Result<std::string> readVersioningStatus(std::string_view xml) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "VersioningConfiguration");
  if (!root) return root.takeError();
  std::string status = text(*root, "Status");
  if (status != "Enabled" && status != "Suspended") return malformedXml();
  return status;
}

Result<NameValues> readTagging(std::string_view xml, size_t maxTags) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "Tagging");
  if (!root) return root.takeError();
  pugi::xml_node set = root->child("TagSet");
  if (!set) return malformedXml();
  NameValues tags;
  for (pugi::xml_node tag : set.children("Tag")) {
    if (!tag.child("Key")) return malformedXml();
    tags.emplace_back(text(tag, "Key"), text(tag, "Value"));
  }
  return checkTags(std::move(tags), maxTags);
}

Result<NameValues> readTaggingHeader(std::string_view header) {
  NameValues tags;
  forEachQueryParameter(header, [&](std::string_view key, std::string_view value) {
    tags.emplace_back(std::string(key), std::string(value));
  });
  return checkTags(std::move(tags), 10);
}

Result<DeleteList> readDeleteList(std::string_view xml) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "Delete");
  if (!root) return root.takeError();
  DeleteList list;
  list.quiet = std::string_view(text(*root, "Quiet")) == "true";
  for (pugi::xml_node object : root->children("Object")) {
    if (!object.child("Key")) return malformedXml();
    list.objects.emplace_back(text(object, "Key"), text(object, "VersionId"));
  }
  return list;
}

Result<std::vector<CompletedPart>> readCompletedParts(std::string_view xml) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "CompleteMultipartUpload");
  if (!root) return root.takeError();
  std::vector<CompletedPart> parts;
  for (pugi::xml_node part : root->children("Part")) {
    CompletedPart p;
    p.number = part.child("PartNumber").text().as_int(0);
    p.etag = text(part, "ETag");
    if (p.etag.size() >= 2 && p.etag.front() == '"' && p.etag.back() == '"') {
      p.etag = p.etag.substr(1, p.etag.size() - 2);
    }
    if (p.number < 1 || p.etag.empty()) return malformedXml();
    parts.push_back(std::move(p));
  }
  return parts;
}

Result<std::vector<CorsRule>> parseCorsConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "CORSConfiguration");
  if (!root) return root.takeError();
  std::vector<CorsRule> rules;
  for (pugi::xml_node node : root->children("CORSRule")) {
    CorsRule rule;
    rule.id = text(node, "ID");
    for (auto n : node.children("AllowedOrigin"))
      rule.allowedOrigins.push_back(n.text().as_string());
    for (auto n : node.children("AllowedMethod")) {
      std::string method = n.text().as_string();
      if (method != "GET" && method != "PUT" && method != "POST" && method != "DELETE" &&
          method != "HEAD") {
        return invalidArgument(
            "Found unsupported HTTP method in CORS config. Unsupported method is " + method);
      }
      rule.allowedMethods.push_back(method);
    }
    for (auto n : node.children("AllowedHeader"))
      rule.allowedHeaders.push_back(n.text().as_string());
    for (auto n : node.children("ExposeHeader")) rule.exposeHeaders.push_back(n.text().as_string());
    if (node.child("MaxAgeSeconds"))
      rule.maxAgeSeconds = node.child("MaxAgeSeconds").text().as_int();
    if (rule.allowedOrigins.empty() || rule.allowedMethods.empty()) return malformedXml();
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 100) return malformedXml();
  return rules;
}

Result<std::vector<NotificationTarget>> parseNotificationConfiguration(std::string_view xml,
                                                                       bool& eventBridge) {
  pugi::xml_document doc;
  auto root = rootElement(doc, xml, "NotificationConfiguration");
  if (!root) return root.takeError();
  eventBridge = static_cast<bool>(root->child("EventBridgeConfiguration"));
  struct Form {
    const char* element;
    const char* arnElement;
    NotificationTarget::Kind kind;
  };
  // boto3 and the CLI write CloudFunctionConfiguration's modern name with the CloudFunction ARN.
  static const Form kForms[] = {
      {"QueueConfiguration", "Queue", NotificationTarget::Kind::Queue},
      {"TopicConfiguration", "Topic", NotificationTarget::Kind::Topic},
      {"CloudFunctionConfiguration", "CloudFunction", NotificationTarget::Kind::Function}};
  std::vector<NotificationTarget> targets;
  for (const auto& form : kForms) {
    for (pugi::xml_node node : root->children(form.element)) {
      NotificationTarget t;
      t.kind = form.kind;
      t.id = text(node, "Id");
      if (t.id.empty()) t.id = randomHex(16);
      t.arn = text(node, form.arnElement);
      for (auto e : node.children("Event")) {
        std::string event = e.text().as_string();
        if (!event.starts_with("s3:ObjectCreated:") && !event.starts_with("s3:ObjectRemoved:") &&
            !event.starts_with("s3:ObjectRestore:") && !event.starts_with("s3:ObjectTagging:") &&
            !event.starts_with("s3:ObjectAcl:") && !event.starts_with("s3:LifecycleExpiration:") &&
            event != "s3:ReducedRedundancyLostObject" && !event.starts_with("s3:Replication:") &&
            !event.starts_with("s3:IntelligentTiering") &&
            !event.starts_with("s3:LifecycleTransition")) {
          return invalidArgument("The event is not supported for notifications");
        }
        t.events.push_back(std::move(event));
      }
      for (auto rule : node.child("Filter").child("S3Key").children("FilterRule")) {
        std::string name = text(rule, "Name");
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "prefix") {
          t.prefix = text(rule, "Value");
        } else if (name == "suffix") {
          t.suffix = text(rule, "Value");
        } else {
          return invalidArgument("filter rule name must be either prefix or suffix");
        }
      }
      if (t.arn.empty() || t.events.empty()) return malformedXml();
      targets.push_back(std::move(t));
    }
  }
  return targets;
}

}  // namespace nimbus::aws::s3
