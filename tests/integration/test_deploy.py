"""nimbus deploy and nimbus remove against a running nimbus: the project is packaged as the
Serverless Framework does, created through the Lambda API, invoked, deployed again unchanged,
updated and removed; the AWS CLI checks what the server holds."""
import json
import os
import re
import subprocess
import textwrap

from conftest import CREDENTIALS, NIMBUS, aws_port

SERVERLESS_YML = """
service: shop
provider:
  name: aws
  runtime: python3.11
  memorySize: 256
  environment:
    COLOUR: blue
package:
  patterns:
    - '!secret.txt'
    - '!notes/**'
functions:
  hello:
    handler: app.hello
    events:
      - httpApi: 'GET /hello'
  worker:
    handler: app.worker
    timeout: 10
    # Provisioned in prod only: the served dev stage keeps no environment warm.
    provisionedConcurrency: ${self:custom.provisioned.${sls:stage}}
custom:
  provisioned:
    dev: 0
    prod: 1
"""

APP_V1 = """
import os
def hello(event, context):
    here = os.path.dirname(os.path.abspath(__file__))
    return {"version": 1, "colour": os.environ.get("COLOUR"),
            "secret_packaged": os.path.exists(os.path.join(here, "secret.txt")),
            "notes_packaged": os.path.exists(os.path.join(here, "notes")),
            "files": sorted(os.listdir(here))}
def worker(event, context):
    return {"worker": event}
"""

APP_V2 = APP_V1.replace('"version": 1', '"version": 2')

LINE = re.compile(r"^  (\w+): (created|updated code and configuration|updated code|"
                  r"updated configuration|unchanged) \(([\w-]+), CodeSha256 (\S+), (\d+) bytes"
                  r"(?:, version (\d+))?\)$", re.M)


def run(cwd, *args):
    return subprocess.run([NIMBUS, *args], cwd=str(cwd), capture_output=True, text=True,
                          timeout=120)


def deployed(result):
    """{function key: (status, deployed name, CodeSha256, size)} from deploy's output."""
    assert result.returncode == 0, result.stdout + result.stderr
    return {m[0]: (m[1], m[2], m[3], int(m[4])) for m in LINE.findall(result.stdout)}


def versions(result):
    """{function key: the version deploy published or kept, or None} from deploy's output."""
    return {m[0]: m[5] or None for m in LINE.findall(result.stdout)}


def aws(n, *args):
    return subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % n.aws_port,
                           "lambda", *args], capture_output=True, text=True,
                          env={**os.environ, **CREDENTIALS}, timeout=60)


def endpoint(n):
    return "http://127.0.0.1:%d" % n.aws_port


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def served(project, serve, files):
    """nimbus serve on the project (stage dev); tests deploy its stage prod beside it."""
    d = project(files)
    n = serve(d)
    n.aws_port = aws_port(n)
    return d, n


