"""EventBridge on the AWS endpoint, through boto3 and the AWS CLI: a rule per pattern operator
family reaching an SQS queue, an input transformer, a Lambda target of the served project, a failing
target reaching its dead-letter queue, the errors boto3 models, and a serverless.yml project with an
`eventBridge` event and a `schedule: rate(1 minute)` event made into rules."""
import json
import os
import subprocess
import time
import urllib.request

import botocore.exceptions
import pytest

from conftest import CREDENTIALS, NIMBUS, aws_client, aws_port

SERVERLESS_YML = """
service: ebit
provider:
  name: aws
  runtime: python3.11
  environment:
    EVENTS_FILE: {events}
functions:
  rec:
    handler: app.rec
    events:
      - eventBridge:
          eventBus: orders
          pattern:
            source: [shop]
            detail-type: [OrderPlaced]
            detail:
              total: [{{numeric: ['>', 100]}}]
      - schedule: rate(1 minute)
"""

APP = """
import json, os
def rec(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    return "ok"
"""

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:ebit-dev-rec"


def aws(port, *args):
    # The AWS CLI v2 from Debian, whatever else PATH may hold.
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % port, "events",
                        *args], capture_output=True, text=True, env={**os.environ, **CREDENTIALS},
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else None


def poll(what, check, timeout=30):
    """Calls `check` until it returns something truthy; fails naming `what` past the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("%s did not happen in %s s" % (what, timeout))
        time.sleep(0.05)


@pytest.fixture
def server(project, serve, tmp_path):
    d = project({"serverless.yml": SERVERLESS_YML.format(events=tmp_path / "events.jsonl"),
                 "app.py": APP})
    n = serve(d)
    n.aws_port = aws_port(n)
    n.events_file = tmp_path / "events.jsonl"
    n.events = aws_client("events", n.aws_port)
    n.sqs = aws_client("sqs", n.aws_port)
    # The project's bus and rules are made once the server listens: wait for the last target.
    def last_target():
        try:
            return n.events.list_targets_by_rule(Rule="ebit-dev-RecEventsRuleSchedule1")["Targets"]
        except n.events.exceptions.ResourceNotFoundException:
            return None
    poll("the project's rules", last_target)
    return n


def received(server, what=None):
    """Events the function received so far (scheduled ones left out unless asked)."""
    if not server.events_file.exists():
        return []
    events = [json.loads(line) for line in server.events_file.read_text().splitlines()]
    return [e for e in events if what is None or e.get("source") == what]


def drain(sqs, url, count=None, timeout=30):
    """Receives messages until `count` have arrived (or, with no count, whatever is there now)."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            messages.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if count is None and not r.get("Messages"):
            return messages
        if count is not None and len(messages) >= count:
            return messages
        if time.monotonic() > deadline:
            raise AssertionError("only %d of %s messages arrived" % (len(messages), count))
        time.sleep(0.05)


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


OPERATOR_RULES = {
    "exact": {"detail": {"color": ["red"]}},
    "prefix": {"detail": {"color": [{"prefix": "bl"}]}},
    "suffix": {"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}},
    "anything-but": {"detail": {"color": [{"anything-but": ["red", "blue"]}]}},
    "numeric": {"detail": {"size": [{"numeric": [">", 10, "<=", 20]}]}},
    "exists": {"detail": {"urgent": [{"exists": True}]}},
    "cidr": {"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}},
    "ignore-case": {"detail": {"color": [{"equals-ignore-case": "GREEN"}]}},
    "wildcard": {"detail": {"file": [{"wildcard": "img/*.png"}]}},
    "or": {"$or": [{"detail": {"size": [1]}}, {"detail": {"color": ["violet"]}}]},
    "array": {"detail": {"tags": ["sale"]}},
}

# Each event names the rules it must reach.
OPERATOR_EVENTS = [
    ({"color": "red", "size": 15}, {"exact", "numeric"}),
    ({"color": "blue", "file": "a.PNG"}, {"prefix", "suffix"}),
    ({"color": "green", "urgent": False, "ip": "10.0.0.7"},
     {"anything-but", "exists", "cidr", "ignore-case"}),
    ({"color": "red", "file": "img/cat.png", "size": 1}, {"exact", "suffix", "wildcard", "or"}),
    ({"color": "blue", "tags": ["new", "sale"], "ip": "10.0.1.7"}, {"prefix", "array"}),
]


def test_a_rule_per_operator_family_reaches_its_queue(server):
    ev, sqs = server.events, server.sqs
    queues = {}
    for i, (name, pattern) in enumerate(OPERATOR_RULES.items()):
        url, arn = queue(sqs, "op-%d" % i)
        queues[name] = url
        rule = "op-%s" % name
        assert ev.put_rule(Name=rule, EventPattern=json.dumps(pattern))["RuleArn"] == \
            "arn:aws:events:us-east-1:000000000000:rule/" + rule
        assert ev.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])["FailedEntryCount"] == 0
    entries = [{"Source": "ops", "DetailType": "check", "Detail": json.dumps({**detail, "n": i})}
               for i, (detail, _) in enumerate(OPERATOR_EVENTS)]
    answer = ev.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0
    assert len({e["EventId"] for e in answer["Entries"]}) == len(entries)
    expected = {name: sorted(i for i, (_, rules) in enumerate(OPERATOR_EVENTS) if name in rules)
                for name in OPERATOR_RULES}
    for name, url in queues.items():
        messages = drain(sqs, url, count=len(expected[name]))
        got = sorted(json.loads(m["Body"])["detail"]["n"] for m in messages)
        assert got == expected[name], name
    # PutEvents answers once every target has the event: nothing else is on its way.
    for name, url in queues.items():
        assert drain(sqs, url) == [], name
    body = json.loads(messages[0]["Body"])
    assert body["source"] == "ops" and body["detail-type"] == "check"
    assert body["account"] == "000000000000" and body["region"] == "us-east-1"
    assert body["version"] == "0" and body["resources"] == []


