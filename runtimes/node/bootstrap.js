#!/usr/bin/env node
/*
 * nimbus bootstrap for Node.js functions.
 *
 * Speaks the Lambda Runtime API (2018-06-01) to the endpoint in
 * AWS_LAMBDA_RUNTIME_API and runs the handler named by _HANDLER, with the
 * programming model of the managed nodejs runtimes: handler resolution,
 * async/callback handlers, the context object, console patching, and the
 * error shapes and error type names they report.
 *
 * Launched as `node bootstrap.js` with the function's code folder as cwd
 * (LAMBDA_TASK_ROOT). No dependencies beyond Node's standard library.
 */

'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const util = require('util');
const url = require('url');

const RUNTIME_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

// Runtime-reported failures carry the `Runtime.` prefix in their name, which is
// what ends up as errorType (e.g. "Runtime.ImportModuleError").
class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
        'commonly caused by a Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  cls.prototype.name = 'Runtime.' + cls.name;
}

function looksLikeError(obj) {
  return (
    obj &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string' &&
    obj.name &&
    obj.message &&
    obj.stack
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// The body posted to /invocation/{id}/error and /init/error. Errors give their
// name, message and stack lines; anything else thrown or rejected is reported
// with its JavaScript type as errorType (a thrown string becomes "string").
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one ' +
        'or more of its message, name, and stack',
    };
  }
}

// Errors serialise with their non-enumerable fields made visible.
function errorFieldsReplacer(_key, value) {
  if (value instanceof Error) {
    const out = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  }
  return value;
}

// The text form of an error in log lines: a tab, then its JSON.
function formatErrorForLog(error) {
  try {
    return '\t' + JSON.stringify(error, errorFieldsReplacer);
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------------------
// Logging: console.* becomes Lambda's log line format
// ---------------------------------------------------------------------------

// Shared through global symbols so that libraries loaded by the function can
// read the current request id the same way they do on Lambda.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1, mask: 0b00100 },
  DEBUG: { name: 'DEBUG', priority: 2, mask: 0b01000 },
  INFO: { name: 'INFO', priority: 3, mask: 0b01100 },
  WARN: { name: 'WARN', priority: 4, mask: 0b10000 },
  ERROR: { name: 'ERROR', priority: 5, mask: 0b10100 },
  FATAL: { name: 'FATAL', priority: 6, mask: 0b11000 },
});

function jsonLogReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJsonRecord(time, level, params) {
  // params is [message, ...rest] as passed to console.*
  const record = { timestamp: time, level: level.name, requestId: global[REQUEST_ID] };
  const tenantId = global[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) record.tenantId = tenantId;
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, jsonLogReplacer);
    } catch (_) {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...params);
  for (const p of params) {
    if (p instanceof Error) {
      record.errorType = p?.constructor?.name ?? 'UnknownError';
      record.errorMessage = p.message;
      record.stackTrace = typeof p.stack === 'string' ? p.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(record);
}

const NEWLINES = /\n/g;

// One record is one stdout line: embedded newlines become carriage returns, so
// a reader that splits on '\n' sees each console call as one log event.
function textToStdout(level, params) {
  const line =
    new Date().toISOString() + '\t' + global[REQUEST_ID] + '\t' + level.name + '\t' + util.format(...params);
  process.stdout.write(line.replace(NEWLINES, '\r') + '\n');
}

function jsonToStdout(level, params) {
  const line = formatJsonRecord(new Date().toISOString(), level, params);
  process.stdout.write(line.replace(NEWLINES, '\r') + '\n');
}

// The framed telemetry protocol (used when _LAMBDA_TELEMETRY_LOG_FD is set):
// 4-byte frame type, 4-byte length, 8-byte timestamp in microseconds, message;
// big-endian. Multi-line messages stay one frame.
function framedWriter(fd, baseType, format) {
  const header = Buffer.alloc(16);
  return (level, params) => {
    const now = new Date();
    const message = Buffer.from(format(now, level, params), 'utf8');
    header.writeUInt32BE((baseType | level.mask) >>> 0, 0);
    header.writeInt32BE(message.length, 4);
    header.writeBigInt64BE(BigInt(now.valueOf()) * 1000n, 8);
    fs.writeSync(fd, header);
    fs.writeSync(fd, message);
  };
}

let logErrorWithTitle = null;

function patchConsole() {
  const json = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
  let write;
  const fdVar = process.env._LAMBDA_TELEMETRY_LOG_FD;
  if (fdVar !== undefined) {
    delete process.env._LAMBDA_TELEMETRY_LOG_FD;
    const fd = parseInt(fdVar, 10);
    write = json
      ? framedWriter(fd, 0xa55a0002, (now, level, params) =>
          formatJsonRecord(now.toISOString(), level, params),
        )
      : framedWriter(
          fd,
          0xa55a0003,
          (now, level, params) =>
            now.toISOString() + '\t' + global[REQUEST_ID] + '\t' + level.name + '\t' + util.format(...params) + '\n',
        );
  } else {
    write = json ? jsonToStdout : textToStdout;
  }

  const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LEVELS.TRACE;
  const nop = () => {};
  // Each call formats like console does (util.format of all its arguments);
  // a call with no arguments logs "undefined".
  const at = (level) =>
    level.priority >= minimum.priority ? (msg, ...rest) => write(level, [msg, ...rest]) : nop;

  console.trace = at(LEVELS.TRACE);
  console.debug = at(LEVELS.DEBUG);
  console.info = at(LEVELS.INFO);
  console.log = console.info;
  console.warn = at(LEVELS.WARN);
  console.error = at(LEVELS.ERROR);
  console.fatal = (msg, ...rest) => write(LEVELS.FATAL, [msg, ...rest]);

  logErrorWithTitle = json
    ? (_title, err) => console.error(intoError(err))
    : (title, err) => console.error(title, formatErrorForLog(intoError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client
// ---------------------------------------------------------------------------

function parseEndpoint(value) {
  if (!value) {
    process.stderr.write('AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(1);
  }
  const colon = value.lastIndexOf(':');
  let host = colon > 0 ? value.slice(0, colon) : value;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = colon > 0 ? parseInt(value.slice(colon + 1), 10) : 80;
  return { host, port };
}

const endpoint = parseEndpoint(process.env.AWS_LAMBDA_RUNTIME_API);

// One persistent connection: the runtime talks to the API strictly in turn
// (next, then response or error, then next), so a single keep-alive socket
// carries every request of the environment's life.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const NEXT_OPTIONS = {
  host: endpoint.host,
  port: endpoint.port,
  method: 'GET',
  path: RUNTIME_PREFIX + '/invocation/next',
  agent,
  noDelay: true,
};

// Reused for every response post; http.request copies what it needs.
const responseHeaders = { 'Content-Type': 'application/json', 'Content-Length': 0 };
const RESPONSE_OPTIONS = {
  host: endpoint.host,
  port: endpoint.port,
  method: 'POST',
  path: '',
  headers: responseHeaders,
  agent,
  noDelay: true,
};

function onApiFailure(err) {
  // The Runtime API is gone (nimbus stopped or replaced this environment):
  // nothing is left to report to.
  process.stderr.write('Runtime API request failed: ' + err.message + '\n');
  process.exit(1);
}

// Sends a request. A kept-alive socket that the server closed while it was
// idle fails on reuse (ECONNRESET, "socket hang up") before the request
// reaches the server; such a request is sent once more, on a new socket.
// (`req.reusedSocket` cannot tell: a request queued behind the previous one is
// handed the freed socket without it being set.)
function send(options, body, onResponse, onError) {
  let retried = false;
  const attempt = () => {
    const req = http.request(options, onResponse);
    req.on('error', (err) => {
      if (!retried && err.code === 'ECONNRESET') {
        retried = true;
        attempt();
      } else {
        onError(err);
      }
    });
    req.end(body);
  };
  attempt();
}

// A response handler that reads the (small) body and then calls done().
function consumeThen(done) {
  return (res) => {
    res.on('end', () => done());
    res.resume();
  };
}

function post(pathName, body, extraHeaders, useAgent, done) {
  const headers = Object.assign(
    { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    extraHeaders,
  );
  const options = {
    host: endpoint.host,
    port: endpoint.port,
    method: 'POST',
    path: pathName,
    headers,
    agent: useAgent ? agent : false,
    noDelay: true,
  };
  send(options, body, consumeThen(done), done);
}

function postResponse(id, body, done) {
  responseHeaders['Content-Length'] = Buffer.byteLength(body);
  RESPONSE_OPTIONS.path = RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(id) + '/response';
  send(RESPONSE_OPTIONS, body, consumeThen(done), onApiFailure);
}

// The error type header; a header value must be printable ASCII, and a
// custom error name need not be.
function errorHeaders(response) {
  if (!response.errorType) return {};
  return { [ERROR_TYPE_HEADER]: String(response.errorType).replace(/[^\x20-\x7e]/g, '?') };
}

function postInvocationError(error, id, useAgent, done) {
  const response = toRapidResponse(error);
  let body;
  try {
    body = JSON.stringify(response);
  } catch (_) {
    body = JSON.stringify({ errorType: 'handled', errorMessage: 'Unable to stringify error' });
  }
  post(
    RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(id) + '/error',
    body,
    errorHeaders(response),
    useAgent,
    done,
  );
}

function postInitError(error, done) {
  const response = toRapidResponse(error);
  post(RUNTIME_PREFIX + '/init/error', JSON.stringify(response), errorHeaders(response), false, done);
}

// ---------------------------------------------------------------------------
// Handler loading
// ---------------------------------------------------------------------------

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

function installGlobalAwsLambda() {
  const off = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark, 10);
      }
      return handler;
    },
    get HttpResponseStream() {
      return streaming().HttpResponseStream;
    },
  };
}

// Whether `folder` (or the nearest ancestor with a package.json, stopping at
// node_modules) declares "type": "module".
function folderIsModuleType(folder) {
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = path.join(folder, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(pj));
        if (pkg) return pkg.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    if (folder === '/') return false;
    folder = path.resolve(folder, '..');
  }
}

