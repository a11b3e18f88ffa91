"""GET /_nimbus/metrics on the AWS endpoint, read by Prometheus' own text parser: per-function
invocations, errors, cold starts, throttles and duration histograms, environments, gateway
requests per route, and queue depths, after known work."""
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import aws_client, aws_port

SERVERLESS_YML = """
service: promit
provider:
  name: aws
  runtime: python3.11
functions:
  ok:
    handler: app.ok
    events:
      - httpApi: GET /ok
  boom:
    handler: app.boom
    reservedConcurrency: 0
"""

APP = """
def ok(event, context):
    return {"statusCode": 200, "body": "fine"}

def boom(event, context):
    raise RuntimeError("no")
"""


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/_nimbus/metrics" % port, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def test_metrics_after_known_work(project, serve):
    n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    port = aws_port(n)
    for _ in range(3):
        status, _, body, _ = n.request("GET", "/ok")
        assert status == 200
    assert n.request("GET", "/missing")[0] == 404
    lam = aws_client("lambda", port)
    try:
        lam.invoke(FunctionName="promit-dev-boom", Payload=b"{}")
    except lam.exceptions.TooManyRequestsException:
        pass
    sqs = aws_client("sqs", port)
    url = sqs.create_queue(QueueName="depth")["QueueUrl"]
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)

    m = scrape(port)
    fn = (("function", "promit-dev-ok"),)
    assert m[("nimbus_lambda_invocations_total", fn)] == 3
    assert m[("nimbus_lambda_errors_total", fn)] == 0
    assert m[("nimbus_lambda_cold_starts_total", fn)] == 1
    assert m[("nimbus_lambda_duration_seconds_count", fn)] == 3
    assert m[("nimbus_lambda_duration_seconds_bucket", fn + (("le", "+Inf"),))] == 3
    assert m[("nimbus_lambda_throttles_total", (("function", "promit-dev-boom"),))] == 1
    assert m[("nimbus_lambda_environments",
              (("function", "promit-dev-ok"), ("version", "$LATEST")))] == 1
    assert m[("nimbus_gateway_requests_total", (("api", "http"), ("route", "GET /ok")))] == 3
    assert m[("nimbus_sqs_messages", (("queue", "depth"), ("state", "visible")))] == 3
    assert m[("nimbus_sqs_messages", (("queue", "depth"), ("state", "in_flight")))] == 1
    assert m[("nimbus_lambda_gb_seconds_total", fn)] > 0
