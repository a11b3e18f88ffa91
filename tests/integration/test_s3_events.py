"""S3 events: serverless.yml's `s3` events and AWS::S3::Bucket resources, notifications configured
through the API to a queue and a topic, the event record's shape, and objects across a kill -9."""
import hashlib
import json
import os
import signal
import socket
import time

import pytest

from conftest import Nimbus, aws_client, aws_port

SERVERLESS_YML = """
service: s3events
provider:
  name: aws
  runtime: python3.11
  environment:
    EVENTS_FILE: {events}
functions:
  thumbnail:
    handler: app.thumbnail
    events:
      - s3:
          bucket: photos-in
          event: s3:ObjectCreated:*
          rules:
            - prefix: uploads/
            - suffix: .jpg
  cleanup:
    handler: app.cleanup
    events:
      - s3:
          bucket: ${{self:custom.archive}}
          event: s3:ObjectRemoved:*
custom:
  archive: archive-bucket
resources:
  Resources:
    Archive:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: ${{self:custom.archive}}
        VersioningConfiguration:
          Status: Enabled
    Assets:
      Type: AWS::S3::Bucket
      Properties:
        CorsConfiguration:
          CorsRules:
            - AllowedOrigins: ['*']
              AllowedMethods: [GET]
  Outputs:
    AssetsBucket:
      Value: !Ref Assets
    PhotosArn:
      Value: !GetAtt S3BucketPhotosin.Arn
"""

APP = """
import json, os
def record(kind, event):
    with open(os.environ["EVENTS_FILE"], "a") as f:
        f.write(json.dumps({"kind": kind, "event": event}) + "\\n")
def thumbnail(event, context):
    record("thumbnail", event)
def cleanup(event, context):
    record("cleanup", event)
"""


def read_events(path, count, timeout=30):
    """Polls the events file until it holds `count` lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                lines = [json.loads(l) for l in f if l.strip()]
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    raise AssertionError("expected %d events in %s" % (count, path))


def test_s3_events_of_serverless_yml_reach_functions_with_filters(project, serve, scratch):
    events = scratch / "events.jsonl"
    n = serve(project({"serverless.yml": SERVERLESS_YML.format(events=events), "app.py": APP}))
    n.wait_for(r"resources ready: .*3 buckets")
    s3 = aws_client("s3", aws_port(n))
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "photos-in" in names and "archive-bucket" in names
    assert any(name == "s3events-dev-assets" for name in names)
    assert s3.get_bucket_versioning(Bucket="archive-bucket")["Status"] == "Enabled"

    s3.put_object(Bucket="photos-in", Key="uploads/skip.png", Body=b"png")   # Wrong suffix.
    s3.put_object(Bucket="photos-in", Key="other/skip.jpg", Body=b"jpg")     # Wrong prefix.
    s3.put_object(Bucket="photos-in", Key="uploads/red flower.jpg", Body=b"jpeg!")
    got = read_events(str(events), 1)
    assert len(got) == 1 and got[0]["kind"] == "thumbnail"
    record = got[0]["event"]["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1" and record["eventVersion"] == "2.1"
    assert record["s3"]["bucket"]["name"] == "photos-in"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos-in"
    assert record["s3"]["object"]["key"] == "uploads/red+flower.jpg"
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == hashlib.md5(b"jpeg!").hexdigest()

    s3.put_object(Bucket="archive-bucket", Key="old.log", Body=b"log")
    s3.delete_object(Bucket="archive-bucket", Key="old.log")
    got = read_events(str(events), 2)
    removed = got[1]["event"]["Records"][0]
    assert got[1]["kind"] == "cleanup"
    assert removed["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert removed["s3"]["object"]["versionId"]


def test_notifications_to_a_queue_and_a_topic(project, serve):
    n = serve(project({"serverless.yml": "service: s3notify\nprovider:\n  name: aws\n"}))
    port = aws_port(n)
    s3, sqs, sns = aws_client("s3", port), aws_client("sqs", port), aws_client("sns", port)
    direct = sqs.create_queue(QueueName="direct")["QueueUrl"]
    via_topic = sqs.create_queue(QueueName="via-topic")["QueueUrl"]
    arn = lambda url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn(via_topic),
                  Attributes={"RawMessageDelivery": "true"})
    s3.create_bucket(Bucket="notified")
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        s3.put_bucket_notification_configuration(Bucket="notified", NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:nope",
                                     "Events": ["s3:ObjectCreated:*"]}]})
    assert missing.value.response["Error"]["Code"] == "InvalidArgument"
    s3.put_bucket_notification_configuration(Bucket="notified", NotificationConfiguration={
        "QueueConfigurations": [{"Id": "csv", "QueueArn": arn(direct), "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}],
        "TopicConfigurations": [{"Id": "all-removed", "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}]})
    config = s3.get_bucket_notification_configuration(Bucket="notified")
    assert config["QueueConfigurations"][0]["Id"] == "csv"
    assert config["TopicConfigurations"][0]["Events"] == ["s3:ObjectRemoved:*"]

    s3.put_object(Bucket="notified", Key="report.txt", Body=b"no")
    s3.put_object(Bucket="notified", Key="report.csv", Body=b"a,b")
    s3.delete_object(Bucket="notified", Key="report.txt")

    def receive(url):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
            if got:
                return json.loads(got[0]["Body"])
        raise AssertionError("nothing arrived on " + url)
    created = receive(direct)["Records"][0]
    assert created["eventName"] == "ObjectCreated:Put" and created["s3"]["object"]["key"] == "report.csv"
    assert created["s3"]["configurationId"] == "csv"
    removed = receive(via_topic)["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete" and removed["s3"]["object"]["key"] == "report.txt"


def test_objects_survive_kill_and_partial_uploads_leave_nothing(project, tmp_path):
    folder = project({"serverless.yml": "service: s3kill\nprovider:\n  name: aws\n"})
    first = Nimbus(str(folder))
    try:
        port = aws_port(first)
        s3 = aws_client("s3", port)
        s3.create_bucket(Bucket="durable")
        s3.put_object(Bucket="durable", Key="kept", Body=b"acknowledged" * 100000)
        # An upload that never finishes: the header and half the body, then kill -9.
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"PUT /durable/partial HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000000\r\n\r\n" +
                     b"x" * 2000000)
        # The partial body has reached the server once it sits in the spool folder.
        incoming = folder / ".nimbus" / "s3" / "incoming"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(incoming.iterdir()):
            time.sleep(0.02)
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    sock.close()
    second = Nimbus(str(folder))
    try:
        s3 = aws_client("s3", aws_port(second))
        assert s3.get_object(Bucket="durable", Key="kept")["Body"].read() == b"acknowledged" * 100000
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="durable")["Contents"]] == ["kept"]
        assert not any(incoming.iterdir())
        assert len(list((folder / ".nimbus" / "s3" / "objects").iterdir())) == 1
    finally:
        assert second.stop() == 0


EVENTBRIDGE_YML = """
service: s3bridge
provider:
  name: aws
  runtime: python3.11
  environment:
    EVENTS_FILE: {events}
