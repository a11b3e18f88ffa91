"""CloudWatch Logs on the AWS endpoint: a served function's output read back through boto3, the AWS
CLI (`aws logs filter-log-events`, `aws logs tail --follow`) and `nimbus logs`; the log group and
stream operations, PutLogEvents and GetLogEvents paging, retention, the errors boto3 models, and
events kept across a restart."""
import json
import os
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from conftest import CREDENTIALS, NIMBUS, aws_client, aws_port, poll

SERVERLESS_YML = """
service: logit
provider:
  name: aws
  runtime: python3.11
functions:
  talk:
    handler: app.talk
"""

APP = """
import json
def talk(event, context):
    print("said " + event["word"])
    print(json.dumps({"level": event.get("level", "info"), "word": event["word"]}))
    return "ok"
"""

GROUP = "/aws/lambda/logit-dev-talk"


def aws(port, *args):
    # The AWS CLI from Debian, whatever else PATH may hold.
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % port, "logs",
                        *args], capture_output=True, text=True, env={**os.environ, **CREDENTIALS},
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture
def server(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = serve(d)
    n.aws_port = aws_port(n)
    n.dir = d
    return n


def invoke(n, word, level="info"):
    r = aws_client("lambda", n.aws_port).invoke(
        FunctionName="logit-dev-talk", Payload=json.dumps({"word": word, "level": level}))
    assert r["StatusCode"] == 200 and "FunctionError" not in r


def filtered(n, pattern, **kwargs):
    logs = aws_client("logs", n.aws_port)
    try:
        return logs.filter_log_events(logGroupName=GROUP, filterPattern=pattern, **kwargs)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_function_output_is_found_by_filter_log_events(server):
    invoke(server, "apple")
    invoke(server, "pear", level="error")
    events = poll("the REPORT lines", lambda: len(filtered(server, "REPORT")) == 2 and
                  filtered(server, "REPORT"))
    stream = events[0]["logStreamName"]
    assert stream.split("/")[3].startswith("[$LATEST]"), stream
    said = filtered(server, '"said apple"')
    assert [e["message"].rstrip("\n").split("\t")[-1] for e in said] == ["said apple"]
    errors = filtered(server, '{ $.level = "error" }')
    assert len(errors) == 1 and json.loads(errors[0]["message"])["word"] == "pear"
    # INIT_START, then START, the function's lines, END and REPORT of each request, in order,
    # in the environment's stream.
    everything = filtered(server, "")
    messages = [e["message"] for e in everything if e["logStreamName"] == stream]
    assert messages[0].startswith("INIT_START Runtime Version: ")
    assert messages[1].startswith("START RequestId: ")
    assert any(m.startswith("END RequestId: ") for m in messages)
    # The JSON line has the word without "said".
    assert [json.loads(e["message"]) for e in filtered(server, "apple -said")] == [
        {"level": "info", "word": "apple"}]
    assert len(filtered(server, "?apple ?pear")) == 4

    groups = aws_client("logs", server.aws_port).describe_log_groups(logGroupNamePrefix="/aws/lambda/")
    assert [g["logGroupName"] for g in groups["logGroups"]] == [GROUP]
    streams = aws_client("logs", server.aws_port).describe_log_streams(logGroupName=GROUP)
    assert streams["logStreams"][0]["logStreamName"] == stream
    assert streams["logStreams"][0]["lastEventTimestamp"] >= streams["logStreams"][0]["firstEventTimestamp"]

    out = json.loads(aws(server.aws_port, "filter-log-events", "--log-group-name", GROUP,
                         "--filter-pattern", "said"))
    assert sorted(e["message"].split("\t")[-1].strip() for e in out["events"]) == ["said apple",
                                                                                    "said pear"]


def test_aws_logs_tail_follows_new_output(server):
    invoke(server, "first")
    poll("the first line", lambda: filtered(server, '"said first"'))
    out = aws(server.aws_port, "tail", GROUP, "--since", "10m", "--format", "short")
    assert "said first" in out
    follow = subprocess.Popen(
        ["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % server.aws_port, "logs", "tail",
         GROUP, "--follow", "--format", "short"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **CREDENTIALS})
    seen = []
    found = threading.Event()

    def read():
        for line in follow.stdout:
            seen.append(line)
            if "said later" in line:
                found.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        invoke(server, "later")
        assert found.wait(30), "aws logs tail --follow printed:\n" + "".join(seen)
    finally:
        follow.kill()
        follow.wait()


def test_nimbus_logs_prints_and_tails(server):
    invoke(server, "plum")
    poll("the REPORT line", lambda: filtered(server, "REPORT"))
    endpoint = "http://127.0.0.1:%d" % server.aws_port
    r = subprocess.run([NIMBUS, "logs", "-f", "talk", "--endpoint", endpoint, "--filter", "plum"],
                       cwd=server.dir, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(l.endswith("said plum") for l in lines), r.stdout
    assert not any("REPORT" in l for l in lines)
    assert "\033[" not in r.stdout  # No colour when not on a terminal.

    tail = subprocess.Popen([NIMBUS, "logs", "-f", "talk", "--endpoint", endpoint, "--tail",
                             "--interval", "100"], cwd=server.dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    found = threading.Event()

    def read():
        for line in tail.stdout:
            seen.append(line)
            if "said fig" in line:
                found.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        invoke(server, "fig")
        assert found.wait(30), "nimbus logs --tail printed:\n" + "".join(seen)
    finally:
        tail.kill()
        tail.wait()
    # Every line once, even though each poll starts at the newest timestamp already printed.
    assert sum("said plum" in l for l in seen) == 1

    missing = subprocess.run([NIMBUS, "logs", "-f", "nope", "--endpoint", endpoint],
                             cwd=server.dir, capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "no logs yet" in missing.stderr


def test_groups_streams_put_and_get_with_paging(server):
    logs = aws_client("logs", server.aws_port)
    logs.create_log_group(logGroupName="/app/orders", tags={"team": "shop"})
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName="/app/orders")
    logs.create_log_stream(logGroupName="/app/orders", logStreamName="web-1")
    now = int(time.time() * 1000)
    r = logs.put_log_events(logGroupName="/app/orders", logStreamName="web-1",
                            logEvents=[{"timestamp": now + i, "message": "event %d" % i}
                                       for i in range(25)])
    assert "rejectedLogEventsInfo" not in r
    # The newest first page, then backward until the same token comes back.
    page = logs.get_log_events(logGroupName="/app/orders", logStreamName="web-1", limit=10)
    assert [e["message"] for e in page["events"]] == ["event %d" % i for i in range(15, 25)]
    collected = page["events"]
    token = page["nextBackwardToken"]
    while True:
        page = logs.get_log_events(logGroupName="/app/orders", logStreamName="web-1", limit=10,
                                   nextToken=token)
        collected = page["events"] + collected
        if page["nextBackwardToken"] == token:
            break
        token = page["nextBackwardToken"]
    assert [e["message"] for e in collected] == ["event %d" % i for i in range(25)]
    # Forward from the head, through the paginator the SDK stops when the token repeats.
    forward = logs.get_log_events(logGroupName="/app/orders", logStreamName="web-1",
                                  startFromHead=True, limit=20)
    assert len(forward["events"]) == 20
    rest = logs.get_log_events(logGroupName="/app/orders", logStreamName="web-1",
                               startFromHead=True, nextToken=forward["nextForwardToken"])
    assert [e["message"] for e in rest["events"]] == ["event %d" % i for i in range(20, 25)]
    end = logs.get_log_events(logGroupName="/app/orders", logStreamName="web-1",
                              startFromHead=True, nextToken=rest["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == rest["nextForwardToken"]

    # FilterLogEvents pages with nextToken.
    first = logs.filter_log_events(logGroupName="/app/orders", limit=10)
    second = logs.filter_log_events(logGroupName="/app/orders", limit=100,
                                    nextToken=first["nextToken"])
    assert len(first["events"]) == 10 and len(second["events"]) == 15
    assert "nextToken" not in second

    # Too new and too old are rejected, the rest kept.
    r = logs.put_log_events(logGroupName="/app/orders", logStreamName="web-1",
                            logEvents=[{"timestamp": now - 15 * 86400000, "message": "ancient"},
                                       {"timestamp": now + 100, "message": "fine"},
                                       {"timestamp": now + 3 * 3600000, "message": "future"}])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 0, "tooNewLogEventStartIndex": 2}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="/app/orders", logStreamName="web-1",
                             logEvents=[{"timestamp": now + 5, "message": "b"},
                                        {"timestamp": now + 1, "message": "a"}])
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "chronological" in e.value.response["Error"]["Message"]

    assert logs.list_tags_log_group(logGroupName="/app/orders")["tags"] == {"team": "shop"}
    arn = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"][0]["arn"][:-2]
    logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "shop", "env": "dev"}

    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_log_events(logGroupName="/app/orders", logStreamName="nope",
                            logEvents=[{"timestamp": now, "message": "x"}])
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName="/app/none")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName="/app/orders", filterPattern='{ $.level = }')
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.create_log_group(logGroupName="bad name")

    logs.delete_log_stream(logGroupName="/app/orders", logStreamName="web-1")
    assert logs.describe_log_streams(logGroupName="/app/orders")["logStreams"] == []
    logs.delete_log_group(logGroupName="/app/orders")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_log_group(logGroupName="/app/orders")


