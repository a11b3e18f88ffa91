"""nimbus bootstrap for Python functions.

Speaks the Lambda Runtime API (2018-06-01) to the endpoint in
AWS_LAMBDA_RUNTIME_API and runs the handler named by _HANDLER with the
programming model of the managed python runtimes: handler import rules, the
context object, the logging format, the JSON marshalling of results, and the
error shapes and error type names they report.

Launched as `python3 bootstrap.py` with the function's code folder as cwd
(LAMBDA_TASK_ROOT). Standard library only; Python 3.8 or newer. Handlers also
find boto3, as on Lambda (RUNTIME_PACKAGES).
"""

import decimal
import errno
import json
import logging
import math
import os
import re
import socket
import sys
import time
import traceback
from urllib.parse import quote

# Lambda's code folder is read-only, so a function's modules are compiled at every cold start and
# no __pycache__ appears beside them. nimbus serves the project folder itself: it keeps it as
# clean, reading the bytecode caches that exist (the standard library's) and writing none.
sys.dont_write_bytecode = True

# Lambda's Python runtimes include boto3, in a folder that comes after the function's own on
# sys.path. Here it is Debian's python3-boto3, which scripts/setup installs in this folder.
RUNTIME_PACKAGES = "/usr/lib/python3/dist-packages"



# AWS's public endpoints: `{service}.{region}.amazonaws.com` (and the China partition's
# `.amazonaws.com.cn`) and the dual-stack `{service}.{region}.api.aws`.
_REAL_AWS_HOST = re.compile(r"(^|\.)(amazonaws\.com(\.cn)?|api\.aws)\.?$", re.IGNORECASE)


