"""Both bootstraps keep a function's AWS calls on nimbus: the AWS SDK for JavaScript v2 is pointed
at AWS_ENDPOINT_URL, HTTP requests to real AWS hosts are sent to AWS_ENDPOINT_URL instead, and
other connections to real AWS hosts fail at once with an error that says why, unless
NIMBUS_ALLOW_REAL_AWS=1 is in the function's environment."""

import http.server
import os
import socket
import threading

import pytest

from conftest import NODE, NODE_BOOTSTRAP, PYTHON3, PYTHON_BOOTSTRAP, REPO
from fake_runtime_api import Bootstrap, FakeRuntimeAPI, lambda_env

REFUSED = "nimbus does not reach real AWS: the connection to %s was refused."
# The AWS SDK for JavaScript v2 that the integration tests' functions bundle (scripts/setup).
AWS_SDK_V2 = os.path.join(REPO, "tests", "integration", "fixtures", "aws-sdk-v2", "node_modules")
# Nothing listens there: a request that reached it would fail with ECONNREFUSED.
ENDPOINT = "http://127.0.0.1:9"


class Listener(object):
    """A loopback TCP server that records the first bytes of each connection and closes it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(4096))
                except OSError:
                    self.received.append(b"")

    def close(self):
        self.sock.close()


class StandInEndpoint(object):
    """A loopback HTTP server in the place of nimbus's AWS endpoint: records each request (method,
    path, headers, body) and answers 200 with an empty JSON object."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received.append({"method": self.command, "path": self.path,
                                 "headers": {k.lower(): v for k, v in self.headers.items()},
                                 "body": body})
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = _record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def request(self, path):
        """The request the endpoint received for `path`."""
        for r in self.received:
            if r["path"] == path:
                return r
        raise AssertionError("no request for %s among %r" % (path, self.received))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def run_once(argv, handler, task_root, env, event):
    """Runs `handler` for one event in a bootstrap of its own; returns what it answered."""
    api = FakeRuntimeAPI()
    proc = Bootstrap(argv, task_root, lambda_env(api, handler, task_root, env))
    try:
        return api.invoke(event, timeout=30).json
    finally:
        proc.stop()
        api.stop()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def stand_in():
    server = StandInEndpoint()
    yield server
    server.close()


# --- Node.js ---------------------------------------------------------------------------

NODE_CONNECTS = """
const net = require('net');
const tls = require('tls');
const https = require('https');

// Where each attempt ends: 'connected', or the error's message.
function attempt(start) {
  return new Promise((resolve) => {
    const socket = start();
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (err) => resolve(err.message));
  });
}

function request(url) {
  return new Promise((resolve) => {
    https.get(url, () => resolve('answered')).once('error', (err) => resolve(err.message));
  });
}

// A resolver that sends every name to the loopback listener, so that an allowed connection to a
// real AWS host name stays on this machine.
function loopback(host, options, callback) {
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}

const toLoopback = (port) => attempt(() => net.connect({ host: 'sqs.us-east-1.amazonaws.com', port, lookup: loopback }));

// Connections that are not HTTP requests: nimbus cannot take them over.
exports.handler = async (event) => ({
  net: await toLoopback(event.port),
  portHost: await attempt(() => net.connect(event.port, 'dynamodb.eu-west-1.amazonaws.com')),
  tls: await attempt(() => tls.connect(443, 's3.amazonaws.com')),
  local: await attempt(() => net.connect(event.port, '127.0.0.1')),
});

// Only the connection that stays on this machine once allowed.
exports.allowed = async (event) => ({ net: await toLoopback(event.port) });
"""


def _node_task(tmp_path, source):
    task = tmp_path / "task"
    task.mkdir()
    (task / "app.js").write_text(source)
    return str(task)


def test_node_refuses_real_aws_hosts(api, node, tmp_path, listener):
    node("app.handler", task_root=_node_task(tmp_path, NODE_CONNECTS), env={"AWS_ENDPOINT_URL": ENDPOINT})
    out = api.invoke({"port": listener.port}).json
    assert out["net"].startswith(REFUSED % "sqs.us-east-1.amazonaws.com"), out
    assert out["portHost"].startswith(REFUSED % "dynamodb.eu-west-1.amazonaws.com"), out
    assert out["tls"].startswith(REFUSED % "s3.amazonaws.com"), out
    assert "(AWS_ENDPOINT_URL)" in out["net"] and ENDPOINT in out["net"]
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["net"]
    # Other hosts are untouched.
    assert out["local"] == "connected"


