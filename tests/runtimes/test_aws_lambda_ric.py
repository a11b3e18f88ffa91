"""AWS's own Node.js runtime interface client (npm aws-lambda-ric) against the
fake Runtime API: as the bootstrap of a `provided` runtime function, and side
by side with nimbus's bootstrap on the same handlers, which must answer alike.

aws-lambda-ric 3.3.0 is the line of the nodejs20.x runtime. It builds curl and
aws-lambda-cpp from source on install (about a minute), which needs cmake,
make, g++, python3, autoconf, automake and libtool.
"""

import json
import os
import re
import subprocess

import pytest

from conftest import FIXTURES, NODE, NODE_BOOTSTRAP

RIC_DIR = os.path.join(FIXTURES, "ric")
RIC_BOOTSTRAP = os.path.join(RIC_DIR, "bootstrap")
NODE_FIXTURES = os.path.join(FIXTURES, "node")


@pytest.fixture(scope="module")
def ric_installed():
    if NODE is None:
        pytest.skip("node is not installed")
    if not os.path.exists(os.path.join(RIC_DIR, "node_modules", "aws-lambda-ric", "dist", "index.mjs")):
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=RIC_DIR, capture_output=True, text=True, timeout=600,
        )
        if result.returncode != 0:
            pytest.skip(
                "aws-lambda-ric could not be installed (its native build needs cmake, make, "
                "g++, python3, autoconf, automake, libtool): " + (result.stdout + result.stderr)[-400:]
            )
    return RIC_BOOTSTRAP


def test_provided_runtime_bootstrap(api, launch, ric_installed):
    proc = launch([ric_installed], "handler.handler", RIC_DIR)
    rid = api.submit({"hello": "world"})
    out = api.outcome(rid)
    assert out.kind == "response"
    assert out.json == {"via": "aws-lambda-ric", "requestId": rid, "event": {"hello": "world"}}
    line = proc.wait_for_line(lambda l: "event received" in l)
    assert re.fullmatch(r"\S+Z\t" + rid + r"\tINFO\tevent received\n", line)
    for i in range(5):
        assert api.invoke({"i": i}).json["event"] == {"i": i}
    assert api.connections == 1


def _run(api, launch, argv, handler, events):
    proc = launch(argv, handler, NODE_FIXTURES)
    outcomes = []
    for event in events:
        rid = api.submit(event)
        outcomes.append((rid, api.outcome(rid, timeout=5)))
        if outcomes[-1][1].kind == "init_error":
            break
    code = proc.wait_exit(timeout=5) if outcomes[-1][1].kind == "init_error" or handler.endswith(
        ("unhandledRejection", "uncaught")
    ) else None
    proc.stop()
    return proc, outcomes, code


STACK_FRAME = re.compile(r'^\s+at ')
# The runtime's own file, as it appears in "Require stack:" lists.
RUNTIME_FILE = re.compile(r"/\S*(?:runtimes/node/bootstrap\.js|aws-lambda-ric/dist/index\.mjs)")


def _strip_runtime_path(text):
    return RUNTIME_FILE.sub("<runtime>", text)


def _normalise_log(line, rid):
    # timestamps, request ids and stack frames differ between runs and runtimes
    line = re.sub(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<time>", line)
    line = _strip_runtime_path(line)
    line = line.replace(rid, "<id>")
    if "\t{" in line:
        head, _, payload = line.partition("\t{")
        data = json.loads("{" + payload)
        for key in ("stack", "trace"):
            if isinstance(data.get(key), list):
                data[key] = [l for l in data[key] if not STACK_FRAME.match(l)]
        if isinstance(data.get("reason"), dict) and isinstance(data["reason"].get("stack"), list):
            data["reason"]["stack"] = [l for l in data["reason"]["stack"] if not STACK_FRAME.match(l)]
        line = head + "\t" + json.dumps(data, sort_keys=True)
    return line


def _comparable(outcome, rid):
    if outcome.kind == "response":
        return ("response", outcome.body)
    body = outcome.json
    trace = [_strip_runtime_path(l) for l in body.get("trace", []) if not STACK_FRAME.match(l)]
    return (outcome.kind, body["errorType"], _strip_runtime_path(body["errorMessage"]), trace)


CASES = [
    "handler.object",
    "handler.string",
    "handler.undefinedResult",
    "handler.callback",
    "handler.callbackWaitsTwoStep",
    "handler.callbackNoWait",
    "handler.succeed",
    "handler.syncReturn",
    "handler.throwsTypeError",
    "handler.throwsCustom",
    "handler.throwsUnicodeName",
    "handler.throwsSync",
    "handler.rejectsString",
    "handler.rejectsUndefined",
    "handler.failString",
    "handler.callbackError",
    "handler.circular",
    "handler.logs",
    "handler.unhandledRejection",
    "handler.uncaught",
    "handler.nested.deeper.fn",
    "esm/handler.handler",
    "module.handler",
    "common.handler",
    "src/api/index.main",
    "handler.missing",
    "handler.notAFunction",
    "nofile.handler",
    "errors/missing_dep.handler",
    "errors/syntax.handler",
    "errors/init_throws.handler",
]


@pytest.mark.parametrize("handler", CASES)
def test_same_behaviour_as_aws_ric(api, launch, ric_installed, handler):
    events = [{"step": 1, "n": 1}, {"step": 2, "n": 2}]
    if handler.endswith(("unhandledRejection", "uncaught")):
        events = events[:1]

    ours_proc, ours, ours_code = _run(api, launch, [NODE, NODE_BOOTSTRAP], handler, events)
    ric_proc, theirs, ric_code = _run(api, launch, [ric_installed], handler, events)

    assert [_comparable(o, rid) for rid, o in ours] == [_comparable(o, rid) for rid, o in theirs]
    assert ours_code == ric_code

    # log lines carry the same levels, messages and error fields ("Executing
    # ..." is the standalone client's own banner)
    def logs(proc, outcomes):
        lines = [l for l in proc.stdout_lines if not l.startswith("Executing '")]
        for rid, _ in outcomes:
            lines = [_normalise_log(l, rid) for l in lines]
        return lines

    assert logs(ours_proc, ours) == logs(ric_proc, theirs)


def test_never_settling_async_handler(api, launch, ric_installed):
    """The one known difference: when an async handler's promise can never
    settle (the event loop drains), the current runtime source reports
    Runtime.NodeJsExit, which nimbus follows; the released aws-lambda-ric 3.3.0
    predates that and answers null."""
    _, ours, _ = _run(api, launch, [NODE, NODE_BOOTSTRAP], "handler.neverSettles", [{}])
    _, theirs, _ = _run(api, launch, [ric_installed], "handler.neverSettles", [{}])
    assert ours[0][1].json["errorType"] == "Runtime.NodeJsExit"
    assert theirs[0][1].body == b"null"
