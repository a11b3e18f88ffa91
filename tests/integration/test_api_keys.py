"""API keys and usage plans on REST routes: `private: true`, x-api-key, quotas kept across
restarts, generated key values, per-key throttling, and the key in the event."""
import datetime
import json
import re
import subprocess

import pytest

from conftest import NIMBUS, aws_port, burst

HANDLER = """
exports.main = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ path: event.path, identity: event.requestContext.identity }),
});
"""

KEYS_YML = """
service: keyed
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  apiGateway:
    apiKeys:
      - free:
          - name: freeKey
            value: free-key-value-0123456789
            description: Free tier
          - name: offKey
            value: off-key-value-01234567890
            enabled: false
      - limited:
          - limitedKey
      - fast:
          - name: fastKey
            value: fast-key-value-0123456789
    usagePlan:
      - free:
          quota:
            limit: 1000
            period: DAY
      - limited:
          quota:
            limit: 3
            period: DAY
      - fast:
          throttle:
            burstLimit: 2
            rateLimit: 1
functions:
  api:
    handler: handler.main
    events:
      - http:
          method: get
          path: secret
          private: true
      - http: GET open
"""


def start(project, serve, data_dir):
    d = project({"serverless.yml": KEYS_YML, "handler.js": HANDLER})
    return d, serve(d, "--data-dir", str(data_dir))


def info(d, n):
    r = subprocess.run([NIMBUS, "info", "--endpoint", "http://127.0.0.1:%d" % aws_port(n)],
                       cwd=str(d), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def assert_refused(result, status, message, error_type):
    code, headers, body, _ = result
    assert code == status, (code, body)
    assert json.loads(body) == {"message": message}
    assert headers["content-type"] == "application/json"
    assert headers["x-amzn-errortype"] == error_type
    assert "x-amzn-requestid" in headers


def test_private_route_needs_a_known_enabled_key(project, serve, tmp_path_factory):
    d, n = start(project, serve, tmp_path_factory.mktemp("data"))
    assert_refused(n.request("GET", "/dev/secret"), 403, "Forbidden", "ForbiddenException")
    assert_refused(n.request("GET", "/dev/secret", headers={"x-api-key": "not-a-key-0123456789"}),
                   403, "Forbidden", "ForbiddenException")
    assert_refused(n.request("GET", "/dev/secret", headers={"x-api-key": "off-key-value-01234567890"}),
                   403, "Forbidden", "ForbiddenException")
    # Values are compared exactly.
    assert_refused(n.request("GET", "/dev/secret", headers={"x-api-key": "FREE-KEY-VALUE-0123456789"}),
                   403, "Forbidden", "ForbiddenException")

    # The header's name in any case; the handler sees the key and its id.
    status, _, body, _ = n.request("GET", "/dev/secret", headers={"X-API-Key": "free-key-value-0123456789"})
    assert status == 200, body
    identity = json.loads(body)["identity"]
    assert identity["apiKey"] == "free-key-value-0123456789"
    assert re.fullmatch(r"[a-z0-9]{10}", identity["apiKeyId"]), identity

    # A public route needs no key, and its event names none.
    status, _, body, _ = n.request("GET", "/dev/open")
    assert status == 200, body
    assert "apiKey" not in json.loads(body)["identity"]


def test_quota_and_generated_key_survive_a_restart(project, serve, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    day = datetime.datetime.now(datetime.timezone.utc).date()
    d, n = start(project, serve, data)
    text = info(d, n)
    match = re.search(r"^  limitedKey: ([A-Za-z0-9]{40})$", text, re.M)
    assert match, text
    value = match.group(1)
    assert re.search(r"^  freeKey: free-key-value-0123456789 - Free tier$", text, re.M), text
    assert re.search(r"^    usage plan limited: 0 of 3 requests used this day", text, re.M), text

    key = {"x-api-key": value}
    for _ in range(3):
        status, _, body, _ = n.request("GET", "/dev/secret", headers=key)
        assert status == 200, body
        assert json.loads(body)["identity"]["apiKey"] == value
    assert_refused(n.request("GET", "/dev/secret", headers=key), 429, "Limit Exceeded",
                   "LimitExceededException")
    assert re.search(r"^    usage plan limited: 3 of 3 requests used this day", info(d, n), re.M)
    # Another key's quota is its own.
    status, _, _, _ = n.request("GET", "/dev/secret", headers={"x-api-key": "free-key-value-0123456789"})
    assert status == 200
    assert n.stop() == 0

    n = serve(d, "--data-dir", str(data))
    text = info(d, n)
    assert re.search(r"^  limitedKey: %s$" % value, text, re.M), text
    if datetime.datetime.now(datetime.timezone.utc).date() != day:
        pytest.skip("the UTC day changed during the test: a new quota period began")
    assert re.search(r"^    usage plan limited: 3 of 3 requests used this day", text, re.M), text
    assert_refused(n.request("GET", "/dev/secret", headers=key), 429, "Limit Exceeded",
                   "LimitExceededException")


def test_per_key_throttle(project, serve, tmp_path_factory):
    d, n = start(project, serve, tmp_path_factory.mktemp("data"))
    results = burst(n.port, "GET", "/dev/secret", 20,
                    headers={"x-api-key": "fast-key-value-0123456789"})
    statuses = [s for s, _, _ in results]
    assert set(statuses) == {200, 429}, statuses
    assert statuses.count(200) >= 2, statuses
    for status, headers, body in results:
        if status == 429:
            assert json.loads(body) == {"message": "Too Many Requests"}
            assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    # Another key is not throttled by this one's bucket.
    status, _, _, _ = n.request("GET", "/dev/secret", headers={"x-api-key": "free-key-value-0123456789"})
    assert status == 200
