// The storm run: client_credentials latency on Gatehouse (SQLite, default log level) while a
// storm of password-grant logins runs beside it. Runs, each BENCH_DURATION seconds with the
// usual wrk settings: client_credentials alone, client_credentials during the storm, and
// client_credentials alone again; the storm's p99 is compared with the mean of the two idle p99s
// around it (the machine's drift cancels out as elsewhere).
//
// The storm is a second wrk (BENCH_STORM_CONNECTIONS connections, each posting a correct
// password-grant login as soon as the last one was answered, for many users in turn from an
// address of each user's own: bench/wrk/password.lua; so the server runs with
// trusted_proxies = 127.0.0.1, as behind a reverse proxy), started a second before the
// measured run and stopped a second after it. Every login costs an argon2id verification
// (m = 19 MiB, t = 2), which @node-rs/argon2 runs on libuv's thread pool, off the event loop.
// Both wrk processes run on the load generator's core; the server (event loop and thread
// pool) on the server core, as in every other row: the hashing threads and the event loop share
// that one core, so what is measured is how well the event loop keeps answering while it does.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSampler, peakRss, waitForIdle, waitForQuiet } from './cpu.mjs';
import { join } from 'node:path';
import { createClient, createUsers, sqliteDatabase, startGatehouse, writeUsersFile } from './gatehouse.mjs';
import { summarise } from './measure.mjs';
import { userCount } from './targets.mjs';
import { runWrk } from './wrk.mjs';

export async function measureStorm({ opts, workDir, log }) {
  const database = sqliteDatabase(workDir, 'storm');
  const client = await createClient(database);
  const users = await createUsers(database, userCount(opts));
  const settings = { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' };
  const server = await startGatehouse({
    database,
    core: opts.serverCore,
    logLevel: 'info',
    logDir: workDir,
    label: 'storm',
    settings,
  });
  const url = `${server.url}/oauth/token`;
  const cc = {
    url,
    script: 'token.lua',
    threads: opts.threads,
    connections: opts.connections,
    core: opts.wrkCore,
    env: { BENCH_AUTHORIZATION: client.authorization, BENCH_BODY: 'grant_type=client_credentials' },
  };
  const logins = {
    url,
    script: 'password.lua',
    threads: 1,
    connections: opts.stormConnections,
    core: opts.wrkCore,
    env: {
      BENCH_AUTHORIZATION: client.authorization,
      BENCH_USERS_FILE: writeUsersFile(join(workDir, 'storm.users'), users),
    },
  };
  const measured = async (label, duration, during) => {
    const sample = cpuSampler(server.pid);
    const wrk = await runWrk({ ...cc, duration });
    const result = { run: label, ...summarise(wrk, sample()), ...(during ? { storm: await during } : {}) };
    log(
      `  storm ${label}: client_credentials ${result.rps.toFixed(0)} req/s, p50 ${result.latency_ms.p50.toFixed(2)} ms, p99 ${result.latency_ms.p99.toFixed(2)} ms, errors ${result.errors.total}` +
        (result.storm
          ? `; logins ${result.storm.rps.toFixed(0)}/s (p99 ${result.storm.latency_ms.p99.toFixed(0)} ms, errors ${result.storm.errors.total})`
          : ''),
    );
    return result;
  };
  try {
    if (opts.warmup > 0) {
      log(`  storm: warm-up ${opts.warmup}s of client_credentials, then ${opts.warmup}s of logins`);
      await runWrk({ ...cc, duration: opts.warmup });
      await runWrk({ ...logins, duration: opts.warmup });
      await waitForIdle(server.pid);
    }
    if (opts.quietWait > 0)
      await waitForQuiet({ threshold: opts.maxBackground * 0.66, maxMs: opts.quietWait * 1000, log });
    const before = await measured('idle (before)', opts.duration);
    const stormWrk = runWrk({ ...logins, duration: opts.duration + 2 }).then((wrk) => summarise(wrk, null));
    await sleep(1000);
    const during = await measured('during the login storm', opts.duration, stormWrk);
    await waitForIdle(server.pid); // the logins still queued when the storm's wrk stopped
    const after = await measured('idle (after)', opts.duration);
    const idleP99 = (before.latency_ms.p99 + after.latency_ms.p99) / 2;
    const ratio = during.latency_ms.p99 / idleP99;
    return {
      runs: [before, during, after],
      idle_p99_ms: idleP99,
      storm_p99_ms: during.latency_ms.p99,
      ratio,
      storm_connections: opts.stormConnections,
      users: users.length,
      settings,
      valid: before.valid && during.valid && after.valid && during.storm.valid,
      peak_rss: peakRss(server.pid),
    };
  } finally {
    await server.stop();
  }
}
