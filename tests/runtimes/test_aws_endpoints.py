"""Both bootstraps keep a function's AWS calls on nimbus: the AWS SDK for JavaScript v2 is pointed
at AWS_ENDPOINT_URL, and connections to real AWS hosts fail at once with an error that says why,
unless NIMBUS_ALLOW_REAL_AWS=1 is in the function's environment."""

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


# --- Node.js ---------------------------------------------------------------------------

NODE_CONNECTS = """
const net = require('net');
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

exports.handler = async (event) => ({
  net: await toLoopback(event.port),
  portHost: await attempt(() => net.connect(event.port, 'dynamodb.eu-west-1.amazonaws.com')),
  https: await request('https://s3.amazonaws.com/bucket/key'),
  fetch: await fetch('https://lambda.cn-north-1.amazonaws.com.cn/').then(() => 'answered', (err) => String(err.cause && err.cause.message)),
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
    assert out["https"].startswith(REFUSED % "s3.amazonaws.com"), out
    assert out["fetch"].startswith(REFUSED % "lambda.cn-north-1.amazonaws.com.cn"), out
    assert "(AWS_ENDPOINT_URL)" in out["net"] and ENDPOINT in out["net"]
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["net"]
    # Other hosts are untouched.
    assert out["local"] == "connected"


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
def test_python_refuses_real_aws_hosts(api, launch, tmp_path, listener, flags):
    _needs_boto3(flags)
    launch([PYTHON3] + flags + [PYTHON_BOOTSTRAP], "app.handler", _python_task(tmp_path),
           env={"AWS_ENDPOINT_URL": ENDPOINT, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "secret"})
    out = api.invoke({"port": listener.port}, timeout=30).json
    # boto3's error is its own, not retried, and names the host, whatever botocore makes of
    # failed connections.
    assert out["boto3"].startswith("RealAwsEndpointError: " + REFUSED % "sqs.us-east-1.amazonaws.com"), out
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["boto3"] and ENDPOINT in out["boto3"]
    assert (REFUSED % "s3.amazonaws.com") in out["urllib"], out
    assert out["socket"].startswith("RealAwsRefused: [Errno 111] " + REFUSED % "sns.us-east-1.api.aws"), out
    assert out["local"] == "answered"
    assert not any(r.startswith(b"CONNECT") for r in listener.received), listener.received


@pytest.mark.parametrize("flags", INTERPRETERS)
def test_python_real_aws_allowed_by_the_function(tmp_path, listener, flags):
    _needs_boto3(flags)
    argv = [PYTHON3] + flags + [PYTHON_BOOTSTRAP]
    task = _python_task(tmp_path)
    env = {"AWS_ENDPOINT_URL": ENDPOINT, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret"}
    event = {"port": listener.port}
    out = run_once(argv, "app.allowed", task, env, event)
    assert out["boto3"].startswith("RealAwsEndpointError: "), out
    assert listener.received == []
    out = run_once(argv, "app.allowed", task, dict(env, NIMBUS_ALLOW_REAL_AWS="1"), event)
    assert "nimbus does not reach real AWS" not in out["boto3"], out
    # The request went out, through the proxy, to the real host.
    assert any(r.startswith(b"CONNECT sqs.us-east-1.amazonaws.com:443 ") for r in listener.received), \
        listener.received