function requireIfExists(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function importIfExists(file) {
  return fs.existsSync(file) ? import(url.pathToFileURL(file).href) : undefined;
}

// Resolution order of the managed runtime: an extensionless file (or folder),
// `.js` as CommonJS unless its package is "type": "module", then `.js` as ESM,
// `.mjs`, `.cjs`, and finally Node's own resolution from the task root (which
// finds handlers inside node_modules packages).
async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);

  const bare = requireIfExists(base);
  if (bare) return bare;

  const esm = fs.existsSync(base + '.js') && folderIsModuleType(path.dirname(base + '.js'));
  if (!esm) {
    const cjs = requireIfExists(base + '.js');
    if (cjs) return cjs;
  }

  const loaded =
    (esm && (await importIfExists(base + '.js'))) ||
    (await importIfExists(base + '.mjs')) ||
    requireIfExists(base + '.cjs');
  if (loaded) return loaded;

  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(moduleAndHandler));
  const match = /^([^.]*)\.(.*)$/.exec(moduleAndHandler);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  installGlobalAwsLambda();

  let userModule;
  try {
    userModule = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }

  const fn = handlerPath.split('.').reduce((obj, key) => obj && obj[key], userModule);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

function streamingMode(fn) {
  const mode = fn[HANDLER_STREAMING];
  if (mode === undefined || mode === null || mode === false) return false;
  if (mode === STREAM_RESPONSE) return STREAM_RESPONSE;
  throw new MalformedStreamingHandler('Only response streaming is supported.');
}

// ---------------------------------------------------------------------------
// The invocation loop
// ---------------------------------------------------------------------------

let handler = null;
let handlerIsAsync = false;
// invoke() or, for streaming handlers, the streaming variant.
let dispatch = null;
// The request id that fatal errors are reported against; unset during init.
let activeRequestId;
let beforeExitListener = () => {};
let fatalInProgress = false;

function nextInvocation() {
  send(NEXT_OPTIONS, undefined, onNextResponse, onApiFailure);
}

