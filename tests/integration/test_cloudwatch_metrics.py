"""CloudWatch metrics on the AWS endpoint: AWS/Lambda and AWS/ApiGateway metrics after known work,
an Embedded Metric Format line becoming a metric, custom metrics put with the AWS CLI and read
with boto3 and the AWS SDK for JavaScript v3 (metric math included), ListMetrics, and the errors
CloudWatch gives."""
import datetime
import json
import os
import subprocess
import time

import botocore.exceptions
import pytest

from conftest import CREDENTIALS, aws_client, aws_port, poll

SERVERLESS_YML = """
service: metrit
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
  emf:
    handler: app.emf
"""

APP = """
import json, time
def ok(event, context):
    return {"statusCode": 200, "body": "fine"}

def boom(event, context):
    raise RuntimeError("no")

def emf(event, context):
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "shop", "Dimensions": [["service"]],
         "Metrics": [{"Name": "orders", "Unit": "Count"}]}]},
        "service": "cart", "orders": 2}))
    return "ok"
"""

JS_DIR = os.path.join(os.path.dirname(__file__), "js")


def window():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(minutes=10), now + datetime.timedelta(minutes=2)


def total(cw, namespace, name, dimensions, statistic="Sum"):
    start, end = window()
    points = cw.get_metric_statistics(Namespace=namespace, MetricName=name, Dimensions=dimensions,
                                      StartTime=start, EndTime=end, Period=60,
                                      Statistics=[statistic])["Datapoints"]
    return sum(p[statistic] for p in points)


@pytest.fixture
def server(project, serve):
    n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    n.aws_port = aws_port(n)
    return n


