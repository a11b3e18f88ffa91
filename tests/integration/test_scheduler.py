"""EventBridge Scheduler: the schedule and group operations through boto3, a one-time at()
schedule reaching a function exactly once and deleting itself, a rate() schedule sending to a
queue, and no firing repeated after a kill -9 and a restart."""
import datetime
import json
import signal
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import aws_client, aws_port

SERVERLESS_YML = """
service: sch
provider:
  name: aws
  runtime: python3.11
  environment:
    SEEN_FILE: ${env:SEEN_FILE}
functions:
  rec:
    handler: app.rec
"""

APP = """
import json, os
def rec(event, context):
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    return "ok"
"""

ROLE = "arn:aws:iam::000000000000:role/scheduler-role"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:sch-dev-rec"
NO_WINDOW = {"Mode": "OFF"}


def seen_file(d):
    # Beside the project, not in it: a write inside would reload the project.
    return d.parent / (d.name + "-seen.txt")


def seen(d):
    path = seen_file(d)
    return [json.loads(l) for l in path.read_text().splitlines()] if path.exists() else []


def start(serve, d):
    return serve(d, env={"SEEN_FILE": str(seen_file(d))})


def wait_until(condition, timeout=30, what="condition"):
    """Polls an observable result, bounded by a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "%s not reached in %s s" % (what, timeout)
        time.sleep(0.05)


def scheduler(port):
    """A boto3 scheduler client. Debian's botocore predates ActionAfterCompletion, so a request
    that names it gets the member added to its body before it is signed."""
    c = aws_client("scheduler", port)
    extra = {}

    def add_members(request, **_):
        if extra:
            body = json.loads(request.data or b"{}")
            body.update(extra)
            request.data = json.dumps(body).encode()
            extra.clear()

    c.meta.events.register("before-sign.scheduler.*", add_members)
    c.extra = extra
    return c


def error_code(e):
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_schedules_and_groups_through_boto3(project, serve):
    n = start(serve, project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    c = scheduler(aws_port(n))
    arn = c.create_schedule_group(Name="reports", Tags=[{"Key": "team", "Value": "a"}])
    assert arn["ScheduleGroupArn"] == "arn:aws:scheduler:us-east-1:000000000000:schedule-group/reports"
    with pytest.raises(ClientError) as e:
        c.create_schedule_group(Name="reports")
    assert error_code(e)[0] == "ConflictException"
    assert {g["Name"] for g in c.list_schedule_groups()["ScheduleGroups"]} == {"default", "reports"}
    assert c.get_schedule_group(Name="reports")["State"] == "ACTIVE"

    created = c.create_schedule(
        Name="nightly", GroupName="reports", ScheduleExpression="cron(0 2 ? * MON-FRI *)",
        ScheduleExpressionTimezone="Europe/Berlin", FlexibleTimeWindow={"Mode": "FLEXIBLE",
                                                                       "MaximumWindowInMinutes": 10},
        State="DISABLED", Description="the nightly report",
        Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE, "Input": '{"kind": "nightly"}'})
    assert created["ScheduleArn"] == \
        "arn:aws:scheduler:us-east-1:000000000000:schedule/reports/nightly"
    got = c.get_schedule(Name="nightly", GroupName="reports")
    assert got["ScheduleExpression"] == "cron(0 2 ? * MON-FRI *)"
    assert got["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10}
    assert got["State"] == "DISABLED"
    assert got["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400,
                                            "MaximumRetryAttempts": 185}
    assert isinstance(got["CreationDate"], datetime.datetime)

    c.create_schedule(Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=NO_WINDOW,
                      State="DISABLED", Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    names = [s["Name"] for s in c.list_schedules()["Schedules"]]
    assert sorted(names) == ["hourly", "nightly"]
    assert [s["Name"] for s in c.list_schedules(GroupName="reports")["Schedules"]] == ["nightly"]
    assert [s["Name"] for s in c.list_schedules(NamePrefix="hour")["Schedules"]] == ["hourly"]
    first = c.list_schedules(MaxResults=1)
    second = c.list_schedules(MaxResults=1, NextToken=first["NextToken"])
    assert {first["Schedules"][0]["Name"], second["Schedules"][0]["Name"]} == {"hourly", "nightly"}

    c.update_schedule(Name="hourly", ScheduleExpression="rate(2 hours)",
                      FlexibleTimeWindow=NO_WINDOW, State="DISABLED",
                      Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    assert c.get_schedule(Name="hourly")["ScheduleExpression"] == "rate(2 hours)"

    with pytest.raises(ClientError) as e:
        c.create_schedule(Name="hourly", ScheduleExpression="rate(1 hour)",
                          FlexibleTimeWindow=NO_WINDOW, Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    assert error_code(e)[0] == "ConflictException"
    with pytest.raises(ClientError) as e:
        c.create_schedule(Name="bad", ScheduleExpression="cron(0 0 * * * *)",
                          FlexibleTimeWindow=NO_WINDOW, Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    assert error_code(e) == ("ValidationException", "Invalid Schedule Expression cron(0 0 * * * *)")
    with pytest.raises(ClientError) as e:
        c.create_schedule(Name="bad", ScheduleExpression="rate(1 minutes)",
                          FlexibleTimeWindow=NO_WINDOW, Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    assert error_code(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        c.get_schedule(Name="missing")
    assert error_code(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        c.create_schedule(Name="x", GroupName="nogroup", ScheduleExpression="rate(1 hour)",
                          FlexibleTimeWindow=NO_WINDOW, Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE})
    assert error_code(e)[0] == "ResourceNotFoundException"

    c.delete_schedule(Name="hourly")
    with pytest.raises(ClientError) as e:
        c.delete_schedule(Name="hourly")
    assert error_code(e)[0] == "ResourceNotFoundException"
    # Deleting a group deletes its schedules.
    c.delete_schedule_group(Name="reports")
    assert c.list_schedules()["Schedules"] == []
    with pytest.raises(ClientError) as e:
        c.delete_schedule_group(Name="default")
    assert error_code(e)[0] == "ValidationException"


def test_one_time_schedule_reaches_the_function_once_then_is_deleted(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    n = start(serve, d)
    c = scheduler(aws_port(n))
    at = (datetime.datetime.utcnow() + datetime.timedelta(seconds=3)).replace(microsecond=0)
    c.extra["ActionAfterCompletion"] = "DELETE"
    c.create_schedule(
        Name="once", ScheduleExpression="at(%s)" % at.strftime("%Y-%m-%dT%H:%M:%S"),
        FlexibleTimeWindow=NO_WINDOW,
        Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE,
                "Input": '{"id": "once", "at": "<aws.scheduler.scheduled-time>"}'})
    wait_until(lambda: any(e.get("id") == "once" for e in seen(d)), what="the firing")

    def deleted():
        try:
            c.get_schedule(Name="once")
            return False
        except ClientError as e:
            return e.response["Error"]["Code"] == "ResourceNotFoundException"
    wait_until(deleted, what="the deletion after completion")
    # A synchronous invocation after it: the file then holds everything the schedule sent.
    lam = aws_client("lambda", aws_port(n))
    lam.invoke(FunctionName="sch-dev-rec", Payload=json.dumps({"id": "marker"}))
    events = [e for e in seen(d) if e.get("id") == "once"]
    assert events == [{"id": "once", "at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}]


def test_rate_schedule_sends_to_a_queue_and_a_restart_does_not_repeat_it(project, serve):
    d = project({"serverless.yml": SERVERLESS_YML, "app.py": APP})
    first = start(serve, d)
    port = aws_port(first)
    sqs = aws_client("sqs", port)
    queue_url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    c = scheduler(port)
    c.create_schedule(Name="tick", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=NO_WINDOW,
                      Target={"Arn": queue_arn, "RoleArn": ROLE,
                              "Input": "tick <aws.scheduler.scheduled-time>"})
    bodies = []

    def receive():
        r = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        return bodies

    # A rate schedule without a StartDate fires at once, then every minute.
    wait_until(lambda: len(receive()) >= 1, what="the first firing")
    assert bodies[0].startswith("tick ")
    # nimbus info lists the schedule with its next firing.
    with urllib.request.urlopen("http://127.0.0.1:%d/_nimbus/info" % port) as r:
        info = json.loads(r.read())
    listed = [x for x in info["resources"] if x["kind"] == "schedule"]
    assert [x["name"] for x in listed] == [
        "arn:aws:scheduler:us-east-1:000000000000:schedule/default/tick"]
    assert listed[0]["detail"].startswith("next firing ")

    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    first.killed = True
    second = start(serve, d)  # Same folder, same data dir.
    sqs = aws_client("sqs", aws_port(second))
    queue_url = sqs.get_queue_url(QueueName="ticks")["QueueUrl"]
    # The next firing comes a minute after the first; the first is not sent again before it.
    wait_until(lambda: len(receive()) >= 2, timeout=90, what="the second firing")
    assert len(bodies) == 2 and bodies[0] != bodies[1], bodies
    first_time = datetime.datetime.strptime(bodies[0][5:], "%Y-%m-%dT%H:%M:%SZ")
    second_time = datetime.datetime.strptime(bodies[1][5:], "%Y-%m-%dT%H:%M:%SZ")
    assert second_time - first_time == datetime.timedelta(minutes=1)
