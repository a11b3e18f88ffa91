// Drives nimbus's S3 API with the AWS SDK for JavaScript v3 as Lambda's Node.js runtime ships it
// (found through NODE_PATH): its default checksums (CRC32, sent as aws-chunked trailers for
// streams), a streamed upload of unknown length, and a checksum the SDK is told that does not
// match. Prints one JSON line of observations for the Python test to check.
const { Readable } = require("node:stream");
const crypto = require("node:crypto");
const {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
} = require("@aws-sdk/client-s3");

const [endpoint] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

async function main() {
  const seen = {};
  await client.send(new CreateBucketCommand({ Bucket: "jsbucket" }));
  const put = await client.send(
    new PutObjectCommand({ Bucket: "jsbucket", Key: "buffer.txt", Body: "hello js" }),
  );
  seen.checksumCRC32 = put.ChecksumCRC32 || "";
  const got = await client.send(new GetObjectCommand({ Bucket: "jsbucket", Key: "buffer.txt" }));
  seen.bufferBack = await got.Body.transformToString();

  // A stream: the SDK frames it as aws-chunked with a trailing checksum.
  const bytes = crypto.createHash("sha256").update("seed").digest();
  const chunks = [];
  for (let i = 0; i < 40000; i++) chunks.push(bytes);
  const whole = Buffer.concat(chunks);
  await client.send(
    new PutObjectCommand({
      Bucket: "jsbucket",
      Key: "streamed.bin",
      Body: Readable.from([whole.subarray(0, 500000), whole.subarray(500000)]),
      ContentLength: whole.length,
    }),
  );
  const back = await client.send(new GetObjectCommand({ Bucket: "jsbucket", Key: "streamed.bin" }));
  const backBytes = Buffer.from(await back.Body.transformToByteArray());
  seen.streamed = crypto.createHash("sha256").update(whole).digest("hex");
  seen.streamedBack = crypto.createHash("sha256").update(backBytes).digest("hex");
  seen.streamedLength = whole.length;

  try {
    await client.send(
      new PutObjectCommand({
        Bucket: "jsbucket",
        Key: "bad.txt",
        Body: "payload",
        ChecksumCRC32: "AAAAAA==",
      }),
    );
    seen.badChecksum = "accepted";
  } catch (e) {
    seen.badChecksum = e.name;
  }
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