NODE_REQUESTS = """
const http = require('http');
const https = require('https');

// Sends a request and reads its answer: the answer's body, or the error's message.
function send(start, body) {
  return new Promise((resolve) => {
    const req = start((res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.once('error', (err) => resolve(err.message));
    req.end(body);
  });
}

exports.handler = async () => ({
  get: await new Promise((resolve) => {
    https.get('https://s3.amazonaws.com/bucket/key?versionId=1', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); })
      .once('error', (err) => resolve(err.message));
  }),
  // An https Agent of the caller's own, as the AWS SDKs give, and a signed request.
  request: await send((cb) => https.request({
    host: 'sqs.us-east-1.amazonaws.com', port: 443, method: 'POST', path: '/000000000000/jobs',
    headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request' },
    agent: new https.Agent({ keepAlive: true }),
  }, cb), 'Action=SendMessage'),
  port: await send((cb) => https.request(new URL('https://dynamodb.eu-west-1.amazonaws.com:8443/t'), { method: 'PUT' }, cb)),
  http: await send((cb) => http.request('http://sns.us-east-1.amazonaws.com/plain', cb)),
  fetch: await fetch('https://lambda.cn-north-1.amazonaws.com.cn/2015-03-31/functions', { method: 'POST', body: 'x' })
    .then((res) => res.text(), (err) => String(err.cause && err.cause.message)),
});
"""


def test_node_sends_real_aws_requests_to_the_endpoint(api, node, tmp_path, stand_in):
    node("app.handler", task_root=_node_task(tmp_path, NODE_REQUESTS), env={"AWS_ENDPOINT_URL": stand_in.url})
    out = api.invoke({}).json
    # Each one answered by the endpoint, over plain HTTP on this machine.
    assert out == {"get": 200, "request": "{}", "port": "{}", "http": "{}", "fetch": "{}"}, out
    get = stand_in.request("/bucket/key?versionId=1")
    assert get["method"] == "GET" and get["headers"]["host"] == "s3.amazonaws.com"
    sent = stand_in.request("/000000000000/jobs")
    assert sent["method"] == "POST" and sent["headers"]["host"] == "sqs.us-east-1.amazonaws.com"
    assert sent["headers"]["authorization"].endswith("/us-east-1/sqs/aws4_request")
    assert sent["body"] == b"Action=SendMessage"
    # The Host header the request was signed with names a port that is not the default.
    assert stand_in.request("/t")["headers"]["host"] == "dynamodb.eu-west-1.amazonaws.com:8443"
    assert stand_in.request("/plain")["headers"]["host"] == "sns.us-east-1.amazonaws.com"
    fetched = stand_in.request("/2015-03-31/functions")
    assert fetched["method"] == "POST" and fetched["body"] == b"x"
    assert fetched["headers"]["host"] == "lambda.cn-north-1.amazonaws.com.cn"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_node_real_aws_allowed_by_the_function(tmp_path, listener):
    task = _node_task(tmp_path, NODE_CONNECTS)
    env = {"AWS_ENDPOINT_URL": ENDPOINT}
    event = {"port": listener.port}
    out = run_once([NODE, NODE_BOOTSTRAP], "app.allowed", task, env, event)
    assert out["net"].startswith(REFUSED % "sqs.us-east-1.amazonaws.com"), out
    for value in ("1", "true"):
        out = run_once([NODE, NODE_BOOTSTRAP], "app.allowed", task, dict(env, NIMBUS_ALLOW_REAL_AWS=value), event)
        # The name resolves (to the loopback listener) and the connection is made.
        assert out == {"net": "connected"}, value


V2_HANDLER = """
const AWS = require('aws-sdk');
const SQS = require('aws-sdk/clients/sqs');

exports.handler = async () => ({
  endpoint: AWS.config.endpoint,
  sslEnabled: AWS.config.sslEnabled,
  sqs: new SQS().endpoint.href,
  dynamodb: new AWS.DynamoDB.DocumentClient().service.endpoint.href,
  // The bucket goes in the path: a bucket name in the host would not resolve.
  s3: new AWS.S3().getSignedUrl('getObject', { Bucket: 'my-bucket', Key: 'a/b.txt' }),
  // A service object's own endpoint still wins.
  own: new SQS({ endpoint: 'http://127.0.0.1:10' }).endpoint.href,
});
"""

V2_ESM_HANDLER = """
import AWS from 'aws-sdk';
import SNS from 'aws-sdk/clients/sns.js';

export const handler = async () => ({ endpoint: AWS.config.endpoint, sns: new SNS().endpoint.href });
"""

needs_aws_sdk_v2 = pytest.mark.skipif(not os.path.isdir(os.path.join(AWS_SDK_V2, "aws-sdk")),
                                      reason="aws-sdk v2 is not installed (scripts/setup)")


def _v2_task(tmp_path, name, source):
    task = tmp_path / "task"
    task.mkdir()
    (task / "node_modules").symlink_to(AWS_SDK_V2)
    (task / name).write_text(source)
    return str(task)


@needs_aws_sdk_v2
def test_node_aws_sdk_v2_uses_the_endpoint(api, node, tmp_path):
    node("app.handler", task_root=_v2_task(tmp_path, "app.js", V2_HANDLER),
         env={"AWS_ENDPOINT_URL": ENDPOINT, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
              "AWS_SECRET_ACCESS_KEY": "secret"})
    out = api.invoke({}).json
    assert out["endpoint"] == ENDPOINT and out["sslEnabled"] is False
    assert out["sqs"] == ENDPOINT + "/" and out["dynamodb"] == ENDPOINT + "/"
    assert out["s3"].startswith(ENDPOINT + "/my-bucket/a/b.txt?"), out["s3"]
    assert out["own"] == "http://127.0.0.1:10/"


