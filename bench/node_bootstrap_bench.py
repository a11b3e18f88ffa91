#!/usr/bin/env python3
"""Per-invocation cost of runtimes/node/bootstrap.js against a minimal Runtime API.

A one-connection Runtime API server (raw socket, answers pipelined requests in
order) hands the bootstrap a tiny event as fast as it asks, with a trivial async
handler. For each bootstrap given it reports invocations per second and the
bootstrap process's CPU time (utime + stime from /proc/<pid>/stat) per
invocation, over a measured window after a warm-up. Runs alternate between the
bootstraps (A B A B ...) so that they see the same machine state.

Usage: bench/node_bootstrap_bench.py [--baseline REV] [--seconds 5] [--rounds 3] [BOOTSTRAP ...]
  BOOTSTRAP defaults to runtimes/node/bootstrap.js; --baseline REV adds that
  file as of git revision REV (e.g. HEAD~1) for a side-by-side comparison.
Not a test: nothing here asserts.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TICK = os.sysconf("SC_CLK_TCK")
EVENT = b'{"path":"/","httpMethod":"GET","headers":{},"body":null}'
HANDLER = "exports.main = async () => ({ statusCode: 200, body: 'hi' });\n"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def next_response(n):
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Lambda-Runtime-Aws-Request-Id: req-%08d\r\n"
        "Lambda-Runtime-Deadline-Ms: %d\r\n"
        "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n"
        "Lambda-Runtime-Trace-Id: Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Sampled=0\r\n"
        "Content-Length: %d\r\n\r\n" % (n, int(time.time() * 1000) + 60000, len(EVENT))
    )
    return head.encode() + EVENT


ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"


def run(bootstrap, task_root, seconds, warmup):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % port,
        "_HANDLER": "index.main",
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    }
    proc = subprocess.Popen(
        [shutil.which("node"), bootstrap], cwd=task_root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    done = 0
    served = 0
    start = time.monotonic()
    mark = None  # (time, invocations, cpu) at the start of the measured window
    result = None
    while result is None:
        data = conn.recv(1 << 16)
        if not data:
            raise RuntimeError("bootstrap closed the connection")
        buf += data
        out = []
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(buf) < end + 4 + length:
                break
            buf = buf[end + 4 + length:]
            if head.startswith("GET "):
                served += 1
                out.append(next_response(served))
            else:
                done += 1
                out.append(ACCEPTED)
                now = time.monotonic()
                if mark is None and now - start >= warmup:
                    mark = (now, done, cpu_seconds(proc.pid))
                elif mark is not None and now - mark[0] >= seconds:
                    cpu = cpu_seconds(proc.pid) - mark[2]
                    n = done - mark[1]
                    result = (n / (now - mark[0]), cpu / n * 1e6)
        if out:
            conn.sendall(b"".join(out))
    proc.kill()
    proc.wait()
    conn.close()
    listener.close()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstraps", nargs="*")
    ap.add_argument("--baseline", help="also run bootstrap.js as of this git revision")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="node-bootstrap-bench-")
    try:
        with open(os.path.join(tmp, "index.js"), "w") as f:
            f.write(HANDLER)
        runs = [(b, os.path.abspath(b)) for b in args.bootstraps] or [
            ("runtimes/node/bootstrap.js", os.path.join(ROOT, "runtimes/node/bootstrap.js"))
        ]
        if args.baseline:
            old = os.path.join(tmp, "bootstrap-baseline.js")
            with open(old, "wb") as f:
                f.write(subprocess.check_output(
                    ["git", "-C", ROOT, "show", args.baseline + ":runtimes/node/bootstrap.js"]))
            runs.insert(0, ("%s (%s)" % ("bootstrap.js", args.baseline), old))
        results = {label: [] for label, _ in runs}
        for r in range(args.rounds):
            for label, path in runs:
                rate, cpu = run(path, tmp, args.seconds, args.warmup)
                results[label].append((rate, cpu))
                print("round %d  %-40s %8.0f inv/s  %6.1f us CPU/inv" % (r + 1, label, rate, cpu),
                      flush=True)
        print()
        print("%-40s %12s %16s" % ("bootstrap", "inv/s (best)", "CPU us/inv (min)"))
        for label, _ in runs:
            rs = results[label]
            print("%-40s %12.0f %16.1f" % (label, max(x[0] for x in rs), min(x[1] for x in rs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
