// The protected-route scenario: requests/s of a Fastify route guarded by gatehouse/resource, as a
// ratio to the same route unprotected, measured in one run. The runs alternate
// open, jwt, open, opaque, open: each guarded run is compared with the mean of the unprotected
// runs just before and after it, so the machine's drift cancels out as in the token scenarios.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient, ROOT, sqliteDatabase, startGatehouse } from './gatehouse.mjs';
import { freePort, startProcess, waitForHttp } from './proc.mjs';
import { runWrk } from './wrk.mjs';

const SCOPES = { GATEHOUSE_SUPPORTED_SCOPES: 'read' };

async function clientCredentialsToken(url, client) {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: client.authorization },
    body: 'grant_type=client_credentials&scope=read',
  });
  const body = await response.json();
  if (response.status !== 200 || !body.access_token)
    throw new Error(`no token from ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

function summarise(route, wrk) {
  const seconds = wrk.duration_us / 1e6;
  const non200 = Object.entries(wrk.statuses).reduce((n, [status, count]) => (status === '200' ? n : n + count), 0);
  const socket = Object.values(wrk.socket_errors).reduce((a, b) => a + b, 0);
  return {
    route,
    rps: wrk.requests / seconds,
    latency_ms: Object.fromEntries(Object.entries(wrk.latency_us).map(([k, v]) => [k, v / 1000])),
    errors: non200 + socket,
    statuses: wrk.statuses,
    valid: wrk.requests > 0 && (non200 + socket) / wrk.requests <= 0.001,
    wrk_command: wrk.command,
  };
}

export async function measureProtectedRoutes({ opts, workDir, log }) {
  // Two authorization servers (one per token format), idle during the measured runs: they sit on
  // the load generator's core, the API on the server core.
  const keyEncryptionKey = randomBytes(32).toString('base64');
  const jwtDb = sqliteDatabase(workDir, 'protected-jwt');
  const opaqueDb = sqliteDatabase(workDir, 'protected-opaque');
  const jwtSettings = {
    ...SCOPES,
    GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
    GATEHOUSE_KEY_ENCRYPTION_KEY: keyEncryptionKey,
  };
  const jwtClient = await createClient(jwtDb, { env: SCOPES });
  const opaqueClient = await createClient(opaqueDb, { env: SCOPES });
  const resourceServer = await createClient(opaqueDb, { extraArgs: ['--introspect'], env: SCOPES });
  const servers = [];
  try {
    const jwtIssuer = await startGatehouse({
      database: jwtDb,
      core: opts.wrkCore,
      logLevel: 'warn',
      logDir: workDir,
      label: 'protected-jwt',
      settings: jwtSettings,
    });
    servers.push(jwtIssuer);
    const opaqueIssuer = await startGatehouse({
      database: opaqueDb,
      core: opts.wrkCore,
      logLevel: 'warn',
      logDir: workDir,
      label: 'protected-opaque',
      settings: SCOPES,
    });
    servers.push(opaqueIssuer);
    const tokens = {
      open: await clientCredentialsToken(jwtIssuer.url, jwtClient),
      jwt: await clientCredentialsToken(jwtIssuer.url, jwtClient),
      opaque: await clientCredentialsToken(opaqueIssuer.url, opaqueClient),
    };

    const port = await freePort();
    const api = startProcess(
      'protected API',
      'taskset',
      [
        '-c',
        String(opts.serverCore),
        process.execPath,
        join(ROOT, 'bench', 'protected-api.mjs'),
        String(port),
        jwtIssuer.url,
        opaqueIssuer.url,
        resourceServer.id,
        resourceServer.secret,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT },
    );
    servers.push(api);
    const apiUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${apiUrl}/healthz`, api);

    const run = async (route, duration) => {
      const wrk = await runWrk({
        url: `${apiUrl}/${route}`,
        script: 'bearer.lua',
        threads: opts.threads,
        connections: opts.connections,
        core: opts.wrkCore,
        duration,
        env: { BENCH_AUTHORIZATION: `Bearer ${tokens[route]}` },
      });
      return summarise(route, wrk);
    };
    if (opts.warmup > 0) {
      for (const route of ['open', 'jwt', 'opaque']) {
        log(`  protected API /${route}: warm-up ${opts.warmup}s`);
        await run(route, opts.warmup);
      }
    }
    const sequence = ['open', 'jwt', 'open', 'opaque', 'open'];
    const runs = [];
    for (const route of sequence) {
      log(`  protected API /${route}: ${opts.duration}s`);
      const result = await run(route, opts.duration);
      log(
        `  protected API /${route}: ${result.rps.toFixed(0)} req/s, p99 ${result.latency_ms.p99.toFixed(2)} ms, errors ${result.errors}`,
      );
      runs.push(result);
    }
    const [open1, jwt, open2, opaque, open3] = runs;
    const ratio = (guarded, before, after) => guarded.rps / ((before.rps + after.rps) / 2);
    return {
      runs,
      jwt: { ...jwt, unprotected_rps: (open1.rps + open2.rps) / 2, ratio: ratio(jwt, open1, open2) },
      opaque: { ...opaque, unprotected_rps: (open2.rps + open3.rps) / 2, ratio: ratio(opaque, open2, open3) },
      valid: runs.every((r) => r.valid),
    };
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
  }
}
