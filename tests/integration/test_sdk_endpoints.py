"""Every SDK a function uses reaches nimbus, never the real AWS: the AWS SDK for JavaScript v2 and
Debian's boto3 (botocore 1.29), which both predate AWS_ENDPOINT_URL, work unchanged against the
project's queue and table; a call that names a real AWS host (an endpoint written into the code, a
QueueUrl of the real form) reaches nimbus too, and a connection nimbus cannot take over fails at
once, saying why."""
import json
import os
import subprocess

import pytest

from conftest import aws_client, aws_port, lambda_client

# The AWS SDK for JavaScript v2 that the functions bundle (scripts/setup installs it).
AWS_SDK_V2 = os.path.join(os.path.dirname(__file__), "fixtures", "aws-sdk-v2", "node_modules")
# esbuild, as a project that bundles its functions has it (scripts/setup installs it).
ESBUILD = os.path.join(os.path.dirname(__file__), "fixtures", "build-tools", "node_modules", ".bin", "esbuild")
REFUSED = "nimbus does not reach real AWS: the connection to %s was refused."
# The queue's URL as a function that builds it from the region and account writes it.
REAL_FORM_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/sdks-jobs"

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

    // Real AWS written into the code, as a bundled SDK and hand-built URLs have it: an
    // endpoint, and a QueueUrl (which the SDK sends to the URL's host). Both reach nimbus.
    exports.realAws = async (event) => {
      const real = new SQS({ endpoint: 'https://sqs.us-east-1.amazonaws.com', maxRetries: 0 });
      const { QueueUrls } = await real.listQueues({}).promise();
      const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/sdks-jobs';
      await new SQS().sendMessage({ QueueUrl, MessageBody: event.body }).promise();
      const got = await real.receiveMessage({ QueueUrl, WaitTimeSeconds: 5 }).promise();
      await real.deleteMessage({ QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle }).promise();
      // A connection that is not an HTTP request cannot be sent to nimbus: it is refused.
      const refused = await new Promise((resolve) => {
        require('tls').connect(443, 'sqs.us-east-1.amazonaws.com').once('error', (err) => resolve(err.message));
      });
      return { queueUrls: QueueUrls, body: got.Messages[0].Body, refused };
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


    # Real AWS written into the code: an endpoint and a QueueUrl of the real form.
    def real_aws(event, context):
        sqs = boto3.client("sqs", endpoint_url="https://sqs.us-east-1.amazonaws.com")
        urls = sqs.list_queues()["QueueUrls"]
        url = "https://sqs.us-east-1.amazonaws.com/000000000000/sdks-jobs"
        sqs.send_message(QueueUrl=url, MessageBody=event["body"])
        message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return {"queueUrls": urls, "body": message["Body"]}
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


def _check_real_aws_reached_nimbus(port, out):
    # Asked at the real host, nimbus answers the URL AWS would answer.
    assert out["queueUrls"] == [REAL_FORM_URL], out
    assert out["body"] == "sent to the real form"
    sqs = aws_client("sqs", port)
    url = sqs.get_queue_url(QueueName="sdks-jobs")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url), "the function deleted what it read"


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

    error, out = _invoke(port, "realAws", {"body": "sent to the real form"})
    assert error is None, out
    _check_real_aws_reached_nimbus(port, out)
    assert out["refused"].startswith(REFUSED % "sqs.us-east-1.amazonaws.com"), out
    assert "NIMBUS_ALLOW_REAL_AWS=1" in out["refused"]


# As a project bundled by webpack or esbuild has it: the SDK inlined into the handler's file, its
# client made for the region and the queue's URL built from region and account.
BUNDLED_HANDLER = """
    const AWS = require('aws-sdk');

    exports.roundTrip = async (event) => {
      const sqs = new AWS.SQS({ region: 'us-east-1' });
      const QueueUrl = `https://sqs.us-east-1.amazonaws.com/${event.accountId}/sdks-jobs`;
      await sqs.sendMessage({ QueueUrl, MessageBody: event.body }).promise();
      const got = await sqs.receiveMessage({ QueueUrl, WaitTimeSeconds: 5 }).promise();
      await sqs.deleteMessage({ QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle }).promise();
      const { QueueUrls } = await sqs.listQueues({}).promise();
      return { queueUrls: QueueUrls, body: got.Messages[0].Body, endpoint: sqs.endpoint.href };
    };
    """


@pytest.mark.skipif(not os.path.exists(ESBUILD), reason="esbuild is not installed (scripts/setup)")
def test_node_function_with_aws_sdk_v2_inlined_by_a_bundler(project, serve):
    d = project({
        "serverless.yml": SERVERLESS_YML % ("nodejs20.x", "dist/handler.roundTrip", "dist/handler.roundTrip"),
        "src/handler.js": BUNDLED_HANDLER,
    })
    os.symlink(AWS_SDK_V2, os.path.join(d, "node_modules"))
    subprocess.run([ESBUILD, "src/handler.js", "--bundle", "--platform=node", "--outfile=dist/handler.js",
                    "--log-level=warning"], cwd=d, check=True)
    # Nothing left to load aws-sdk from: only the bundle has it.
    os.unlink(os.path.join(d, "node_modules"))
    n = serve(d)
    n.wait_for(r"resources ready")
    port = aws_port(n)

    error, out = _invoke(port, "roundTrip", {"body": "sent to the real form", "accountId": "000000000000"})
    assert error is None, out
    # The SDK was never pointed at nimbus: its requests were.
    assert out["endpoint"] == "https://sqs.us-east-1.amazonaws.com/", out
    _check_real_aws_reached_nimbus(port, out)


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

    error, out = _invoke(port, "realAws", {"body": "sent to the real form"})
    assert error is None, out
    _check_real_aws_reached_nimbus(port, out)


def test_node_function_on_the_runtime_sdk_v3_naming_a_real_host(project, serve):
    d = project({
        "serverless.yml": SERVERLESS_YML % ("nodejs20.x", "v3.roundTrip", "v3.realAws"),
        "v3.mjs": """
            import { SQSClient, GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';

            export const roundTrip = async () => {
              const sqs = new SQSClient({});
              return (await sqs.send(new GetQueueUrlCommand({ QueueName: 'sdks-jobs' }))).QueueUrl;
            };

            // An endpoint written into the code reaches nimbus all the same.
            export const realAws = async () => {
              const sqs = new SQSClient({ endpoint: 'https://sqs.eu-west-1.amazonaws.com' });
              return (await sqs.send(new ListQueuesCommand({}))).QueueUrls;
            };
            """,
    })
    n = serve(d)
    n.wait_for(r"resources ready")
    port = aws_port(n)
    error, out = _invoke(port, "roundTrip", {})
    assert error is None and out.startswith("http://127.0.0.1:%d/" % port), out
    error, out = _invoke(port, "realAws", {})
    assert error is None and out == ["https://sqs.eu-west-1.amazonaws.com/000000000000/sdks-jobs"], out