def test_retention_deletes_older_events(server):
    logs = aws_client("logs", server.aws_port)
    logs.create_log_group(logGroupName="/app/kept")
    logs.create_log_stream(logGroupName="/app/kept", logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/app/kept", logStreamName="s",
                        logEvents=[{"timestamp": now - 10 * 86400000, "message": "ten days old"}])
    logs.put_log_events(logGroupName="/app/kept", logStreamName="s",
                        logEvents=[{"timestamp": now, "message": "today"}])
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_retention_policy(logGroupName="/app/kept", retentionInDays=2)
    logs.put_retention_policy(logGroupName="/app/kept", retentionInDays=7)
    group = logs.describe_log_groups(logGroupNamePrefix="/app/kept")["logGroups"][0]
    assert group["retentionInDays"] == 7
    events = logs.filter_log_events(logGroupName="/app/kept")["events"]
    assert [e["message"] for e in events] == ["today"]


def test_events_survive_a_restart(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = serve(d)
    port = aws_port(n)
    logs = aws_client("logs", port)
    logs.create_log_group(logGroupName="/app/durable")
    logs.create_log_stream(logGroupName="/app/durable", logStreamName="s")
    logs.put_log_events(logGroupName="/app/durable", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "acknowledged"}])
    assert n.stop() == 0
    again = serve(d)
    events = aws_client("logs", aws_port(again)).filter_log_events(logGroupName="/app/durable")
    assert [e["message"] for e in events["events"]] == ["acknowledged"]
