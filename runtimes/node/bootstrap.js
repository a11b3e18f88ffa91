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
 * (LAMBDA_TASK_ROOT). No dependencies beyond Node's standard library; the AWS
 * SDK that handlers find is in NODE_PATH (node_modules beside this file), and
 * aws_endpoint.js keeps every SDK's calls on nimbus.
 */

'use strict';

const net = require('net');
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
const HOST_LINE = 'Host: ' + process.env.AWS_LAMBDA_RUNTIME_API + '\r\n';

function onApiFailure(err) {
  // The Runtime API is gone (nimbus stopped or replaced this environment):
  // nothing is left to report to.
  process.stderr.write('Runtime API request failed: ' + err.message + '\n');
  process.exit(1);
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
const MAX_HEAD = 64 * 1024;

// A response that is not valid HTTP/1.1.
class ProtocolError extends Error {}

// Parser states.
const HEAD = 0;
const BODY = 1; // Content-Length bytes
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_END = 4; // the CRLF after a chunk's data
const TRAILERS = 5;
const UNTIL_CLOSE = 6; // neither length nor chunked: the body ends with the connection

// An incremental HTTP/1.1 response parser. feed() takes the bytes as they
// arrive and calls onResponse({status, headers, body, keepAlive}) for each
// complete response, in order. Header names are lower-cased; the body is a
// Buffer, its pieces kept apart until the end and joined once.
class ResponseParser {
  constructor(onResponse) {
    this.onResponse = onResponse;
    this.reset();
  }

  reset() {
    this.closed = false; // the connection was given up: ignore what follows
    this.state = HEAD;
    this.started = false; // bytes of the current response were seen
    this.head = '';
    this.line = '';
    this.status = 0;
    this.headers = null;
    this.keepAlive = true;
    this.remaining = 0;
    this.chunks = [];
    this.size = 0;
  }

  feed(buf) {
    let pos = 0;
    const len = buf.length;
    while (pos < len && !this.closed) {
      this.started = true;
      switch (this.state) {
        case HEAD:
          pos = this._head(buf, pos);
          break;
        case BODY:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, len - pos);
          this._take(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === BODY) this._finish();
            else this.state = CHUNK_END;
          }
          break;
        }
        case UNTIL_CLOSE:
          this._take(buf, pos, len);
          pos = len;
          break;
        default: {
          // CHUNK_SIZE, CHUNK_END, TRAILERS: line by line
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            this.line += buf.toString('latin1', pos, len);
            if (this.line.length > MAX_HEAD) throw new ProtocolError('Malformed chunked response');
            pos = len;
            break;
          }
          let line = this.line + buf.toString('latin1', pos, nl);
          this.line = '';
          pos = nl + 1;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          this._chunkLine(line);
        }
      }
    }
  }

  // The connection closed. Returns the response whose body ran until the
  // close, or null; throws if a response was cut short.
  end() {
    if (this.state === UNTIL_CLOSE) return this._complete();
    if (this.started) throw new ProtocolError('Connection closed in the middle of a response');
    return null;
  }

  _take(buf, from, to) {
    if (to > from) {
      this.chunks.push(from === 0 && to === buf.length ? buf : buf.subarray(from, to));
      this.size += to - from;
    }
  }

  _head(buf, pos) {
    let text;
    let next;
    if (this.head === '') {
      const i = buf.indexOf(CRLFCRLF, pos);
      if (i < 0) {
        this.head = buf.toString('latin1', pos);
        if (this.head.length > MAX_HEAD) throw new ProtocolError('Response header too large');
        return buf.length;
      }
      text = buf.toString('latin1', pos, i);
      next = i + 4;
    } else {
      // The head came in pieces (rare): search across the boundary.
      const prev = this.head.length;
      const joined = this.head + buf.toString('latin1', pos, Math.min(buf.length, pos + MAX_HEAD));
      const i = joined.indexOf('\r\n\r\n', Math.max(0, prev - 3));
      if (i < 0) {
        this.head = joined;
        if (joined.length > MAX_HEAD) throw new ProtocolError('Response header too large');
        return Math.min(buf.length, pos + MAX_HEAD);
      }
      text = joined.slice(0, i);
      next = pos + (i + 4 - prev);
      this.head = '';
    }

    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!m) throw new ProtocolError('Malformed response status line');
    const status = Number(m[2]);
    const headers = {};
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k];
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const seen = headers[name];
      headers[name] = seen === undefined ? value : seen + ', ' + value;
    }
    if (status >= 100 && status < 200) {
      // 100 Continue and the like: the real response follows.
      return next;
    }
    this.status = status;
    this.headers = headers;
    const connection = headers.connection;
    this.keepAlive =
      connection !== undefined ? !/\bclose\b/i.test(connection) : m[1] === '1';
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this._finish();
    } else if (te !== undefined && /\bchunked\b/i.test(te)) {
      this.state = CHUNK_SIZE;
    } else if (cl !== undefined) {
      const n = Number(cl);
      if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError('Malformed Content-Length: ' + cl);
      this.remaining = n;
      this.state = BODY;
      if (n === 0) this._finish();
    } else {
      this.state = UNTIL_CLOSE;
    }
    return next;
  }

  _chunkLine(line) {
    if (this.state === CHUNK_SIZE) {
      const semi = line.indexOf(';');
      const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
      const n = parseInt(hex, 16);
      if (!/^[0-9a-fA-F]+$/.test(hex) || !Number.isSafeInteger(n)) {
        throw new ProtocolError('Malformed chunk size: ' + hex);
      }
      if (n === 0) {
        this.state = TRAILERS;
      } else {
        this.remaining = n;
        this.state = CHUNK_DATA;
      }
    } else if (this.state === CHUNK_END) {
      this.state = CHUNK_SIZE;
    } else if (line === '') {
      // TRAILERS: the empty line ends the response (trailer fields are ignored)
      this._finish();
    }
  }

  _finish() {
    this.onResponse(this._complete());
  }

  _complete() {
    const chunks = this.chunks;
    const body =
      chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size);
    const res = { status: this.status, headers: this.headers, body, keepAlive: this.keepAlive };
    this.reset();
    return res;
  }
}

