"""SQS on the AWS endpoint through clients nobody here wrote: the AWS CLI v2 and boto3 of Debian 12
(query protocol, XML) and the AWS SDK for JavaScript v3 (JSON protocol); and its durability across
kill -9."""
import base64
import http.client
import json
import os
import signal
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from conftest import CREDENTIALS, SOURCE_DIR, aws_client, aws_port

# The digest of {"timestamp": Number "1493147359900"} as AWS's SDK tests give it.
TIMESTAMP_ATTRIBUTE_MD5 = "235c5c510d26fb653d073faed50ae77c"


def endpoint(n):
    return "http://127.0.0.1:%d" % n.aws_port


def sqs_client(n):
    return aws_client("sqs", n.aws_port)


def start(serve, directory):
    n = serve(directory)
    n.aws_port = aws_port(n)
    return n


@pytest.fixture
def server(tmp_path, serve):
    return start(serve, tmp_path)


def aws(n, *args):
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", endpoint(n), "--output", "json", "sqs", *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)
    return r


def test_aws_cli_round_trip(server):
    r = aws(server, "create-queue", "--queue-name", "cli-queue", "--attributes", "VisibilityTimeout=45")
    assert r.returncode == 0, r.stderr
    url = json.loads(r.stdout)["QueueUrl"]
    assert url == "%s/000000000000/cli-queue" % endpoint(server)

    r = aws(server, "send-message", "--queue-url", url, "--message-body", "hello from the cli",
            "--message-attributes", json.dumps({"timestamp": {"DataType": "Number",
                                                              "StringValue": "1493147359900"}}))
    assert r.returncode == 0, r.stderr
    sent = json.loads(r.stdout)
    assert sent["MD5OfMessageAttributes"] == TIMESTAMP_ATTRIBUTE_MD5

    r = aws(server, "receive-message", "--queue-url", url, "--attribute-names", "All",
            "--message-attribute-names", "All")
    assert r.returncode == 0, r.stderr
    [message] = json.loads(r.stdout)["Messages"]
    assert message["Body"] == "hello from the cli"
    assert message["MessageId"] == sent["MessageId"]
    assert message["MessageAttributes"] == {"timestamp": {"DataType": "Number",
                                                          "StringValue": "1493147359900"}}
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"

    r = aws(server, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    attributes = json.loads(r.stdout)["Attributes"]
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:cli-queue"
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"

    r = aws(server, "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    assert r.returncode == 0, r.stderr
    r = aws(server, "tag-queue", "--queue-url", url, "--tags", "team=core,env=dev")
    assert r.returncode == 0, r.stderr
    r = aws(server, "list-queue-tags", "--queue-url", url)
    assert json.loads(r.stdout)["Tags"] == {"team": "core", "env": "dev"}
    r = aws(server, "list-queues", "--queue-name-prefix", "cli-")
    assert json.loads(r.stdout)["QueueUrls"] == [url]
    r = aws(server, "delete-queue", "--queue-url", url)
    assert r.returncode == 0, r.stderr
    r = aws(server, "get-queue-url", "--queue-name", "cli-queue")
    assert r.returncode != 0 and "AWS.SimpleQueueService.NonExistentQueue" in r.stderr


def test_boto3_attributes_and_errors(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="boto-queue")["QueueUrl"]
    binary = bytes(range(256))
    sent = c.send_message(QueueUrl=url, MessageBody="línea 1\r\nline 2 <&>", MessageAttributes={
        "bin": {"DataType": "Binary", "BinaryValue": binary},
        "num": {"DataType": "Number", "StringValue": "3.14"},
        "custom": {"DataType": "String.uuid", "StringValue": "abc"},
    }, MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                    "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    assert "MD5OfMessageSystemAttributes" in sent
    [m] = c.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert m["Body"] == "línea 1\r\nline 2 <&>"
    assert m["MessageAttributes"]["bin"]["BinaryValue"] == binary
    assert m["MessageAttributes"]["custom"] == {"DataType": "String.uuid", "StringValue": "abc"}
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"]["AWSTraceHeader"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert m["Attributes"]["SenderId"] == "000000000000"

    with pytest.raises(c.exceptions.QueueDoesNotExist):
        c.get_queue_url(QueueName="nope")
    with pytest.raises(c.exceptions.QueueDoesNotExist):
        c.send_message(QueueUrl=url + "-nope", MessageBody="x")
    with pytest.raises(c.exceptions.QueueNameExists):
        c.create_queue(QueueName="boto-queue", Attributes={"DelaySeconds": "5"})
    with pytest.raises(c.exceptions.InvalidAttributeName):
        c.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])
    with pytest.raises(c.exceptions.ReceiptHandleIsInvalid):
        c.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_queue(QueueName="bad", Attributes={"VisibilityTimeout": "43201"})
    assert e.value.response["Error"]["Code"] == "InvalidAttributeValue"


def test_queue_management(server):
    c = sqs_client(server)
    urls = [c.create_queue(QueueName="page-%02d" % i)["QueueUrl"] for i in range(5)]
    c.create_queue(QueueName="other")
    first = c.list_queues(QueueNamePrefix="page-", MaxResults=2)
    assert first["QueueUrls"] == urls[:2]
    second = c.list_queues(QueueNamePrefix="page-", MaxResults=2, NextToken=first["NextToken"])
    assert second["QueueUrls"] == urls[2:4]
    third = c.list_queues(QueueNamePrefix="page-", MaxResults=2, NextToken=second["NextToken"])
    assert third["QueueUrls"] == urls[4:] and "NextToken" not in third
    assert len(c.list_queues()["QueueUrls"]) == 6
    assert "QueueUrls" not in c.list_queues(QueueNamePrefix="none-")

    url = urls[0]
    c.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "60", "VisibilityTimeout": "5"})
    c.send_message(QueueUrl=url, MessageBody="delayed by the queue")
    c.send_message(QueueUrl=url, MessageBody="not delayed", DelaySeconds=0)
    attributes = c.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "DelaySeconds", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    assert attributes == {"DelaySeconds": "60", "ApproximateNumberOfMessages": "1",
                          "ApproximateNumberOfMessagesDelayed": "1"}
    [m] = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert m["Body"] == "not delayed"
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    with pytest.raises(c.exceptions.MessageNotInflight):
        c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=10)

    c.tag_queue(QueueUrl=url, Tags={"a": "1", "b": "2"})
    c.untag_queue(QueueUrl=url, TagKeys=["a"])
    assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"b": "2"}

    # An operation nimbus does not offer gets SQS's answer for an unknown action.
    conn = http.client.HTTPConnection("127.0.0.1", server.aws_port, timeout=30)
    conn.request("POST", "/", body="Action=AddPermission&QueueUrl=" + url, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    body = r.read().decode()
    assert r.status == 400 and "<Code>InvalidAction</Code>" in body, body
    conn.close()


def test_size_limits(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="sizes")["QueueUrl"]
    # 1 MiB by default, body and attributes together.
    c.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024 - 5),
                       MessageAttributes={"ab": {"DataType": "String", "StringValue": "c"}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "Message must be shorter than 1048576 bytes" in e.value.response["Error"]["Message"]
    c.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    with pytest.raises(botocore.exceptions.ClientError):
        c.send_message(QueueUrl=url, MessageBody="x" * 1025)
    batch = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "small", "MessageBody": "x" * 1024},
        {"Id": "large", "MessageBody": "x" * 1025},
    ])
    assert [s["Id"] for s in batch["Successful"]] == ["small"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in batch["Failed"]] == \
        [("large", "InvalidParameterValue", True)]
    # The whole batch is limited to 1 MiB too.
    c.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1048576"})
    with pytest.raises(c.exceptions.BatchRequestTooLong):
        c.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "x" * 600000}, {"Id": "b", "MessageBody": "y" * 600000}])


