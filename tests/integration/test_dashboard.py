"""The web dashboard at /_nimbus/ on the AWS endpoint, seen through headless Chromium: both functions
of a project listed with their invocation counts, the charts drawn from real data, and a line a
function prints appearing in the live log tail while the page is open."""
import json
import os
import shutil
import uuid

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import aws_client, aws_port

SERVERLESS_YML = """
service: dashit
provider:
  name: aws
  runtime: python3.11
functions:
  hello:
    handler: app.hello
    events:
      - httpApi: GET /hello
  echo:
    handler: app.echo
"""

APP = """
def hello(event, context):
    return {"statusCode": 200, "body": "hi"}

def echo(event, context):
    print(event.get("say", "nothing to say"))
    return event
"""


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # No sandbox and no /dev/shm: CI runs as root in a container with a small /dev/shm.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,900"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def cell(driver, function, column):
    """The text of one cell of the functions table, or None while the row is not there."""
    found = driver.find_elements(By.CSS_SELECTOR, 'tr[data-function="%s"] td.%s' % (function, column))
    try:
        return found[0].text if found else None
    except StaleElementReferenceException:  # Redrawn since it was found.
        return None


def drawn_lines(driver):
    """The chart lines that join at least two points."""
    return [p for p in driver.find_elements(By.CSS_SELECTOR, "#charts svg path.line")
            if (p.get_attribute("d") or "").count("L") >= 1]


def screenshot(driver, tmp_path, name):
    path = tmp_path / name
    driver.save_screenshot(str(path))
    artifacts = os.environ.get("NIMBUS_ARTIFACTS_DIR")
    if artifacts:
        os.makedirs(artifacts, exist_ok=True)
        shutil.copy(path, os.path.join(artifacts, name))


def test_dashboard_shows_functions_charts_and_live_logs(project, serve, tmp_path):
    n = serve(project({"serverless.yml": SERVERLESS_YML, "app.py": APP}))
    port = aws_port(n)
    for _ in range(3):
        assert n.request("GET", "/hello")[0] == 200
    lam = aws_client("lambda", port)
    for _ in range(2):
        lam.invoke(FunctionName="dashit-dev-echo", Payload=json.dumps({"say": "warming up"}).encode())

    driver = browser()
    try:
        driver.get("http://127.0.0.1:%d/_nimbus/" % port)
        # The page redraws its table every few seconds: an element found just before a redraw
        # goes stale, and the wait looks again.
        wait = WebDriverWait(driver, 30, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,))
        # The header names the service; the table lists both functions with their counts.
        wait.until(lambda d: d.find_element(By.ID, "svc-name").text == "dashit")
        wait.until(lambda d: cell(d, "dashit-dev-hello", "c-inv") == "3")
        wait.until(lambda d: cell(d, "dashit-dev-echo", "c-inv") == "2")
        wait.until(lambda d: cell(d, "dashit-dev-hello", "c-err") == "0")
        wait.until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#fn-rows .fn-name")]
                   == ["echo", "hello"])
        # More traffic while the page is open: the charts draw lines through the points.
        for _ in range(2):
            assert n.request("GET", "/hello")[0] == 200
        wait.until(lambda d: cell(d, "dashit-dev-hello", "c-inv") == "5")
        wait.until(lambda d: len(drawn_lines(d)) >= 4)
        wait.until(lambda d: d.find_element(By.ID, "k-inv").text == "7")
        # A shorter window redraws the same charts; selecting a function draws its own.
        driver.find_element(By.CSS_SELECTOR, '#range button[data-range="300"]').click()
        assert driver.find_element(By.ID, "charts").is_displayed()
        driver.find_element(By.CSS_SELECTOR, 'tr[data-function="dashit-dev-hello"]').click()
        wait.until(lambda d: d.find_element(By.ID, "chart-title").text == "hello")
        wait.until(lambda d: len(drawn_lines(d)) >= 4)
        screenshot(driver, tmp_path, "dashboard.png")

        # The live tail: a line printed now appears without reloading the page.
        driver.find_element(By.CSS_SELECTOR, 'nav.tabs button[data-tab="logs"]').click()
        wait.until(lambda d: "warming up" in d.find_element(By.ID, "log-lines").text)
        marker = "dashboard-" + uuid.uuid4().hex
        lam.invoke(FunctionName="dashit-dev-echo", Payload=json.dumps({"say": marker}).encode())
        wait.until(lambda d: marker in d.find_element(By.ID, "log-lines").text)
        screenshot(driver, tmp_path, "dashboard-logs.png")

        # A filter pattern narrows the tail to matching lines, filtered by nimbus.
        driver.find_element(By.ID, "log-filter").send_keys('"%s"' % marker)
        wait.until(lambda d: "warming up" not in d.find_element(By.ID, "log-lines").text
                   and marker in d.find_element(By.ID, "log-lines").text)

        # Queues, alarms and traces answer with their empty states rather than errors.
        driver.find_element(By.CSS_SELECTOR, 'nav.tabs button[data-tab="traces"]').click()
        wait.until(lambda d: "No traces recorded yet" in d.find_element(By.ID, "traces-body").text)
        driver.find_element(By.CSS_SELECTOR, 'nav.tabs button[data-tab="alarms"]').click()
        wait.until(lambda d: "No alarms" in d.find_element(By.ID, "a-rows").text)
        errors = [e for e in driver.get_log("browser")
                  if e["level"] == "SEVERE" and "Uncaught" in e["message"]]
        assert errors == []
    finally:
        driver.quit()
