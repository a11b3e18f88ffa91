"""The Lambda API on the AWS endpoint, through clients nobody here wrote: the AWS CLI and boto3."""
import base64
import json
import os
import subprocess

import pytest

from conftest import CREDENTIALS, aws_port, lambda_client

SERVERLESS_YML = """
service: api
provider:
  name: aws
  runtime: python3.11
  environment:
    COLOUR: blue
functions:
  echo:
    handler: app.echo
    memorySize: 256
    timeout: 5
  fails:
    handler: app.fails
"""

APP = """
import json
def echo(event, context):
    print("echoing", json.dumps(event))
    return {"got": event, "function": context.function_name}
def fails(event, context):
    raise ValueError("no good")
"""

@pytest.fixture
def server(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = serve(d)
    n.aws_port = aws_port(n)
    return n


def aws(n, *args):
    # The AWS CLI v2 from Debian, whatever else PATH may hold.
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % n.aws_port, "lambda", *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)
    return r


def test_aws_cli_lists_gets_and_invokes(server, tmp_path):
    r = aws(server, "list-functions")
    assert r.returncode == 0, r.stderr
    names = sorted(f["FunctionName"] for f in json.loads(r.stdout)["Functions"])
    assert names == ["api-dev-echo", "api-dev-fails"]

    r = aws(server, "get-function-configuration", "--function-name", "api-dev-echo")
    assert r.returncode == 0, r.stderr
    conf = json.loads(r.stdout)
    assert conf["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo"
    assert (conf["Runtime"], conf["Handler"], conf["MemorySize"], conf["Timeout"]) == \
        ("python3.11", "app.echo", 256, 5)
    assert conf["Environment"]["Variables"] == {"COLOUR": "blue"}

    out = tmp_path / "out.json"
    r = aws(server, "invoke", "--function-name", "api-dev-echo", "--cli-binary-format",
            "raw-in-base64-out", "--payload", '{"n": 7}', "--log-type", "Tail", str(out))
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert json.loads(out.read_text()) == {"got": {"n": 7}, "function": "api-dev-echo"}
    log = base64.b64decode(meta["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "echoing {\"n\": 7}" in log
    assert "\nEND RequestId: " in log and "\nREPORT RequestId: " in log

    r = aws(server, "get-function", "--function-name", "nope")
    assert r.returncode != 0 and "ResourceNotFoundException" in r.stderr


def test_boto3_invoke_errors_and_dry_run(server):
    c = lambda_client(server.aws_port)
    r = c.invoke(FunctionName="api-dev-fails", Payload=b"{}")
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    error = json.loads(r["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "no good"

    r = c.invoke(FunctionName="arn:aws:lambda:us-east-1:000000000000:function:api-dev-echo",
                 InvocationType="DryRun")
    assert r["StatusCode"] == 204

    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.invoke(FunctionName="missing", Payload=b"{}")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function(FunctionName="api-dev-echo", Qualifier="7")

    settings = c.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] == 2


def test_payloads_over_the_sync_limit_are_request_too_large(server):
    c = lambda_client(server.aws_port)
    with pytest.raises(c.exceptions.RequestTooLargeException):
        c.invoke(FunctionName="api-dev-echo", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')


def test_nimbus_invoke_command(server):
    from conftest import NIMBUS
    endpoint = "http://127.0.0.1:%d" % server.aws_port

    def invoke(*args):
        return subprocess.run([NIMBUS, "invoke", "--endpoint", endpoint, *args],
                              cwd=server.project_dir, capture_output=True, text=True, timeout=60)

    r = invoke("-f", "echo", "--data", '{"k": 1}', "--log")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"got": {"k": 1}, "function": "api-dev-echo"}
    assert "START RequestId: " in r.stderr and "REPORT RequestId: " in r.stderr

    r = invoke("-f", "fails")
    assert r.returncode == 1
    assert json.loads(r.stdout)["errorType"] == "ValueError"

    r = invoke("-f", "missing")
    assert r.returncode == 1 and "ResourceNotFoundException" in r.stderr
    r = invoke("-f", "echo", "--data", "{not json")
    assert r.returncode == 2
    r = invoke("-f", "echo", "--type", "DryRun")
    assert r.returncode == 0 and r.stdout == ""


def test_aws_sdk_for_javascript_v3(server):
    js = os.path.join(os.path.dirname(__file__), "js")
    assert os.path.isdir(os.path.join(js, "node_modules", "@aws-sdk", "client-lambda")), \
        "scripts/setup installs @aws-sdk/client-lambda"
    r = subprocess.run(["node", os.path.join(js, "lambda_client.mjs"),
                        "http://127.0.0.1:%d" % server.aws_port, "api-dev-echo"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["functions"] == ["api-dev-echo", "api-dev-fails"]
    assert got["syncStatus"] == 200 and got["executedVersion"] == "$LATEST"
    assert got["syncPayload"] == {"got": {"n": 5}, "function": "api-dev-echo"}
    assert "REPORT RequestId: " in got["logTail"]
    assert got["eventStatus"] == 202
    assert got["notFound"] == "ResourceNotFoundException"
    assert got["notFoundStatus"] == 404
    assert got["notFoundMessage"] == \
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist"


def test_nimbus_info_shows_the_functions(server):
    from conftest import NIMBUS
    r = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:%d" % server.aws_port],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "functions: 2" in r.stdout
    assert "api-dev-echo" in r.stdout and "runtime python3.11  handler app.echo  memory 256 MB  timeout 5 s" in r.stdout
    assert "env COLOUR=blue" in r.stdout
    r = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:1"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "cannot reach nimbus" in r.stderr
