#!/usr/bin/env python3
"""SQS -> Lambda trigger latency: the time from SendMessage's answer to the function starting
on the message, with the mapping's pollers idle (long-polling an empty queue), warm function.

The function prints time.time() as its first act; the same clock is read before each send, so
the figure includes the send's durable commit. For reference the run also measures a plain
synchronous Invoke of the same function (request to handler start). Prints a table; asserts
nothing.

Usage: bench/sqs_trigger_bench.py [--build build] [--messages 50]
"""
import argparse
import io
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

import boto3
import botocore.config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HANDLER = """
import time
def handler(event, context):
    started = time.time()
    for record in event.get("Records", [{"body": event.get("id")}]):
        print("started %s %.6f" % (record["body"], started))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Output:
    """nimbus's stdout, read on a thread; waits for `started ID TS` lines."""

    def __init__(self, stream):
        self.seen = {}
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            m = re.search(r"started (\S+) ([\d.]+)", line)
            if m:
                with self.cond:
                    self.seen[m.group(1)] = float(m.group(2))
                    self.cond.notify_all()

    def wait(self, key, timeout=30):
        with self.cond:
            assert self.cond.wait_for(lambda: key in self.seen, timeout), "no start for " + key
            return self.seen[key]


def client(service, port):
    return boto3.client(service, endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 0}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--messages", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        aws_port = free_port()
        server = subprocess.Popen([os.path.join(os.path.abspath(args.build), "nimbus"), "serve",
                                   "--port", str(free_port()), "--aws-port", str(aws_port)],
                                  cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = Output(server.stdout)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", aws_port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "nimbus did not start"
                    time.sleep(0.01)
            sqs, lam = client("sqs", aws_port), client("lambda", aws_port)
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w") as z:
                z.writestr("main.py", HANDLER)
            lam.create_function(FunctionName="trigger", Runtime="python3.12", Handler="main.handler",
                                Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": package.getvalue()})
            url = sqs.create_queue(QueueName="bench-trigger")["QueueUrl"]
            lam.create_event_source_mapping(EventSourceArn="arn:aws:sqs:us-east-1:000000000000:bench-trigger",
                                            FunctionName="trigger", BatchSize=1)
            sqs.send_message(QueueUrl=url, MessageBody="warmup")  # Cold start, not measured.
            out.wait("warmup")

            trigger = []
            for i in range(args.messages):
                time.sleep(0.05)  # Lets the pollers go back to waiting on the empty queue.
                sent = time.time()
                sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
                trigger.append((out.wait("m%d" % i) - sent) * 1000)
            invoke = []
            for i in range(args.messages):
                sent = time.time()
                lam.invoke(FunctionName="trigger", Payload=('{"id": "i%d"}' % i).encode())
                invoke.append((out.wait("i%d" % i) - sent) * 1000)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    def row(name, values):
        values = sorted(values)
        p90 = values[int(len(values) * 0.9) - 1]
        print("| %s | %.1f | %.1f | %.1f |" % (name, statistics.median(values), p90, values[-1]))

    print("| path (ms, send to handler start) | p50 | p90 | max |")
    print("| --- | ---: | ---: | ---: |")
    row("SQS SendMessage -> mapping -> function", trigger)
    row("Lambda Invoke (reference)", invoke)


if __name__ == "__main__":
    main()
