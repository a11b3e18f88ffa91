"""SNS on the AWS endpoint, through the AWS CLI and boto3: topics, a Lambda function of the served
project and an HTTP endpoint as subscribers, filter policies, raw delivery, durability across a
restart, and the errors boto3 models."""
import http.server
import json
import os
import queue
import subprocess
import threading
import urllib.request

import pytest

from conftest import CREDENTIALS, aws_client, aws_port

SERVERLESS_YML = """
service: snsit
provider:
  name: aws
  runtime: python3.11
  environment:
    EVENTS_FILE: {events}
functions:
  rec:
    handler: app.rec
"""

APP = """
import json, os
def rec(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    print("received", event["Records"][0]["Sns"]["MessageId"])
    return "ok"
"""

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:snsit-dev-rec"


def aws(port, *args):
    # The AWS CLI v2 from Debian, whatever else PATH may hold.
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % port, "sns", *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else None


class Receiver:
    """A tiny HTTP endpoint: every POST it receives lands in a queue; it answers with the statuses
    queued in `answers` (200 once they run out)."""

    def __init__(self, port=0):
        self.requests = queue.Queue()
        self.answers = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                try:
                    status = outer.answers.get_nowait()
                except queue.Empty:
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                outer.requests.put(({k.lower(): v for k, v in self.headers.items()}, body, self.path))

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self, timeout=30):
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("nothing was delivered to %s in %s s" % (self.url, timeout))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def server(project, serve, tmp_path):
    d = project({"serverless.yml": SERVERLESS_YML.format(events=tmp_path / "events.jsonl"),
                 "app.py": APP})
    n = serve(d)
    n.aws_port = aws_port(n)
    n.dir = d
    n.events = tmp_path / "events.jsonl"
    return n


def confirm(receiver, expect_topic):
    """Takes the SubscriptionConfirmation and follows its SubscribeURL, as a subscriber does."""
    headers, body, _ = receiver.next()
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    message = json.loads(body)
    assert message["Type"] == "SubscriptionConfirmation"
    assert message["TopicArn"] == expect_topic
    assert headers["x-amz-sns-topic-arn"] == expect_topic
    with urllib.request.urlopen(message["SubscribeURL"], timeout=30) as r:
        answer = r.read().decode()
        assert r.status == 200
    assert "<ConfirmSubscriptionResponse" in answer
    return answer.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


def test_cli_and_boto3_manage_topics(server):
    created = aws(server.aws_port, "create-topic", "--name", "orders", "--tags", "Key=team,Value=blue")
    arn = created["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:000000000000:orders"
    fifo = aws(server.aws_port, "create-topic", "--name", "orders.fifo",
               "--attributes", "FifoTopic=true,ContentBasedDeduplication=true")["TopicArn"]
    listed = [t["TopicArn"] for t in aws(server.aws_port, "list-topics")["Topics"]]
    assert listed == [arn, fifo]
    c = aws_client("sns", server.aws_port)
    attributes = c.get_topic_attributes(TopicArn=fifo)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert json.loads(attributes["Policy"])["Statement"][0]["Resource"] == fifo
    c.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Orders")
    assert c.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Orders"
    assert c.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    r = c.publish(TopicArn=fifo, Message="m", MessageGroupId="g")
    assert len(r["SequenceNumber"]) == 20
    c.delete_topic(TopicArn=fifo)
    assert [t["TopicArn"] for t in c.list_topics()["Topics"]] == [arn]


def test_lambda_subscriber_receives_the_sns_event(server):
    c = aws_client("sns", server.aws_port)
    topic = c.create_topic(Name="events")["TopicArn"]
    sub = c.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION_ARN)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    mark = server.mark()
    sent = c.publish(TopicArn=topic, Message="hello lambda", Subject="greeting",
                     MessageAttributes={"store": {"DataType": "String", "StringValue": "example_corp"},
                                        "price": {"DataType": "Number", "StringValue": "12.5"}})
    server.wait_for(r"\[rec\] END RequestId", start=mark)
    events = [json.loads(line) for line in server.events.read_text().splitlines()]
    assert len(events) == 1
    record = events[0]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == sent["MessageId"]
    assert sns["TopicArn"] == topic
    assert sns["Subject"] == "greeting"
    assert sns["Message"] == "hello lambda"
    assert sns["MessageAttributes"] == {"price": {"Type": "Number", "Value": "12.5"},
                                        "store": {"Type": "String", "Value": "example_corp"}}
    assert set(sns) == {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                        "SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl",
                        "MessageAttributes"}


