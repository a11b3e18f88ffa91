#!/usr/bin/env python3
"""What a Lambda authorizer with a cached answer adds to a request, end to end.

Serves one project under `nimbus serve`: the native hello function (bench/native_hello.cc, a
`provided` runtime) behind four routes: REST open, REST behind a TOKEN authorizer, HTTP API
open, HTTP API behind a request authorizer with simple answers. Both authorizers are Node.js
functions caching their answers for 300 s, so after the first request every request is judged
from the cache; the function itself is never asked again. wrk measures each route at
concurrency 1 in alternating rounds; the table gives the medians over rounds. Not a test:
nothing here asserts.

Usage: bench/authorizer_bench.py [--build build] [--duration 5] [--rounds 3]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_bench import ROOT, Process, free_port, get_once, wrk  # noqa: E402

YML = """
service: guarded-hello
provider:
  name: aws
  runtime: provided.al2023
  httpApi:
    authorizers:
      simple:
        type: request
        functionName: simpleAuth
        enableSimpleResponses: true
        identitySource: $request.header.Authorization
        resultTtlInSeconds: 300
functions:
  tokenAuth:
    handler: auth.token
    runtime: nodejs20.x
  simpleAuth:
    handler: auth.simple
    runtime: nodejs20.x
  hello:
    handler: bootstrap
    events:
      - http: GET open
      - http:
          method: get
          path: guarded
          authorizer:
            name: tokenAuth
            resultTtlInSeconds: 300
      - httpApi: GET /open
      - httpApi:
          method: get
          path: /guarded
          authorizer: simple
"""

AUTH_JS = """
exports.token = async (event) => ({
  principalId: 'bench',
  policyDocument: { Version: '2012-10-17', Statement: [
    { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn.split('/')[0] + '/*' }] },
  context: { tier: 'gold' },
});
exports.simple = async () => ({ isAuthorized: true, context: { tier: 'gold' } });
"""

ROUTES = [
    ("REST open", "/dev/open", False),
    ("REST TOKEN authorizer (cached)", "/dev/guarded", True),
    ("HTTP API open", "/open", False),
    ("HTTP API request authorizer (cached)", "/guarded", True),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "guarded-hello")
        os.makedirs(project)
        with open(os.path.join(project, "serverless.yml"), "w") as f:
            f.write(YML)
        with open(os.path.join(project, "auth.js"), "w") as f:
            f.write(AUTH_JS)
        shutil.copy(os.path.join(args.build, "bench", "native-hello", "bootstrap"), project)
        port = free_port()
        server = Process([os.path.join(args.build, "nimbus"), "serve", "--port", str(port),
                          "--aws-port", "0"], cwd=project)
        try:
            deadline = time.monotonic() + 30
            while get_once(port, "/open") != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("nimbus did not serve /open")
                time.sleep(0.01)
            # The authorizers' cold starts and first answers happen here, not in the figures.
            for _, path, guarded in ROUTES:
                wrk(port, path, 1, 1, 1, ["Authorization: Bearer bench"] if guarded else [])
            results = {label: [] for label, _, _ in ROUTES}
            for _ in range(args.rounds):
                for label, path, guarded in ROUTES:
                    headers = ["Authorization: Bearer bench"] if guarded else []
                    r = wrk(port, path, 1, 1, args.duration, headers)
                    if r["non2xx"]:
                        raise RuntimeError("%s answered %d non-2xx" % (label, r["non2xx"]))
                    results[label].append(r)
        finally:
            server.stop()

    print("| route | p50 c=1 (µs) | p99 c=1 (µs) | req/s c=1 |")
    print("| --- | ---: | ---: | ---: |")
    medians = {}
    for label, _, _ in ROUTES:
        runs = results[label]
        medians[label] = statistics.median(r["p50_us"] for r in runs)
        print("| %s | %.0f | %.0f | %.0f |" % (label, medians[label],
                                               statistics.median(r["p99_us"] for r in runs),
                                               statistics.median(r["rps"] for r in runs)))
    print("REST: a cached TOKEN authorizer adds %+.0f µs to p50" %
          (medians[ROUTES[1][0]] - medians[ROUTES[0][0]]))
    print("HTTP API: a cached request authorizer adds %+.0f µs to p50" %
          (medians[ROUTES[3][0]] - medians[ROUTES[2][0]]))


if __name__ == "__main__":
    main()
