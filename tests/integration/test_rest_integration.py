"""REST API fidelity with real Node.js functions: the non-proxy `integration: lambda` (request
templates, status code patterns), binary media types, proxy answers whose body is not a string,
events written as plain strings, and API keys in the Framework v2 place (`provider.apiKeys`)."""
import base64
import hashlib
import json

HANDLER = r"""
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64');

// integration: lambda: the event is what the request template made of the request.
exports.lookup = async (event) => {
  if (event.id === 'missing') {
    throw new Error(JSON.stringify({ statusCode: 404, message: 'no item ' + event.id }));
  }
  if (event.id === 'broken') throw new Error('[500] the store is down');
  return { item: event.id, verbose: event.verbose, agent: event.agent, stage: event.stage };
};

// integration: lambda with the Framework's default request template.
exports.echo = async (event) => event;

exports.image = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'image/png' },
  body: PNG.toString('base64'),
  isBase64Encoded: true,
});

exports.upload = async (event) => {
  const bytes = Buffer.from(event.body || '', event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    statusCode: 200,
    body: JSON.stringify({
      isBase64Encoded: event.isBase64Encoded,
      sha256: require('crypto').createHash('sha256').update(bytes).digest('hex'),
    }),
  };
};

exports.objectBody = async () => ({ statusCode: 200, body: { not: 'a string' } });
exports.noStatus = async () => ({ body: { inner: 1 }, extra: true });
exports.plain = async () => ({ statusCode: 200, body: 'ok' });
"""

PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

SERVERLESS_YML = r"""
service: fidelity
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  apiKeys:
    - name: legacyKey
      value: legacy-key-value-0123456
  apiGateway:
    binaryMediaTypes:
      - image/png
functions:
  lookup:
    handler: handler.lookup
    events:
      - http:
          method: get
          path: items/{id}
          integration: lambda
          request:
            template:
              application/json: >
                {"id": "$input.params('id')",
                 "verbose": "$input.params('verbose')",
                 "agent": "$util.escapeJavaScript($input.params().header.get('X-Agent'))",
                 "stage": "$context.stage"}
          response:
            headers:
              X-Mapped: "'yes'"
            statusCodes:
              200:
                pattern: ''
              404:
                pattern: '.*"statusCode":404.*'
                template: $input.path('$.errorMessage')
  echo:
    handler: handler.echo
    events:
      - http:
          method: post
          path: echo/{name}
          integration: lambda
  image:
    handler: handler.image
    events:
      - http: GET image
  upload:
    handler: handler.upload
    events:
      - http: POST upload
  objectBody:
    handler: handler.objectBody
    events:
      - http: GET object-body
      - httpApi: GET /object-body
  noStatus:
    handler: handler.noStatus
    events:
      - httpApi: GET /no-status
  plain:
    handler: handler.plain
    events:
      - alexaSkill
      - http:
          method: get
          path: private
          private: true
"""


def start(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "handler.js": HANDLER})
    return serve(d)


def test_lambda_integration_request_template_and_status_patterns(project, serve):
    n = start(project, serve)
    status, headers, body, _ = n.request("GET", "/dev/items/42?verbose=yes",
                                         headers={"X-Agent": 'say "hi"'})
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    assert headers["x-mapped"] == "yes"
    assert json.loads(body) == {"item": "42", "verbose": "yes", "agent": 'say "hi"', "stage": "dev"}

    # The error message matches the 404 pattern; its template makes the body the message itself.
    status, headers, body, _ = n.request("GET", "/dev/items/missing")
    assert status == 404, body
    assert json.loads(body) == {"statusCode": 404, "message": "no item missing"}
    assert headers["x-mapped"] == "yes"

    # No pattern matches: API Gateway answers with the default response, the error as its body.
    status, _, body, _ = n.request("GET", "/dev/items/broken")
    assert status == 200, body
    assert json.loads(body)["errorMessage"] == "[500] the store is down"


def test_lambda_integration_default_template_and_passthrough(project, serve):
    n = start(project, serve)
    status, _, body, _ = n.request("POST", "/dev/echo/ann?q=1", body=json.dumps({"a": [1, 2]}),
                                   headers={"Content-Type": "application/json", "X-Tag": "t"})
    assert status == 200, body
    event = json.loads(body)
    assert event["body"] == {"a": [1, 2]}
    assert event["method"] == "POST"
    assert event["stage"] == "dev"
    assert event["path"] == {"name": "ann"}
    assert event["query"] == {"q": "1"}
    assert event["headers"]["X-Tag"] == "t"
    assert event["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestPath"] == "/echo/{name}"
    assert event["principalId"] == "" and event["stageVariables"] == {}

    status, _, body, _ = n.request("POST", "/dev/echo/bob", body="a=1&b=x%20y",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    assert json.loads(body)["body"] == {"a": "1", "b": "x y"}

    # passThrough NEVER (the Framework's default): a type without a template is refused.
    status, headers, body, _ = n.request("POST", "/dev/echo/x", body="hi",
                                         headers={"Content-Type": "text/plain"})
    assert status == 415, body
    assert json.loads(body) == {"message": "Unsupported Media Type"}


def test_binary_media_types_on_rest(project, serve):
    n = start(project, serve)
    status, headers, body, _ = n.request("GET", "/dev/image", headers={"Accept": "image/png"})
    assert status == 200, body
    assert headers["content-type"] == "image/png"
    assert body == PNG_BYTES

    # The first Accept type is not binary: API Gateway sends the base64 text.
    status, _, body, _ = n.request("GET", "/dev/image", headers={"Accept": "application/json"})
    assert status == 200
    assert base64.b64decode(body) == PNG_BYTES

    # A request body of a binary type reaches the function base64-encoded.
    payload = PNG_BYTES + bytes(range(256))
    status, _, body, _ = n.request("POST", "/dev/upload", body=payload,
                                   headers={"Content-Type": "image/png"})
    assert status == 200, body
    assert json.loads(body) == {"isBase64Encoded": True,
                                "sha256": hashlib.sha256(payload).hexdigest()}


def test_proxy_answers_whose_body_is_not_a_string(project, serve):
    n = start(project, serve)
    # REST: a malformed Lambda proxy response.
    status, headers, body, _ = n.request("GET", "/dev/object-body")
    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}
    # HTTP API 2.0: with a statusCode the answer is malformed too...
    status, _, body, _ = n.request("GET", "/object-body")
    assert status == 500
    assert json.loads(body) == {"message": "Internal Server Error"}
    # ...and without one the whole answer is the body.
    status, headers, body, _ = n.request("GET", "/no-status")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"body": {"inner": 1}, "extra": True}


def test_string_events_warn_and_v2_api_keys_work(project, serve):
    n = start(project, serve)
    n.wait_for(r"warning: serverless.yml:\d+: functions.plain.events\[0\]: the event 'alexaSkill' "
               r"is written as a plain string", start=0)
    n.wait_for(r"warning: serverless.yml:\d+: provider.apiKeys is the Serverless Framework v2",
               start=0)
    status, _, body, _ = n.request("GET", "/dev/private")
    assert status == 403, body
    status, _, body, _ = n.request("GET", "/dev/private",
                                   headers={"x-api-key": "legacy-key-value-0123456"})
    assert status == 200, body
    assert body == b"ok"
