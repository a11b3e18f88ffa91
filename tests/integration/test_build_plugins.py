"""Projects that build with a Serverless Framework plugin run under `nimbus serve` without a step
of their own: serverless-esbuild, serverless-webpack and serverless-plugin-typescript with the
tools from the project's node_modules, rebuilt after an edit; build errors in the tool's own
words; serverless-wsgi's Flask app; serverless-python-requirements' packages."""
import json
import os
import zipfile

import pytest

from conftest import Nimbus, SOURCE_DIR, aws_port, lambda_client

TOOLS = os.path.join(SOURCE_DIR, "tests", "integration", "fixtures", "build-tools", "node_modules")

pytestmark = pytest.mark.skipif(not os.path.isdir(TOOLS), reason="scripts/setup installs the build tools")

# Builds run before nimbus serves, and compilers are slow on a busy machine.
BUILD_TIMEOUT = 180


def with_tools(folder):
    """The project's node_modules: the build tools, as `npm install` would leave them."""
    os.symlink(os.path.realpath(TOOLS), folder / "node_modules")
    return folder


def get_json(n, path):
    status, _, body, _ = n.request("GET", path)
    assert status == 200, (body, n.output()[-4000:])
    return json.loads(body)


ESBUILD_PROJECT = {
    "serverless.yml": """
        service: typed
        plugins:
          - serverless-esbuild
          - serverless-offline
        custom:
          esbuild:
            bundle: true
            minify: true
            define:
              BUILD_FLAVOUR: '"bundled"'
        provider:
          name: aws
          runtime: nodejs20.x
        functions:
          hello:
            handler: src/handler.hello
            events:
              - httpApi: GET /hello
        """,
    "src/handler.ts": """
        import { greeting } from './greeting';
        declare const BUILD_FLAVOUR: string;
        export const hello = async (): Promise<{ statusCode: number; body: string }> => ({
          statusCode: 200,
          body: JSON.stringify({ message: greeting('nimbus'), flavour: BUILD_FLAVOUR }),
        });
        """,
    "src/greeting.ts": """
        export const greeting = (name: string): string => `hello ${name}`;
        """,
}


def test_esbuild_builds_typescript_and_rebuilds_after_an_edit(project):
    folder = with_tools(project(ESBUILD_PROJECT))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        assert get_json(n, "/hello") == {"message": "hello nimbus", "flavour": "bundled"}
        assert "serverless-esbuild built 1 function" in n.output()
        # The plugin that builds is not among the ignored ones.
        assert "ignored: serverless-offline" in n.output()
        assert "serverless-esbuild," not in n.output()
        # One bundle: the imported module is inside it, minified.
        built = [p for p in (folder / ".nimbus" / "build").glob("*/src/handler.js")]
        assert len(built) == 1
        assert "hello " in built[0].read_text() and "\n  " not in built[0].read_text()

        mark = n.mark()
        (folder / "src" / "greeting.ts").write_text(
            "export const greeting = (name: string): string => `goodbye ${name}`;\n")
        n.wait_for(r"reloaded serverless\.yml", start=mark, timeout=BUILD_TIMEOUT)
        assert get_json(n, "/hello")["message"] == "goodbye nimbus"

        # A syntax error: esbuild's own message, and the last good build keeps serving.
        mark = n.mark()
        (folder / "src" / "greeting.ts").write_text("export const greeting = (name: string => ;\n")
        n.wait_for(r"reload failed; the previous deployment keeps serving", start=mark,
                   timeout=BUILD_TIMEOUT)
        assert "src/greeting.ts:1:" in n.output(), n.output()
        assert get_json(n, "/hello")["message"] == "goodbye nimbus"
    finally:
        n.stop()


