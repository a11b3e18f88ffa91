'use strict';

// The same app as a plain Express server, without Lambda in between: the
// reference that benchmarks compare nimbus against.
const app = require('./app');

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';

const server = app.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