def test_http_subscriber_confirms_then_receives_notifications(server, receiver):
    c = aws_client("sns", server.aws_port)
    topic = c.create_topic(Name="web")["TopicArn"]
    assert c.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)["SubscriptionArn"] == \
        "pending confirmation"
    assert c.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"] == \
        "PendingConfirmation"
    sub = confirm(receiver, topic)
    assert c.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"

    sent = c.publish(TopicArn=topic, Message="hello web", Subject="hi")
    headers, body, path = receiver.next()
    assert path == "/hook"
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == sent["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == sub
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    message = json.loads(body)
    assert message["Type"] == "Notification"
    assert message["Message"] == "hello web"
    assert message["Subject"] == "hi"
    assert message["MessageId"] == sent["MessageId"]
    assert "x-amz-sns-rawdelivery" not in headers

    # The UnsubscribeURL works as on AWS: a GET ends the subscription, and the endpoint is told.
    with urllib.request.urlopen(message["UnsubscribeURL"], timeout=30) as r:
        assert r.status == 200
    headers, body, _ = receiver.next()
    assert headers["x-amz-sns-message-type"] == "UnsubscribeConfirmation"
    assert json.loads(body)["Type"] == "UnsubscribeConfirmation"
    assert c.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_raw_message_delivery_over_http(server, receiver):
    c = aws_client("sns", server.aws_port)
    topic = c.create_topic(Name="raw")["TopicArn"]
    c.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                Attributes={"RawMessageDelivery": "true",
                            "DeliveryPolicy": json.dumps({"requestPolicy": {"headerContentType": "application/json"}})})
    confirm(receiver, topic)
    c.publish(TopicArn=topic, Message='{"just": "this"}',
              MessageAttributes={"a": {"DataType": "String", "StringValue": "x"}})
    headers, body, _ = receiver.next()
    assert body == '{"just": "this"}'
    assert headers["x-amz-sns-rawdelivery"] == "true"
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["content-type"] == "application/json"


def test_filter_policies_decide_delivery(server, receiver):
    c = aws_client("sns", server.aws_port)
    topic = c.create_topic(Name="filtered")["TopicArn"]
    by_attributes = Receiver()
    try:
        c.subscribe(TopicArn=topic, Protocol="http", Endpoint=by_attributes.url, Attributes={
            "FilterPolicy": json.dumps({"store": ["example_corp"], "price": [{"numeric": [">=", 100]}]})})
        confirm(by_attributes, topic)
        c.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"order": {"kind": [{"prefix": "bo"}]}})})
        confirm(receiver, topic)

        def publish(message, store, price):
            return c.publish(TopicArn=topic, Message=json.dumps(message), MessageAttributes={
                "store": {"DataType": "String", "StringValue": store},
                "price": {"DataType": "Number", "StringValue": str(price)}})["MessageId"]

        # Neither matches, then each matches one subscriber only. Deliveries are decided when the
        # message is published, so a filtered-out message would have been queued first.
        skipped = publish({"order": {"kind": "pen"}}, "other_corp", 500)
        for_attributes = publish({"order": {"kind": "pen"}}, "example_corp", 100)
        for_body = publish({"order": {"kind": "book"}}, "example_corp", 99)

        headers, _, _ = by_attributes.next()
        assert headers["x-amz-sns-message-id"] == for_attributes
        headers, _, _ = receiver.next()
        assert headers["x-amz-sns-message-id"] == for_body
        assert skipped not in (for_attributes, for_body)
        assert by_attributes.requests.empty() and receiver.requests.empty()
    finally:
        by_attributes.close()


def test_http_deliveries_are_retried(server, receiver):
    c = aws_client("sns", server.aws_port)
    topic = c.create_topic(Name="retried")["TopicArn"]
    c.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, Attributes={
        "DeliveryPolicy": json.dumps({"healthyRetryPolicy": {
            "numRetries": 2, "numNoDelayRetries": 2, "minDelayTarget": 1, "maxDelayTarget": 1}})})
    confirm(receiver, topic)
    receiver.answers.put(500)
    receiver.answers.put(503)
    sent = c.publish(TopicArn=topic, Message="again")["MessageId"]
    ids = [receiver.next()[0]["x-amz-sns-message-id"] for _ in range(3)]
    assert ids == [sent, sent, sent], "the first attempt and two retries"


