"""Python and custom (`provided`) runtimes behind the gateway, and what functions see."""
import base64
import json
import os


def test_python_function_behind_rest_and_http_api(project, serve):
    d = project({
        "serverless.yml": """
            service: pysvc
            provider:
              name: aws
              runtime: python3.11
              environment:
                GREETING: hello
            functions:
              hello:
                handler: src/app.handler
                memorySize: 256
                events:
                  - httpApi: 'GET /hello/{name}'
                  - http:
                      method: post
                      path: rest/{name}
            """,
        "src/app.py": """
            import json, os
            def handler(event, context):
                name = (event.get("pathParameters") or {}).get("name")
                return {"statusCode": 200, "headers": {"content-type": "application/json"},
                        "body": json.dumps({"greeting": os.environ["GREETING"], "name": name,
                                            "version": event.get("version"),
                                            "function": context.function_name,
                                            "memory": context.memory_limit_in_mb,
                                            "env": {k: os.environ.get(k) for k in [
                                                "AWS_LAMBDA_FUNCTION_NAME", "AWS_EXECUTION_ENV",
                                                "AWS_REGION", "LAMBDA_TASK_ROOT", "_HANDLER",
                                                "AWS_ENDPOINT_URL", "TZ"]},
                                            "body": event.get("body")})}
            """,
    })
    n = serve(d)
    status, headers, body, _ = n.request("GET", "/hello/ada")
    assert status == 200, body
    got = json.loads(body)
    assert got["greeting"] == "hello" and got["name"] == "ada" and got["version"] == "2.0"
    assert got["function"] == "pysvc-dev-hello" and got["memory"] in (256, "256")
    env = got["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "pysvc-dev-hello"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["LAMBDA_TASK_ROOT"] == str(d)
    assert env["_HANDLER"] == "src/app.handler"
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["TZ"] == ":UTC"

    status, headers, body, _ = n.request("POST", "/dev/rest/bob", body="payload")
    assert status == 200, body
    got = json.loads(body)
    assert got["name"] == "bob" and got["version"] is None and got["body"] == "payload"
    # As in Lambda's read-only code folder, importing the handler leaves no bytecode behind.
    assert [root for root, dirs, _ in os.walk(d) if "__pycache__" in dirs] == []


def test_provided_runtime_runs_the_package_bootstrap(project, serve):
    d = project({
        "serverless.yml": """
            service: native
            provider:
              name: aws
              runtime: provided.al2023
            functions:
              hello:
                handler: unused
                events:
                  - httpApi: 'POST /echo'
            """,
        "bootstrap": """
            #!/usr/bin/env python3
            import http.client, json, os
            host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
            c = http.client.HTTPConnection(host, int(port))
            while True:
                c.request("GET", "/2018-06-01/runtime/invocation/next")
                r = c.getresponse(); event = json.loads(r.read())
                rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
                out = {"statusCode": 200, "isBase64Encoded": True,
                       "headers": {"content-type": "application/octet-stream"},
                       "body": event["body"] if event["isBase64Encoded"] else
                               __import__("base64").b64encode(event["body"].encode()).decode()}
                c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, json.dumps(out))
                c.getresponse().read()
            """,
    })
    n = serve(d)
    payload = bytes(range(256)) * 64
    status, headers, body, _ = n.request("POST", "/echo", body=payload,
                                         headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    assert body == payload, "binary bodies arrive byte-exact both ways"


def test_bodies_over_the_lambda_limit_are_refused(project, serve):
    d = project({
        "serverless.yml": """
            service: big
            provider:
              name: aws
              runtime: nodejs20.x
            functions:
              f:
                handler: h.main
                events:
                  - httpApi: '*'
            """,
        "h.js": "exports.main = async (e) => ({statusCode: 200, body: String((e.body || '').length)});",
    })
    n = serve(d)
    # Within API Gateway's 10 MB but over Lambda's 6 MB: Lambda refuses the invocation, and API
    # Gateway answers as for any integration failure.
    status, _, body, _ = n.request("POST", "/", body="x" * (7 * 1024 * 1024),
                                   headers={"Content-Type": "text/plain"})
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    # Over API Gateway's own 10 MB limit: refused as soon as the headers announce it.
    import socket
    with socket.create_connection(("127.0.0.1", n.port), timeout=30) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\n\r\n" % (11 * 1024 * 1024))
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    status, _, body, _ = n.request("POST", "/", body="x" * 1000, headers={"Content-Type": "text/plain"})
    assert (status, body) == (200, b"1000")


def test_concurrent_requests_scale_out(project, serve):
    import concurrent.futures
    d = project({
        "serverless.yml": """
            service: scale
            provider:
              name: aws
              runtime: nodejs20.x
            functions:
              f:
                handler: h.main
                events:
                  - httpApi: '*'
            """,
        "h.js": """
            exports.main = async () => {
              await new Promise(r => setTimeout(r, 300));
              return {statusCode: 200, body: String(process.pid)};
            };
            """,
    })
    n = serve(d)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: n.request("GET", "/"), range(4)))
    assert all(r[0] == 200 for r in results)
    assert len({r[2] for r in results}) == 4, "one invocation at a time per environment"


