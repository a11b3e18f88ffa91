"""DynamoDB on the AWS endpoint through clients nobody here wrote: boto3 (client and resource),
the AWS CLI and the AWS SDK for JavaScript v3's DocumentClient; a serverless.yml project whose
table comes from `resources`; and durability across kill -9."""
import decimal
import json
import os
import signal
import subprocess
import threading
import time

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import CREDENTIALS, SOURCE_DIR, aws_client, aws_port

JS_DIR = os.path.join(SOURCE_DIR, "tests", "integration", "js")


def start(serve, directory, *args, env=None):
    n = serve(directory, *args, env=env)
    n.aws_port = aws_port(n)
    return n


@pytest.fixture
def server(tmp_path, serve):
    return start(serve, tmp_path)


def ddb(n):
    return aws_client("dynamodb", n.aws_port)


def resource(n):
    return boto3.resource("dynamodb", endpoint_url="http://127.0.0.1:%d" % n.aws_port,
                          region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test",
                          config=botocore.config.Config(retries={"max_attempts": 0}))


def create_table(client, name, hash_key=("pk", "S"), range_key=None, **extra):
    definitions = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        definitions.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    for extra_definition in extra.pop("definitions", []):
        definitions.append(extra_definition)
    return client.create_table(TableName=name, AttributeDefinitions=definitions, KeySchema=keys,
                               BillingMode="PAY_PER_REQUEST", **extra)


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def test_crud_with_every_type_and_exact_numbers(server):
    client = ddb(server)
    described = create_table(client, "things", range_key=("sk", "N"))["TableDescription"]
    assert described["TableName"] == "things"
    assert described["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/things"
    item = {
        "pk": {"S": "a"}, "sk": {"N": "1"},
        "s": {"S": "text"}, "n": {"N": "12345678901234567890123456789012345678"},
        "b": {"B": b"\x00\x01\xff"}, "t": {"BOOL": True}, "z": {"NULL": True},
        "l": {"L": [{"S": "x"}, {"N": "2.50"}]}, "m": {"M": {"k": {"S": "v"}}},
        "ss": {"SS": ["p", "q"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01", b"\x02"]},
    }
    client.put_item(TableName="things", Item=item)
    got = client.get_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                          ConsistentRead=True)["Item"]
    assert got["b"] == {"B": b"\x00\x01\xff"}
    assert got["l"] == {"L": [{"S": "x"}, {"N": "2.5"}]}
    assert sorted(got["ss"]["SS"]) == ["p", "q"]
    assert got["n"] == {"N": "12345678901234567890123456789012345678"}

    # Exact 38-digit arithmetic: no floating point anywhere.
    r = client.update_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                           UpdateExpression="SET n = n - :one ADD c :tenth",
                           ExpressionAttributeValues={":one": {"N": "1"}, ":tenth": {"N": "0.1"}},
                           ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"n": {"N": "12345678901234567890123456789012345677"},
                               "c": {"N": "0.1"}}
    r = client.update_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                           UpdateExpression="ADD c :tenth", ExpressionAttributeValues={":tenth": {"N": "0.2"}},
                           ReturnValues="ALL_NEW")
    assert r["Attributes"]["c"] == {"N": "0.3"}
    err = error_of(lambda: client.update_item(
        TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
        UpdateExpression="SET n = n + :big", ExpressionAttributeValues={":big": {"N": "0.5"}}))
    assert err["Code"] == "ValidationException"

    # Conditional writes.
    err = error_of(lambda: client.put_item(TableName="things", Item={"pk": {"S": "a"}, "sk": {"N": "1"}},
                                           ConditionExpression="attribute_not_exists(pk)"))
    assert err["Code"] == "ConditionalCheckFailedException"
    assert err["Message"] == "The conditional request failed"
    r = client.delete_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                           ConditionExpression="t = :t", ExpressionAttributeValues={":t": {"BOOL": True}},
                           ReturnValues="ALL_OLD")
    assert r["Attributes"]["s"] == {"S": "text"}
    assert "Item" not in client.get_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})

    # Errors as DynamoDB words them.
    err = error_of(lambda: client.get_item(TableName="things", Key={"pk": {"S": "a"}}))
    assert err == {"Code": "ValidationException",
                   "Message": "The provided key element does not match the schema"}
    err = error_of(lambda: client.get_item(TableName="missing", Key={"pk": {"S": "a"}}))
    assert err["Code"] == "ResourceNotFoundException"
    err = error_of(lambda: client.put_item(TableName="things", Item={"pk": {"S": "a"}, "sk": {"S": "1"}}))
    assert err["Message"] == ("One or more parameter values were invalid: Type mismatch for key sk "
                              "expected: N actual: S")
    err = error_of(lambda: client.put_item(TableName="things", Item={"pk": {"S": "a"}, "sk": {"N": "2"},
                                                                      "big": {"S": "x" * 400 * 1024}}))
    assert err["Message"] == "Item size has exceeded the maximum allowed size"
    err = error_of(lambda: client.update_item(TableName="things", Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
                                              UpdateExpression="SET a = :v",
                                              ExpressionAttributeValues={":v": {"S": "x"}, ":w": {"S": "y"}}))
    assert err["Message"] == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"
    err = error_of(lambda: create_table(client, "things"))
    assert err["Code"] == "ResourceInUseException"


