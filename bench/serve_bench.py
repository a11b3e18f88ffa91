#!/usr/bin/env python3
"""End-to-end benchmark of `nimbus serve`, side by side with its ceiling, in one run.

Measures, on this machine and in this order:
  - the seed Express app (examples/express-app) under nimbus, through API Gateway payload 2.0
    and serverless-http, and the same app under plain `app.listen` (server.js): the ceiling;
  - a `provided` runtime written in C++ (bench/native_hello.cc) under nimbus, and the smallest
    Node.js HTTP server answering the same text: nimbus's own cost without an interpreter;
  - warm latency p50/p99 at concurrency 1 and throughput at concurrency 32 (wrk);
  - time from launch to first response: nimbus (its start, the environment's cold start and the
    request) against plain `node server.js` (the runtime's own start and the request).
Prints a table and the ratios. Not a test: nothing here asserts.

Usage: bench/serve_bench.py [--build build] [--duration 10] [--cold-runs 10]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_once(port, path="/items/42"):
    """One GET on a fresh connection; returns the status or None when nothing listens yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n" % path).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return int(data.split(b" ", 2)[1]) if data else None
    except OSError:
        return None


def wait_ready(port, path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get_once(port, path) == 200:
            return
        time.sleep(0.001)
    raise RuntimeError("server on %d did not answer %s" % (port, path))


def wrk(port, path, connections, threads, duration, headers=()):
    out = subprocess.run(
        ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--latency",
         *[a for h in headers for a in ("-H", h)], "http://127.0.0.1:%d%s" % (port, path)],
        capture_output=True, text=True, check=True).stdout

    def latency(label):
        m = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 1, "ms": 1000, "s": 1e6}[unit]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50_us": latency("50%"), "p99_us": latency("99%"), "rps": rps,
            "non2xx": int(errors.group(1)) if errors else 0}


class Process:
    def __init__(self, argv, cwd, env=None):
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def express_copy(tmp):
    src = os.path.join(ROOT, "examples", "express-app")
    dst = os.path.join(tmp, "express-app")
    os.makedirs(dst)
    for name in os.listdir(src):
        if name in (".nimbus",):
            continue
        s = os.path.join(src, name)
        # node_modules is linked, not copied: the same packages for both servers.
        if name == "node_modules":
            os.symlink(s, os.path.join(dst, name))
        elif os.path.isdir(s):
            shutil.copytree(s, os.path.join(dst, name))
        else:
            shutil.copy(s, dst)
    return dst


def native_copy(tmp, build):
    dst = os.path.join(tmp, "native-hello")
    os.makedirs(dst)
    shutil.copy(os.path.join(ROOT, "bench", "native-hello", "serverless.yml"), dst)
    shutil.copy(os.path.join(build, "bench", "native-hello", "bootstrap"), dst)
    return dst


def nimbus(build, project, port):
    return Process([os.path.join(build, "nimbus"), "serve", "--port", str(port), "--aws-port", "0",
                    "--no-watch", "--data-dir", os.path.join(project, ".nimbus")], cwd=project)


def measure(name, start, path, args):
    port = free_port()
    p = start(port)
    try:
        wait_ready(port, path)
        wrk(port, path, 32, 2, 2)  # Warm up: JIT, and enough environments for 32 connections.
        one = wrk(port, path, 1, 1, args.duration)
        many = wrk(port, path, 32, 2, args.duration)
    finally:
        p.stop()
    print("  measured %-28s p50 %7.0f us  p99 %7.0f us  c32 %8.0f req/s" %
          (name, one["p50_us"], one["p99_us"], many["rps"]), file=sys.stderr)
    return {"c1": one, "c32": many}


def cold_start(start, path, runs):
    times = []
    for _ in range(runs):
        port = free_port()
        t0 = time.monotonic()
        p = start(port)
        try:
            wait_ready(port, path)
            times.append((time.monotonic() - t0) * 1000)
        finally:
            p.stop()
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--cold-runs", type=int, default=10)
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    with tempfile.TemporaryDirectory() as tmp:
        express = express_copy(tmp)
        native = native_copy(tmp, build)
        plain = lambda port: Process(["node", "server.js"], cwd=express, env={"PORT": str(port)})
        under_nimbus = lambda port: nimbus(build, express, port)
        native_nimbus = lambda port: nimbus(build, native, port)
        # The reference for the native hello: the smallest HTTP server Node.js offers.
        hello_plain = lambda port: Process(
            ["node", "-e", "require('http').createServer((q, s) => s.end('Hello from native code!'))"
             ".listen(%d, '127.0.0.1')" % port], cwd=tmp)

        results = {
            "express, plain app.listen": measure("express plain", plain, "/items/42", args),
            "express under nimbus": measure("express nimbus", under_nimbus, "/items/42", args),
            "hello, plain node http server": measure("hello plain", hello_plain, "/", args),
            "native hello under nimbus": measure("native nimbus", native_nimbus, "/", args),
        }
        cold_plain = cold_start(plain, "/items/42", args.cold_runs)
        cold_nimbus = cold_start(under_nimbus, "/items/42", args.cold_runs)
        cold_native = cold_start(native_nimbus, "/", args.cold_runs)

    print("\n| server | p50 c=1 (us) | p99 c=1 (us) | req/s c=1 | req/s c=32 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print("| %s | %.0f | %.0f | %.0f | %.0f |" % (name, r["c1"]["p50_us"], r["c1"]["p99_us"],
                                                     r["c1"]["rps"], r["c32"]["rps"]))
    base, nim = results["express, plain app.listen"], results["express under nimbus"]
    print("\nexpress under nimbus / plain: throughput c=32 %.2fx (goal >= 0.80x); p50 added %+.0f us "
          "(goal <= 150 us)" % (nim["c32"]["rps"] / base["c32"]["rps"],
                                nim["c1"]["p50_us"] - base["c1"]["p50_us"]))
    hello, native = results["hello, plain node http server"], results["native hello under nimbus"]
    print("native hello under nimbus / plain hello server: p50 added %+.0f us (nimbus's own gateway, "
          "event and Runtime API path)" % (native["c1"]["p50_us"] - hello["c1"]["p50_us"]))
    print("\n| launch to first response | median (ms) | best (ms) |")
    print("| --- | ---: | ---: |")
    print("| plain node server.js | %.1f | %.1f |" % cold_plain)
    print("| nimbus serve, express app (cold environment) | %.1f | %.1f |" % cold_nimbus)
    print("| nimbus serve, native hello (cold environment) | %.1f | %.1f |" % cold_native)
    print("\ncold start added by nimbus over the runtime's own start: %+.1f ms median (goal <= 10 ms)"
          % (cold_nimbus[0] - cold_plain[0]))
    errors = sum(r[k]["non2xx"] for r in results.values() for k in ("c1", "c32"))
    if errors:
        print("\nwarning: %d non-2xx responses during the runs" % errors)


if __name__ == "__main__":
    main()
