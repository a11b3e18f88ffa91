"""Published versions and aliases through the Lambda API (boto3 and the AWS CLI): publishing,
invocation by qualifier, weighted aliases, rollback and durability across a restart."""
import json
import os
import subprocess

import pytest

from conftest import CREDENTIALS, NIMBUS, ROLE, aws_port, lambda_client, python_package

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"

# Each environment draws its own id at init, so that a test can tell environments apart.
HANDLER = """
import os, uuid
ENVIRONMENT = str(uuid.uuid4())
def handler(event, context):
    return {"code": %r, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "environment": ENVIRONMENT, "invoked": context.invoked_function_arn}
"""


def package(code):
    """HANDLER answering with `code`, as a deployment package."""
    return python_package(HANDLER % code)


@pytest.fixture
def server(tmp_path, serve):
    n = serve(tmp_path)
    n.aws_port = aws_port(n)
    n.dir = tmp_path
    return n


def create(client, name, code="one"):
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                           Handler="main.handler", Code={"ZipFile": package(code)})


def invoke(client, name, **kwargs):
    r = client.invoke(FunctionName=name, **kwargs)
    return r, json.loads(r["Payload"].read())


def aws(n, *args):
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % n.aws_port, "lambda",
                        *args], capture_output=True, text=True, env={**os.environ, **CREDENTIALS},
                       timeout=60)
    return r


