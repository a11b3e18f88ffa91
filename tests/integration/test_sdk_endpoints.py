"""Every SDK a function uses reaches nimbus, never the real AWS: the AWS SDK for JavaScript v2 and
Debian's boto3 (botocore 1.29), which both predate AWS_ENDPOINT_URL, work unchanged against the
project's queue and table; a call that names a real AWS host fails at once, saying why."""
import json
import os

from conftest import aws_client, aws_port, lambda_client

# The AWS SDK for JavaScript v2 that the functions bundle (scripts/setup installs it).
AWS_SDK_V2 = os.path.join(os.path.dirname(__file__), "fixtures", "aws-sdk-v2", "node_modules")
REFUSED = "nimbus does not reach real AWS: the connection to %s was refused."

SERVERLESS_YML = """
    service: sdks
    provider:
      name: aws
      runtime: %s
    functions:
      roundTrip:
        handler: %s
      realAws:
        handler: %s
    resources:
      Resources:
        Jobs:
          Type: AWS::SQS::Queue
          Properties:
            QueueName: sdks-jobs
        Notes:
          Type: AWS::DynamoDB::Table
          Properties:
            TableName: sdks-notes
            BillingMode: PAY_PER_REQUEST
            AttributeDefinitions:
              - AttributeName: id
                AttributeType: S
            KeySchema:
              - AttributeName: id
                KeyType: HASH
    """

NODE_HANDLER = """
    // A function written for the AWS SDK for JavaScript v2, as many still are: nothing in it
    // says where AWS is.
    const AWS = require('aws-sdk');
    const SQS = require('aws-sdk/clients/sqs');

    exports.roundTrip = async (event) => {
      const sqs = new SQS();
      // The queue's URL comes from the endpoint (a URL passed in would carry its own host).
      const { QueueUrl } = await sqs.getQueueUrl({ QueueName: 'sdks-jobs' }).promise();
      await sqs.sendMessage({ QueueUrl, MessageBody: event.body }).promise();
      const got = await sqs.receiveMessage({ QueueUrl, WaitTimeSeconds: 5 }).promise();
      const message = got.Messages[0];
      await sqs.deleteMessage({ QueueUrl, ReceiptHandle: message.ReceiptHandle }).promise();

      const notes = new AWS.DynamoDB.DocumentClient();
      await notes.put({ TableName: 'sdks-notes', Item: { id: 'n1', text: message.Body } }).promise();
      const note = await notes.get({ TableName: 'sdks-notes', Key: { id: 'n1' } }).promise();
      return { queueUrl: QueueUrl, body: message.Body, note: note.Item.text };
    };

    // An endpoint written into the code: the real AWS.
    exports.realAws = async () => {
      const sqs = new SQS({ endpoint: 'https://sqs.us-east-1.amazonaws.com', maxRetries: 0 });
      await sqs.listQueues({}).promise();
    };
    """

PYTHON_HANDLER = """
    import boto3
    import botocore


    def round_trip(event, context):
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName="sdks-jobs")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=event["body"])
        message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        notes = boto3.resource("dynamodb").Table("sdks-notes")
        notes.put_item(Item={"id": "n1", "text": message["Body"]})
        note = notes.get_item(Key={"id": "n1"})["Item"]
        return {"queueUrl": url, "body": message["Body"], "note": note["text"],
                "botocore": botocore.__version__}


    def real_aws(event, context):
        boto3.client("sqs", endpoint_url="https://sqs.us-east-1.amazonaws.com").list_queues()
    """


def _invoke(port, name, event):
    r = lambda_client(port).invoke(FunctionName="sdks-dev-" + name, Payload=json.dumps(event))
    return r.get("FunctionError"), json.loads(r["Payload"].read())


def _check_round_trip(port, out):
    assert out["body"] == "hello from the function" and out["note"] == "hello from the function"
    # The queue nimbus serves, reached through its endpoint.
    assert out["queueUrl"].startswith("http://127.0.0.1:%d/" % port), out
    sqs = aws_client("sqs", port)
    url = sqs.get_queue_url(QueueName="sdks-jobs")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url), "the function deleted what it read"
    item = aws_client("dynamodb", port).get_item(TableName="sdks-notes", Key={"id": {"S": "n1"}})
    assert item["Item"]["text"] == {"S": "hello from the function"}


def test_node_function_bundling_aws_sdk_v2(project, serve):
    d = project({
        "serverless.yml": SERVERLESS_YML % ("nodejs20.x", "handler.roundTrip", "handler.realAws"),
        "handler.js": NODE_HANDLER,
    })
    # The function's own node_modules, as a bundled function has.
    os.symlink(AWS_SDK_V2, os.path.join(d, "node_modules"))
    n = serve(d)
    n.wait_for(r"resources ready")
    port = aws_port(n)

    error, out = _invoke(port, "roundTrip", {"body": "hello from the function"})
    assert error is None, out
    _check_round_trip(port, out)

    error, out = _invoke(port, "realAws", {})
    assert error == "Unhandled", out
    assert out["errorMessage"].startswith(REFUSED % "sqs.us-east-1.amazonaws.com"), out
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["errorMessage"]


def test_python_function_on_debian_boto3(project, serve):
    d = project({
        "serverless.yml": SERVERLESS_YML % ("python3.11", "handler.round_trip", "handler.real_aws"),
        "handler.py": PYTHON_HANDLER,
    })
    # Debian's python3 first: its boto3 (botocore 1.29) predates AWS_ENDPOINT_URL.
    n = serve(d, env={"PATH": "/usr/bin:" + os.environ.get("PATH", "")})
    n.wait_for(r"resources ready")
    port = aws_port(n)

    error, out = _invoke(port, "roundTrip", {"body": "hello from the function"})
    assert error is None, out
    assert out["botocore"].startswith("1.29."), out
    _check_round_trip(port, out)

    # botocore would retry a failed connection with back-off; this error is not retried.
    error, out = _invoke(port, "realAws", {})
    assert error == "Unhandled", out
    assert out["errorType"] == "RealAwsEndpointError", out
    assert out["errorMessage"].startswith(REFUSED % "sqs.us-east-1.amazonaws.com"), out


def test_node_function_on_the_runtime_sdk_v3_naming_a_real_host(project, serve):
    d = project({
        "serverless.yml": SERVERLESS_YML % ("nodejs20.x", "v3.roundTrip", "v3.realAws"),
        "v3.mjs": """
            import { SQSClient, GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';

            export const roundTrip = async () => {
              const sqs = new SQSClient({});
              return (await sqs.send(new GetQueueUrlCommand({ QueueName: 'sdks-jobs' }))).QueueUrl;
            };

            // A service nimbus does not serve would be the same: its endpoint is real AWS.
            export const realAws = async () => {
              const sqs = new SQSClient({ endpoint: 'https://sqs.eu-west-1.amazonaws.com' });
              await sqs.send(new ListQueuesCommand({}));
            };
            """,
    })
    n = serve(d)
    n.wait_for(r"resources ready")
    port = aws_port(n)
    error, out = _invoke(port, "roundTrip", {})
    assert error is None and out.startswith("http://127.0.0.1:%d/" % port), out
    error, out = _invoke(port, "realAws", {})
    assert error == "Unhandled", out
    assert out["errorMessage"].startswith(REFUSED % "sqs.eu-west-1.amazonaws.com"), out
