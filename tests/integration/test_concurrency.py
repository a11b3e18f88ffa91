"""Reserved concurrency through the Lambda API (boto3) and serverless.yml: a function runs
within its reservation and is throttled beyond it with Lambda's Reason, 0 throttles every
invocation, the account's unreserved pool shrinks by the reservations, and asynchronous events
throttled by a reservation are retried until they all run."""
import concurrent.futures
import datetime
import json
import os
import subprocess
import time

import botocore.exceptions
import pytest

from conftest import NIMBUS, ROLE, aws_client, aws_port, lambda_client, python_package

# Records each invocation's start, waits until the test releases it (a file appears), then
# records its end: the file shows whether two invocations ever ran at once.
GATED = """
import json, os, time
def handler(event, context):
    log = os.path.join(event["dir"], "log")
    with open(log, "a") as f:
        f.write("start %s\\n" % event["id"])
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(event["dir"], "release")) and time.time() < deadline:
        time.sleep(0.01)
    with open(log, "a") as f:
        f.write("end %s\\n" % event["id"])
    return {"id": event["id"]}
"""


@pytest.fixture
def server(tmp_path, serve):
    n = serve(tmp_path)
    n.aws_port = aws_port(n)
    return n


def wait_for_lines(path, count):
    """Waits until `path` has `count` lines (the functions write them)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().splitlines()
            if len(lines) >= count:
                return lines
        time.sleep(0.02)
    raise AssertionError("%s has %r" % (path, path.read_text() if path.exists() else None))


def throttle_reason(error):
    body = error.response
    return body.get("Reason") or body.get("Error", {}).get("Reason")


def test_a_reservation_of_one_runs_one_at_a_time_and_throttles_the_rest(server, scratch):
    lam = lambda_client(server.aws_port)
    lam.create_function(FunctionName="gated", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Timeout=60, Code={"ZipFile": python_package(GATED)})
    assert lam.put_function_concurrency(FunctionName="gated", ReservedConcurrentExecutions=1)[
        "ReservedConcurrentExecutions"] == 1
    assert lam.get_function_concurrency(FunctionName="gated")["ReservedConcurrentExecutions"] == 1
    assert lam.get_function(FunctionName="gated")["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    settings = lam.get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == 1000
    assert settings["UnreservedConcurrentExecutions"] == 999

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        first = pool.submit(lam.invoke, FunctionName="gated",
                            Payload=json.dumps({"id": 0, "dir": str(scratch)}))
        wait_for_lines(scratch / "log", 1)  # The first one holds the only slot.

        def another(i):
            return lambda_client(server.aws_port).invoke(
                FunctionName="gated", Payload=json.dumps({"id": i, "dir": str(scratch)}))
        others = [pool.submit(another, i) for i in (1, 2, 3)]
        reasons = []
        for future in others:
            with pytest.raises(lam.exceptions.TooManyRequestsException) as e:
                future.result()
            reasons.append(throttle_reason(e.value))
        assert reasons == ["ReservedFunctionConcurrentInvocationLimitExceeded"] * 3
        (scratch / "release").write_text("")
        assert json.loads(first.result()["Payload"].read()) == {"id": 0}
    assert (scratch / "log").read_text().splitlines() == ["start 0", "end 0"]
    info = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:%d" % server.aws_port],
                          capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    assert "account concurrency limit: 1000 (unreserved 999)" in info.stdout
    assert "concurrency reserved 1  running 0  environments 1  cold starts 1  throttles 3" in \
        info.stdout, info.stdout

    # Lambda keeps 100 of the account's 1000 unreserved.
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.put_function_concurrency(FunctionName="gated", ReservedConcurrentExecutions=901)
    assert "below its minimum value of [100]" in str(e.value)
    lam.delete_function_concurrency(FunctionName="gated")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="gated")
    assert "Concurrency" not in lam.get_function(FunctionName="gated")
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


def test_a_reservation_of_zero_throttles_everything_until_it_is_removed(server, scratch):
    lam = lambda_client(server.aws_port)
    lam.create_function(FunctionName="off", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Code={"ZipFile": python_package("def handler(e, c):\n    return 'on'\n")})
    lam.put_function_concurrency(FunctionName="off", ReservedConcurrentExecutions=0)
    for _ in range(3):
        with pytest.raises(lam.exceptions.TooManyRequestsException) as e:
            lam.invoke(FunctionName="off")
        assert throttle_reason(e.value) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName="off")
    assert json.loads(lam.invoke(FunctionName="off")["Payload"].read()) == "on"


def test_async_events_throttled_by_a_reservation_all_run_one_at_a_time(server, scratch):
    lam = lambda_client(server.aws_port)
    lam.create_function(FunctionName="serial", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Timeout=60, Code={"ZipFile": python_package(GATED)})
    lam.put_function_concurrency(FunctionName="serial", ReservedConcurrentExecutions=1)
    (scratch / "release").write_text("")  # Each runs to its end; the reservation serializes them.
    for i in range(6):
        assert lam.invoke(FunctionName="serial", InvocationType="Event",
                          Payload=json.dumps({"id": i, "dir": str(scratch)}))["StatusCode"] == 202
    lines = wait_for_lines(scratch / "log", 12)
    for start, end in zip(lines[0::2], lines[1::2]):
        assert start.split()[0] == "start" and end.split()[0] == "end"
        assert start.split()[1] == end.split()[1], lines
    assert sorted(int(l.split()[1]) for l in lines[0::2]) == list(range(6))


def test_serverless_yml_reserved_concurrency(project, serve):
    d = project({"serverless.yml": """
        service: quiet
        provider:
          name: aws
          runtime: python3.11
        functions:
          off:
            handler: app.handler
            reservedConcurrency: 0
            events:
              - httpApi: GET /off
          on:
            handler: app.handler
            reservedConcurrency: 5
        """, "app.py": "def handler(e, c):\n    return {'statusCode': 200, 'body': 'ran'}\n"})
    n = serve(d)
    lam = lambda_client(aws_port(n))
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName="quiet-dev-off")
    status, _, _, _ = n.request("GET", "/off")
    assert status == 500  # HTTP API answers a throttled integration as an internal error.
    assert lam.get_function_concurrency(FunctionName="quiet-dev-on")["ReservedConcurrentExecutions"] == 5
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 995
    # The file owns its functions' settings.
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.put_function_concurrency(FunctionName="quiet-dev-on", ReservedConcurrentExecutions=2)


PROVISIONED = """
import os
def handler(event, context):
    return {"init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
            "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}
"""


def wait_until_ready(lam, name, qualifier):
    """Reads the config until its status settles (the environments initialize meanwhile)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if config["Status"] != "IN_PROGRESS":
            return config
        time.sleep(0.05)
    raise AssertionError("provisioned concurrency of %s:%s never settled" % (name, qualifier))


def invoke_with_log(lam, name, qualifier=None):
    kwargs = {"Qualifier": qualifier} if qualifier else {}
    r = lam.invoke(FunctionName=name, LogType="Tail", **kwargs)
    import base64
    return json.loads(r["Payload"].read()), base64.b64decode(r["LogResult"]).decode()


def test_provisioned_concurrency_initializes_ahead_and_spills_over(server):
    lam = lambda_client(server.aws_port)
    lam.create_function(FunctionName="warm", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Code={"ZipFile": python_package(PROVISIONED)})
    lam.get_waiter("function_active_v2").wait(FunctionName="warm")
    version = lam.publish_version(FunctionName="warm")["Version"]
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion=version)

    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")

    put = lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live",
                                                 ProvisionedConcurrentExecutions=1)
    assert put["RequestedProvisionedConcurrentExecutions"] == 1
    assert put["Status"] == "IN_PROGRESS"
    ready = wait_until_ready(lam, "warm", "live")
    assert ready["Status"] == "READY"
    assert ready["AvailableProvisionedConcurrentExecutions"] == 1
    [listed] = lam.list_provisioned_concurrency_configs(FunctionName="warm")["ProvisionedConcurrencyConfigs"]
    assert listed["FunctionArn"].endswith(":function:warm:live")

    # The first invocation lands on the provisioned environment: no Init Duration.
    payload, log = invoke_with_log(lam, "warm", "live")
    assert payload == {"init": "provisioned-concurrency", "version": version}
    assert "REPORT RequestId" in log and "Init Duration" not in log, log
    # $LATEST has no provisioned environment: a cold start.
    payload, log = invoke_with_log(lam, "warm")
    assert payload["init"] == "on-demand" and "Init Duration" in log, log

    lam.delete_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    assert lam.list_provisioned_concurrency_configs(FunctionName="warm")["ProvisionedConcurrencyConfigs"] == []


