"""Starts the real nimbus binary on free ports against a project folder and talks HTTP to it."""
import http.client
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
import time
import zipfile

import pytest

NIMBUS = os.environ.get("NIMBUS_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "nimbus")
SOURCE_DIR = os.environ.get("NIMBUS_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")

# Test credentials and region for the AWS CLI's environment, and the execution role given to the
# functions the tests create.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


class Nimbus:
    """One `nimbus serve` process. Output is collected line by line on a reader thread."""

    def __init__(self, project_dir, *args, env=None, start_timeout=30):
        self.project_dir = project_dir
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            [NIMBUS, "serve", "--port", "0", "--aws-port", "0", *args],
            cwd=project_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})}, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_for(r"nimbus serving on http://[\d.]+:(\d+)", timeout=start_timeout)
        self.port = int(re.search(r":(\d+) \(AWS", line).group(1))

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # End of output.
            self.cond.notify_all()

    def wait_for(self, pattern, timeout=30, start=0):
        """Waits until an output line matches `pattern`; returns it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            index = start
            while True:
                while index < len(self.lines):
                    line = self.lines[index]
                    if line is None:
                        raise AssertionError("nimbus exited before printing %r:\n%s" % (pattern, self.output()))
                    if regex.search(line):
                        return line
                    index += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting for %r:\n%s" % (pattern, self.output()))
                self.cond.wait(remaining)

    def mark(self):
        with self.cond:
            return len(self.lines)

    def output(self):
        return "\n".join(l for l in self.lines if l is not None)

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), r.headers
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode


def burst(port, method, path, count, headers=None):
    """Sends `count` requests at once, each on its own connection; returns (status, headers, body)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        barrier.wait()
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            results[i] = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def poll(what, check, timeout=30):
    """Calls `check` until it returns something truthy and returns that; fails naming `what` once
    `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("%s did not happen in %s s" % (what, timeout))
        time.sleep(0.05)


def aws_port(n):
    """The AWS endpoint port a `nimbus serve` printed."""
    return int(n.wait_for(r"AWS endpoint http://[\d.]+:(\d+)").rsplit(":", 1)[1].rstrip(")"))


def aws_client(service, port):
    """A boto3 client of `service` ("lambda", "sqs", ...) for the endpoint on `port`, without
    retries."""
    import boto3
    import botocore.config
    return boto3.client(service, endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 0}))


def lambda_client(port):
    """A boto3 Lambda client for the endpoint on `port`, without retries."""
    return aws_client("lambda", port)


def zip_package(files):
    """A deployment package: {name: text}; names ending in .sh and files named bootstrap are
    executable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            executable = name.endswith(".sh") or os.path.basename(name) == "bootstrap"
            info.external_attr = (0o100000 | (0o755 if executable else 0o644)) << 16
            z.writestr(info, text)
    return buffer.getvalue()


def python_package(source):
    """A deployment package of one Python file, main.py (handler `main.handler`)."""
    return zip_package({"main.py": source})


@pytest.fixture
def project(tmp_path):
    """Writes files into a fresh project folder: project({"serverless.yml": "...", ...})."""
    def write(files):
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content).lstrip())
            if name.endswith("bootstrap"):
                path.chmod(0o755)
        return tmp_path
    return write


@pytest.fixture
def scratch(tmp_path):
    """A folder beside the project, not in it: writes there do not reload the project."""
    path = tmp_path.parent / (tmp_path.name + "-scratch")
    path.mkdir()
    return path


@pytest.fixture
def serve():
    started = []

    def start(project_dir, *args, env=None):
        n = Nimbus(str(project_dir), *args, env=env)
        started.append(n)
        return n
    yield start
    # Every server stops cleanly on SIGTERM: exit 0, and (in sanitizer builds) no report.
    for n in started:
        if getattr(n, "killed", False):
            continue  # Killed on purpose by the test (kill -9).
        code = n.stop()
        assert code == 0, "nimbus exited with %s:\n%s" % (code, n.output()[-4000:])
        assert "Sanitizer" not in n.output() and "runtime error:" not in n.output(), n.output()[-4000:]