def test_a_build_that_fails_at_start_answers_with_the_tools_message(project):
    files = dict(ESBUILD_PROJECT)
    files["src/greeting.ts"] = "export const greeting = (name: string) => { return name\n"
    folder = with_tools(project(files))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        n.wait_for(r"error: the build of serverless\.yml failed")
        status, _, body, _ = n.request("GET", "/hello")
        assert status == 500, body
        response = lambda_client(aws_port(n)).invoke(FunctionName="typed-dev-hello")
        assert response["FunctionError"] == "Unhandled"
        error = json.loads(response["Payload"].read())
        assert error["errorType"] == "Runtime.ImportModuleError"
        assert "serverless-esbuild could not build this function" in error["errorMessage"]
        assert "src/greeting.ts:2:" in error["errorMessage"], error["errorMessage"]

        # Fixing the file brings the function up.
        mark = n.mark()
        (folder / "src" / "greeting.ts").write_text(
            "export const greeting = (name: string): string => `hi ${name}`;\n")
        n.wait_for(r"reloaded serverless\.yml", start=mark, timeout=BUILD_TIMEOUT)
        assert get_json(n, "/hello")["message"] == "hi nimbus"
    finally:
        n.stop()


def test_webpack_builds_with_the_projects_config_and_the_plugins_lib(project):
    folder = with_tools(project({
        "serverless.yml": """
            service: packed
            plugins: [serverless-webpack]
            custom:
              webpack:
                webpackConfig: ./webpack.config.js
                includeModules: true
            provider:
              name: aws
              runtime: nodejs20.x
            functions:
              first:
                handler: handlers/first.handler
                events:
                  - http: GET first
              second:
                handler: handlers/second.handler
                events:
                  - http: GET second
            """,
        "webpack.config.js": """
            const path = require('path');
            const slsw = require('serverless-webpack');
            module.exports = {
              entry: slsw.lib.entries,
              mode: slsw.lib.webpack.isLocal ? 'development' : 'production',
              target: 'node',
              resolve: { extensions: ['.ts', '.js'] },
              module: { rules: [{ test: /\\.ts$/, loader: 'ts-loader' }] },
              plugins: [new (require('webpack').DefinePlugin)({
                ENTRIES: JSON.stringify(Object.keys(slsw.lib.entries).sort()),
                IS_LOCAL: JSON.stringify(slsw.lib.webpack.isLocal),
              })],
              output: {
                libraryTarget: 'commonjs',
                path: path.join(__dirname, '.webpack'),
                filename: '[name].js',
              },
            };
            """,
        "tsconfig.json": '{"compilerOptions": {"target": "es2020", "module": "commonjs", "strict": true}}\n',
        "handlers/first.ts": """
            declare const ENTRIES: string[];
            declare const IS_LOCAL: boolean;
            export const handler = async () => ({
              statusCode: 200,
              body: JSON.stringify({ entries: ENTRIES, isLocal: IS_LOCAL }),
            });
            """,
        "handlers/second.js": """
            exports.handler = async () => ({ statusCode: 200, body: '{"second":true}' });
            """,
    }))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        assert get_json(n, "/dev/first") == {"entries": ["handlers/first", "handlers/second"],
                                             "isLocal": True}
        assert get_json(n, "/dev/second") == {"second": True}
        # nimbus's output folder, not the config's .webpack, which the project keeps for its own.
        assert not (folder / ".webpack").exists()
    finally:
        n.stop()


def test_plugin_typescript_compiles_with_the_projects_tsconfig(project):
    folder = with_tools(project({
        "serverless.yml": """
            service: tsplain
            plugins: [serverless-plugin-typescript]
            provider:
              name: aws
              runtime: nodejs20.x
            functions:
              api:
                handler: src/api.main
                events:
                  - httpApi: GET /api
            """,
        "tsconfig.json": '{"compilerOptions": {"target": "es2019", "module": "commonjs", "strict": true}}\n',
        "src/api.ts": """
            import * as util from './util';
            const count: number = 'three';
            export async function main() {
              return { statusCode: 200, body: JSON.stringify({ doubled: util.double(21), count }) };
            }
            """,
        "src/util.ts": "export const double = (n: number): number => n * 2;\n",
    }))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        # A type error is reported as tsc reports it; the code still runs, as it deploys.
        assert get_json(n, "/api") == {"doubled": 42, "count": "three"}
        assert "error TS2322" in n.output()
    finally:
        n.stop()


