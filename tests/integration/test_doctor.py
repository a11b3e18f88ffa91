"""`nimbus doctor`: the report of what a project will run, what will not and what nimbus
ignores, and its exit codes (0 everything runs, 1 something will not, 2 configuration errors)."""
import os
import shutil
import subprocess

from conftest import NIMBUS

SERVERLESS_YML = """
service: checked
provider:
  name: aws
  runtime: nodejs20.x
constructs:
  jobs:
    type: queue
    worker:
      handler: src/worker.handler
  hook: {type: webhook, path: /hook, insecure: true}
functions:
  api:
    handler: src/api.handler
    environment:
      QUEUE_URL: ${construct:jobs.queueUrl}
    events:
      - httpApi: GET /items
      - http: POST items
      - schedule: rate(1 minute)
      - cloudwatchLog: /aws/lambda/other
      - s3: {bucket: photos-in, rules: [{suffix: .jpg}]}
  report:
    runtime: python3.12
    handler: reports/daily.main
%s
plugins:
  - serverless-offline
  - serverless-lift
"""

BROKEN = """
  broken:
    handler: src/missing.main
"""


def write(project, extra=""):
    return project({"serverless.yml": SERVERLESS_YML % extra,
                    "src/api.js": "exports.handler = async () => ({});\n",
                    "src/worker.js": "exports.handler = async () => {};\n",
                    "reports/daily.py": "def main(event, context):\n    return {}\n"})


def doctor(folder, *args, env=None):
    result = subprocess.run([NIMBUS, "doctor", *args], cwd=folder, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=60)
    return result.returncode, result.stdout, result.stderr


def test_report_names_what_will_not_run_and_what_is_ignored(project):
    d = write(project, BROKEN)
    code, out, _ = doctor(d)
    assert code == 1, out
    assert "serverless.yml: service checked, stage dev, region us-east-1" in out

    # Functions: runtimes on the interpreters found, handlers found or not.
    assert "ok      api  (checked-dev-api)" in out
    assert "handler src/api.handler -> src/api.js" in out
    assert "ok      report  (checked-dev-report)" in out
    assert "handler reports/daily.main -> reports/daily.py" in out
    assert "runtime nodejs20.x on Node.js " in out
    assert "ok      jobsWorker  (checked-dev-jobsWorker)" in out
    assert "MISSING broken  (checked-dev-broken)" in out
    assert "handler src/missing.main -> NOT FOUND: no src/missing.js, .mjs or .cjs" in out

    # Routes, the queue construct's event source and its queues.
    assert "httpApi  GET /items -> api" in out
    assert "http     POST /dev/items -> api" in out
    assert ("sqs      arn:aws:sqs:us-east-1:000000000000:checked-dev-jobs -> jobsWorker "
            "(batch size 1, partial batch failures)") in out
    assert "queue         checked-dev-jobs-dlq  (constructs.jobs)" in out
    assert "queue         checked-dev-jobs  (constructs.jobs, dead letters: " in out

    # Constructs: what is served, what is not and why, and the variables' values.
    assert "jobs (queue): served" in out
    assert "${construct:jobs.queueUrl} = http://127.0.0.1:4566/000000000000/checked-dev-jobs" in out
    assert "hook (webhook): NOT SERVED YET: its HTTP endpoint and EventBridge bus are not created" in out

    # What nimbus ignores, with file:line and why.
    assert "plugins are not loaded by nimbus and are ignored: serverless-offline\n" in out
    assert "schedule rule checked-dev-ApiEventsRuleSchedule1 on default (rate(1 minute)) -> api" in out
    assert "s3       photos-in s3:ObjectCreated:*, suffix .jpg -> api" in out
    assert "bucket        photos-in  (functions.api.events.s3)" in out
    assert "functions.api.events[3].cloudwatchLog is not supported yet and is ignored" in out
    assert "serverless.yml:10: constructs.hook (webhook) is not served yet" in out

    assert "1 problem:\n  function broken will not run: handler src/missing.main not found" in out


def test_everything_runs_exits_0(project):
    d = write(project)
    code, out, _ = doctor(d)
    assert code == 0, out
    assert out.rstrip().endswith("everything will run (3 functions)")


