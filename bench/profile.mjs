#!/usr/bin/env node
// Profiles Gatehouse under the benchmark's load: the server runs with `node --cpu-prof`, wrk
// drives one scenario, and the profile's top costs are printed.
//
//   node bench/profile.mjs [client_credentials|refresh_token] [--engine sqlite|postgres] [--log-level info|warn]
//
// Same knobs as bench/run.mjs (BENCH_DURATION, BENCH_CONNECTIONS, …). The profile is kept as
// bench/results/profile-<scenario>-<engine>-<level>.cpuprofile (git-ignored; open it in Chrome
// DevTools or summarise it again with bench/cpuprofile-top.mjs).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary, summarise } from './cpuprofile-top.mjs';
import {
  ROOT,
  checkBuild,
  checkClientCredentials,
  createClient,
  createUser,
  makeTempDir,
  mintRefreshTokens,
  postgresDatabase,
  sqliteDatabase,
  startGatehouse,
} from './lib/gatehouse.mjs';
import { cpuSampler } from './lib/cpu.mjs';
import { settings } from './lib/measure.mjs';
import { installSignalHandlers, runScript } from './lib/proc.mjs';
import { ensureTools, runWrk } from './lib/wrk.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

async function main() {
  installSignalHandlers();
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const scenario =
    args.find((a) => !a.startsWith('--') && !['sqlite', 'postgres', 'info', 'warn'].includes(a)) ??
    'client_credentials';
  if (!['client_credentials', 'refresh_token'].includes(scenario)) throw new Error(`unknown scenario ${scenario}`);
  const engine = option('--engine', 'sqlite');
  const logLevel = option('--log-level', 'info');
  const opts = settings();
  ensureTools();
  if (checkBuild().length) log('profile: warning: sources newer than dist/; run `npm run build` first');

  const workDir = makeTempDir();
  const profileDir = join(workDir, 'profiles');
  const database = engine === 'sqlite' ? sqliteDatabase(workDir, 'profile') : await postgresDatabase();
  const client = await createClient(database);
  const user = scenario === 'refresh_token' ? await createUser(database) : null;
  const server = await startGatehouse({
    database,
    core: opts.serverCore,
    logLevel,
    logDir: workDir,
    label: `profile-${engine}`,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  let result;
  try {
    await checkClientCredentials(server.url, client);
    const tokens = user ? await mintRefreshTokens(server.url, client, user, opts.refreshTokens) : undefined;
    const base = {
      url: `${server.url}/oauth/token`,
      script: scenario === 'refresh_token' ? 'refresh.lua' : 'token.lua',
      threads: opts.threads,
      connections: opts.connections,
      core: opts.wrkCore,
    };
    const env = { BENCH_AUTHORIZATION: client.authorization };
    if (tokens) {
      env.BENCH_TOKENS_IN = join(workDir, 'tokens.0');
      env.BENCH_TOKENS_OUT = join(workDir, 'tokens.1');
      writeFileSync(env.BENCH_TOKENS_IN, `${tokens.join('\n')}\n`);
    }
    if (opts.warmup > 0) {
      log(`  warm-up ${opts.warmup}s`);
      await runWrk({ ...base, duration: opts.warmup, env });
      if (tokens) env.BENCH_TOKENS_IN = env.BENCH_TOKENS_OUT;
    }
    log(`  profiling ${opts.duration}s of ${scenario} on ${engine}`);
    const sample = cpuSampler(server.pid);
    const wrk = await runWrk({
      ...base,
      duration: opts.duration,
      env: { ...env, BENCH_TOKENS_OUT: tokens ? join(workDir, 'tokens.2') : undefined },
    });
    const cpu = sample();
    const errors = Object.entries(wrk.statuses).reduce((n, [status, count]) => (status === '200' ? n : n + count), 0);
    result = {
      rps: wrk.requests / (wrk.duration_us / 1e6),
      p99_ms: wrk.latency_us.p99 / 1000,
      errors,
      statuses: wrk.statuses,
      cpu,
    };
  } finally {
    await server.stop(20_000); // the profile is written when the process exits normally
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no .cpuprofile (it did not exit normally)');
  const kept = join(ROOT, 'bench', 'results', `profile-${scenario}-${engine}-${logLevel}.cpuprofile`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  copyFileSync(join(profileDir, file), kept);
  const summary = summarise(JSON.parse(readFileSync(kept, 'utf8')), { top: Number(option('--top', 30)) });
  writeFileSync(kept.replace(/\.cpuprofile$/, '.summary.json'), `${JSON.stringify({ result, summary }, null, 2)}\n`);
  process.stdout.write(
    `\n${scenario} on ${engine} (log ${logLevel}) under --cpu-prof: ${result.rps.toFixed(0)} req/s, p99 ${result.p99_ms.toFixed(1)} ms, ` +
      `non-200 ${result.errors}, server CPU ${(result.cpu.server_cpu * 100).toFixed(0)} %, other programs ${(result.cpu.background * 100).toFixed(0)} % of a core ` +
      `(the profiler itself slows the server)\n` +
      `profile (whole server life: start, warm-up, run): ${kept}\n\n${formatSummary(summary)}\n`,
  );
}

await runScript('profile', main);
