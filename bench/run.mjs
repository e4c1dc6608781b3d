#!/usr/bin/env node
// `npm run bench`: Gatehouse's token endpoint under wrk, against a bare node:http ceiling
// measured in the same run. See BENCHMARKS.md for what is measured and why.
//
// Knobs (environment):
//   BENCH_DURATION=10        seconds per measured run
//   BENCH_WARMUP=3           seconds of warm-up before each measured run (0 = none)
//   BENCH_CONNECTIONS=32     wrk connections
//   BENCH_THREADS=1          wrk threads
//   BENCH_ONLY=sqlite|postgres|protected   one engine's token scenarios only, or only the protected-API scenario
//   BENCH_REFRESH_TOKENS=N   refresh tokens pre-minted per engine (default max(64, 5 × connections)), minted afresh for each warm-up and measured run
//   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres   admin connection (creates/drops the bench database)
//   BENCH_SERVER_CORE=1 / BENCH_WRK_CORE=0   taskset cores
//   BENCH_MAX_BACKGROUND=0.15  cores other programs may use during a measured run before it is repeated
//   BENCH_MAX_DRIFT=0.1      spread allowed between the two ceiling runs around a Gatehouse run before it is repeated
//   BENCH_CEILING_DURATION   seconds of each bracketing ceiling run (default max(3, BENCH_DURATION / 2))
//   BENCH_RETRIES=2          repeats of an unsteady run;  BENCH_QUIET_WAIT=60  seconds to wait for a quiet machine
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  checkBuild,
  distStamp,
  checkClientCredentials,
  createClient,
  createUser,
  makeTempDir,
  mintRefreshTokens,
  postgresDatabase,
  postgresVersion,
  sqliteDatabase,
  startCeiling,
  startGatehouse,
} from './lib/gatehouse.mjs';
import { measure, settings, warmCeiling } from './lib/measure.mjs';
import { measureProtectedRoutes } from './lib/protected.mjs';
import { installSignalHandlers, runScript } from './lib/proc.mjs';
import { ceilingLine, markdownSection, protectedLines, targetLines, textTable, writeJson, writeMarkdown } from './lib/report.mjs';
import { commandOutput, cpuModel, ensureTools, wrkVersion } from './lib/wrk.mjs';

const log = (line) => process.stderr.write(`${line}\n`);
const MARKDOWN = join(ROOT, 'BENCHMARKS.md');
const JSON_OUT = join(ROOT, 'bench', 'results', 'latest.json');
const TEMPLATE = '# Benchmarks\n\nRun `npm run build && npm run bench`; the section below is rewritten by each run.\n';

/** The targets, as fractions of the ceiling measured with the same wrk script. */
const TARGETS = [{ scenario: 'client_credentials', engine: 'sqlite', log_level: 'info', min: 0.4 }];
/** A JWT-protected route must keep this share of the same route's throughput unprotected. */
const PROTECTED_JWT_TARGET = 0.8;