def test_serverless_yaml_is_found_as_the_framework_finds_it(project):
    d = write(project)
    os.rename(d / "serverless.yml", d / "serverless.yaml")
    code, out, _ = doctor(d)
    assert code == 0, out
    assert out.startswith("serverless.yaml: service checked"), out


def test_missing_interpreter_exits_1(project, tmp_path_factory):
    d = write(project)
    # A PATH with Node.js and no Python.
    bin_dir = tmp_path_factory.mktemp("bin")
    os.symlink(shutil.which("node"), bin_dir / "node")
    code, out, _ = doctor(d, env={"PATH": str(bin_dir)})
    assert code == 1, out
    assert "runtime python3.12 (no `python3` found in PATH)" in out
    assert ("function report will not run: its runtime python3.12 needs `python3`, which is not "
            "installed") in out


def test_configuration_errors_exit_2(project):
    d = project({"serverless.yml": """
        service: checked
        provider:
          name: aws
          runtime: nodejs20.x
        constructs:
          jobs:
            type: conveyor-belt
        functions:
          api:
            handler: api.handler
    """})
    code, out, _ = doctor(d)
    assert code == 2, out
    assert "serverless.yml:7:" in out
    assert "constructs.jobs.type: unknown construct type 'conveyor-belt'" in out


def test_config_stage_and_region_options(project, tmp_path):
    d = write(project)
    os.rename(d / "serverless.yml", d / "other.yml")
    code, out, _ = doctor(d, "--config", "other.yml", "--stage", "prod", "--region", "eu-west-1")
    assert code == 0, out
    assert "service checked, stage prod, region eu-west-1" in out
    assert "arn:aws:sqs:eu-west-1:000000000000:checked-prod-jobs" in out


def test_handlers_of_build_plugins(project):
    # The doctor builds nothing: a TypeScript source a build plugin compiles counts, and
    # serverless-wsgi's handler is nimbus's own adapter.
    d = project({"serverless.yml": """
        service: built
        provider:
          name: aws
          runtime: nodejs20.x
        functions:
          api:
            handler: src/api.handler
          gone:
            handler: src/gone.handler
          app:
            runtime: python3.12
            handler: wsgi_handler.handler
        custom:
          wsgi:
            app: app.app
        plugins:
          - serverless-esbuild
          - serverless-wsgi
    """, "src/api.ts": "export const handler = async () => ({});\n", "app.py": "app = None\n"})
    code, out, _ = doctor(d)
    assert code == 1, out
    assert "handler src/api.handler -> src/api.ts (built by serverless-esbuild)" in out
    assert ("handler src/gone.handler -> NOT FOUND: no src/gone.ts, .js, .mjs or .cjs for "
            "serverless-esbuild to build") in out
    assert "handler wsgi_handler.handler -> nimbus's WSGI adapter serving app.app" in out
    # The build section comes first and says what the build needs.
    assert out.index("\nbuild\n") < out.index("\nfunctions (")
    assert "serverless-esbuild builds 2 Node.js functions into .nimbus/build" in out
    assert "esbuild: not in the project's node_modules" in out
    assert "serverless-esbuild needs esbuild in the project's node_modules" in out
    assert "serverless-wsgi: wsgi_handler.handler serves the WSGI application app.app" in out


def test_build_section_with_the_projects_tools(project):
    tools = os.path.join(os.path.dirname(__file__), "fixtures", "build-tools", "node_modules")
    if not os.path.isdir(tools):
        import pytest
        pytest.skip("scripts/setup installs the build tools")
    d = project({"serverless.yml": """
        service: built
        provider:
          name: aws
          runtime: nodejs20.x
        functions:
          api:
            handler: src/api.handler
        plugins:
          - serverless-webpack
    """, "src/api.ts": "export const handler = async () => ({});\n"})
    os.symlink(os.path.realpath(tools), d / "node_modules")
    code, out, _ = doctor(d)
    assert code == 0, out
    assert "serverless-webpack builds 1 Node.js function into .nimbus/build" in out
    assert "  with the project's webpack 5." in out
    assert "  with the project's serverless-webpack 5." in out
