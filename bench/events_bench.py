#!/usr/bin/env python3
"""EventBridge -> Lambda latency: the time from sending PutEvents to the start of the function a
matching rule targets, warm, one event in flight, side by side in the same run with:

  - Lambda Invoke, InvocationType Event (the asynchronous path a rule's Lambda target takes),
    to the start of the same function;
  - Lambda Invoke, RequestResponse: to the handler's start, and its whole round trip (the floor);
  - PutEvents sent through boto3 instead of the raw request (what a client library adds);
  - fsync of a small append, and a one-row SQLite commit (WAL, synchronous=FULL, as nimbus's
    store commits), in the data dir: what one durable commit costs at the time.

The project is a Node.js function with an `eventBridge` event (a pattern on source and
detail-type) in serverless.yml, served by `nimbus serve`. The handler's first act is to read
CLOCK_MONOTONIC (`process.hrtime.bigint()`, the clock of Python's `time.monotonic_ns()`), which
it then sends in a UDP datagram to this process; each sample is that reading minus the one taken
just before the request was written. Requests are raw HTTP/1.1 over a keep-alive connection in
the AWS JSON 1.1 (PutEvents) and REST (Invoke) protocols, SigV4-signed before the clock is read.
After each sample the benchmark waits for the invocation's REPORT line on nimbus's output, so the
environment is idle again and the next request finds it warm, then for an SQS SendMessage of its
own, which the store commits after the asynchronous event's completion, so the next event does
not wait on that commit; an invocation that was a cold start (REPORT with Init Duration) is
counted and left out. The paths take turns, round by
round (each round starting with the next one), so that a change in the machine's load touches
them all alike. "answer" is the time to the HTTP answer: for PutEvents and Invoke Event, once the
event is durable; for RequestResponse, the round trip. Prints a table; asserts nothing.

Usage: bench/events_bench.py [--build build] [--runs 300] [--warmup 20] [--data-dir-under DIR]
"""
import argparse
import contextlib
import datetime
import hashlib
import hmac
import http.client
import json
import math
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time

import boto3
import botocore.config

from bench_support import free_port, wait_for_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REGION = "us-east-1"
FUNCTION = "events-bench-dev-onPing"

SERVERLESS_YML = """service: events-bench
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    BENCH_UDP_PORT: "%d"
functions:
  onPing:
    handler: handler.handler
    events:
      - eventBridge:
          pattern:
            source: [bench]
            detail-type: [Ping]
"""

HANDLER = """const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
const port = Number(process.env.BENCH_UDP_PORT);

exports.handler = async (event) => {
  const at = process.hrtime.bigint();
  const id = String(event.detail && event.detail.id);
  await new Promise((resolve) => socket.send(id + " " + at, port, "127.0.0.1", resolve));
  return { id };
};
"""


def sign(host, method, path, body, service, extra):
    """The headers of a SigV4-signed request (credentials test/test), as an SDK sends them."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"host": host, "x-amz-date": amz_date,
               "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
    headers.update(extra)
    names = sorted(headers)
    canonical = "\n".join([method, path, "", "".join("%s:%s\n" % (n, headers[n]) for n in names),
                           ";".join(names), headers["x-amz-content-sha256"]])
    scope = "%s/%s/%s/aws4_request" % (day, REGION, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4test").encode()
    for part in (day, REGION, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = ("AWS4-HMAC-SHA256 Credential=test/%s, SignedHeaders=%s, "
                                "Signature=%s" % (scope, ";".join(names), signature))
    return headers


class Reports:
    """nimbus's output, read on a thread: counts REPORT lines and those of cold starts."""

    def __init__(self, stream):
        self.count = 0
        self.cold = []  # For each REPORT, whether it carried an Init Duration.
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            if "REPORT RequestId:" in line:
                with self.cond:
                    self.cold.append("Init Duration" in line)
                    self.count += 1
                    self.cond.notify_all()

    def wait_past(self, count, timeout=30):
        """Waits for the REPORT after the first `count`; answers whether it was a cold start."""
        with self.cond:
            assert self.cond.wait_for(lambda: self.count > count, timeout), "no REPORT line"
            return self.cold[count]