def test_lambda_and_gateway_metrics_after_known_work(server):
    for _ in range(3):
        assert server.request("GET", "/ok")[0] == 200
    lam = aws_client("lambda", server.aws_port)
    r = lam.invoke(FunctionName="metrit-dev-boom", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"
    cw = aws_client("cloudwatch", server.aws_port)
    ok = [{"Name": "FunctionName", "Value": "metrit-dev-ok"}]
    boom = [{"Name": "FunctionName", "Value": "metrit-dev-boom"}]
    poll("3 invocations of ok", lambda: total(cw, "AWS/Lambda", "Invocations", ok) == 3)
    assert total(cw, "AWS/Lambda", "Errors", ok) == 0
    poll("1 error of boom", lambda: total(cw, "AWS/Lambda", "Errors", boom) == 1)
    assert total(cw, "AWS/Lambda", "Invocations", []) == 4  # Across all functions.
    assert total(cw, "AWS/Lambda", "Duration", ok, "Maximum") > 0
    metrics = cw.list_metrics(Namespace="AWS/Lambda", MetricName="Invocations")["Metrics"]
    assert {"Name": "FunctionName", "Value": "metrit-dev-ok"} in [d for m in metrics
                                                                 for d in m["Dimensions"]]
    apis = cw.list_metrics(Namespace="AWS/ApiGateway", MetricName="Count")["Metrics"]
    api = [d for m in apis for d in m["Dimensions"] if d["Name"] == "ApiId"][0]
    assert total(cw, "AWS/ApiGateway", "Count", [api]) == 3
    assert total(cw, "AWS/ApiGateway", "IntegrationLatency", [api], "SampleCount") == 3


def test_embedded_metric_format_becomes_a_metric(server):
    lam = aws_client("lambda", server.aws_port)
    lam.invoke(FunctionName="metrit-dev-emf", Payload=b"{}")
    lam.invoke(FunctionName="metrit-dev-emf", Payload=b"{}")
    cw = aws_client("cloudwatch", server.aws_port)
    poll("the EMF metric", lambda: total(cw, "shop", "orders",
                                         [{"Name": "service", "Value": "cart"}]) == 4)


def test_custom_metrics_through_the_cli_boto3_and_the_javascript_sdk(server):
    now = int(time.time())
    env = {**os.environ, **CREDENTIALS}
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % server.aws_port,
                        "cloudwatch", "put-metric-data", "--namespace", "app", "--metric-data",
                        json.dumps([{"MetricName": "latency", "Value": v, "Unit": "Milliseconds",
                                     "Timestamp": now, "Dimensions": [{"Name": "route",
                                                                        "Value": "/buy"}]}
                                    for v in (10, 20, 30)])],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    cw = aws_client("cloudwatch", server.aws_port)
    dims = [{"Name": "route", "Value": "/buy"}]
    assert total(cw, "app", "latency", dims, "Average") == 20
    script = """
const { CloudWatchClient, GetMetricDataCommand } = require("@aws-sdk/client-cloudwatch");
const cw = new CloudWatchClient({ endpoint: process.argv[process.argv.length - 1], region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
const now = Date.now();
cw.send(new GetMetricDataCommand({
  StartTime: new Date(now - 600000), EndTime: new Date(now + 120000),
  MetricDataQueries: [
    { Id: "m1", ReturnData: false, MetricStat: { Metric: { Namespace: "app", MetricName: "latency",
      Dimensions: [{ Name: "route", Value: "/buy" }] }, Period: 60, Stat: "Sum" } },
    { Id: "doubled", Expression: "m1 * 2" },
  ],
})).then((r) => console.log(JSON.stringify(r.MetricDataResults)),
         (e) => { console.error(e.name + ": " + e.message); process.exit(1); });
"""
    r = subprocess.run(["node", "-e", script, "http://127.0.0.1:%d" % server.aws_port],
                       capture_output=True, text=True, cwd=JS_DIR, timeout=60)
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)
    assert [x["Id"] for x in results] == ["doubled"]
    assert sum(results[0]["Values"]) == 120 and results[0]["StatusCode"] == "Complete"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{"MetricName": "x", "Value": 1}])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_alarm_goes_to_alarm_and_notifies_a_queue_through_sns(server):
    sns = aws_client("sns", server.aws_port)
    sqs = aws_client("sqs", server.aws_port)
    cw = aws_client("cloudwatch", server.aws_port)
    topic = sns.create_topic(Name="ops")["TopicArn"]
    queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    cw.put_metric_alarm(AlarmName="too-slow", Namespace="app", MetricName="wait",
                        Dimensions=[{"Name": "queue", "Value": "jobs"}], Statistic="Maximum",
                        Period=10, EvaluationPeriods=1, Threshold=5,
                        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
                        AlarmActions=[topic], AlarmDescription="jobs wait too long")
    alarm = cw.describe_alarms(AlarmNames=["too-slow"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"
    assert alarm["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:000000000000:alarm:too-slow"
    cw.put_metric_data(Namespace="app", MetricData=[{
        "MetricName": "wait", "Value": 9, "StorageResolution": 1,
        "Dimensions": [{"Name": "queue", "Value": "jobs"}]}])

    def notified():
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5).get("Messages", [])
        return got and json.loads(got[0]["Body"])
    envelope = poll("the alarm's notification", notified, timeout=45)
    assert envelope["Subject"] == 'ALARM: "too-slow" in US East (N. Virginia)'
    message = json.loads(envelope["Message"])
    assert message["NewStateValue"] == "ALARM" and message["AlarmName"] == "too-slow"
    assert message["OldStateValue"] in ("INSUFFICIENT_DATA", "OK")
    assert message["Trigger"]["MetricName"] == "wait" and message["Trigger"]["Threshold"] == 5
    assert message["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [9.0")
    alarm = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"][0]
    assert alarm["AlarmName"] == "too-slow"
    # The notification's way shows in the services' own metrics.
    assert total(cw, "AWS/SNS", "NumberOfMessagesPublished",
                 [{"Name": "TopicName", "Value": "ops"}]) >= 1
    assert total(cw, "AWS/SNS", "NumberOfNotificationsDelivered",
                 [{"Name": "TopicName", "Value": "ops"}]) >= 1
    assert total(cw, "AWS/SQS", "NumberOfMessagesSent",
                 [{"Name": "QueueName", "Value": "pager"}]) >= 1
    assert total(cw, "AWS/SQS", "NumberOfMessagesReceived",
                 [{"Name": "QueueName", "Value": "pager"}]) >= 1
    history = cw.describe_alarm_history(AlarmName="too-slow", HistoryItemType="StateUpdate")
    assert any("to ALARM" in h["HistorySummary"] for h in history["AlarmHistoryItems"])

    cw.set_alarm_state(AlarmName="too-slow", StateValue="OK", StateReason="checked by hand")
    assert cw.describe_alarms(AlarmNames=["too-slow"])["MetricAlarms"][0]["StateValue"] == "OK"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"
    cw.delete_alarms(AlarmNames=["too-slow"])
    assert cw.describe_alarms()["MetricAlarms"] == []
