"""The seed app: Express wrapped with serverless-http behind an HTTP API `'*'` route."""
import json
import os
import shutil

import pytest

from conftest import SOURCE_DIR, aws_client, aws_port


@pytest.fixture
def express_app(tmp_path):
    src = os.path.join(SOURCE_DIR, "examples", "express-app")
    dst = tmp_path / "express-app"
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(".nimbus"))
    return dst


def test_routes_answer_as_behind_an_http_api(express_app, serve):
    n = serve(express_app)
    status, headers, body, _ = n.request("GET", "/")
    assert status == 200
    assert body == b"Hello, Serverless with Express!"
    assert headers["content-type"].startswith("text/html")
    assert "apigw-requestid" in headers

    status, headers, body, _ = n.request("POST", "/create", body=json.dumps({"name": "pen"}),
                                         headers={"Content-Type": "application/json"})
    assert status == 201, body
    assert json.loads(body) == {"created": {"name": "pen"}}

    status, headers, body, _ = n.request("GET", "/items/42")
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"id": "42", "name": "Item 42"}


def test_cold_then_warm_and_logs_framed_as_lambda(express_app, serve):
    n = serve(express_app)
    mark = n.mark()
    assert n.request("GET", "/items/1")[0] == 200
    report = n.wait_for(r"\[app\] REPORT RequestId: ", start=mark)
    assert "Init Duration: " in report
    assert "Memory Size: 1024 MB" in report
    mark = n.mark()
    assert n.request("GET", "/items/2")[0] == 200
    report = n.wait_for(r"\[app\] REPORT RequestId: ", start=mark)
    assert "Init Duration" not in report
    n.wait_for(r"\[app\] START RequestId: [0-9a-f-]{36} Version: \$LATEST")
    # Logs are kept as CloudWatch keeps them: the function's group, the environment's stream.
    logs = aws_client("logs", aws_port(n))
    streams = logs.describe_log_streams(
        logGroupName="/aws/lambda/serverless-express-app-dev-app")["logStreams"]
    assert len(streams) == 1 and "[$LATEST]" in streams[0]["logStreamName"]
    assert (express_app / ".nimbus" / "logs.db").is_file()


def test_unknown_express_route_is_the_apps_own_404(express_app, serve):
    n = serve(express_app)
    status, _, body, _ = n.request("GET", "/nothing-here")
    assert status == 404
    assert json.loads(body)["error"]
