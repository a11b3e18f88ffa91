"""runtimes/node/bootstrap.js against the fake Runtime API."""

import json
import os
import re

import pytest

from conftest import read_frames

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


# --- results -----------------------------------------------------------------


def test_async_handler_returns_object(api, node):
    node("handler.object")
    out = api.invoke({"n": 1})
    assert out.kind == "response"
    assert out.json == {"ok": True, "got": {"n": 1}}
    assert out.headers["content-type"] == "application/json"


def test_string_result_is_json_string(api, node):
    node("handler.string")
    assert api.invoke({}).body == b'"plain string"'


def test_undefined_result_is_null(api, node):
    node("handler.undefinedResult")
    assert api.invoke({}).body == b"null"


def test_event_round_trips_unchanged(api, node):
    node("handler.echo")
    event = {"unicode": "h\u00e9llo \u2603", "nested": {"list": [1, 2.5, None, True]}, "empty": ""}
    assert api.invoke(event).json == event


def test_callback_handler(api, node):
    node("handler.callback")
    assert api.invoke({"n": 7}).json == {"via": "callback", "n": 7}


def test_callback_waits_for_empty_event_loop(api, node):
    node("handler.callbackWaitsTwoStep")
    assert api.invoke({"step": 1}).body == b'"first"'
    # the timer set after calling back ran before the response was posted
    assert api.invoke({"step": 2}).json == {"timerRan": True}


def test_callback_without_waiting_answers_at_once(api, node):
    node("handler.callbackNoWait")
    # a 60 s timer is still pending, yet the response arrives now
    assert api.invoke({}, timeout=3).body == b'"answered at once"'


def test_context_succeed(api, node):
    node("handler.succeed")
    assert api.invoke({}).json == {"via": "succeed"}


def test_sync_handler_without_callback_answers_null(api, node):
    node("handler.syncReturn")
    assert api.invoke({}).body == b"null"


def test_nested_export(api, node):
    node("handler.nested.deeper.fn")
    assert api.invoke({}).body == b'"nested ok"'


def test_handler_in_subfolder(api, node):
    node("src/api/index.main")
    assert api.invoke({"path": "/x"}).json == {"from": "src/api/index.js", "path": "/x"}


def test_esm_by_package_type_module(api, node):
    node("esm/handler.handler")
    out = api.invoke({"k": "v"})
    assert out.json == {"esm": True, "file": "handler.js", "event": {"k": "v"}}


def test_mjs_and_cjs_extensions(api, node):
    node("module.handler")
    assert api.invoke({}).json == {"mjs": True}


def test_cjs_extension(api, node):
    node("common.handler")
    assert api.invoke({}).json == {"cjs": True}


# --- errors --------------------------------------------------------------------


def test_thrown_type_error(api, node):
    proc = node("handler.throwsTypeError")
    out = api.invoke({})
    assert out.kind == "error"
    body = out.json
    assert set(body) == {"errorType", "errorMessage", "trace"}
    assert body["errorType"] == "TypeError"
    assert body["errorMessage"] == "Cannot read properties of null (reading 'boom')"
    assert body["trace"][0] == "TypeError: Cannot read properties of null (reading 'boom')"
    assert any("handler.js" in line for line in body["trace"])
    assert out.headers["lambda-runtime-function-error-type"] == "TypeError"
    # the error is logged as Lambda does, and the environment lives on
    line = proc.wait_for_line(lambda l: "Invoke Error" in l)
    assert re.match(ISO + r"\t[0-9a-f-]{36}\tERROR\tInvoke Error \t\{", line)
    logged = json.loads(line.split("\t", 4)[4])
    assert logged["errorType"] == "TypeError" and isinstance(logged["stack"], list)
    assert api.invoke({}).kind == "error"


def test_custom_error_name_is_error_type(api, node):
    node("handler.throwsCustom")
    out = api.invoke({})
    assert out.json["errorType"] == "ValidationError"
    assert out.json["errorMessage"] == "custom failure"


def test_non_ascii_error_name(api, node):
    node("handler.throwsUnicodeName")
    out = api.invoke({})
    assert out.json["errorType"] == "Fehler\u00e4"
    assert out.headers["lambda-runtime-function-error-type"] == "Fehler?"


