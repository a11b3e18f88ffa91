#!/usr/bin/env python3
"""Cold, warm and provisioned invocation latency for the Node.js and `provided` runtimes, and
the time to scale one Node.js function from 0 to 64 concurrent environments.

  - cold: the first invocation after UpdateFunctionConfiguration (a new environment, init
    included);
  - warm: an invocation on a warm environment;
  - provisioned: the first invocation of a freshly published version whose provisioned
    environment is READY;
  - scale: 64 simultaneous invocations of a function that waits 300 ms, with no environment
    warm: the time until the last one is answered, and how many failed.
Times are measured in the client around Invoke over keep-alive HTTP (requests carry a
signature scope but no valid signature, which nimbus does not check). Prints a table; asserts nothing.

Usage: bench/concurrency_bench.py [--build build] [--samples 10]
"""
import argparse
import http.client
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROLE = "arn:aws:iam::000000000000:role/bench"
# The endpoint routes by the signature's scope and does not check the signature itself.
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/lambda/aws4_request, "
                 "SignedHeaders=host, Signature=0")

NODE_HANDLER = """
exports.handler = async (event) => {
  if (event.wait) await new Promise((r) => setTimeout(r, event.wait));
  return { ok: true };
};
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zip_of(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            z.writestr(info, data)
    return buffer.getvalue()


class Api:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json",
                                                            "Authorization": AUTHORIZATION,
                                                            **(headers or {})})
        r = self.conn.getresponse()
        text = r.read()
        return r.status, (json.loads(text) if text else None)

    def invoke(self, name, payload=None, qualifier=None):
        path = "/2015-03-31/functions/%s/invocations" % name
        if qualifier:
            path += "?Qualifier=" + qualifier
        start = time.perf_counter()
        status, _ = self.call("POST", path, payload or {})
        return (time.perf_counter() - start) * 1000, status


def settle(api, name):
    while True:
        _, c = api.call("GET", "/2015-03-31/functions/%s/configuration" % name)
        if c.get("State") != "Pending" and c.get("LastUpdateStatus") != "InProgress":
            return
        time.sleep(0.01)


def measure_runtime(api, name, runtime, handler, package, samples):
    import base64
    status, body = api.call("POST", "/2015-03-31/functions", {
        "FunctionName": name, "Runtime": runtime, "Role": ROLE, "Handler": handler,
        "Timeout": 30, "MemorySize": 256,
        "Code": {"ZipFile": base64.b64encode(package).decode()}})
    assert status == 201, body
    settle(api, name)
    cold, warm, provisioned = [], [], []
    for i in range(samples):
        api.call("PUT", "/2015-03-31/functions/%s/configuration" % name,
                 {"Environment": {"Variables": {"SAMPLE": str(i)}}})
        settle(api, name)
        ms, status = api.invoke(name)
        assert status == 200, status
        cold.append(ms)
        for _ in range(5):
            ms, _ = api.invoke(name)
            warm.append(ms)
        _, version = api.call("POST", "/2015-03-31/functions/%s/versions" % name, {})
        path = "/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=%s" % (
            name, version["Version"])
        status, _ = api.call("PUT", path, {"ProvisionedConcurrentExecutions": 1})
        assert status == 202, status
        while api.call("GET", path)[1]["Status"] == "IN_PROGRESS":
            time.sleep(0.01)
        ms, status = api.invoke(name, qualifier=version["Version"])
        assert status == 200, status
        provisioned.append(ms)
        api.call("DELETE", path)
    return cold, warm, provisioned


def scale(port, name, width):
    results = [None] * width
    barrier = threading.Barrier(width + 1)

    def one(i):
        api = Api(port)
        api.conn.connect()
        barrier.wait()
        results[i] = api.invoke(name, {"wait": 300})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(width)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    total = (time.perf_counter() - start) * 1000
    failed = sum(1 for r in results if r[1] != 200)
    return total, failed


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--samples", type=int, default=10)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = subprocess.Popen([os.path.join(build, "nimbus"), "serve", "--port", "0",
                                   "--aws-port", str(port), "--data-dir", os.path.join(tmp, "data")],
                                  cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        try:
            for line in server.stdout:
                if "nimbus serving" in line:
                    break
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            api = Api(port)
            node = zip_of({"index.js": (NODE_HANDLER, 0o644)})
            with open(os.path.join(build, "bench", "native-hello", "bootstrap"), "rb") as f:
                native = zip_of({"bootstrap": (f.read(), 0o755)})
            rows = [("nodejs20.x", measure_runtime(api, "node-fn", "nodejs20.x", "index.handler",
                                                   node, args.samples)),
                    ("provided.al2023", measure_runtime(api, "native-fn", "provided.al2023",
                                                        "bootstrap", native, args.samples))]
            print("| runtime | cold p50 | warm p50 | provisioned p50 | cold p90 | provisioned p90 |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            for runtime, (cold, warm, prov) in rows:
                print("| %s | %.1f ms | %.2f ms | %.2f ms | %.1f ms | %.2f ms |" % (
                    runtime, statistics.median(cold), statistics.median(warm),
                    statistics.median(prov), p(cold, 0.9), p(prov, 0.9)))

            import base64
            api.call("POST", "/2015-03-31/functions", {
                "FunctionName": "scaler", "Runtime": "nodejs20.x", "Role": ROLE,
                "Handler": "index.handler", "Timeout": 30, "MemorySize": 128,
                "Code": {"ZipFile": base64.b64encode(node).decode()}})
            settle(api, "scaler")
            total, failed = scale(port, "scaler", 64)
            print()
            print("scale 0 -> 64 Node.js environments (each invocation waits 300 ms): "
                  "last answer after %.0f ms, %d of 64 failed" % (total, failed))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
