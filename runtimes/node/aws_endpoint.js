/*
 * Keeps a function's AWS calls on nimbus.
 *
 * nimbus points AWS SDKs at its own AWS endpoint with AWS_ENDPOINT_URL, which
 * the AWS SDK for JavaScript v3 reads. Three things remain:
 *
 * - The AWS SDK for JavaScript v2 (the `aws-sdk` package, which functions
 *   bundle) predates that variable and would call the real AWS. When a
 *   function loads it from a file, its global configuration is pointed at
 *   the endpoint.
 * - A request that still names a real AWS host (a copy of the SDK inlined
 *   into the handler by a bundler, an endpoint or a QueueUrl written into the
 *   code) is sent to the endpoint instead, over plain HTTP, with its path,
 *   headers and signature unchanged: nimbus tells services apart by the
 *   credential scope of the signature, not by the host.
 * - A connection to a real AWS host that is not an HTTP request nimbus can
 *   take over (tls.connect, a raw socket) fails at once with an error that
 *   says so, instead of leaving the machine or hanging without network.
 *
 * NIMBUS_ALLOW_REAL_AWS=1 in the function's environment turns the last two
 * off: calls naming a real host then go there.
 */

'use strict';

const http = require('http');
const https = require('https');
const Module = require('module');
const net = require('net');
const path = require('path');
const { urlToHttpOptions } = require('url');

// AWS's public endpoints: `{service}.{region}.amazonaws.com` (and the China
// partition's `.amazonaws.com.cn`) and the dual-stack `{service}.{region}.api.aws`.
const REAL_AWS_HOST = /(^|\.)(amazonaws\.com(\.cn)?|api\.aws)\.?$/i;

function isRealAwsHost(host) {
  return typeof host === 'string' && REAL_AWS_HOST.test(host);
}

function realAwsAllowed() {
  const value = (process.env.NIMBUS_ALLOW_REAL_AWS || '').toLowerCase();
  return value === '1' || value === 'true';
}

function realAwsError(host) {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const err = new Error(
    `nimbus does not reach real AWS: the connection to ${host} was refused. ` +
      (endpoint ? `nimbus's AWS services are at ${endpoint} (AWS_ENDPOINT_URL). ` : '') +
      "Set NIMBUS_ALLOW_REAL_AWS=1 in the function's environment to allow calls to AWS.",
  );
  // A code no SDK counts as transient, so the call fails once instead of
  // being retried with back-off.
  err.code = 'ERR_NIMBUS_REAL_AWS';
  err.host = host;
  return err;
}

// The host a Socket#connect call names, for each of its forms: (options, cb),
// (port, host, cb), (path, cb), and the normalized [options, cb] array that
// net.createConnection and tls.connect pass.
function connectHost(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') return first.path ? undefined : first.host;
  if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    return typeof args[1] === 'string' ? args[1] : undefined;
  }
  return undefined;
}

// Every TCP and TLS client in Node.js (http, https, fetch, the SDKs' own
// handlers) connects through net.Socket#connect, before any DNS lookup.
function refuseRealAws() {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connectUnlessRealAws(...args) {
    const host = connectHost(args);
    if (!isRealAwsHost(host)) return connect.apply(this, args);
    const err = realAwsError(host);
    // As a failed connection does: an 'error' event once the caller has
    // attached its listeners, never a throw from connect().
    process.nextTick(() => this.destroy(err));
    return this;
  };
}

// The AWS SDK for JavaScript v2 keeps its global configuration (AWS.config,
// from which every service object starts) on the exports of lib/core.js.
// Its Node.js entry points (`aws-sdk`, `aws-sdk/clients/sqs`, `aws-sdk/global`)
// load lib/node_loader.js, which loads core.js and then replaces AWS.config
// with a fresh one; a file that loads core.js alone keeps the first. Both are
// configured once loaded.
const V2_FILES = [path.join('aws-sdk', 'lib', 'core.js'), path.join('aws-sdk', 'lib', 'node_loader.js')].map(
  (file) => path.sep + file,
);

function configureV2(AWS, endpoint) {
  const config = AWS && AWS.config;
  if (!config || typeof config.update !== 'function') return;
  config.update({
    // One endpoint for every service: nimbus tells them apart by the request.
    endpoint,
    // Buckets in the path, not in the host name, which would not resolve.
    s3ForcePathStyle: true,
    sslEnabled: endpoint.startsWith('https:'),
  });
}

// Watches module loads for aws-sdk v2 and configures each copy (a function
// may bundle several) once loaded. Costs two string comparisons per module.
function configureAwsSdkV2(endpoint) {
  const load = Module.prototype.load;
  Module.prototype.load = function loadAndConfigure(filename) {
    const result = load.apply(this, arguments);
    if (typeof filename === 'string' && V2_FILES.some((file) => filename.endsWith(file))) {
      configureV2(this.exports, endpoint);
    }
    return result;
  };
}

// --- Requests to real AWS hosts, sent to the endpoint ------------------------------------

// The endpoint a request to a real AWS host goes to: nimbus's, plain HTTP on this machine.
// Another scheme is not taken over (the request is refused, as before).
function rerouteTarget(endpoint) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:') return null;
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || 80, origin: url.origin };
}

