"""HTTP API routes with payload format 1.0 (provider.httpApi.payload '1.0'), beside a 2.0 one."""
import json

SERVERLESS_YML = """
service: payloads
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  httpApi:
    payload: '1.0'
functions:
  node:
    handler: handler.v1
    events:
      - httpApi: 'GET /node/{id}'
  bare:
    handler: handler.bare
    events:
      - httpApi: 'GET /bare'
  py:
    handler: app.handler
    runtime: python3.11
    events:
      - httpApi: 'POST /py'
  modern:
    handler: handler.v2
    httpApi:
      payload: '2.0'
    events:
      - httpApi: 'GET /modern'
"""

HANDLER_JS = """
exports.v1 = async (event) => ({
  statusCode: 200,
  multiValueHeaders: { 'x-seen': ['a', 'b'] },
  body: JSON.stringify({
    version: event.version,
    path: event.path,
    method: event.httpMethod,
    resource: event.resource,
    id: event.pathParameters && event.pathParameters.id,
    query: event.queryStringParameters,
    multiQuery: event.multiValueQueryStringParameters,
    sourceIp: event.requestContext.identity.sourceIp,
    stage: event.requestContext.stage,
    resourcePath: event.requestContext.resourcePath,
    contextPath: event.requestContext.path,
    hasRawPath: 'rawPath' in event,
  }),
});

// Payload 2.0 would send this as a 200 JSON body; 1.0 requires statusCode.
exports.bare = async () => ({ message: 'no statusCode' });

exports.v2 = async (event) => ({
  version: event.version,
  rawPath: event.rawPath,
  method: event.requestContext.http.method,
  sourceIp: event.requestContext.http.sourceIp,
  hasHttpMethod: 'httpMethod' in event,
});
"""

APP_PY = """
import json

def handler(event, context):
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "version": event["version"],
            "path": event["path"],
            "method": event["httpMethod"],
            "sourceIp": event["requestContext"]["identity"]["sourceIp"],
            "query": event["queryStringParameters"],
            "body": event["body"],
            "isBase64Encoded": event["isBase64Encoded"],
        }),
    }
"""


def start(project, serve):
    return serve(project({"serverless.yml": SERVERLESS_YML, "handler.js": HANDLER_JS,
                          "app.py": APP_PY}))


def test_node_function_reads_the_1_0_event(project, serve):
    n = start(project, serve)
    status, headers, body, raw = n.request("GET", "/node/42?q=a&q=b&x=1")
    assert status == 200, body
    event = json.loads(body)
    assert event == {
        "version": "1.0",
        "path": "/node/42",
        "method": "GET",
        "resource": "/node/{id}",
        "id": "42",
        "query": {"q": "b", "x": "1"},
        "multiQuery": {"q": ["a", "b"], "x": ["1"]},
        "sourceIp": "127.0.0.1",
        "stage": "$default",
        "resourcePath": "/node/{id}",
        "contextPath": "/node/42",
        "hasRawPath": False,
    }
    assert raw.get_all("x-seen") == ["a", "b"]  # multiValueHeaders of the 1.0 answer.
    assert headers["content-type"] == "application/json"
    assert "apigw-requestid" in headers


def test_python_function_reads_the_1_0_event(project, serve):
    n = start(project, serve)
    status, headers, body, _ = n.request("POST", "/py?name=me", body=b'{"a": 1}',
                                         headers={"Content-Type": "application/json"})
    assert status == 201, body
    assert json.loads(body) == {
        "version": "1.0",
        "path": "/py",
        "method": "POST",
        "sourceIp": "127.0.0.1",
        "query": {"name": "me"},
        "body": '{"a": 1}',
        "isBase64Encoded": False,
    }


def test_an_answer_without_status_code_is_malformed_under_1_0(project, serve):
    n = start(project, serve)
    status, headers, body, _ = n.request("GET", "/bare")
    assert status == 500
    assert body == b'{"message":"Internal Server Error"}'
    assert "apigw-requestid" in headers


def test_a_function_with_payload_2_0_beside_them_is_unchanged(project, serve):
    n = start(project, serve)
    # Both settings are read, not warned about as unsupported.
    assert "httpApi" not in n.output(), n.output()
    assert json.loads(n.request("GET", "/node/1")[2])["version"] == "1.0"
    status, headers, body, _ = n.request("GET", "/modern")
    assert status == 200, body
    assert headers["content-type"] == "application/json"  # 2.0 infers the bare answer.
    assert json.loads(body) == {"version": "2.0", "rawPath": "/modern", "method": "GET",
                                "sourceIp": "127.0.0.1", "hasHttpMethod": False}
