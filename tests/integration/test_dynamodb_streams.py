"""DynamoDB Streams feeding functions: a serverless.yml table with a StreamSpecification and two
functions, one Python and one Node.js, each with a `stream` event, see the table's INSERT, MODIFY
and REMOVE records in order with their images; a record the Python function reports as failed
(ReportBatchItemFailures) comes back to it; the AWS CLI's `dynamodbstreams get-records` sees the
same records; and a restart resumes after the last record processed. Mappings made through the
Lambda API take a stream ARN, with LATEST, FilterCriteria and an OnFailure queue."""
import datetime
import json
import os
import re
import subprocess
import time

import pytest

from conftest import CREDENTIALS, ROLE, aws_client, aws_port, lambda_client, python_package

SERVERLESS_YML = """
service: streams
provider:
  name: aws
  environment:
    MARKERS: {markers}
functions:
  pyrecorder:
    runtime: python3.12
    handler: recorder.handler
    events:
      - stream:
          type: dynamodb
          arn: !GetAtt Items.StreamArn
          batchSize: 10
          functionResponseType: ReportBatchItemFailures
  noderecorder:
    runtime: nodejs20.x
    handler: recorder.handler
    events:
      - stream: !GetAtt Items.StreamArn
resources:
  Resources:
    Items:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: items
        AttributeDefinitions:
          - {{ AttributeName: id, AttributeType: S }}
        KeySchema:
          - {{ AttributeName: id, KeyType: HASH }}
        BillingMode: PAY_PER_REQUEST
        StreamSpecification:
          StreamViewType: NEW_AND_OLD_IMAGES
"""

# Records what it gets, one log line per record. An item with `poison` fails the first time it is
# seen (a marker file remembers it), and the function stops there, as partial-batch handlers do.
PYTHON_RECORDER = """
import json, os

def handler(event, context):
    for record in event["Records"]:
        d = record["dynamodb"]
        seq = d["SequenceNumber"]
        if "poison" in d.get("NewImage", {}):
            marker = os.path.join(os.environ["MARKERS"], seq)
            if not os.path.exists(marker):
                open(marker, "w").close()
                print("FAIL", seq)
                return {"batchItemFailures": [{"itemIdentifier": seq}]}
        print("RECORD", json.dumps({"seq": seq, "event": record["eventName"], "keys": d["Keys"],
                                    "new": d.get("NewImage"), "old": d.get("OldImage"),
                                    "arn": record["eventSourceARN"]}))
    return {"batchItemFailures": []}
"""

NODE_RECORDER = """
exports.handler = async (event) => {
  for (const record of event.Records) {
    const d = record.dynamodb;
    console.log('RECORD ' + JSON.stringify({seq: d.SequenceNumber, event: record.eventName,
      keys: d.Keys, new: d.NewImage || null, old: d.OldImage || null, arn: record.eventSourceARN}));
  }
};
"""


def records(n, function, start=0):
    """The records a function logged (in order), from output line `start` on."""
    out = []
    with n.cond:
        lines = [l for l in n.lines[start:] if l is not None]
    for line in lines:
        if not line.startswith("[%s]" % function):
            continue
        m = re.search(r"RECORD (\{.*\})\s*$", line)
        if m:
            out.append(json.loads(m.group(1)))
    return out


