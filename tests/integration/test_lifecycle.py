"""Configuration errors, reload on change, and a clean stop."""
import os
import subprocess
import time

from conftest import NIMBUS

APP = {
    "serverless.yml": """
        service: life
        provider:
          name: aws
          runtime: nodejs20.x
        plugins:
          - serverless-offline
        functions:
          f:
            handler: h.main
            events:
              - httpApi: '*'
        """,
    "h.js": "exports.main = async () => ({statusCode: 200, body: 'one'});",
}


def test_invalid_configuration_exits_2_naming_file_line_and_key(project):
    d = project({"serverless.yml": """
        service: broken
        provider:
          name: aws
          runtime: nodejs99.x
        functions:
          f:
            handler: h.main
        """})
    r = subprocess.run([NIMBUS, "serve", "--port", "0", "--aws-port", "0"], cwd=d,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "serverless.yml:4" in r.stderr and "provider.runtime" in r.stderr, r.stderr


def test_unresolvable_variable_is_an_error(project):
    d = project({"serverless.yml": """
        service: broken
        provider:
          name: aws
          runtime: nodejs20.x
          environment:
            TOKEN: ${env:NIMBUS_TEST_SURELY_UNSET}
        functions:
          f:
            handler: h.main
        """})
    r = subprocess.run([NIMBUS, "serve", "--port", "0", "--aws-port", "0"], cwd=d,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "serverless.yml:6" in r.stderr and "NIMBUS_TEST_SURELY_UNSET" in r.stderr, r.stderr


def test_version_and_help():
    r = subprocess.run([NIMBUS, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("nimbus ")
    r = subprocess.run([NIMBUS, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "serve" in r.stdout
    r = subprocess.run([NIMBUS, "serve", "--no-such-flag"], capture_output=True, text=True)
    assert r.returncode == 2


def test_ignored_plugins_are_named_in_a_warning(project, serve):
    n = serve(project(APP))
    n.wait_for(r"warning: .*serverless-offline")


def test_code_and_config_changes_reload_without_restart(project, serve):
    d = project(APP)
    n = serve(d)
    assert n.request("GET", "/")[2] == b"one"
    mark = n.mark()
    (d / "h.js").write_text("exports.main = async () => ({statusCode: 200, body: 'two'});")
    n.wait_for(r"^reloaded ", start=mark)
    assert n.request("GET", "/")[2] == b"two"

    # A broken configuration leaves the previous deployment serving.
    mark = n.mark()
    (d / "serverless.yml").write_text((d / "serverless.yml").read_text().replace("nodejs20.x", "cobol"))
    n.wait_for(r"reload failed", start=mark)
    assert n.request("GET", "/")[2] == b"two"


def test_sigterm_stops_cleanly_with_no_environment_left(project, serve):
    n = serve(project(APP))
    assert n.request("GET", "/")[0] == 200
    children = subprocess.run(["pgrep", "-P", str(n.proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "a warm environment runs as a child process"
    assert n.stop() == 0
    for pid in children:
        assert not os.path.exists("/proc/%s" % pid) or open("/proc/%s/stat" % pid).read().split()[2] == "Z"