function onNextResponse(res) {
  if (res.statusCode !== 200) {
    res.resume();
    console.log(`Unexpected Top Level Error: Error: Failed to get next invocation, status ${res.statusCode}`);
    process.exit(129);
  }
  const chunks = [];
  res.on('data', (chunk) => chunks.push(chunk));
  res.on('end', () => {
    const body = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    dispatch(res.headers, body);
  });
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// Sets the per-invocation process state shared by logging and tracing.
function enterInvocation(headers) {
  const id = headers['lambda-runtime-aws-request-id'];
  global[REQUEST_ID] = id;
  global[TENANT_ID] = headers['lambda-runtime-aws-tenant-id'];
  activeRequestId = id;
  const trace = headers['lambda-runtime-trace-id'];
  if (trace) process.env._X_AMZN_TRACE_ID = trace;
  else delete process.env._X_AMZN_TRACE_ID;
  return id;
}

// Adds the environment and invocation data to the context object.
function fillContext(context, headers, id) {
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  context.functionVersion = env.AWS_LAMBDA_FUNCTION_VERSION;
  context.functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  context.memoryLimitInMB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  context.logGroupName = env.AWS_LAMBDA_LOG_GROUP_NAME;
  context.logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;
  context.clientContext = parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext');
  context.identity = parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity');
  context.invokedFunctionArn = headers['lambda-runtime-invoked-function-arn'];
  context.awsRequestId = id;
  context.tenantId = headers['lambda-runtime-aws-tenant-id'];
  context.getRemainingTimeInMillis = () => deadline - Date.now();
  return context;
}

function serializeResult(result) {
  return JSON.stringify(result === undefined ? null : result);
}

function invoke(headers, body) {
  const id = enterInvocation(headers);

  // completion state, shared by the callback and context.done/succeed/fail:
  // only the first of them counts, and a response is posted at most once.
  let finished = false;
  let completed = false;
  let waitForEmptyEventLoop = true;

  const afterPost = () => nextInvocation();

  const postError = (err) => {
    logErrorWithTitle('Invoke Error', err);
    postInvocationError(err, id, true, (e) => (e ? onApiFailure(e) : nextInvocation()));
  };

  const complete = (result) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    let text;
    try {
      text = serializeResult(result);
    } catch (_) {
      postError(new Error('Unable to stringify response body'));
      return;
    }
    postResponse(id, text, afterPost);
  };

  const callback = (err, result) => {
    if (finished) return;
    finished = true;
    beforeExitListener = noop;
    if (err !== undefined && err !== null) {
      postError(err);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      // Lambda answers a callback only once the event loop has drained.
      beforeExitListener = () => setImmediate(() => complete(result));
    }
  };

  const done = (err, result) => {
    if (finished) return;
    finished = true;
    beforeExitListener = noop;
    if (err !== undefined && err !== null) postError(err);
    else complete(result);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => (err === undefined || err === null ? done('handled') : done(err, null));

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed,
    fail,
    done,
  };

  // If the event loop drains and nothing answered: a non-async handler that
  // never called back answers null; an async one whose promise can no longer
  // settle is an error.
  beforeExitListener = () => {
    completed = true;
    finished = true;
    beforeExitListener = noop;
    if (handlerIsAsync) {
      const err = new NodeJsExit();
      logErrorWithTitle('Invoke Error', err);
      postInvocationError(err, id, true, (e) => (e ? onApiFailure(e) : nextInvocation()));
    } else {
      postResponse(id, 'null', afterPost);
    }
  };

  try {
    fillContext(context, headers, id);
    const result = handler(JSON.parse(body), context, callback);
    if (result && typeof result.then === 'function') {
      result.then(succeed, fail).catch(fail);
    }
  } catch (err) {
    callback(err);
  }
}

function noop() {}

// Reports an error that escaped the handler (uncaught exception, unhandled
// rejection) and ends the process, as Lambda does: the environment is not
// reused. Uses a fresh connection, since the pooled one may be held by a
// pending `next`.
function fatal(err, exitCode) {
  if (fatalInProgress) return;
  fatalInProgress = true;
  const exit = () => process.exit(exitCode);
  try {
    if (activeRequestId === undefined) postInitError(err, exit);
    else postInvocationError(err, activeRequestId, false, exit);
  } catch (_) {
    exit();
  }
}

// ---------------------------------------------------------------------------
// Response streaming (awslambda.streamifyResponse)
// ---------------------------------------------------------------------------

