#!/usr/bin/env python3
"""CloudWatch Logs under load, against `nimbus serve` on this machine:

  1. FilterLogEvents over 1,000,000 events in one log group (10 streams, Lambda-style lines with
     a request id, one in ten a JSON line): the time to the answer for a term found in one event
     in 10,000, a term found nowhere (every event read), a JSON pattern that matches one event
     in 1,000, and the first page with no pattern. Median and max of --runs calls each; the
     events are written first with PutLogEvents (5,000 per call), which is timed too.
  2. A function printing 100 MB (1,000,000 lines of 100 bytes, as fast as Python writes them)
     while another function serves HTTP requests: wrk's p50 and p99 for the second function
     with and without the flood, side by side in the same run, and the lines the log store kept
     or dropped.

Requests are raw HTTP with the JSON 1.1 protocol (X-Amz-Target), as the SDKs send them, without
a signature (nimbus routes by the target). Prints tables; asserts nothing.

Usage: bench/logs_bench.py [--build build] [--runs 5] [--events 1000000] [--seconds 10]
"""
import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import tempfile
import threading
import time

from bench_support import free_port, wait_for_port, wrk

SERVERLESS_YML = """
service: logbench
provider:
  name: aws
  runtime: python3.11
functions:
  flood:
    handler: app.flood
    timeout: 300
  hello:
    handler: app.hello
    events:
      - httpApi: GET /hello
"""

APP = """
import sys
def flood(event, context):
    line = "x" * 99 + "\\n"
    chunk = line * 1000
    for _ in range(event.get("chunks", 1000)):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return "done"

def hello(event, context):
    print("hello")
    return {"statusCode": 200, "body": "hi"}
"""


class Logs:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def call(self, operation, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "Logs_20140328." + operation})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError("%s: %s %s" % (operation, r.status, data[:300]))
        return json.loads(data)


def fill(logs, group, count):
    """Writes `count` events into `group`; returns the seconds it took."""
    logs.call("CreateLogGroup", {"logGroupName": group})
    streams = ["2026/12/08/[$LATEST]%032x" % i for i in range(10)]
    for s in streams:
        logs.call("CreateLogStream", {"logGroupName": group, "logStreamName": s})
    rng = random.Random(7)
    words = ["user", "order", "cart", "payment", "shipping", "invoice", "session", "token"]
    start_ms = int(time.time() * 1000) - count // 10  # Ten events per millisecond, ending now.
    began = time.monotonic()
    per_call = 5000  # Under PutLogEvents' 1 MB.
    for batch in range(count // per_call):
        events = []
        for i in range(per_call):
            n = batch * per_call + i
            ts = start_ms + n // 10
            request_id = "%08x-0000-4000-8000-%012x" % (n, n)
            if n % 10 == 0:
                message = json.dumps({"level": "error" if n % 100 == 0 else "info",
                                      "latency": n % 1000, "requestId": request_id})
            else:
                word = "needle" if n % 10000 == 5 else rng.choice(words)
                message = "2026-12-08T00:00:00.000Z\t%s\tINFO\t%s %d updated" % (request_id, word, n)
            events.append({"timestamp": ts, "message": message})
        logs.call("PutLogEvents", {"logGroupName": group, "logStreamName": streams[batch % 10],
                                   "logEvents": events})
    return time.monotonic() - began


def time_filter(logs, group, pattern, runs):
    samples, found = [], 0
    for _ in range(runs):
        began = time.monotonic()
        body = {"logGroupName": group}
        if pattern is not None:
            body["filterPattern"] = pattern
        answer = logs.call("FilterLogEvents", body)
        samples.append((time.monotonic() - began) * 1000)
        found = len(answer["events"])
    return statistics.median(samples), max(samples), found


def lambda_invoke_async(port, function, payload):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/2015-03-31/functions/%s/invocations" % function, body=json.dumps(payload),
                 headers={"X-Amz-Invocation-Type": "Event"})
    r = conn.getresponse()
    r.read()
    assert r.status == 202, r.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    nimbus = os.path.abspath(os.path.join(args.build, "nimbus"))

    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "serverless.yml"), "w") as f:
            f.write(SERVERLESS_YML)
        with open(os.path.join(d, "app.py"), "w") as f:
            f.write(APP)
        port, aws = free_port(), free_port()
        out = open(os.path.join(d, "serve.log"), "w")
        proc = subprocess.Popen([nimbus, "serve", "--port", str(port), "--aws-port", str(aws),
                                 "--no-watch"], cwd=d, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(aws)
            logs = Logs(aws)
            seconds = fill(logs, "/bench/filter", args.events)
            print("PutLogEvents: %d events in %.1f s (%.0f events/s)" %
                  (args.events, seconds, args.events / seconds))
            print("\nFilterLogEvents over %d events (ms)" % args.events)
            print("%-34s %9s %9s %8s" % ("pattern", "median", "max", "events"))
            for label, pattern in [("term in 1 of 10,000: needle", "needle"),
                                   ("term found nowhere: absent", "absent"),
                                   ("JSON 1 in 1,000: latency = 990", "{ $.latency = 990 }"),
                                   ("JSON on every JSON line: > 2000", "{ $.latency > 2000 }"),
                                   ("no pattern (first page)", None)]:
                median, worst, found = time_filter(logs, "/bench/filter", pattern, args.runs)
                print("%-34s %9.1f %9.1f %8d" % (label, median, worst, found))

            wait_for_port(port)
            url = "http://127.0.0.1:%d/hello" % port
            wrk(url, 4, 2)  # Warm.
            quiet = wrk_tail(url, args.seconds)
            stop = threading.Event()

            def flood():
                while not stop.is_set():
                    lambda_invoke_async(aws, "logbench-dev-flood", {"chunks": 1000})
                    time.sleep(1)
            flooder = threading.Thread(target=flood)
            flooder.start()
            time.sleep(1)
            loud = wrk_tail(url, args.seconds)
            stop.set()
            flooder.join()
            print("\nGET /hello at 4 connections for %d s (ms)" % args.seconds)
            print("%-28s %8s %8s %10s" % ("", "p50", "p99", "req/s"))
            print("%-28s %8.2f %8.2f %10.0f" % ("alone", *quiet))
            print("%-28s %8.2f %8.2f %10.0f" % ("while a function floods", *loud))
            print("p99 ratio %.2f" % (loud[1] / quiet[1]))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            out.close()
            with open(os.path.join(d, "serve.log")) as f:
                dropped = sum(1 for line in f if "log lines of this stream dropped" in line)
            print("dropped-lines notices in the flood's streams: %d" % dropped)


def wrk_tail(url, seconds):
    """wrk at 4 connections: (p50 ms, p99 ms, requests/s)."""
    import re
    out = subprocess.run(["wrk", "-t2", "-c4", "-d%ds" % seconds, "--latency", url],
                         capture_output=True, text=True, check=True).stdout

    def percentile(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return percentile(50), percentile(99), rps


if __name__ == "__main__":
    main()