class Starts:
    """The handler's datagrams: `ID MONOTONIC_NS`."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(30)

    def wait(self, key):
        while True:
            data = self.sock.recv(256).decode().split()
            if data[0] == key:
                return int(data[1])


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=300, help="measured events per path")
    ap.add_argument("--warmup", type=int, default=20, help="unmeasured rounds first")
    ap.add_argument("--data-dir-under", metavar="DIR",
                    help="keep nimbus's data dir in a new folder under DIR (default: the "
                         "project's .nimbus, in a temporary folder); /dev/shm shows the paths "
                         "without fsync's cost")
    args = ap.parse_args()
    with contextlib.ExitStack() as cleanup:
        tmp = cleanup.enter_context(tempfile.TemporaryDirectory())
        data_dir = os.path.join(tmp, ".nimbus")
        if args.data_dir_under:
            data_dir = cleanup.enter_context(tempfile.TemporaryDirectory(dir=args.data_dir_under))
        udp_port, aws_port = free_port(), free_port()
        with open(os.path.join(tmp, "serverless.yml"), "w") as f:
            f.write(SERVERLESS_YML % udp_port)
        with open(os.path.join(tmp, "handler.js"), "w") as f:
            f.write(HANDLER)
        starts = Starts(udp_port)
        server = subprocess.Popen([os.path.join(os.path.abspath(args.build), "nimbus"), "serve",
                                   "--port", str(free_port()), "--aws-port", str(aws_port),
                                   "--data-dir", data_dir, "--no-watch"],
                                  cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        reports = Reports(server.stdout)
        try:
            wait_for_port(aws_port)
            conn = http.client.HTTPConnection("127.0.0.1", aws_port)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            events = boto3.client("events", endpoint_url="http://127.0.0.1:%d" % aws_port,
                                  region_name=REGION, aws_access_key_id="test",
                                  aws_secret_access_key="test",
                                  config=botocore.config.Config(retries={"max_attempts": 0}))
            host = "127.0.0.1:%d" % aws_port
            invoke_path = "/2015-03-31/functions/%s/invocations" % FUNCTION

            def sqs(operation, request):
                body = json.dumps(request).encode()
                conn.request("POST", "/", body, sign(host, "POST", "/", body, "sqs", {
                    "content-type": "application/x-amz-json-1.0",
                    "x-amz-target": "AmazonSQS." + operation}))
                response = conn.getresponse()
                answer = response.read()
                assert response.status == 200, answer
                return json.loads(answer)

            # A durable write of its own, answered once committed: the store commits in order,
            # so once it is answered the previous asynchronous event's completion (submitted
            # before its REPORT line) is committed too, and the next sample does not share an
            # fsync with the one before.
            barrier_queue = sqs("CreateQueue", {"QueueName": "events-bench-barrier"})["QueueUrl"]

            def put_events_raw(key):
                body = json.dumps({"Entries": [{"Source": "bench", "DetailType": "Ping",
                                                "Detail": json.dumps({"id": key})}]}).encode()
                headers = sign(host, "POST", "/", body, "events",
                               {"content-type": "application/x-amz-json-1.1",
                                "x-amz-target": "AWSEvents.PutEvents"})
                t0 = time.monotonic_ns()
                conn.request("POST", "/", body, headers)
                answer = conn.getresponse().read()
                answered = time.monotonic_ns()
                assert json.loads(answer)["FailedEntryCount"] == 0, answer
                return t0, answered

            def put_events_boto3(key):
                entry = {"Source": "bench", "DetailType": "Ping", "Detail": json.dumps({"id": key})}
                t0 = time.monotonic_ns()
                answer = events.put_events(Entries=[entry])
                answered = time.monotonic_ns()
                assert answer["FailedEntryCount"] == 0, answer
                return t0, answered

            def invoke(kind):
                def call(key):
                    body = json.dumps({"detail": {"id": key}}).encode()
                    headers = sign(host, "POST", invoke_path, body, "lambda",
                                   {"content-type": "application/json",
                                    "x-amz-invocation-type": kind})
                    t0 = time.monotonic_ns()
                    conn.request("POST", invoke_path, body, headers)
                    response = conn.getresponse()
                    answer = response.read()
                    answered = time.monotonic_ns()
                    assert response.status == (202 if kind == "Event" else 200), answer
                    return t0, answered
                return call

            paths = [
                ("PutEvents -> rule -> function start", put_events_raw),
                ("Invoke Event -> function start", invoke("Event")),
                ("Invoke RequestResponse -> function start", invoke("RequestResponse")),
                ("PutEvents via boto3 -> function start", put_events_boto3),
            ]
            # Per path: request to handler start, request to answer (ms); cold starts left out.
            starts_ms = {name: [] for name, _ in paths}
            answers_ms = {name: [] for name, _ in paths}
            colds = {name: 0 for name, _ in paths}
            fsyncs, commits = [], []
            probe = os.open(os.path.join(data_dir, "fsync-probe"),
                            os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            block = b"x" * 4096
            # Python's own SQLite, set up as nimbus's store is (WAL, synchronous=FULL), one small
            # row per transaction: what one durable commit costs, without nimbus.
            db = sqlite3.connect(os.path.join(data_dir, "commit-probe.db"), isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, payload TEXT)")
            for round_ in range(args.warmup + args.runs):
                measured = round_ >= args.warmup
                if round_ == args.warmup:
                    load_before = os.getloadavg()
                # Each round starts with the next path, so that none always follows the same one.
                turn = round_ % len(paths)
                for index, (name, send) in enumerate(paths[turn:] + paths[:turn]):
                    key = "r%d-%d" % (round_, index)
                    before = reports.count
                    t0, answered = send(key)
                    started = starts.wait(key)
                    cold = reports.wait_past(before)
                    sqs("SendMessage", {"QueueUrl": barrier_queue, "MessageBody": key})
                    if not measured:
                        continue
                    if cold:
                        colds[name] += 1
                        continue
                    starts_ms[name].append((started - t0) / 1e6)
                    answers_ms[name].append((answered - t0) / 1e6)
                t0 = time.monotonic_ns()
                os.write(probe, block)
                os.fsync(probe)
                if measured:
                    fsyncs.append((time.monotonic_ns() - t0) / 1e6)
                t0 = time.monotonic_ns()
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO t VALUES (?, ?)", ("r%d" % round_, "x" * 300))
                db.execute("COMMIT")
                if measured:
                    commits.append((time.monotonic_ns() - t0) / 1e6)
            load_after = os.getloadavg()
            os.close(probe)
            db.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    def row(name, values, answers=None):
        answer = "%.2f" % statistics.median(answers) if answers else ""
        return "| %s | %d | %.2f | %.2f | %.2f | %s |" % (
            name, len(values), statistics.median(values), percentile(values, 90),
            percentile(values, 99), answer)

    print("| path (ms, from the request) | n | p50 | p90 | p99 | answer p50 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, _ in paths:
        if starts_ms[name]:
            print(row(name, starts_ms[name], answers_ms[name]))
    sync = answers_ms["Invoke RequestResponse -> function start"]
    if sync:
        print(row("Invoke RequestResponse round trip (floor)", sync))
    print(row("fsync of a 4 KB append in the data dir", fsyncs))
    print(row("SQLite commit of one row, WAL, synchronous=FULL", commits))
    print("cold starts left out: %s" % ", ".join("%s %d" % (name.split(" ->")[0], n)
                                                 for name, n in colds.items()))
    print("load average (1, 5, 15 min): %s at the start of the measured rounds, %s at the end"
          % tuple(" ".join("%.2f" % x for x in load) for load in (load_before, load_after)))

if __name__ == "__main__":
    main()
