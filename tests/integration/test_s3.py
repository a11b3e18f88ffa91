"""S3 on the AWS endpoint, through the AWS CLI (`aws s3`, `aws s3api`), boto3, curl and the AWS SDK
for JavaScript v3: buckets, objects byte for byte (multipart up to 100 MB), listings, versioning,
conditions and ranges, presigned URLs, CORS, notifications to a function, a queue and a topic,
serverless.yml's s3 events and buckets, and what survives a kill -9."""
import base64
import datetime
import hashlib
import json
import os
import signal
import subprocess
import time
import unittest.mock
import urllib.error
import urllib.request

import pytest

from conftest import CREDENTIALS, SOURCE_DIR, aws_client, aws_port

EMPTY_YML = """
service: s3it
provider:
  name: aws
  runtime: python3.11
"""


def aws(port, *args, check=True):
    """The AWS CLI v2 from Debian, whatever else PATH may hold."""
    r = subprocess.run(["/usr/bin/aws", "--endpoint-url", "http://127.0.0.1:%d" % port, *args],
                       capture_output=True, text=True, env={**os.environ, **CREDENTIALS}, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def error_code(call):
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def random_bytes(size, seed):
    """Deterministic bytes that do not compress: a SHA-256 stream."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"%d:%d" % (seed, counter)).digest() * 64
        counter += 1
    return bytes(out[:size])


@pytest.fixture
def s3server(project, serve):
    n = serve(project({"serverless.yml": EMPTY_YML}))
    port = aws_port(n)
    return n, port, aws_client("s3", port)


def test_cli_copies_lists_syncs_and_removes_byte_for_byte(s3server, scratch):
    n, port, _ = s3server
    small = scratch / "small.txt"
    small.write_bytes(b"hello from nimbus\n")
    large = scratch / "large.bin"
    large.write_bytes(random_bytes(20 * 1024 * 1024 + 17, 1))  # Multipart in the CLI (8 MB parts).
    aws(port, "s3", "mb", "s3://cli-bucket")
    aws(port, "s3", "cp", str(small), "s3://cli-bucket/docs/small.txt")
    aws(port, "s3", "cp", str(large), "s3://cli-bucket/blobs/large.bin")
    listing = aws(port, "s3", "ls", "s3://cli-bucket/", "--recursive").stdout
    assert "docs/small.txt" in listing and "blobs/large.bin" in listing
    top = aws(port, "s3", "ls", "s3://cli-bucket/").stdout
    assert "PRE docs/" in top and "PRE blobs/" in top
    back = scratch / "back.bin"
    aws(port, "s3", "cp", "s3://cli-bucket/blobs/large.bin", str(back))
    assert back.read_bytes() == large.read_bytes()
    head = json.loads(aws(port, "s3api", "head-object", "--bucket", "cli-bucket", "--key",
                          "blobs/large.bin").stdout)
    assert head["ContentLength"] == large.stat().st_size
    assert head["ETag"].strip('"').endswith("-3")

    tree = scratch / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "one.txt").write_text("1")
    (tree / "a" / "two.txt").write_text("2")
    (tree / "a" / "b" / "three.txt").write_text("3")
    aws(port, "s3", "sync", str(tree), "s3://cli-bucket/tree")
    out = scratch / "out"
    aws(port, "s3", "sync", "s3://cli-bucket/tree", str(out))
    assert (out / "a" / "b" / "three.txt").read_text() == "3"
    assert (out / "one.txt").read_text() == "1"

    assert aws(port, "s3", "rb", "s3://cli-bucket", check=False).returncode != 0  # Not empty.
    aws(port, "s3", "rm", "s3://cli-bucket", "--recursive")
    aws(port, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in aws(port, "s3", "ls").stdout


def test_objects_metadata_conditions_ranges_copies_and_tags(s3server):
    n, port, s3 = s3server
    s3.create_bucket(Bucket="objects")
    body = b"0123456789" * 100
    put = s3.put_object(Bucket="objects", Key="dir/file name.txt", Body=body, ContentType="text/plain",
                        Metadata={"Owner": "ada"}, CacheControl="max-age=60", Tagging="team=core&env=dev")
    etag = put["ETag"]
    assert etag == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket="objects", Key="dir/file name.txt")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "ada"}
    assert got["CacheControl"] == "max-age=60"
    assert got["TagCount"] == 2

    part = s3.get_object(Bucket="objects", Key="dir/file name.txt", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20]
    assert part["ContentRange"] == "bytes 10-19/1000"
    assert s3.get_object(Bucket="objects", Key="dir/file name.txt", Range="bytes=-5")["Body"].read() == body[-5:]
    assert error_code(lambda: s3.get_object(Bucket="objects", Key="dir/file name.txt",
                                            Range="bytes=5000-")) == ("InvalidRange", 416)

    assert error_code(lambda: s3.get_object(Bucket="objects", Key="dir/file name.txt", IfNoneMatch=etag)) == \
        ("304", 304)
    assert error_code(lambda: s3.get_object(Bucket="objects", Key="dir/file name.txt",
                                            IfMatch='"nope"')) == ("PreconditionFailed", 412)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    assert error_code(lambda: s3.get_object(Bucket="objects", Key="dir/file name.txt",
                                            IfModifiedSince=future)) == ("304", 304)
    # Conditional writes: create-only.
    status, _, answer, _ = request(port, "PUT", "/objects/dir/file%20name.txt", b"x", {"If-None-Match": "*"})
    assert status == 412 and b"PreconditionFailed" in answer
    status, _, _, _ = request(port, "PUT", "/objects/created-once", b"x", {"If-None-Match": "*"})
    assert status == 200

    s3.copy_object(Bucket="objects", Key="copy.txt", CopySource={"Bucket": "objects", "Key": "dir/file name.txt"})
    copied = s3.head_object(Bucket="objects", Key="copy.txt")
    assert copied["Metadata"] == {"owner": "ada"} and copied["ETag"] == etag
    s3.copy_object(Bucket="objects", Key="copy.txt", CopySource={"Bucket": "objects", "Key": "copy.txt"},
                   MetadataDirective="REPLACE", Metadata={"owner": "grace"}, ContentType="application/x-test")
    replaced = s3.head_object(Bucket="objects", Key="copy.txt")
    assert replaced["Metadata"] == {"owner": "grace"} and replaced["ContentType"] == "application/x-test"
    assert error_code(lambda: s3.copy_object(Bucket="objects", Key="copy.txt",
                                             CopySource={"Bucket": "objects", "Key": "copy.txt"})) == \
        ("InvalidRequest", 400)

    tags = s3.get_object_tagging(Bucket="objects", Key="dir/file name.txt")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "core", "env": "dev"}
    s3.put_object_tagging(Bucket="objects", Key="copy.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket="objects", Key="copy.txt")["TagSet"] == [{"Key": "k", "Value": "v"}]
    too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]
    assert error_code(lambda: s3.put_object_tagging(Bucket="objects", Key="copy.txt",
                                                    Tagging={"TagSet": too_many}))[0] in ("BadRequest", "InvalidTag")

    # Content-MD5 is checked.
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_code(lambda: s3.put_object(Bucket="objects", Key="bad", Body=b"data", ContentMD5=bad)) == \
        ("BadDigest", 400)
    # Additional checksums are checked and kept.
    crc = s3.put_object(Bucket="objects", Key="crc", Body=b"checked", ChecksumAlgorithm="SHA256")
    assert crc["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"checked").digest()).decode()
    assert s3.head_object(Bucket="objects", Key="crc", ChecksumMode="ENABLED")["ChecksumSHA256"] == \
        crc["ChecksumSHA256"]

    deleted = s3.delete_objects(Bucket="objects", Delete={"Objects": [{"Key": "copy.txt"}, {"Key": "crc"},
                                                                      {"Key": "never-there"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["copy.txt", "crc", "never-there"]
    assert error_code(lambda: s3.head_object(Bucket="objects", Key="copy.txt")) == ("404", 404)
    assert error_code(lambda: s3.get_object(Bucket="objects", Key="copy.txt")) == ("NoSuchKey", 404)


def test_bucket_errors_and_settings(s3server):
    n, port, s3 = s3server
    assert error_code(lambda: s3.create_bucket(Bucket="Bad_Name")) == ("InvalidBucketName", 400)
    assert error_code(lambda: s3.list_objects_v2(Bucket="missing")) == ("NoSuchBucket", 404)
    s3.create_bucket(Bucket="settings")
    assert error_code(lambda: s3.create_bucket(Bucket="settings")) == ("BucketAlreadyOwnedByYou", 409)
    s3.put_object(Bucket="settings", Key="k", Body=b"v")
    assert error_code(lambda: s3.delete_bucket(Bucket="settings")) == ("BucketNotEmpty", 409)
    assert s3.get_bucket_location(Bucket="settings")["LocationConstraint"] is None
    assert error_code(lambda: s3.get_bucket_policy(Bucket="settings")) == ("NoSuchBucketPolicy", 404)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::settings/*"}]})
    s3.put_bucket_policy(Bucket="settings", Policy=policy)
    assert json.loads(s3.get_bucket_policy(Bucket="settings")["Policy"]) == json.loads(policy)
    s3.put_bucket_tagging(Bucket="settings", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert s3.get_bucket_tagging(Bucket="settings")["TagSet"] == [{"Key": "a", "Value": "b"}]
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "settings" in names
    # Malformed XML is refused, nothing stored.
    status, _, body, _ = request(port, "PUT", "/settings?versioning", b"<VersioningConfiguration><Status>")
    assert status == 400 and b"MalformedXML" in body
    assert "Status" not in s3.get_bucket_versioning(Bucket="settings")


def request(port, method, path, body=None, headers=None):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), r.headers
    finally:
        conn.close()


def test_listings_with_delimiters_pages_and_start_after(s3server):
    n, port, s3 = s3server
    s3.create_bucket(Bucket="listing")
    keys = ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d/4.txt", "e.txt", "f.txt"]
    for k in keys:
        s3.put_object(Bucket="listing", Key=k, Body=k.encode())
    top = s3.list_objects_v2(Bucket="listing", Delimiter="/")
    assert [c["Key"] for c in top["Contents"]] == ["a.txt", "e.txt", "f.txt"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["b/", "d/"]
    assert top["KeyCount"] == 5
    under = s3.list_objects_v2(Bucket="listing", Prefix="b/", Delimiter="/")
    assert [c["Key"] for c in under["Contents"]] == ["b/1.txt", "b/2.txt"]
    assert [p["Prefix"] for p in under["CommonPrefixes"]] == ["b/c/"]
    # Pages of two, delimiter and all, with continuation tokens.
    seen, token = [], None
    while True:
        args = {"Bucket": "listing", "Delimiter": "/", "MaxKeys": 2}
        if token:
            args["ContinuationToken"] = token
        page = s3.list_objects_v2(**args)
        seen += [c["Key"] for c in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert sorted(seen) == ["a.txt", "b/", "d/", "e.txt", "f.txt"]
    after = s3.list_objects_v2(Bucket="listing", StartAfter="b/2.txt")
    assert [c["Key"] for c in after["Contents"]] == ["b/c/3.txt", "d/4.txt", "e.txt", "f.txt"]
    v1 = s3.list_objects(Bucket="listing", Marker="d/4.txt", MaxKeys=1)
    assert [c["Key"] for c in v1["Contents"]] == ["e.txt"] and v1["IsTruncated"]
    paginator = s3.get_paginator("list_objects")
    assert sorted(c["Key"] for p in paginator.paginate(Bucket="listing", PaginationConfig={"PageSize": 3})
                  for c in p["Contents"]) == sorted(keys)


def test_versioning_keeps_versions_and_delete_markers(s3server):
    n, port, s3 = s3server
    s3.create_bucket(Bucket="versions")
    s3.put_bucket_versioning(Bucket="versions", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="versions", Key="doc", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket="versions", Key="doc", Body=b"two")["VersionId"]
    assert first != second and first != "null"
    assert s3.get_object(Bucket="versions", Key="doc")["Body"].read() == b"two"
    assert s3.get_object(Bucket="versions", Key="doc", VersionId=first)["Body"].read() == b"one"
    marker = s3.delete_object(Bucket="versions", Key="doc")
    assert marker["DeleteMarker"] is True
    assert error_code(lambda: s3.get_object(Bucket="versions", Key="doc")) == ("NoSuchKey", 404)
    listing = s3.list_object_versions(Bucket="versions")
    assert [v["VersionId"] for v in listing["Versions"]] == [second, first]
    assert listing["DeleteMarkers"][0]["IsLatest"] is True
    assert s3.list_objects_v2(Bucket="versions")["KeyCount"] == 0
    # Removing the marker brings the object back.
    s3.delete_object(Bucket="versions", Key="doc", VersionId=marker["VersionId"])
    assert s3.get_object(Bucket="versions", Key="doc")["Body"].read() == b"two"


def test_multipart_upload_of_100_mb_round_trips(s3server, scratch):
    import boto3.s3.transfer
    n, port, s3 = s3server
    s3.create_bucket(Bucket="multipart")
    source = scratch / "big.bin"
    source.write_bytes(random_bytes(100 * 1024 * 1024, 7))
    config = boto3.s3.transfer.TransferConfig(multipart_threshold=8 * 1024 * 1024,
                                              multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)
    s3.upload_file(str(source), "multipart", "big.bin", Config=config)
    head = s3.head_object(Bucket="multipart", Key="big.bin")
    assert head["ContentLength"] == 100 * 1024 * 1024
    assert head["ETag"].strip('"').endswith("-7")
    back = scratch / "back.bin"
    s3.download_file("multipart", "big.bin", str(back), Config=config)
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()

    upload = s3.create_multipart_upload(Bucket="multipart", Key="parts")["UploadId"]
    small = s3.upload_part(Bucket="multipart", Key="parts", UploadId=upload, PartNumber=1, Body=b"tiny")
    s3.upload_part(Bucket="multipart", Key="parts", UploadId=upload, PartNumber=2, Body=b"end")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket="multipart", Key="parts", UploadId=upload)["Parts"]] == [1, 2]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="multipart")["Uploads"]] == [upload]
    parts = [{"PartNumber": 1, "ETag": small["ETag"]}, {"PartNumber": 2, "ETag": '"0"'}]
    assert error_code(lambda: s3.complete_multipart_upload(Bucket="multipart", Key="parts", UploadId=upload,
                                                           MultipartUpload={"Parts": parts}))[0] == "InvalidPart"
    copy = s3.upload_part_copy(Bucket="multipart", Key="parts", UploadId=upload, PartNumber=2,
                               CopySource={"Bucket": "multipart", "Key": "big.bin"},
                               CopySourceRange="bytes=0-9")
    parts[1]["ETag"] = copy["CopyPartResult"]["ETag"]
    # Every part but the last must hold 5 MB.
    assert error_code(lambda: s3.complete_multipart_upload(Bucket="multipart", Key="parts", UploadId=upload,
                                                           MultipartUpload={"Parts": parts}))[0] == "EntityTooSmall"
    s3.abort_multipart_upload(Bucket="multipart", Key="parts", UploadId=upload)
    assert error_code(lambda: s3.list_parts(Bucket="multipart", Key="parts", UploadId=upload)) == \
        ("NoSuchUpload", 404)


def curl(*args):
    r = subprocess.run(["curl", "-s", "-S", "-o", "-", "-w", "\n%{http_code}", *args],
                       capture_output=True, timeout=60)
    out = r.stdout
    body, _, code = out.rpartition(b"\n")
    return int(code), body


def test_presigned_urls_with_curl(s3server, scratch):
    import boto3
    import botocore.auth
    import botocore.config
    n, port, _ = s3server
    # SigV4, as current SDKs presign (this boto3 would sign with SigV2 by default).
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test",
                      config=botocore.config.Config(signature_version="s3v4"))
    s3.create_bucket(Bucket="presigned")
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "presigned", "Key": "up.txt"}, ExpiresIn=300)
    payload = scratch / "up.txt"
    payload.write_bytes(b"uploaded with curl")
    code, _ = curl("-X", "PUT", "--upload-file", str(payload), put_url)
    assert code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": "up.txt"}, ExpiresIn=300)
    code, body = curl(get_url)
    assert (code, body) == (200, b"uploaded with curl")
    # Another key under the same signature is refused.
    code, body = curl(get_url.replace("up.txt", "other.txt"))
    assert code == 403 and b"SignatureDoesNotMatch" in body
    # Signed two hours ago for one hour: expired.
    past = datetime.datetime.utcnow() - datetime.timedelta(hours=2)

    class Then(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return past
    with unittest.mock.patch.object(botocore.auth.datetime, "datetime", Then):
        old_url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": "up.txt"},
                                            ExpiresIn=3600)
    code, body = curl(old_url)
    assert code == 403 and b"AccessDenied" in body and b"Request has expired" in body


def test_cors_preflight_on_object_urls(s3server):
    n, port, s3 = s3server
    s3.create_bucket(Bucket="web")
    status, _, body, _ = request(port, "OPTIONS", "/web/photo.jpg",
                                 headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"})
    assert status == 403 and b"CORS is not enabled" in body
    s3.put_bucket_cors(Bucket="web", CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://*.example"], "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["content-type"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    status, headers, _, _ = request(port, "OPTIONS", "/web/photo.jpg", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert "PUT" in headers["access-control-allow-methods"]
    assert headers["access-control-max-age"] == "600"
    status, _, _, _ = request(port, "OPTIONS", "/web/photo.jpg", headers={
        "Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"})
    assert status == 403
    s3.put_object(Bucket="web", Key="photo.jpg", Body=b"img")
    status, headers, _, _ = request(port, "GET", "/web/photo.jpg", headers={"Origin": "https://app.example"})
    assert status == 200 and headers["access-control-expose-headers"] == "ETag"


def test_js_sdk_v3_with_default_checksums(s3server):
    n, port, s3 = s3server
    script = os.path.join(os.path.dirname(__file__), "js", "s3_client.cjs")
    env = {**os.environ, "NODE_PATH": os.path.join(SOURCE_DIR, "runtimes", "node", "node_modules")}
    r = subprocess.run(["node", script, "http://127.0.0.1:%d" % port], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["streamed"] == seen["streamedBack"]
    assert seen["bufferBack"] == "hello js"
    assert seen["checksumCRC32"]
    assert seen["badChecksum"] == "BadDigest"
    # What the SDK stored is what boto3 reads.
    assert s3.get_object(Bucket="jsbucket", Key="streamed.bin")["ContentLength"] == seen["streamedLength"]


def test_browser_form_upload_with_a_post_policy(s3server, scratch):
    import boto3
    import botocore.config
    n, port, _ = s3server
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test",
                      config=botocore.config.Config(signature_version="s3v4"))
    s3.create_bucket(Bucket="forms")
    photo = scratch / "photo.png"
    photo.write_bytes(b"\x89PNG not really" * 10)

    def post(key, conditions_key="uploads/", path=photo):
        form = s3.generate_presigned_post(
            "forms", key, Fields={"success_action_status": "201", "Content-Type": "image/png"},
            Conditions=[["starts-with", "$key", conditions_key], {"success_action_status": "201"},
                        ["starts-with", "$Content-Type", "image/"], ["content-length-range", 1, 1000]],
            ExpiresIn=300)
        args = []
        for name, value in form["fields"].items():
            args += ["--form-string", "%s=%s" % (name, value)]
        return curl(*args, "-F", "file=@%s" % path, form["url"])
    code, body = post("uploads/${filename}")
    assert code == 201 and b"<Key>uploads/photo.png</Key>" in body, body
    got = s3.get_object(Bucket="forms", Key="uploads/photo.png")
    assert got["Body"].read() == photo.read_bytes() and got["ContentType"] == "image/png"
    code, body = post("elsewhere/photo.png")
    assert code == 403 and b"Invalid according to Policy" in body
    big = scratch / "big.png"
    big.write_bytes(b"x" * 5000)
    code, body = post("uploads/big.png", path=big)
    assert code == 400 and b"EntityTooLarge" in body
