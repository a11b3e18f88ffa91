"""Function failures reach the client as API Gateway answers them, and the server keeps serving."""
import json

SERVERLESS_YML = """
service: faults
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 128
functions:
  api:
    handler: handler.main
    timeout: 1
    events:
      - httpApi: '*'
  rest:
    handler: handler.main
    timeout: 1
    events:
      - http: ANY /{proxy+}
"""

HANDLER = """
exports.main = async (event) => {
  const path = event.rawPath || event.path;
  if (path.endsWith('/ok')) return { statusCode: 200, body: 'fine' };
  if (path.endsWith('/throw')) throw new Error('handler failed');
  if (path.endsWith('/exit')) process.exit(9);
  // A handler that never answers while work keeps its event loop busy runs into its timeout.
  if (path.endsWith('/hang')) return new Promise(() => { setInterval(() => {}, 1000); });
  // One whose promise can never settle empties the event loop: Node's runtime reports that.
  if (path.endsWith('/unsettled')) return new Promise(() => {});
  if (path.endsWith('/garbage')) return { statusCode: 'not a number', body: 1 };
  if (path.endsWith('/memory')) {
    const hoard = [];
    for (;;) hoard.push(Buffer.alloc(16 * 1024 * 1024, 1));
  }
  return { statusCode: 404, body: 'unknown' };
};
"""


def make(project):
    return project({"serverless.yml": SERVERLESS_YML, "handler.js": HANDLER})


def test_http_api_failures_are_500_internal_server_error(project, serve):
    n = serve(make(project))
    for path in ["/throw", "/exit", "/hang", "/unsettled", "/garbage", "/memory"]:
        status, headers, body, _ = n.request("GET", path)
        assert status == 500, (path, body)
        assert body == b'{"message":"Internal Server Error"}', path
        # The next request is served, by a fresh environment where the last one died.
        status, _, body, _ = n.request("GET", "/ok")
        assert (status, body) == (200, b"fine"), path


def test_rest_failures_are_502_internal_server_error(project, serve):
    n = serve(make(project))
    for path in ["/dev/throw", "/dev/exit", "/dev/garbage"]:
        status, headers, body, _ = n.request("GET", path)
        assert status == 502, (path, body)
        assert body == b'{"message": "Internal server error"}', path
        status, _, body, _ = n.request("GET", "/dev/ok")
        if (status, body) != (200, b"fine"):
            print(n.output())
        assert (status, body) == (200, b"fine"), path


def test_failures_are_logged_as_lambda_logs_them(project, serve):
    n = serve(make(project))
    mark = n.mark()
    n.request("GET", "/hang")
    line = n.wait_for(r"\[api\] REPORT RequestId: .*Status: timeout", start=mark)
    assert "Duration: " in line
    mark = n.mark()
    n.request("GET", "/exit")
    n.wait_for(r"\[api\] REPORT RequestId: .*Status: error\tError Type: Runtime.ExitError", start=mark)
    mark = n.mark()
    n.request("GET", "/memory")
    n.wait_for(r"\[api\] REPORT RequestId: .*Max Memory Used: 12[0-8] MB.*Error Type: Runtime.OutOfMemory", start=mark)
    mark = n.mark()
    n.request("GET", "/throw")
    n.wait_for(r"\[api\] .*\tERROR\t.*handler failed", start=mark)


def test_no_route_answers(project, serve):
    project({"serverless.yml": """
        service: routes
        provider:
          name: aws
          runtime: nodejs20.x
        functions:
          one:
            handler: handler.main
            events:
              - httpApi: GET /only
              - http: GET only
        """, "handler.js": "exports.main = async () => ({statusCode: 200, body: 'x'});"})
    import pathlib
    n = serve(pathlib.Path(project({})))
    status, headers, body, _ = n.request("GET", "/missing")
    assert (status, body) == (404, b'{"message":"Not Found"}')
    status, headers, body, _ = n.request("GET", "/dev/missing")
    assert (status, body) == (403, b'{"message":"Missing Authentication Token"}')
    assert headers.get("x-amzn-errortype") == "MissingAuthenticationTokenException"
    assert n.request("GET", "/only")[0] == 200
    assert n.request("GET", "/dev/only")[0] == 200