def test_synchronous_throw(api, node):
    node("handler.throwsSync")
    out = api.invoke({})
    assert out.json["errorType"] == "RangeError"
    assert out.json["errorMessage"] == "sync throw"


def test_rejected_string_reports_its_type(api, node):
    node("handler.rejectsString")
    out = api.invoke({})
    assert out.json == {"errorType": "string", "errorMessage": "a plain string", "trace": []}


def test_rejected_undefined_is_handled(api, node):
    node("handler.rejectsUndefined")
    assert api.invoke({}).json == {"errorType": "string", "errorMessage": "handled", "trace": []}


def test_context_fail_with_string(api, node):
    node("handler.failString")
    assert api.invoke({}).json["errorMessage"] == "failed by context"


def test_callback_error(api, node):
    node("handler.callbackError")
    out = api.invoke({})
    assert out.json["errorType"] == "Error"
    assert out.json["errorMessage"] == "callback error"


def test_unserializable_result(api, node):
    node("handler.circular")
    out = api.invoke({})
    assert out.kind == "error"
    assert out.json["errorMessage"] == "Unable to stringify response body"


def test_never_settling_promise(api, node):
    node("handler.neverSettles")
    out = api.invoke({})
    assert out.json["errorType"] == "Runtime.NodeJsExit"


def test_unhandled_rejection_reports_and_exits(api, node):
    proc = node("handler.unhandledRejection")
    out = api.invoke({})
    assert out.kind == "error"
    assert out.json["errorType"] == "Runtime.UnhandledPromiseRejection"
    assert out.json["errorMessage"] == "Error: background failure"
    assert proc.wait_exit() == 128
    assert "\tERROR\tUnhandled Promise Rejection \t{" in proc.stdout


def test_uncaught_exception_reports_and_exits(api, node):
    proc = node("handler.uncaught")
    out = api.invoke({})
    assert out.json["errorType"] == "Error"
    assert out.json["errorMessage"] == "thrown from a timer"
    assert proc.wait_exit() == 129
    assert "\tERROR\tUncaught Exception \t{" in proc.stdout


def test_invalid_event_json(api, node):
    node("handler.echo")
    out = api.outcome(api.submit(None, raw_body=b"{not json"))
    assert out.kind == "error"
    assert out.json["errorType"] == "SyntaxError"


# --- init errors -------------------------------------------------------------------


def _init_failure(api, proc):
    err = api.init_error()
    assert proc.wait_exit() == 129
    return err


def test_missing_module(api, node):
    proc = node("nofile.handler")
    err = _init_failure(api, proc)
    body = err.json
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Error: Cannot find module 'nofile'")
    assert err.headers["lambda-runtime-function-error-type"] == "Runtime.ImportModuleError"
    line = proc.wait_for_line(lambda l: "Uncaught Exception" in l)
    assert re.match(ISO + r"\tundefined\tERROR\tUncaught Exception \t\{\"errorType\":\"Runtime.ImportModuleError\"", line)


def test_missing_dependency_is_import_error(api, node):
    proc = node("errors/missing_dep.handler")
    body = _init_failure(api, proc).json
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "a-package-that-does-not-exist" in body["errorMessage"]


def test_handler_not_exported(api, node):
    proc = node("handler.missing")
    body = _init_failure(api, proc).json
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "handler.missing is undefined or not exported"


def test_handler_not_a_function(api, node):
    proc = node("handler.notAFunction")
    body = _init_failure(api, proc).json
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "handler.notAFunction is not a function"


def test_malformed_handler_name(api, node):
    proc = node("handler")
    body = _init_failure(api, proc).json
    assert body == {
        "errorType": "Runtime.MalformedHandlerName",
        "errorMessage": "Bad handler",
        "trace": body["trace"],
    }


def test_relative_path_in_handler(api, node):
    proc = node("../node/handler.object")
    assert _init_failure(api, proc).json["errorType"] == "Runtime.MalformedHandlerName"


def test_syntax_error(api, node):
    proc = node("errors/syntax.handler")
    body = _init_failure(api, proc).json
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["errorMessage"].startswith("SyntaxError: ")


def test_module_body_throws(api, node):
    proc = node("errors/init_throws.handler")
    body = _init_failure(api, proc).json
    assert body["errorType"] == "TypeError"
    assert body["errorMessage"] == "init failed on purpose"


# --- NODE_PATH (where the runtime's AWS SDK is) ------------------------------------------