def is_real_aws_host(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return isinstance(host, str) and _REAL_AWS_HOST.search(host) is not None


def real_aws_allowed():
    return (os.environ.get("NIMBUS_ALLOW_REAL_AWS") or "").lower() in ("1", "true")


def real_aws_message(host):
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    return (
        "nimbus does not reach real AWS: the connection to %s was refused. " % host
        + ("nimbus's AWS services are at %s (AWS_ENDPOINT_URL). " % endpoint if endpoint else "")
        + "Set NIMBUS_ALLOW_REAL_AWS=1 in the function's environment to allow calls to AWS."
    )


class RealAwsRefused(ConnectionRefusedError):
    """A connection to a real AWS host, refused before any DNS lookup."""

    def __init__(self, host):
        super().__init__(errno.ECONNREFUSED, real_aws_message(host))
        self.host = host


def _refuse_real_aws():
    """Refuses connections to real AWS hosts for every client in the process.

    http.client, urllib3 (botocore's, requests'), asyncio and socket.create_connection all
    resolve a host through socket.getaddrinfo before they connect, so refusing the name there
    stops the call before it leaves the machine, with an error that names the host.
    """
    getaddrinfo = socket.getaddrinfo

    def getaddrinfo_unless_real_aws(host, *args, **kwargs):
        if is_real_aws_host(host):
            raise RealAwsRefused(host)
        return getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo_unless_real_aws


class _BotocoreHooks:
    """Adjusts botocore as the function imports it, so that boto3 calls stay on nimbus.

    - botocore reads AWS_ENDPOINT_URL from 1.31 on; Debian 12's is 1.29, whose clients would
      reach the real AWS (and hang without network) instead of nimbus. On those releases
      create_client defaults its endpoint_url to the variable, as newer botocore does.
    - A request to a real AWS host (an endpoint_url written into the code, a QueueUrl of the
      real form) is sent to AWS_ENDPOINT_URL instead, with its path and signature unchanged.
      Without an http endpoint to send it to, it fails in botocore itself, before it is sent,
      with RealAwsRefused's message (a BotoCoreError that no retry policy counts as
      transient): botocore would wrap the refused connection into EndpointConnectionError,
      whose message names only the URL, and retry it with back-off.

    The finder waits for the function to import the modules concerned: nothing is imported
    unless the function imports it.
    """

    def __init__(self, endpoint_default, refuse_real_aws):
        self.patches = {}
        if endpoint_default:
            self.patches["botocore.session"] = self._default_endpoint
        if refuse_real_aws:
            self.patches["botocore.endpoint"] = self._refuse_real_aws

    def find_spec(self, name, path=None, target=None):
        patch = self.patches.get(name)
        if patch is None:
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            patch(module)

        loader.exec_module = exec_module
        return spec

    @staticmethod
    def _default_endpoint(session_module):
        try:
            import botocore

            version = tuple(int(p) for p in botocore.__version__.split(".")[:2])
        except (ImportError, ValueError):
            return
        if version >= (1, 31):
            return
        create_client = session_module.Session.create_client

        def create_client_with_endpoint(self, service_name, *args, **kwargs):
            # endpoint_url is the fifth parameter after service_name, in every release.
            if len(args) < 5 and kwargs.get("endpoint_url") is None:
                endpoint = os.environ.get("AWS_ENDPOINT_URL")
                if endpoint:
                    kwargs["endpoint_url"] = endpoint
            return create_client(self, service_name, *args, **kwargs)

        session_module.Session.create_client = create_client_with_endpoint

    @staticmethod
    def _refuse_real_aws(endpoint_module):
        from urllib.parse import urlsplit, urlunsplit

        from botocore.exceptions import BotoCoreError

        class RealAwsEndpointError(BotoCoreError):
            fmt = "{message}"

        send = getattr(endpoint_module.Endpoint, "_send", None)
        if send is None:
            return

        def send_unless_real_aws(self, request):
            url = urlsplit(request.url)
            if not is_real_aws_host(url.hostname):
                return send(self, request)
            endpoint = urlsplit(os.environ.get("AWS_ENDPOINT_URL") or "")
            if endpoint.scheme != "http" or not endpoint.netloc:
                raise RealAwsEndpointError(message=real_aws_message(url.hostname), host=url.hostname)
            # The request goes to nimbus's endpoint as it is, signature included: nimbus tells
            # services apart by the credential scope, and the Host header stays the one signed.
            if "Host" not in request.headers:
                request.headers["Host"] = url.netloc.rpartition("@")[2]
            request.url = urlunsplit(("http", endpoint.netloc, url.path, url.query, ""))
            return send(self, request)

        endpoint_module.Endpoint._send = send_unless_real_aws


RUNTIME_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"

# Error lines of the text log format: one record, its lines joined by '\r',
# traceback indentation turned into no-break spaces (U+00A0).
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"

LAMBDA_WARNING = "LAMBDA_WARNING"
UNHANDLED_EXCEPTION_WARNING = (
    LAMBDA_WARNING + ": "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this "
    "error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class FaultException(Exception):
    """A failure the runtime reports under one of its own error types."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


class Unbuffered(object):
    """Flushes after every write, so each line reaches nimbus at once."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class StdoutLogSink(object):
    """Log records as lines on stdout.

    A record is one line: newlines inside it become '\r', so that a reader
    splitting stdout on '\n' sees one log event per record, as the framed
    protocol gives on Lambda. print() output is left as it is.
    """

    def log(self, msg, frame_type=None):
        if msg.endswith("\n"):
            body = msg[:-1]
        else:
            body = msg
        sys.stdout.write(body.replace("\n", "\r") + "\n")

    def log_error(self, message_lines):
        sys.stdout.write(
            ERROR_LOG_LINE_TERMINATE.join(message_lines).replace("\n", "\r") + "\n"
        )


def _frame_types(base):
    return {
        logging.NOTSET: (base).to_bytes(4, "big"),
        logging.DEBUG: (base | 0x08).to_bytes(4, "big"),
        logging.INFO: (base | 0x0C).to_bytes(4, "big"),
        logging.WARNING: (base | 0x10).to_bytes(4, "big"),
        logging.ERROR: (base | 0x14).to_bytes(4, "big"),
        logging.CRITICAL: (base | 0x18).to_bytes(4, "big"),
    }


_JSON_FRAME_TYPES = _frame_types(0xA55A0002)
_TEXT_FRAME_TYPES = _frame_types(0xA55A0003)


class FramedLogSink(object):
    """The framed telemetry protocol, used when _LAMBDA_TELEMETRY_LOG_FD is set.

    Each frame: 4-byte type, 4-byte length, 8-byte timestamp (microseconds),
    then the message; big-endian. A multi-line record stays one frame.
    """

    def __init__(self, fd, json_format):
        self.file = os.fdopen(int(fd), "wb", 0)
        frames = _JSON_FRAME_TYPES if json_format else _TEXT_FRAME_TYPES
        self.default_frame = frames[logging.NOTSET]
        self.error_frame = frames[logging.ERROR]

    def log(self, msg, frame_type=None):
        data = msg.encode("utf8")
        stamp = time.time_ns() // 1000
        self.file.write(
            (frame_type or self.default_frame)
            + len(data).to_bytes(4, "big")
            + stamp.to_bytes(8, "big")
            + data
        )

    def log_error(self, message_lines):
        self.log("\n".join(message_lines), self.error_frame)


def _level_of(record):
    return min(50, max(0, record.levelno)) // 10 * 10


_request_id = None
_tenant_id = None


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


class LambdaLogHandler(logging.Handler):
    def __init__(self, sink, frame_types):
        logging.Handler.__init__(self)
        self.sink = sink
        self.frame_types = frame_types

    def emit(self, record):
        try:
            msg = self.format(record)
            frame = getattr(record, "_frame_type", None) or self.frame_types.get(
                _level_of(record)
            )
            self.sink.log(msg, frame)
        except Exception:
            self.handleError(record)


_RESERVED_RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename",
    "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName",
    "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
    "taskName",
}
_JSON_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_plain_json = json.JSONEncoder(ensure_ascii=False).encode


class JsonLogFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record."""

    def __init__(self):
        super().__init__(datefmt=_JSON_TIME_FORMAT)

    def format(self, record):
        record.levelno = _level_of(record)
        record.levelname = logging.getLevelName(record.levelno)
        record._frame_type = _JSON_FRAME_TYPES.get(
            record.levelno, _JSON_FRAME_TYPES[logging.NOTSET]
        )
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
            if exc
            else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED_RECORD_FIELDS and key not in result:
                result[key] = value
        result = {k: v for k, v in result.items() if v is not None}
        return _plain_json(result) + "\n"


def _setup_logging(json_format, log_level, sink):
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    handler = LambdaLogHandler(
        sink, _JSON_FRAME_TYPES if json_format else _TEXT_FRAME_TYPES
    )
    if json_format:
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    # Like Lambda, the root logger keeps Python's default level (WARNING)
    # unless AWS_LAMBDA_LOG_LEVEL says otherwise.
    if log_level in logging._nameToLevel:
        root.setLevel(log_level)
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)


def _log_level_from_env(value):
    if value is None:
        return ""
    if value.upper() == "TRACE":
        return "DEBUG"
    return value.upper()


# ---------------------------------------------------------------------------
# JSON marshalling
# ---------------------------------------------------------------------------

_UNICODE_RUNTIMES = {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}


class ResultEncoder(json.JSONEncoder):
    """Encodes results as the managed runtime does.

    Decimals become JSON numbers with their exact digits (Decimal NaN becomes
    NaN), NaN and Infinity floats are allowed, and non-ASCII characters are
    escaped except on the python3.12+ runtimes (AWS_EXECUTION_ENV).
    Anything else the json module cannot encode is a Runtime.MarshalError.
    """

    def __init__(self):
        super().__init__(
            allow_nan=True,
            ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") not in _UNICODE_RUNTIMES,
        )
        # Decimal digits are emitted through unique placeholder strings that
        # are swapped for the raw digits after encoding.
        self._marker = "@@nimbus-decimal-%s-" % os.urandom(8).hex()
        self._pattern = re.compile('"' + re.escape(self._marker) + r'(\d+)"')
        self._decimals = []

    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            self._decimals.append(str(obj))
            return self._marker + str(len(self._decimals) - 1)
        return super().default(obj)

    def encode(self, obj):
        self._decimals = []
        text = super().encode(obj)
        if self._decimals:
            decimals = self._decimals
            text = self._pattern.sub(lambda m: decimals[int(m.group(1))], text)
            self._decimals = []
        return text


_encoder = None


def to_json(obj):
    global _encoder
    if _encoder is None:
        _encoder = ResultEncoder()
    return _encoder.encode(obj)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e))
        )


def unmarshal_request(body, content_type):
    # nimbus always sends application/json; a missing header is treated alike.
    if content_type is not None and content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e))
        )


# ---------------------------------------------------------------------------
# Runtime API client
# ---------------------------------------------------------------------------


class ConnectionClosed(Exception):
    """The server closed the connection before answering."""


class Response(object):
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body


class RuntimeApiClient(object):
    """A minimal HTTP/1.1 client on one persistent connection to the Runtime API.

    The exchange with the Runtime API is strictly one request, then its
    response, on a connection that lives as long as the environment; each
    request goes out in one write. http.client does the same work with
    several writes and a full email-header parser per response, which costs
    more than the rest of an invocation's overhead together.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host:
            host, port = address, "80"
        self.address = (host.strip("[]"), int(port))
        self.host_header = ("Host: %s\r\n" % address).encode("latin-1")
        self.sock = None
        self.rfile = None

    def _connect(self):
        sock = socket.create_connection(self.address)
        # Small request/response pairs must not wait for delayed ACKs.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.rfile = sock.makefile("rb")

    def close(self):
        if self.sock is not None:
            try:
                self.rfile.close()
                self.sock.close()
            finally:
                self.sock = None
                self.rfile = None

    def _request(self, method, path, body=None, headers=b""):
        request = b"%s %s HTTP/1.1\r\n" % (method, path.encode("utf-8")) + self.host_header + headers
        if body is not None:
            request += b"Content-Length: %d\r\n\r\n" % len(body) + body
        else:
            request += b"\r\n"
        reused = self.sock is not None
        if not reused:
            self._connect()
        try:
            self.sock.sendall(request)
            return self._read_response()
        except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
        # The server closed the kept-alive connection while it was idle: the
        # request never arrived, so it is sent once more on a new connection.
        self._connect()
        self.sock.sendall(request)
        return self._read_response()

    def _read_response(self):
        rfile = self.rfile
        line = rfile.readline(65537)
        if not line:
            raise ConnectionClosed()
        status = int(line.split(None, 2)[1])
        headers = {}
        while True:
            line = rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode(
                "utf-8", "surrogateescape"
            )
        length = headers.get("content-length")
        if length is not None:
            body = rfile.read(int(length))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = rfile.read()
            self.close()
            return Response(status, headers, body)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)

    def _read_chunked(self):
        rfile = self.rfile
        parts = []
        while True:
            size = int(rfile.readline(65537).split(b";", 1)[0].strip(), 16)
            if size == 0:
                break
            parts.append(rfile.read(size))
            rfile.readline(65537)
        while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(parts)

    def next_invocation(self):
        resp = self._request(b"GET", NEXT_PATH)
        if resp.status != 200:
            raise RuntimeError(
                "Failed to get next invocation: HTTP {} {!r}".format(resp.status, resp.body[:200])
            )
        return resp

    def post_invocation_result(self, invoke_id, result, content_type):
        self._request(
            b"POST",
            RUNTIME_PREFIX + "/invocation/" + quote(invoke_id, safe="") + "/response",
            result,
            JSON_CONTENT_TYPE if content_type == "application/json" else
            ("Content-Type: %s\r\n" % content_type).encode("latin-1"),
        )

    def post_invocation_error(self, invoke_id, error_json, error_type):
        self._request(
            b"POST",
            RUNTIME_PREFIX + "/invocation/" + quote(invoke_id, safe="") + "/error",
            error_json.encode("utf-8"),
            JSON_CONTENT_TYPE + _error_type_header(error_type),
        )

    def post_init_error(self, error_result):
        self._request(
            b"POST",
            RUNTIME_PREFIX + "/init/error",
            to_json(error_result).encode("utf-8"),
            JSON_CONTENT_TYPE + _error_type_header(error_result["errorType"]),
        )


