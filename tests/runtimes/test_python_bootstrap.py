"""runtimes/python/bootstrap.py against the fake Runtime API."""

import json
import os
import re

import pytest

from conftest import FIXTURES, PYTHON3, PYTHON_BOOTSTRAP, read_frames

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
NBSP = "\u00a0"


# --- results -------------------------------------------------------------------


def test_dict_result(api, python):
    python("handler.object_result")
    out = api.invoke({"n": 1})
    assert out.kind == "response"
    # json.dumps spacing, as the managed runtime serialises
    assert out.body == b'{"ok": true, "got": {"n": 1}}'
    assert out.headers["content-type"] == "application/json"


def test_string_result(api, python):
    python("handler.string_result")
    assert api.invoke({}).body == b'"plain string"'


def test_none_result(api, python):
    python("handler.none_result")
    assert api.invoke({}).body == b"null"


def test_event_round_trips(api, python):
    python("handler.echo")
    event = {"unicode": "h\u00e9llo", "list": [1, 2.5, None, True], "empty": {}}
    assert api.invoke(event).json == event


def test_decimal_keeps_its_digits(api, python):
    python("handler.decimal_result")
    body = api.invoke({}).body
    assert body == b'{"price": 19.990, "big": 12345678901234567890.123456789, "whole": 7}'


def test_non_ascii_is_escaped_by_default(api, python):
    python("handler.unicode_result")
    assert api.invoke({}).body == b'{"text": "h\\u00e9llo \\u2603"}'


