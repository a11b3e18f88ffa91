"""A serverless.yml project that declares its own queues and topic in `resources`: a producer
behind an HTTP route sends with the AWS SDK for JavaScript to the queue its environment names
(`!Ref`), a worker consumes it (`!GetAtt ... Arn`) and reports partial batch failures, poison
messages go to the dead-letter queue of the queue's RedrivePolicy, and a function subscribed to
the topic with a filter policy gets what matches."""
import json
import os

from conftest import aws_client, aws_port

JS = os.path.join(os.path.dirname(__file__), "js")

SERVERLESS_YML = """
service: shop
provider:
  name: aws
  runtime: python3.11
  environment:
    QUEUE_URL: !Ref Orders
    TOPIC_ARN: { Ref: Events }
functions:
  producer:
    runtime: nodejs20.x
    handler: producer.handler
    events:
      - httpApi: POST /orders
  worker:
    handler: worker.handler
    timeout: 1
    events:
      - sqs:
          arn: !GetAtt Orders.Arn
          functionResponseType: ReportBatchItemFailures
  audit:
    handler: audit.handler
    events:
      - sns:
          arn: !Ref Events
          filterPolicy: { size: [big] }
resources:
  Resources:
    Orders:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 1
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt OrdersDlq.Arn
          maxReceiveCount: 1
    OrdersDlq:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${self:service}-orders-dlq
    Events:
      Type: AWS::SNS::Topic
      Properties:
        DisplayName: Shop events
"""

PRODUCER = """
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const order = JSON.parse(event.body);
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.QUEUE_URL,
    MessageBody: JSON.stringify(order),
    MessageAttributes: { kind: { DataType: "String", StringValue: "order" } },
  }));
  return { statusCode: 202, body: JSON.stringify({ messageId: sent.MessageId, queue: process.env.QUEUE_URL }) };
};
"""

WORKER = """
import json
def handler(event, context):
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        if order.get("poison"):
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            print("shipped", order["n"], record["messageAttributes"]["kind"]["stringValue"])
    return {"batchItemFailures": failures}
"""

AUDIT = """
import json
def handler(event, context):
    for record in event["Records"]:
        sns = record["Sns"]
        print("audited", sns["Message"], sns["MessageAttributes"]["size"]["Value"], record["EventSource"])
"""


def write_project(project):
    d = project({"serverless.yml": SERVERLESS_YML, "producer.js": PRODUCER, "worker.py": WORKER,
                 "audit.py": AUDIT})
    assert os.path.isdir(os.path.join(JS, "node_modules", "@aws-sdk", "client-sqs")), \
        "run `npm ci` in tests/integration/js (scripts/setup does)"
    os.symlink(os.path.join(JS, "node_modules"), d / "node_modules")
    return d


def test_producer_route_worker_queue_and_topic_from_resources(project, serve, tmp_path_factory):
    d = write_project(project)
    data = tmp_path_factory.mktemp("data")
    n = serve(d, "--data-dir", str(data))
    n.wait_for(r"resources ready: 0 tables, 2 queues, 1 topic, 1 subscription")
    port = aws_port(n)
    queue_url = "http://127.0.0.1:%d/000000000000/shop-dev-Orders" % port

    for order in ({"n": 1}, {"n": 2, "poison": True}, {"n": 3}):
        status, _, body, _ = n.request("POST", "/orders", json.dumps(order),
                                       {"Content-Type": "application/json"})
        assert status == 202, body
        assert json.loads(body)["queue"] == queue_url
    n.wait_for(r"\[worker\] shipped 1 order")
    n.wait_for(r"\[worker\] shipped 3 order")

    # The poison order failed alone, came back, failed again and was moved to the DLQ.
    sqs = aws_client("sqs", port)
    dlq = sqs.get_queue_url(QueueName="shop-orders-dlq")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=20, AttributeNames=["All"])
    [dead] = got["Messages"]
    assert json.loads(dead["Body"]) == {"n": 2, "poison": True}
    assert dead["Attributes"]["ApproximateReceiveCount"] == "2"
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "1"
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == \
        "arn:aws:sqs:us-east-1:000000000000:shop-orders-dlq"

    sns = aws_client("sns", port)
    topic = "arn:aws:sns:us-east-1:000000000000:shop-dev-Events"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "Shop events"
    for size in ("small", "big"):
        sns.publish(TopicArn=topic, Message="order-" + size,
                    MessageAttributes={"size": {"DataType": "String", "StringValue": size}})
    n.wait_for(r"\[audit\] audited order-big big aws:sns")
    [subscription] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subscription["Endpoint"] == "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-audit"
    policy = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert json.loads(policy["Attributes"]["FilterPolicy"]) == {"size": ["big"]}

    # A reload that drops the sns event removes the subscription nimbus made for it, and keeps
    # the queues and their messages.
    sqs.send_message(QueueUrl=dlq, MessageBody="kept")
    mark = n.mark()
    (d / "serverless.yml").write_text(SERVERLESS_YML.replace(
        "    events:\n      - sns:\n          arn: !Ref Events\n          filterPolicy: { size: [big] }\n", ""))
    n.wait_for(r"resources ready: 0 tables, 2 queues, 1 topic, 0 subscriptions", start=mark)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] in ("1", "2")


def test_a_restart_finds_the_resources_it_made(project, serve, tmp_path_factory):
    d = write_project(project)
    data = tmp_path_factory.mktemp("data")
    first = serve(d, "--data-dir", str(data))
    first.wait_for(r"resources ready")
    sqs = aws_client("sqs", aws_port(first))
    url = sqs.get_queue_url(QueueName="shop-orders-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="survives")
    assert first.stop() == 0

    second = serve(d, "--data-dir", str(data))
    second.wait_for(r"resources ready: 0 tables, 2 queues, 1 topic, 1 subscription")
    assert "error:" not in second.output()
    sqs = aws_client("sqs", aws_port(second))
    url = sqs.get_queue_url(QueueName="shop-orders-dlq")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert [m["Body"] for m in got["Messages"]] == ["survives"]
    topic = "arn:aws:sns:us-east-1:000000000000:shop-dev-Events"
    assert len(aws_client("sns", aws_port(second)).list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
