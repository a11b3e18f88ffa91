// Creates, invokes, updates and deletes a function with the AWS SDK for JavaScript v3. Prints one
// JSON line of observations for the Python test to check.
import { readFileSync } from "node:fs";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";

const [endpoint, firstZip, secondZip] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const create = {
  FunctionName: "js-made",
  Runtime: "python3.12",
  Role: "arn:aws:iam::000000000000:role/lambda-role",
  Handler: "main.handler",
  Code: { ZipFile: readFileSync(firstZip) },
};
const invoke = async () => {
  const r = await client.send(new InvokeCommand({ FunctionName: "js-made", Payload: "{}" }));
  return JSON.parse(new TextDecoder().decode(r.Payload));
};
const errorName = async (command) => {
  try {
    await client.send(command);
    return "no error";
  } catch (err) {
    if (err instanceof ResourceConflictException || err instanceof ResourceNotFoundException) {
      return err.name;
    }
    return `other: ${err.name}`;
  }
};

const out = {};
const created = await client.send(new CreateFunctionCommand(create));
out.createStatus = created.$metadata.httpStatusCode;
out.first = await invoke();
out.conflict = await errorName(new CreateFunctionCommand(create));
await client.send(
  new UpdateFunctionCodeCommand({ FunctionName: "js-made", ZipFile: readFileSync(secondZip) }));
out.second = await invoke();
await client.send(new DeleteFunctionCommand({ FunctionName: "js-made" }));
out.afterDelete = await errorName(new GetFunctionCommand({ FunctionName: "js-made" }));
console.log(JSON.stringify(out));