def test_resource_api_query_pagination_and_indexes(server):
    client = ddb(server)
    create_table(client, "orders", hash_key=("customer", "S"), range_key=("order", "N"),
                 definitions=[{"AttributeName": "status", "AttributeType": "S"}],
                 GlobalSecondaryIndexes=[{
                     "IndexName": "by-status",
                     "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                   {"AttributeName": "order", "KeyType": "RANGE"}],
                     "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    table = resource(server).Table("orders")
    with table.batch_writer() as batch:
        for i in range(120):
            batch.put_item(Item={"customer": "c%d" % (i % 3), "order": i,
                                 "status": "open" if i % 2 else "closed", "total": decimal.Decimal("1.5") * i})

    # Query one partition in pages of 7: every item once, in sort key order.
    seen, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = table.query(KeyConditionExpression="customer = :c AND #o BETWEEN :lo AND :hi",
                           ExpressionAttributeNames={"#o": "order"},
                           ExpressionAttributeValues={":c": "c1", ":lo": 10, ":hi": 100},
                           Limit=7, **kwargs)
        seen += [int(item["order"]) for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == [i for i in range(10, 101) if i % 3 == 1]

    backwards = table.query(KeyConditionExpression="customer = :c",
                            ExpressionAttributeValues={":c": "c2"}, ScanIndexForward=False, Limit=3)
    assert [int(i["order"]) for i in backwards["Items"]] == [119, 116, 113]

    filtered = table.query(KeyConditionExpression="customer = :c", FilterExpression="#t > :t",
                           ExpressionAttributeNames={"#t": "total"},
                           ExpressionAttributeValues={":c": "c0", ":t": 150})
    assert filtered["ScannedCount"] == 40 and filtered["Count"] == len([i for i in range(0, 120, 3) if i * 1.5 > 150])

    # The index follows the table: moving an item out of "open" removes it from that partition.
    opened = table.query(IndexName="by-status", KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "open"})
    assert opened["Count"] == 60
    assert set(opened["Items"][0].keys()) == {"customer", "order", "status"}
    table.update_item(Key={"customer": "c1", "order": 1}, UpdateExpression="SET #s = :s",
                      ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "closed"})
    table.delete_item(Key={"customer": "c0", "order": 3})
    opened = table.query(IndexName="by-status", KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "open"},
                         Select="COUNT")
    assert opened["Count"] == 58

    # A parallel scan's segments cover the table exactly once.
    keys = []
    for segment in range(4):
        start = None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = client.scan(TableName="orders", Segment=segment, TotalSegments=4, Limit=10, **kwargs)
            keys += [(i["customer"]["S"], i["order"]["N"]) for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert len(keys) == 119 and len(set(keys)) == 119

    got = client.batch_get_item(RequestItems={"orders": {"Keys": [
        {"customer": {"S": "c0"}, "order": {"N": "0"}}, {"customer": {"S": "c9"}, "order": {"N": "0"}}]}})
    assert len(got["Responses"]["orders"]) == 1 and got["UnprocessedKeys"] == {}
    err = error_of(lambda: client.batch_write_item(RequestItems={"orders": [
        {"PutRequest": {"Item": {"customer": {"S": "x"}, "order": {"N": str(i)}}}} for i in range(26)]}))
    assert err["Code"] == "ValidationException"


def test_transactions_cancel_as_a_whole(server):
    client = ddb(server)
    create_table(client, "accounts")
    client.put_item(TableName="accounts", Item={"pk": {"S": "alice"}, "balance": {"N": "100"}})
    client.put_item(TableName="accounts", Item={"pk": {"S": "bob"}, "balance": {"N": "0"}})

    def transfer(amount, token=None):
        kwargs = {"ClientRequestToken": token} if token else {}
        return client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "accounts", "Key": {"pk": {"S": "alice"}},
                        "UpdateExpression": "SET balance = balance - :a",
                        "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
            {"Update": {"TableName": "accounts", "Key": {"pk": {"S": "bob"}},
                        "UpdateExpression": "SET balance = balance + :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
        ], **kwargs)

    transfer(60, token="t-1")
    transfer(60, token="t-1")  # The same token again: done once.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        transfer(60)
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = e.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None"]
    balances = client.transact_get_items(TransactItems=[
        {"Get": {"TableName": "accounts", "Key": {"pk": {"S": name}}}} for name in ("alice", "bob")])
    assert [r["Item"]["balance"]["N"] for r in balances["Responses"]] == ["40", "60"]


def test_time_to_live_deletes_expired_items(server):
    client = ddb(server)
    create_table(client, "sessions")
    client.update_time_to_live(TableName="sessions",
                               TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True})
    assert client.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    now = int(time.time())
    client.put_item(TableName="sessions", Item={"pk": {"S": "old"}, "expires": {"N": str(now - 10)}})
    client.put_item(TableName="sessions", Item={"pk": {"S": "new"}, "expires": {"N": str(now + 3600)}})
    deadline = time.monotonic() + 30
    while "Item" in client.get_item(TableName="sessions", Key={"pk": {"S": "old"}}):
        assert time.monotonic() < deadline, "the expired item was never deleted"
        time.sleep(0.1)
    assert "Item" in client.get_item(TableName="sessions", Key={"pk": {"S": "new"}})


def aws(n, *args):
    return subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % n.aws_port,
                           "--output", "json", "dynamodb", *args],
                          capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=60)


