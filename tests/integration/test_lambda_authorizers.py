"""Lambda authorizers: REST TOKEN and REQUEST, HTTP API payload 2.0 (simple answers) and 1.0
(IAM policies), with their answers cached by identity and API Gateway's refusals."""
import json
import subprocess

from conftest import NIMBUS

AUTHORIZERS = """
function policy(principalId, effect, resource, context) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  };
}

exports.token = async (event, ctx) => {
  const token = event.authorizationToken.replace(/^Bearer /, '');
  const context = { invocation: ctx.awsRequestId, tier: 'gold', level: 3, admin: true,
                    type: event.type, methodArn: event.methodArn };
  switch (token) {
    case 'allow': return policy('user-1', 'Allow', event.methodArn, context);
    case 'wildcard': {
      // arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH: any method and path of the stage.
      const [api, stage] = event.methodArn.split('/');
      return policy('user-2', 'Allow', `${api}/${stage}/*/*`, context);
    }
    case 'deny': return policy('user-3', 'Deny', event.methodArn, context);
    case 'elsewhere': return policy('user-4', 'Allow', 'arn:aws:execute-api:us-east-1:000000000000:other/dev/GET/x', context);
    case 'unauthorized': throw new Error('Unauthorized');
    case 'broken': return { principalId: 'nobody' };
    default: throw new Error('cannot decide');
  }
};

exports.request = async (event, ctx) => {
  const user = event.headers['X-User'];
  const tenant = event.queryStringParameters && event.queryStringParameters.tenant;
  return policy(user, user === 'alice' && tenant === 'acme' ? 'Allow' : 'Deny', event.methodArn, {
    invocation: ctx.awsRequestId, user, type: event.type,
    hasBody: 'body' in event, resource: event.resource,
  });
};

exports.simple = async (event, ctx) => ({
  isAuthorized: event.identitySource[0] === 'alice',
  context: { invocation: ctx.awsRequestId, user: event.identitySource[0], version: event.version,
             routeArn: event.routeArn, hasBody: 'body' in event },
});

exports.policyV1 = async (event, ctx) =>
  policy('p', event.identitySource === 'alice' ? 'Allow' : 'Deny', event.methodArn,
         { invocation: ctx.awsRequestId, version: event.version });
"""

HANDLER = """
exports.main = async (event) => ({
  statusCode: 200,
  body: JSON.stringify(event.requestContext.authorizer || null),
});
"""

YML = """
service: guarded
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  httpApi:
    authorizers:
      simple:
        type: request
        functionName: simpleAuth
        enableSimpleResponses: true
        identitySource: $request.header.X-User
        resultTtlInSeconds: 300
      policy:
        type: request
        functionName: policyAuth
        payloadVersion: '1.0'
        identitySource:
          - $request.header.X-User
functions:
  tokenAuth:
    handler: auth.token
  requestAuth:
    handler: auth.request
  simpleAuth:
    handler: auth.simple
  policyAuth:
    handler: auth.policyV1
  api:
    handler: handler.main
    events:
      - http:
          method: get
          path: items/{id}
          authorizer:
            name: tokenAuth
            resultTtlInSeconds: 300
            identityValidationExpression: '^Bearer [a-z-]+$'
      - http:
          method: get
          path: other
          authorizer: tokenAuth
      - http:
          method: post
          path: req
          authorizer:
            name: requestAuth
            type: request
            identitySource: method.request.header.X-User, method.request.querystring.tenant
            resultTtlInSeconds: 0
      - httpApi:
          method: get
          path: /simple
          authorizer: simple
      - httpApi:
          method: get
          path: /policy
          authorizer:
            name: policy
"""


def start(project, serve):
    return serve(project({"serverless.yml": YML, "auth.js": AUTHORIZERS, "handler.js": HANDLER}))


def bearer(token):
    return {"Authorization": "Bearer " + token}


