// The tables, queues, topics and subscriptions a project declares (serverless.yml `resources`
// and `sns` events), and the buses and rules of its `eventBridge` and `schedule` events, made real
// on nimbus's DynamoDB, SQS, SNS and EventBridge at start-up and at every reload,
// as a deploy of the stack would make them: missing ones are created, existing ones updated to
// what the file says.
//
// Tables, queues and topics the file no longer declares are left in place with their items and
// messages (a reload after a typo must not lose data); subscriptions it no longer declares are
// removed, since they would go on delivering to a function or queue that is no longer meant to
// get them; so are rules (with their targets). nimbus remembers which subscriptions and rules it
// made for the project in the store.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/project.h"
#include "core/http_message.h"

namespace boost::asio {
class io_context;
}
namespace nimbus::store {
class Store;
}
namespace nimbus::aws::sqs {
class SqsService;
}
namespace nimbus::aws::sns {
class SnsService;
}
namespace nimbus::aws::dynamodb {
class DynamoDbService;
}
namespace nimbus::aws::s3 {
class S3Service;
}
namespace nimbus::aws::events {
class EventsService;
}

namespace nimbus::server {

class ProjectResources {
 public:
  // Every argument must outlive this object.
  ProjectResources(boost::asio::io_context& io, aws::dynamodb::DynamoDbService& dynamodb,
                   aws::sqs::SqsService& sqs, aws::sns::SnsService& sns, aws::s3::S3Service& s3,
                   aws::events::EventsService& events, store::Store& store);
  ~ProjectResources();

  // Applies what `project` declares. `done` gets one line per resource that could not be made
  // ("serverless.yml:12: resources.Resources.Jobs: ..."), once everything has been tried. Calls
  // made while one is running wait for it, and only the latest of them is applied.
  void apply(const config::ProjectConfig& project,
             std::function<void(std::vector<std::string> errors)> done);

  struct Run;

 private:
  void start(std::shared_ptr<Run> run);
  void finished();
  // An in-process SNS call whose answer is handled on the io_context.
  void callSns(std::vector<std::pair<std::string, std::string>> params,
               std::function<void(HttpResponse)> done);
  // An in-process EventBridge call whose answer is handled on the io_context.
  void callEvents(const std::string& operation, std::string body,
                  std::function<void(HttpResponse)> done);
  void addEventRuleSteps(Run& run);

  boost::asio::io_context& io_;
  aws::dynamodb::DynamoDbService& dynamodb_;
  aws::sqs::SqsService& sqs_;
  aws::sns::SnsService& sns_;
  aws::s3::S3Service& s3_;
  aws::events::EventsService& events_;
  store::Store& store_;
  std::mutex mutex_;
  bool running_ = false;
  std::shared_ptr<Run> next_;
};

}  // namespace nimbus::server