JSON_CONTENT_TYPE = b"Content-Type: application/json\r\n"
NEXT_PATH = RUNTIME_PREFIX + "/invocation/next"


def _error_type_header(error_type):
    # header values are one line of printable ASCII
    value = "".join(c if " " <= c <= "~" else "?" for c in str(error_type))
    return ("%s: %s\r\n" % (ERROR_TYPE_HEADER, value)).encode("ascii")


# ---------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id={},cognito_identity_pool_id={}])".format(
            self.cognito_identity_id, self.cognito_identity_pool_id
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            "Client([installation_id={},app_title={},app_version_name={},"
            "app_version_code={},app_package_name={}])".format(
                self.installation_id,
                self.app_title,
                self.app_version_name,
                self.app_version_code,
                self.app_package_name,
            )
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom={},env={},client={}])".format(
            self.custom, self.env, self.client
        )


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)

        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get(
                "cognitoIdentityPoolId"
            )

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg):
        for handler in logging.getLogger().handlers:
            if isinstance(handler, LambdaLogHandler):
                handler.sink.log(str(msg))
                return
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},"
            "function_name={},memory_limit_in_mb={},function_version={},"
            "invoked_function_arn={},client_context={},identity={},tenant_id={}])".format(
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
        )


# ---------------------------------------------------------------------------
# Handler loading
# ---------------------------------------------------------------------------


