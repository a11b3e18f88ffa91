"""HTTP API JWT authorizers: real RS256 and ES256 tokens, keys served by an issuer the test runs."""
import http.server
import json
import threading
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HANDLER = """
exports.main = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ authorizer: event.requestContext.authorizer || null }),
});
"""

AUDIENCE = "my-client"


class Issuer:
    """An OpenID issuer on a free port: discovery document and JWKS, keys swappable at run time."""

    def __init__(self):
        self.keys = {}  # kid -> (private key, algorithm)
        self.published = []  # kids in the JWKS
        self.jwks_fetches = 0
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks.json"}
                elif self.path == "/jwks.json":
                    issuer.jwks_fetches += 1
                    body = {"keys": [issuer.jwk(kid) for kid in issuer.published]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_key(self, kid, algorithm, publish=True):
        if algorithm.startswith("RS"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = (key, algorithm)
        if publish:
            self.published.append(kid)

    def jwk(self, kid):
        key, algorithm = self.keys[kid]
        cls = jwt.algorithms.RSAAlgorithm if algorithm.startswith("RS") else jwt.algorithms.ECAlgorithm
        j = json.loads(cls.to_jwk(key.public_key()))
        j.update({"kid": kid, "use": "sig", "alg": algorithm})
        return j

    def token(self, kid, **overrides):
        key, algorithm = self.keys[kid]
        now = int(time.time())
        claims = {"iss": self.url, "aud": AUDIENCE, "sub": "user-7", "exp": now + 600,
                  "iat": now, "scope": "items/read profile"}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def yml(issuer_url):
    return """
service: guarded
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
  httpApi:
    authorizers:
      main:
        identitySource: $request.header.Authorization
        issuerUrl: %s
        audience:
          - %s
functions:
  api:
    handler: handler.main
    events:
      - httpApi:
          method: GET
          path: /private
          authorizer: main
      - httpApi:
          method: GET
          path: /scoped
          authorizer:
            name: main
            scopes:
              - items/write
              - items/admin
      - httpApi: 'GET /open'
""" % (issuer_url, AUDIENCE)


def call(n, path, token=None, bearer=True):
    headers = {}
    if token is not None:
        headers["Authorization"] = ("Bearer " + token) if bearer else token
    status, headers, body, _ = n.request("GET", path, headers=headers)
    return status, headers, body


def test_jwt_authorizer(project, serve):
    issuer = Issuer()
    try:
        issuer.add_key("rsa-1", "RS256")
        issuer.add_key("ec-1", "ES256")
        n = serve(project({"serverless.yml": yml(issuer.url), "handler.js": HANDLER}))

        # Valid RS256 and ES256 tokens; the claims reach the handler as strings.
        for kid in ("rsa-1", "ec-1"):
            status, _, body = call(n, "/private", issuer.token(kid))
            assert status == 200, body
            auth = json.loads(body)["authorizer"]["jwt"]
            assert auth["claims"]["sub"] == "user-7"
            assert auth["claims"]["iss"] == issuer.url
            assert isinstance(auth["claims"]["exp"], str)
            assert auth["scopes"] == ["items/read", "profile"]
        # Without "Bearer" too.
        assert call(n, "/private", issuer.token("rsa-1"), bearer=False)[0] == 200
        # An open route sees no authorizer.
        status, _, body = call(n, "/open")
        assert status == 200 and json.loads(body)["authorizer"] is None
        fetches = issuer.jwks_fetches
        assert fetches == 1  # Keys are cached.

        def refused(token, description, path="/private", status=401):
            s, h, b = call(n, path, token)
            assert s == status, (s, b)
            assert json.loads(b) == {"message": "Unauthorized" if status == 401 else "Forbidden"}
            assert description in h["www-authenticate"], h["www-authenticate"]
            assert "apigw-requestid" in h

        refused(None, "Bearer")
        refused(issuer.token("rsa-1", exp=int(time.time()) - 10), "the token has expired")
        refused(issuer.token("ec-1", aud="someone-else"),
                "the token does not have a valid audience")
        refused(issuer.token("rsa-1", iss="http://127.0.0.1:1"),
                "the token does not have a valid issuer")
        refused(issuer.token("rsa-1", nbf=int(time.time()) + 3600), "the token is not valid yet")
        good = issuer.token("rsa-1")
        other = issuer.token("rsa-1", sub="someone")
        forged = good.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
        refused(forged, "the token signature is invalid")
        refused("not-a-token", "error=\"invalid_token\"")
        # client_id stands in for a missing aud.
        assert call(n, "/private", issuer.token("rsa-1", aud=None, client_id=AUDIENCE))[0] == 200

        # Scopes: the token must carry one of the route's.
        refused(issuer.token("rsa-1"), "insufficient_scope", path="/scoped", status=403)
        assert call(n, "/scoped", issuer.token("rsa-1", scope="a items/admin"))[0] == 200
        assert call(n, "/scoped", issuer.token("ec-1", scope=None, scp=["items/write"]))[0] == 200

        # Key rotation: a kid the cache does not know makes nimbus fetch the keys again.
        issuer.add_key("rsa-2", "RS256")
        assert call(n, "/private", issuer.token("rsa-2"))[0] == 200
        assert issuer.jwks_fetches == fetches + 1
        # A kid the issuer does not publish either is refused after the refetch.
        issuer.add_key("stranger", "RS256", publish=False)
        refused(issuer.token("stranger"), "error=\"invalid_token\"")
    finally:
        issuer.close()


def test_unknown_authorizer_is_a_config_error(project, tmp_path):
    import subprocess
    from conftest import NIMBUS
    d = project({"serverless.yml": yml("http://127.0.0.1:1").replace("authorizer: main",
                                                                      "authorizer: nope"),
                 "handler.js": HANDLER})
    r = subprocess.run([NIMBUS, "serve", "--port", "0", "--aws-port", "0"], cwd=d,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "serverless.yml:" in r.stderr and "authorizer 'nope' is not defined" in r.stderr, r.stderr