def test_publish_version_snapshots_latest(server):
    c = lambda_client(server.aws_port)
    create(c, "orders", "one")
    v1 = c.publish_version(FunctionName="orders")
    assert v1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert v1["Version"] == "1"
    assert v1["FunctionArn"] == ARN + "orders:1"
    # Nothing changed since version 1: Lambda answers with it and publishes nothing.
    assert c.publish_version(FunctionName="orders")["Version"] == "1"

    latest = c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    with pytest.raises(c.exceptions.InvalidParameterValueException) as e:
        c.publish_version(FunctionName="orders", CodeSha256="not-the-hash")
    assert ("CodeSHA256 (not-the-hash) is different from current CodeSHA256 in $LATEST (%s)"
            % latest["CodeSha256"]) in str(e.value)
    with pytest.raises(c.exceptions.PreconditionFailedException):
        c.publish_version(FunctionName="orders", RevisionId="stale")
    v2 = c.publish_version(FunctionName="orders", CodeSha256=latest["CodeSha256"],
                           Description="second")
    assert v2["Version"] == "2" and v2["Description"] == "second"
    assert v2["CodeSha256"] == latest["CodeSha256"]

    # $LATEST stays mutable; the versions do not change with it.
    c.update_function_configuration(FunctionName="orders", Timeout=30)
    versions = c.list_versions_by_function(FunctionName="orders")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in versions] == [ARN + "orders:$LATEST", ARN + "orders:1",
                                                    ARN + "orders:2"]
    assert [v["Timeout"] for v in versions] == [30, 3, 3]
    page = c.list_versions_by_function(FunctionName="orders", MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"]
    rest = c.list_versions_by_function(FunctionName="orders", Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"] and "NextMarker" not in rest

    config = c.get_function_configuration(FunctionName="orders", Qualifier="1")
    assert config["Version"] == "1" and config["FunctionArn"] == ARN + "orders:1"
    assert c.get_function(FunctionName="orders:2")["Configuration"]["Description"] == "second"
    unqualified = c.get_function_configuration(FunctionName="orders")
    assert unqualified["Version"] == "$LATEST" and unqualified["FunctionArn"] == ARN + "orders"
    with pytest.raises(c.exceptions.ResourceNotFoundException) as e:
        c.get_function_configuration(FunctionName="orders", Qualifier="9")
    assert "Function not found: %sorders:9" % ARN in str(e.value)


def test_invoke_by_version_runs_that_version(server):
    c = lambda_client(server.aws_port)
    create(c, "orders", "one")
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("three"))

    r, out = invoke(c, "orders", Qualifier="1")
    assert r["ExecutedVersion"] == "1"
    assert out["code"] == "one" and out["version"] == "1" and out["invoked"] == ARN + "orders:1"
    r, out = invoke(c, "orders:2")
    assert (r["ExecutedVersion"], out["code"], out["version"]) == ("2", "two", "2")
    r, out = invoke(c, ARN + "orders:1")
    assert (r["ExecutedVersion"], out["code"]) == ("1", "one")
    r, out = invoke(c, "orders")
    assert (r["ExecutedVersion"], out["code"], out["version"]) == ("$LATEST", "three", "$LATEST")
    assert out["invoked"] == ARN + "orders"
    with pytest.raises(c.exceptions.ResourceNotFoundException) as e:
        c.invoke(FunctionName="orders", Qualifier="7")
    assert "Function not found: %sorders:7" % ARN in str(e.value)

    # An asynchronous invocation of a version runs that version.
    mark = server.mark()
    assert c.invoke(FunctionName="orders", Qualifier="2", InvocationType="Event")["StatusCode"] == 202
    server.wait_for(r"\[orders\] START RequestId: \S+ Version: 2", start=mark)


def test_delete_version_rules(server):
    c = lambda_client(server.aws_port)
    create(c, "orders")
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    c.publish_version(FunctionName="orders")
    c.create_alias(FunctionName="orders", Name="live", FunctionVersion="1")

    with pytest.raises(c.exceptions.InvalidParameterValueException) as e:
        c.delete_function(FunctionName="orders", Qualifier="$LATEST")
    assert "$LATEST version cannot be deleted without deleting the function." in str(e.value)
    with pytest.raises(c.exceptions.ResourceConflictException) as e:
        c.delete_function(FunctionName="orders", Qualifier="1")
    assert "Unable to delete version because the following aliases reference it: [live]" in str(e.value)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.delete_function(FunctionName="orders", Qualifier="5")

    c.delete_function(FunctionName="orders", Qualifier="2")
    assert [v["Version"] for v in c.list_versions_by_function(FunctionName="orders")["Versions"]] == \
        ["$LATEST", "1"]
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.invoke(FunctionName="orders", Qualifier="2")
    # Version numbers are never reused.
    c.update_function_code(FunctionName="orders", ZipFile=package("three"))
    assert c.publish_version(FunctionName="orders")["Version"] == "3"

    # Deleting the function takes its versions and aliases with it.
    c.delete_function(FunctionName="orders")
    create(c, "orders")
    assert [v["Version"] for v in c.list_versions_by_function(FunctionName="orders")["Versions"]] == \
        ["$LATEST"]
    assert c.list_aliases(FunctionName="orders")["Aliases"] == []
    assert c.publish_version(FunctionName="orders")["Version"] == "1"


def test_aliases_with_the_aws_cli(server):
    c = lambda_client(server.aws_port)
    create(c, "orders", "one")
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    c.publish_version(FunctionName="orders")

    r = aws(server, "create-alias", "--function-name", "orders", "--name", "live",
            "--function-version", "1", "--description", "production")
    assert r.returncode == 0, r.stderr
    alias = json.loads(r.stdout)
    assert alias["AliasArn"] == ARN + "orders:live"
    assert alias["FunctionVersion"] == "1" and alias["Description"] == "production"
    assert "RoutingConfig" not in alias

    r = aws(server, "create-alias", "--function-name", "orders", "--name", "live",
            "--function-version", "2")
    assert r.returncode != 0
    assert "ResourceConflictException" in r.stderr and "Alias already exists: %sorders:live" % ARN in r.stderr
    r = aws(server, "create-alias", "--function-name", "orders", "--name", "beta",
            "--function-version", "8")
    assert "ResourceNotFoundException" in r.stderr and "Function not found: %sorders:8" % ARN in r.stderr
    r = aws(server, "get-alias", "--function-name", "orders", "--name", "gone")
    assert "ResourceNotFoundException" in r.stderr and "Cannot find alias arn: %sorders:gone" % ARN in r.stderr
    r = aws(server, "create-alias", "--function-name", "orders", "--name", "canary",
            "--function-version", "1", "--routing-config", "AdditionalVersionWeights={1=0.5}")
    assert "InvalidParameterValueException" in r.stderr
    assert "Function version 1 is already included in routing configuration." in r.stderr
    r = aws(server, "create-alias", "--function-name", "orders", "--name", "canary",
            "--function-version", "1", "--routing-config", "AdditionalVersionWeights={2=1.5}")
    assert "ValidationException" in r.stderr and "Member must have value less than or equal to 1.0" in r.stderr

    r = aws(server, "invoke", "--function-name", "orders", "--qualifier", "live", "/dev/stdout")
    assert r.returncode == 0, r.stderr
    assert '"code": "one"' in r.stdout and '"ExecutedVersion": "1"' in r.stdout

    r = aws(server, "update-alias", "--function-name", "orders", "--name", "live",
            "--function-version", "2", "--routing-config", "AdditionalVersionWeights={1=0.25}")
    assert r.returncode == 0, r.stderr
    updated = json.loads(r.stdout)
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "production"
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.25}}
    assert updated["RevisionId"] != alias["RevisionId"]
    r = aws(server, "update-alias", "--function-name", "orders", "--name", "live",
            "--revision-id", alias["RevisionId"], "--function-version", "1")
    assert "PreconditionFailedException" in r.stderr

    aws(server, "create-alias", "--function-name", "orders", "--name", "edge", "--function-version", "$LATEST")
    r = aws(server, "list-aliases", "--function-name", "orders")
    assert [a["Name"] for a in json.loads(r.stdout)["Aliases"]] == ["edge", "live"]
    r = aws(server, "list-aliases", "--function-name", "orders", "--function-version", "1")
    assert [a["Name"] for a in json.loads(r.stdout)["Aliases"]] == ["live"]
    config = c.get_function_configuration(FunctionName="orders", Qualifier="live")
    assert config["FunctionArn"] == ARN + "orders:live" and config["Version"] == "2"

    r = aws(server, "delete-alias", "--function-name", "orders", "--name", "live")
    assert r.returncode == 0, r.stderr
    r = aws(server, "invoke", "--function-name", "orders", "--qualifier", "live", "/dev/null")
    assert "ResourceNotFoundException" in r.stderr
    # Nothing routes to version 1 any more: it may go.
    assert aws(server, "delete-function", "--function-name", "orders", "--qualifier", "1").returncode == 0