// The Host header the request would have carried, which its signature covers: the name,
// and the port when it is not the scheme's default.
function originalHost(hostname, port, secure) {
  const defaultPort = secure ? 443 : 80;
  return port && Number(port) !== defaultPort ? `${hostname}:${port}` : hostname;
}

// `headers` with a Host header, unless the caller gave one. Node.js accepts headers as an
// object or as a flat [name, value, ...] array.
function withHostHeader(headers, host) {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'host') return headers;
    }
    return ['Host', host, ...headers];
  }
  const given = headers || {};
  if (Object.keys(given).some((name) => name.toLowerCase() === 'host')) return given;
  return { Host: host, ...given };
}

// The arguments of http.request and https.request, in each of their forms ((url), (url, cb),
// (url, options, cb), (options, cb)), merged into one options object as Node.js merges them:
// options win over the URL's parts. Null when they are not a form this understands; the
// request is then made as given, and a real AWS host is refused at connect.
function requestOptions(args) {
  let [input, options, callback] = args;
  if (typeof input === 'string' || input instanceof URL) {
    let fromUrl;
    try {
      fromUrl = urlToHttpOptions(typeof input === 'string' ? new URL(input) : input);
    } catch {
      return null;
    }
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    return { options: { ...fromUrl, ...(options || {}) }, callback };
  }
  if (input === null || typeof input !== 'object') return null;
  return { options: { ...input }, callback: typeof options === 'function' ? options : undefined };
}

// The options of a request to a real AWS host, aimed at the endpoint instead. An https
// Agent is dropped (http.request rejects one: its connections would be TLS); an http one
// and `agent: false` are kept.
function reroutedOptions(options, target, secure) {
  const hostname = options.hostname || options.host;
  const agent = options.agent;
  const httpsAgent = agent instanceof https.Agent || (agent && agent.protocol === 'https:');
  const rerouted = {
    ...options,
    protocol: 'http:',
    hostname: target.hostname,
    host: target.hostname,
    port: target.port,
    defaultPort: 80,
    headers: withHostHeader(options.headers, originalHost(hostname, options.port, secure)),
    agent: httpsAgent ? undefined : agent,
  };
  delete rerouted.socketPath;
  delete rerouted.createConnection;
  delete rerouted.lookup;
  return rerouted;
}

// Replaces http.request, https.request and their get() forms, under which every HTTP client
// in Node.js that is not fetch sends (the AWS SDK for JavaScript v2, inlined or not, and v3's
// handler among them): a request to a real AWS host is made to the endpoint instead.
function rerouteRequests(target) {
  const httpRequest = http.request;

  function wrap(module, secure) {
    const request = module.request;
    module.request = function requestOrReroute(...args) {
      const parsed = requestOptions(args);
      const hostname = parsed && (parsed.options.hostname || parsed.options.host);
      if (!isRealAwsHost(hostname)) return request.apply(this, args);
      const options = reroutedOptions(parsed.options, target, secure);
      return parsed.callback ? httpRequest(options, parsed.callback) : httpRequest(options);
    };
    module.get = function getOrReroute(...args) {
      const req = module.request(...args);
      req.end();
      return req;
    };
  }

  wrap(https, true);
  wrap(http, false);
  // ES modules that import { request } from 'https' see the replacements too.
  Module.syncBuiltinESMExports();
}

// Node.js's fetch (its bundled undici) keeps its default dispatcher, which opens every
// connection, under this global symbol once fetch has first run.
const UNDICI_GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

// A dispatcher for fetch that sends each request to the endpoint through the default one, as
// plain HTTP, with the Host header of the URL it was made for.
function reroutingDispatcher(target) {
  return {
    dispatch(options, handler) {
      const dispatcher = globalThis[UNDICI_GLOBAL_DISPATCHER];
      if (!dispatcher) throw new Error('nimbus cannot send this request to its AWS endpoint');
      const host = new URL(options.origin).host;
      let headers = options.headers;
      if (Array.isArray(headers)) headers = ['host', host, ...headers];
      else headers = { host, ...(headers || {}) };
      return dispatcher.dispatch({ ...options, origin: target.origin, headers }, handler);
    },
  };
}

function requestHost(input) {
  try {
    if (typeof input === 'string') return new URL(input).hostname;
    if (input instanceof URL) return input.hostname;
    if (input && typeof input.url === 'string') return new URL(input.url).hostname;
  } catch {
    // Not a URL: fetch rejects it itself.
  }
  return undefined;
}

// fetch does not go through http.request: a fetch of a real AWS URL is given the rerouting
// dispatcher, unless the caller chose a dispatcher of its own (its connection to a real AWS
// host is then refused at connect).
function rerouteFetch(target) {
  const fetch = globalThis.fetch;
  if (typeof fetch !== 'function') return;
  const dispatcher = reroutingDispatcher(target);
  globalThis.fetch = function fetchOrReroute(input, init) {
    if (!isRealAwsHost(requestHost(input)) || (init && init.dispatcher)) return fetch(input, init);
    return fetch(input, { ...init, dispatcher });
  };
}

function install() {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint) configureAwsSdkV2(endpoint);
  if (realAwsAllowed()) return;
  const target = endpoint && rerouteTarget(endpoint);
  if (target) {
    rerouteRequests(target);
    rerouteFetch(target);
  }
  refuseRealAws();
}

module.exports = { install, isRealAwsHost };