functions:
  onUpload:
    handler: app.thumbnail
    events:
      - eventBridge:
          pattern:
            source: [aws.s3]
            detail-type: [Object Created, Object Deleted]
            detail:
              bucket:
                name: [bridged]
resources:
  Resources:
    Bridged:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: bridged
        NotificationConfiguration:
          EventBridgeConfiguration:
            EventBridgeEnabled: true
"""


def test_bucket_with_eventbridge_configuration_puts_object_events_on_the_default_bus(
        project, serve, scratch):
    events = scratch / "events.jsonl"
    n = serve(project({"serverless.yml": EVENTBRIDGE_YML.format(events=events), "app.py": APP}))
    n.wait_for(r"resources ready: .*1 bucket")
    port = aws_port(n)
    s3, sqs, eb = aws_client("s3", port), aws_client("sqs", port), aws_client("events", port)
    config = s3.get_bucket_notification_configuration(Bucket="bridged")
    assert "EventBridgeConfiguration" in config

    s3.put_object(Bucket="bridged", Key="in/red flower.jpg", Body=b"jpeg!")
    got = read_events(str(events), 1)
    event = got[0]["event"]
    assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
    assert event["resources"] == ["arn:aws:s3:::bridged"] and event["version"] == "0"
    detail = event["detail"]
    assert detail["bucket"] == {"name": "bridged"} and detail["reason"] == "PutObject"
    assert detail["object"]["key"] == "in/red+flower.jpg" and detail["object"]["size"] == 5
    assert detail["object"]["etag"] == hashlib.md5(b"jpeg!").hexdigest()
    assert "version-id" not in detail["object"] and detail["request-id"]

    s3.delete_object(Bucket="bridged", Key="in/red flower.jpg")
    deleted = read_events(str(events), 2)[1]["event"]
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["deletion-type"] == "Permanently Deleted"
    assert deleted["detail"]["reason"] == "DeleteObject" and "size" not in deleted["detail"]["object"]

    # Turned on through the API, a bucket's events reach a rule's queue; a bucket without it
    # sends nothing.
    queue = sqs.create_queue(QueueName="s3-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    eb.put_rule(Name="copies", EventPattern=json.dumps(
        {"source": ["aws.s3"], "detail": {"reason": ["CopyObject"]}}))
    eb.put_targets(Rule="copies", Targets=[{"Id": "q", "Arn": queue_arn}])
    s3.create_bucket(Bucket="quiet")
    s3.create_bucket(Bucket="loud")
    s3.put_bucket_notification_configuration(
        Bucket="loud", NotificationConfiguration={"EventBridgeConfiguration": {}})
    s3.put_object(Bucket="quiet", Key="a", Body=b"a")
    s3.copy_object(Bucket="quiet", Key="b", CopySource="quiet/a")
    s3.copy_object(Bucket="loud", Key="c", CopySource="quiet/a")
    deadline = time.monotonic() + 30
    bodies = []
    while time.monotonic() < deadline and not bodies:
        bodies = [json.loads(m["Body"]) for m in
                  sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2).get("Messages", [])]
    assert [b["detail"]["bucket"]["name"] for b in bodies] == ["loud"]
    assert bodies[0]["detail"]["object"]["key"] == "c"