def test_wsgi_serves_a_flask_app(project):
    pytest.importorskip("flask")
    folder = project({
        "serverless.yml": """
            service: flaskapp
            plugins: [serverless-wsgi]
            custom:
              wsgi:
                app: app.app
            provider:
              name: aws
              runtime: python3.11
            functions:
              api:
                handler: wsgi_handler.handler
                events:
                  - http: ANY /
                  - http: ANY /{proxy+}
            """,
        "app.py": """
            from flask import Flask, jsonify, request

            app = Flask(__name__)

            @app.route("/items/<name>", methods=["POST"])
            def create(name):
                return jsonify(name=name, size=request.args.get("size"), body=request.get_json()), 201

            @app.route("/")
            def index():
                return "home", 200, {"X-App": "flask"}
            """,
    })
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        status, headers, body, _ = n.request(
            "POST", "/dev/items/cup?size=large", body='{"colour": "blue"}',
            headers={"Content-Type": "application/json"})
        assert status == 201, body
        assert json.loads(body) == {"name": "cup", "size": "large", "body": {"colour": "blue"}}
        status, headers, body, _ = n.request("GET", "/dev/")
        assert (status, body, headers["x-app"]) == (200, b"home", "flask")
    finally:
        n.stop()


def wheel(folder, name, source):
    """A pure-Python wheel of one module, as pip installs it without an index."""
    path = folder / ("%s-1.0-py3-none-any.whl" % name)
    info = "%s-1.0.dist-info" % name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("%s.py" % name, source)
        z.writestr(info + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name)
        z.writestr(info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(info + "/RECORD", "")
    return path.name


PYTHON_PROJECT = {
    "serverless.yml": """
        service: reqs
        plugins: [serverless-python-requirements]
        provider:
          name: aws
          runtime: python3.11
        functions:
          check:
            handler: handler.main
            events:
              - httpApi: GET /check
        """,
    "handler.py": """
        import json
        import nimbus_answer

        def main(event, context):
            return {"statusCode": 200, "body": json.dumps({"answer": nimbus_answer.ANSWER})}
        """,
}


def test_python_requirements_are_installed_for_the_functions(project, scratch):
    folder = project(PYTHON_PROJECT)
    name = wheel(scratch, "nimbus_answer", "ANSWER = 42\n")
    (folder / "requirements.txt").write_text("%s\n" % (scratch / name))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        assert get_json(n, "/check") == {"answer": 42}
        assert "serverless-python-requirements installed requirements.txt" in n.output()
        # Outside the project's own folder: its code stays as it was.
        assert not (folder / "nimbus_answer.py").exists()
    finally:
        n.stop()


def test_requirements_pip_cannot_install_are_reported(project):
    folder = project(PYTHON_PROJECT)
    (folder / "requirements.txt").write_text("nimbus-package-that-does-not-exist==9.9.9\n")
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        n.wait_for(r"serverless-python-requirements: pip could not install requirements\.txt",
                   timeout=BUILD_TIMEOUT)
    finally:
        n.stop()


def test_deploy_packages_what_the_plugin_built(project):
    import subprocess
    from conftest import NIMBUS
    folder = with_tools(project(ESBUILD_PROJECT))
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        url = "http://127.0.0.1:%d" % aws_port(n)
        run = subprocess.run([NIMBUS, "deploy", "--stage", "prod", "--endpoint", url],
                             cwd=str(folder), capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "serverless-esbuild built 1 function" in run.stdout
        response = lambda_client(aws_port(n)).invoke(FunctionName="typed-prod-hello")
        assert "FunctionError" not in response, response["Payload"].read()
        body = json.loads(json.loads(response["Payload"].read())["body"])
        assert body == {"message": "hello nimbus", "flavour": "bundled"}
    finally:
        n.stop()


def test_a_fresh_clone_gets_its_packages_installed_first(project):
    files = dict(ESBUILD_PROJECT)
    files["package.json"] = '{"name": "typed", "private": true, "devDependencies": {"esbuild": "0.25.12"}}\n'
    folder = project(files)
    n = Nimbus(str(folder), start_timeout=BUILD_TIMEOUT)
    try:
        assert "node_modules is missing; installing the project's packages with npm install" in n.output()
        assert get_json(n, "/hello")["message"] == "hello nimbus"
        assert (folder / "node_modules" / "esbuild" / "package.json").exists()
    finally:
        n.stop()