// The connection to the Runtime API: one persistent socket for the whole life
// of the environment, with requests pipelined. send() writes any number of
// requests in one socket write; the server answers them in order, and each
// response goes to its request's callback. The invocation loop sends the
// result post and the following `next` together, so one round trip (and one
// wake-up) serves both.
//
// A request that got no answer because the connection closed (the server
// dropped an idle kept-alive connection, or answered with `Connection: close`)
// is sent once more, on a new connection. While no request is outstanding the
// socket does not keep the event loop alive, so `beforeExit` still tells when
// the function's own work has drained.
class RuntimeClient {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = null;
    this.pending = []; // sent and unanswered, in order: {data, onResponse, retried}
    this.error = null;
    this.parser = null;
  }

  // Sends a request (its full text: head and body) and calls onResponse(res)
  // with its response. A second request may be given to go out in the same
  // write.
  send(data, onResponse, data2, onResponse2) {
    const first = { data, onResponse, retried: false };
    if (data2 === undefined) {
      this._write([first], data);
    } else {
      this._write([first, { data: data2, onResponse: onResponse2, retried: false }], data + data2);
    }
  }

  _write(requests, data) {
    let socket = this.socket;
    if (socket === null) socket = this._connect();
    else if (this.pending.length === 0) socket.ref();
    for (const r of requests) this.pending.push(r);
    socket.write(data);
  }

  _connect() {
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    const parser = new ResponseParser((res) => this._onResponse(res));
    this.socket = socket;
    this.parser = parser;
    this.error = null;
    socket.on('data', (buf) => {
      if (socket !== this.socket) return;
      try {
        parser.feed(buf);
      } catch (err) {
        // only a malformed response ends the process here; an exception from
        // the function's code goes on to the uncaught exception handler
        if (err instanceof ProtocolError) onApiFailure(err);
        else throw err;
      }
    });
    socket.on('error', (err) => {
      if (socket === this.socket) this.error = err;
    });
    socket.on('close', () => this._onClose(socket));
    return socket;
  }

  _onResponse(res) {
    const request = this.pending.shift();
    if (!res.keepAlive) this._drop();
    else if (this.pending.length === 0) this.socket.unref();
    if (request !== undefined) request.onResponse(res);
  }

  // The server is done with this connection: the requests it left unanswered
  // go out again on a new one.
  _drop() {
    const socket = this.socket;
    this.socket = null;
    this.parser.closed = true;
    socket.destroy();
    this._resend(null);
  }

  _onClose(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    let res;
    try {
      res = this.parser.end();
    } catch (err) {
      onApiFailure(this.error || err);
      return;
    }
    if (res === null) {
      this._resend(this.error);
    } else {
      // a response without a length, complete now; the requests after it
      // go out again first
      const request = this.pending.shift();
      this._resend(null);
      request?.onResponse(res);
    }
  }

  _resend(err) {
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) return; // an idle connection closed: the next send reconnects
    const retriable = err === null || err.code === 'ECONNRESET' || err.code === 'EPIPE';
    if (!retriable || pending.some((r) => r.retried)) {
      onApiFailure(err || Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      return;
    }
    let data = '';
    for (const r of pending) {
      r.retried = true;
      data += r.data;
    }
    this._write(pending, data);
  }
}

const client = new RuntimeClient(endpoint.host, endpoint.port);

const NEXT_REQUEST = 'GET ' + RUNTIME_PREFIX + '/invocation/next HTTP/1.1\r\n' + HOST_LINE + '\r\n';

function postRequest(pathName, body, extraHeaderLines) {
  return (
    'POST ' +
    pathName +
    ' HTTP/1.1\r\n' +
    HOST_LINE +
    'Content-Type: application/json\r\n' +
    extraHeaderLines +
    'Content-Length: ' +
    Buffer.byteLength(body) +
    '\r\n\r\n' +
    body
  );
}

