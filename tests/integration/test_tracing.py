"""One trace across services: a request to API Gateway with an X-Amzn-Trace-Id, the function it
invokes, the SQS message that function sends through boto3, and the function that message
triggers, exported as OTLP/HTTP JSON spans to a small receiver in the test (the standard
OTEL_EXPORTER_OTLP_* variables on `nimbus serve`) and linked parent to child; the trace id inside
both functions; segments an SDK puts with X-Ray's PutTraceSegments read back with the nimbus
spans of the same trace."""
import http.client
import http.server
import json
import threading
import time

from conftest import aws_client, aws_port, poll

SERVERLESS_YML = """
service: traceit
provider:
  name: aws
  runtime: python3.11
functions:
  front:
    handler: app.front
    events:
      - httpApi: GET /order
  worker:
    handler: app.worker
    events:
      - sqs:
          arn:
            Fn::GetAtt: [Jobs, Arn]
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: jobs
"""

APP = """
import os
import boto3

def front(event, context):
    print("front trace " + os.environ.get("_X_AMZN_TRACE_ID", ""))
    sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    return {"statusCode": 200, "body": "queued"}

def worker(event, context):
    print("worker trace " + os.environ.get("_X_AMZN_TRACE_ID", ""))
    return {}
"""

ROOT = "1-6756e3a0-0123456789abcdef01234567"
ASYNC_ROOT = "1-6756e3a1-89abcdef0123456789abcdef"
CALLER = "53995c3f42cd8ad8"


class Receiver(http.server.BaseHTTPRequestHandler):
    spans = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert self.path == "/v1/traces" and self.headers["Content-Type"] == "application/json"
        request = json.loads(body)
        with Receiver.lock:
            for resource in request["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    Receiver.spans.extend(scope["spans"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_one_trace_through_gateway_function_sqs_and_function(project, serve):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}),
                  env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:%d" % receiver.server_port,
                       "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                       "OTEL_SERVICE_NAME": "shop"})
        n.wait_for(r"resources ready")
        status, _, body, _ = n.request("GET", "/order", headers={
            "X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=1" % (ROOT, CALLER)})
        assert status == 200, body
        trace_id = ROOT[2:].replace("-", "")

        def spans_by_name():
            with Receiver.lock:
                mine = [s for s in Receiver.spans if s["traceId"] == trace_id]
            names = {s["name"]: s for s in mine}
            return ("traceit-dev-worker" in names and "traceit-dev-front" in names and
                    any(name.startswith("GET /order") for name in names) and names)
        spans = poll("the trace's spans", spans_by_name, timeout=45)
        gateway = next(s for name, s in spans.items() if name.startswith("GET /order"))
        front = spans["traceit-dev-front"]
        worker = spans["traceit-dev-worker"]
        assert gateway["parentSpanId"] == CALLER
        assert front["parentSpanId"] == gateway["spanId"]
        # Across the SQS hop: the message kept the front function's trace header.
        assert worker["parentSpanId"] == front["spanId"]
        assert int(front["endTimeUnixNano"]) >= int(front["startTimeUnixNano"])
        line = n.wait_for(r"worker trace Root=" + ROOT)
        assert ";Parent=%s" % worker["spanId"] in line
        assert "front trace Root=%s;Parent=%s" % (ROOT, front["spanId"]) in n.output()

        # An asynchronous invocation continues its caller's trace too, through the event queue.
        conn = http.client.HTTPConnection("127.0.0.1", aws_port(n), timeout=30)
        conn.request("POST", "/2015-03-31/functions/traceit-dev-worker/invocations", body=b"{}",
                     headers={"X-Amz-Invocation-Type": "Event",
                              "X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=1" % (ASYNC_ROOT,
                                                                                   CALLER)})
        assert conn.getresponse().status == 202
        async_id = ASYNC_ROOT[2:].replace("-", "")

        def async_span():
            with Receiver.lock:
                return [s for s in Receiver.spans
                        if s["traceId"] == async_id and s["name"] == "traceit-dev-worker"]
        [span] = poll("the asynchronous invocation's span", async_span, timeout=45)
        assert span["parentSpanId"] == CALLER
    finally:
        receiver.shutdown()


def test_xray_segments_merge_into_the_trace(project, serve):
    n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    port = aws_port(n)
    n.wait_for(r"resources ready")
    status, _, _, _ = n.request("GET", "/order", headers={
        "X-Amzn-Trace-Id": "Root=%s;Sampled=1" % ROOT})
    assert status == 200
    xray = aws_client("xray", port)
    now = time.time()
    segment = {"trace_id": ROOT, "id": "70de5b6f19ff9a0a", "name": "checkout-client",
               "start_time": now - 0.5, "end_time": now,
               "subsegments": [{"id": "70de5b6f19ff9a0b", "name": "render",
                                "start_time": now - 0.4, "end_time": now - 0.1}]}
    r = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment)])
    assert r["UnprocessedTraceSegments"] == []

    def summary():
        found = xray.get_trace_summaries(StartTime=now - 300, EndTime=now + 300)["TraceSummaries"]
        return [s for s in found if s["Id"] == ROOT]
    assert poll("the trace's summary", summary, timeout=30)

    def documents():
        traces = xray.batch_get_traces(TraceIds=[ROOT])["Traces"]
        names = [json.loads(s["Document"])["name"] for t in traces for s in t["Segments"]]
        return "traceit-dev-front" in names and "traceit-dev-worker" in names and names
    names = poll("nimbus's and the SDK's segments in one trace", documents, timeout=30)
    assert "checkout-client" in names