def wait_for_records(n, function, count, start=0, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        got = records(n, function, start)
        if len(got) >= count:
            return got
        assert time.monotonic() < deadline, "%s logged %d of %d records:\n%s" % (
            function, len(got), count, n.output()[-4000:])
        with n.cond:
            n.cond.wait(0.5)


def cli(port, *args):
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % port,
                        "--output", "json", "dynamodbstreams", *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def wait_for_mappings(port, function):
    """The function's event source mappings, once serverless.yml's resources are in place."""
    lam = lambda_client(port)
    deadline = time.monotonic() + 30
    while True:
        mappings = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
        if mappings:
            return mappings
        assert time.monotonic() < deadline, "no event source mapping for %s" % function
        time.sleep(0.1)


def test_a_table_stream_feeds_python_and_node_functions_in_order(project, serve, scratch):
    d = project({"serverless.yml": SERVERLESS_YML.format(markers=scratch),
                 "recorder.py": PYTHON_RECORDER, "recorder.js": NODE_RECORDER})
    n = serve(d)
    port = aws_port(n)
    [py_mapping] = wait_for_mappings(port, "streams-dev-pyrecorder")
    [node_mapping] = wait_for_mappings(port, "streams-dev-noderecorder")
    assert py_mapping["StartingPosition"] == "TRIM_HORIZON"
    assert py_mapping["BatchSize"] == 10
    assert py_mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert py_mapping["EventSourceArn"].startswith("arn:aws:dynamodb:us-east-1:000000000000:table/items/stream/")
    assert node_mapping["State"] == "Enabled"

    db = aws_client("dynamodb", port)
    db.put_item(TableName="items", Item={"id": {"S": "a"}, "v": {"N": "1"}})
    db.update_item(TableName="items", Key={"id": {"S": "a"}}, UpdateExpression="SET v = :v",
                   ExpressionAttributeValues={":v": {"N": "2"}})
    db.delete_item(TableName="items", Key={"id": {"S": "a"}})
    db.put_item(TableName="items", Item={"id": {"S": "b"}, "poison": {"BOOL": True}})
    db.put_item(TableName="items", Item={"id": {"S": "c"}})

    expected = [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a"), ("INSERT", "b"), ("INSERT", "c")]
    for function in ("pyrecorder", "noderecorder"):
        got = wait_for_records(n, function, len(expected))
        assert [(r["event"], r["keys"]["id"]["S"]) for r in got] == expected, (function, got)
        seqs = [r["seq"] for r in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert got[0]["new"] == {"id": {"S": "a"}, "v": {"N": "1"}} and got[0]["old"] is None
        assert got[1]["old"]["v"] == {"N": "1"} and got[1]["new"]["v"] == {"N": "2"}
        assert got[2]["old"]["v"] == {"N": "2"} and got[2]["new"] is None
        assert got[3]["new"]["poison"] == {"BOOL": True}
    py = records(n, "pyrecorder")
    # The poison record failed once and came back; nothing after it was skipped.
    failures = re.findall(r"\[pyrecorder\].*FAIL (\d+)", n.output())
    assert failures == [py[3]["seq"]]
    assert os.listdir(scratch) == [py[3]["seq"]]

    # Each batch's IteratorAge (the age of its last record) is in AWS/Lambda.
    now = datetime.datetime.now(datetime.timezone.utc)
    ages = aws_client("cloudwatch", port).get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="IteratorAge",
        Dimensions=[{"Name": "FunctionName", "Value": "streams-dev-pyrecorder"}],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=2),
        Period=60, Statistics=["SampleCount", "Maximum"])["Datapoints"]
    assert sum(p["SampleCount"] for p in ages) >= 2 and all(p["Maximum"] >= 0 for p in ages)

    # The AWS CLI reads the same stream through the DynamoDB Streams API.
    [stream] = cli(port, "list-streams", "--table-name", "items")["Streams"]
    assert stream["TableName"] == "items"
    assert all(r["arn"] == stream["StreamArn"] for r in py)
    description = cli(port, "describe-stream", "--stream-arn", stream["StreamArn"])["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    [shard] = description["Shards"]
    iterator = cli(port, "get-shard-iterator", "--stream-arn", stream["StreamArn"], "--shard-id",
                   shard["ShardId"], "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    read = cli(port, "get-records", "--shard-iterator", iterator)
    assert [(r["eventName"], r["dynamodb"]["SequenceNumber"]) for r in read["Records"]] == [
        (r["event"], r["seq"]) for r in py]
    assert "eventSourceARN" not in read["Records"][0]
    assert read["NextShardIterator"]

    # The mappings report their last batch.
    lam = lambda_client(port)
    deadline = time.monotonic() + 30
    while lam.get_event_source_mapping(UUID=py_mapping["UUID"])["LastProcessingResult"] != "OK":
        assert time.monotonic() < deadline
        time.sleep(0.1)

    # After a restart the functions get only what is new: positions are kept in the store.
    assert n.stop() == 0
    n = serve(d)
    port = aws_port(n)
    wait_for_mappings(port, "streams-dev-pyrecorder")
    aws_client("dynamodb", port).put_item(TableName="items", Item={"id": {"S": "d"}})
    for function in ("pyrecorder", "noderecorder"):
        got = wait_for_records(n, function, 1)
        assert [(r["event"], r["keys"]["id"]["S"]) for r in got] == [("INSERT", "d")], got
        assert got[0]["seq"] > py[-1]["seq"]


FAILING = """
def handler(event, context):
    raise RuntimeError("cannot")
"""

PRINTER = """
def handler(event, context):
    for r in event["Records"]:
        print("GOT", r["eventName"], r["dynamodb"]["Keys"]["id"]["S"])
"""


@pytest.fixture
def server(tmp_path, serve):
    n = serve(tmp_path)  # No project: everything is made through the APIs.
    n.aws_port = aws_port(n)
    return n


def test_lambda_api_mappings_on_a_stream(server):
    db, lam, sqs = (aws_client(s, server.aws_port) for s in ("dynamodb", "lambda", "sqs"))
    table = db.create_table(
        TableName="orders", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream_arn = table["TableDescription"]["LatestStreamArn"]
    db.put_item(TableName="orders", Item={"id": {"S": "before"}})
    for name, code in (("printer", PRINTER), ("failing", FAILING)):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                            Handler="main.handler", Code={"ZipFile": python_package(code)})

    # Lambda's refusals.
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="printer")
    assert "Value null at 'startingPosition'" in str(e.value)
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(EventSourceArn=stream_arn + "x", FunctionName="printer",
                                        StartingPosition="LATEST")
    assert "Stream not found" in str(e.value)
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="printer", StartingPosition="LATEST",
            FilterCriteria={"Filters": [{"Pattern": "{\"eventName\": \"INSERT\"}"}]})
    assert "Invalid filter pattern definition." in str(e.value)

    # LATEST skips what was there; the filter lets only INSERTs through.
    printer = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="printer", StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    assert printer["BatchSize"] == 100
    assert printer["MaximumRetryAttempts"] == -1
    assert printer["FilterCriteria"]["Filters"][0]["Pattern"] == json.dumps({"eventName": ["INSERT"]})
    deadline = time.monotonic() + 30
    while lam.get_event_source_mapping(UUID=printer["UUID"])["State"] != "Enabled":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    mark = server.mark()
    db.put_item(TableName="orders", Item={"id": {"S": "x"}, "n": {"N": "1"}})
    db.put_item(TableName="orders", Item={"id": {"S": "x"}, "n": {"N": "2"}})  # MODIFY: filtered.
    db.put_item(TableName="orders", Item={"id": {"S": "y"}})
    server.wait_for(r"\[printer\] GOT INSERT y", timeout=60, start=mark)
    got = re.findall(r"\[printer\] GOT (\w+) (\w+)", "\n".join(server.lines[mark:]))
    assert got == [("INSERT", "x"), ("INSERT", "y")]
    assert "GOT INSERT before" not in server.output()

    # A batch that keeps failing goes to the OnFailure queue after its retries.
    queue = sqs.create_queue(QueueName="stream-failures")["QueueUrl"]
    failing = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="failing", StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1, BisectBatchOnFunctionError=False,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:stream-failures"}})
    assert failing["DestinationConfig"]["OnFailure"]["Destination"].endswith(":stream-failures")
    message = None
    deadline = time.monotonic() + 60
    while message is None:
        assert time.monotonic() < deadline, server.output()[-4000:]
        r = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)
        message = (r.get("Messages") or [None])[0]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:failing"
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["streamArn"] == stream_arn
    assert info["batchSize"] == 4
    assert info["shardId"].startswith("shardId-")
    assert lam.get_event_source_mapping(UUID=failing["UUID"])["LastProcessingResult"].startswith("PROBLEM")

    lam.delete_event_source_mapping(UUID=failing["UUID"])
    lam.delete_event_source_mapping(UUID=printer["UUID"])
    assert lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"] == []
