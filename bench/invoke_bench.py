#!/usr/bin/env python3
"""The Lambda Invoke API, side by side with the gateway path for the same function, in one run.

  - sync, warm: POST /2015-03-31/functions/{name}/invocations (RequestResponse) against
    GET / through API Gateway, both reaching the same native `provided` function;
  - async accept rate: InvocationType Event, each 202 sent only after the event is durable
    (SQLite, fsync'd group commit), with 1 and with 64 connections.
Uses wrk with a small Lua script for the POSTs. Prints a table; asserts nothing.

Usage: bench/invoke_bench.py [--build build] [--duration 8]
"""
import argparse
import os
import shutil
import signal
import subprocess
import tempfile

from bench_support import free_port, wait_for_port, wrk

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"hello": "world"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Amz-Invocation-Type"] = "%s"
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=int, default=8)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "native-hello")
        os.makedirs(project)
        shutil.copy(os.path.join(ROOT, "bench", "native-hello", "serverless.yml"), project)
        shutil.copy(os.path.join(build, "bench", "native-hello", "bootstrap"), project)
        scripts = {}
        for kind in ("RequestResponse", "Event"):
            scripts[kind] = os.path.join(tmp, kind + ".lua")
            with open(scripts[kind], "w") as f:
                f.write(POST_SCRIPT % kind)
        port, aws_port = free_port(), free_port()
        server = subprocess.Popen([os.path.join(build, "nimbus"), "serve", "--port", str(port),
                                   "--aws-port", str(aws_port), "--no-watch"], cwd=project,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(aws_port)
            invoke_url = "http://127.0.0.1:%d/2015-03-31/functions/native-hello-dev-hello/invocations" % aws_port
            gateway_url = "http://127.0.0.1:%d/" % port
            wrk(gateway_url, 4, 2)
            rows = [
                ("gateway GET / (sync), c=1", wrk(gateway_url, 1, args.duration)),
                ("Invoke RequestResponse, c=1", wrk(invoke_url, 1, args.duration, scripts["RequestResponse"])),
                ("gateway GET / (sync), c=32", wrk(gateway_url, 32, args.duration)),
                ("Invoke RequestResponse, c=32", wrk(invoke_url, 32, args.duration, scripts["RequestResponse"])),
                ("Invoke Event (durable 202), c=1", wrk(invoke_url, 1, args.duration, scripts["Event"])),
                ("Invoke Event (durable 202), c=64", wrk(invoke_url, 64, args.duration, scripts["Event"])),
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print("| path | p50 (us) | req/s | non-2xx |")
    print("| --- | ---: | ---: | ---: |")
    for name, (p50, rps, bad) in rows:
        print("| %s | %.0f | %.0f | %d |" % (name, p50, rps, bad))


if __name__ == "__main__":
    main()
