#!/usr/bin/env python3
"""S3 object throughput of `nimbus serve`, side by side with the same bytes on the same disk.

Measures, in one run:
  - PUT and GET of 1 MiB and 64 MiB objects with curl over loopback (unsigned path-style
    requests), median of several runs, in MB/s;
  - the references: `dd ... conv=fdatasync` of the same bytes into the same data folder (a
    durable disk copy, as a PUT must be) and `cat` of a cached file (what a GET reads);
  - small PUTs (1 KiB, a new key each) per second at 16 connections with wrk.
Prints a table and the ratios. Not a test: nothing here asserts.

Usage: bench/s3_bench.py [--build build] [--runs 5] [--duration 5]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_support import free_port, wait_for_port, wrk  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

PUT_SCRIPT = """
counter = 0
body = string.rep("x", 1024)
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/bench/small-" .. math.random(1, 1e9) .. "-" .. counter, nil, body)
end
"""


def timed(argv):
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_rate(size, runs, argv_for):
    return statistics.median(size / timed(argv_for(i)) / 1e6 for i in range(runs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="s3bench-")
    project = os.path.join(work, "project")
    os.makedirs(project)
    with open(os.path.join(project, "serverless.yml"), "w") as f:
        f.write("service: s3bench\nprovider:\n  name: aws\n")
    aws_port = free_port()
    server = subprocess.Popen([os.path.join(args.build, "nimbus"), "serve", "--port", str(free_port()),
                               "--aws-port", str(aws_port)], cwd=project,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(aws_port)
        base = "http://127.0.0.1:%d" % aws_port
        subprocess.run(["curl", "-sf", "-X", "PUT", base + "/bench"], check=True, stdout=subprocess.DEVNULL)
        rows = []
        for label, size in (("1 MiB", 1 << 20), ("64 MiB", 64 << 20)):
            source = os.path.join(work, "source-%d" % size)
            with open(source, "wb") as f:
                f.write(os.urandom(size))
            runs = args.runs if size > (1 << 20) else args.runs * 10
            put = median_rate(size, runs, lambda i: ["curl", "-sf", "-T", source,
                                                     "%s/bench/obj-%d-%d" % (base, size, i)])
            get = median_rate(size, runs, lambda i: ["curl", "-sf", "-o", "/dev/null",
                                                     "%s/bench/obj-%d-%d" % (base, size, i)])
            target = os.path.join(project, ".nimbus", "copy")
            copy = median_rate(size, runs, lambda i: ["dd", "if=" + source, "of=%s-%d" % (target, i),
                                                      "bs=1M", "conv=fdatasync", "status=none"])
            read = median_rate(size, runs, lambda i: ["sh", "-c", "cat %s > /dev/null" % source])
            rows.append((label, put, copy, get, read))
        print("object   PUT MB/s  disk copy MB/s  ratio   GET MB/s  cached read MB/s  ratio")
        for label, put, copy, get, read in rows:
            print("%-7s  %8.0f  %14.0f  %5.2fx  %8.0f  %16.0f  %5.2fx" %
                  (label, put, copy, put / copy, get, read, get / read))
        script = os.path.join(work, "put.lua")
        with open(script, "w") as f:
            f.write(PUT_SCRIPT)
        if shutil.which("wrk"):
            p50, rps, bad = wrk(base + "/bench/x", 16, args.duration, script)
            print("small PUT (1 KiB, new key each) at c=16: %.0f/s, p50 %.0f us%s" %
                  (rps, p50, "" if not bad else ", %d errors" % bad))
        else:
            print("wrk not installed: small PUT rate not measured")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
