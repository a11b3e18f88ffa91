#include "server/project_resources.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/dynamodb/dynamodb_service.h"
#include "aws/events/events_service.h"
#include "aws/s3/s3_service.h"
#include "aws/sns/sns_service.h"
#include "aws/sqs/sqs_service.h"
#include "store/store.h"

namespace nimbus::server {

namespace {

// The store's record of a subscription nimbus made for the project: key = subscription ARN.
constexpr const char* kSubscriptionRecord = "project.subscription";

std::string located(const config::SourceLocation& where, const std::string& path,
                    const std::string& message) {
  return where.line > 0 ? fmt::format("{}:{}: {}: {}", where.file, where.line, path, message)
                        : fmt::format("{}: {}: {}", where.file, path, message);
}

// The text of the first <name>...</name> in a query-protocol answer, unescaped.
std::string xmlElement(const std::string& xml, const std::string& name) {
  std::string open = "<" + name + ">";
  size_t start = xml.find(open);
  if (start == std::string::npos) return "";
  start += open.size();
  size_t end = xml.find("</" + name + ">", start);
  if (end == std::string::npos) return "";
  std::string text = xml.substr(start, end - start);
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, character] : kEntities) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string_view(entity).size(), character);
    }
  }
  return text;
}

// SNS's refusal, "Code: Message", or "" for a success.
std::string snsError(const HttpResponse& response) {
  if (response.status < 300) return "";
  return fmt::format("{}: {}", xmlElement(response.body, "Code"),
                     xmlElement(response.body, "Message"));
}

using Params = std::vector<std::pair<std::string, std::string>>;

void appendMap(Params& params, const std::string& prefix,
               const std::map<std::string, std::string>& values, const char* keyName,
               const char* valueName, const char* kind) {
  int index = 0;
  for (const auto& [key, value] : values) {
    ++index;
    params.emplace_back(fmt::format("{}.{}.{}.{}", prefix, kind, index, keyName), key);
    params.emplace_back(fmt::format("{}.{}.{}.{}", prefix, kind, index, valueName), value);
  }
}

// The store's record of a rule nimbus made for the project: key = "{bus}/{rule}".
constexpr const char* kRuleRecord = "project.rule";

// EventBridge's refusal, "Type: message", or "" for a success.
std::string eventsError(const HttpResponse& response) {
  if (response.status < 300) return "";
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return response.body;
  return fmt::format("{}: {}", body.value("__type", std::string("Error")),
                     body.value("message", std::string()));
}

// Subscription attributes and the value each goes back to when the file stops setting it.
const std::pair<const char*, const char*> kSubscriptionDefaults[] = {
    {"FilterPolicyScope", "MessageAttributes"},
    {"FilterPolicy", ""},
    {"RawMessageDelivery", "false"},
    {"RedrivePolicy", ""}};

}  // namespace

// One application of a project: its steps run one after another, each calling `next` when done.
struct ProjectResources::Run {
  config::ProjectConfig project;
  std::function<void(std::vector<std::string>)> done;
  std::vector<std::function<void(std::function<void()> next)>> steps;
  size_t nextStep = 0;
  std::mutex mutex;
  std::vector<std::string> errors;
  std::set<std::string> subscriptionArns;  // Made or found for this project.
  std::set<std::string> ruleKeys;          // "{bus}/{rule}" made for this project.

  void fail(const config::SourceLocation& where, const std::string& path,
            const std::string& message) {
    std::lock_guard lock(mutex);
    errors.push_back(located(where, path, message));
  }
};

ProjectResources::ProjectResources(boost::asio::io_context& io,
                                   aws::dynamodb::DynamoDbService& dynamodb,
                                   aws::sqs::SqsService& sqs, aws::sns::SnsService& sns,
                                   aws::s3::S3Service& s3, aws::events::EventsService& events,
                                   store::Store& store)
    : io_(io), dynamodb_(dynamodb), sqs_(sqs), sns_(sns), s3_(s3), events_(events), store_(store) {}