def test_weighted_alias_splits_traffic_and_keeps_environments_warm(server):
    c = lambda_client(server.aws_port)
    create(c, "orders", "one")
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    c.publish_version(FunctionName="orders")
    c.create_alias(FunctionName="orders", Name="live", FunctionVersion="1",
                   RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})

    counts = {"1": 0, "2": 0}
    environments = {"1": set(), "2": set()}
    for _ in range(200):
        r, out = invoke(c, "orders", Qualifier="live")
        assert r["ExecutedVersion"] == out["version"]
        assert out["code"] == {"1": "one", "2": "two"}[out["version"]]
        assert out["invoked"] == ARN + "orders:live"
        counts[out["version"]] += 1
        environments[out["version"]].add(out["environment"])
    assert 60 <= counts["1"] <= 140 and 60 <= counts["2"] <= 140, counts

    # Shifting the weights moves traffic without a cold start for either version: each keeps
    # the environments it had.
    c.update_alias(FunctionName="orders", Name="live",
                   RoutingConfig={"AdditionalVersionWeights": {"2": 0.9}})
    for _ in range(40):
        _, out = invoke(c, "orders", Qualifier="live")
        assert out["environment"] in environments[out["version"]]

    # The whole alias to version 2 at once: every invocation runs it, on its warm environment.
    c.update_alias(FunctionName="orders", Name="live", FunctionVersion="2",
                   RoutingConfig={"AdditionalVersionWeights": {}})
    for _ in range(20):
        r, out = invoke(c, "orders", Qualifier="live")
        assert r["ExecutedVersion"] == "2"
        assert out["environment"] in environments["2"]