// Loaded on first use: most functions never stream.
let streamingModule = null;
function streaming() {
  if (streamingModule) return streamingModule;
  const { Writable } = require('stream');

  const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';
  const DEFAULT_TYPE = 'application/octet-stream';
  const CONTENT_TYPE = Symbol('contentType');
  const PRELUDE_SEPARATOR = Buffer.alloc(8);

  // The stream handed to a streaming handler. It becomes the body of a chunked
  // POST to /response in streaming mode; the request starts on first write.
  class ResponseStream extends Writable {
    constructor(id, highWaterMark, onDone) {
      super({ highWaterMark });
      this[CONTENT_TYPE] = DEFAULT_TYPE;
      this._id = id;
      this._req = null;
      this._onDone = onDone;
      this._failed = false;
    }
    setContentType(type) {
      if (this._req) throw new Error('Cannot set content-type, too late.');
      this[CONTENT_TYPE] = type;
    }
    _open() {
      if (this._req) return this._req;
      const req = http.request(
        {
          host: endpoint.host,
          port: endpoint.port,
          method: 'POST',
          path: RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(this._id) + '/response',
          headers: {
            'Content-Type': this[CONTENT_TYPE],
            'Lambda-Runtime-Function-Response-Mode': 'streaming',
            'Transfer-Encoding': 'chunked',
            Trailer: ['Lambda-Runtime-Function-Error-Type', 'Lambda-Runtime-Function-Error-Body'],
          },
          agent,
          noDelay: true,
        },
        (res) => {
          res.on('end', () => this._onDone());
          res.resume();
        },
      );
      req.on('error', onApiFailure);
      this._req = req;
      return req;
    }
    _write(chunk, encoding, cb) {
      this._open().write(chunk, encoding, cb);
    }
    _final(cb) {
      this._open().end(cb);
    }
    // Ends the stream with an error reported through the HTTP trailers.
    failWith(err) {
      if (this._failed) return;
      this._failed = true;
      logErrorWithTitle('Invoke Error', err);
      const response = toRapidResponse(err);
      const req = this._open();
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': String(response.errorType),
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(response)).toString('base64'),
      });
      req.end();
    }
  }

  class HttpResponseStream {
    // Prefixes the stream with the HTTP status and headers (a JSON prelude and
    // eight NUL bytes), as Function URLs expect.
    static from(underlying, prelude) {
      underlying.setContentType(HTTP_INTEGRATION_TYPE);
      underlying.write(JSON.stringify(prelude));
      underlying.write(PRELUDE_SEPARATOR);
      return underlying;
    }
  }

  async function runStreaming(stream, event, context) {
    try {
      const result = handler(event, stream, context);
      if (!result || typeof result.then !== 'function') {
        stream.failWith(new Error('Streaming does not support non-async handlers.'));
        return;
      }
      const value = await result;
      if (value !== undefined) console.warn('Streaming handlers ignore return values.');
      if (!stream.writableFinished && !stream.writableEnded) {
        stream.failWith(new Error('Response stream is not finished.'));
      }
    } catch (err) {
      stream.failWith(err);
    }
  }

  function invoke(headers, body) {
    const id = enterInvocation(headers);
    let next = false;
    const scheduleNext = () => {
      if (next) return;
      next = true;
      beforeExitListener = noop;
      nextInvocation();
    };
    const stream = new ResponseStream(id, handler[HANDLER_HIGHWATERMARK], scheduleNext);
    beforeExitListener = scheduleNext;
    let context;
    let event;
    try {
      context = fillContext({}, headers, id);
      event = JSON.parse(body);
    } catch (err) {
      stream.failWith(err);
      return;
    }
    runStreaming(stream, event, context);
  }

  streamingModule = { HttpResponseStream, invoke };
  return streamingModule;
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

async function main() {
  patchConsole();

  process.on('uncaughtException', (err) => {
    logErrorWithTitle('Uncaught Exception', err);
    fatal(err, 129);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const err = new UnhandledPromiseRejection(reason, promise);
    logErrorWithTitle('Unhandled Promise Rejection', err);
    fatal(err, 128);
  });
  process.on('beforeExit', () => beforeExitListener());

  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handlerName = process.env._HANDLER || '';
  handler = await loadHandler(appRoot, handlerName);
  dispatch = streamingMode(handler) === STREAM_RESPONSE ? streaming().invoke : invoke;
  handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
  nextInvocation();
}

main().catch((err) => {
  // Init failures (bad handler name, missing module, syntax error, a throwing
  // module body) are reported to /init/error, and the process exits.
  logErrorWithTitle('Uncaught Exception', err);
  fatal(err, 129);
});
