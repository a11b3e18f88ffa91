#!/usr/bin/env python3
"""DynamoDB on the AWS endpoint, side by side with the endpoint's HTTP floor in the same run.

  - the floor: GET /_nimbus/health on the same server (HTTP parsing and answering, no service);
  - GetItem of one small item: p50 at 1 connection, throughput at 16;
  - PutItem of one small item, each answered only once durable (SQLite, fsync'd group commit):
    p50 at 1 connection, throughput at 16;
  - Query answering a 1,000-item page (about 100 bytes an item): p50 at 1 connection.
Uses wrk with small Lua scripts for the POSTs. Prints a table; asserts nothing.

Usage: bench/dynamodb_bench.py [--build build] [--duration 8]
"""
import argparse
import http.client
import json
import os
import subprocess
import tempfile

from bench_support import free_port, wait_for_port, wrk

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

HEADERS = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.%s"
"""

GET_SCRIPT = HEADERS % "GetItem" + """
wrk.body = '{"TableName":"bench","Key":{"pk":{"S":"item"},"sk":{"N":"0"}}}'
"""

QUERY_SCRIPT = HEADERS % "Query" + """
wrk.body = '{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"page"}}}'
"""

# Every PutItem writes a new key: a per-thread prefix and a counter.
PUT_SCRIPT = HEADERS % "PutItem" + """
local counter = 0
local prefix = nil
function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end
function request()
  if prefix == nil then prefix = tostring(id) end
  counter = counter + 1
  local body = '{"TableName":"bench","Item":{"pk":{"S":"w' .. prefix .. '"},"sk":{"N":"' ..
    counter .. '"},"payload":{"S":"0123456789012345678901234567890123456789"}}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def call(port, target, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/", json.dumps(body), {"X-Amz-Target": "DynamoDB_20120810." + target,
                                                 "Content-Type": "application/x-amz-json-1.0"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    if r.status != 200:
        raise RuntimeError("%s: %s" % (target, data))
    return json.loads(data)


def prepare(port):
    call(port, "CreateTable", {
        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}]})
    call(port, "PutItem", {"TableName": "bench", "Item": {
        "pk": {"S": "item"}, "sk": {"N": "0"}, "payload": {"S": "x" * 40}, "n": {"N": "42"}}})
    for start in range(0, 1000, 25):
        call(port, "BatchWriteItem", {"RequestItems": {"bench": [
            {"PutRequest": {"Item": {"pk": {"S": "page"}, "sk": {"N": str(i)},
                                     "payload": {"S": "y" * 60}, "n": {"N": str(i * 7)}}}}
            for i in range(start, start + 25)]}})
    page = call(port, "Query", {"TableName": "bench", "KeyConditionExpression": "pk = :p",
                                "ExpressionAttributeValues": {":p": {"S": "page"}}})
    assert page["Count"] == 1000, page["Count"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=int, default=8)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {}
        for name, text in (("get", GET_SCRIPT), ("put", PUT_SCRIPT), ("query", QUERY_SCRIPT)):
            scripts[name] = os.path.join(tmp, name + ".lua")
            with open(scripts[name], "w") as f:
                f.write(text)
        port, aws_port = free_port(), free_port()
        server = subprocess.Popen([os.path.join(build, "nimbus"), "serve", "--port", str(port),
                                   "--aws-port", str(aws_port), "--no-watch", "--data-dir",
                                   os.path.join(tmp, "data")], cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(aws_port)
            prepare(aws_port)
            url = "http://127.0.0.1:%d/" % aws_port
            floor = "http://127.0.0.1:%d/_nimbus/health" % aws_port
            d = args.duration
            rows = []
            f1 = wrk(floor, 1, d)
            g1 = wrk(url, 1, d, scripts["get"])
            rows.append(("HTTP floor (GET /_nimbus/health)", 1, f1))
            rows.append(("GetItem", 1, g1))
            f16 = wrk(floor, 16, d)
            g16 = wrk(url, 16, d, scripts["get"])
            rows.append(("HTTP floor (GET /_nimbus/health)", 16, f16))
            rows.append(("GetItem", 16, g16))
            rows.append(("PutItem (durable)", 1, wrk(url, 1, d, scripts["put"])))
            rows.append(("PutItem (durable)", 16, wrk(url, 16, d, scripts["put"])))
            rows.append(("Query, 1,000-item page", 1, wrk(url, 1, d, scripts["query"])))
        finally:
            server.terminate()
            server.wait()
    print("%-36s %5s %10s %12s %8s" % ("case", "conns", "p50 (us)", "req/s", "non-2xx"))
    for name, c, (p50, rps, bad) in rows:
        print("%-36s %5d %10.0f %12.0f %8d" % (name, c, p50, rps, bad))
    print()
    print("GetItem p50 over the floor at c=1: %+.0f us" % (g1[0] - f1[0]))
    print("GetItem throughput at c=16: %.2fx the floor's" % (g16[1] / f16[1]))


if __name__ == "__main__":
    main()