def test_token_authorizer_allows_denies_throws_and_caches(project, serve):
    n = start(project, serve)

    status, headers, body, _ = n.request("GET", "/dev/items/1")
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    # A token the validation expression refuses never reaches the function.
    status, _, body, _ = n.request("GET", "/dev/items/1", headers=bearer("NOT VALID!"))
    assert (status, body) == (401, b'{"message":"Unauthorized"}')

    status, _, body, _ = n.request("GET", "/dev/items/1", headers=bearer("allow"))
    assert status == 200, body
    first = json.loads(body)
    assert first["principalId"] == "user-1"
    assert (first["tier"], first["level"], first["admin"], first["type"]) == ("gold", 3, True, "TOKEN")
    assert isinstance(first["integrationLatency"], int)
    assert first["methodArn"].endswith("/dev/GET/items/1"), first
    assert first["methodArn"].startswith("arn:aws:execute-api:us-east-1:000000000000:")

    # Within the TTL the same token is not asked about again: the cached answer comes back.
    status, _, body, _ = n.request("GET", "/dev/items/1", headers=bearer("allow"))
    assert status == 200
    assert json.loads(body)["invocation"] == first["invocation"]

    # The cached policy names GET /items/1 only: another method ARN is refused with it.
    status, headers, body, _ = n.request("GET", "/dev/other", headers=bearer("allow"))
    assert (status, body) == (403, b'{"Message":"User is not authorized to access this resource"}')
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    status, _, body, _ = n.request("GET", "/dev/items/2", headers=bearer("allow"))
    assert status == 403

    # A wildcard policy opens every method of the stage, cached or not.
    for path in ["/dev/items/1", "/dev/other", "/dev/items/9"]:
        status, _, body, _ = n.request("GET", path, headers=bearer("wildcard"))
        assert status == 200, (path, body)
        assert json.loads(body)["principalId"] == "user-2"

    status, headers, body, _ = n.request("GET", "/dev/items/1", headers=bearer("deny"))
    assert (status, body) == (
        403, b'{"Message":"User is not authorized to access this resource with an explicit deny"}')
    status, _, body, _ = n.request("GET", "/dev/items/1", headers=bearer("elsewhere"))
    assert (status, body) == (403, b'{"Message":"User is not authorized to access this resource"}')

    status, headers, body, _ = n.request("GET", "/dev/items/1", headers=bearer("unauthorized"))
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    for token in ["broken", "other"]:
        status, headers, body, _ = n.request("GET", "/dev/items/1", headers=bearer(token))
        assert (status, body) == (500, b'{"message":null}'), token
        assert headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_request_authorizer_reads_headers_and_query_without_caching(project, serve):
    n = start(project, serve)
    user = {"X-User": "alice"}

    # Every identity source must be present.
    status, _, body, _ = n.request("POST", "/dev/req", body=b"{}", headers=user)
    assert (status, body) == (401, b'{"message":"Unauthorized"}')

    status, _, body, _ = n.request("POST", "/dev/req?tenant=acme", body=b"{}", headers=user)
    assert status == 200, body
    first = json.loads(body)
    assert (first["principalId"], first["user"], first["type"]) == ("alice", "alice", "REQUEST")
    assert first["resource"] == "/req" and first["hasBody"] is False

    # resultTtlInSeconds: 0 asks the function every time.
    status, _, body, _ = n.request("POST", "/dev/req?tenant=acme", body=b"{}", headers=user)
    assert status == 200
    assert json.loads(body)["invocation"] != first["invocation"]

    status, _, body, _ = n.request("POST", "/dev/req?tenant=other", body=b"{}", headers=user)
    assert status == 403
    assert b"explicit deny" in body


def test_http_api_simple_and_v1_authorizers(project, serve):
    n = start(project, serve)

    status, headers, body, _ = n.request("GET", "/simple")
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert "apigw-requestid" in headers

    status, _, body, _ = n.request("GET", "/simple", headers={"X-User": "alice"})
    assert status == 200, body
    first = json.loads(body)["lambda"]
    assert (first["user"], first["version"], first["hasBody"]) == ("alice", "2.0", False)
    assert first["routeArn"].endswith("/$default/GET/simple"), first
    status, _, body, _ = n.request("GET", "/simple", headers={"X-User": "alice"})
    assert json.loads(body)["lambda"]["invocation"] == first["invocation"]

    status, _, body, _ = n.request("GET", "/simple", headers={"X-User": "bob"})
    assert (status, body) == (403, b'{"message":"Forbidden"}')

    status, _, body, _ = n.request("GET", "/policy", headers={"X-User": "alice"})
    assert status == 200, body
    assert json.loads(body)["lambda"]["version"] == "1.0"
    status, _, body, _ = n.request("GET", "/policy", headers={"X-User": "bob"})
    assert (status, body) == (403, b'{"message":"Forbidden"}')


def test_an_undefined_authorizer_function_is_a_config_error(project):
    d = project({"serverless.yml": YML.replace("name: requestAuth", "name: nosuch"),
                 "auth.js": AUTHORIZERS, "handler.js": HANDLER})
    r = subprocess.run([NIMBUS, "serve", "--port", "0", "--aws-port", "0"], cwd=d,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "serverless.yml:" in r.stderr, r.stderr
    assert "the authorizer function 'nosuch' is not defined in functions" in r.stderr, r.stderr


KEYED_YML = """
service: guarded-keys
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  apiGateway:
    apiKeys:
      - name: partner
        value: partner-key-0123456789
functions:
  tokenAuth:
    handler: auth.token
  api:
    handler: handler.main
    events:
      - http:
          method: get
          path: items/{id}
          private: true
          authorizer:
            name: tokenAuth
            resultTtlInSeconds: 0
"""


def test_authorizer_comes_before_the_api_key(project, serve):
    n = serve(project({"serverless.yml": KEYED_YML, "auth.js": AUTHORIZERS, "handler.js": HANDLER}))
    key = {"x-api-key": "partner-key-0123456789"}
    # The authorizer decides first: without a token, or with a denied one, the key does not help.
    status, _, body, _ = n.request("GET", "/dev/items/1", headers=key)
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    status, _, body, _ = n.request("GET", "/dev/items/1", headers={**key, **bearer("deny")})
    assert status == 403 and b"explicit deny" in body
    # Then the key: an allowed caller without it is refused as a private method refuses.
    status, headers, body, _ = n.request("GET", "/dev/items/1", headers=bearer("allow"))
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    status, _, body, _ = n.request("GET", "/dev/items/1", headers={**key, **bearer("allow")})
    assert status == 200, body
    assert json.loads(body)["principalId"] == "user-1"
