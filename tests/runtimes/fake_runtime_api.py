"""A fake Lambda Runtime API (2018-06-01) for driving bootstrap processes.

The server runs on 127.0.0.1 on an ephemeral port. Tests queue invocations
with `invoke()` and wait for their outcome; a bootstrap's `GET .../next`
blocks until an invocation is queued, as it does against Lambda. Everything
the bootstrap posts is recorded, and accepted TCP connections are counted.

Requests pipelined on one connection are answered in order, as nimbus does;
each recorded post notes whether the client had already sent its next request
when the post was read (`Outcome.next_request_sent`).
"""

import http.server
import json
import os
import queue
import select
import socket
import subprocess
import threading
import time
import uuid

PREFIX = "/2018-06-01/runtime"


class Outcome(object):
    """What a bootstrap posted for one invocation (or for init)."""

    def __init__(self, kind, body, headers):
        self.kind = kind  # "response", "error" or "init_error"
        self.body = body  # raw bytes
        self.headers = headers  # dict with lower-case keys
        # whether the next request was already on the connection before this
        # post was answered (the client pipelines)
        self.next_request_sent = False

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Outcome(%s, %r)" % (self.kind, self.body[:300])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeRuntimeAPI/1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's
        # algorithm holds the body back until the client's delayed ACK.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.api.lock:
            self.server.api.connections += 1

    def _client_gone(self):
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _next_request_waiting(self):
        """Whether bytes of another request are already here (buffered or on
        the socket), without blocking."""
        self.connection.settimeout(0.0)
        try:
            return bool(self.rfile.peek(1))
        except OSError:
            return False
        finally:
            self.connection.settimeout(None)

    def _reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _reply_chunked(self, status, body, headers, pieces=3):
        """A chunked response, written in several pieces with pauses so that
        the client sees it arrive in parts."""
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        step = max(1, -(-len(body) // pieces))
        for i in range(0, len(body), step):
            part = body[i:i + step]
            self.wfile.write(b"%x;ext=1\r\n" % len(part))
            self.wfile.flush()
            time.sleep(0.01)
            self.wfile.write(part + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
        self.wfile.flush()

    def do_GET(self):
        api = self.server.api
        if self.path != PREFIX + "/invocation/next":
            self._reply(404, b'{"errorType":"NotFound"}')
            return
        api.next_calls.put(time.monotonic())
        while True:
            if api.stopping.is_set():
                self.close_connection = True
                return
            try:
                inv = api.pending.get(timeout=0.05)
            except queue.Empty:
                if self._client_gone():
                    return
                continue
            if self._client_gone():
                # a bootstrap killed while waiting must not swallow the
                # invocation meant for the next one
                api.pending.put(inv)
                self.close_connection = True
                return
            break
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": inv["id"],
            "Lambda-Runtime-Deadline-Ms": str(inv["deadline_ms"]),
            "Lambda-Runtime-Invoked-Function-Arn": inv["arn"],
            "Lambda-Runtime-Trace-Id": inv["trace_id"],
        }
        headers.update(inv["headers"])
        if api.chunked_next:
            self._reply_chunked(200, inv["body"], headers)
        else:
            self._reply(200, inv["body"], headers)

    def do_POST(self):
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length)
        elif (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path
        if path == PREFIX + "/init/error":
            api._record(None, Outcome("init_error", body, headers))
            self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
            return
        if path.startswith(PREFIX + "/invocation/"):
            rest = path[len(PREFIX + "/invocation/"):]
            request_id, _, action = rest.partition("/")
            if action in ("response", "error"):
                if action == "response" and self._trailers.get("lambda-runtime-function-error-type"):
                    headers.update(self._trailers)
                    action = "error"
                outcome = Outcome(action, body, headers)
                outcome.next_request_sent = self._next_request_waiting()
                api._record(request_id, outcome)
                status, answer = api.post_answer
                reply_headers = {"Content-Type": "application/json"}
                if api.close_after_post == "announced":
                    # as nimbus answers a post over its body limit
                    reply_headers["Connection"] = "close"
                self._reply(status, answer, reply_headers)
                if api.close_after_post:
                    # as a server closing an idle kept-alive connection would
                    self.close_connection = True
                return
        self._reply(404, b'{"errorType":"NotFound"}')

    _trailers = {}

    def _read_chunked(self):
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                break
            data += self.rfile.read(size)
            self.rfile.readline()
        trailers = {}
        while True:
            line = self.rfile.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode().partition(":")
            trailers[k.strip().lower()] = v.strip()
        self._trailers = trailers
        return data


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A bootstrap killed at the end of a test drops its connection.
        pass


class FakeRuntimeAPI(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.pending = queue.Queue()
        self.next_calls = queue.Queue()
        self.stopping = threading.Event()
        self._outcomes = {}
        self._unanswered = set()
        # when set, the server drops the connection after each response post,
        # without announcing it ("announced": with `Connection: close`)
        self.close_after_post = False
        # status and body of the answer to invocation posts
        self.post_answer = (202, b'{"status":"OK"}')
        # when set, `next` answers with a chunked body
        self.chunked_next = False
        self._init_errors = queue.Queue()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.api = self
        # a short poll interval keeps stop() (server.shutdown) quick
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def address(self):
        host, port = self.server.server_address[:2]
        return "%s:%d" % (host, port)

    def stop(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def _slot(self, request_id):
        with self.lock:
            q = self._outcomes.get(request_id)
            if q is None:
                q = self._outcomes[request_id] = queue.Queue()
            return q

    def _record(self, request_id, outcome):
        if request_id is None:
            self._init_errors.put(outcome)
            # invocations waiting for this environment will never run: their
            # waiters get the init error as their outcome
            with self.lock:
                waiting = list(self._unanswered)
                self._unanswered.clear()
            for rid in waiting:
                self._slot(rid).put(outcome)
        else:
            with self.lock:
                self._unanswered.discard(request_id)
            self._slot(request_id).put(outcome)

    def submit(self, event, request_id=None, timeout_ms=3000, headers=None, raw_body=None):
        """Queues an invocation and returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        self._slot(request_id)
        with self.lock:
            self._unanswered.add(request_id)
        body = raw_body if raw_body is not None else json.dumps(event).encode()
        self.pending.put(
            {
                "id": request_id,
                "body": body,
                "deadline_ms": int(time.time() * 1000) + timeout_ms,
                "arn": "arn:aws:lambda:us-east-1:000000000000:function:test-fn",
                "trace_id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=1;Sampled=0",
                "headers": headers or {},
            }
        )
        return request_id

    def outcome(self, request_id, timeout=5.0):
        return self._slot(request_id).get(timeout=timeout)

    def invoke(self, event, timeout=5.0, **kwargs):
        """Queues an invocation and waits for what the bootstrap posts."""
        return self.outcome(self.submit(event, **kwargs), timeout)

    def init_error(self, timeout=5.0):
        return self._init_errors.get(timeout=timeout)


class Bootstrap(object):
    """A bootstrap child process with its stdout and stderr collected."""

    def __init__(self, argv, cwd, env, pass_fds=()):
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            pass_fds=pass_fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.stdout_lines = []
        self.stderr_lines = []
        self._line_events = queue.Queue()
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout_lines), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _pump(self, stream, sink):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            sink.append(line)
            self._line_events.put(line)

    def wait_for_line(self, predicate, timeout=5.0):
        """Returns the first stdout/stderr line (seen so far or later) matching predicate."""
        deadline = time.monotonic() + timeout
        for line in list(self.stdout_lines) + list(self.stderr_lines):
            if predicate(line):
                return line
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    "no matching line; stdout=%r stderr=%r" % (self.stdout_lines, self.stderr_lines)
                )
            try:
                line = self._line_events.get(timeout=remaining)
            except queue.Empty:
                continue
            if predicate(line):
                return line

    def wait_exit(self, timeout=5.0):
        code = self.proc.wait(timeout=timeout)
        for t in self._readers:
            t.join(timeout)
        return code

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait_exit()

    @property
    def stdout(self):
        return "".join(self.stdout_lines)

    @property
    def stderr(self):
        return "".join(self.stderr_lines)


def lambda_env(api, handler, task_root, extra=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "test-fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/test-fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TZ": ":UTC",
    }
    if extra:
        env.update(extra)
    return env
