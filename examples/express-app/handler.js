'use strict';

// Lambda entry point: API Gateway (HTTP API, payload 2.0) events in, Express
// responses out.
const serverless = require('serverless-http');
const app = require('./app');

module.exports.handler = serverless(app);