def test_non_ascii_raw_on_python312(api, python):
    python("handler.unicode_result", env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
    assert api.invoke({}).body == '{"text": "h\u00e9llo \u2603"}'.encode("utf-8")


def test_datetime_is_marshal_error(api, python):
    python("handler.datetime_result")
    out = api.invoke({})
    assert out.kind == "error"
    assert out.json["errorType"] == "Runtime.MarshalError"
    assert out.json["errorMessage"] == (
        "Unable to marshal response: Object of type datetime is not JSON serializable"
    )


def test_bytes_result_posted_raw(api, python):
    python("handler.bytes_result")
    out = api.invoke({})
    assert out.body == b"\x00raw bytes"
    assert out.headers["content-type"] == "application/unknown"


def test_handler_path_with_slashes(api, python):
    python("src/api/handler.main")
    assert api.invoke({}).json == {"from": "src/api/handler.py", "module": "src.api.handler"}


def test_handler_path_with_dots(api, python):
    python("src.api.handler.main")
    assert api.invoke({}).json == {"from": "src/api/handler.py", "module": "src.api.handler"}


# --- errors ------------------------------------------------------------------------


def test_raised_exception(api, python):
    proc = python("handler.raises")
    rid = api.submit({"n": 3})
    out = api.outcome(rid)
    assert out.kind == "error"
    body = out.json
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "bad value: 3"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == rid
    assert len(body["stackTrace"]) == 1
    assert re.fullmatch(
        r'  File ".*/fixtures/python/handler.py", line \d+, in raises\n'
        r'    raise ValueError\("bad value: %s" % event.get\("n"\)\)\n',
        body["stackTrace"][0],
    )
    assert out.headers["lambda-runtime-function-error-type"] == "ValueError"
    line = proc.wait_for_line(lambda l: l.startswith("[ERROR] ValueError"))
    parts = line.rstrip("\n").split("\r")
    assert parts[0] == "[ERROR] ValueError: bad value: 3"
    assert parts[1] == "Traceback (most recent call last):"
    assert parts[2].startswith(NBSP * 2 + 'File "')
    assert parts[3].startswith(NBSP * 4 + "raise ValueError")
    # the environment goes on serving
    assert api.invoke({"n": 4}).json["errorMessage"] == "bad value: 4"


def test_stack_trace_covers_user_frames_only(api, python):
    python("handler.raises_custom")
    body = api.invoke({}).json
    assert body["errorType"] == "CustomError"
    assert [re.search(r"in (\w+)", f).group(1) for f in body["stackTrace"]] == [
        "raises_custom",
        "helper",
    ]


def test_invalid_event_json(api, python):
    python("handler.echo")
    out = api.outcome(api.submit(None, raw_body=b"{not json"))
    assert out.json["errorType"] == "Runtime.UnmarshalError"
    assert out.json["errorMessage"].startswith("Unable to unmarshal input: ")


# --- init errors -----------------------------------------------------------------------


def _init_failure(api, proc):
    err = api.init_error()
    assert proc.wait_exit() == 1
    assert err.headers["lambda-runtime-function-error-type"] == err.json["errorType"]
    assert err.json["requestId"] == ""
    return err.json


def test_import_error(api, python):
    proc = python("errors/import_error.handler")
    body = _init_failure(api, proc)
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == (
        "Unable to import module 'errors/import_error': "
        "No module named 'a_module_that_does_not_exist'"
    )
    assert body["stackTrace"] == []
    proc.wait_for_line(lambda l: "LAMBDA_WARNING: Unhandled exception." in l)
    line = proc.wait_for_line(lambda l: l.startswith("[ERROR] Runtime.ImportModuleError"))
    assert line.endswith("\rTraceback (most recent call last):\n")


def test_missing_module(api, python):
    proc = python("nomodule.handler")
    body = _init_failure(api, proc)
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'nomodule': No module named 'nomodule'"


def test_handler_not_found(api, python):
    proc = python("handler.nope")
    body = _init_failure(api, proc)
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'nope' missing on module 'handler'"


def test_syntax_error(api, python):
    proc = python("errors/syntax_error.handler")
    body = _init_failure(api, proc)
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["errorMessage"].startswith("Syntax error in module 'errors/syntax_error': ")
    assert body["stackTrace"][0].startswith('  File "')
    assert "syntax_error.py\" Line 1\n" in body["stackTrace"][0]


def test_malformed_handler(api, python):
    proc = python("handler")
    body = _init_failure(api, proc)
    assert body["errorType"] == "Runtime.MalformedHandlerName"
    assert body["errorMessage"].startswith("Bad handler 'handler': ")


def test_builtin_module_conflict(api, python):
    proc = python("sys.handler")
    assert _init_failure(api, proc)["errorType"] == "Runtime.BuiltInModuleConflict"


def test_module_body_raises(api, python):
    proc = python("errors/init_raises.handler")
    body = _init_failure(api, proc)
    assert body["errorType"] == "RuntimeError"
    assert body["errorMessage"] == "init failed on purpose"


# --- boto3 (the runtime's AWS SDK) -------------------------------------------------------

RUNTIME_PACKAGES = "/usr/lib/python3/dist-packages"  # Debian's python3-boto3


def _boto3_handler(task):
    task.mkdir()
    (task / "app.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    client = boto3.client('dynamodb')\n"
        "    return {'boto3': boto3.__file__, 'region': client.meta.region_name,\n"
        "            'bundled': getattr(boto3, 'BUNDLED', False)}\n")
    return str(task)


@pytest.mark.skipif(not os.path.isdir(os.path.join(RUNTIME_PACKAGES, "boto3")),
                    reason="python3-boto3 is not installed")
def test_boto3_is_there_for_an_interpreter_without_its_own(api, launch, tmp_path):
    # -S: no site-packages, as a virtualenv's or pyenv's python3 that has no boto3 of its own.
    launch([PYTHON3, "-S", PYTHON_BOOTSTRAP], "app.handler", _boto3_handler(tmp_path / "task"))
    out = api.invoke({}).json
    assert out["boto3"].startswith(RUNTIME_PACKAGES + "/")
    assert out["region"] == "us-east-1" and out["bundled"] is False


def test_bundled_boto3_wins_over_the_runtime_one(api, python, tmp_path):
    task_root = _boto3_handler(tmp_path / "task")
    (tmp_path / "task" / "boto3").mkdir()
    (tmp_path / "task" / "boto3" / "__init__.py").write_text(
        "BUNDLED = True\n"
        "class _Meta:\n"
        "    region_name = 'bundled-region'\n"
        "class _Client:\n"
        "    meta = _Meta()\n"
        "def client(name):\n"
        "    return _Client()\n")
    python("app.handler", task_root=task_root)
    out = api.invoke({}).json
    assert out["boto3"] == str(tmp_path / "task" / "boto3" / "__init__.py")
    assert out["region"] == "bundled-region" and out["bundled"] is True


# --- context ---------------------------------------------------------------------------


def test_context_fields(api, python):
    python("handler.context_fields")
    rid = api.submit(
        {},
        timeout_ms=3000,
        headers={
            "Lambda-Runtime-Client-Context": json.dumps(
                {"custom": {"k": "v"}, "client": {"app_title": "app"}, "env": {}}
            ),
            "Lambda-Runtime-Cognito-Identity": json.dumps(
                {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
            ),
        },
    )
    ctx = api.outcome(rid).json
    assert ctx["function_name"] == "test-fn"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:test-fn"
    assert ctx["memory_limit_in_mb"] == "128"
    assert ctx["aws_request_id"] == rid
    assert ctx["log_group_name"] == "/aws/lambda/test-fn"
    assert ctx["log_stream_name"] == "2024/01/01/[$LATEST]0123456789abcdef"
    assert 0 < ctx["remaining"] <= 3000
    assert ctx["identity_id"] == "id-1" and ctx["identity_pool"] == "pool-1"
    assert ctx["client_custom"] == {"k": "v"}
    assert ctx["client_app_title"] == "app"
    assert ctx["trace_id"] == "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=1;Sampled=0"
    assert ctx["cwd"] == os.path.join(FIXTURES, "python")
    assert ctx["sys_path_0"] == os.path.join(FIXTURES, "python")


def test_remaining_time_is_never_negative(api, python):
    python("handler.context_fields")
    assert api.invoke({}, timeout_ms=-5000).json["remaining"] == 0


def test_identity_empty_without_header(api, python):
    python("handler.context_fields")
    ctx = api.invoke({}).json
    assert ctx["identity_id"] is None and ctx["client_custom"] is None


# --- logs ------------------------------------------------------------------------------


def test_logging_format_and_print(api, python):
    proc = python("handler.logs")
    rid = api.submit({})
    assert api.outcome(rid).body == b'"logged"'
    proc.wait_for_line(lambda l: "context log line" in l)
    out = proc.stdout_lines
    assert out[0] == "init print\n"
    mine = [l for l in out if rid in l]
    assert len(mine) == 3
    assert re.fullmatch(r"\[INFO\]\t" + ISO + "\t" + rid + r"\tinfo line 1\n", mine[0])
    assert re.fullmatch(r"\[WARNING\]\t" + ISO + "\t" + rid + r"\twarn line\n", mine[1])
    # a multi-line record stays one line
    assert re.fullmatch(r"\[ERROR\]\t" + ISO + "\t" + rid + "\tfirst\rsecond\n", mine[2])
    assert "printed line\n" in out  # print() is not prefixed
    assert "context log line\n" in out
    assert not any("debug line" in l for l in out)


def test_root_logger_default_level_is_warning(api, python):
    proc = python("handler.default_level_logs")
    api.invoke({})
    proc.wait_for_line(lambda l: "shown at the default level" in l)
    assert not any("not shown" in l for l in proc.stdout_lines)


def test_log_level_env(api, python):
    proc = python("handler.default_level_logs", env={"AWS_LAMBDA_LOG_LEVEL": "INFO"})
    api.invoke({})
    proc.wait_for_line(lambda l: "not shown at the default level" in l)


def test_json_log_format(api, python):
    proc = python("handler.logs", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    rid = api.submit({})
    api.outcome(rid)
    proc.wait_for_line(lambda l: "warn line" in l)
    record = json.loads(proc.wait_for_line(lambda l: "warn line" in l))
    assert record == {
        "timestamp": record["timestamp"],
        "level": "WARNING",
        "message": "warn line",
        "logger": "root",
        "requestId": rid,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["timestamp"])


def test_telemetry_fd_frames(api, python):
    read_end, write_end = os.pipe()
    try:
        proc = python("handler.logs", env={"_LAMBDA_TELEMETRY_LOG_FD": str(write_end)},
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
    assert [f[0] for f in mine] == [0xA55A000F, 0xA55A0013, 0xA55A0017]
    assert mine[2][2].endswith("\tfirst\nsecond\n")
    assert "printed line\n" in proc.stdout_lines


# --- protocol --------------------------------------------------------------------------


def test_one_connection_for_many_invocations(api, python):
    python("handler.echo")
    for i in range(25):
        assert api.invoke({"i": i}).json == {"i": i}
    assert api.connections == 1


def test_errors_reuse_the_connection_too(api, python):
    python("handler.raises")
    for _ in range(5):
        assert api.invoke({}).kind == "error"
    assert api.connections == 1


def test_reconnects_when_the_server_drops_the_connection(api, python):
    api.close_after_post = True
    python("handler.echo")
    for i in range(10):
        assert api.invoke({"i": i}).json == {"i": i}
    assert api.connections >= 2
