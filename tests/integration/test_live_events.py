"""The dashboard's page and its live feed: GET /_nimbus/ answers the page, and GET /_nimbus/events
streams server-sent events of function log lines and finished invocations as they happen."""
import http.client
import json
import threading

from conftest import aws_client, aws_port

SERVERLESS_YML = """
service: liveit
provider:
  name: aws
  runtime: python3.11
functions:
  talk:
    handler: app.talk
"""

APP = """
def talk(event, context):
    print("live " + event["word"])
    return "ok"
"""


def read_events(response, wanted, found):
    """Reads server-sent events until `wanted(event, data)` has held for each of them."""
    event = None
    for raw in response:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: "):
            data = json.loads(line[len("data: "):])
            for name, check in wanted.items():
                if name not in found and check(event, data):
                    found[name] = data
            if len(found) == len(wanted):
                return


def test_page_and_live_events(project, serve):
    n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    port = aws_port(n)
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    page.request("GET", "/_nimbus/")
    r = page.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    assert b"<html" in r.read().lower()

    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    stream.request("GET", "/_nimbus/events")
    response = stream.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.readline().startswith(b":")  # The stream is open before anything happens.
    found = {}
    wanted = {
        "log": lambda e, d: e == "log" and d["message"] == "live kiwi",
        "invocation": lambda e, d: e == "invocation" and d["function"] == "liveit-dev-talk",
    }
    reader = threading.Thread(target=read_events, args=(response, wanted, found), daemon=True)
    reader.start()
    aws_client("lambda", port).invoke(FunctionName="liveit-dev-talk",
                                      Payload=json.dumps({"word": "kiwi"}))
    reader.join(30)
    assert set(found) == {"log", "invocation"}, found
    assert found["log"]["function"] == "liveit-dev-talk"
    assert found["log"]["group"] == "/aws/lambda/liveit-dev-talk"
    assert found["invocation"]["error"] is False and found["invocation"]["durationMs"] > 0
    stream.close()