def test_aws_lambda_ric_works_unmodified_as_a_provided_runtime(tmp_path, serve):
    """AWS's own Node.js runtime interface client, installed from npm, against nimbus."""
    import shutil
    from conftest import SOURCE_DIR
    fixture = os.path.join(SOURCE_DIR, "tests", "runtimes", "fixtures", "ric")
    assert os.path.isdir(os.path.join(fixture, "node_modules", "aws-lambda-ric")), \
        "scripts/setup installs aws-lambda-ric"
    d = tmp_path / "ric"
    d.mkdir()
    for name in ("bootstrap", "handler.js", "package.json"):
        shutil.copy(os.path.join(fixture, name), d)
    os.symlink(os.path.join(fixture, "node_modules"), d / "node_modules")
    (d / "serverless.yml").write_text(
        "service: ric\nprovider:\n  name: aws\n  runtime: provided.al2023\n"
        "functions:\n  f:\n    handler: handler.handler\n    events:\n      - httpApi: '*'\n")
    n = serve(d)
    status, headers, body, _ = n.request("GET", "/ric?x=1")
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    got = json.loads(body)
    assert got["via"] == "aws-lambda-ric"
    assert got["event"]["rawPath"] == "/ric" and got["event"]["rawQueryString"] == "x=1"
    n.wait_for(r"\[f\] .*\tINFO\tevent received")


def test_node_handlers_find_the_aws_sdk_the_runtime_includes(project, serve):
    """Lambda's Node.js runtimes include the AWS SDK for JavaScript v3: a handler requires or
    imports it without bundling it, and a copy in the function's own node_modules wins."""
    from conftest import SOURCE_DIR
    assert os.path.isdir(os.path.join(SOURCE_DIR, "runtimes", "node", "node_modules", "@aws-sdk",
                                      "client-dynamodb")), "scripts/setup installs the SDK"
    fake = "exports.DynamoDBClient = class { constructor() { this.config = { bundled: true }; } };\n"
    d = project({
        "serverless.yml": """
            service: nodesdk
            provider:
              name: aws
              runtime: nodejs20.x
              region: eu-west-3
            functions:
              cjs:
                handler: cjs.handler
                events:
                  - httpApi: 'GET /cjs'
              esm:
                handler: esm.handler
                events:
                  - httpApi: 'GET /esm'
              bundledCjs:
                handler: bundled/cjs.handler
                events:
                  - httpApi: 'GET /bundled/cjs'
              bundledEsm:
                handler: bundled/esm.handler
                events:
                  - httpApi: 'GET /bundled/esm'
            """,
        "cjs.js": """
            const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
            const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');
            exports.handler = async () => {
              const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
              return { region: await client.config.region(),
                       from: require.resolve('@aws-sdk/client-dynamodb') };
            };
            """,
        "esm.mjs": """
            import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
            import { SQSClient } from '@aws-sdk/client-sqs';
            export const handler = async () => ({
              region: await new DynamoDBClient({}).config.region(),
              sqsRegion: await new SQSClient({}).config.region(),
            });
            """,
        "bundled/cjs.js": """
            const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
            exports.handler = async () => new DynamoDBClient({}).config;
            """,
        "bundled/esm.mjs": """
            import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
            export const handler = async () => new DynamoDBClient({}).config;
            """,
        "bundled/node_modules/@aws-sdk/client-dynamodb/package.json":
            '{"name": "@aws-sdk/client-dynamodb", "version": "0.0.1", "main": "index.js"}\n',
        "bundled/node_modules/@aws-sdk/client-dynamodb/index.js": fake,
    })
    n = serve(d)
    status, _, body, _ = n.request("GET", "/cjs")
    assert status == 200, body + n.output()[-2000:].encode()
    got = json.loads(body)
    assert got["region"] == "eu-west-3"
    assert "/runtimes/node/node_modules/@aws-sdk/client-dynamodb/" in got["from"]

    status, _, body, _ = n.request("GET", "/esm")
    assert status == 200, body + n.output()[-2000:].encode()
    assert json.loads(body) == {"region": "eu-west-3", "sqsRegion": "eu-west-3"}

    for path in ("/bundled/cjs", "/bundled/esm"):
        status, _, body, _ = n.request("GET", path)
        assert status == 200, body + n.output()[-2000:].encode()
        assert json.loads(body) == {"bundled": True}, path


def test_python_handlers_import_boto3_under_any_python3(project, serve, tmp_path_factory):
    """Lambda's Python runtimes include boto3: Debian's python3-boto3 here, found even when the
    python3 first on PATH is a virtualenv's (or pyenv's) without a boto3 of its own."""
    import subprocess
    import sys
    runtime_packages = "/usr/lib/python3/dist-packages"
    assert os.path.isdir(os.path.join(runtime_packages, "boto3")), "scripts/setup installs boto3"
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    d = project({
        "serverless.yml": """
            service: pysdk
            provider:
              name: aws
              runtime: python3.11
              region: eu-west-3
            functions:
              f:
                handler: app.handler
                events:
                  - httpApi: 'GET /boto3'
            """,
        "app.py": """
            import sys
            import boto3
            def handler(event, context):
                client = boto3.client("dynamodb")
                return {"region": client.meta.region_name, "boto3": boto3.__file__,
                        "python": sys.executable}
            """,
    })
    n = serve(d, env={"PATH": str(venv / "bin") + os.pathsep + os.environ.get("PATH", "")})
    status, _, body, _ = n.request("GET", "/boto3")
    assert status == 200, body + n.output()[-2000:].encode()
    got = json.loads(body)
    assert got["python"] == str(venv / "bin" / "python3")
    assert got["region"] == "eu-west-3"
    assert got["boto3"].startswith(runtime_packages + "/")