@needs_aws_sdk_v2
def test_node_aws_sdk_v2_imported_by_an_es_module(api, node, tmp_path):
    node("app.handler", task_root=_v2_task(tmp_path, "app.mjs", V2_ESM_HANDLER),
         env={"AWS_ENDPOINT_URL": ENDPOINT})
    assert api.invoke({}).json == {"endpoint": ENDPOINT, "sns": ENDPOINT + "/"}


# --- Python ----------------------------------------------------------------------------

RUNTIME_PACKAGES = "/usr/lib/python3/dist-packages"  # Debian's python3-boto3

PYTHON_CONNECTS = """
import socket
import urllib.request

import boto3
import botocore.config


def attempt(call):
    try:
        call()
        return "answered"
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)


def list_queues(port):
    # Through a loopback HTTP proxy, so that an allowed request stays on this machine.
    proxied = botocore.config.Config(proxies={"https": "http://127.0.0.1:%d" % port},
                                     retries={"max_attempts": 0})
    sqs = boto3.client("sqs", endpoint_url="https://sqs.us-east-1.amazonaws.com", config=proxied)
    return attempt(sqs.list_queues)


def handler(event, context):
    return {
        "boto3": list_queues(event["port"]),
        "urllib": attempt(lambda: urllib.request.urlopen("https://s3.amazonaws.com/bucket/key")),
        "socket": attempt(lambda: socket.create_connection(("sns.us-east-1.api.aws", 443))),
        "local": attempt(lambda: socket.create_connection(("127.0.0.1", event["port"])).close()),
    }


# Only the request that stays on this machine once allowed.
def allowed(event, context):
    return {"boto3": list_queues(event["port"])}
"""


def _python_task(tmp_path):
    task = tmp_path / "task"
    task.mkdir()
    (task / "app.py").write_text(PYTHON_CONNECTS)
    return str(task)


# The interpreter's own boto3 when it has one, and Debian's (botocore 1.29) with -S.
INTERPRETERS = [pytest.param([], id="python3"), pytest.param(["-S"], id="debian-boto3")]


def _needs_boto3(flags):
    if flags and not os.path.isdir(os.path.join(RUNTIME_PACKAGES, "boto3")):
        pytest.skip("python3-boto3 is not installed")


@pytest.mark.parametrize("flags", INTERPRETERS)
def test_python_sends_boto3_to_the_endpoint_and_refuses_the_rest(api, launch, tmp_path, listener, stand_in, flags):
    _needs_boto3(flags)
    launch([PYTHON3] + flags + [PYTHON_BOOTSTRAP], "app.handler", _python_task(tmp_path),
           env={"AWS_ENDPOINT_URL": stand_in.url, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "secret"})
    out = api.invoke({"port": listener.port}, timeout=30).json
    # boto3's request went to the endpoint as it was made, signed for the real host.
    sent = stand_in.request("/")
    assert sent["method"] == "POST" and sent["headers"]["host"] == "sqs.us-east-1.amazonaws.com", sent
    assert "/us-east-1/sqs/aws4_request" in sent["headers"]["authorization"]
    assert "nimbus does not reach real AWS" not in out["boto3"], out
    # Other clients' connections are refused, naming the host.
    assert (REFUSED % "s3.amazonaws.com") in out["urllib"], out
    assert stand_in.url in out["urllib"] and "NIMBUS_ALLOW_REAL_AWS=1" in out["urllib"]
    assert out["socket"].startswith("RealAwsRefused: [Errno 111] " + REFUSED % "sns.us-east-1.api.aws"), out
    assert out["local"] == "answered"
    # Nothing went out through the proxy.
    assert not any(r.startswith(b"CONNECT") for r in listener.received), listener.received


@pytest.mark.parametrize("flags", INTERPRETERS)
def test_python_real_aws_allowed_by_the_function(tmp_path, listener, flags):
    _needs_boto3(flags)
    argv = [PYTHON3] + flags + [PYTHON_BOOTSTRAP]
    task = _python_task(tmp_path)
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    event = {"port": listener.port}
    # Without an endpoint to send it to, boto3's request is refused with an error of its own,
    # which botocore does not retry, naming the host.
    out = run_once(argv, "app.allowed", task, env, event)
    assert out["boto3"].startswith("RealAwsEndpointError: " + REFUSED % "sqs.us-east-1.amazonaws.com"), out
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["boto3"]
    assert listener.received == []
    out = run_once(argv, "app.allowed", task, dict(env, AWS_ENDPOINT_URL=ENDPOINT, NIMBUS_ALLOW_REAL_AWS="1"),
                   event)
    assert "nimbus does not reach real AWS" not in out["boto3"], out
    # The request went out, through the proxy, to the real host.
    assert any(r.startswith(b"CONNECT sqs.us-east-1.amazonaws.com:443 ") for r in listener.received), \
        listener.received