def test_subscriptions_and_pending_deliveries_survive_a_restart(project, serve, tmp_path):
    d = project({"serverless.yml": SERVERLESS_YML.format(events=tmp_path / "events.jsonl"),
                 "app.py": APP})
    first = serve(d)
    c = aws_client("sns", aws_port(first))
    topic = c.create_topic(Name="durable", Attributes={"DisplayName": "Durable"})["TopicArn"]
    lambda_sub = c.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION_ARN)["SubscriptionArn"]
    receiver = Receiver()
    c.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                Attributes={"FilterPolicy": json.dumps({"kind": ["keep"]})})
    http_sub = confirm(receiver, topic)
    keep = {"kind": {"DataType": "String", "StringValue": "keep"}}
    drop = {"kind": {"DataType": "String", "StringValue": "drop"}}
    # The endpoint goes away: the delivery fails and waits for its retry (20 s by default)...
    port = receiver.port
    receiver.close()
    sent = c.publish(TopicArn=topic, Message="while you were away", MessageAttributes=keep)["MessageId"]
    assert first.stop() == 0
    # ...and is sent by the next nimbus, once the endpoint is back.
    receiver = Receiver(port)
    try:
        second = serve(d)
        mark = second.mark()
        c = aws_client("sns", aws_port(second))
        assert c.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Durable"
        subs = {s["SubscriptionArn"]: s for s in c.list_subscriptions()["Subscriptions"]}
        assert set(subs) == {lambda_sub, http_sub}
        assert json.loads(c.get_subscription_attributes(SubscriptionArn=http_sub)
                          ["Attributes"]["FilterPolicy"]) == {"kind": ["keep"]}
        headers, body, _ = receiver.next()
        assert headers["x-amz-sns-message-id"] == sent
        assert json.loads(body)["Message"] == "while you were away"
        # The restored filter policy still decides; the Lambda subscription still receives.
        c.publish(TopicArn=topic, Message="skip", MessageAttributes=drop)
        kept = c.publish(TopicArn=topic, Message="keep", MessageAttributes=keep)["MessageId"]
        headers, body, _ = receiver.next()
        assert headers["x-amz-sns-message-id"] == kept
        second.wait_for(r"\[rec\] .*received " + kept, start=mark)
    finally:
        receiver.close()


def test_errors_are_the_exceptions_boto3_models(server):
    c = aws_client("sns", server.aws_port)
    missing = "arn:aws:sns:us-east-1:000000000000:missing"
    with pytest.raises(c.exceptions.NotFoundException) as e:
        c.get_topic_attributes(TopicArn=missing)
    assert e.value.response["Error"]["Message"] == "Topic does not exist"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(c.exceptions.NotFoundException):
        c.publish(TopicArn=missing, Message="m")
    topic = c.create_topic(Name="errors")["TopicArn"]
    with pytest.raises(c.exceptions.InvalidParameterException) as e:
        c.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION_ARN,
                    Attributes={"FilterPolicy": json.dumps({"price": [{"numeric": [">", 10, ">", 20]}]})})
    assert e.value.response["Error"]["Message"].startswith(
        "Invalid parameter: Attributes Reason: FilterPolicy: Bad numeric range operator: >")
    with pytest.raises(c.exceptions.InvalidParameterException) as e:
        c.publish(TopicArn=topic, Message="")
    assert e.value.response["Error"]["Message"] == "Invalid parameter: Empty message"
    with pytest.raises(c.exceptions.InvalidParameterValueException) as e:
        c.publish(TopicArn=topic, Message="m", MessageAttributes={"n": {"DataType": "Number", "StringValue": "x"}})
    with pytest.raises(c.exceptions.InvalidParameterException):
        c.create_topic(Name="bad name")
    with pytest.raises(c.exceptions.NotFoundException):
        c.get_subscription_attributes(SubscriptionArn=topic + ":00000000-0000-0000-0000-000000000000")