def test_aws_cli(server):
    r = aws(server, "create-table", "--table-name", "cli", "--attribute-definitions",
            "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH",
            "--billing-mode", "PAY_PER_REQUEST")
    assert r.returncode == 0, r.stderr
    r = aws(server, "wait", "table-exists", "--table-name", "cli")
    assert r.returncode == 0, r.stderr
    r = aws(server, "put-item", "--table-name", "cli", "--item", '{"id":{"S":"1"},"v":{"N":"3"}}')
    assert r.returncode == 0, r.stderr
    r = aws(server, "get-item", "--table-name", "cli", "--key", '{"id":{"S":"1"}}')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Item"] == {"id": {"S": "1"}, "v": {"N": "3"}}
    r = aws(server, "scan", "--table-name", "cli")
    assert json.loads(r.stdout)["Count"] == 1
    r = aws(server, "list-tables")
    assert json.loads(r.stdout)["TableNames"] == ["cli"]
    r = aws(server, "describe-table", "--table-name", "cli")
    assert json.loads(r.stdout)["Table"]["ItemCount"] == 1
    r = aws(server, "get-item", "--table-name", "cli", "--key", '{"nope":{"S":"1"}}')
    assert r.returncode != 0 and "ValidationException" in r.stderr


def test_javascript_document_client(server):
    script = """
    const { DynamoDBClient, CreateTableCommand } = require('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand } =
      require('@aws-sdk/lib-dynamodb');
    (async () => {
      const client = new DynamoDBClient({ endpoint: process.env.ENDPOINT, region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      const doc = DynamoDBDocumentClient.from(client);
      await client.send(new CreateTableCommand({ TableName: 'docs', BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'n', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }] }));
      await doc.send(new PutCommand({ TableName: 'docs', Item: { id: 'a', n: 1, tags: new Set(['x', 'y']),
        nested: { list: [1, 'two', null, true] } } }));
      const updated = await doc.send(new UpdateCommand({ TableName: 'docs', Key: { id: 'a', n: 1 },
        UpdateExpression: 'SET nested.#l = list_append(nested.#l, :more), hits = if_not_exists(hits, :zero) + :one',
        ExpressionAttributeNames: { '#l': 'list' },
        ExpressionAttributeValues: { ':more': [5], ':zero': 0, ':one': 1 }, ReturnValues: 'ALL_NEW' }));
      const got = await doc.send(new GetCommand({ TableName: 'docs', Key: { id: 'a', n: 1 } }));
      const q = await doc.send(new QueryCommand({ TableName: 'docs', KeyConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': 'a' } }));
      let error = null;
      try {
        await doc.send(new PutCommand({ TableName: 'docs', Item: { id: 'a', n: 1 },
          ConditionExpression: 'attribute_not_exists(id)' }));
      } catch (e) { error = e.name; }
      console.log(JSON.stringify({ updated: updated.Attributes, got: got.Item,
        tags: [...got.Item.tags].sort(), count: q.Count, error }));
    })().catch((e) => { console.error(e); process.exit(1); });
    """
    r = subprocess.run(["node", "-e", script], cwd=JS_DIR, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "ENDPOINT": "http://127.0.0.1:%d" % server.aws_port})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["updated"]["hits"] == 1
    assert out["got"]["nested"]["list"] == [1, "two", None, True, 5]
    assert out["tags"] == ["x", "y"]
    assert out["count"] == 1
    assert out["error"] == "ConditionalCheckFailedException"


