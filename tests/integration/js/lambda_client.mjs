// Drives nimbus's Lambda API with the AWS SDK for JavaScript v3 (JSON protocol client as the
// SDK ships it). Prints one JSON line of observations for the Python test to check.
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";

const [endpoint, functionName] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

const out = {};
const list = await client.send(new ListFunctionsCommand({}));
out.functions = list.Functions.map((f) => f.FunctionName).sort();

const sync = await client.send(new InvokeCommand({
  FunctionName: functionName,
  Payload: new TextEncoder().encode(JSON.stringify({ n: 5 })),
  LogType: "Tail",
}));
out.syncStatus = sync.StatusCode;
out.syncPayload = JSON.parse(new TextDecoder().decode(sync.Payload));
out.logTail = Buffer.from(sync.LogResult, "base64").toString("utf8");
out.executedVersion = sync.ExecutedVersion;

const event = await client.send(new InvokeCommand({
  FunctionName: functionName, InvocationType: "Event", Payload: new TextEncoder().encode("{}"),
}));
out.eventStatus = event.StatusCode;

try {
  await client.send(new GetFunctionCommand({ FunctionName: "does-not-exist" }));
  out.notFound = "no error";
} catch (err) {
  out.notFound = err instanceof ResourceNotFoundException ? err.name : `other: ${err.name}`;
  out.notFoundMessage = err.message;
  out.notFoundStatus = err.$metadata.httpStatusCode;
}
console.log(JSON.stringify(out));