function machineInfo(pgVersion) {
  const require = createRequire(import.meta.url);
  let betterSqlite = 'unknown';
  try {
    betterSqlite = JSON.parse(readFileSync(require.resolve('better-sqlite3/package.json'), 'utf8')).version;
  } catch {
    /* not fatal */
  }
  const commit = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']);
  return {
    nproc: availableParallelism(),
    cpu_model: cpuModel(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrk: wrkVersion(),
    postgres: pgVersion,
    better_sqlite3: betterSqlite,
    git: commit ? `commit ${commit}${dirty ? ' with uncommitted changes in src/' : ''}` : 'unknown commit',
    src_changes: dirty ? dirty.split('\n').map((line) => line.trim()) : [],
  };
}

async function main() {
  installSignalHandlers();
  const opts = settings();
  ensureTools();
  const stale = checkBuild();
  if (stale.length) log(`bench: warning: ${stale.length} source file(s) newer than dist/ (e.g. ${stale[0]}); run \`npm run build\` first for current numbers`);
  if (availableParallelism() < 2) log('bench: warning: fewer than 2 cores; server and wrk will share a core');

  const engines = opts.only === 'protected' ? [] : opts.only ? [opts.only] : ['sqlite', 'postgres'];
  const measureProtected = !opts.only || opts.only === 'protected';
  const pgVersion = engines.includes('postgres') ? await postgresVersion() : null;
  const workDir = makeTempDir();
  const startedAt = new Date();
  const machine = machineInfo(pgVersion); // before the runs: the code state that was measured
  const builtAt = distStamp();
  const results = [];
  log(
    `bench: wrk -t${opts.threads} -c${opts.connections} -d${opts.duration}s (warm-up ${opts.warmup}s), each bracketed by ${opts.ceilingDuration}s ceiling runs; ` +
      `server on core ${opts.serverCore}, wrk on core ${opts.wrkCore}; engines: ${engines.join(', ')}`,
  );

  // 1. The ceiling runs for the whole benchmark (idle between its runs) so every Gatehouse run
  //    can be bracketed by ceiling runs with the same wrk script.
  const ceiling = engines.length ? await startCeiling({ core: opts.serverCore }) : null;
  if (ceiling) {
    log('bench: node:http ceiling');
    await warmCeiling({ ceiling, opts, workDir, log });
  }
  const run = (params) => measure({ opts, workDir, log, ceiling, ...params });

  // 2. Gatehouse on each engine: one server (default log level) for both scenarios.
  for (const engine of engines) {
    log(`bench: Gatehouse on ${engine}`);
    const database = engine === 'sqlite' ? sqliteDatabase(workDir, 'gatehouse') : await postgresDatabase();
    const client = await createClient(database);
    const user = await createUser(database);
    const server = await startGatehouse({ database, core: opts.serverCore, logLevel: 'info', logDir: workDir, label: `${engine}-info` });
    try {
      await checkClientCredentials(server.url, client);
      const mintTokens = async () => {
        const mintStart = Date.now();
        const tokens = await mintRefreshTokens(server.url, client, user, opts.refreshTokens);
        log(`  minted ${tokens.length} refresh tokens (new token families) with the password grant in ${((Date.now() - mintStart) / 1000).toFixed(1)} s`);
        return tokens;
      };
      const env = { BENCH_AUTHORIZATION: client.authorization };
      results.push(await run({ scenario: 'client_credentials', engine, logLevel: 'info', server, env }));
      results.push(await run({ scenario: 'refresh_token', engine, logLevel: 'info', server, env, mintTokens }));
    } catch (error) {
      throw new Error(`${error.message}\nserver stderr:\n${readFileSync(server.errFile, 'utf8').slice(-4000)}`);
    } finally {
      await server.stop();
    }

    if (engine === 'sqlite') {
      // The cost of the request log: the same scenario on a fresh database at log level warn.
      const quiet = sqliteDatabase(workDir, 'gatehouse-warn');
      const quietClient = await createClient(quiet);
      const quietServer = await startGatehouse({ database: quiet, core: opts.serverCore, logLevel: 'warn', logDir: workDir, label: `${engine}-warn` });
      try {
        results.push(await run({ scenario: 'client_credentials', engine, logLevel: 'warn', server: quietServer, env: { BENCH_AUTHORIZATION: quietClient.authorization } }));
      } finally {
        await quietServer.stop();
      }
    }
  }
  await ceiling?.stop();

  // 3. The resource-server middleware: a guarded route against the same route unguarded.
  let protectedApi = null;
  if (measureProtected) {
    log('bench: protected API (gatehouse/resource on Fastify)');
    protectedApi = await measureProtectedRoutes({ opts, workDir, log });
  }

  // 3. Targets (ratios to the bracketing ceiling runs), notes, output.
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const ceilings = {};
  for (const scenario of ['client_credentials', 'refresh_token']) {
    const runs = results.filter((r) => r.scenario === scenario).flatMap((r) => [r.ceiling.before.rps, r.ceiling.after.rps]);
    if (runs.length) ceilings[scenario] = { median_rps: median(runs), min_rps: Math.min(...runs), max_rps: Math.max(...runs), runs: runs.length };
  }
  const targets = TARGETS.map((t) => {
    const r = results.find((x) => x.scenario === t.scenario && x.engine === t.engine && x.log_level === t.log_level);
    return {
      ...t,
      description: `${t.scenario} on ${t.engine} ≥ ${t.min * 100} % of the ceiling`,
      measured: r ? r.ratio : null,
      met: r ? r.valid && r.ratio >= t.min : false,
      inconclusive: r ? r.unsteady || !r.valid : true,
      skipped: !r,
    };
  }).filter((t) => !t.skipped);
  if (protectedApi) {
    targets.push({
      description: `a JWT-protected route ≥ ${PROTECTED_JWT_TARGET * 100} % of the same route unprotected`,
      measured: protectedApi.jwt.ratio,
      met: protectedApi.jwt.valid && protectedApi.jwt.ratio >= PROTECTED_JWT_TARGET,
      inconclusive: !protectedApi.jwt.valid,
    });
  }

  const notes = [];
  if (distStamp() !== builtAt) {
    notes.push('**dist/ was rebuilt while this run was going on** (someone ran `npm run build`): the rows may not all measure the same code.');
    log('bench: warning: dist/ changed during the run; the rows may not all measure the same code');
  }
  const info = results.find((r) => r.scenario === 'client_credentials' && r.engine === 'sqlite' && r.log_level === 'info');
  const warn = results.find((r) => r.scenario === 'client_credentials' && r.engine === 'sqlite' && r.log_level === 'warn');
  if (info && warn) {
    notes.push(
      `Request log: client_credentials on SQLite reaches ${(info.ratio * 100).toFixed(1)} % of the ceiling at log level info (one JSON line per request) ` +
        `and ${(warn.ratio * 100).toFixed(1)} % at warn (${info.rps.toFixed(0)} vs ${warn.rps.toFixed(0)} req/s; each on its own fresh database).`,
    );
  }

  const knobs = Object.keys(process.env).filter((k) => k.startsWith('BENCH_') && process.env[k] !== '').sort();
  const command = `${knobs.map((k) => `${k}=${process.env[k]} `).join('')}npm run bench`;
  const report = {
    command,
    started_at: startedAt.toISOString(),
    machine,
    settings: opts,
    ceilings,
    results,
    protected_api: protectedApi,
    targets,
    notes,
  };

  if (results.length) {
    process.stdout.write(`\n${textTable(results)}\n\n`);
    process.stdout.write(`${ceilingLine(ceilings)}\n`);
  }
  if (protectedApi) process.stdout.write(`\n${protectedLines(protectedApi).join('\n')}\n\n`);
  for (const line of targetLines(targets)) process.stdout.write(`target ${line}\n`);
  for (const note of notes) process.stdout.write(`${note}\n`);
  writeJson(JSON_OUT, report);
  writeMarkdown(MARKDOWN, markdownSection(report), TEMPLATE);
  process.stdout.write(`\nwrote BENCHMARKS.md (results section) and bench/results/latest.json\n`);

  const invalid = results.filter((r) => !r.valid);
  if (protectedApi && !protectedApi.valid) invalid.push({ scenario: 'protected_api', engine: 'sqlite', log_level: 'warn' });
  if (invalid.length) {
    log(`bench: ${invalid.length} run(s) had errors above 0.1 % and are not valid measurements: ${invalid.map((r) => `${r.scenario}/${r.engine}/${r.log_level}`).join(', ')}`);
    process.exitCode = 1;
  }
}

await runScript('bench', main);
