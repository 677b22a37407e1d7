// The local stand-in for https://orders.contoso.com (pipevault.json maps that host here): it accepts an order
// only with the right x-api-key, which it reads from the same file the vault's secret comes from.
// Run it beside `pipevault run`: node examples/keyvault-secret/orders-api.mjs  (npm start runs its own copy)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const expected = readFileSync(new URL('./secrets/orders-api-key.txt', import.meta.url), 'utf8').trim();
const port = Number(process.env.PORT ?? 7071);
let next = 1000;

createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const ok = req.method === 'POST' && req.url === '/api/orders' && req.headers['x-api-key'] === expected;
    res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { accepted: true, orderId: next++, order: JSON.parse(body || '{}') } : { accepted: false, error: 'missing or wrong x-api-key' }));
  });
}).listen(port, '127.0.0.1', () => console.log(`orders API stand-in on http://127.0.0.1:${port}`));
