"""Asynchronous invocations (InvocationType Event): durable before 202, retried as Lambda does,
and run after a kill -9 and a restart."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import aws_port, lambda_client

SERVERLESS_YML = """
service: asy
provider:
  name: aws
  runtime: python3.11
  environment:
    SEEN_FILE: ${env:SEEN_FILE}
functions:
  rec:
    handler: app.rec
"""

APP = """
import os, time
def rec(event, context):
    time.sleep(event.get("sleep", 0))
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(str(event["id"]) + "\\n")
    with open(os.environ["SEEN_FILE"] + ".requests", "a") as f:
        f.write(context.aws_request_id + "\\n")
    if event.get("fail"):
        raise RuntimeError("failing on purpose")
    return "ok"
"""


def seen_file(d):
    # Beside the project, not in it: a write inside would reload the project every time.
    return d.parent / (d.name + "-seen.txt")


def seen(d):
    path = seen_file(d)
    return path.read_text().split() if path.exists() else []


def start(serve, d, *args):
    return serve(d, *args, env={"SEEN_FILE": str(seen_file(d))})


def wait_until(condition, timeout=30):
    """Polls an observable condition (a file the function writes), bounded."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in %s s" % timeout
        time.sleep(0.05)


def running(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def send(c, payload):
    r = c.invoke(FunctionName="asy-dev-rec", InvocationType="Event", Payload=json.dumps(payload))
    assert r["StatusCode"] == 202
    return r


def test_event_is_accepted_then_runs(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = start(serve, d)
    c = lambda_client(aws_port(n))
    send(c, {"id": "first"})
    wait_until(lambda: "first" in seen(d))


def test_failing_event_is_tried_three_times_then_dropped(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = start(serve, d, "--async-retry-delay", "0.2")
    c = lambda_client(aws_port(n))
    accepted = send(c, {"id": "bad", "fail": True})
    n.wait_for(r"async event .* dropped after 3 attempts: RuntimeError")
    assert seen(d).count("bad") == 3, "one attempt and Lambda's two retries"
    # Every attempt runs with the request id the 202 answered with.
    request_ids = (d.parent / (d.name + "-seen.txt.requests")).read_text().split()
    assert request_ids == [accepted["ResponseMetadata"]["RequestId"]] * 3


def test_async_payload_limit(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = start(serve, d, "--async-payload-limit", "262144")
    c = lambda_client(aws_port(n))
    with pytest.raises(c.exceptions.RequestTooLargeException):
        c.invoke(FunctionName="asy-dev-rec", InvocationType="Event",
                 Payload=json.dumps({"id": "big", "pad": "x" * 300000}))


def test_accepted_events_survive_kill_9(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    # One invocation at a time and slow handlers: most events are still queued at the kill.
    first = start(serve, d, "--concurrency", "1")
    c = lambda_client(aws_port(first))
    ids = ["e%02d" % i for i in range(20)]
    for i in ids:
        send(c, {"id": i, "sleep": 0.2})
    children = subprocess.run(["pgrep", "-P", str(first.proc.pid)], capture_output=True,
                              text=True).stdout.split()
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    first.killed = True
    assert len(set(seen(d))) < 20, "the kill came before every event had run"
    # Environments hold nothing of the server's: once it is gone, so are they.
    wait_until(lambda: all(not running(pid) for pid in children))

    start(serve, d)  # Same folder, same data dir: the store holds what was acknowledged.
    wait_until(lambda: set(ids) <= set(seen(d)), timeout=60)


DESTINATIONS_YML = """
service: dest
provider:
  name: aws
  runtime: python3.11
functions:
  fails:
    handler: app.fails
    maximumRetryAttempts: 1
    destinations:
      onFailure: recorder
  works:
    handler: app.works
    destinations:
      onSuccess: recorder
  recorder:
    handler: app.recorder
    environment:
      RECORDS: ${env:RECORDS}
"""

DESTINATIONS_APP = """
import json, os
def fails(event, context):
    raise ValueError("bad input " + str(event["n"]))
def works(event, context):
    return {"doubled": event["n"] * 2}
def recorder(event, context):
    with open(os.environ["RECORDS"], "a") as f:
        f.write(json.dumps(event) + "\\n")
"""


def test_destinations_receive_lambdas_invocation_records(project, serve):
    d = project({"serverless.yml": DESTINATIONS_YML, "app.py": DESTINATIONS_APP})
    path = d.parent / (d.name + "-records.jsonl")  # Outside the project: no reload per record.
    n = serve(d, "--async-retry-delay", "0.1", env={"RECORDS": str(path)})
    c = lambda_client(aws_port(n))
    for name in ("dest-dev-fails", "dest-dev-works"):
        r = c.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 21}))
        assert r["StatusCode"] == 202
    wait_until(lambda: path.exists() and len(path.read_text().splitlines()) == 2)
    records = {r["requestContext"]["condition"]: r
               for r in map(json.loads, path.read_text().splitlines())}

    failure = records["RetriesExhausted"]
    assert failure["version"] == "1.0"
    assert failure["requestContext"]["functionArn"] == \
        "arn:aws:lambda:us-east-1:000000000000:function:dest-dev-fails:$LATEST"
    assert failure["requestContext"]["approximateInvokeCount"] == 2, "one attempt and one retry"
    assert failure["requestPayload"] == {"n": 21}
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                          "functionError": "Unhandled"}
    assert failure["responsePayload"]["errorType"] == "ValueError"

    success = records["Success"]
    assert success["requestContext"]["approximateInvokeCount"] == 1
    assert success["responsePayload"] == {"doubled": 42}
    assert "functionError" not in success["responseContext"]
