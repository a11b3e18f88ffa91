"""examples/express-app through serverless-http under the Node bootstrap, with
API Gateway HTTP API (payload format 2.0) events."""

import copy
import json
import os
import subprocess

import pytest

from conftest import NODE, REPO

APP = os.path.join(REPO, "examples", "express-app")
EVENT_NAME = "apigw-v2-request-no-authorizer.json"


@pytest.fixture(scope="module")
def express_app():
    if NODE is None:
        pytest.skip("node is not installed")
    if not os.path.isdir(os.path.join(APP, "node_modules", "serverless-http")):
        # node_modules is not committed; install from the lock file.
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=APP, capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            pytest.skip("npm ci failed in examples/express-app: " + result.stderr[-500:])
    return APP


@pytest.fixture(scope="module")
def sample_event():
    with open(os.path.join(REPO, "tests", "conformance", "events", EVENT_NAME)) as f:
        return json.load(f)


def http_event(sample, method, path, body=None, query=""):
    event = copy.deepcopy(sample)
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    if body is not None:
        text = json.dumps(body)
        event["body"] = text
        event["headers"]["content-type"] = "application/json"
        event["headers"]["content-length"] = str(len(text))
    return event


def test_express_routes(api, node, express_app, sample_event):
    node("handler.handler", task_root=express_app, env={"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs20.x"})

    root = api.invoke(sample_event).json  # the sample itself: GET /
    assert root["statusCode"] == 200
    assert root["body"] == "Hello, Serverless with Express!"
    assert root["headers"]["content-type"].startswith("text/html")
    assert root["isBase64Encoded"] is False

    created = api.invoke(http_event(sample_event, "POST", "/create", {"name": "widget", "qty": 2})).json
    assert created["statusCode"] == 201
    assert created["headers"]["content-type"].startswith("application/json")
    assert json.loads(created["body"]) == {"created": {"name": "widget", "qty": 2}}

    item = api.invoke(http_event(sample_event, "GET", "/items/42")).json
    assert item["statusCode"] == 200
    assert json.loads(item["body"]) == {"id": "42", "name": "Item 42"}

    missing = api.invoke(http_event(sample_event, "GET", "/no/such/route")).json
    assert missing["statusCode"] == 404
    assert json.loads(missing["body"])["error"] == "Not Found"

    bad = http_event(sample_event, "POST", "/create")
    bad["body"] = "{not json"
    bad["headers"]["content-type"] = "application/json"
    rejected = api.invoke(bad).json
    assert rejected["statusCode"] == 400
    assert "error" in json.loads(rejected["body"])

    # all of it over the one connection the environment opened
    assert api.connections == 1