def test_input_transformer_and_input_path(server):
    ev, sqs = server.events, server.sqs
    url, arn = queue(sqs, "shaped")
    ev.put_rule(Name="shaped", EventPattern=json.dumps({"source": ["shop"]}))
    ev.put_targets(Rule="shaped", Targets=[
        {"Id": "t", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"item": "$.detail.item", "qty": "$.detail.qty"},
            "InputTemplate": '{"order": <item>, "count": <qty>, "line": "<qty> x <item>", '
                             '"rule": "<aws.events.rule-arn>"}'}},
        {"Id": "p", "Arn": arn, "InputPath": "$.detail.qty"},
    ])
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "x",
                            "Detail": json.dumps({"item": "pen", "qty": 3})}])
    bodies = sorted(m["Body"] for m in drain(sqs, url, count=2))
    assert bodies == ["3", '{"order": "pen", "count": 3, "line": "3 x pen", '
                           '"rule": "arn:aws:events:us-east-1:000000000000:rule/shaped"}']


def test_lambda_target_receives_the_event(server):
    ev = server.events
    ev.put_rule(Name="to-fn", EventPattern=json.dumps({"source": ["fn-test"]}))
    ev.put_targets(Rule="to-fn", Targets=[{"Id": "fn", "Arn": FUNCTION_ARN}])
    mark = server.mark()
    sent = ev.put_events(Entries=[{"Source": "fn-test", "DetailType": "ping",
                                   "Detail": json.dumps({"hello": "lambda"}),
                                   "Resources": ["arn:aws:s3:::bucket"]}])
    server.wait_for(r"\[rec\] END RequestId", start=mark)
    events = poll("the function's event", lambda: received(server, "fn-test"))
    assert events[0]["id"] == sent["Entries"][0]["EventId"]
    assert events[0]["detail"] == {"hello": "lambda"}
    assert events[0]["resources"] == ["arn:aws:s3:::bucket"]
    assert events[0]["detail-type"] == "ping"


def test_failing_target_reaches_its_dead_letter_queue(server):
    ev, sqs = server.events, server.sqs
    dlq_url, dlq_arn = queue(sqs, "rule-dlq")
    missing = "arn:aws:lambda:us-east-1:000000000000:function:no-such-function"
    ev.put_rule(Name="broken", EventPattern=json.dumps({"source": ["broken"]}))
    ev.put_targets(Rule="broken", Targets=[{"Id": "gone", "Arn": missing,
                                            "RetryPolicy": {"MaximumRetryAttempts": 0},
                                            "DeadLetterConfig": {"Arn": dlq_arn}}])
    sent = ev.put_events(Entries=[{"Source": "broken", "DetailType": "x", "Detail": "{}"}])
    message = drain(sqs, dlq_url, count=1)[0]
    assert json.loads(message["Body"])["id"] == sent["Entries"][0]["EventId"]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == "arn:aws:events:us-east-1:000000000000:rule/broken"
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] == "ResourceNotFoundException"
    assert "no-such-function" in attributes["ERROR_MESSAGE"]