def test_batches(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="batches")["QueueUrl"]
    with pytest.raises(c.exceptions.EmptyBatchRequest):
        c.send_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(c.exceptions.TooManyEntriesInBatchRequest):
        c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    with pytest.raises(c.exceptions.BatchEntryIdsNotDistinct):
        c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
    with pytest.raises(c.exceptions.InvalidBatchEntryId):
        c.send_message_batch(QueueUrl=url, Entries=[{"Id": "no spaces", "MessageBody": "x"}])
    sent = c.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "m%d" % i, "MessageBody": "body %d" % i} for i in range(10)])
    assert len(sent["Successful"]) == 10 and not sent.get("Failed")
    got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == sorted("body %d" % i for i in range(10))
    entries = [{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[:3])]
    entries.append({"Id": "bad", "ReceiptHandle": "garbage"})
    deleted = c.delete_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(s["Id"] for s in deleted["Successful"]) == ["d0", "d1", "d2"]
    assert [(f["Id"], f["Code"]) for f in deleted["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    changed = c.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "v%d" % i, "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
        for i, m in enumerate(got[3:])])
    assert len(changed["Successful"]) == 7
    again = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"])
    assert sorted(m["Body"] for m in again["Messages"]) == sorted(m["Body"] for m in got[3:])
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in again["Messages"]} == {"2"}
    c.purge_queue(QueueUrl=url)
    attributes = c.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"] == {"ApproximateNumberOfMessages": "0",
                                        "ApproximateNumberOfMessagesNotVisible": "0"}


