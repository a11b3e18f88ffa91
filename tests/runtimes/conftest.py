import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fake_runtime_api import Bootstrap, FakeRuntimeAPI, lambda_env  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(HERE, "fixtures")
NODE_BOOTSTRAP = os.path.join(REPO, "runtimes", "node", "bootstrap.js")
PYTHON_BOOTSTRAP = os.path.join(REPO, "runtimes", "python", "bootstrap.py")

NODE = shutil.which("node")
# The interpreter running the tests (a real binary; a version-manager shim on
# PATH would add its own startup time to every test). NIMBUS_TEST_PYTHON picks
# another one, e.g. to check an older Python 3.
PYTHON3 = os.environ.get("NIMBUS_TEST_PYTHON") or sys.executable


@pytest.fixture
def api():
    server = FakeRuntimeAPI()
    yield server
    server.stop()


@pytest.fixture
def launch(api):
    """Starts a bootstrap against the fake API; stops it after the test."""
    started = []

    def start(argv, handler, task_root, env=None, pass_fds=()):
        proc = Bootstrap(argv, task_root, lambda_env(api, handler, task_root, env), pass_fds)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def node(launch):
    if NODE is None:
        pytest.skip("node is not installed")

    def start(handler, task_root=os.path.join(FIXTURES, "node"), env=None, pass_fds=()):
        return launch([NODE, NODE_BOOTSTRAP], handler, task_root, env, pass_fds)

    return start


@pytest.fixture
def python(launch):
    def start(handler, task_root=os.path.join(FIXTURES, "python"), env=None, pass_fds=()):
        return launch([PYTHON3, PYTHON_BOOTSTRAP], handler, task_root, env, pass_fds)

    return start


def read_frames(fd):
    """Reads telemetry log frames (type, length, timestamp, message) from a pipe
    whose write end is closed."""
    data = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    frames = []
    while data:
        kind = int.from_bytes(data[0:4], "big")
        length = int.from_bytes(data[4:8], "big")
        stamp = int.from_bytes(data[8:16], "big")
        frames.append((kind, stamp, data[16:16 + length].decode("utf-8")))
        data = data[16 + length:]
    return frames
