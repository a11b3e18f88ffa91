"""Functions created, updated and deleted through the Lambda API, with the AWS CLI, boto3 and the
AWS SDK for JavaScript, and served like serverless.yml's own."""
import base64
import hashlib
import json
import os
import subprocess

import botocore.exceptions
import pytest

from conftest import CREDENTIALS, ROLE, aws_port, lambda_client, python_package, zip_package

PROJECT_YML = """
service: shop
provider:
  name: aws
  runtime: python3.11
functions:
  listed:
    handler: app.handler
"""

PROJECT_APP = """
def handler(event, context):
    return "from serverless.yml"
"""


def code_sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


HANDLER_V1 = """
import os
def handler(event, context):
    here = os.path.dirname(__file__)
    return {"version": 1, "event": event, "colour": os.environ.get("COLOUR"),
            "tool_executable": os.access(os.path.join(here, "bin/tool.sh"), os.X_OK),
            "data": open(os.path.join(here, "data/greeting.txt")).read()}
"""

HANDLER_V2 = """
def handler(event, context):
    return {"version": 2}
"""

PACKAGE_V1 = {"main.py": HANDLER_V1, "bin/tool.sh": "#!/bin/sh\necho hi\n",
              "data/greeting.txt": "hello"}


@pytest.fixture
def server(project, serve):
    d = project({"serverless.yml": PROJECT_YML, "app.py": PROJECT_APP})
    n = serve(d)
    n.aws_port = aws_port(n)
    n.dir = d
    return n


def aws(n, *args):
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % n.aws_port, "lambda", *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)
    return r


def invoke(client, name, payload=None):
    r = client.invoke(FunctionName=name, Payload=json.dumps(payload or {}))
    return r, json.loads(r["Payload"].read())


