"""API Gateway's protections in front of functions: throttling, CORS and resource policies."""
import os
import re
import subprocess
import time

from conftest import NIMBUS, burst

HANDLER = """
exports.main = async (event) => ({
  statusCode: 200,
  headers: { 'x-handler': 'yes', 'Access-Control-Allow-Origin': 'https://from-function.example' },
  body: JSON.stringify({ path: event.rawPath || event.path, method: event.httpMethod || event.requestContext.http.method }),
});
"""


THROTTLED_YML = """
service: throttled
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
custom:
  apiGatewayThrottling:
    maxRequestsPerSecond: 1
    maxConcurrentRequests: 2
functions:
  api:
    handler: handler.main
    events:
      - httpApi: 'GET /limited'
      - httpApi:
          method: get
          path: /open
          throttling:
            disabled: true
      - http: GET limited
      - http:
          method: get
          path: roomy
          throttling:
            maxRequestsPerSecond: 1000
            maxConcurrentRequests: 1000
"""


def check_burst(results, started, api):
    statuses = [s for s, _, _ in results]
    assert set(statuses) <= {200, 429}, statuses
    ok = statuses.count(200)
    # The bucket holds 2 tokens and gains 1 a second: at least 2 pass, the rest of a burst of 20
    # cannot all pass.
    assert ok >= 2, statuses
    assert ok <= 2 + int(time.monotonic() - started) + 1, statuses
    assert statuses.count(429) >= 1, statuses
    for status, headers, body in results:
        if status != 429:
            continue
        assert body == b'{"message":"Too Many Requests"}'
        assert headers["content-type"] == "application/json"
        if api == "http":
            assert "apigw-requestid" in headers
        else:
            assert headers["x-amzn-errortype"] == "TooManyRequestsException"
            assert "x-amzn-requestid" in headers


def test_a_burst_over_rate_1_burst_2_is_throttled(project, serve):
    n = serve(project({"serverless.yml": THROTTLED_YML, "handler.js": HANDLER}))
    started = time.monotonic()
    check_burst(burst(n.port, "GET", "/limited", 20), started, "http")
    started = time.monotonic()
    check_burst(burst(n.port, "GET", "/dev/limited", 20), started, "rest")
    # A route's own settings replace the stage's; `disabled` leaves it unthrottled.
    assert [s for s, _, _ in burst(n.port, "GET", "/open", 20)] == [200] * 20
    assert [s for s, _, _ in burst(n.port, "GET", "/dev/roomy", 20)] == [200] * 20


HTTP_CORS_YML = """
service: corsy
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  httpApi:
    cors:
      allowedOrigins: [https://app.example]
      allowedHeaders: [Content-Type, Authorization]
      allowCredentials: true
      exposedResponseHeaders: [x-handler]
      maxAge: 600
functions:
  api:
    handler: handler.main
    events:
      - httpApi: 'GET /items'
      - httpApi: 'POST /items'
"""


def test_http_api_cors(project, serve):
    n = serve(project({"serverless.yml": HTTP_CORS_YML, "handler.js": HANDLER}))
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    status, headers, body, _ = n.request("OPTIONS", "/items", headers=preflight)
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-allow-methods"] == "OPTIONS,GET,POST"
    assert headers["access-control-allow-headers"] == "Content-Type,Authorization"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-max-age"] == "600"
    # Answered by API Gateway, for any path, without running a function.
    status, headers, _, _ = n.request("OPTIONS", "/nowhere", headers=preflight)
    assert status == 204 and headers["access-control-allow-origin"] == "https://app.example"
    # An origin that is not allowed gets no CORS headers.
    status, headers, _, _ = n.request(
        "OPTIONS", "/items", headers={**preflight, "Origin": "https://evil.example"})
    assert status == 204
    assert not any(k.startswith("access-control-") for k in headers)

    # Responses carry the configured headers, not the function's.
    status, headers, body, _ = n.request("GET", "/items", headers={"Origin": "https://app.example"})
    assert status == 200 and headers["x-handler"] == "yes"
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-expose-headers"] == "x-handler"
    assert "access-control-allow-methods" not in headers
    # Without an Origin (or with another one) there are none at all.
    for extra in [{}, {"Origin": "https://evil.example"}]:
        status, headers, _, _ = n.request("GET", "/items", headers=extra)
        assert status == 200
        assert not any(k.startswith("access-control-") for k in headers), headers
    # API Gateway's own answers get them too.
    status, headers, _, _ = n.request("GET", "/missing", headers={"Origin": "https://app.example"})
    assert status == 404 and headers["access-control-allow-origin"] == "https://app.example"


REST_CORS_YML = """
service: restcors
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
functions:
  api:
    handler: handler.main
    events:
      - http:
          method: get
          path: items
          cors: true
      - http:
          method: get
          path: private
          cors:
            origins: [https://app.example, https://*.tools.example]
            headers: [Content-Type, X-Custom]
            allowCredentials: true
            maxAge: 86400
            cacheControl: max-age=600
      - http: GET plain
"""


