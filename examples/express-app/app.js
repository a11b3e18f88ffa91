'use strict';

// The Express application, shared by the Lambda handler (handler.js) and the
// plain HTTP server (server.js).
const express = require('express');

const app = express();

app.get('/', (req, res) => {
  res.send('Hello, Serverless with Express!');
});

app.post('/create', express.json(), (req, res) => {
  res.status(201).json({ created: req.body });
});

app.get('/items/:id', (req, res) => {
  const { id } = req.params;
  res.json({ id, name: 'Item ' + id });
});

// Unknown routes.
app.use((req, res) => {
  res.status(404).json({ error: 'Not Found', path: req.path });
});

// Errors from any route or middleware (including malformed JSON bodies).
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode || 500;
  if (status >= 500) console.error(err);
  res.status(status).json({
    error: status >= 500 ? 'Internal Server Error' : err.message,
  });
});

module.exports = app;