def _package(folder, marker):
    """A package @fake/sdk in `folder` (a node_modules folder) whose entry points say which copy
    and which of its `exports` conditions was loaded."""
    root = folder / "@fake" / "sdk"
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({
        "name": "@fake/sdk", "version": "1.0.0",
        "exports": {".": {"import": "./index.mjs", "require": "./index.cjs"}}}))
    (root / "index.mjs").write_text("export const loaded = %s;\n" % json.dumps(marker + " import"))
    (root / "index.cjs").write_text("exports.loaded = %s;\n" % json.dumps(marker + " require"))


def _handlers(task):
    task.mkdir(exist_ok=True)
    (task / "esm.mjs").write_text(
        "import { loaded } from '@fake/sdk';\n"
        "export const handler = async () => ({ loaded });\n")
    (task / "cjs.js").write_text(
        "const { loaded } = require('@fake/sdk');\n"
        "exports.handler = async () => ({ loaded });\n")
    return str(task)


@pytest.mark.parametrize("handler,condition", [("esm", "import"), ("cjs", "require")])
def test_handler_finds_a_package_in_node_path(api, node, tmp_path, handler, condition):
    # Node.js searches NODE_PATH for require() only; Lambda's Node.js 18+ runtimes search it for
    # ES modules too, which is how an .mjs handler imports the runtime's AWS SDK.
    _package(tmp_path / "runtime" / "node_modules", "runtime")
    node(handler + ".handler", task_root=_handlers(tmp_path / "task"),
         env={"NODE_PATH": str(tmp_path / "runtime" / "node_modules")})
    assert api.invoke({}).json == {"loaded": "runtime " + condition}


@pytest.mark.parametrize("handler,condition", [("esm", "import"), ("cjs", "require")])
def test_function_node_modules_win_over_node_path(api, node, tmp_path, handler, condition):
    _package(tmp_path / "runtime" / "node_modules", "runtime")
    _package(tmp_path / "task" / "node_modules", "bundled")
    node(handler + ".handler", task_root=_handlers(tmp_path / "task"),
         env={"NODE_PATH": str(tmp_path / "runtime" / "node_modules")})
    assert api.invoke({}).json == {"loaded": "bundled " + condition}


def test_esm_import_missing_everywhere_is_import_error(api, node, tmp_path):
    (tmp_path / "runtime" / "node_modules").mkdir(parents=True)
    proc = node("esm.handler", task_root=_handlers(tmp_path / "task"),
                env={"NODE_PATH": str(tmp_path / "runtime" / "node_modules")})
    body = _init_failure(api, proc).json
    assert "@fake/sdk" in body["errorMessage"]


# --- context -------------------------------------------------------------------------


