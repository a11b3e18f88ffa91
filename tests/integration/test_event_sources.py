"""The services together: SQS queues triggering functions (event source mappings), SNS fanning
out to SQS, and asynchronous invocations sending records and dead letters to SQS and SNS."""
import json

import pytest

from conftest import ROLE, aws_client, aws_port, lambda_client, python_package

ACCOUNT = "000000000000"


@pytest.fixture
def server(tmp_path, serve):
    n = serve(tmp_path)  # No project: everything is made through the APIs.
    n.aws_port = aws_port(n)
    return n


def receive_one(sqs, url):
    """Long-polls (answered as soon as a message arrives) until one message is there."""
    for _ in range(3):
        r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MessageAttributeNames=["All"],
                                AttributeNames=["All"])
        if r.get("Messages"):
            return r["Messages"][0]
    raise AssertionError("no message arrived in %s" % url)


WORKER = """
import json
def handler(event, context):
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("poison"):
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            print("processed", body["n"], record["eventSource"], record["attributes"]["ApproximateReceiveCount"])
    return {"batchItemFailures": failures}
"""


def test_sqs_mapping_reports_partial_failures_and_redrive_moves_poison_to_the_dlq(server):
    sqs, lam = aws_client("sqs", server.aws_port), lambda_client(server.aws_port)
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = "arn:aws:sqs:us-east-1:%s:orders-dlq" % ACCOUNT
    queue = sqs.create_queue(QueueName="orders", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
    queue_arn = "arn:aws:sqs:us-east-1:%s:orders" % ACCOUNT
    lam.create_function(FunctionName="worker", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Timeout=1, Code={"ZipFile": python_package(WORKER)})

    # Lambda's checks: the queue's visibility timeout must cover the function's timeout.
    lam.create_function(FunctionName="slow", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Timeout=30, Code={"ZipFile": python_package(WORKER)})
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="slow")
    assert "Queue visibility timeout: 1 seconds is less than Function timeout: 30 seconds" in str(e.value)

    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="worker", BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    assert mapping["State"] == "Creating"
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="worker")

    sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": "a", "MessageBody": json.dumps({"n": 1})},
        {"Id": "b", "MessageBody": json.dumps({"n": 2, "poison": True})},
        {"Id": "c", "MessageBody": json.dumps({"n": 3})}])
    server.wait_for(r"\[worker\] processed 1 aws:sqs 1")
    server.wait_for(r"\[worker\] processed 3 aws:sqs 1")
    dead = receive_one(sqs, dlq)
    assert json.loads(dead["Body"]) == {"n": 2, "poison": True}
    # The good messages were deleted: nothing is left in the source queue.
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert "processed 2" not in server.output()

    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    assert lam.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"] == []


def test_sns_fans_out_to_sqs_with_the_envelope_and_raw(server):
    sqs, sns = aws_client("sqs", server.aws_port), aws_client("sns", server.aws_port)
    topic = sns.create_topic(Name="news")["TopicArn"]
    wrapped = sqs.create_queue(QueueName="wrapped")["QueueUrl"]
    raw = sqs.create_queue(QueueName="raw")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:wrapped" % ACCOUNT)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:raw" % ACCOUNT,
                  Attributes={"RawMessageDelivery": "true"})
    published = sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                            MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})

    envelope = json.loads(receive_one(sqs, wrapped)["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["TopicArn"] == topic and envelope["Subject"] == "greeting"
    assert envelope["Message"] == "hello"
    assert envelope["MessageAttributes"]["kind"] == {"Type": "String", "Value": "test"}

    message = receive_one(sqs, raw)
    assert message["Body"] == "hello"
    assert message["MessageAttributes"]["kind"]["StringValue"] == "test"


def test_async_records_and_dead_letters_reach_sqs_and_sns(server):
    sqs, sns = aws_client("sqs", server.aws_port), aws_client("sns", server.aws_port)
    lam = lambda_client(server.aws_port)
    successes = sqs.create_queue(QueueName="successes")["QueueUrl"]
    dead_letters = sqs.create_queue(QueueName="dead-letters")["QueueUrl"]
    topic_copies = sqs.create_queue(QueueName="topic-copies")["QueueUrl"]
    topic = sns.create_topic(Name="failures")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:topic-copies" % ACCOUNT,
                  Attributes={"RawMessageDelivery": "true"})

    lam.create_function(FunctionName="ok", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        Code={"ZipFile": python_package(
                            "def handler(e, c):\n    return {'doubled': e['n'] * 2}\n")})
    lam.put_function_event_invoke_config(
        FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:%s:successes" % ACCOUNT}})
    lam.create_function(FunctionName="broken", Runtime="python3.12", Role=ROLE, Handler="main.handler",
                        DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:%s:dead-letters" % ACCOUNT},
                        Code={"ZipFile": python_package("def handler(e, c):\n    raise ValueError('cannot')\n")})
    lam.put_function_event_invoke_config(
        FunctionName="broken", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}})

    lam.invoke(FunctionName="ok", InvocationType="Event", Payload=b'{"n": 21}')
    accepted = lam.invoke(FunctionName="broken", InvocationType="Event", Payload=b'{"n": 1}')
    request_id = accepted["ResponseMetadata"]["RequestId"]

    record = json.loads(receive_one(sqs, successes)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}

    dead = receive_one(sqs, dead_letters)
    assert json.loads(dead["Body"]) == {"n": 1}
    attributes = {k: v.get("StringValue") for k, v in dead["MessageAttributes"].items()}
    assert attributes["RequestID"] == request_id
    assert attributes["ErrorCode"] == "200"
    assert attributes["ErrorMessage"] == "cannot"

    failure = json.loads(receive_one(sqs, topic_copies)["Body"])
    assert failure["requestContext"]["requestId"] == request_id
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["responsePayload"]["errorType"] == "ValueError"


WORKER_YML = """
service: jobs
provider:
  name: aws
  runtime: python3.11
functions:
  worker:
    handler: app.handler
    timeout: 1
    events:
      - sqs:
          arn: arn:aws:sqs:us-east-1:000000000000:jobs-queue
          functionResponseType: ReportBatchItemFailures
"""


def test_serverless_yml_sqs_event_consumes_the_queue(project, serve):
    d = project({"serverless.yml": WORKER_YML, "app.py": WORKER})
    n = serve(d)
    n.wait_for(r"sqs    arn:aws:sqs:us-east-1:000000000000:jobs-queue")
    sqs = aws_client("sqs", aws_port(n))
    # The queue may come after the function: its poller waits for it.
    url = sqs.create_queue(QueueName="jobs-queue", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 7}))
    n.wait_for(r"\[worker\] processed 7 aws:sqs 1")
    mappings = lambda_client(aws_port(n)).list_event_source_mappings(FunctionName="jobs-dev-worker")
    [mapping] = mappings["EventSourceMappings"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["State"] == "Enabled"
