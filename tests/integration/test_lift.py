"""A project built with serverless-lift constructs: a `queue` construct (its queue, dead-letter
queue and Node.js worker) and a `database/dynamodb-single-table` construct the worker writes to,
found through `${construct:...}` variables; a `storage` construct's versioned bucket. Messages go in with boto3 to the URL a function's environment got from
`${construct:jobs.queueUrl}`; one that keeps failing ends in the dead-letter queue after
maxRetries receives."""
import json
import os
import time

from conftest import aws_client, aws_port

JS = os.path.join(os.path.dirname(__file__), "js")

SERVERLESS_YML = """
service: lifted
provider:
  name: aws
  runtime: nodejs20.x
constructs:
  jobs:
    type: queue
    maxRetries: 2
    worker:
      handler: src/worker.handler
      timeout: 1
      environment:
        TABLE: ${construct:db.tableName}
  db:
    type: database/dynamodb-single-table
  uploads:
    type: storage
functions:
  publisher:
    handler: src/publisher.handler
    environment:
      QUEUE_URL: ${construct:jobs.queueUrl}
      DLQ_URL: ${construct:jobs.dlqUrl}
      BUCKET: ${construct:uploads.bucketName}
plugins:
  - serverless-lift
"""

WORKER = """
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body);
    if (job.fail) throw new Error("job " + job.id + " cannot be done");
    await db.send(new PutItemCommand({
      TableName: process.env.TABLE,
      Item: { PK: { S: "job#" + job.id }, SK: { S: "done" },
              receives: { N: record.attributes.ApproximateReceiveCount } },
    }));
    console.log("done", job.id);
  }
  return { batchItemFailures: [] };
};
"""

PUBLISHER = """
exports.handler = async () => ({ queue: process.env.QUEUE_URL });
"""


def write_project(project):
    d = project({"serverless.yml": SERVERLESS_YML, "src/worker.js": WORKER,
                 "src/publisher.js": PUBLISHER})
    assert os.path.isdir(os.path.join(JS, "node_modules", "@aws-sdk", "client-dynamodb")), \
        "run `npm ci` in tests/integration/js (scripts/setup does)"
    os.symlink(os.path.join(JS, "node_modules"), d / "node_modules")
    return d


def environment_of(lam, function):
    return lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]


def test_queue_construct_worker_and_dead_letter_queue(project, serve, tmp_path_factory):
    d = write_project(project)
    n = serve(d, "--data-dir", str(tmp_path_factory.mktemp("data")))
    n.wait_for(r"resources ready: 1 table, 2 queues")
    port = aws_port(n)
    assert "constructs.uploads (storage) is not served yet" not in n.output()
    assert "serverless-lift" not in n.output()

    lam = aws_client("lambda", port)
    sqs = aws_client("sqs", port)
    dynamodb = aws_client("dynamodb", port)

    env = environment_of(lam, "lifted-dev-publisher")
    queue_url = env["QUEUE_URL"]
    assert queue_url == "http://127.0.0.1:%d/000000000000/lifted-dev-jobs" % port
    assert env["DLQ_URL"] == "http://127.0.0.1:%d/000000000000/lifted-dev-jobs-dlq" % port
    assert env["BUCKET"].startswith("lifted-dev-uploadsbucket")
    s3 = aws_client("s3", port)
    assert s3.get_bucket_versioning(Bucket=env["BUCKET"])["Status"] == "Enabled"
    table = environment_of(lam, "lifted-dev-jobsWorker")["TABLE"]
    assert table.startswith("lifted-dev-dbTable")

    # The queue as Lift configures it: six times the worker's timeout, maxRetries receives.
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "6"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 2
    assert redrive["deadLetterTargetArn"] == "arn:aws:sqs:us-east-1:000000000000:lifted-dev-jobs-dlq"
    dlq_attributes = sqs.get_queue_attributes(QueueUrl=env["DLQ_URL"],
                                              AttributeNames=["MessageRetentionPeriod"])
    assert dlq_attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"
    mappings = lam.list_event_source_mappings(FunctionName="lifted-dev-jobsWorker")
    [mapping] = mappings["EventSourceMappings"]
    assert mapping["EventSourceArn"] == "arn:aws:sqs:us-east-1:000000000000:lifted-dev-jobs"
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    # A good job: the worker writes it to the table.
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"id": "7"}))
    n.wait_for(r"\[jobsWorker\] .*done 7")
    item = dynamodb.get_item(TableName=table, Key={"PK": {"S": "job#7"}, "SK": {"S": "done"}})
    assert item["Item"]["receives"]["N"] == "1"

    # A job that always fails is received maxRetries (2) times, then moved to the DLQ.
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"id": "9", "fail": True}))
    deadline = time.monotonic() + 40
    moved = []
    while not moved and time.monotonic() < deadline:
        moved = sqs.receive_message(QueueUrl=env["DLQ_URL"], WaitTimeSeconds=5,
                                    AttributeNames=["All"]).get("Messages", [])
    assert moved, n.output()[-3000:]
    assert json.loads(moved[0]["Body"]) == {"id": "9", "fail": True}
    assert n.output().count("job 9 cannot be done") >= 2