def test_buses_rules_and_errors_through_the_cli_and_boto3(server):
    port = server.aws_port
    ev = server.events
    assert aws(port, "create-event-bus", "--name", "audit")["EventBusArn"] == \
        "arn:aws:events:us-east-1:000000000000:event-bus/audit"
    names = [b["Name"] for b in aws(port, "list-event-buses")["EventBuses"]]
    assert names == ["audit", "default", "orders"]
    aws(port, "put-rule", "--name", "a1", "--event-bus-name", "audit",
        "--event-pattern", '{"source":["x"]}', "--description", "first")
    rule = aws(port, "describe-rule", "--name", "a1", "--event-bus-name", "audit")
    assert rule["Arn"] == "arn:aws:events:us-east-1:000000000000:rule/audit/a1"
    assert rule["Description"] == "first" and rule["State"] == "ENABLED"
    aws(port, "disable-rule", "--name", "a1", "--event-bus-name", "audit")
    assert ev.describe_rule(Name="a1", EventBusName="audit")["State"] == "DISABLED"
    test = aws(port, "test-event-pattern", "--event-pattern", '{"detail":{"n":[{"numeric":[">",1]}]}}',
               "--event", json.dumps({"id": "1", "source": "s", "detail-type": "d",
                                      "account": "000000000000", "time": "2026-01-01T00:00:00Z",
                                      "region": "us-east-1", "resources": [], "detail": {"n": 2}}))
    assert test["Result"] is True

    with pytest.raises(botocore.exceptions.ClientError) as bad:
        ev.put_rule(Name="bad", EventPattern='{"source": "not-a-list"}')
    assert bad.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert bad.value.response["Error"]["Message"].startswith(
        'Event pattern is not valid. Reason: "source" must be an object or an array')
    ev.put_targets(Rule="a1", EventBusName="audit", Targets=[{"Id": "t", "Arn": FUNCTION_ARN}])
    with pytest.raises(botocore.exceptions.ClientError) as busy:
        ev.delete_rule(Name="a1", EventBusName="audit")
    assert busy.value.response["Error"]["Code"] == "ValidationException"
    assert ev.list_rule_names_by_target(TargetArn=FUNCTION_ARN, EventBusName="audit")["RuleNames"] == ["a1"]
    ev.remove_targets(Rule="a1", EventBusName="audit", Ids=["t"])
    ev.delete_rule(Name="a1", EventBusName="audit")
    with pytest.raises(botocore.exceptions.ClientError) as gone:
        ev.describe_rule(Name="a1", EventBusName="audit")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"

    answer = ev.put_events(Entries=[
        {"Source": "s", "DetailType": "d", "Detail": "not json"},
        {"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "nope"},
        {"Source": "s", "DetailType": "d", "Detail": "{}"}])
    assert answer["FailedEntryCount"] == 2
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail"
    assert answer["Entries"][1]["ErrorCode"] == "ResourceNotFoundException"
    assert "EventId" in answer["Entries"][2]
    with pytest.raises(botocore.exceptions.ClientError) as many:
        ev.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11)
    assert many.value.response["Error"]["Code"] == "ValidationException"


def test_serverless_yml_event_bridge_and_schedule_events(server):
    ev = server.events
    # The eventBridge event's bus is created, and its rule named as the Framework names it.
    rules = ev.list_rules(EventBusName="orders")["Rules"]
    assert [r["Name"] for r in rules] == ["ebit-dev-rec-rule-1"]
    assert json.loads(rules[0]["EventPattern"])["source"] == ["shop"]
    targets = ev.list_targets_by_rule(Rule="ebit-dev-rec-rule-1", EventBusName="orders")["Targets"]
    assert targets == [{"Id": "ebit-dev-rec-rule-1-target", "Arn": FUNCTION_ARN}]

    # The schedule is a rule on the default bus with its next firing planned.
    scheduled = ev.describe_rule(Name="ebit-dev-RecEventsRuleSchedule1")
    assert scheduled["ScheduleExpression"] == "rate(1 minute)"
    assert scheduled["State"] == "ENABLED"
    assert ev.list_targets_by_rule(Rule="ebit-dev-RecEventsRuleSchedule1")["Targets"] == \
        [{"Id": "recSchedule", "Arn": FUNCTION_ARN}]
    with urllib.request.urlopen("http://127.0.0.1:%d/_nimbus/info" % server.aws_port) as r:
        info = json.loads(r.read())
    planned = [r for r in info["rules"] if r["name"] == "ebit-dev-RecEventsRuleSchedule1"]
    assert planned and planned[0]["schedule"] == "rate(1 minute)"
    assert "nextFiring" in planned[0]
    # nimbus info lists the buses with their rules, and the scheduled rule's next firing.
    out = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:%d" % server.aws_port],
                         capture_output=True, text=True, check=True).stdout
    assert "buses:\n" in out and "\n  orders  (1 rule)\n" in out, out
    assert "  default/ebit-dev-RecEventsRuleSchedule1  (rate(1 minute), next firing " in out, out

    # An event on the bus reaches the function when the pattern matches, and only then.
    ev.put_events(Entries=[
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"total": 50}),
         "EventBusName": "orders"},
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"total": 150}),
         "EventBusName": "orders"}])
    events = poll("the order event", lambda: received(server, "shop"))
    assert [e["detail"]["total"] for e in events] == [150]