void ProjectResources::callEvents(const std::string& operation, std::string body,
                                  std::function<void(HttpResponse)> done) {
  events_.call(operation, std::move(body), [this, done = std::move(done)](HttpResponse answer) {
    boost::asio::post(io_,
                      [done, answer = std::move(answer)]() mutable { done(std::move(answer)); });
  });
}

void ProjectResources::callSns(std::vector<std::pair<std::string, std::string>> params,
                               std::function<void(HttpResponse)> done) {
  // SNS may answer while it holds its own lock; the next call must not come from there.
  sns_.call(std::move(params), [this, done = std::move(done)](HttpResponse answer) {
    boost::asio::post(io_,
                      [done, answer = std::move(answer)]() mutable { done(std::move(answer)); });
  });
}

ProjectResources::~ProjectResources() = default;

void ProjectResources::apply(const config::ProjectConfig& project,
                             std::function<void(std::vector<std::string> errors)> done) {
  auto run = std::make_shared<Run>();
  run->project = project;
  run->done = std::move(done);
  {
    std::lock_guard lock(mutex_);
    if (running_) {
      if (next_) next_->done({});  // Superseded before it began.
      next_ = run;
      return;
    }
    running_ = true;
  }
  start(run);
}

void ProjectResources::finished() {
  std::shared_ptr<Run> next;
  {
    std::lock_guard lock(mutex_);
    next = std::move(next_);
    next_.reset();
    running_ = next != nullptr;
  }
  if (next) start(next);
}

