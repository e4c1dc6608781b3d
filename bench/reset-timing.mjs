#!/usr/bin/env node
// Known vs unknown account on POST /reset: the median answer time of each, over real HTTP on
// 127.0.0.1, against the built Gatehouse (npm run build) on a temporary SQLite database.
// Every known request makes a new link (resetting.retry_ttl 0: the most work there is), the
// mailer does nothing, throttling is out of the way. Requests alternate known/unknown so
// both see the same machine.
//
//   node bench/reset-timing.mjs            BENCH_RESET_REQUESTS=2000 (each kind), BENCH_RESET_WARMUP=200
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { buildHttpServer } from '../dist/http/server.js';
import { UserAccounts, openStore, validateConfig } from '../dist/index.js';
import { composeServices } from '../dist/start.js';

const REQUESTS = Number(process.env.BENCH_RESET_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_RESET_WARMUP ?? 200);

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-reset-bench-'));
const store = openStore({ engine: 'sqlite', path: join(dir, 'bench.db') });
await store.migrate();
const config = validateConfig({
  issuer: 'http://127.0.0.1:1',
  // Each known/unknown pair comes from its own address (X-Forwarded-For from a trusted proxy),
  // so the per-address limit of the mail forms is never reached and both still count.
  trusted_proxies: ['127.0.0.1'],
  resetting: { retry_ttl: 0 },
});
const mailer = { send: async () => {}, close: async () => {} };
const gatehouse = composeServices({ config, store, mailer, auditLog: false });
const app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const origin = `http://127.0.0.1:${app.server.address().port}`;
await new UserAccounts(store).create({
  username: 'bob',
  email: 'bob@example.com',
  password: 'correct horse battery staple',
});

const form = await fetch(`${origin}/reset`);
const cookie = form.headers
  .getSetCookie()
  .map((c) => c.split(';')[0])
  .join('; ');
const csrf = /name="csrf_token" value="([^"]+)"/.exec(await form.text())[1];

async function once(login, address) {
  const started = performance.now();
  const res = await fetch(`${origin}/reset`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
    body: new URLSearchParams({ csrf_token: csrf, username: login }).toString(),
  });
  await res.arrayBuffer();
  const elapsed = performance.now() - started;
  if (res.status !== 303) throw new Error(`POST /reset answered ${res.status}`);
  return elapsed;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const times = { known: [], unknown: [] };
for (let i = 0; i < WARMUP + REQUESTS; i++) {
  const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  // Which goes first alternates: the second of a pair may share the machine with the first's
  // work after its answer.
  let known;
  let unknown;
  if (i % 2 === 0) {
    known = await once('bob@example.com', address);
    unknown = await once(`nobody${i}@example.com`, address);
  } else {
    unknown = await once(`nobody${i}@example.com`, address);
    known = await once('bob@example.com', address);
  }
  if (i >= WARMUP) {
    times.known.push(known);
    times.unknown.push(unknown);
  }
}
await gatehouse.resetting.idle();
await app.close();
await gatehouse.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
const line = (kind) => `${kind.padEnd(8)} median ${median(times[kind]).toFixed(3)} ms  (n=${times[kind].length})`;
console.log(line('known'));
console.log(line('unknown'));