def test_acknowledged_writes_survive_kill_9(tmp_path, serve):
    first = start(serve, tmp_path, "--data-dir", str(tmp_path / "data"))
    client = ddb(first)
    create_table(client, "burst")
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w):
        c = ddb(first)
        i = 0
        while not stop.is_set():
            key = "w%d-%d" % (w, i)
            try:
                c.put_item(TableName="burst", Item={"pk": {"S": key}, "v": {"N": str(i)}})
            except Exception:
                return  # The server is gone.
            with lock:
                acknowledged.append(key)
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    first.killed = True
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) >= 300

    second = start(serve, tmp_path, "--data-dir", str(tmp_path / "data"))
    client = ddb(second)
    present = set()
    start_key = None
    while True:
        kwargs = {"ExclusiveStartKey": start_key} if start_key else {}
        page = client.scan(TableName="burst", **kwargs)
        present |= {i["pk"]["S"] for i in page["Items"]}
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            break
    missing = [k for k in acknowledged if k not in present]
    assert not missing, "acknowledged but lost: %s" % missing[:10]


REST_PROJECT = {
    "serverless.yml": """
        service: rest-api-with-dynamodb
        provider:
          name: aws
          runtime: python3.11
          environment:
            DYNAMODB_TABLE: ${self:service}-${sls:stage}
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: [dynamodb:Query, dynamodb:Scan, dynamodb:GetItem, dynamodb:PutItem,
                           dynamodb:UpdateItem, dynamodb:DeleteItem]
                  Resource: "arn:aws:dynamodb:${aws:region}:*:table/${self:provider.environment.DYNAMODB_TABLE}"
        functions:
          create:
            handler: todos/handlers.create
            events:
              - http: {path: todos, method: post, cors: true}
          list:
            handler: todos/handlers.list_todos
            events:
              - http: {path: todos, method: get, cors: true}
          get:
            handler: todos/handlers.get
            events:
              - http: {path: "todos/{id}", method: get, cors: true}
          update:
            handler: todos/handlers.update
            events:
              - http: {path: "todos/{id}", method: put, cors: true}
          delete:
            handler: todos/handlers.delete
            events:
              - http: {path: "todos/{id}", method: delete, cors: true}
        resources:
          Resources:
            TodosDynamoDbTable:
              Type: AWS::DynamoDB::Table
              DeletionPolicy: Retain
              Properties:
                AttributeDefinitions:
                  - AttributeName: id
                    AttributeType: S
                KeySchema:
                  - AttributeName: id
                    KeyType: HASH
                ProvisionedThroughput:
                  ReadCapacityUnits: 1
                  WriteCapacityUnits: 1
                TableName: ${self:provider.environment.DYNAMODB_TABLE}
        """,
    # Handlers written the way the public REST-API-with-DynamoDB examples are: boto3's resource
    # API, the table named by an environment variable, Decimal numbers encoded for JSON.
    "todos/handlers.py": """
        import decimal
        import json
        import os
        import time
        import uuid

        import boto3

        table = boto3.resource("dynamodb").Table(os.environ["DYNAMODB_TABLE"])


        class DecimalEncoder(json.JSONEncoder):
            def default(self, o):
                if isinstance(o, decimal.Decimal):
                    return int(o) if o % 1 == 0 else float(o)
                return super().default(o)


        def respond(status, body):
            return {"statusCode": status, "body": json.dumps(body, cls=DecimalEncoder)}


        def create(event, context):
            data = json.loads(event["body"])
            now = int(time.time() * 1000)
            item = {"id": str(uuid.uuid1()), "text": data["text"], "checked": False,
                    "createdAt": now, "updatedAt": now}
            table.put_item(Item=item)
            return respond(200, item)


        def list_todos(event, context):
            return respond(200, table.scan()["Items"])


        def get(event, context):
            result = table.get_item(Key={"id": event["pathParameters"]["id"]})
            return respond(200, result.get("Item"))


        def update(event, context):
            data = json.loads(event["body"])
            result = table.update_item(
                Key={"id": event["pathParameters"]["id"]},
                ExpressionAttributeNames={"#todo_text": "text"},
                ExpressionAttributeValues={":text": data["text"], ":checked": data["checked"],
                                           ":updatedAt": int(time.time() * 1000)},
                UpdateExpression="SET #todo_text = :text, checked = :checked, updatedAt = :updatedAt",
                ReturnValues="ALL_NEW")
            return respond(200, result["Attributes"])


        def delete(event, context):
            table.delete_item(Key={"id": event["pathParameters"]["id"]})
            return {"statusCode": 200}
        """,
}


