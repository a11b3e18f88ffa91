"""What the end-to-end benchmarks share: free ports, waiting for nimbus to listen, and running wrk
and reading its figures."""
import re
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20):
    """Waits until something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "nimbus did not start"
            time.sleep(0.01)


def wrk(url, connections, duration, script=None):
    """Runs wrk against `url`; returns (p50 in microseconds, requests/s, non-2xx answers)."""
    argv = ["wrk", "-t%d" % min(2, connections), "-c%d" % connections, "-d%ds" % duration, "--latency"]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)", out, re.M)
    p50 = float(m.group(1)) * {"us": 1, "ms": 1000, "s": 1e6}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return p50, rps, int(bad.group(1)) if bad else 0