// The answer to a result post: 202, or a non-2xx one (413 for a response over
// the size limit, or the invocation no longer being current) when nimbus has
// settled the invocation itself. Either way the loop goes on with the next
// event, already asked for in the same write.
function onPostAnswer(_res) {}

// Posts an invocation's result and asks for the next event, in one write.
function postResponse(id, body) {
  client.send(
    postRequest(RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(id) + '/response', body, ''),
    onPostAnswer,
    NEXT_REQUEST,
    onNextResponse,
  );
}

// The error type header; a header value must be printable ASCII, and a
// custom error name need not be.
function errorTypeValue(response) {
  return response.errorType ? String(response.errorType).replace(/[^\x20-\x7e]/g, '?') : undefined;
}

function errorBody(error) {
  const response = toRapidResponse(error);
  let body;
  try {
    body = JSON.stringify(response);
  } catch (_) {
    body = JSON.stringify({ errorType: 'handled', errorMessage: 'Unable to stringify error' });
  }
  return { response, body };
}

// Posts an invocation's error and asks for the next event, in one write.
function postInvocationError(error, id) {
  const { response, body } = errorBody(error);
  const type = errorTypeValue(response);
  client.send(
    postRequest(
      RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(id) + '/error',
      body,
      type === undefined ? '' : ERROR_TYPE_HEADER + ': ' + type + '\r\n',
    ),
    onPostAnswer,
    NEXT_REQUEST,
    onNextResponse,
  );
}

// A post on a fresh connection of its own, then done(): for init errors and
// for errors that end the process, when the persistent connection may be
// held by a pending `next`. Uses Node's http module (loaded only then).
function postAlone(pathName, body, errorType, done) {
  const http = require('http');
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  if (errorType !== undefined) headers[ERROR_TYPE_HEADER] = errorType;
  let retried = false;
  const attempt = () => {
    const req = http.request(
      {
        host: endpoint.host,
        port: endpoint.port,
        method: 'POST',
        path: pathName,
        headers,
        agent: false,
        noDelay: true,
      },
      (res) => {
        res.on('end', () => done());
        res.resume();
      },
    );
    req.on('error', (err) => {
      if (!retried && err.code === 'ECONNRESET') {
        retried = true;
        attempt();
      } else {
        done(err);
      }
    });
    req.end(body);
  };
  attempt();
}

function postFatalInvocationError(error, id, done) {
  const { response, body } = errorBody(error);
  postAlone(
    RUNTIME_PREFIX + '/invocation/' + encodeURIComponent(id) + '/error',
    body,
    errorTypeValue(response),
    done,
  );
}

function postInitError(error, done) {
  const response = toRapidResponse(error);
  postAlone(RUNTIME_PREFIX + '/init/error', JSON.stringify(response), errorTypeValue(response), done);
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

// Lambda's Node.js runtimes (18 and later) search NODE_PATH for ES modules
// too, where Node.js searches it for require() only: node_path_hooks.mjs adds
// it. The hooks run on a thread of their own, so they are registered before
// the first ES module is imported, never for a CommonJS handler.
let esmNodePathGiven = false;
function giveEsmNodePath() {
  if (esmNodePathGiven) return;
  esmNodePathGiven = true;
  const { register } = require('module'); // Node.js 18.19 and 20.6 on
  const folders = (process.env.NODE_PATH || '')
    .split(path.delimiter)
    .filter((folder) => path.isAbsolute(folder) && path.basename(folder) === 'node_modules');
  if (folders.length === 0 || typeof register !== 'function') return;
  register(url.pathToFileURL(path.join(__dirname, 'node_path_hooks.mjs')).href, { data: { folders } });
}

async function importIfExists(file) {
  if (!fs.existsSync(file)) return undefined;
  giveEsmNodePath();
  return import(url.pathToFileURL(file).href);
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

// Asks for the next event on its own (at start, and after a streamed
// response); after a buffered result the `next` goes out with the post.
function nextInvocation() {
  client.send(NEXT_REQUEST, onNextResponse);
}

function onNextResponse(res) {
  if (res.status !== 200) {
    console.log(`Unexpected Top Level Error: Error: Failed to get next invocation, status ${res.status}`);
    process.exit(129);
  }
  dispatch(res.headers, res.body.toString('utf8'));
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

  const postError = (err) => {
    logErrorWithTitle('Invoke Error', err);
    postInvocationError(err, id);
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
    postResponse(id, text);
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
      postInvocationError(err, id);
    } else {
      postResponse(id, 'null');
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
    else postFatalInvocationError(err, activeRequestId, exit);
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
  const http = require('http');
  // Streamed responses go through Node's http module, on a keep-alive
  // connection of their own (the socket does not hold the event loop open
  // while idle).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

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
  // Before the handler loads: its AWS SDK calls reach nimbus, never the real AWS.
  require('./aws_endpoint').install();

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