def test_deploy_invoke_redeploy_update_and_remove(project, serve):
    d, n = served(project, serve, {"serverless.yml": SERVERLESS_YML, "app.py": APP_V1,
                                   "secret.txt": "not for the package",
                                   "notes/todo.md": "nor this"})
    url = endpoint(n)

    first = run(d, "deploy", "--stage", "prod", "--endpoint", url)
    got = deployed(first)
    assert set(got) == {"hello", "worker"}, first.stdout
    assert got["hello"][0] == "created" and got["worker"][0] == "created"
    assert got["hello"][1] == "shop-prod-hello"
    # provider.versionFunctions is on by default: each function gets a version.
    assert versions(first) == {"hello": "1", "worker": "1"}
    sha = got["hello"][2]
    assert got["worker"][2] == sha, "both functions share the service package"
    # stage prod is not the one nimbus serve runs: its routes are listed, but not served.
    assert re.search(r"^endpoints: none \(HTTP routes are served only for the project "
                     r"`nimbus serve` runs, and it serves shop, stage dev;", first.stdout, re.M)
    assert re.search(r"^  GET /hello \(shop-prod-hello\)$", first.stdout, re.M), first.stdout

    conf = json.loads(aws(n, "get-function-configuration", "--function-name",
                          "shop-prod-hello").stdout)
    assert conf["CodeSha256"] == sha and conf["CodeSize"] == got["hello"][3]
    assert (conf["Runtime"], conf["Handler"], conf["MemorySize"], conf["Timeout"]) == \
        ("python3.11", "app.hello", 256, 6)
    assert conf["Environment"]["Variables"] == {"COLOUR": "blue"}
    assert conf["Role"] == "arn:aws:iam::000000000000:role/shop-prod-us-east-1-lambdaRole"

    r = run(d, "invoke", "--stage", "prod", "-f", "hello", "--endpoint", url)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["version"] == 1 and out["colour"] == "blue"
    assert out["secret_packaged"] is False and out["notes_packaged"] is False
    assert "serverless.yml" not in out["files"] and "app.py" in out["files"]
    assert not any(f.startswith(".nimbus") for f in out["files"])

    # The same code again: nothing changes, nothing is sent.
    rerun = run(d, "deploy", "--stage", "prod", "--endpoint", url)
    again = deployed(rerun)
    assert again["hello"] == ("unchanged", "shop-prod-hello", sha, got["hello"][3])
    assert again["worker"][0] == "unchanged"
    assert versions(rerun) == {"hello": "1", "worker": "1"}, "no new version for unchanged code"

    # New code: both functions get it (one service package); invocations see it.
    (d / "app.py").write_text(textwrap.dedent(APP_V2).lstrip())
    result = run(d, "deploy", "--stage", "prod", "--endpoint", url)
    updated = deployed(result)
    assert updated["hello"][0] == "updated code" and updated["worker"][0] == "updated code"
    assert versions(result) == {"hello": "2", "worker": "2"}
    assert updated["hello"][2] != sha
    r = run(d, "invoke", "--stage", "prod", "-f", "hello", "--endpoint", url)
    assert json.loads(r.stdout)["version"] == 2, r.stdout + r.stderr

    # A setting only: updated configuration, same code.
    (d / "serverless.yml").write_text(textwrap.dedent(SERVERLESS_YML).lstrip().replace(
        "timeout: 10", "timeout: 20"))
    result = run(d, "deploy", "--stage", "prod", "--endpoint", url)
    changed = deployed(result)
    assert changed["worker"][0] == "updated configuration"
    assert versions(result) == {"hello": "2", "worker": "3"}
    # provisionedConcurrency: the `provisioned` alias follows the newest version, and carries
    # the config.
    alias = json.loads(aws(n, "get-alias", "--function-name", "shop-prod-worker", "--name",
                           "provisioned").stdout)
    assert alias["FunctionVersion"] == "3"
    config = json.loads(aws(n, "get-provisioned-concurrency-config", "--function-name",
                            "shop-prod-worker", "--qualifier", "provisioned").stdout)
    assert config["RequestedProvisionedConcurrentExecutions"] == 1
    r = aws(n, "get-provisioned-concurrency-config", "--function-name", "shop-prod-hello",
            "--qualifier", "provisioned")
    assert r.returncode != 0 and "ProvisionedConcurrencyConfigNotFoundException" in r.stderr
    # Version 1 still runs the first code; $LATEST and version 2 the new one.
    r = aws(n, "invoke", "--function-name", "shop-prod-hello", "--qualifier", "1", "/dev/stdout")
    assert '"version": 1' in r.stdout and '"ExecutedVersion": "1"' in r.stdout, r.stdout + r.stderr
    r = aws(n, "list-versions-by-function", "--function-name", "shop-prod-worker")
    assert [v["Version"] for v in json.loads(r.stdout)["Versions"]] == ["$LATEST", "1", "2", "3"]
    assert changed["worker"][2] == updated["worker"][2]
    assert changed["hello"][0] == "unchanged"
    conf = json.loads(aws(n, "get-function-configuration", "--function-name",
                          "shop-prod-worker").stdout)
    assert conf["Timeout"] == 20

    # --function deploys one function only.
    one = deployed(run(d, "deploy", "--stage", "prod", "--endpoint", url, "-f", "worker"))
    assert set(one) == {"worker"}

    removed = run(d, "remove", "--stage", "prod", "--endpoint", url)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "hello: removed (shop-prod-hello)" in removed.stdout
    for name in ("shop-prod-hello", "shop-prod-worker"):
        r = aws(n, "get-function", "--function-name", name)
        assert r.returncode != 0 and "ResourceNotFoundException" in r.stderr, r.stderr
    again = run(d, "remove", "--stage", "prod", "--endpoint", url)
    assert again.returncode == 0 and "hello: not deployed" in again.stdout, again.stdout
    # The served stage is untouched.
    assert aws(n, "get-function", "--function-name", "shop-dev-hello").returncode == 0


def test_deploying_the_served_stage_is_refused_with_a_hint(project, serve):
    d, n = served(project, serve, {"serverless.yml": SERVERLESS_YML, "app.py": APP_V1})
    r = run(d, "deploy", "--endpoint", endpoint(n))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "error: ResourceConflictException:" in r.stderr
    assert "hint: nimbus serve already serves this stage" in r.stderr
    r = run(d, "remove", "--endpoint", endpoint(n))
    assert r.returncode == 1 and "ResourceConflictException" in r.stderr, r.stderr


