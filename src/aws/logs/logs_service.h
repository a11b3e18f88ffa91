// Amazon CloudWatch Logs on the AWS endpoint (JSON 1.1, X-Amz-Target "Logs_20140328.<Operation>"):
// log groups with retention and tags, log streams, PutLogEvents, GetLogEvents and
// FilterLogEvents with CloudWatch's filter patterns. Functions' output is stored by the log store
// as `/aws/lambda/{function}` events, so the same operations read it. Every operation runs on the
// log store's threads, never on the endpoint's I/O threads. docs/cloudwatch-logs.md is the
// reference.
#pragma once

#include <functional>
#include <string>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "core/result.h"
#include "http/server.h"

namespace nimbus::observe {
class LogDatabase;
class LogStore;
}  // namespace nimbus::observe

namespace nimbus::aws::logs {

struct LogsSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
};

class LogsService {
 public:
  // `store` must outlive the service.
  LogsService(observe::LogStore& store, LogsSettings settings);

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  struct Call;

 private:
  void createLogGroup(Call& call);
  void deleteLogGroup(Call& call);
  void describeLogGroups(Call& call);
  void createLogStream(Call& call);
  void deleteLogStream(Call& call);
  void describeLogStreams(Call& call);
  void putRetentionPolicy(Call& call);
  void deleteRetentionPolicy(Call& call);
  void tagLogGroup(Call& call, bool byArn);
  void untagLogGroup(Call& call, bool byArn);
  void listTags(Call& call, bool byArn);
  void putLogEvents(Call& call);
  void getLogEvents(Call& call);
  void filterLogEvents(Call& call);

  std::string groupArn(const std::string& group) const;
  // Runs `op` on the log store's writer thread and answers {} or its error.
  void change(const Call& call, std::function<Status(observe::LogDatabase&)> op);

  observe::LogStore& store_;
  LogsSettings settings_;
};

}  // namespace nimbus::aws::logs
