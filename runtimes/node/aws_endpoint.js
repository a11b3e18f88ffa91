/*
 * Keeps a function's AWS calls on nimbus.
 *
 * nimbus points AWS SDKs at its own AWS endpoint with AWS_ENDPOINT_URL, which
 * the AWS SDK for JavaScript v3 reads. Two things remain:
 *
 * - The AWS SDK for JavaScript v2 (the `aws-sdk` package, which functions
 *   bundle) predates that variable and would call the real AWS. When a
 *   function loads it, its global configuration is pointed at the endpoint.
 * - A call that still names a real AWS host (an endpoint written into the
 *   code, a service nimbus does not serve) fails at once with an error that
 *   says so, instead of leaving the machine or hanging without network.
 *   NIMBUS_ALLOW_REAL_AWS=1 in the function's environment lets it through.
 */

'use strict';

const Module = require('module');
const net = require('net');
const path = require('path');

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

function install() {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint) configureAwsSdkV2(endpoint);
  if (!realAwsAllowed()) refuseRealAws();
}

module.exports = { install, isRealAwsHost };