void ProjectResources::start(std::shared_ptr<Run> run) {
  auto& steps = run->steps;
  Run* r = run.get();  // Steps run while `run` is alive: the chain below holds it.

  // Tables: created, or brought in line with the file (indexes, stream, tags, time to live).
  for (const auto& table : r->project.tables) {
    steps.push_back([this, r, &table](std::function<void()> next) {
      std::optional<aws::dynamodb::DynamoDbService::TimeToLive> timeToLive;
      if (table.ttlAttribute) timeToLive = {{*table.ttlAttribute, table.ttlEnabled}};
      // The service may answer on any thread; the next step starts on the io_context.
      dynamodb_.ensureTable(table.createTableRequest, timeToLive,
                            [this, r, &table, next](std::string error) {
                              boost::asio::post(io_, [r, &table, next, error = std::move(error)] {
                                if (!error.empty()) r->fail(table.where, table.path, error);
                                next();
                              });
                            });
    });
  }

  // Queues, without their redrive policies: a dead-letter queue may be declared after the queue
  // that names it.
  for (const auto& queue : r->project.queues) {
    steps.push_back([this, r, &queue](std::function<void()> next) {
      auto attributes = queue.attributes;
      attributes.erase("RedrivePolicy");
      auto report = [r, &queue, next](std::optional<aws::sqs::SqsError> error) {
        if (error) r->fail(queue.where, queue.path, error->message);
        next();
      };
      if (!sqs_.hasQueue(queue.name)) {
        return sqs_.createQueue(queue.name, attributes, queue.tags, report);
      }
      // SQS decides at creation whether a queue is FIFO; the rest can change in place.
      attributes.erase("FifoQueue");
      sqs_.setQueueAttributes(queue.name, attributes, [this, r, &queue, report, next](auto error) {
        if (error || queue.tags.empty()) return report(error);
        sqs_.tagQueue(queue.name, queue.tags, report);
      });
    });
  }
  for (const auto& queue : r->project.queues) {
    auto policy = queue.attributes.find("RedrivePolicy");
    if (policy == queue.attributes.end()) continue;
    steps.push_back([this, r, &queue, policy](std::function<void()> next) {
      sqs_.setQueueAttributes(queue.name, {*policy}, [r, &queue, next](auto error) {
        if (error) r->fail(queue.where, queue.path, error->message);
        next();
      });
    });
  }

  for (const auto& topic : r->project.topics) {
    steps.push_back([this, r, &topic](std::function<void()> next) {
      Params create{{"Action", "CreateTopic"}, {"Name", topic.name}};
      appendMap(create, "Attributes", topic.attributes, "key", "value", "entry");
      appendMap(create, "Tags", topic.tags, "Key", "Value", "member");
      callSns(create, [this, r, &topic, next](HttpResponse answer) {
        std::string error = snsError(answer);
        if (error.find("already exists with different attributes") == std::string::npos) {
          if (!error.empty()) r->fail(topic.where, topic.path, error);
          return next();
        }
        // The topic exists as an earlier version of the file made it: update it in place.
        std::string arn =
            fmt::format("arn:aws:sns:{}:000000000000:{}", r->project.region, topic.name);
        auto pending = std::make_shared<std::atomic<size_t>>(1);
        auto one = [r, &topic, pending, next](HttpResponse answer) {
          if (auto e = snsError(answer); !e.empty()) r->fail(topic.where, topic.path, e);
          if (pending->fetch_sub(1) == 1) next();
        };
        for (const auto& [name, value] : topic.attributes) {
          if (name == "FifoTopic") continue;
          pending->fetch_add(1);
          callSns({{"Action", "SetTopicAttributes"},
                   {"TopicArn", arn},
                   {"AttributeName", name},
                   {"AttributeValue", value}},
                  one);
        }
        one(HttpResponse{200, {}, ""});
      });
    });
  }

  for (const auto& subscription : r->project.subscriptions) {
    steps.push_back([this, r, &subscription](std::function<void()> next) {
      Params subscribe{{"Action", "Subscribe"},
                       {"TopicArn", subscription.topicArn},
                       {"Protocol", subscription.protocol},
                       {"Endpoint", subscription.endpoint},
                       {"ReturnSubscriptionArn", "true"}};
      callSns(subscribe, [this, r, &subscription, next](HttpResponse answer) {
        if (auto e = snsError(answer); !e.empty()) {
          r->fail(subscription.where, subscription.path, e);
          return next();
        }
        std::string arn = xmlElement(answer.body, "SubscriptionArn");
        {
          std::lock_guard lock(r->mutex);
          r->subscriptionArns.insert(arn);
        }
        // Its attributes as the file has them now, one after another: the scope before the
        // policy that must compile for it.
        auto settings = std::make_shared<Params>();
        for (const auto& [name, fallback] : kSubscriptionDefaults) {
          auto given = subscription.attributes.find(name);
          settings->emplace_back(name,
                                 given != subscription.attributes.end() ? given->second : fallback);
        }
        // Each answer holds the function that sends the next setting; the function itself
        // holds only a weak reference, so nothing is left once the last answer is in.
        auto setNext = std::make_shared<std::function<void(size_t)>>();
        std::weak_ptr<std::function<void(size_t)>> weak = setNext;
        *setNext = [this, r, &subscription, arn, settings, weak, next](size_t i) {
          if (i == settings->size()) return next();
          callSns({{"Action", "SetSubscriptionAttributes"},
                   {"SubscriptionArn", arn},
                   {"AttributeName", (*settings)[i].first},
                   {"AttributeValue", (*settings)[i].second}},
                  [r, &subscription, self = weak.lock(), i](HttpResponse answer) {
                    if (auto e = snsError(answer); !e.empty()) {
                      r->fail(subscription.where, subscription.path, e);
                    }
                    (*self)(i + 1);
                  });
        };
        (*setNext)(0);
      });
    });
  }

  // Buckets (resources and s3 events), with their notification, CORS and versioning
  // configurations, once the queues, topics and functions they notify exist.
  for (const auto& bucket : r->project.buckets) {
    steps.push_back([this, r, &bucket](std::function<void()> next) {
      aws::s3::S3Service::ProjectBucket wanted;
      wanted.name = bucket.name;
      wanted.createIfMissing = !bucket.existing;
      wanted.eventBridge = bucket.eventBridge;
      wanted.versioning = bucket.versioning;
      wanted.policy = bucket.policy;
      std::vector<aws::s3::NotificationTarget> targets;
      for (size_t i = 0; i < bucket.notifications.size(); ++i) {
        const auto& n = bucket.notifications[i];
        aws::s3::NotificationTarget t;
        t.kind = static_cast<aws::s3::NotificationTarget::Kind>(n.kind);
        t.id = fmt::format("{}-{}", bucket.logicalId, i + 1);
        t.arn = n.arn;
        t.events = {n.event};
        t.prefix = n.prefix;
        t.suffix = n.suffix;
        targets.push_back(std::move(t));
      }
      wanted.notifications = std::move(targets);
      if (bucket.cors) {
        std::vector<aws::s3::CorsRule> rules;
        for (const auto& c : *bucket.cors) {
          rules.push_back({c.id, c.allowedOrigins, c.allowedMethods, c.allowedHeaders,
                           c.exposedHeaders, c.maxAge});
        }
        wanted.cors = std::move(rules);
      }
      s3_.applyProjectBucket(std::move(wanted), [this, r, &bucket, next](std::string error) {
        boost::asio::post(io_, [r, &bucket, next, error = std::move(error)] {
          if (!error.empty()) r->fail(bucket.where, bucket.path, error);
          next();
        });
      });
    });
  }

  // Subscriptions an earlier version of the file made and this one does not declare.
  steps.push_back([this, r](std::function<void()> next) {
    auto previous = store_.records(kSubscriptionRecord);
    auto pending = std::make_shared<std::atomic<size_t>>(1);
    auto one = [pending, next](const std::string&) {
      if (pending->fetch_sub(1) == 1) next();
    };
    for (const auto& record : previous) {
      if (r->subscriptionArns.count(record.key)) continue;
      pending->fetch_add(1);
      std::string arn = record.key;
      callSns(
          {{"Action", "Unsubscribe"}, {"SubscriptionArn", arn}},
          [this, arn, one](HttpResponse) { store_.deleteRecord(kSubscriptionRecord, arn, one); });
    }
    std::set<std::string> known;
    for (const auto& record : previous) known.insert(record.key);
    for (const auto& arn : r->subscriptionArns) {
      if (known.count(arn) || arn.empty()) continue;
      pending->fetch_add(1);
      store_.putRecord({kSubscriptionRecord, arn, ""}, one);
    }
    one("");
  });

  addEventRuleSteps(*r);

  // The chain: each step's `next` starts the following one; the last reports. A step's `next`
  // holds the chain (and so the run); the chain refers to itself only weakly.
  auto advance = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak = advance;
  *advance = [this, run, weak]() {
    if (run->nextStep == run->steps.size()) {
      std::vector<std::string> errors;
      {
        std::lock_guard lock(run->mutex);
        errors = run->errors;
      }
      run->done(std::move(errors));
      finished();
      return;
    }
    auto& step = run->steps[run->nextStep++];
    step([self = weak.lock()] { (*self)(); });
  };
  (*advance)();
}

