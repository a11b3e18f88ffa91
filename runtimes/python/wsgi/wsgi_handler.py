"""The `wsgi_handler.handler` of serverless-wsgi, as nimbus serves it.

A project using serverless-wsgi points its functions at `wsgi_handler.handler` and names its
WSGI application (Flask, Django, ...) in `custom.wsgi.app`; the plugin copies its adapter into
the package at deploy time. nimbus puts this module on the function's import path instead and
passes the application's name in NIMBUS_WSGI_APP ("app.app", "project.wsgi.application").

The adapter turns an API Gateway event (REST payload 1.0, HTTP API 2.0) into a WSGI request
(PEP 3333), calls the application, and answers in the proxy response format.
"""

import base64
import importlib
import io
import os
import sys
from urllib.parse import urlencode

# Response types sent as text; everything else is base64-encoded, as API Gateway expects binary
# bodies of a proxy response.
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml",
              "application/vnd.api+json", "image/svg+xml")


def _load_application():
    name = os.environ.get("NIMBUS_WSGI_APP", "")
    module_name, _, attribute = name.rpartition(".")
    if not module_name:
        raise RuntimeError(
            "custom.wsgi.app must name the module and the application, like app.app")
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if root not in sys.path:
        sys.path.insert(0, root)
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


_application = None


def _is_text(content_type):
    content_type = (content_type or "").lower()
    return content_type.startswith(TEXT_TYPES) or "charset=" in content_type


def _environ(event, context):
    version2 = event.get("version") == "2.0"
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if version2:
        http = event["requestContext"]["http"]
        method = http["method"]
        path = event.get("rawPath") or "/"
        query = event.get("rawQueryString") or ""
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
        source_ip = http.get("sourceIp", "")
    else:
        method = event.get("httpMethod", "GET")
        path = event.get("path") or "/"
        multi = event.get("multiValueQueryStringParameters")
        single = event.get("queryStringParameters")
        if multi:
            query = urlencode([(k, v) for k, vs in multi.items() for v in vs])
        elif single:
            query = urlencode(single)
        else:
            query = ""
        source_ip = (event.get("requestContext") or {}).get("identity", {}).get("sourceIp", "")
        # A REST API's stage prefix is the application's script name, so that url_for and
        # redirects include it, as serverless-wsgi arranges when it is served at /{stage}.
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body_bytes = base64.b64decode(body)
    else:
        body_bytes = body.encode("utf-8")
    script_name = ""
    stage = (event.get("requestContext") or {}).get("stage", "")
    host = headers.get("host", "localhost")
    if not version2 and stage and stage != "$default" and "amazonaws.com" in host:
        script_name = "/" + stage
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": source_ip,
        "CONTENT_LENGTH": str(len(body_bytes)),
        "CONTENT_TYPE": headers.get("content-type", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "http"),
        "wsgi.input": io.BytesIO(body_bytes),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "serverless.event": event,
        "serverless.context": context,
    }
    for name, value in headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            environ[key] = value
    return environ, version2


def handler(event, context):
    global _application
    if _application is None:
        _application = _load_application()
    environ, version2 = _environ(event, context)
    response = {}

    def start_response(status, response_headers, exc_info=None):
        response["status"] = int(status.split(" ", 1)[0])
        response["headers"] = response_headers
        return lambda data: response.setdefault("written", []).append(data)

    result = _application(environ, start_response)
    try:
        chunks = response.pop("written", []) + [chunk for chunk in result]
    finally:
        if hasattr(result, "close"):
            result.close()
    body = b"".join(chunks)

    headers, multi = {}, {}
    cookies = []
    for name, value in response.get("headers", []):
        if version2 and name.lower() == "set-cookie":
            cookies.append(value)
            continue
        multi.setdefault(name, []).append(value)
        headers[name] = value if name not in headers else headers[name] + "," + value
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    answer = {"statusCode": response.get("status", 500)}
    if version2:
        answer["headers"] = headers
        if cookies:
            answer["cookies"] = cookies
    else:
        answer["multiValueHeaders"] = multi
    if body and not _is_text(content_type):
        answer["body"] = base64.b64encode(body).decode("ascii")
        answer["isBase64Encoded"] = True
    else:
        answer["body"] = body.decode("utf-8")
        answer["isBase64Encoded"] = False
    return answer