def test_individual_packages_executable_bootstrap_and_async_settings(project, serve, tmp_path):
    _, n = served(project, serve, {"serverless.yml": SERVERLESS_YML, "app.py": APP_V1})
    d = tmp_path / "native"
    write(d / "serverless.yml", """
        service: native
        provider:
          name: aws
          runtime: provided.al2023
          versionFunctions: false
        package:
          individually: true
        functions:
          echo:
            handler: unused
            maximumRetryAttempts: 0
            maximumEventAge: 120
            destinations:
              onFailure: sink
            package:
              patterns:
                - '!sink/**'
          sink:
            handler: sink/main.main
            runtime: python3.11
            reservedConcurrency: 3
            package:
              patterns:
                - '!bootstrap'
        """)
    write(d / "bootstrap", """
        #!/usr/bin/env python3
        import http.client, json, os
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
        c = http.client.HTTPConnection(host, int(port))
        while True:
            c.request("GET", "/2018-06-01/runtime/invocation/next")
            r = c.getresponse(); event = json.loads(r.read())
            rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
            here = os.path.dirname(os.path.abspath(__file__))
            out = {"echo": event, "files": sorted(os.listdir(here))}
            c.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, json.dumps(out))
            c.getresponse().read()
        """)
    (d / "bootstrap").chmod(0o755)
    write(d / "sink/main.py", "def main(event, context):\n    return event\n")

    url = endpoint(n)
    result = run(d, "deploy", "--endpoint", url)
    got = deployed(result)
    assert got["echo"][0] == "created" and got["sink"][0] == "created"
    assert got["echo"][2] != got["sink"][2], "each function has its own package"
    # versionFunctions: false publishes no version.
    assert versions(result) == {"echo": None, "sink": None}
    r = aws(n, "list-versions-by-function", "--function-name", "native-dev-echo")
    assert [v["Version"] for v in json.loads(r.stdout)["Versions"]] == ["$LATEST"]

    r = run(d, "invoke", "-f", "echo", "-d", '{"n": 1}', "--endpoint", url)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["echo"] == {"n": 1}
    assert out["files"] == ["bootstrap"], "echo's own pattern leaves the sink out"

    config = json.loads(aws(n, "get-function-event-invoke-config", "--function-name",
                            "native-dev-echo").stdout)
    assert config["MaximumRetryAttempts"] == 0 and config["MaximumEventAgeInSeconds"] == 120
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == \
        "arn:aws:lambda:us-east-1:000000000000:function:native-dev-sink"
    r = aws(n, "get-function-event-invoke-config", "--function-name", "native-dev-sink")
    assert r.returncode != 0 and "ResourceNotFoundException" in r.stderr
    r = aws(n, "get-function-concurrency", "--function-name", "native-dev-sink")
    assert json.loads(r.stdout) == {"ReservedConcurrentExecutions": 3}

    again = deployed(run(d, "deploy", "--endpoint", url))
    assert again["echo"][0] == "unchanged" and again["sink"][0] == "unchanged"

    # The reservation taken out of serverless.yml is deleted.
    (d / "serverless.yml").write_text((d / "serverless.yml").read_text().replace(
        "    reservedConcurrency: 3\n", ""))
    assert deployed(run(d, "deploy", "--endpoint", url))["sink"][0] == "updated configuration"
    r = aws(n, "get-function-concurrency", "--function-name", "native-dev-sink")
    assert json.loads(r.stdout or "{}") == {}

    # Async settings taken out of serverless.yml: the EventInvokeConfig goes too.
    text = (d / "serverless.yml").read_text()
    text = re.sub(r"    maximumRetryAttempts.*?onFailure: sink\n", "", text, flags=re.S)
    (d / "serverless.yml").write_text(text)
    assert deployed(run(d, "deploy", "--endpoint", url))["echo"][0] == "updated configuration"
    r = aws(n, "get-function-event-invoke-config", "--function-name", "native-dev-echo")
    assert r.returncode != 0 and "ResourceNotFoundException" in r.stderr, r.stdout

    assert run(d, "remove", "--endpoint", url).returncode == 0


def test_info_lists_the_served_endpoints(project, serve):
    d, n = served(project, serve, {"serverless.yml": SERVERLESS_YML, "app.py": APP_V1})
    r = run(d, "info", "--endpoint", endpoint(n))
    assert r.returncode == 0, r.stderr
    assert re.search(r"^service: shop\nstage: dev\nregion: us-east-1\nendpoints:$", r.stdout,
                     re.M), r.stdout
    assert re.search(r"^  GET - http://[\d.]+:\d+/hello \(shop-dev-hello\)$", r.stdout, re.M), \
        r.stdout


def test_bad_usage_and_no_server(project):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP_V1})
    r = run(d, "deploy", "--endpoint", "http://127.0.0.1:1")
    assert r.returncode == 1 and "cannot reach nimbus at http://127.0.0.1:1: connection " \
        "refused, so nimbus is not running there" in r.stderr, r.stderr
    r = run(d, "deploy", "-f", "nope")
    assert r.returncode == 2 and "no function 'nope'" in r.stderr, r.stderr
    yml = textwrap.dedent(SERVERLESS_YML).lstrip()
    (d / "serverless.yml").write_text(yml.replace("- '!notes/**'", "- {a: b}"))
    r = run(d, "deploy")
    assert r.returncode == 2 and "serverless.yml:11:" in r.stderr and \
        "package.patterns[1]" in r.stderr, r.stderr
    (d / "serverless.yml").write_text(yml.replace("- '!notes/**'", "- '!**'"))
    r = run(d, "deploy")
    assert r.returncode == 2 and "no file matches" in r.stderr, r.stderr