// Buses named by `eventBridge` events, then each event's rule and its one target, then the rules
// an earlier version of the file made and this one does not declare.
void ProjectResources::addEventRuleSteps(Run& run) {
  using nlohmann::json;
  Run* r = &run;
  std::set<std::string> buses;
  for (const auto& function : r->project.functions) {
    for (const auto& rule : function.eventRules) {
      if (!rule.createsBus || !buses.insert(rule.busName).second) continue;
      r->steps.push_back([this, r, &rule](std::function<void()> next) {
        callEvents("CreateEventBus", json{{"Name", rule.busName}}.dump(),
                   [r, &rule, next](HttpResponse answer) {
                     std::string e = eventsError(answer);
                     if (!e.empty() && e.rfind("ResourceAlreadyExistsException", 0) != 0) {
                       r->fail(rule.where, rule.path, e);
                     }
                     next();
                   });
      });
    }
  }
  for (const auto& function : r->project.functions) {
    std::string functionArn =
        fmt::format("arn:aws:lambda:{}:000000000000:function:{}", r->project.region, function.name);
    for (const auto& rule : function.eventRules) {
      r->steps.push_back([this, r, &rule, functionArn](std::function<void()> next) {
        json put{{"Name", rule.name},
                 {"EventBusName", rule.busName},
                 {"State", rule.enabled ? "ENABLED" : "DISABLED"}};
        if (!rule.eventPattern.empty()) put["EventPattern"] = rule.eventPattern;
        if (!rule.scheduleExpression.empty()) put["ScheduleExpression"] = rule.scheduleExpression;
        if (!rule.description.empty()) put["Description"] = rule.description;
        json target{{"Id", rule.targetId}, {"Arn", functionArn}};
        if (rule.input) target["Input"] = *rule.input;
        if (rule.inputPath) target["InputPath"] = *rule.inputPath;
        if (rule.inputTransformer) target["InputTransformer"] = json::parse(*rule.inputTransformer);
        if (rule.maximumRetryAttempts || rule.maximumEventAge) {
          json retry = json::object();
          if (rule.maximumRetryAttempts) retry["MaximumRetryAttempts"] = *rule.maximumRetryAttempts;
          if (rule.maximumEventAge) retry["MaximumEventAgeInSeconds"] = *rule.maximumEventAge;
          target["RetryPolicy"] = retry;
        }
        if (!rule.deadLetterArn.empty()) target["DeadLetterConfig"] = {{"Arn", rule.deadLetterArn}};
        json targets{{"Rule", rule.name},
                     {"EventBusName", rule.busName},
                     {"Targets", json::array({target})}};
        callEvents("PutRule", put.dump(), [this, r, &rule, targets, next](HttpResponse answer) {
          if (auto e = eventsError(answer); !e.empty()) {
            r->fail(rule.where, rule.path, e);
            return next();
          }
          {
            std::lock_guard lock(r->mutex);
            r->ruleKeys.insert(rule.busName + "/" + rule.name);
          }
          callEvents("PutTargets", targets.dump(), [r, &rule, next](HttpResponse answer) {
            std::string e = eventsError(answer);
            if (e.empty()) {
              auto body = json::parse(answer.body, nullptr, false);
              if (body.is_object() && body.value("FailedEntryCount", 0) > 0) {
                e = body["FailedEntries"][0].value("ErrorMessage", std::string("refused"));
              }
            }
            if (!e.empty()) r->fail(rule.where, rule.path, e);
            next();
          });
        });
      });
    }
  }
  r->steps.push_back([this, r](std::function<void()> next) {
    auto previous = store_.records(kRuleRecord);
    auto pending = std::make_shared<std::atomic<size_t>>(1);
    auto one = [pending, next](const std::string&) {
      if (pending->fetch_sub(1) == 1) next();
    };
    for (const auto& record : previous) {
      if (r->ruleKeys.count(record.key)) continue;
      auto slash = record.key.find('/');
      if (slash == std::string::npos) continue;
      pending->fetch_add(1);
      std::string bus = record.key.substr(0, slash);
      std::string name = record.key.substr(slash + 1);
      std::string key = record.key;
      json remove{{"Rule", name}, {"EventBusName", bus}, {"Ids", json::array({record.value})}};
      callEvents("RemoveTargets", remove.dump(), [this, bus, name, key, one](HttpResponse) {
        callEvents("DeleteRule", json{{"Name", name}, {"EventBusName", bus}}.dump(),
                   [this, key, one](HttpResponse) { store_.deleteRecord(kRuleRecord, key, one); });
      });
    }
    std::set<std::string> known;
    for (const auto& record : previous) known.insert(record.key);
    for (const auto& function : r->project.functions) {
      for (const auto& rule : function.eventRules) {
        std::string key = rule.busName + "/" + rule.name;
        if (known.count(key) || !r->ruleKeys.count(key)) continue;
        known.insert(key);
        pending->fetch_add(1);
        store_.putRecord({kRuleRecord, key, rule.targetId}, one);
      }
    }
    one("");
  });
}

}  // namespace nimbus::server