def test_context_fields(api, node):
    node("handler.context")
    rid = api.submit(
        {},
        timeout_ms=3000,
        headers={
            "Lambda-Runtime-Client-Context": json.dumps({"custom": {"k": "v"}}),
            "Lambda-Runtime-Cognito-Identity": json.dumps({"cognitoIdentityId": "id-1"}),
        },
    )
    ctx = api.outcome(rid).json
    assert ctx["functionName"] == "test-fn"
    assert ctx["functionVersion"] == "$LATEST"
    assert ctx["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:test-fn"
    assert ctx["memoryLimitInMB"] == "128"
    assert ctx["awsRequestId"] == rid
    assert ctx["logGroupName"] == "/aws/lambda/test-fn"
    assert ctx["logStreamName"] == "2024/01/01/[$LATEST]0123456789abcdef"
    assert 0 < ctx["remaining"] <= 3000
    assert ctx["callbackWaitsForEmptyEventLoop"] is True
    assert ctx["clientContext"] == {"custom": {"k": "v"}}
    assert ctx["identity"] == {"cognitoIdentityId": "id-1"}
    assert ctx["traceId"] == "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=1;Sampled=0"
    assert ctx["hasDone"] and ctx["hasSucceed"] and ctx["hasFail"]


def test_remaining_time_follows_deadline(api, node):
    node("handler.context")
    assert 50_000 < api.invoke({}, timeout_ms=60_000).json["remaining"] <= 60_000


# --- logs ------------------------------------------------------------------------------


def test_console_log_format(api, node):
    proc = node("handler.logs")
    rid = api.submit({})
    assert api.outcome(rid).body == b'"logged"'
    proc.wait_for_line(lambda l: "x=5" in l)
    init = proc.wait_for_line(lambda l: "init log" in l)
    assert re.fullmatch(ISO + r"\tundefined\tINFO\tinit log\n", init)
    lines = [l for l in proc.stdout_lines if rid in l]
    expected = [
        ("INFO", "log line 1 { a: 1 }"),
        ("INFO", "info line"),
        ("WARN", "warn line"),
        ("ERROR", "error line"),
        ("DEBUG", "debug line"),
        ("TRACE", "trace line"),
        ("INFO", "first\rsecond"),
        ("INFO", "x=5"),
    ]
    assert len(lines) == len(expected)
    for line, (level, message) in zip(lines, expected):
        assert re.fullmatch(ISO + "\t" + rid + "\t" + level + "\t" + re.escape(message) + "\n", line), line


def test_log_level_filter(api, node):
    proc = node("handler.logs", env={"AWS_LAMBDA_LOG_LEVEL": "WARN"})
    rid = api.submit({})
    api.outcome(rid)
    proc.wait_for_line(lambda l: "error line" in l)
    levels = [l.split("\t")[2] for l in proc.stdout_lines if rid in l]
    assert levels == ["WARN", "ERROR"]


def test_json_log_format(api, node):
    proc = node("handler.logs", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    rid = api.submit({})
    api.outcome(rid)
    proc.wait_for_line(lambda l: "x=5" in l)
    records = [json.loads(l) for l in proc.stdout_lines if rid in l]
    assert records[0]["level"] == "INFO" and records[0]["message"] == "log line 1 { a: 1 }"
    assert records[0]["requestId"] == rid
    assert re.fullmatch(ISO, records[0]["timestamp"])
    assert records[1] == {
        "timestamp": records[1]["timestamp"],
        "level": "INFO",
        "requestId": rid,
        "message": "info line",
    }


def test_telemetry_fd_frames(api, node):
    read_end, write_end = os.pipe()
    try:
        proc = node("handler.logs", env={"_LAMBDA_TELEMETRY_LOG_FD": str(write_end)},
                    pass_fds=(write_end,))
        os.close(write_end)
        write_end = None
        rid = api.submit({})
        api.outcome(rid)
        proc.stop()
        frames = read_frames(read_end)
    finally:
        os.close(read_end)
        if write_end is not None:
            os.close(write_end)
    mine = [f for f in frames if rid in f[2]]
    assert mine[0][0] == 0xA55A000F  # text frame, INFO
    assert mine[0][2].endswith("\tINFO\tlog line 1 { a: 1 }\n")
    multi = [f for f in mine if "first" in f[2]][0]
    assert multi[2].endswith("first\nsecond\n")  # one frame keeps the newline
    assert not [l for l in proc.stdout_lines if rid in l]


# --- protocol --------------------------------------------------------------------------


def test_one_connection_for_many_invocations(api, node):
    node("handler.echo")
    for i in range(25):
        assert api.invoke({"i": i}).json == {"i": i}
    assert api.connections == 1


def test_errors_reuse_the_connection_too(api, node):
    node("handler.throwsTypeError")
    for _ in range(5):
        assert api.invoke({}).kind == "error"
    assert api.connections == 1


def test_streaming_response(api, node):
    node("handler.streaming")
    out = api.invoke({})
    assert out.kind == "response"
    assert out.body == b"hello stream"
    assert out.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert out.headers["content-type"] == "text/plain"


def test_reconnects_when_the_server_drops_the_connection(api, node):
    api.close_after_post = True
    node("handler.echo")
    for i in range(10):
        assert api.invoke({"i": i}).json == {"i": i}
    assert api.connections >= 2


def test_result_post_and_next_are_pipelined(api, node):
    # the post of a result and the following `next` leave in one write: the
    # server has the `next` before it answers the post
    node("handler.echo")
    outs = [api.invoke({"i": i}) for i in range(5)]
    assert [o.json for o in outs] == [{"i": i} for i in range(5)]
    assert all(o.next_request_sent for o in outs)
    assert api.connections == 1


def test_error_post_and_next_are_pipelined(api, node):
    node("handler.throwsTypeError")
    outs = [api.invoke({}) for _ in range(3)]
    assert all(o.kind == "error" and o.next_request_sent for o in outs)
    assert all(o.headers["lambda-runtime-function-error-type"] == "TypeError" for o in outs)
    assert api.connections == 1


def test_rejected_post_goes_on_to_the_next_invocation(api, node):
    # nimbus answers 413 to a response over the size limit and fails the
    # invocation itself; the environment carries on
    api.post_answer = (413, b'{"errorType":"RequestEntityTooLarge","errorMessage":"too large"}')
    node("handler.echo")
    for i in range(3):
        assert api.invoke({"i": i}).json == {"i": i}
    assert api.connections == 1


def test_reconnects_after_connection_close(api, node):
    # `Connection: close` on the answer to a post: the pipelined `next` it
    # left unanswered goes out again on a new connection
    api.close_after_post = "announced"
    node("handler.echo")
    for i in range(4):
        assert api.invoke({"i": i}).json == {"i": i}
    # one per invocation (the fifth may still be under way)
    assert api.connections >= 4


def test_chunked_next_response(api, node):
    api.chunked_next = True
    node("handler.echo")
    event = {"text": "h\u00e9llo \u2603 " * 2000, "n": [1, 2, 3]}
    assert api.invoke(event).json == event
    assert api.invoke({"small": True}).json == {"small": True}


def test_large_event_and_result(api, node):
    node("handler.echo")
    event = {"blob": "\u00e9x" * (3 * 1024 * 1024)}  # 9 MB of UTF-8
    out = api.invoke(event, timeout=20)
    assert out.kind == "response"
    assert out.json == event
    assert api.invoke({"after": 1}).json == {"after": 1}
    assert api.connections == 1


def _read_request(conn, buf):
    """Reads one request (head and Content-Length body) from a raw socket."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        assert data, "connection closed"
        buf += data
    head, _, buf = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(buf) < length:
        buf += conn.recv(65536)
    return head.split(b"\r\n")[0].decode(), buf[:length], buf[length:]


def test_response_framing_variants(node):
    """Responses in odd shapes: a few bytes per packet, lower-case headers,
    100 Continue, chunked, and a body that ends with the connection."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    posts = []
    failures = []

    def next_head(rid, extra):
        return (
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            "lambda-runtime-aws-request-id: %s\r\nLAMBDA-RUNTIME-DEADLINE-MS: %d\r\n%s\r\n"
            % (rid, int(time.time() * 1000) + 60000, extra)
        ).encode()

    def serve():
        try:
            conn, _ = listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            line, _, buf = _read_request(conn, b"")
            assert line.startswith("GET ")
            body = b'{"n": 1}'
            reply = next_head("r1", "Content-Length: %d\r\n" % len(body)) + body
            for i in range(0, len(reply), 7):
                conn.sendall(reply[i:i + 7])
                time.sleep(0.002)
            line, body, buf = _read_request(conn, buf)
            posts.append((line, body))
            line, _, buf = _read_request(conn, buf)
            assert line.startswith("GET ")
            event = '{"n": 2, "s": "\u00e9"}'.encode()
            conn.sendall(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"
                + next_head("r2", "Transfer-Encoding: chunked\r\n")
                + b"5\r\n" + event[:5] + b"\r\n"
            )
            time.sleep(0.01)
            conn.sendall(b"%x\r\n" % (len(event) - 5) + event[5:] + b"\r\n0\r\n\r\n")
            line, body, buf = _read_request(conn, buf)
            posts.append((line, body))
            line, _, buf = _read_request(conn, buf)
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n" + next_head("r3", "")
                         + b'{"n": 3}')
            conn.close()  # the body of r3 ends here
            conn, _ = listener.accept()
            line, body, buf = _read_request(conn, b"")
            posts.append((line, body))
            conn.close()
        except Exception as e:  # reported by the test thread
            failures.append(e)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        node("handler.echo", env={"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port})
        server.join(10)
        assert not failures, failures
        assert not server.is_alive()
    finally:
        listener.close()
    prefix = "POST /2018-06-01/runtime/invocation/"
    assert posts == [
        (prefix + "r1/response HTTP/1.1", b'{"n":1}'),
        (prefix + "r2/response HTTP/1.1", '{"n":2,"s":"\u00e9"}'.encode()),
        (prefix + "r3/response HTTP/1.1", b'{"n":3}'),
    ]