def test_serverless_yml_provisioned_concurrency(project, serve):
    d = project({"serverless.yml": """
        service: warmth
        provider:
          name: aws
          runtime: python3.11
        functions:
          api:
            handler: main.handler
            provisionedConcurrency: 2
        """, "main.py": PROVISIONED})
    n = serve(d)
    lam = lambda_client(aws_port(n))
    deadline = time.monotonic() + 60
    info = ""
    while time.monotonic() < deadline:
        info = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:%d" % aws_port(n)],
                              capture_output=True, text=True, timeout=60).stdout
        if "provisioned 2/2" in info:
            break
        time.sleep(0.05)
    assert "environments 2  cold starts 0  throttles 0  provisioned 2/2" in info, info
    payload, log = invoke_with_log(lam, "warmth-dev-api")
    assert payload["init"] == "provisioned-concurrency" and "Init Duration" not in log, log
    # CloudWatch counts it as served by provisioned concurrency.
    now = datetime.datetime.now(datetime.timezone.utc)
    points = aws_client("cloudwatch", aws_port(n)).get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="ProvisionedConcurrencyInvocations",
        Dimensions=[{"Name": "FunctionName", "Value": "warmth-dev-api"}],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=2),
        Period=60, Statistics=["Sum"])["Datapoints"]
    assert sum(p["Sum"] for p in points) == 1