def test_rest_cors(project, serve):
    n = serve(project({"serverless.yml": REST_CORS_YML, "handler.js": HANDLER}))
    # The Framework's OPTIONS mock: 200, fixed headers, whatever the request's Origin.
    status, headers, body, _ = n.request("OPTIONS", "/dev/items")
    assert (status, body) == (200, b"")
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "OPTIONS,GET"
    assert headers["access-control-allow-headers"] == (
        "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,"
        "X-Amzn-Trace-Id")
    assert "access-control-allow-credentials" not in headers
    assert "x-amzn-requestid" in headers

    status, headers, _, _ = n.request("OPTIONS", "/dev/private", headers={"Origin": "https://a.tools.example"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://a.tools.example"
    assert headers["access-control-allow-headers"] == "Content-Type,X-Custom"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-max-age"] == "86400"
    assert headers["cache-control"] == "max-age=600"
    status, headers, _, _ = n.request("OPTIONS", "/dev/private", headers={"Origin": "https://evil.example"})
    assert headers["access-control-allow-origin"] == "https://app.example"

    # The Lambda proxy's answer passes unchanged: the function sets its own CORS headers.
    status, headers, _, _ = n.request("GET", "/dev/items", headers={"Origin": "https://app.example"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://from-function.example"
    # A resource without cors has no OPTIONS method.
    status, _, body, _ = n.request("OPTIONS", "/dev/plain")
    assert (status, body) == (403, b'{"message":"Missing Authentication Token"}')


def policy_yml(statements):
    return """
service: guarded
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  apiGateway:
    resourcePolicy:
%s
functions:
  api:
    handler: handler.main
    events:
      - http: GET items
      - http: POST items
      - httpApi: 'GET /v2'
""" % statements


DENIAL = re.compile(
    rb'\{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: '
    rb'arn:aws:execute-api:us-east-1:\*\*\*\*\*\*\*\*0000:[a-z0-9]{10}/dev/(GET|POST)/items"\}$')


def test_resource_policy_allows_the_clients_address(project, serve):
    yml = policy_yml("""
      - Effect: Allow
        Principal: '*'
        Action: execute-api:Invoke
        Resource: execute-api:/*/*/*
        Condition:
          IpAddress:
            aws:SourceIp: [127.0.0.0/8, '::1']
      - Effect: Deny
        Principal: '*'
        Action: execute-api:Invoke
        Resource: execute-api:/*/POST/*
        Condition:
          IpAddress:
            aws:SourceIp: 127.0.0.1/32""")
    n = serve(project({"serverless.yml": yml, "handler.js": HANDLER}))
    status, _, body, _ = n.request("GET", "/dev/items")
    assert status == 200, body
    # An explicit Deny wins over the Allow.
    status, headers, body, _ = n.request("POST", "/dev/items")
    assert status == 403
    assert DENIAL.match(body), body
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert headers["content-type"] == "application/json"


def test_resource_policy_denies_other_addresses(project, serve):
    yml = policy_yml("""
      - Effect: Allow
        Principal: '*'
        Action: execute-api:Invoke
        Resource: execute-api:/*/*/*
        Condition:
          IpAddress:
            aws:SourceIp: [10.0.0.0/8, '2001:db8::/32']""")
    n = serve(project({"serverless.yml": yml, "handler.js": HANDLER}))
    for method in ["GET", "POST"]:
        status, _, body, _ = n.request(method, "/dev/items")
        assert status == 403
        assert DENIAL.match(body), body
    # HTTP APIs have no resource policies.
    status, _, _, _ = n.request("GET", "/v2")
    assert status == 200


def test_resource_policy_not_ip_address(project, serve):
    yml = policy_yml("""
      - Effect: Allow
        Principal: '*'
        Action: execute-api:Invoke
        Resource: '*'
      - Effect: Deny
        Principal: '*'
        Action: execute-api:Invoke
        Resource: '*'
        Condition:
          NotIpAddress:
            aws:SourceIp: 192.168.0.0/16""")
    n = serve(project({"serverless.yml": yml, "handler.js": HANDLER}))
    status, _, body, _ = n.request("GET", "/dev/items")
    assert status == 403 and DENIAL.match(body), body


def test_a_bad_cidr_is_a_configuration_error(project):
    yml = policy_yml("""
      - Effect: Allow
        Principal: '*'
        Action: execute-api:Invoke
        Resource: '*'
        Condition:
          IpAddress:
            aws:SourceIp: 10.0.0.0/33""")
    folder = project({"serverless.yml": yml, "handler.js": HANDLER})
    r = subprocess.run([NIMBUS, "serve", "--port", "0", "--aws-port", "0"], cwd=folder,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert ("serverless.yml:15: provider.apiGateway.resourcePolicy[0].Condition.IpAddress."
            "aws:SourceIp: '10.0.0.0/33' is not an IP address or CIDR block") in r.stderr, r.stderr