def test_visibility_timeout_expiry_and_long_poll(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="visibility", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="again and again")
    first = c.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in c.receive_message(QueueUrl=url)
    # The long poll is answered when the visibility timeout ends, well before its 20 seconds.
    began = time.monotonic()
    second = c.receive_message(QueueUrl=url, WaitTimeSeconds=20,
                               AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert time.monotonic() - began < 10
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    # The first handle is stale: SQS answers success and leaves the message.
    c.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    c.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = c.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]
    c.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    assert "Messages" not in c.receive_message(QueueUrl=url, WaitTimeSeconds=2)


def test_long_poll_answered_early_by_a_send_from_another_thread(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="long-poll")["QueueUrl"]
    result = {}

    def receive():
        began = time.monotonic()
        result["response"] = sqs_client(server).receive_message(QueueUrl=url, WaitTimeSeconds=20)
        result["took"] = time.monotonic() - began

    receiver = threading.Thread(target=receive)
    receiver.start()
    # The receive waits whether or not the send below comes first; the assertion is that it
    # returns with the message long before its 20 seconds run out.
    time.sleep(0.5)
    c.send_message(QueueUrl=url, MessageBody="ping")
    receiver.join(timeout=30)
    assert [m["Body"] for m in result["response"]["Messages"]] == ["ping"]
    assert result["took"] < 10


