#!/usr/bin/env node
// A tiny demo service for the README's first command (plain Node, no dependencies):
//   /health     JSON {status: 'ok', version: '1.4.2'}
//   /ops        an HTML page with a <title>
//   /api/items  JSON list of items
// Usage: node scripts/demo-server.mjs [port]   (default 8080; listens on 127.0.0.1 only)
import http from 'node:http';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo-server: "${process.argv[2]}" is not a port number`);
  process.exit(2);
}

const items = [
  { id: 1, name: 'blue widget', price: 4.5 },
  { id: 2, name: 'red widget', price: 5 },
  { id: 3, name: 'green gadget', price: 12.25 },
];

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-version': '1.4.2' });
  res.end(body);
}

const routes = {
  '/health': (res) => send(res, 200, 'application/json', JSON.stringify({ status: 'ok', version: '1.4.2' })),
  '/ops': (res) =>
    send(
      res,
      200,
      'text/html; charset=utf-8',
      '<!doctype html><html><head><title>Ops console</title></head><body><h1>Ops console</h1><p>All systems go.</p></body></html>',
    ),
  '/api/items': (res) => send(res, 200, 'application/json', JSON.stringify({ items, total: items.length })),
};

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const route = req.method === 'GET' || req.method === 'HEAD' ? routes[path] : undefined;
  if (route) return route(res);
  send(res, 404, 'application/json', JSON.stringify({ error: `no route for ${req.method} ${path}` }));
});

server.listen(port, '127.0.0.1', () => {
  console.log(`demo service listening on http://127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