def test_rollback_points_the_alias_back_at_once(server, scratch):
    c = lambda_client(server.aws_port)
    create(c, "shop-dev-api", "one")
    c.publish_version(FunctionName="shop-dev-api")
    c.update_function_code(FunctionName="shop-dev-api", ZipFile=package("two"))
    c.publish_version(FunctionName="shop-dev-api")
    c.create_alias(FunctionName="shop-dev-api", Name="live", FunctionVersion="2",
                   RoutingConfig={"AdditionalVersionWeights": {"1": 0.2}})
    (scratch / "serverless.yml").write_text(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  api:\n    handler: main.handler\n")
    endpoint = "http://127.0.0.1:%d" % server.aws_port

    def rollback(*args):
        return subprocess.run([NIMBUS, "rollback", "--endpoint", endpoint, *args], cwd=scratch,
                              capture_output=True, text=True, timeout=60)

    r = rollback("-f", "api", "--version", "1")
    assert r.returncode == 0, r.stderr
    assert "live" in r.stdout and "version 1" in r.stdout
    alias = c.get_alias(FunctionName="shop-dev-api", Name="live")
    assert alias["FunctionVersion"] == "1" and "RoutingConfig" not in alias
    for _ in range(10):
        r2, out = invoke(c, "shop-dev-api", Qualifier="live")
        assert r2["ExecutedVersion"] == "1" and out["code"] == "one"

    # A version that does not exist, or an alias that does not: nothing changes, exit 1.
    r = rollback("-f", "api", "--version", "7")
    assert r.returncode == 1 and "Function not found" in r.stderr
    r = rollback("-f", "api", "--version", "2", "--alias", "prod")
    assert r.returncode == 1 and "alias prod" in r.stderr
    assert c.get_alias(FunctionName="shop-dev-api", Name="live")["FunctionVersion"] == "1"
    # Bad usage exits 2.
    assert rollback("-f", "api").returncode == 2


def test_versions_and_aliases_survive_a_restart(project, serve):
    d = project({"placeholder.txt": "no serverless.yml here\n"})
    n = serve(d)
    c = lambda_client(aws_port(n))
    create(c, "orders", "one")
    create(c, "billing", "billing")  # A second function keeps its own records.
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("two"))
    c.publish_version(FunctionName="orders")
    c.update_function_code(FunctionName="orders", ZipFile=package("three"))
    c.publish_version(FunctionName="orders")
    c.delete_function(FunctionName="orders", Qualifier="3")
    c.create_alias(FunctionName="orders", Name="live", FunctionVersion="1",
                   RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    assert n.stop() == 0

    n = serve(d)
    c = lambda_client(aws_port(n))
    assert [v["Version"] for v in c.list_versions_by_function(FunctionName="orders")["Versions"]] == \
        ["$LATEST", "1", "2"]
    alias = c.get_alias(FunctionName="orders", Name="live")
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.3}}
    assert sorted(f["FunctionName"] for f in c.list_functions()["Functions"]) == ["billing", "orders"]
    _, out = invoke(c, "orders", Qualifier="2")
    assert out["code"] == "two"
    _, out = invoke(c, "orders")
    assert out["code"] == "three"
    seen = {invoke(c, "orders", Qualifier="live")[1]["code"] for _ in range(40)}
    assert seen <= {"one", "two"} and "one" in seen
    # $LATEST is unchanged since version 3 was published, but 3 is gone: a new number.
    assert c.publish_version(FunctionName="orders")["Version"] == "4"