def test_redrive_to_a_dead_letter_queue(server):
    c = sqs_client(server)
    dlq = c.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = c.create_queue(QueueName="work", Attributes={
        "VisibilityTimeout": "0",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    policy = json.loads(c.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
                        ["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    sent = c.send_message(QueueUrl=url, MessageBody="poison")
    for count in ("1", "2"):
        [m] = c.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
        assert m["Attributes"]["ApproximateReceiveCount"] == count
    assert "Messages" not in c.receive_message(QueueUrl=url)
    [moved] = c.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"].endswith(":work")
    sources = c.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]
    assert sources == [url]


def test_fifo_order_and_deduplication(server):
    c = sqs_client(server)
    url = c.create_queue(QueueName="orders.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    ids = {}
    for body, group in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("a3", "A")]:
        ids[body] = c.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)["MessageId"]
    duplicate = c.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A")
    assert duplicate["MessageId"] == ids["a1"]
    first = c.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert [m["Body"] for m in first] == ["a1"]
    # Group A is blocked while a1 is in flight.
    assert [m["Body"] for m in c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["b1"]
    assert "Messages" not in c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    c.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    rest = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in rest] == ["a2", "a3"]
    assert all(m["Attributes"]["MessageGroupId"] == "A" for m in rest)
    assert int(rest[0]["Attributes"]["SequenceNumber"]) < int(rest[1]["Attributes"]["SequenceNumber"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.send_message(QueueUrl=url, MessageBody="no group")
    assert e.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_queue(QueueName="not-fifo", Attributes={"FifoQueue": "true"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_json_protocol_error_shape(server):
    """The JSON protocol's error answer: __type, message and the query-compatible header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.aws_port, timeout=30)
    conn.request("POST", "/", body=json.dumps({"QueueName": "missing"}), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.GetQueueUrl"})
    r = conn.getresponse()
    body = json.loads(r.read())
    assert r.status == 400
    assert body == {"__type": "com.amazonaws.sqs#QueueDoesNotExist",
                    "message": "The specified queue does not exist."}
    assert r.getheader("x-amzn-query-error") == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    conn.close()


def test_aws_sdk_for_javascript(server):
    script = os.path.join(SOURCE_DIR, "tests", "integration", "js", "sqs_client.mjs")
    r = subprocess.run(["node", script, endpoint(server), "js"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["url"] == out["again"] == "%s/000000000000/js-std" % endpoint(server)
    assert out["conflict"]["queueNameExists"], out["conflict"]
    assert out["conflict"]["code"] == "QueueAlreadyExists"
    assert out["listed"] == ["%s/000000000000/js-std" % endpoint(server)]
    assert out["md5OfTimestampAttribute"] == TIMESTAMP_ATTRIBUTE_MD5
    first, rich = out["received"]
    assert first["body"] == "héllo\r\n{\"json\": true} 😀"
    assert first["md5OfAttributes"] == TIMESTAMP_ATTRIBUTE_MD5
    assert first["receiveCount"] == "1"
    assert rich["md5OfAttributes"] == out["richMd5"]
    assert rich["attributes"] == {
        "text": {"type": "String", "value": "value"},
        "count": {"type": "Number.int", "value": "-12.5"},
        "blob": {"type": "Binary", "value": [0, 1, 2, 253, 254, 255]},
        "custom": {"type": "String.json", "value": "{\"a\":1}"},
        "other.one": {"type": "String", "value": "x"},
    }
    assert out["partial"]["names"] == ["other.one", "text"]
    assert out["partial"]["md5"] not in (None, out["richMd5"])
    assert out["badHandle"]["name"] == "ReceiptHandleIsInvalid"
    assert out["batch"]["successful"] == ["ok"]
    assert out["batch"]["failed"] == [
        {"id": "too-long", "code": "InvalidParameterValue", "senderFault": True},
        {"id": "delay", "code": "InvalidParameterValue", "senderFault": True}]
    assert out["duplicateIds"]["name"] == "BatchEntryIdsNotDistinct"
    assert out["empty"]["name"] == "EmptyBatchRequest"
    assert out["tooLong"]["status"] == 400 and out["tooLong"]["code"] == "InvalidParameterValue"
    assert out["fifoDuplicateSameId"] and out["fifoSequenceIncreases"]
    assert out["fifoOrder"] == ["A:a1", "A:a2", "B:b1"]
    assert out["fifoMissingGroup"]["code"] == "MissingParameter"
    assert out["fifoAttributes"]["FifoQueue"] == "true"
    assert out["fifoAttributes"]["ApproximateNumberOfMessages"] == "0"
    assert out["notFound"]["queueDoesNotExist"] and out["notFoundSend"]["queueDoesNotExist"]
    assert out["notFound"]["code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert out["badMax"]["code"] == "InvalidParameterValue"


def test_sent_messages_survive_kill_9(tmp_path, serve):
    first = start(serve, tmp_path)
    c = sqs_client(first)
    url = c.create_queue(QueueName="durable")["QueueUrl"]
    inflight = c.create_queue(QueueName="inflight", Attributes={"VisibilityTimeout": "3"})["QueueUrl"]
    sent = set()
    for batch in range(20):
        r = c.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": "m-%d-%d" % (batch, i)} for i in range(10)])
        sent.update(s["MessageId"] for s in r["Successful"])
    deleted = set()
    got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    c.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    deleted.update(m["MessageId"] for m in got)
    c.send_message(QueueUrl=inflight, MessageBody="in flight")
    [held] = c.receive_message(QueueUrl=inflight)["Messages"]
    received_at = time.monotonic()

    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    first.killed = True

    second = start(serve, tmp_path)
    c = sqs_client(second)
    attributes = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == str(len(sent - deleted))
    seen = set()
    while True:
        messages = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        seen.update(m["MessageId"] for m in messages)
    assert seen == sent - deleted

    # The in-flight message stays invisible until its visibility timeout, then comes back.
    if time.monotonic() - received_at < 2.5:
        assert "Messages" not in c.receive_message(QueueUrl=inflight)
    [back] = c.receive_message(QueueUrl=inflight, WaitTimeSeconds=20,
                               AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert back["MessageId"] == held["MessageId"]
    assert back["Attributes"]["ApproximateReceiveCount"] == "2"
    # Deleted with its latest handle, it is gone for good.
    c.delete_message(QueueUrl=inflight, ReceiptHandle=back["ReceiptHandle"])
    assert "Messages" not in c.receive_message(QueueUrl=inflight)


def test_stop_with_a_waiting_receive(server):
    """SIGTERM while a long poll waits: nimbus stops at once and cleanly."""
    c = sqs_client(server)
    url = c.create_queue(QueueName="waiting")["QueueUrl"]
    conn = http.client.HTTPConnection("127.0.0.1", server.aws_port, timeout=30)
    conn.request("POST", "/", body=json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ReceiveMessage"})
    # Give the server a moment to read it and start waiting; if it has not, the stop must still
    # be prompt and clean, so the assertions hold either way.
    time.sleep(0.3)
    began = time.monotonic()
    assert server.stop() == 0, server.output()[-3000:]
    assert time.monotonic() - began < 15
    assert "Sanitizer" not in server.output()
    conn.close()
