// Drives nimbus's SQS API with the AWS SDK for JavaScript v3, which speaks SQS's JSON protocol
// and checks the MD5 of every body it sends and receives. Prints one JSON line of observations
// for the Python test to check.
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

const [endpoint, prefix] = process.argv.slice(2);
const client = new SQSClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const send = (command) => client.send(command);
const errorOf = async (promise) => {
  try {
    await promise;
    return { name: "no error" };
  } catch (err) {
    return {
      name: err.name,
      code: err.Code,
      status: err.$metadata?.httpStatusCode,
      message: err.message,
      queueDoesNotExist: err instanceof QueueDoesNotExist,
      queueNameExists: err instanceof QueueNameExists,
    };
  }
};

const out = {};
const { QueueUrl: url } = await send(new CreateQueueCommand({
  QueueName: `${prefix}-std`,
  Attributes: { VisibilityTimeout: "20", MaximumMessageSize: "2048" },
}));
out.url = url;
// Same attributes: the same queue. Different ones: QueueNameExists.
out.again = (await send(new CreateQueueCommand({
  QueueName: `${prefix}-std`, Attributes: { VisibilityTimeout: "20" },
}))).QueueUrl;
out.conflict = await errorOf(send(new CreateQueueCommand({
  QueueName: `${prefix}-std`, Attributes: { VisibilityTimeout: "21" },
})));
out.listed = (await send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls;

// A round trip with every kind of attribute; the SDK checks the body's MD5 both ways.
const binary = Uint8Array.from([0, 1, 2, 253, 254, 255]);
const sent = await send(new SendMessageCommand({
  QueueUrl: url,
  MessageBody: "héllo\r\n{\"json\": true} 😀",
  MessageAttributes: {
    timestamp: { DataType: "Number", StringValue: "1493147359900" },
  },
}));
out.md5OfTimestampAttribute = sent.MD5OfMessageAttributes;
const rich = await send(new SendMessageCommand({
  QueueUrl: url,
  MessageBody: "rich",
  MessageAttributes: {
    text: { DataType: "String", StringValue: "value" },
    count: { DataType: "Number.int", StringValue: "-12.5" },
    blob: { DataType: "Binary", BinaryValue: binary },
    custom: { DataType: "String.json", StringValue: "{\"a\":1}" },
    "other.one": { DataType: "String", StringValue: "x" },
  },
}));
out.richMd5 = rich.MD5OfMessageAttributes;
const received = await send(new ReceiveMessageCommand({
  QueueUrl: url,
  MaxNumberOfMessages: 10,
  MessageAttributeNames: ["All"],
  MessageSystemAttributeNames: ["All"],
}));
out.received = received.Messages.map((m) => ({
  body: m.Body,
  md5OfBody: m.MD5OfBody,
  md5OfAttributes: m.MD5OfMessageAttributes,
  receiveCount: m.Attributes.ApproximateReceiveCount,
  sentTimestamp: m.Attributes.SentTimestamp,
  attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
    k, { type: v.DataType, value: v.StringValue ?? Array.from(v.BinaryValue) },
  ])),
}));

// Only some attributes, by name and by prefix: a digest of those only.
await send(new ChangeMessageVisibilityCommand({
  QueueUrl: url, ReceiptHandle: received.Messages[1].ReceiptHandle, VisibilityTimeout: 0,
}));
const partial = await send(new ReceiveMessageCommand({
  QueueUrl: url, MessageAttributeNames: ["text", "other.*"], WaitTimeSeconds: 5,
}));
out.partial = {
  names: Object.keys(partial.Messages[0].MessageAttributes).sort(),
  md5: partial.Messages[0].MD5OfMessageAttributes,
};
await send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: partial.Messages[0].ReceiptHandle }));
// Deleting again with the same handle succeeds (the message is gone), as on SQS.
await send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: partial.Messages[0].ReceiptHandle }));
out.badHandle = await errorOf(send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })));

// A batch with entries SQS refuses one by one.
const batch = await send(new SendMessageBatchCommand({
  QueueUrl: url,
  Entries: [
    { Id: "ok", MessageBody: "fine" },
    { Id: "too-long", MessageBody: "x".repeat(2049) },
    { Id: "delay", MessageBody: "late", DelaySeconds: 901 },
  ],
}));
out.batch = {
  successful: batch.Successful.map((e) => e.Id),
  failed: batch.Failed.map((e) => ({ id: e.Id, code: e.Code, senderFault: e.SenderFault })),
};
out.duplicateIds = await errorOf(send(new SendMessageBatchCommand({
  QueueUrl: url, Entries: [{ Id: "a", MessageBody: "1" }, { Id: "a", MessageBody: "2" }],
})));
out.empty = await errorOf(send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })));
out.tooLong = await errorOf(send(new SendMessageCommand({ QueueUrl: url, MessageBody: "y".repeat(2049) })));

// FIFO: order within a group, deduplication.
const { QueueUrl: fifo } = await send(new CreateQueueCommand({
  QueueName: `${prefix}.fifo`, Attributes: { FifoQueue: "true" },
}));
const fifoSent = [];
for (const [body, group, dedup] of [["a1", "A", "1"], ["b1", "B", "2"], ["a2", "A", "3"], ["a1 again", "A", "1"]]) {
  fifoSent.push(await send(new SendMessageCommand({
    QueueUrl: fifo, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup,
  })));
}
out.fifoDuplicateSameId = fifoSent[3].MessageId === fifoSent[0].MessageId;
out.fifoSequenceIncreases = BigInt(fifoSent[0].SequenceNumber) < BigInt(fifoSent[2].SequenceNumber);
const fifoFirst = await send(new ReceiveMessageCommand({
  QueueUrl: fifo, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["MessageGroupId", "SequenceNumber"],
}));
out.fifoOrder = fifoFirst.Messages.map((m) => `${m.Attributes.MessageGroupId}:${m.Body}`);
out.fifoMissingGroup = await errorOf(send(new SendMessageCommand({
  QueueUrl: fifo, MessageBody: "x", MessageDeduplicationId: "z",
})));
await send(new DeleteMessageBatchCommand({
  QueueUrl: fifo,
  Entries: fifoFirst.Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
}));
const attributes = await send(new GetQueueAttributesCommand({ QueueUrl: fifo, AttributeNames: ["All"] }));
out.fifoAttributes = attributes.Attributes;

out.notFound = await errorOf(send(new GetQueueUrlCommand({ QueueName: `${prefix}-missing` })));
out.notFoundSend = await errorOf(send(new SendMessageCommand({
  QueueUrl: `${endpoint}/000000000000/${prefix}-missing`, MessageBody: "x",
})));
out.badMax = await errorOf(send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
console.log(JSON.stringify(out));