def test_aws_cli_creates_invokes_updates_and_deletes(server, scratch):
    v1 = zip_package(PACKAGE_V1)
    (scratch / "v1.zip").write_bytes(v1)
    r = aws(server, "create-function", "--function-name", "orders", "--runtime", "python3.12",
            "--handler", "main.handler", "--role", ROLE, "--zip-file", "fileb://%s" % (scratch / "v1.zip"),
            "--environment", "Variables={COLOUR=green}", "--timeout", "10")
    assert r.returncode == 0, r.stderr
    created = json.loads(r.stdout)
    assert created["FunctionName"] == "orders"
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:orders"
    assert created["CodeSha256"] == code_sha256(v1)
    assert created["CodeSize"] == len(v1)
    assert created["Timeout"] == 10 and created["MemorySize"] == 128
    assert created["State"] == "Pending"  # As Lambda answers CreateFunction.

    r = aws(server, "wait", "function-active-v2", "--function-name", "orders")
    assert r.returncode == 0, r.stderr
    r = aws(server, "invoke", "--function-name", "orders", "--cli-binary-format", "raw-in-base64-out",
            "--payload", '{"id": 7}', str(scratch / "out.json"))
    assert r.returncode == 0, r.stderr
    out = json.loads((scratch / "out.json").read_text())
    assert out == {"version": 1, "event": {"id": 7}, "colour": "green", "tool_executable": True,
                   "data": "hello"}
    assert "[orders] START RequestId:" in server.output()

    v2 = python_package(HANDLER_V2)
    (scratch / "v2.zip").write_bytes(v2)
    r = aws(server, "update-function-code", "--function-name", "orders",
            "--zip-file", "fileb://%s" % (scratch / "v2.zip"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["CodeSha256"] == code_sha256(v2)
    r = aws(server, "invoke", "--function-name", "orders", str(scratch / "out2.json"))
    assert r.returncode == 0, r.stderr
    assert json.loads((scratch / "out2.json").read_text()) == {"version": 2}

    r = aws(server, "list-functions", "--query", "Functions[].FunctionName")
    assert sorted(json.loads(r.stdout)) == ["orders", "shop-dev-listed"]

    r = aws(server, "delete-function", "--function-name", "orders")
    assert r.returncode == 0, r.stderr
    r = aws(server, "get-function", "--function-name", "orders")
    assert r.returncode != 0
    assert "ResourceNotFoundException" in r.stderr
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:orders" in r.stderr


def test_boto3_configuration_updates_and_error_classes(server):
    c = lambda_client(server.aws_port)
    created = c.create_function(FunctionName="reports", Runtime="python3.12", Role=ROLE,
                                Handler="main.handler", Code={"ZipFile": zip_package(PACKAGE_V1)})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201

    with pytest.raises(c.exceptions.ResourceConflictException) as e:
        c.create_function(FunctionName="reports", Runtime="python3.12", Role=ROLE,
                          Handler="main.handler", Code={"ZipFile": zip_package(PACKAGE_V1)})
    assert "Function already exist: reports" in str(e.value)

    updated = c.update_function_configuration(FunctionName="reports", MemorySize=512,
                                              Environment={"Variables": {"COLOUR": "red"}},
                                              Description="monthly")
    assert updated["MemorySize"] == 512 and updated["Description"] == "monthly"
    assert updated["LastUpdateStatus"] == "InProgress"
    config = c.get_function_configuration(FunctionName="reports")
    assert config["LastUpdateStatus"] == "Successful"
    assert config["Environment"]["Variables"] == {"COLOUR": "red"}
    assert config["RevisionId"] == updated["RevisionId"] != created["RevisionId"]
    _, out = invoke(c, "reports")
    assert out["colour"] == "red"

    # The checks Lambda makes, each in the exception class the SDK models.
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.update_function_configuration(FunctionName="reports", Timeout=9, RevisionId=created["RevisionId"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.update_function_configuration(FunctionName="reports", Timeout=1000)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have value less than or equal to 900" in e.value.response["Error"]["Message"]
    with pytest.raises(c.exceptions.InvalidParameterValueException) as e:
        c.update_function_configuration(FunctionName="reports",
                                        Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
    assert "reserved keys" in str(e.value)
    with pytest.raises(c.exceptions.InvalidParameterValueException) as e:
        c.update_function_code(FunctionName="reports", ZipFile=b"this is not a zip")
    assert "Could not unzip uploaded file" in str(e.value)
    with pytest.raises(c.exceptions.InvalidParameterValueException):
        c.create_function(FunctionName="evil", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                          Code={"ZipFile": zip_package({"../escape.py": "x = 1"})})
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_code(FunctionName="missing", ZipFile=zip_package(PACKAGE_V1))
    # serverless.yml's functions belong to that file.
    with pytest.raises(c.exceptions.ResourceConflictException) as e:
        c.update_function_configuration(FunctionName="shop-dev-listed", Timeout=30)
    assert "serverless.yml" in str(e.value)
    with pytest.raises(c.exceptions.ResourceConflictException):
        c.delete_function(FunctionName="shop-dev-listed")
    assert invoke(c, "shop-dev-listed")[1] == "from serverless.yml"


def test_created_functions_survive_a_restart(project, serve, scratch):
    d = project({"serverless.yml": PROJECT_YML, "app.py": PROJECT_APP})
    data = scratch / "data"
    n = serve(d, "--data-dir", str(data))
    c = lambda_client(aws_port(n))
    c.create_function(FunctionName="durable", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                      Code={"ZipFile": python_package(HANDLER_V2)})
    c.put_function_event_invoke_config(FunctionName="durable", MaximumRetryAttempts=0)
    assert n.stop() == 0

    again = serve(d, "--data-dir", str(data))
    c = lambda_client(aws_port(again))
    assert invoke(c, "durable")[1] == {"version": 2}
    assert c.get_function_event_invoke_config(FunctionName="durable")["MaximumRetryAttempts"] == 0
    assert c.get_account_settings()["AccountUsage"]["FunctionCount"] == 2


def test_event_invoke_config_api_and_on_failure_destination(server, scratch):
    c = lambda_client(server.aws_port)
    records = scratch / "records.jsonl"
    c.create_function(FunctionName="flaky", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                      Code={"ZipFile": python_package("def handler(e, c):\n    raise RuntimeError('boom')\n")})
    c.create_function(FunctionName="failures", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                      Environment={"Variables": {"OUT": str(records)}},
                      Code={"ZipFile": python_package(
                          "import json, os\n"
                          "def handler(e, c):\n"
                          "    open(os.environ['OUT'], 'a').write(json.dumps(e) + '\\n')\n")})

    with pytest.raises(c.exceptions.ResourceNotFoundException) as e:
        c.get_function_event_invoke_config(FunctionName="flaky")
    assert "arn:aws:lambda:us-east-1:000000000000:function:flaky:$LATEST doesn't have an EventInvokeConfig" in str(e.value)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.update_function_event_invoke_config(FunctionName="flaky", MaximumRetryAttempts=1)

    failures_arn = "arn:aws:lambda:us-east-1:000000000000:function:failures"
    put = c.put_function_event_invoke_config(
        FunctionName="flaky", MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    assert put["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:flaky:$LATEST"
    assert put["MaximumRetryAttempts"] == 1
    assert put["DestinationConfig"]["OnFailure"]["Destination"] == failures_arn
    assert "MaximumEventAgeInSeconds" not in put
    updated = c.update_function_event_invoke_config(FunctionName="flaky", MaximumRetryAttempts=0)
    assert updated["MaximumRetryAttempts"] == 0
    assert updated["DestinationConfig"]["OnFailure"]["Destination"] == failures_arn  # Kept.
    listed = c.list_function_event_invoke_configs(FunctionName="flaky")["FunctionEventInvokeConfigs"]
    assert [x["MaximumRetryAttempts"] for x in listed] == [0]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_function_event_invoke_config(FunctionName="flaky", MaximumRetryAttempts=3)
    assert e.value.response["Error"]["Code"] == "ValidationException"

    accepted = c.invoke(FunctionName="flaky", InvocationType="Event", Payload=b'{"order": 42}')
    assert accepted["StatusCode"] == 202
    server.wait_for(r"\[failures\] END RequestId")
    record = json.loads(records.read_text().splitlines()[0])
    assert record["requestContext"]["requestId"] == accepted["ResponseMetadata"]["RequestId"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestContext"]["functionArn"].endswith(":function:flaky:$LATEST")
    assert record["requestPayload"] == {"order": 42}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "RuntimeError"

    c.delete_function_event_invoke_config(FunctionName="flaky")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_function_event_invoke_config(FunctionName="flaky")


def test_aws_sdk_for_javascript_v3_function_lifecycle(server, scratch):
    (scratch / "v1.zip").write_bytes(zip_package(PACKAGE_V1))
    (scratch / "v2.zip").write_bytes(python_package(HANDLER_V2))
    script = os.path.join(os.path.dirname(__file__), "js", "function_lifecycle.mjs")
    r = subprocess.run(["node", script, "http://127.0.0.1:%d" % server.aws_port,
                        str(scratch / "v1.zip"), str(scratch / "v2.zip")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["createStatus"] == 201
    assert out["first"]["version"] == 1
    assert out["second"] == {"version": 2}
    assert out["conflict"] == "ResourceConflictException"
    assert out["afterDelete"] == "ResourceNotFoundException"


def test_serving_without_a_project_and_nimbus_info_endpoint(tmp_path, serve):
    n = serve(tmp_path)
    n.wait_for(r"no serverless.yml in .*: serving the AWS endpoint only")
    port = aws_port(n)
    c = lambda_client(port)
    assert c.list_functions()["Functions"] == []
    c.create_function(FunctionName="alone", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                      Code={"ZipFile": python_package(HANDLER_V2)})
    assert invoke(c, "alone")[1] == {"version": 2}
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_nimbus/info")
    info = json.loads(conn.getresponse().read())
    assert info["services"] == []
    assert info["gateway"] == "http://127.0.0.1:%d" % n.port


def test_nimbus_info_endpoint_lists_the_projects_routes(project, serve):
    d = project({"serverless.yml": PROJECT_YML + """
    events:
      - httpApi: GET /items/{id}
      - http: POST /orders
""", "app.py": PROJECT_APP})
    n = serve(d)
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", aws_port(n), timeout=10)
    conn.request("GET", "/_nimbus/info")
    info = json.loads(conn.getresponse().read())
    service = info["services"][0]
    assert (service["service"], service["stage"]) == ("shop", "dev")
    routes = {(r["api"], r["method"], r["path"], r["function"]) for r in service["routes"]}
    assert routes == {("httpApi", "GET", "/items/{id}", "shop-dev-listed"),
                      ("rest", "POST", "/dev/orders", "shop-dev-listed")}
    assert service["routes"][0]["url"].startswith("http://127.0.0.1:%d/" % n.port)