def get_handler(handler):
    """Imports `path/to/module.function` (or `path.to.module.function`)."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME,
            "Bad handler '{}': {}".format(handler, str(e)),
        )

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
        )


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """Traceback entries, starting at the first frame outside this file."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[i:]
    return frames


def error_from_exception(exc_info, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(
        str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id
    )


def _indent_with_nbsp(line):
    stripped = line.lstrip(" ")
    return ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped


def make_error_logger(json_format):
    if json_format:

        def log_error(error_result, sink):
            record = {
                "timestamp": time.strftime(_JSON_TIME_FORMAT, time.gmtime()),
                "log_level": "ERROR",
            }
            record.update(error_result)
            sink.log_error([to_json(record)])

        return log_error

    def log_error(error_result, sink):
        description = "[ERROR]"
        error_type = error_result.get("errorType")
        if error_type:
            description += " " + error_type
        message = error_result.get("errorMessage")
        if message:
            if error_type:
                description += ":"
            description += " " + message
        lines = [description]
        stack = error_result.get("stackTrace")
        if stack is not None:
            lines.append("Traceback (most recent call last):")
            for element in stack:
                if element == "":
                    lines.append("")
                else:
                    lines.extend(_indent_with_nbsp(l) for l in element.splitlines())
        sink.log_error(lines)

    return log_error


# ---------------------------------------------------------------------------
# The invocation loop
# ---------------------------------------------------------------------------


def handle_invocation(client, request_handler, resp, sink, log_error):
    headers = resp.headers
    invoke_id = headers.get("lambda-runtime-aws-request-id")
    error_result = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity")
            if cognito_identity
            else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = unmarshal_request(resp.body, headers.get("content-type"))
        response = request_handler(event, context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = error_from_exception(sys.exc_info(), invoke_id)

    if error_result is None:
        client.post_invocation_result(invoke_id, result, content_type)
    else:
        log_error(error_result, sink)
        client.post_invocation_error(invoke_id, to_json(error_result), error_result["errorType"])


def main():
    global _request_id, _tenant_id

    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The function's folder comes first on sys.path, in place of this
    # script's own folder.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(
        os.path.abspath(__file__)
    ):
        sys.path[0] = task_root
    else:
        sys.path.insert(0, task_root)
    # The runtime's boto3 comes last: after the function's folder, so that a bundled boto3 wins,
    # and after the interpreter's own packages, so that any python3 (a virtualenv's, pyenv's)
    # finds boto3 without changing the packages it has. Debian's python3 lists it already.
    if os.path.isdir(RUNTIME_PACKAGES) and RUNTIME_PACKAGES not in sys.path:
        sys.path.append(RUNTIME_PACKAGES)
    # Before the handler loads: its AWS SDK calls reach nimbus, never the real AWS.
    refuse = not real_aws_allowed()
    if refuse:
        _refuse_real_aws()
    if refuse or os.environ.get("AWS_ENDPOINT_URL"):
        sys.meta_path.insert(0, _BotocoreHooks(bool(os.environ.get("AWS_ENDPOINT_URL")), refuse))

    json_format = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    log_level = _log_level_from_env(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    sink = FramedLogSink(fd, json_format) if fd is not None else StdoutLogSink()
    log_error = make_error_logger(json_format)

    client = RuntimeApiClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", ""))

    error_result = None
    try:
        _setup_logging(json_format, log_level, sink)
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_result = error_from_exception(sys.exc_info())

    if error_result is not None:
        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result, sink)
        client.post_init_error(error_result)
        sys.exit(1)

    while True:
        resp = client.next_invocation()
        _request_id = resp.headers.get("lambda-runtime-aws-request-id")
        _tenant_id = resp.headers.get("lambda-runtime-aws-tenant-id")
        trace_id = resp.headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in os.environ:
            del os.environ["_X_AMZN_TRACE_ID"]
        handle_invocation(client, request_handler, resp, sink, log_error)


if __name__ == "__main__":
    main()