def test_rest_api_project_with_a_table_from_resources(project, serve):
    # Debian's python3 first: its boto3 predates AWS_ENDPOINT_URL, which the Python runtime makes
    # it honour, as a Lambda user's handler expects.
    n = start(serve, project(REST_PROJECT), env={"PATH": "/usr/bin:" + os.environ.get("PATH", "")})
    n.wait_for(r"resources ready")
    status, _, body, _ = n.request("POST", "/dev/todos", json.dumps({"text": "write tests"}))
    assert status == 200, body
    created = json.loads(body)
    status, _, body, _ = n.request("PUT", "/dev/todos/" + created["id"],
                                json.dumps({"text": "write more tests", "checked": True}))
    assert status == 200, body
    assert json.loads(body)["checked"] is True
    status, _, body, _ = n.request("GET", "/dev/todos/" + created["id"])
    assert json.loads(body)["text"] == "write more tests"
    status, _, body, _ = n.request("GET", "/dev/todos")
    assert [t["id"] for t in json.loads(body)] == [created["id"]]
    status, _, _, _ = n.request("DELETE", "/dev/todos/" + created["id"])
    assert status == 200
    status, _, body, _ = n.request("GET", "/dev/todos")
    assert json.loads(body) == []
    # The table is an ordinary table on the AWS endpoint, named as the project named it.
    assert ddb(n).list_tables()["TableNames"] == ["rest-api-with-dynamodb-dev"]
